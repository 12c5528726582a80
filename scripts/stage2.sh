#!/usr/bin/env bash
# Two-stage SS-MDE, the ablation's "what would" (models/recipe/README.md): continue the trained
# pseudo-depth student for 10 more epochs (epochs 16–25), once with a frozen snapshot of it as the
# teacher plus the multi-view mask filter and self-distillation (full2), and once unchanged as the
# control with the same budget (pseudo2). Needs scripts/ablation.sh pseudo first. Resumable.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=bin/ssmde
SRC=build/ablation/pseudo/checkpoints/last.pt
[ -f "$SRC" ] || { echo "stage2: run scripts/ablation.sh pseudo first" >&2; exit 1; }
common=(--data ../../data/sim320/train --val-data ../../data/sim320/val --epochs 25 --threads "${THREADS:-2}" --set lr_step_epochs=12 --resume)
declare -A extra=(
  [full2]="--preset full --set teacher=snapshot --set teacher_snapshot_epoch=15 --set distill_start_epoch=15 --set forget_schedule=none"
  [pseudo2]="--preset pseudo"
)
for run in pseudo2 full2; do
  dir=build/stage2/$run
  if [ ! -f "$dir/model/model.yaml" ]; then
    mkdir -p "$dir/checkpoints"
    [ -f "$dir/checkpoints/last.pt" ] || cp "$SRC" "$dir/checkpoints/last.pt"
    # shellcheck disable=SC2086 # the presets' extra flags are words on purpose
    (cd models/recipe && /usr/bin/python3 -m ssmde_recipe.train ${extra[$run]} "${common[@]}" --out "../../$dir")
    (cd models/recipe && /usr/bin/python3 -m ssmde_recipe.export --run "../../$dir" --out "../../$dir/model" --metric-scale-from gt)
  fi
  if [ ! -f "$dir/eval/merged/results.json" ]; then
    $BIN eval --model "$dir/model" --quiet --samples 2 --out "$dir/eval" data/sim/test > /dev/null
    $BIN eval merge --out "$dir/eval/merged" "$dir"/eval/scene_* > /dev/null
  fi
  echo "[stage2] $run done"
done
