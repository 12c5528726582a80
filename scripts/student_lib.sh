# shellcheck shell=bash
# Shared steps of the student experiments (scripts/ablation.sh, scripts/world_transfer.sh): the sim's
# relative-depth teacher, its pseudo-depth maps, one training run and its evaluation. Every step is
# resumable: what exists is kept, an interrupted training resumes from its checkpoint.
# Source it from the repository root: . scripts/student_lib.sh

BIN=${BIN:-bin/ssmde}
PY=/usr/bin/python3
THREADS=${THREADS:-2}
[ -x "$BIN" ] || go build -o "$BIN" ./cmd/ssmde

# sim_split OUT SEED SCENES FRAMES [FLAGS...]: render a split once (delete OUT to render it again).
sim_split() {
  local out=$1 seed=$2 scenes=$3 frames=$4; shift 4
  [ -d "$out" ] || "$BIN" sim --out "$out" --seed "$seed" --scenes "$scenes" --frames "$frames" --quiet "$@"
}

# The old world: the flat-shaded street world of commit bfab072, rendered by that commit's own `ssmde sim`
# (built once into build/oldworld), to check that the new world does not make the old task worse.
OLD_WORLD_COMMIT=bfab072
old_split() {
  local out=$1 seed=$2 scenes=$3 frames=$4; shift 4
  [ -d "$out" ] && return 0
  if [ ! -x build/oldworld/ssmde ]; then
    rm -rf build/oldworld-src && git worktree add -f build/oldworld-src "$OLD_WORLD_COMMIT" > /dev/null
    (cd build/oldworld-src && go build -o ../oldworld/ssmde ./cmd/ssmde)
    git worktree remove --force build/oldworld-src
  fi
  build/oldworld/ssmde sim --out "$out" --seed "$seed" --scenes "$scenes" --frames "$frames" --quiet "$@"
}

# test_splits: every split a student is scored on (sim street and indoor, the old world's street).
test_splits() {
  sim_split data/sim/test400 3000 8 50
  sim_split data/sim-indoor/test 6000 4 50 --world indoor
  old_split data/old/test 3000 4 50
}

# eval_all RUN: RUN/model on every test split, and on the real TUM frame when ../shared is beside the checkout.
eval_all() {
  local run=$1
  eval_run "$run" street data/sim/test400
  eval_run "$run" indoor data/sim-indoor/test --fit crop_center
  eval_run "$run" old-street data/old/test
  if real_frame build/real/tum; then eval_run "$run" tum build/real/tum --fit crop_center --gt-max 10; fi
}

# relative_teacher DIR: the honest stand-in for LeReS (models/recipe/ssmde_recipe/relative_teacher.py),
# trained with GT on its own sim split (seeds 770001-770004, disjoint from every student split; noisier
# sensor, denser traffic, other resolution), exported to DIR as an affine_disparity ONNX model.
# RT_EPOCHS (default 5: 450 steps; longer runs scored no better on the students' val splits) sets its budget.
relative_teacher() {
  local dir=$1 run=build/rteacher-run
  [ -f "$dir/model.yaml" ] && return 0
  local t=(--noise 3 --vehicles 16 --pedestrians 10 --exposure=false --randomize --width 640 --height 192)
  sim_split data/rteacher/train/street 770001 8 60 "${t[@]}"
  sim_split data/rteacher/val/street 770002 2 40 "${t[@]}"
  sim_split data/rteacher/train/indoor 770003 4 60 --world indoor --randomize --width 640 --height 192 --noise 3 --exposure=false
  sim_split data/rteacher/val/indoor 770004 1 40 --world indoor --randomize --width 640 --height 192 --noise 3 --exposure=false
  local resume=(); [ -f "$run/checkpoints/last.pt" ] && resume=(--resume)
  (cd models/recipe && $PY -m ssmde_recipe.relative_teacher train --data ../../data/rteacher/train \
    --val-data ../../data/rteacher/val --out "../../$run" --epochs "${RT_EPOCHS:-5}" --lr-decay-epochs 8 --threads "$THREADS" "${resume[@]}")
  local ckpt; ckpt=$(printf '%s/checkpoints/weights_epoch%03d.pt' "$run" "${RT_EPOCHS:-5}")
  (cd models/recipe && $PY -m ssmde_recipe.relative_teacher export --run "../../$run" --out "../../$dir" \
    --checkpoint "../../$ckpt")
}

# pseudo_maps TEACHER_DIR ROOT: the teacher's maps into every scene of ROOT (SCENE/pseudo_depth/ + pseudo.yaml).
pseudo_maps() {
  local teacher=$1 root=$2
  if find "$root" -path '*/image_02/data' -type d | sed 's|/image_02/data$||' | while read -r s; do
       [ -f "$s/pseudo_depth/pseudo.yaml" ] || exit 1; done; then return 0; fi
  "$BIN" teacher --model "$teacher" --force --quiet --threads "$THREADS" "$root"
}

# train_run PRESET TRAIN VAL RUN SEED [--set k=v ...]: one student, exported to RUN/model.
train_run() {
  local preset=$1 train=$2 val=$3 run=$4 seed=$5; shift 5
  [ -f "$run/model/model.yaml" ] && return 0
  local resume=(); [ -f "$run/checkpoints/last.pt" ] && resume=(--resume)
  echo "[student] training $run ($preset, seed $seed)"
  (cd models/recipe && $PY -m ssmde_recipe.train --preset "$preset" --data "../../$train" --val-data "../../$val" \
    --out "../../$run" --epochs "${EPOCHS:-15}" --threads "$THREADS" --set lr_step_epochs="${LR_STEP:-12}" \
    --set seed="$seed" "$@" "${resume[@]}")
  (cd models/recipe && $PY -m ssmde_recipe.export --run "../../$run" --out "../../$run/model" --metric-scale-from gt)
}

# eval_run RUN NAME TEST [EVAL FLAGS...]: `ssmde eval` of RUN/model on TEST, median scaling, merged over
# scenes into RUN/eval/NAME/merged/results.json.
eval_run() {
  local run=$1 name=$2 test=$3; shift 3
  local out=$run/eval/$name
  [ -f "$out/merged/results.json" ] && return 0
  "$BIN" eval --model "$run/model" --scaling median --quiet --samples 0 --jobs 1 --out "$out" "$@" "$test" > /dev/null
  if ls -d "$out"/scene_* > /dev/null 2>&1; then
    "$BIN" eval merge --out "$out/merged" "$out"/scene_* > /dev/null
  else
    mkdir -p "$out/merged" && cp "$out/results.json" "$out/merged/results.json"
  fi
}

# real_frame DIR: the real TUM RGB-D frame (beside the checkout, ../shared/data/real) as a one-frame
# sequence with its Kinect depth as GT; returns 1 when the shared folder is not there.
real_frame() {
  local dir=$1 real=../shared/data/real/tum_rgbd_frame
  [ -f "$real/TUM_color.png" ] || return 1
  [ -f "$dir/camera.yaml" ] && return 0
  mkdir -p "$dir/image_02/data" "$dir/proj_depth/groundtruth/image_02"
  cp "$real/TUM_color.png" "$dir/image_02/data/0000000000.png"
  # TUM depth is value/5000 m; the sequence format stores millimetres.
  $PY - "$real/TUM_depth.png" "$dir/proj_depth/groundtruth/image_02/0000000000.png" <<'PY'
import sys, numpy as np
from PIL import Image
d = np.asarray(Image.open(sys.argv[1])).astype(np.float64) / 5000.0
Image.fromarray(np.round(d * 1000).astype(np.uint16)).save(sys.argv[2])
PY
  cat > "$dir/camera.yaml" <<'YAML'
image_width: 640
image_height: 480
camera_name: kinect_tum_default
camera_matrix: {rows: 3, cols: 3, data: [525.0, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1]}
distortion_model: plumb_bob
distortion_coefficients: {rows: 1, cols: 5, data: [0, 0, 0, 0, 0]}
rectification_matrix: {rows: 3, cols: 3, data: [1, 0, 0, 0, 1, 0, 0, 0, 1]}
projection_matrix: {rows: 3, cols: 4, data: [525.0, 0, 319.5, 0, 0, 525.0, 239.5, 0, 0, 0, 1, 0]}
YAML
}
