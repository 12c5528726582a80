#!/usr/bin/env bash
# The SS-MDE ablation on the synthetic world, every row with the same budget (models/recipe/README.md
# has the table). Resumable: a finished row is skipped, an interrupted one resumes from its checkpoint.
#   scripts/ablation.sh [ROWS...]        rows: photometric pseudo forgetting teacher full
# Budget (2 CPU cores): lite encoder, 320×96, batch 4, 15 epochs over 6 train scenes × 50 frames
# (about 1,080 steps), 2 torch threads. Scores: `ssmde eval` on the 640×192 test split, median scaling.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=("$@")
[ ${#ROWS[@]} -gt 0 ] || ROWS=(photometric pseudo forgetting teacher full)
BIN=bin/ssmde
DATA=data/sim320
RUNS=build/ablation
EPOCHS=${EPOCHS:-15}
THREADS=${THREADS:-2}

[ -x $BIN ] || go build -o $BIN ./cmd/ssmde
[ -d $DATA/train ] || $BIN sim --out $DATA/train --seed 1000 --scenes 6 --frames 50 --width 320 --height 96 --quiet
[ -d $DATA/val ]   || $BIN sim --out $DATA/val   --seed 2000 --scenes 2 --frames 50 --width 320 --height 96 --quiet
[ -d data/sim/test ] || $BIN sim --out data/sim/test --seed 3000 --scenes 4 --frames 50 --quiet

for row in "${ROWS[@]}"; do
  run=$RUNS/$row
  if [ ! -f "$run/model/model.yaml" ]; then
    resume=(); [ -f "$run/checkpoints/last.pt" ] && resume=(--resume)
    echo "[ablation] training $row"
    (cd models/recipe && /usr/bin/python3 -m ssmde_recipe.train --preset "$row" --data "../../$DATA/train" \
      --val-data "../../$DATA/val" --out "../../$run" --epochs "$EPOCHS" --threads "$THREADS" \
      --set lr_step_epochs=12 "${resume[@]}")
    (cd models/recipe && /usr/bin/python3 -m ssmde_recipe.export --run "../../$run" --out "../../$run/model" --metric-scale-from gt)
  fi
  if [ ! -f "$run/eval/merged/results.json" ]; then
    $BIN eval --model "$run/model" --quiet --samples 2 --jobs 1 --out "$run/eval" data/sim/test > /dev/null
    $BIN eval merge --out "$run/eval/merged" "$run"/eval/scene_* > /dev/null
  fi
  echo "[ablation] $row done"
done
/usr/bin/python3 scripts/ablation_table.py "$RUNS"
