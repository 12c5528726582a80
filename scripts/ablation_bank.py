"""Keeps one finished ablation run's scores in the repository, so that the table of
scripts/ablation.sh can grow across working stretches whose build/ folder is gone.

    python3 scripts/ablation_bank.py RUN ROW SEED [BANK]

Writes BANK/ROW/seedSEED.json (BANK: models/recipe/results/ablation): for every split RUN was scored
on (RUN/eval/<split>/merged/results.json), the metrics of each pixel set, with the commit, the date and
the training budget. A few kilobytes; the run itself (checkpoints, exports) stays in build/.
"""
import csv
import datetime
import glob
import json
import os
import subprocess
import sys

PARTS = ("all", "static", "dynamic", "followers", "other_movers")
KEYS = ("abs_rel", "sq_rel", "rmse", "rmse_log", "delta1", "delta2", "delta3", "frames")


def summary(run, row, seed):
    splits = {}
    for path in sorted(glob.glob(os.path.join(run, "eval", "*", "merged", "results.json"))):
        split = os.path.basename(os.path.dirname(os.path.dirname(path)))
        res = json.load(open(path))
        splits[split] = {p: {k: res[p][k] for k in KEYS} for p in PARTS if res.get(p) and res[p].get("frames")}
    if not splits:
        raise SystemExit(f"{run}: no RUN/eval/<split>/merged/results.json to bank")
    log = list(csv.DictReader(open(os.path.join(run, "train_log.csv"))))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"row": row, "seed": int(seed), "commit": commit, "date": datetime.date.today().isoformat(),
            "steps": int(log[-1]["step"]) if log else 0, "splits": splits}


def main(run, row, seed, bank="models/recipe/results/ablation"):
    out = os.path.join(bank, row, f"seed{seed}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary(run, row, seed), f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, out)
    print(f"banked {run} as {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
