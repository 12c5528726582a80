"""Prints the ablation table (Markdown) from the banked scores of scripts/ablation.sh
(models/recipe/results/ablation/ROW/seedN.json, written by scripts/ablation_bank.py).

One row per method: AbsRel and δ1 as mean ± std over the seeds banked (n), on the street test split
(all, static and moving pixels, followers), the indoor test split, the old world's street split and
the real TUM frame (all pixels).
"""
import glob
import json
import os
import statistics
import sys

ROWS = [
    ("photometric", "photometric only (Monodepth2-style)"),
    ("pseudo", "+ pseudo-depth (relative-depth network, SSI loss)"),
    ("forgetting", "+ forgetting factor"),
    ("teacher", "+ teacher distillation (EMA teacher, log-L1; paper form)"),
    ("full", "full SS-MDE, redesigned (unreliable set, bounded distillation, snapshot teacher)"),
    ("oracle", "ORACLE: + pseudo-depth from the GT-derived stand-in (not self-supervised)"),
]
COLUMNS = [("street", "all"), ("street", "static"), ("street", "dynamic"), ("street", "followers"), ("indoor", "all"),
           ("old-street", "all"), ("tum", "all")]


def cell(values, digits=3):
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def load(root, name):
    """{(split, part): [(abs_rel, delta1, frames)]} over the banked seeds of one row."""
    out = {}
    for path in sorted(glob.glob(os.path.join(root, name, "seed*.json"))):
        with open(path) as f:
            splits = json.load(f)["splits"]
        for split, part in COLUMNS:
            m = splits.get(split, {}).get(part)
            if m:
                out.setdefault((split, part), []).append((m["abs_rel"], m["delta1"], m["frames"]))
    return out


def main(root):
    head = " | ".join(f"{s} {p} AbsRel | δ1" for s, p in COLUMNS).replace("dynamic", "moving")
    print(f"| row | seeds | {head} |")
    print("|---|---" + "|---|---" * len(COLUMNS) + "|")
    for name, title in ROWS:
        r = load(root, name)
        if not r:
            print(f"| {title} | 0 |" + " not run yet | |" * len(COLUMNS))
            continue
        n = max(len(v) for v in r.values())
        cells = []
        for key in COLUMNS:
            v = r.get(key, [])
            cells += [cell([x[0] for x in v]), cell([x[1] for x in v])]
        print(f"| {title} | {n} | " + " | ".join(cells) + " |")
    frames = {key: v[0][2] for name, _ in ROWS for key, v in load(root, name).items() if v}
    if frames:
        print()
        print("frames scored: " + ", ".join(f"{s} {p.replace('dynamic', 'moving')} {n}" for (s, p), n in
                                            sorted(frames.items())))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models/recipe/results/ablation")
