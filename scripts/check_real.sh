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
. scripts/student_lib.sh
real_frame "$OUT/seq"
bin/ssmde infer --model "$MODEL" --out "$OUT/infer" --fit crop_center --quiet "$OUT/seq"
bin/ssmde eval --model "$MODEL" --scaling median --out "$OUT/report" --fit crop_center --gt-max 10 --samples 1 --quiet "$OUT/seq" > "$OUT/model.txt"
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
bin/ssmde eval --model "$CONST" --scaling median --out "$OUT/constant-report" --fit crop_center --gt-max 10 --samples 0 --quiet "$OUT/seq" > "$OUT/constant.txt"
absrel() { awk '$1 == "all" {print $2}' "$1"; }
echo "check-real: the real TUM RGB-D frame, median-scaled AbsRel: $(basename "$MODEL") $(absrel "$OUT/model.txt"), constant depth $(absrel "$OUT/constant.txt")"
echo "check-real: outputs in $OUT/infer, $OUT/report (model) and $OUT/constant-report"
