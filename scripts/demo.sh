#!/usr/bin/env bash
# `make demo`: a synthetic drive replayed through the depth pipeline, scored against its ground
# truth, with a report and pictures. Idempotent: the drive is rendered once and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=bin/ssmde
DEMO=build/demo
MODEL=${MODEL:-models/default}
DRIVE=$DEMO/drive-seed9000
REPORT=$DEMO/report

if [ ! -f "$MODEL/model.yaml" ]; then
  # No trained default model in this checkout yet: export the recipe's seeded random init so the
  # whole path still runs. Its depth is meaningless, and the demo says so.
  MODEL=build/models/untrained-lite-640x192
  if [ ! -f "$MODEL/model.yaml" ]; then
    echo "[demo] no models/default: exporting an UNTRAINED lite model to $MODEL"
    (cd models/recipe && /usr/bin/python3 -m ssmde_recipe.export --out "../../$MODEL" --encoder lite --width 640 --height 192 --seed 0 >/dev/null)
  fi
  echo "[demo] WARNING: $MODEL is untrained; expect poor numbers"
fi

if [ ! -f "$DRIVE/poses.txt" ]; then
  echo "[demo] rendering a 100-frame synthetic drive (test seed 9000) to $DRIVE"
  $BIN sim --out "$DRIVE" --seed 9000 --frames 100 --quiet
fi

echo "[demo] replaying it through $MODEL"
$BIN eval --model "$MODEL" --out "$REPORT" --pose "$DRIVE"
echo "[demo] open $REPORT/report.md (figures: $REPORT/*.png)"
