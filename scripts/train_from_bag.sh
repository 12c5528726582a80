#!/usr/bin/env bash
# From a robot's own recording to its own SS-MDE student, in one command (README: "Train a
# student on your own robot's recordings"):
#
#   scripts/train_from_bag.sh BAG [TEACHER]
#
# BAG is an MCAP file, a rosbag2 folder or a ROS 1 .bag with a camera (raw or compressed) and its
# camera_info. TEACHER is the relative-depth network whose pseudo-depth guides the student: a
# model folder the node runs, or an ONNX export (imported with TEACHER_PRESET, default
# depth-anything-v2-relative); without one the shipped student (models/default) teaches.
#
# Steps, each skipped when its output exists (so the script resumes; delete OUT to start over):
#   1. ssmde dataset   BAG → OUT/data/{train,val}          (standing camera skipped, split by time)
#   2. ssmde teacher   TEACHER over OUT/data → pseudo_depth (with its kind, pseudo.yaml)
#   3. stage 1         photometric + pseudo-depth           (OUT/stage1, resumes from its checkpoint)
#   4. stage 2         + a frozen snapshot of stage 1 as the teacher, the multi-view mask filter and
#                      self-distillation: the full SS-MDE recipe (OUT/stage2)
#   5. export          OUT/model (model.yaml + depth.onnx + pose.onnx), the folder the node loads
#   6. ssmde eval      the held-out part (OUT/data/val) → OUT/report (depth metrics when the
#                      recording has ground truth; latency always)
#
# Settings (environment): OUT (default build/student/<bag name>), CAMERA_HEIGHT (metres: gives
# the student a metric scale), WIDTH×HEIGHT (320×96; multiples of 32), ENCODER (lite | resnet18),
# EPOCHS1 (15), EPOCHS2 (10), BATCH (4), DEVICE (cpu | cuda), THREADS (2), MAX_STEPS (0: none; a
# cap per stage for smoke tests), DATASET_ARGS, TEACHER_PRESET, PROVIDERS (cpu; tensorrt,cuda,cpu
# on a GPU machine), QUIET (1: no progress bars).
set -euo pipefail
cd "$(dirname "$0")/.."
# Stopped (Ctrl-C, a test's timeout): stop the training it runs too.
trap 'trap - TERM INT; kill -- -$$ 2> /dev/null || kill 0' TERM INT

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
BAG=$1
TEACHER=${2:-}
[ -e "$BAG" ] || { echo "train_from_bag: $BAG does not exist" >&2; exit 1; }
name=$(basename "${BAG%/}"); name=${name%.*}
OUT=${OUT:-build/student/$name}
WIDTH=${WIDTH:-320}; HEIGHT=${HEIGHT:-96}; ENCODER=${ENCODER:-lite}
EPOCHS1=${EPOCHS1:-15}; EPOCHS2=${EPOCHS2:-10}; BATCH=${BATCH:-4}
DEVICE=${DEVICE:-cpu}; THREADS=${THREADS:-2}; MAX_STEPS=${MAX_STEPS:-0}
TEACHER_PRESET=${TEACHER_PRESET:-depth-anything-v2-relative}; PROVIDERS=${PROVIDERS:-cpu}
CAMERA_HEIGHT=${CAMERA_HEIGHT:-0}
BIN=${SSMDE:-bin/ssmde}  # SSMDE: another ssmde binary (tests run the one they built)
PY=/usr/bin/python3
quiet=(); [ "${QUIET:-0}" = 1 ] && quiet=(--quiet)
say() { printf '[train_from_bag] %s\n' "$*"; }

[ -x "$BIN" ] || go build -o "$BIN" ./cmd/ssmde
mkdir -p "$OUT"
ABS_OUT=$(cd "$OUT" && pwd)

# --- 1. dataset -----------------------------------------------------------------------------
if [ ! -f "$OUT/data/dataset.yaml" ]; then
  say "1/6 dataset: $BAG → $OUT/data"
  # shellcheck disable=SC2086 # DATASET_ARGS is a list of flags on purpose
  "$BIN" dataset --out "$OUT/data" "${quiet[@]}" ${DATASET_ARGS:-} "$BAG"
fi
frames=$(sed -n 's/^train_frames: //p' "$OUT/data/dataset.yaml")

# --- plan ----------------------------------------------------------------------------------
per_epoch=$(( (frames + BATCH - 1) / BATCH )); steps1=$(( per_epoch * EPOCHS1 )); steps2=$(( per_epoch * EPOCHS2 ))
if [ "$MAX_STEPS" -gt 0 ]; then steps1=$(( steps1 < MAX_STEPS ? steps1 : MAX_STEPS )); steps2=$(( steps2 < MAX_STEPS ? steps2 : MAX_STEPS )); fi
# Seconds per step measured on a 2-core CPU (lite, 320×96, batch 4: about 0.8 s; resnet18 640×192,
# batch 12: about 12 s) and what models/recipe/README.md gives for one desktop GPU (estimates).
case "$ENCODER/$DEVICE" in
  lite/cpu) per=0.8 ;; resnet18/cpu) per=$(awk "BEGIN{print 12*$WIDTH*$HEIGHT/(640*192)*$BATCH/12}") ;;
  */cuda*) per=0.05 ;; *) per=1 ;;
esac
minutes=$(awk "BEGIN{printf \"%.0f\", ($steps1+$steps2)*$per/60}")
say "plan: $frames training frames at ${WIDTH}x$HEIGHT, $ENCODER, batch $BATCH on $DEVICE:"
say "      stage 1 $steps1 steps, stage 2 $steps2 steps: about $minutes min here (lite on a desktop GPU: a few minutes; see models/recipe/README.md)"

# --- 2. teacher ------------------------------------------------------------------------------
teacher_dir=models/default
if [ -n "$TEACHER" ] && [ -d "$TEACHER" ]; then
  teacher_dir=$TEACHER
elif [ -n "$TEACHER" ]; then
  teacher_dir=$OUT/teacher
  if [ ! -f "$teacher_dir/model.yaml" ]; then
    mkdir -p "$teacher_dir"; cp "$TEACHER" "$teacher_dir/"
    "$BIN" models import --preset "$TEACHER_PRESET" "$teacher_dir/$(basename "$TEACHER")"
  fi
else
  say "no TEACHER given: the shipped student (models/default) gives the pseudo-depth; a stronger relative network (Depth Anything V2, MiDaS) gives a better student"
fi
if ! ls "$OUT"/data/*/scene_*/pseudo_depth/pseudo.yaml > /dev/null 2>&1; then
  say "2/6 teacher: $teacher_dir over $OUT/data"
  "$BIN" teacher --model "$teacher_dir" --providers "$PROVIDERS" --fit stretch --force "${quiet[@]}" "$OUT/data"
fi

# --- 3, 4. train -----------------------------------------------------------------------------
common=(--data "$ABS_OUT/data/train" --width "$WIDTH" --height "$HEIGHT" --encoder "$ENCODER" --batch-size "$BATCH"
        --threads "$THREADS" --device "$DEVICE" --set pseudo_source=files --set pseudo_path=pseudo_depth
        --set camera_height="$CAMERA_HEIGHT")
[ -d "$OUT/data/val/scene_0000" ] && common+=(--val-data "$ABS_OUT/data/val")
train() { # RUN EPOCHS ARGS...: train (or resume) a stage unless it finished
  local run=$1 epochs=$2; shift 2
  [ -f "$OUT/$run/done" ] && return 0
  local resume=(); [ -f "$OUT/$run/checkpoints/last.pt" ] && resume=(--resume)
  (cd models/recipe && $PY -m ssmde_recipe.train "$@" "${common[@]}" --epochs "$epochs" --out "$ABS_OUT/$run" "${resume[@]}")
  touch "$OUT/$run/done"
}
cap1=(); cap2=()
# max_steps counts the optimiser steps of the whole run, and stage 2 continues stage 1's.
[ "$MAX_STEPS" -gt 0 ] && cap1=(--max-steps "$MAX_STEPS") && cap2=(--max-steps "$((2 * MAX_STEPS))")
say "3/6 stage 1: photometric + pseudo-depth ($EPOCHS1 epochs)"
train stage1 "$EPOCHS1" --preset pseudo "${cap1[@]}"
say "4/6 stage 2: + teacher snapshot, mask filter, self-distillation ($EPOCHS2 more epochs)"
if [ ! -f "$OUT/stage2/checkpoints/last.pt" ] && [ ! -f "$OUT/stage2/done" ]; then
  mkdir -p "$OUT/stage2/checkpoints"; cp "$OUT/stage1/checkpoints/last.pt" "$OUT/stage2/checkpoints/last.pt"
fi
train stage2 "$((EPOCHS1 + EPOCHS2))" "${cap2[@]}" --preset full --set teacher=snapshot --set teacher_snapshot_epoch="$EPOCHS1" \
  --set distill_start_epoch="$EPOCHS1" --set forget_schedule=none --set lr_step_epochs="$((EPOCHS1 + EPOCHS2 * 2 / 3))"

# --- 5. export -------------------------------------------------------------------------------
if [ ! -f "$OUT/model/model.yaml" ]; then
  say "5/6 export → $OUT/model"
  scale=(); [ "$CAMERA_HEIGHT" != 0 ] && scale=(--metric-scale-from camera_height)
  (cd models/recipe && $PY -m ssmde_recipe.export --run "$ABS_OUT/stage2" --out "$ABS_OUT/model" "${scale[@]}" --name "ssmde-$name")
fi

# --- 6. eval ---------------------------------------------------------------------------------
if [ ! -f "$OUT/report/results.json" ] && [ ! -f "$OUT/report/merged/results.json" ] && [ -d "$OUT/data/val/scene_0000" ]; then
  say "6/6 eval on the held-out part → $OUT/report"
  mode=(--scale-mode none --scaling median); [ "$CAMERA_HEIGHT" != 0 ] && mode=(--scale-mode camera_height --camera-height "$CAMERA_HEIGHT" --scaling none)
  vals=("$OUT"/data/val/scene_*)
  if [ ${#vals[@]} -eq 1 ]; then
    "$BIN" eval --model "$OUT/model" "${mode[@]}" --quiet --out "$OUT/report" "${vals[0]}"
  else
    "$BIN" eval --model "$OUT/model" "${mode[@]}" --quiet --out "$OUT/report" "${vals[@]}" > /dev/null
    "$BIN" eval merge --out "$OUT/report/merged" "$OUT"/report/scene_*
  fi
fi
say "done: the student is $OUT/model (report: $OUT/report)"
say "run it: bin/ssmde node --ros-args -p model:=$OUT/model$([ "$CAMERA_HEIGHT" != 0 ] && echo " -p scale_mode:=camera_height -p camera_height:=$CAMERA_HEIGHT")"
