"""Prints the ablation table (Markdown) from the merged eval results of scripts/ablation.sh."""
import json
import os
import sys

ROWS = [
    ("photometric", "photometric only (Monodepth2-style)"),
    ("pseudo", "+ pseudo-depth (stand-in relative depth, SSI loss)"),
    ("forgetting", "+ forgetting factor"),
    ("teacher", "+ teacher distillation (EMA teacher)"),
    ("full", "+ multi-view mask filter (full SS-MDE)"),
]
KEYS = ["abs_rel", "sq_rel", "rmse", "rmse_log", "delta1", "delta2", "delta3"]


def main(root):
    print("| row | pixels | AbsRel | SqRel | RMSE | RMSElog | δ1 | δ2 | δ3 | frames |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, title in ROWS:
        path = os.path.join(root, name, "eval", "merged", "results.json")
        if not os.path.exists(path):
            print(f"| {title} | — | not run yet | | | | | | | |")
            continue
        r = json.load(open(path))
        for part, label in (("all", "all"), ("dynamic", "moving")):
            m = r[part]
            cells = " | ".join(f"{m[k]:.3f}" for k in KEYS)
            print(f"| {title if part == 'all' else ''} | {label} | {cells} | {m['frames']} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/ablation")
