#!/usr/bin/env bash
# An indoor student at a 4:3 input (models/recipe/README.md, "An indoor student"): the paper reports a
# separate NYU-v2 model, and a 320×96 street-shaped student sees a real 640×480 room only through a
# centre strip, where it draws a road. This trains a recipe row on the new world's randomized rooms
# rendered at 256×192 (4:3, NYU-like intrinsics scaled), with the same budget as the ablation
# (about 1,800 steps of batch 4), and scores it on the indoor test split (640×480, seed 6000) and on the
# real TUM RGB-D frame (when ../shared is beside the checkout), beside a constant depth at the same input.
#   scripts/indoor_student.sh [ROW [SEED]]     ROW: a recipe preset (default: photometric), SEED (default 0)
# Resumable like every student script (scripts/student_lib.sh). Banked as ROW-indoor in the ablation bank.
set -euo pipefail
cd "$(dirname "$0")/.."
ROW=${1:-photometric}
SEED=${2:-0}
. scripts/student_lib.sh
W=256 H=192
indoor=(--world indoor --randomize --width "$W" --height "$H")
sim_split data/indoor$W/train 4100 8 50 "${indoor[@]}"
sim_split data/indoor$W/val 5100 1 50 "${indoor[@]}"
sim_split data/sim-indoor/test 6000 4 50 --world indoor
# The pseudo-depth rows get a relative-depth teacher of the same shape: the street teacher's recipe
# (scripts/student_lib.sh relative_teacher) on rooms only, at 4:3, from the teacher's own seeds
# (770003/770004: disjoint from every student split), rendered at 320×240 with a noisier sensor.
indoor_teacher() {
  local dir=$1 run=build/rteacher-indoor-run
  [ -f "$dir/model.yaml" ] && return 0
  local t=(--world indoor --randomize --width 320 --height 240 --noise 3 --exposure=false)
  sim_split data/rteacher-indoor/train 770003 8 60 "${t[@]}"
  sim_split data/rteacher-indoor/val 770004 1 40 "${t[@]}"
  local resume=(); [ -f "$run/checkpoints/last.pt" ] && resume=(--resume)
  (cd models/recipe && $PY -m ssmde_recipe.relative_teacher train --data ../../data/rteacher-indoor/train \
    --val-data ../../data/rteacher-indoor/val --out "../../$run" --width "$W" --height "$H" --epochs 8 \
    --lr-decay-epochs 6 --threads "$THREADS" "${resume[@]}")
  (cd models/recipe && $PY -m ssmde_recipe.relative_teacher export --run "../../$run" --out "../../$dir" \
    --checkpoint "../../$run/checkpoints/weights_epoch008.pt")
}
if [ "$ROW" != photometric ]; then
  indoor_teacher build/models/rteacher-indoor
  pseudo_maps build/models/rteacher-indoor data/indoor$W/train
fi

# 8 scenes × 48 triplets = 384 samples = 96 steps/epoch × 19 epochs ≈ 1,824 steps.
run=build/indoor/$ROW/seed$SEED
EPOCHS=19 LR_STEP=15 train_run "$ROW" data/indoor$W/train data/indoor$W/val "$run" "$SEED" \
  --set width="$W" --set height="$H" --set camera_height=1.4
eval_run "$run" indoor data/sim-indoor/test --fit crop_center
if real_frame build/real/tum; then eval_run "$run" tum build/real/tum --fit crop_center --gt-max 10; fi

# The constant-depth baseline at the same input size and crop.
CONST=build/indoor/constant
if [ ! -f "$CONST/model/model.yaml" ]; then
  mkdir -p "$CONST/model"
  $PY models/testdata/byo/make_graphs.py "$CONST/model" --only constant > /dev/null
  cat > "$CONST/model/model.yaml" <<YAML
name: constant-depth baseline
depth: {file: constant.onnx, input: image, output: depth}
input: {width: $W, height: $H, color: rgb, scale: 0.00392156862745098, mean: [0, 0, 0], std: [1, 1, 1]}
output: {kind: depth}
YAML
fi
eval_run "$CONST" indoor data/sim-indoor/test --fit crop_center
if [ -f build/real/tum/camera.yaml ]; then eval_run "$CONST" tum build/real/tum --fit crop_center --gt-max 10; fi
$PY scripts/ablation_bank.py "$run" "$ROW-indoor" "$SEED"
for r in "$run" "$CONST"; do
  for s in indoor tum; do
    f=$r/eval/$s/merged/results.json
    [ -f "$f" ] && printf '%-32s %-7s AbsRel %s\n' "$r" "$s" "$($PY -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["all"]["abs_rel"], 3))' "$f")"
  done
done
