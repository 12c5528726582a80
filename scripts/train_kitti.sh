#!/usr/bin/env bash
# SS-MDE on KITTI raw at Monodepth2's budget, scored on the Eigen split, in one command:
#
#   TEACHER=depth_anything_v2_vits.onnx scripts/train_kitti.sh KITTI_RAW_DIR SPLIT_DIR
#
# KITTI_RAW_DIR holds KITTI raw as unzipped (DATE/calib_cam_to_cam.txt, calib_velo_to_cam.txt,
# DATE/DATE_drive_NNNN_sync/image_02|03/data/*.png, velodyne_points/data/*.bin); it is only read.
# SPLIT_DIR holds Monodepth2's lists: train_files.txt and val_files.txt (splits/eigen_zhou) and
# test_files.txt (splits/eigen/test_files.txt, the 697 Eigen test frames).
# TEACHER is the relative-depth network whose pseudo-depth guides the student (LeReS in the paper;
# any Depth Anything V2 or MiDaS ONNX export works): a model folder the node runs, or an ONNX file
# (imported with TEACHER_PRESET, default depth-anything-v2-relative).
#
# Steps, each skipped when its output exists (so the script resumes; delete OUT to start over):
#   a. layout check    the raw folder and the split lists; every problem named with what to do
#   b. plan            frames, steps, the expected time here and on a GPU
#   c. pseudo-depth    OUT/data: a view of the split's drives (links into KITTI_RAW_DIR) where
#                      `ssmde teacher` writes pseudo_depth/ per drive and camera (image_03/pseudo_depth)
#   d. train           python3 -m ssmde_recipe.train --preset kitti (OUT/run; resumes from its checkpoint)
#   e. export          OUT/model (model.yaml + depth.onnx + pose.onnx), the folder the node loads
#   f. Eigen eval      OUT/eigen: GT from the velodyne scans (ssmde_recipe.kitti_gt, once); then
#                      ssmde eval (Garg crop, 1e-3..80 m, median scaling) per date → OUT/eigen-report,
#                      merged, with the headline AbsRel / δ1 next to the paper's
#
# Settings (environment): OUT (default build/kitti), TEACHER, TEACHER_PRESET, DEVICE (cuda when
# torch sees a GPU, else cpu), PROVIDERS (ONNX Runtime, for the teacher and eval: cuda,cpu on a GPU,
# else cpu), EPOCHS (20), BATCH (12), MAX_STEPS (0: none; a cap for smoke tests), PRETRAINED (1:
# ImageNet encoders from torch's hub cache), AMP (0), THREADS (2), NUM_WORKERS (-1: auto), QUIET (1:
# no progress bars), CHECK_ONLY (1: stop after the plan), SSMDE (another ssmde binary). WIDTH, HEIGHT
# and ENCODER (640, 192, resnet18: the preset) change the budget; only for smoke tests.
set -euo pipefail

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
if [ $# -ne 2 ]; then usage; fi
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
RAW=$(abspath "${1%/}")
SPLIT=$(abspath "${2%/}")
TEACHER=${TEACHER:-}
[ -n "$TEACHER" ] && TEACHER=$(abspath "$TEACHER")
[ -n "${SSMDE:-}" ] && SSMDE=$(abspath "$SSMDE")
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(abspath "${OUT:-$REPO/build/kitti}")  # relative paths are the caller's; the rest runs in the repository
cd "$REPO"
EPOCHS=${EPOCHS:-20}; BATCH=${BATCH:-12}; MAX_STEPS=${MAX_STEPS:-0}; PRETRAINED=${PRETRAINED:-1}
WIDTH=${WIDTH:-640}; HEIGHT=${HEIGHT:-192}; ENCODER=${ENCODER:-resnet18}
AMP=${AMP:-0}; THREADS=${THREADS:-2}; NUM_WORKERS=${NUM_WORKERS:--1}
TEACHER_PRESET=${TEACHER_PRESET:-depth-anything-v2-relative}
BIN=${SSMDE:-bin/ssmde}
PY=/usr/bin/python3
quiet=(); [ "${QUIET:-0}" = 1 ] && quiet=(--quiet)
say() { printf '[train_kitti] %s\n' "$*"; }
problems=()
problem() { problems+=("$*"); }

# --- a. layout check -------------------------------------------------------------------------
MD2=https://github.com/nianticlabs/monodepth2/tree/master/splits
if [ ! -d "$RAW" ]; then
  problem "KITTI_RAW_DIR $RAW is not a folder: download KITTI raw (the archives Monodepth2 lists in splits/kitti_archives_to_download.txt, $MD2) and unzip them into one folder (DATE/DATE_drive_NNNN_sync/image_02/data/*.png)"
else
  dates=()
  for d in "$RAW"/[0-9][0-9][0-9][0-9]_[0-9][0-9]_[0-9][0-9]/; do [ -d "$d" ] && dates+=("$d"); done
  [ ${#dates[@]} -gt 0 ] || problem "$RAW has no date folders (2011_09_26, ...): unzip KITTI raw's archives there, so that $RAW/2011_09_26/2011_09_26_drive_0001_sync/image_02/data/ exists"
fi
declare -A want=(
  [train_files.txt]="copy Monodepth2's splits/eigen_zhou/train_files.txt ($MD2/eigen_zhou) there"
  [val_files.txt]="copy Monodepth2's splits/eigen_zhou/val_files.txt ($MD2/eigen_zhou) there"
  [test_files.txt]="copy Monodepth2's splits/eigen/test_files.txt ($MD2/eigen; the 697 Eigen test frames) there as test_files.txt"
)
if [ ! -d "$SPLIT" ]; then
  problem "SPLIT_DIR $SPLIT is not a folder: make it and put Monodepth2's train_files.txt and val_files.txt (splits/eigen_zhou) and test_files.txt (splits/eigen) in it ($MD2)"
else
  for f in train_files.txt val_files.txt test_files.txt; do
    if [ ! -s "$SPLIT/$f" ]; then problem "$SPLIT/$f is missing or empty: ${want[$f]}"; fi
  done
fi
lines() { [ -s "$1" ] && awk 'NF' "$1" | wc -l || echo 0; }
n_train=$(lines "$SPLIT/train_files.txt"); n_val=$(lines "$SPLIT/val_files.txt"); n_test=$(lines "$SPLIT/test_files.txt")
# The drives (and cameras) the lists name: "FOLDER SIDE" for train + val, "FOLDER" for test.
train_drives=(); test_drives=()
if [ -d "$RAW" ] && [ -d "$SPLIT" ]; then
  mapfile -t train_drives < <(cat "$SPLIT/train_files.txt" "$SPLIT/val_files.txt" 2>/dev/null |
    awk 'NF { s = (NF >= 3 ? $3 : "l"); sub(/\/+$/, "", $1); print $1, s }' | sort -u)
  mapfile -t test_drives < <(awk 'NF { sub(/\/+$/, "", $1); print $1 }' "$SPLIT/test_files.txt" 2>/dev/null | sort -u)
  declare -A seen_date=()
  check_date() { # DATE: its two calibration files
    [ -n "${seen_date[$1]:-}" ] && return 0
    seen_date[$1]=1
    for c in calib_cam_to_cam.txt calib_velo_to_cam.txt; do
      [ -f "$RAW/$1/$c" ] || problem "$RAW/$1/$c is missing: unzip KITTI raw's $1_calib.zip into $RAW"
    done
  }
  check_images() { # FOLDER CAM WHY
    local dir="$RAW/$1/image_$2/data"
    if compgen -G "$dir/*.png" > /dev/null; then return 0; fi
    if compgen -G "$dir/*.jpg" > /dev/null; then
      problem "$dir holds JPEGs, no PNGs ($3): the recipe and ssmde read KITTI's original PNGs (Monodepth2's jpg conversion is not supported); unzip $(basename "$1").zip again"
    else
      problem "$dir has no PNG images ($3): download and unzip KITTI raw's $(basename "$1").zip (synced+rectified) into $RAW, or remove its lines from the split"
    fi
  }
  for fs in "${train_drives[@]}"; do
    folder=${fs% *}; side=${fs##* }
    check_date "${folder%%/*}"
    cam=02; [ "$side" = r ] && cam=03
    check_images "$folder" "$cam" "a drive of train_files.txt/val_files.txt"
  done
  for folder in "${test_drives[@]}"; do
    check_date "${folder%%/*}"
    check_images "$folder" 02 "a drive of test_files.txt"
    compgen -G "$RAW/$folder/velodyne_points/data/*.bin" > /dev/null ||
      problem "$RAW/$folder/velodyne_points/data has no .bin scans (a drive of test_files.txt: the Eigen GT is made from them): unzip the drive's $(basename "$folder").zip, which holds velodyne_points"
  done
  # Test leakage (the recipe refuses it too, later): a train or val line on a test drive.
  declare -A is_test=()
  for folder in "${test_drives[@]}"; do is_test[$(basename "$folder")]=1; done
  declare -A leaked=()
  for fs in "${train_drives[@]}"; do
    d=$(basename "${fs% *}")
    if [ -n "${is_test[$d]:-}" ] && [ -z "${leaked[$d]:-}" ]; then
      leaked[$d]=1
      problem "drive $d is in train_files.txt/val_files.txt and in test_files.txt: training on a test drive leaks the test set; use Monodepth2's eigen_zhou lists with its eigen test list"
    fi
  done
fi
case "$OUT/" in "$RAW"/*) problem "OUT $OUT is inside KITTI_RAW_DIR: put it elsewhere (KITTI_RAW_DIR is only read)" ;; esac
if [ "$PRETRAINED" = 1 ] && [ "$ENCODER" != lite ]; then
  weights=$(case "$ENCODER" in resnet34) echo resnet34-b627a593.pth ;; resnet50) echo resnet50-0676ba61.pth ;; *) echo resnet18-f37072fd.pth ;; esac)
  hub=${TORCH_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/torch}/hub/checkpoints
  [ -f "$hub/$weights" ] || problem "PRETRAINED=1 needs torchvision's ImageNet weights $hub/$weights (from https://download.pytorch.org/models/$weights; nothing is downloaded here), or PRETRAINED=0 (random init: not the paper's setting)"
fi
[ -z "$TEACHER" ] || [ -e "$TEACHER" ] || problem "TEACHER $TEACHER does not exist: give a model folder (model.yaml + ONNX) or an ONNX export of a relative-depth net"
if [ ${#problems[@]} -gt 0 ]; then
  say "layout check: ${#problems[@]} problem(s):" >&2
  for i in "${!problems[@]}"; do
    if [ "$i" -ge 25 ]; then say "  ... and $(( ${#problems[@]} - 25 )) more" >&2; break; fi
    say "  - ${problems[$i]}" >&2
  done
  exit 1
fi
say "layout check: $RAW has the ${#train_drives[@]} training drive camera(s) and ${#test_drives[@]} test drive(s) of $SPLIT"

# --- b. plan ---------------------------------------------------------------------------------
if [ -z "${DEVICE:-}" ]; then
  if $PY -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2> /dev/null; then DEVICE=cuda; else DEVICE=cpu; fi
fi
case "$DEVICE" in cuda*) PROVIDERS=${PROVIDERS:-cuda,cpu} ;; *) PROVIDERS=${PROVIDERS:-cpu} ;; esac
per_epoch=$(( n_train / BATCH )); steps=$(( per_epoch * EPOCHS ))
if [ "$per_epoch" -lt 1 ]; then say "plan: $n_train training lines, fewer than one batch of $BATCH: lower BATCH" >&2; exit 1; fi
if [ "$MAX_STEPS" -gt 0 ] && [ "$MAX_STEPS" -lt "$steps" ]; then steps=$MAX_STEPS; fi
# Seconds per step. CPU: measured on this project's 2-core machine (models/recipe/README.md: the kitti
# step, resnet18 640×192 batch 12 with teacher and mask filter, median 18.3 s; lite 320×96 batch 4
# about 0.5 s), scaled by pixels × batch. GPU: an estimate for one desktop GPU, not measured (no GPU
# was lent to this project): `python3 -m ssmde_recipe.train --preset kitti --benchmark 20` measures it.
work=$(awk "BEGIN{print $WIDTH*$HEIGHT*$BATCH/(640*192*12)}")
case "$ENCODER" in lite) cpu_s=$(awk "BEGIN{printf \"%.3g\", 0.5*$WIDTH*$HEIGHT*$BATCH/(320*96*4)}") ;; *) cpu_s=$(awk "BEGIN{printf \"%.3g\", 18.3*$work}") ;; esac
gpu_s=$(awk "BEGIN{printf \"%.3g\", 0.3*$work}")
human() { awk "BEGIN{s=$1; if (s < 5400) printf \"%.0f min\", s/60; else if (s < 172800) printf \"%.1f h\", s/3600; else printf \"%.1f days\", s/86400}"; }
say "plan: $n_train training lines, $n_val val, $n_test test; $ENCODER ${WIDTH}x$HEIGHT, batch $BATCH, $EPOCHS epochs, on $DEVICE$([ "$MAX_STEPS" -gt 0 ] && echo ", at most $MAX_STEPS steps")"
say "      $per_epoch steps/epoch, $steps steps: on a 2-core CPU about $(human "$steps*$cpu_s") (measured there: ${cpu_s} s/step)$(case "$DEVICE" in cuda*) ;; *) echo " <- this run" ;; esac);"
say "      on one GPU about $(human "$steps*$gpu_s") (an estimate of ${gpu_s} s/step, not measured)$(case "$DEVICE" in cuda*) echo " <- this run" ;; esac)"
say "      then the teacher over every frame of the training drives, and the Eigen test ($n_test frames)"
if [ "${CHECK_ONLY:-0}" = 1 ]; then say "CHECK_ONLY=1: stopping after the plan"; exit 0; fi

[ -x "$BIN" ] || go build -o "$BIN" ./cmd/ssmde
mkdir -p "$OUT"

# --- c. pseudo-depth -------------------------------------------------------------------------
# OUT/data mirrors the split's drives with links into KITTI_RAW_DIR, so nothing is written there:
#   DATE/calib_*.txt, DATE/DRIVE/image_02/data, DATE/DRIVE/proj_depth (val GT, when KITTI_RAW_DIR has it)
#   DATE/DRIVE/image_03/data and DATE/DRIVE/image_03/image_02/data (the right camera as a scene of its
#   own for `ssmde teacher`, whose maps land in DATE/DRIVE/image_03/pseudo_depth, where the recipe reads
#   them for the split's `r` lines)
view=$OUT/data
scenes=()
for fs in "${train_drives[@]}"; do
  folder=${fs% *}; side=${fs##* }; date=${folder%%/*}
  mkdir -p "$view/$folder/image_02"
  for c in calib_cam_to_cam.txt calib_velo_to_cam.txt; do ln -sfn "$RAW/$date/$c" "$view/$date/$c"; done
  if [ "$side" = r ]; then
    mkdir -p "$view/$folder/image_03/image_02"
    ln -sfn "$RAW/$folder/image_03/data" "$view/$folder/image_03/data"
    ln -sfn "$RAW/$folder/image_03/data" "$view/$folder/image_03/image_02/data"
    scenes+=("$view/$folder/image_03")
  else
    ln -sfn "$RAW/$folder/image_02/data" "$view/$folder/image_02/data"
    scenes+=("$view/$folder")
  fi
  [ -d "$RAW/$folder/proj_depth" ] && ln -sfn "$RAW/$folder/proj_depth" "$view/$folder/proj_depth"
done
todo=()
for s in "${scenes[@]}"; do [ -f "$s/pseudo_depth/pseudo.yaml" ] || todo+=("$s"); done
if [ ${#todo[@]} -gt 0 ]; then
  if [ -z "$TEACHER" ]; then
    say "stop: ${#todo[@]} of ${#scenes[@]} drive camera(s) have no pseudo-depth yet, and SS-MDE needs a relative-depth teacher for it:" >&2
    say "  set TEACHER to a model folder or an ONNX export (LeReS in the paper; any Depth Anything V2 or MiDaS ONNX export works," >&2
    say "  imported with TEACHER_PRESET, default $TEACHER_PRESET; see bin/ssmde models presets)" >&2
    exit 1
  fi
  teacher_dir=$TEACHER
  if [ ! -d "$TEACHER" ]; then
    teacher_dir=$OUT/teacher
    if [ ! -f "$teacher_dir/model.yaml" ]; then
      mkdir -p "$teacher_dir"; cp "$TEACHER" "$teacher_dir/"
      "$BIN" models import --preset "$TEACHER_PRESET" "$teacher_dir/$(basename "$TEACHER")"
    fi
  fi
  say "c. pseudo-depth: $teacher_dir over ${#todo[@]} drive camera(s) (providers $PROVIDERS)"
  i=0
  for s in "${todo[@]}"; do
    i=$((i + 1))
    say "   teacher $i/${#todo[@]}: ${s#"$view"/}"
    "$BIN" teacher --model "$teacher_dir" --providers "$PROVIDERS" --fit stretch --force "${quiet[@]}" "$s" > /dev/null
  done
fi

# --- d. train --------------------------------------------------------------------------------
run=$OUT/run
if [ ! -f "$run/done" ]; then
  args=(--preset kitti --data "$view" --split-dir "$SPLIT" --set pseudo_source=files --set pseudo_path=pseudo_depth
        --out "$run" --device "$DEVICE" --epochs "$EPOCHS" --batch-size "$BATCH" --threads "$THREADS"
        --num-workers "$NUM_WORKERS" --width "$WIDTH" --height "$HEIGHT" --encoder "$ENCODER")
  if [ "$PRETRAINED" = 1 ] && [ "$ENCODER" != lite ]; then args+=(--pretrained); else args+=(--no-pretrained); fi
  [ "$AMP" = 1 ] && args+=(--amp)
  [ "$MAX_STEPS" -gt 0 ] && args+=(--max-steps "$MAX_STEPS")
  [ -f "$run/checkpoints/last.pt" ] && args+=(--resume) && say "d. train: resuming $run"
  say "d. train: full SS-MDE (preset kitti) → $run"
  (cd models/recipe && $PY -m ssmde_recipe.train "${args[@]}")
  touch "$run/done"
fi

# --- e. export -------------------------------------------------------------------------------
if [ ! -f "$OUT/model/model.yaml" ] || [ "$run/done" -nt "$OUT/model/model.yaml" ]; then
  say "e. export → $OUT/model"
  (cd models/recipe && $PY -m ssmde_recipe.export --run "$run" --out "$OUT/model" --name "ssmde-kitti-$ENCODER-${WIDTH}x$HEIGHT")
fi

# --- f. Eigen eval ---------------------------------------------------------------------------
if [ ! -f "$OUT/eigen/eigen_gt.json" ]; then
  say "f. Eigen GT from the velodyne scans → $OUT/eigen"
  (cd models/recipe && $PY -m ssmde_recipe.kitti_gt --raw "$RAW" --split-file "$SPLIT/test_files.txt" --out "$OUT/eigen")
fi
reports=()
for seq in "$OUT"/eigen/*/; do
  seq=${seq%/}; [ -d "$seq/image_02/data" ] || continue
  rep=$OUT/eigen-report/$(basename "$seq")
  if [ ! -f "$rep/results.json" ] || [ "$OUT/model/model.yaml" -nt "$rep/results.json" ]; then
    say "f. eval $(basename "$seq") → $rep"
    "$BIN" eval --model "$OUT/model" --providers "$PROVIDERS" --scale-mode none --crop kitti-garg --gt-min 0.001 \
      --gt-max 80 --scaling median --quiet --out "$rep" "$seq" > /dev/null
  fi
  reports+=("$rep")
done
[ ${#reports[@]} -gt 0 ] || { say "no Eigen sequence folder in $OUT/eigen" >&2; exit 1; }
"$BIN" eval merge --out "$OUT/eigen-report" "${reports[@]}" > /dev/null
$PY - "$OUT/eigen-report/results.json" "$n_test" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["all"]
print(f"[train_kitti] Eigen test ({r['frames']} of {sys.argv[2]} frames, Garg crop, 1e-3..80 m, median scaling):")
print(f"[train_kitti]   {'':32s} {'AbsRel':>7s} {'δ1':>6s}")
print(f"[train_kitti]   {'this student':32s} {a['abs_rel']:7.3f} {a['delta1']:6.3f}")
print(f"[train_kitti]   {'SS-MDE (paper)':32s} {0.111:7.3f} {0.87:6.2f}")
print(f"[train_kitti]   {'Monodepth2 ResNet18 (ImageNet)':32s} {0.115:7.3f} {0.877:6.3f}")
PY
say "done: the student is $OUT/model (report: $OUT/eigen-report/summary.txt)"
