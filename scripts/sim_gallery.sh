#!/usr/bin/env bash
# A picture of the synthetic world: one frame of the street and indoor worlds under several
# randomizations, tiled into docs/sim_gallery.jpg (the README shows it). Deterministic (fixed seeds).
#   scripts/sim_gallery.sh [OUT.jpg]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/sim_gallery.jpg}
BIN=${SSMDE:-bin/ssmde}
[ -x "$BIN" ] || go build -o "$BIN" ./cmd/ssmde
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
shots=(
  "street, default|--seed 9000"
  "street, evening|--seed 9001 --time-of-day 17.5"
  "street, fog|--seed 9002 --fog 0.03"
  "street, rain, wet road|--seed 9003 --rain 0.6 --wet-road 1 --clouds 0.9"
  "street, randomized|--seed 9004 --randomize"
  "street, randomized|--seed 9005 --randomize"
  "indoor, default|--seed 9006 --world indoor --height 192"
  "indoor, randomized|--seed 9007 --world indoor --height 192 --randomize"
)
i=0
for shot in "${shots[@]}"; do
  # shellcheck disable=SC2086 # the flags are words on purpose
  "$BIN" sim --out "$work/$i" --frames 12 --quiet ${shot#*|} > /dev/null
  i=$((i + 1))
done
/usr/bin/python3 - "$work" "$OUT" "${shots[@]}" <<'PY'
import os, sys
from PIL import Image, ImageDraw
work, out, shots = sys.argv[1], sys.argv[2], sys.argv[3:]
tiles = []
for i, shot in enumerate(shots):
    im = Image.open(os.path.join(work, str(i), "image_02", "data", "0000000011.png")).convert("RGB")
    im = im.resize((480, int(480 * im.height / im.width)))
    ImageDraw.Draw(im).text((6, 4), shot.split("|")[0], fill=(255, 255, 255))
    tiles.append(im)
w, h = tiles[0].width, max(t.height for t in tiles)
sheet = Image.new("RGB", (2 * w, h * ((len(tiles) + 1) // 2)))
for i, t in enumerate(tiles):
    sheet.paste(t, ((i % 2) * w, (i // 2) * h))
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
sheet.save(out, quality=85)
print(f"sim_gallery: {out} ({sheet.width}x{sheet.height})")
PY
