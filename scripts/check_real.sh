#!/usr/bin/env bash
# `make check-real`: one real Kinect frame (TUM RGB-D, from the team's shared data folder beside the
# checkout) through `ssmde infer`, then its depth scored against the sensor's depth with median
# scaling. Plumbing on a real camera image; the default model was trained on synthetic streets,
# so indoor accuracy is not the point.
set -euo pipefail
cd "$(dirname "$0")/.."
REAL=../shared/data/real/tum_rgbd_frame
if [ ! -f "$REAL/TUM_color.png" ]; then
  echo "check-real: $REAL/TUM_color.png not found (the shared data folder must sit beside the checkout)" >&2
  exit 1
fi
MODEL=${MODEL:-models/default}
[ -f "$MODEL/model.yaml" ] || MODEL=build/models/untrained-lite-640x192
[ -f "$MODEL/model.yaml" ] || { echo "check-real: no model; run make demo first" >&2; exit 1; }
OUT=build/check-real
mkdir -p "$OUT/seq/image_02/data" "$OUT/seq/proj_depth/groundtruth/image_02"
cp "$REAL/TUM_color.png" "$OUT/seq/image_02/data/0000000000.png"
# TUM depth is value/5000 m; the sequence format stores millimetres: convert with Python's numpy + PIL.
/usr/bin/python3 - "$REAL/TUM_depth.png" "$OUT/seq/proj_depth/groundtruth/image_02/0000000000.png" <<'PY'
import sys, numpy as np
from PIL import Image
d = np.asarray(Image.open(sys.argv[1])).astype(np.float64) / 5000.0
Image.fromarray(np.round(d * 1000).astype(np.uint16)).save(sys.argv[2])
PY
cat > "$OUT/seq/camera.yaml" <<'YAML'
image_width: 640
image_height: 480
camera_name: kinect_tum_default
camera_matrix: {rows: 3, cols: 3, data: [525.0, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1]}
distortion_model: plumb_bob
distortion_coefficients: {rows: 1, cols: 5, data: [0, 0, 0, 0, 0]}
rectification_matrix: {rows: 3, cols: 3, data: [1, 0, 0, 0, 1, 0, 0, 0, 1]}
projection_matrix: {rows: 3, cols: 4, data: [525.0, 0, 319.5, 0, 0, 525.0, 239.5, 0, 0, 0, 1, 0]}
YAML
bin/ssmde infer --model "$MODEL" --out "$OUT/infer" --fit crop_center --quiet "$OUT/seq"
bin/ssmde eval --model "$MODEL" --out "$OUT/report" --fit crop_center --gt-max 10 --samples 1 --quiet "$OUT/seq" > "$OUT/model.txt"
# The baseline a model must beat to have learned anything: one constant depth, median-scaled (a
# graph that outputs 1 everywhere, on the model's own input size and crop, so the window is the same).
CONST=$OUT/constant
mkdir -p "$CONST"
[ -f "$CONST/constant.onnx" ] || /usr/bin/python3 models/testdata/byo/make_graphs.py "$CONST" --only constant > /dev/null
W=$(sed -n 's/^ *width: *\([0-9]*\).*/\1/p' "$MODEL/model.yaml" | head -1)
H=$(sed -n 's/^ *height: *\([0-9]*\).*/\1/p' "$MODEL/model.yaml" | head -1)
if ! grep -q "width: $W\b" "$CONST/model.yaml" 2>/dev/null; then
  cat > "$CONST/model.yaml" <<YAML
name: constant-depth baseline
depth: {file: constant.onnx, input: image, output: depth}
input: {width: $W, height: $H, color: rgb, scale: 0.00392156862745098, mean: [0, 0, 0], std: [1, 1, 1]}
output: {kind: depth}
YAML
fi
bin/ssmde eval --model "$CONST" --out "$OUT/constant-report" --fit crop_center --gt-max 10 --samples 0 --quiet "$OUT/seq" > "$OUT/constant.txt"
absrel() { awk '$1 == "all" {print $2}' "$1"; }
echo "check-real: the real TUM RGB-D frame, median-scaled AbsRel: $(basename "$MODEL") $(absrel "$OUT/model.txt"), constant depth $(absrel "$OUT/constant.txt")"
echo "check-real: outputs in $OUT/infer, $OUT/report (model) and $OUT/constant-report"
