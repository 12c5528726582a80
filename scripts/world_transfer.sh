#!/usr/bin/env bash
# Does the new world teach more than the old one? (models/recipe/README.md, "Old world vs new world")
# The same recipe row and budget (1,800 steps of batch 4, as the previous default) trained on
#   old:  the flat-shaded street world of commit bfab072 (scripts/student_lib.sh old_split), 6 scenes × 50
#         frames at 320×96, seed 1000 — the previous default's data;
#   new:  today's world, randomized streets (seed 1000, 6 × 50) + randomized rooms (seed 4000, 4 × 50), 320×96
#         (the ablation's run of that row, seed 0: build/ablation/ROW/seed0, trained here if missing);
# each scored on the old world's street test split, the new world's street and indoor test splits and the
# real TUM RGB-D frame beside the checkout (when ../shared is there), beside the previous default and a
# constant-depth baseline.
#   scripts/world_transfer.sh [ROW]      ROW: a recipe preset (default: pseudo)
set -euo pipefail
cd "$(dirname "$0")/.."
ROW=${1:-pseudo}
. scripts/student_lib.sh
RUNS=build/world

old_split data/old320/train 1000 6 50 --width 320 --height 96
old_split data/old320/val 2000 2 50 --width 320 --height 96
sim_split data/new320/train/street 1000 6 50 --randomize --width 320 --height 96
sim_split data/new320/train/indoor 4000 4 50 --world indoor --randomize --width 320 --height 96
sim_split data/new320/val/street 2000 2 50 --randomize --width 320 --height 96
sim_split data/new320/val/indoor 5000 1 50 --world indoor --randomize --width 320 --height 96
test_splits
relative_teacher build/models/rteacher
pseudo_maps build/models/rteacher data/old320/train
pseudo_maps build/models/rteacher data/new320/train

# 1,800 steps each: old 288 samples = 72 steps/epoch × 25; new 480 samples = 120 steps/epoch × 15.
EPOCHS=25 LR_STEP=20 train_run "$ROW" data/old320/train data/old320/val "$RUNS/old-$ROW" 0
NEW=build/ablation/$ROW/seed0
EPOCHS=15 LR_STEP=12 train_run "$ROW" data/new320/train data/new320/val "$NEW" 0

# The constant-depth baseline at the students' input size (a graph that outputs 1 everywhere).
CONST=$RUNS/constant/model
if [ ! -f "$CONST/model.yaml" ]; then
  mkdir -p "$CONST"
  $PY models/testdata/byo/make_graphs.py "$CONST" --only constant > /dev/null
  cat > "$CONST/model.yaml" <<'YAML'
name: constant-depth baseline
depth: {file: constant.onnx, input: image, output: depth}
input: {width: 320, height: 96, color: rgb, scale: 0.00392156862745098, mean: [0, 0, 0], std: [1, 1, 1]}
output: {kind: depth}
YAML
fi
# The previous default (old world, GT-derived stand-in): the commit before this experiment's default.
PREV=$RUNS/previous-default/model
if [ ! -f "$PREV/model.yaml" ]; then
  mkdir -p "$PREV"
  for f in model.yaml depth.onnx pose.onnx; do git show "28a30ec:models/default/$f" > "$PREV/$f"; done
fi
for run in "$RUNS/previous-default" "$RUNS/old-$ROW" "$NEW" "$RUNS/constant"; do eval_all "$run"; done
$PY - "$RUNS" "$NEW" "$ROW" <<'PY'
import json, os, sys
root, new, row = sys.argv[1:]
runs = [(os.path.join(root, "previous-default"), "previous default (old world; GT-derived stand-in pseudo-depth: oracle-trained)"),
        (os.path.join(root, f"old-{row}"), f"old world, `{row}` row (network pseudo-depth)"),
        (new, f"new world, `{row}` row (network pseudo-depth)"),
        (os.path.join(root, "constant"), "constant depth (baseline)")]
cols = [("old-street", "old street test"), ("street", "new street test"), ("indoor", "indoor test"),
        ("tum", "real TUM frame")]
print("| trained on | " + " | ".join(f"{t} AbsRel / δ1" for _, t in cols) + " |")
print("|---" * (len(cols) + 1) + "|")
for run, title in runs:
    cells = []
    for key, _ in cols:
        p = os.path.join(run, "eval", key, "merged", "results.json")
        if not os.path.exists(p):
            cells.append("—")
            continue
        a = json.load(open(p))["all"]
        cells.append(f"{a['abs_rel']:.3f} / {a['delta1']:.3f}")
    print(f"| {title} | " + " | ".join(cells) + " |")
PY
