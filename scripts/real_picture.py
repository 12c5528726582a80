"""A picture of what students predict for the real TUM RGB-D frame: the camera's crop, the Kinect depth,
then each model's depth (median-scaled to the Kinect's, as `ssmde eval` scores it), all in one inverse-depth
colour scale, with each panel's AbsRel. Depth maps come from `ssmde infer --fit crop_center` (*_depth.npy,
the model's grid over the centre crop of the model's aspect).

    python3 scripts/real_picture.py --color C.png --depth D.png --out strip.jpg LABEL=DEPTH.npy ...
"""
import argparse

import numpy as np
from PIL import Image, ImageDraw


def crop_window(w, h, aspect):
    """The centre crop of a w×h image at the model's aspect (width/height): (x0, y0, x1, y1)."""
    if w / h > aspect:
        cw = int(round(h * aspect))
        x0 = (w - cw) // 2
        return x0, 0, x0 + cw, h
    ch = int(round(w / aspect))
    y0 = (h - ch) // 2
    return 0, y0, w, y0 + ch


def colour(inv, lo, hi, valid):
    u = np.clip((inv - lo) / max(hi - lo, 1e-9), 0, 1)
    # a perceptual-ish ramp, dark blue (far) → yellow (near), without matplotlib
    r = np.clip(1.6 * u - 0.3, 0, 1)
    g = np.clip(1.4 * u ** 1.5, 0, 1)
    b = np.clip(0.6 + 0.8 * u - 1.6 * u ** 2, 0, 1)
    c = (np.stack([r, g, b], -1) * 255).astype(np.uint8)
    c[~valid] = 0
    return c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--color", required=True)
    ap.add_argument("--depth", required=True, help="TUM depth PNG (value / 5000 = metres)")
    ap.add_argument("--depth-scale", type=float, default=5000.0)
    ap.add_argument("--max-depth", type=float, default=10.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("models", nargs="+", metavar="LABEL=DEPTH.npy")
    a = ap.parse_args(argv)
    rgb = np.asarray(Image.open(a.color).convert("RGB"))
    gt = np.asarray(Image.open(a.depth)).astype(np.float64) / a.depth_scale
    preds = []
    for spec in a.models:
        label, path = spec.split("=", 1)
        preds.append((label, np.load(path).astype(np.float64).squeeze()))
    ph, pw = preds[0][1].shape
    x0, y0, x1, y1 = crop_window(rgb.shape[1], rgb.shape[0], pw / ph)
    size = (pw * 2, ph * 2)
    rgb_c = np.asarray(Image.fromarray(rgb[y0:y1, x0:x1]).resize(size, Image.BILINEAR))
    gt_c = np.asarray(Image.fromarray(gt[y0:y1, x0:x1].astype(np.float32)).resize(size, Image.NEAREST))
    valid = (gt_c > 1e-3) & (gt_c < a.max_depth)
    inv_gt = np.where(valid, 1.0 / np.maximum(gt_c, 1e-3), 0)
    lo, hi = np.percentile(inv_gt[valid], 2), np.percentile(inv_gt[valid], 98)
    panels = [(rgb_c, "camera (centre crop)"), (colour(inv_gt, lo, hi, valid), "Kinect depth")]
    for label, d in preds:
        d = np.asarray(Image.fromarray(d.astype(np.float32)).resize(size, Image.BILINEAR)).astype(np.float64)
        ok = valid & np.isfinite(d) & (d > 0)
        s = np.median(gt_c[ok]) / np.median(d[ok])
        ds = np.clip(d * s, 1e-3, a.max_depth)
        absrel = float(np.mean(np.abs(ds[ok] - gt_c[ok]) / gt_c[ok]))
        inv = 1.0 / np.maximum(ds, 1e-3)
        panels.append((colour(inv, lo, hi, np.isfinite(d)), f"{label}: AbsRel {absrel:.3f}"))
    rows = []
    for img, title in panels:
        im = Image.fromarray(img)
        ImageDraw.Draw(im).rectangle([0, 0, 8 + 6 * len(title), 14], fill=(0, 0, 0))
        ImageDraw.Draw(im).text((4, 2), title, fill=(255, 255, 255))
        rows.append(np.asarray(im))
    Image.fromarray(np.concatenate(rows, 0)).save(a.out, quality=85)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
