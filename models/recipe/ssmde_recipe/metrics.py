"""Depth metrics of DESIGN.md §8 (Monodepth2 conventions).

Per image: valid GT min < gt < max; prediction resized (bilinear) to the GT size; per-image
median scaling r = median(gt)/median(pred) over the valid pixels (or a fixed scale); clamp to
[min, max]; AbsRel, SqRel, RMSE, RMSElog, δ<1.25, δ<1.25², δ<1.25³. Metrics are averaged over images.
Region "all" uses every valid pixel, "moving" only motion-mask pixels, "static" the rest; an image
with no valid pixel in a region does not count for that region. The scale uses all valid pixels
in every region, so moving-object errors are measured in the scene's scale.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

NAMES = ("abs_rel", "sq_rel", "rmse", "rmse_log", "a1", "a2", "a3")


def compute_errors(gt, pred):
    """1-D tensors of valid GT and (scaled, clamped) prediction -> dict of the seven metrics."""
    thresh = torch.max(gt / pred, pred / gt)
    return {
        "abs_rel": ((gt - pred).abs() / gt).mean().item(),
        "sq_rel": (((gt - pred) ** 2) / gt).mean().item(),
        "rmse": torch.sqrt(((gt - pred) ** 2).mean()).item(),
        "rmse_log": torch.sqrt(((torch.log(gt) - torch.log(pred)) ** 2).mean()).item(),
        "a1": (thresh < 1.25).float().mean().item(),
        "a2": (thresh < 1.25 ** 2).float().mean().item(),
        "a3": (thresh < 1.25 ** 3).float().mean().item(),
    }


class DepthEvaluator:
    """Accumulates per-image metrics; ``fixed_scale`` replaces median scaling when given."""

    def __init__(self, min_depth=1e-3, max_depth=80.0, fixed_scale=None):
        self.min_depth, self.max_depth, self.fixed_scale = min_depth, max_depth, fixed_scale
        self.per_region = {"all": [], "moving": [], "static": []}
        self.ratios = []

    def add(self, pred_depth, gt_depth, motion_mask=None):
        """pred [H,W] (any size), gt [H0,W0] metres (0/NaN invalid), motion mask [H0,W0] or None."""
        gt = gt_depth.float()
        pred = F.interpolate(pred_depth.float()[None, None], size=gt.shape, mode="bilinear",
                             align_corners=False)[0, 0]
        valid = torch.isfinite(gt) & (gt > self.min_depth) & (gt < self.max_depth)
        if valid.sum() == 0:
            return
        ratio = self.fixed_scale if self.fixed_scale is not None else \
            (gt[valid].median() / pred[valid].median().clamp_min(1e-9)).item()
        self.ratios.append(ratio)
        pred = (pred * ratio).clamp(self.min_depth, self.max_depth)
        moving = motion_mask > 0.5 if motion_mask is not None else torch.zeros_like(valid)
        for region, m in (("all", valid), ("moving", valid & moving), ("static", valid & ~moving)):
            if m.sum() > 0:
                self.per_region[region].append(compute_errors(gt[m], pred[m]))

    def summary(self):
        out = {}
        for region, rows in self.per_region.items():
            out[region] = {k: float(np.mean([r[k] for r in rows])) for k in NAMES} if rows else None
            if rows:
                out[region]["images"] = len(rows)
        r = np.array(self.ratios) if self.ratios else np.array([math.nan])
        out["scale_ratio"] = {"mean": float(r.mean()), "std": float(r.std()), "median": float(np.median(r))}
        return out


def camera_height_scale(depth, inv_k, camera_height, rows=(0.75, 1.0), cols=(0.35, 0.65)):
    """Metric scale from the road plane: backproject the bottom-centre region (assumed road),
    take the median height y (optical frame, y down) of its points and return camera_height / y.
    depth [1,H,W] or [H,W] in model units; inv_k [3|4,3|4] pixel intrinsics inverse."""
    d = depth.reshape(depth.shape[-2], depth.shape[-1]).float()
    h, w = d.shape
    r0, r1 = int(rows[0] * h), int(rows[1] * h)
    c0, c1 = int(cols[0] * w), int(cols[1] * w)
    v, u = torch.meshgrid(torch.arange(r0, r1, dtype=torch.float32), torch.arange(c0, c1, dtype=torch.float32),
                          indexing="ij")
    fy_inv, cy = inv_k[1, 1].item(), -inv_k[1, 2].item() / inv_k[1, 1].item()
    y = (v - cy) * fy_inv * d[r0:r1, c0:c1]
    y = y[torch.isfinite(y) & (y > 0)]
    if y.numel() == 0:
        return math.nan
    return camera_height / y.median().item()
