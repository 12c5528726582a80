#!/usr/bin/env bash
# The SS-MDE ablation on the synthetic world: every row with the same budget and the same seeds
# (models/recipe/README.md has the table). Resumable: a finished run is skipped, an interrupted one
# resumes from its checkpoint, so the whole table can be filled across several working stretches.
#   scripts/ablation.sh [--seeds N] [ROWS...]
#   rows: photometric pseudo forgetting teacher full oracle (default: all)
# Data: the new world's street + indoor training split at 320×96 (data/new320, as the default model);
# pseudo-depth from the sim's relative-depth NETWORK (scripts/student_lib.sh relative_teacher), never
# the GT; `oracle` is the pseudo row with the GT-derived stand-in, for reference only.
# Budget per run (2 CPU cores): lite encoder, batch 4, EPOCHS=15 (about 1,800 steps), 2 torch threads.
# Banked: each finished run's scores go to models/recipe/results/ablation/ROW/seedN.json (commit them: the
# table is printed from there, so it grows across working stretches). Scores: `ssmde eval`, median scaling, on the 640×192 street test split of 8 scenes × 50 frames (400
# frames, seed 3000), the indoor test split (seed 6000, 4 × 50), the old world's street test split and
# the real TUM frame (when ../shared is beside the checkout); moving pixels also split into followers
# (movers that look static to the camera) and other movers.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=1
ROWS=()
while [ $# -gt 0 ]; do
  case $1 in
    --seeds) SEEDS=$2; shift 2 ;;
    --seeds=*) SEEDS=${1#--seeds=}; shift ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) ROWS+=("$1"); shift ;;
  esac
done
[ ${#ROWS[@]} -gt 0 ] || ROWS=(photometric pseudo forgetting teacher full oracle)
. scripts/student_lib.sh
RUNS=build/ablation

sim_split data/new320/train/street 1000 6 50 --randomize --width 320 --height 96
sim_split data/new320/train/indoor 4000 4 50 --world indoor --randomize --width 320 --height 96
sim_split data/new320/val/street 2000 2 50 --randomize --width 320 --height 96
sim_split data/new320/val/indoor 5000 1 50 --world indoor --randomize --width 320 --height 96
test_splits
relative_teacher build/models/rteacher
pseudo_maps build/models/rteacher data/new320/train

for row in "${ROWS[@]}"; do
  for ((seed = 0; seed < SEEDS; seed++)); do
    run=$RUNS/$row/seed$seed
    train_run "$row" data/new320/train data/new320/val "$run" "$seed"
    eval_all "$run"
    $PY scripts/ablation_bank.py "$run" "$row" "$seed"
    echo "[ablation] $row seed $seed done"
  done
done
$PY scripts/ablation_table.py
