"""A relative-depth teacher trained SUPERVISED on a disjoint sim split: the honest stand-in for LeReS.

Why
---
SS-MDE's pseudo-depth comes from a pretrained relative-depth network (LeReS in the paper). On the
synthetic world the recipe's default source, ``pseudo_depth.StandInRelativeDepth``, is made from the
ground truth itself: GT disparity with a little noise and a random scale/shift that the
scale-and-shift-invariant loss undoes exactly (AbsRel 0.053 after alignment). A real relative-depth
net is far worse (LeReS: ~0.15 on KITTI after alignment), so results with the stand-in flatter the
method. The honest stand-in is a *network*: this module trains the recipe's own depth network
(the student's encoder and decoder classes, one image in, no pose net) with depth supervision on a
sim split whose seeds are disjoint from every training/validation/test seed of the student and that
has a domain gap (other rendering size, sensor noise, traffic, no exposure drift), freezes it,
exports it as an ONNX ``affine_disparity`` model, and lets the Go command ``ssmde teacher`` write its
maps (``SCENE/pseudo_depth/*.npy`` + ``pseudo.yaml`` with the kind) for the recipe's ``files`` source.
Its own accuracy is measured the way relative-depth nets are: after a per-image least-squares
(scale, shift) alignment in disparity, on all, static and moving pixels.

Losses (MiDaS, Ranftl et al., TPAMI 2022), in disparity space
-------------------------------------------------------------
Target: GT disparity d* = 1/D_gt over the valid pixels M (finite GT > 0). Sky: the sim's GT PNGs
store 0 where there is no surface (sky, beyond 65.535 m saturates at 65.535), so with ``--sky far``
(the default, for the sim's dense GT) a 0 is sky and is supervised as disparity 0 ("infinitely
far", what LeReS/MiDaS learn from their data); with ``--sky ignore`` (real data: KITTI's 0 means
"no LiDAR return", not sky) a 0 is left out. NaN is always left out.

Both maps are normalised per image over M (``losses.normalise_disparity``):

    t(d) = median_M(d),   s(d) = 1/|M| Σ_M |d − t(d)|,   d̂ = (d − t(d)) / s(d)

so a positive affine map of the target has zero loss and a negative one (an inverted scene) does
not. With the residual r = d̂ − d̂* over the batch (M = all valid pixels of the batch):

    L_ssimae  = 1/(2M) Σ_M |r|                          (``--loss mae``, the default)
    L_ssitrim = 1/(2M) Σ_i Σ_{j ≤ 0.8·M_i} |r|_(j)     (per image: the 80 % smallest |r|; ``--loss trim``)
    L_grad    = Σ_{k=0..3} 1/M_k Σ_{M_k} (|∇x R^k| + |∇y R^k|),  R^k = r subsampled by 2^k (both pixels valid)
    L         = L_ssi + w_g · L_grad,  w_g = 0.5 · min(1, step / 300)   (``--grad-weight``, ``--grad-warmup``)

The network is the recipe's depth net (same encoder and decoder classes as the student) with only the
full-resolution head (scales (0,)); its output, read as disparity up to an unknown positive scale and
shift (model.yaml ``output: {kind: affine_disparity}``), is ``exp`` of the head's logit by default
(``--activation exp``: non-negative, no upper bound; ONNX Exp) or the student's sigmoid
(``--activation sigmoid``, in (0, 1)).

Choices, from short runs on the sim (lite, 320x96, batch 8):
``mae`` rather than MiDaS' ``trim``: trimming lets 20 % of the pixels be arbitrarily wrong, and those
outliers (image borders, the near road) then dominate the least-squares alignment of the metric.
Fitting one batch for 80 steps (sigmoid head, no gradient term, lr 2e-4) gave a lower loss with trim
(0.086 vs 0.170) but a worse aligned AbsRel on that very batch (0.36 vs 0.28). ``exp`` rather than the
sigmoid with the gradient term: with the sigmoid, L_grad drove ~10 % of the pixels into saturation at
1.0, where they stop learning (data term stuck at ~0.4); the exp head has no upper saturation. The
gradient term is ramped in over 300 steps because at the seeded init it is ~5x the data term. Whole
runs (480 frames, val on the teacher's own val split, static AbsRel): sigmoid + mae, no gradient term:
0.153 after 420 steps; exp + mae + gradient term (the defaults): 0.129 after 420, 0.096 after 1,500.

Augmentation as the student's: colour jitter (brightness/contrast/saturation 0.2, hue 0.1, p 0.5) and
horizontal flip (p 0.5) of the image and its GT, seeded by (seed, epoch, index). GT at another size
than the net's is resized (nearest).

Aligned metrics (``aligned_errors``)
------------------------------------
Per image: the prediction is resized (bilinear) to the GT size; valid GT: finite,
min_depth < D < max_depth (1e-3..80 m; sky is not scored); (s, t) = argmin Σ_valid (s·p + t − 1/D)²
(least squares, float64, all valid pixels); depth = 1 / max(s·p + t, 1/max_depth), clamped to
[min_depth, max_depth]; then metrics.compute_errors (AbsRel, SqRel, RMSE, RMSElog, δ1..δ3) on
"all" valid pixels, "static" (motion mask 0) and "moving" (motion mask 1) ones. Averaged over
images; an image without pixels in a region does not count for it.

CLI
---
    python3 -m ssmde_recipe.relative_teacher train --data ROOT --val-data ROOT --out RUN
        [--encoder lite|resnet18] [--width 320 --height 96] [--epochs 20] [--batch-size 8] [--lr 5e-4]
        [--threads T] [--max-steps N] [--seed S] [--resume] [--save-every 200] [--loss mae|trim]
        [--grad-weight 0.5 --grad-warmup 300] [--activation exp|sigmoid] [--sky far|ignore]
        [--depth-scale 1000] [--no-augment] [--device cpu] [--benchmark N]
    python3 -m ssmde_recipe.relative_teacher export --run RUN --out MODEL_DIR [--checkpoint CKPT] [--name N]
    python3 -m ssmde_recipe.relative_teacher eval (--run RUN [--checkpoint CKPT] | --model MODEL_DIR)
        --data ROOT [--depth-scale 1000] [--out metrics.json] [--max-frames N]

Run folder: ``config.yaml``; ``train_log.csv|jsonl`` (step, epoch, loss, ssi, grad, lr, s/iter);
``val_log.csv|jsonl`` and ``val.json`` (the aligned metrics after each epoch, and when --max-steps
stops the run); ``checkpoints/last.pt`` (model, optimiser, scheduler, step, RNG: ``--resume``
continues mid-epoch exactly, and starts afresh when there is none yet) every ``--save-every``
steps and at each epoch end; ``checkpoints/weights_epochNNN.pt`` (state dict after epoch NNN:
``export --checkpoint`` picks a teacher of a chosen accuracy). Without ``--val-data`` the last
quarter of the scenes is the validation split.

``export`` writes ``depth.onnx`` (opset 13, ``image`` float32 [1,3,H,W] RGB/255 -> ``disp``
[1,1,H,W], as the student's export), ``weights.pt`` and a ``model.yaml`` with
``output: {kind: affine_disparity}`` (no depth range, no metric_scale, no training_intrinsics) and a
``training:`` section (data, seeds, epochs, steps, the val metrics of the exported weights).
``eval`` runs the PyTorch weights (Debian's python has no onnxruntime; the ONNX graph computes the
same function, see tests) on any KITTI-like root: ``--run`` takes a checkpoint, ``--model`` the
exported folder's ``weights.pt``.

Data for the teacher (seeds disjoint from the student's 1000/2000/3000/9000 splits; domain gap:
rendered at 640x192 and resized to the net, sensor noise 3 instead of 1.5, denser traffic, no
exposure drift):

    bin/ssmde sim --out /tmp/rt/train --seed 770001 --scenes 8 --frames 60 --width 640 --height 192 \\
        --noise 3 --vehicles 16 --pedestrians 10 --exposure=false --quiet
    bin/ssmde sim --out /tmp/rt/val --seed 770002 --scenes 2 --frames 40 --width 640 --height 192 \\
        --noise 3 --vehicles 16 --pedestrians 10 --exposure=false --quiet

Measured on 2 shared CPU cores (Debian torch 1.13): one step (lite, 320x96, batch 8, --threads 2)
0.24 s, 0.31 s with PNG loading (resnet18: 0.70 s). The defaults on the data above (60 steps/epoch),
aligned static AbsRel on the student's splits (val: sim seed 2000, 320x96 | test: seed 3000, 640x192):

    epoch 5 (300 steps) 0.134 | 0.135     epoch 7 (420) 0.117 | 0.130     epoch 10 (600) 0.118 | 0.122
    epoch 16 (960)      0.095 | 0.109     epoch 25 (1,500) 0.084 | 0.095
    (the GT-derived StandInRelativeDepth, same metric: 0.050 | 0.049)

so a LeReS-like teacher (static 0.12-0.15) is ``export --checkpoint RUN/checkpoints/weights_epoch005.pt``
(300-420 steps, 2-3 minutes of CPU); longer training gives a better-than-LeReS teacher.
"""

import argparse
import csv
import json
import math
import os
import random
import re
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
import yaml

from . import losses, manifest
from .build import build_model, count_params
from .datasets import TripletDataset, scan
from .metrics import NAMES, compute_errors
from .model_config import ENCODERS, ModelConfig

KIND = "affine_disparity"
SKY_MODES = ("far", "ignore")
ACTIVATIONS = ("sigmoid", "exp")
LOSS_KINDS = ("trim", "mae")
ROLE = "relative_teacher"
OPSET = 13


# --- the network's output ----------------------------------------------------------------------------

class ExpHead(torch.nn.Module):
    """disparity = exp(logit): non-negative, no upper saturation (ONNX: one Exp node)."""

    def forward(self, x):
        return torch.exp(x)


def set_activation(model, activation):
    """Give the depth decoder's heads the output ``activation``: "sigmoid" (the student's, in (0, 1)) or "exp".

    The activation has no parameters, so the state dict is the same either way; it is recorded in the
    run's config, its checkpoints and model.yaml's recipe section, and restored when loading.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if activation == "exp":
        model.depth.decoder.sigmoid = ExpHead()
    return model


# --- targets and losses ---------------------------------------------------------------------------

def gt_disparity(depth, sky="far"):
    """GT depth (metres; 0 = no surface/invalid, NaN invalid) -> (disparity 1/D, valid mask float).

    ``sky="far"``: a GT of exactly 0 is sky (the sim's dense GT) and becomes disparity 0, valid;
    ``"ignore"``: 0 is invalid (sparse LiDAR GT such as KITTI's). Negative and NaN values are invalid.
    """
    if sky not in SKY_MODES:
        raise ValueError(f"sky must be one of {', '.join(SKY_MODES)}, got {sky!r}")
    finite = torch.isfinite(depth)
    surface = finite & (depth > 0)
    disp = torch.where(surface, 1.0 / torch.where(surface, depth, torch.ones_like(depth)), torch.zeros_like(depth))
    valid = (finite & (depth >= 0)) if sky == "far" else surface
    return disp, valid.to(depth.dtype)


def ssi_trim_loss(pred_n, target_n, mask, trim=0.2):
    """MiDaS' trimmed MAE on normalised maps: 1/(2M) Σ_i Σ over the (1 − trim) smallest |r| of image i."""
    r = (pred_n - target_n).abs()
    total, count = r.new_zeros(()), mask.sum()
    for i in range(r.shape[0]):
        v = r[i][mask[i] > 0]
        if v.numel() == 0:
            continue
        keep = max(1, int(math.ceil((1.0 - trim) * v.numel())))
        total = total + (torch.topk(v, keep, largest=False, sorted=False).values.sum() if keep < v.numel()
                         else v.sum())
    return total / (2.0 * count.clamp_min(1.0))


def ssi_mae_loss(pred_n, target_n, mask):
    """MiDaS' L_ssimae on normalised maps: 1/(2M) Σ_M |d̂ − d̂*|."""
    return ((pred_n - target_n).abs() * mask).sum() / (2.0 * mask.sum().clamp_min(1.0))


def gradient_matching_loss(pred_n, target_n, mask, scales=4):
    """MiDaS' multi-scale gradient matching: Σ_k 1/M_k Σ (|∇x R^k| + |∇y R^k|) over pixel pairs inside the
    mask, R^k the residual d̂ − d̂* subsampled by 2^k (k = 0..scales−1)."""
    total = pred_n.new_zeros(())
    diff = (pred_n - target_n) * mask
    for k in range(scales):
        s = 2 ** k
        d, m = diff[:, :, ::s, ::s], mask[:, :, ::s, ::s]
        if d.shape[-1] < 2 or d.shape[-2] < 2:
            break
        gx = (d[..., 1:] - d[..., :-1]).abs() * (m[..., 1:] * m[..., :-1])
        gy = (d[..., 1:, :] - d[..., :-1, :]).abs() * (m[..., 1:, :] * m[..., :-1, :])
        total = total + (gx.sum() + gy.sum()) / m.sum().clamp_min(1.0)
    return total


def supervised_loss(pred_disp, gt_disp, mask, loss="mae", trim=0.2, grad_weight=0.5, grad_scales=4):
    """L = L_ssi + grad_weight · L_grad on maps [B,1,H,W] (see the module doc). Returns (total, terms)."""
    if loss not in LOSS_KINDS:
        raise ValueError(f"loss must be one of {', '.join(LOSS_KINDS)}, got {loss!r}")
    pred_n = losses.normalise_disparity(pred_disp, mask)
    target_n = losses.normalise_disparity(gt_disp, mask)
    ssi = ssi_trim_loss(pred_n, target_n, mask, trim) if loss == "trim" else ssi_mae_loss(pred_n, target_n, mask)
    grad = gradient_matching_loss(pred_n, target_n, mask, grad_scales) if grad_weight > 0 else pred_n.new_zeros(())
    total = ssi + grad_weight * grad
    return total, {"loss": float(total), "ssi": float(ssi), "grad": float(grad)}


# --- aligned metrics --------------------------------------------------------------------------------

def aligned_errors(pred_disp, gt_depth, motion_mask=None, min_depth=1e-3, max_depth=80.0):
    """Metrics of one affine-disparity prediction after least-squares (scale, shift) alignment in disparity.

    pred_disp [h,w] (any size), gt_depth [H,W] metres (0/NaN invalid), motion_mask [H,W] (> 0.5 moving) or
    None. Returns {"all"|"static"|"moving": metrics dict or None, "scale": s, "shift": t}, or None when
    the image has no valid GT pixel.
    """
    gt = gt_depth.double()
    pred = pred_disp.double()
    if tuple(pred.shape) != tuple(gt.shape):
        pred = F.interpolate(pred[None, None], size=tuple(gt.shape), mode="bilinear", align_corners=False)[0, 0]
    valid = torch.isfinite(gt) & (gt > min_depth) & (gt < max_depth) & torch.isfinite(pred)
    if not valid.any():
        return None
    target = torch.where(valid, 1.0 / torch.where(valid, gt, torch.ones_like(gt)), torch.zeros_like(gt))
    s, t = losses.align_scale_shift(pred[None, None], target[None, None], valid[None, None])
    s, t = float(s), float(t)
    aligned = s * pred + t
    depth = (1.0 / aligned.clamp_min(1.0 / max_depth)).clamp(min_depth, max_depth)
    moving = (motion_mask > 0.5) if motion_mask is not None else torch.zeros_like(valid)
    out = {"scale": s, "shift": t}
    for region, m in (("all", valid), ("static", valid & ~moving), ("moving", valid & moving)):
        out[region] = compute_errors(gt[m], depth[m]) if m.any() else None
    return out


class AlignedEvaluator:
    """Accumulates ``aligned_errors`` per image; ``summary()`` averages over images per region."""

    REGIONS = ("all", "static", "moving")

    def __init__(self, min_depth=1e-3, max_depth=80.0):
        self.min_depth, self.max_depth = min_depth, max_depth
        self.rows = {r: [] for r in self.REGIONS}
        self.frames = 0

    def add(self, pred_disp, gt_depth, motion_mask=None):
        e = aligned_errors(pred_disp, gt_depth, motion_mask, self.min_depth, self.max_depth)
        if e is None:
            return None
        self.frames += 1
        for r in self.REGIONS:
            if e[r] is not None:
                self.rows[r].append(e[r])
        return e

    def summary(self):
        out = {"frames": self.frames, "alignment": "per-image least-squares scale and shift in disparity",
               "min_depth": self.min_depth, "max_depth": self.max_depth}
        for r, rows in self.rows.items():
            out[r] = ({k: float(np.mean([x[k] for x in rows])) for k in NAMES} if rows else None)
            if rows:
                out[r]["images"] = len(rows)
        return out


def format_summary(s):
    parts = []
    for r in AlignedEvaluator.REGIONS:
        m = s.get(r)
        parts.append(f"{r} abs_rel {m['abs_rel']:.4f} a1 {m['a1']:.3f}" if m else f"{r} -")
    return " | ".join(parts)


# --- data -------------------------------------------------------------------------------------------

class SupervisedFrames(torch.utils.data.Dataset):
    """Single frames with their GT depth and motion mask at the network size.

    Wraps datasets.TripletDataset (no neighbours, GT loaded; frames without GT are left out) so the
    augmentation (flip of image, GT and mask; colour jitter of the network input) is the student's.
    Items: image [3,H,W] (jittered when augmenting), depth [1,H,W] metres, motion [1,H,W].
    """

    def __init__(self, scenes, width, height, augment=False, depth_scale=1000.0, seed=0, flip_prob=0.5,
                 jitter_prob=0.5):
        self.base = TripletDataset(scenes, width, height, (), augment=augment, load_gt=True, depth_scale=depth_scale,
                                   flip_prob=flip_prob, jitter_prob=jitter_prob, seed=seed)
        self.width, self.height = width, height

    @property
    def without_gt(self):
        return self.base.without_gt

    def set_epoch(self, epoch):
        self.base.set_epoch(epoch)

    def __len__(self):
        return len(self.base)

    def __getitem__(self, idx):
        s = self.base[idx]
        depth, motion = s["depth_gt"], s["motion_mask"]
        if tuple(depth.shape[-2:]) != (self.height, self.width):
            depth = F.interpolate(depth[None], size=(self.height, self.width), mode="nearest")[0]
            motion = F.interpolate(motion[None], size=(self.height, self.width), mode="nearest")[0]
        return {"image": s["images_aug"][0], "depth": depth, "motion": motion}


def eval_frames(scenes, width, height, depth_scale=1000.0):
    """Un-augmented frames with native-size GT, for ``evaluate`` (batch 1: native sizes may differ)."""
    return TripletDataset(scenes, width, height, (), load_gt=True, depth_scale=depth_scale)


@torch.no_grad()
def evaluate(depth_net, dataset, device="cpu", min_depth=1e-3, max_depth=80.0, max_frames=0, log=None):
    """Aligned metrics of ``depth_net`` (image -> {("disp", 0)}) over ``dataset`` (eval_frames)."""
    depth_net.eval()
    ev = AlignedEvaluator(min_depth, max_depth)
    n = len(dataset) if not max_frames else min(max_frames, len(dataset))
    for i in range(n):
        s = dataset[i]
        disp = depth_net(s["images"][:1].to(device), scales=(0,))[("disp", 0)].float().cpu()
        ev.add(disp[0, 0], s["depth_gt"][0], s["motion_mask"][0])
        if log and (i + 1) % 100 == 0:
            log(f"eval {i + 1}/{n}")
    return ev.summary()


def split_scenes(data, val_data="", val_fraction=0.25):
    scenes = scan(data)
    if val_data:
        return scenes, scan(val_data)
    if len(scenes) < 2:
        raise ValueError(f"{data}: one scene only; give --val-data (a separate root) for validation")
    n_val = min(max(1, int(round(val_fraction * len(scenes)))), len(scenes) - 1)
    return scenes[:-n_val], scenes[-n_val:]


# --- training ---------------------------------------------------------------------------------------

DEFAULTS = dict(data="", val_data="", out="", encoder="lite", width=320, height=96, epochs=20, batch_size=8,
                lr=5e-4, lr_decay_epochs=0, lr_gamma=0.1, weight_decay=0.0, threads=0, max_steps=0, seed=0,
                save_every=200, log_every=10, val_every=1, loss="mae", trim=0.2, grad_weight=0.5, grad_scales=4,
                grad_warmup=300, activation="exp",
                sky="far", depth_scale=1000.0, augment=True, flip_prob=0.5, jitter_prob=0.5, val_fraction=0.25,
                eval_min_depth=1e-3, eval_max_depth=80.0, device="cpu", pretrained=False)
# what must agree between a run and the checkpoint it resumes
_ARCH_KEYS = ("encoder", "width", "height", "activation")


def _log(*a):
    print(*a, file=sys.stderr, flush=True)


class TeacherTrainer:
    """The supervised loop: data, the depth net, Adam + step decay, checkpoints, logs, validation."""

    def __init__(self, cfg, log=_log):
        self.cfg = dict(DEFAULTS, **cfg)
        c = self.cfg
        if not c["data"] or not c["out"]:
            raise ValueError("--data and --out are required")
        if c["encoder"] not in ENCODERS:
            raise ValueError(f"unknown encoder {c['encoder']!r}")
        if c["loss"] not in LOSS_KINDS:
            raise ValueError(f"loss must be one of {LOSS_KINDS}")
        if c["sky"] not in SKY_MODES:
            raise ValueError(f"sky must be one of {SKY_MODES}")
        if c["activation"] not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}")
        self.log = log
        if c["threads"] > 0:
            torch.set_num_threads(c["threads"])
        from .trainer import EpochSampler, check_device
        self.device = check_device(c["device"])
        torch.manual_seed(c["seed"])
        np.random.seed(c["seed"])
        random.seed(c["seed"])

        train_scenes, val_scenes = split_scenes(c["data"], c["val_data"], c["val_fraction"])
        self.train_set = SupervisedFrames(train_scenes, c["width"], c["height"], c["augment"], c["depth_scale"],
                                          c["seed"], c["flip_prob"], c["jitter_prob"])
        if len(self.train_set) < c["batch_size"]:
            raise ValueError(f"{len(self.train_set)} training frames with GT, fewer than one batch of {c['batch_size']}")
        val_scenes = [s for s in val_scenes if s.depths is not None]
        self.val_set = eval_frames(val_scenes, c["width"], c["height"], c["depth_scale"]) if val_scenes else None
        if self.val_set is not None and len(self.val_set) == 0:
            self.val_set = None
        self.sampler = EpochSampler(len(self.train_set), c["seed"])
        self.steps_per_epoch = len(self.sampler) // c["batch_size"]

        self.model_cfg = ModelConfig(encoder=c["encoder"], width=c["width"], height=c["height"], scales=(0,),
                                     pose=False, seed=c["seed"]).resolved()
        self.model = set_activation(build_model(self.model_cfg, seed=c["seed"], pretrained=c["pretrained"]),
                                    c["activation"]).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"])
        decay = c["lr_decay_epochs"] or max(1, int(round(0.75 * c["epochs"])))
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, decay, c["lr_gamma"])
        self.step, self.epoch, self.step_in_epoch = 0, 0, 0
        self.last_val = None
        self.ckpt_dir = os.path.join(c["out"], "checkpoints")
        os.makedirs(self.ckpt_dir, exist_ok=True)
        with open(os.path.join(c["out"], "config.yaml"), "w") as f:
            yaml.safe_dump(dict(self.cfg, role=ROLE, scenes_train=len(train_scenes), scenes_val=len(val_scenes),
                                frames_train=len(self.train_set)), f, sort_keys=False)
        self.log(f"relative teacher: {c['encoder']} {c['width']}x{c['height']}, "
                 f"{count_params(self.model.depth):,} params; train {len(train_scenes)} scene(s), "
                 f"{len(self.train_set)} frames, {self.steps_per_epoch} steps/epoch of {c['batch_size']}; val "
                 f"{len(self.val_set) if self.val_set else 0} frames; {torch.get_num_threads()} threads, "
                 f"device {self.device}; loss {c['loss']} + {c['grad_weight']}·grad, sky {c['sky']}, "
                 f"output {c['activation']}")

    # --- state -------------------------------------------------------------------------------------
    def state(self):
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "step": self.step, "epoch": self.epoch,
                "step_in_epoch": self.step_in_epoch,
                "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()},
                "config": dict(self.cfg), "model_config": self.model_cfg.to_dict(), "last_val": self.last_val,
                "activation": self.cfg["activation"], "role": ROLE}

    def save(self, name="last.pt"):
        path = os.path.join(self.ckpt_dir, name)
        torch.save(self.state(), path + ".tmp")
        os.replace(path + ".tmp", path)

    def resume(self, path=None):
        """Continue from ``path`` (default RUN/checkpoints/last.pt); returns False (fresh start) when it is missing."""
        path = path or os.path.join(self.ckpt_dir, "last.pt")
        if not os.path.exists(path):
            self.log(f"resume: no {path} yet, starting from the seeded init")
            return False
        st = torch.load(path, map_location="cpu")
        old = st.get("config", {})
        for k in _ARCH_KEYS:
            if k in old and old[k] != self.cfg[k]:
                raise ValueError(f"resume: {path} was trained with {k}={old[k]!r}, this run has {self.cfg[k]!r}")
        self.model.load_state_dict(st["model"])
        self.optimizer.load_state_dict(st["optimizer"])
        self.scheduler.load_state_dict(st["scheduler"])
        self.step, self.epoch, self.step_in_epoch = st["step"], st["epoch"], st["step_in_epoch"]
        torch.set_rng_state(st["rng"]["torch"])
        np.random.set_state(st["rng"]["numpy"])
        random.setstate(st["rng"]["python"])
        self.last_val = st.get("last_val")
        self.log(f"resumed {path}: epoch {self.epoch}, step {self.step} ({self.step_in_epoch} into the epoch)")
        return True

    # --- loop --------------------------------------------------------------------------------------
    def loader(self, epoch, start_step):
        self.train_set.set_epoch(epoch)
        self.sampler.set_epoch(epoch, start_step * self.cfg["batch_size"])
        return torch.utils.data.DataLoader(self.train_set, batch_size=self.cfg["batch_size"], sampler=self.sampler,
                                           num_workers=0, drop_last=True)

    def train_step(self, batch):
        c = self.cfg
        self.model.depth.train()
        image = batch["image"].to(self.device)
        gt, valid = gt_disparity(batch["depth"].to(self.device), c["sky"])
        pred = self.model.depth(image, scales=(0,))[("disp", 0)]
        total, info = supervised_loss(pred, gt, valid, c["loss"], c["trim"], self.grad_weight(), c["grad_scales"])
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        info["valid_frac"] = float(valid.mean())
        return info

    def grad_weight(self):
        """The gradient-matching weight at this step: ramped linearly from 0 over ``grad_warmup`` steps."""
        c = self.cfg
        if c["grad_warmup"] > 0:
            return c["grad_weight"] * min(1.0, self.step / c["grad_warmup"])
        return c["grad_weight"]

    def train(self):
        from .trainer import Progress
        c = self.cfg
        cols = ["step", "epoch", "loss", "ssi", "grad", "valid_frac", "lr", "s_per_iter"]
        while self.epoch < c["epochs"]:
            if c["max_steps"] and self.step >= c["max_steps"]:
                return self.last_val
            bar = Progress(self.steps_per_epoch, c["log_every"])
            t_last, n_last = time.time(), 0
            for batch in self.loader(self.epoch, self.step_in_epoch):
                if self.step_in_epoch >= self.steps_per_epoch:
                    break
                info = self.train_step(batch)
                self.step += 1
                self.step_in_epoch += 1
                n_last += 1
                if self.step % c["log_every"] == 0 or self.step_in_epoch == self.steps_per_epoch:
                    spi = (time.time() - t_last) / max(n_last, 1)
                    t_last, n_last = time.time(), 0
                    row = dict(info, step=self.step, lr=self.optimizer.param_groups[0]["lr"], s_per_iter=round(spi, 4),
                               epoch=round(self.epoch + self.step_in_epoch / self.steps_per_epoch, 4))
                    self._append("train_log", cols, row)
                    bar.update(self.step_in_epoch, f"epoch {self.epoch + 1}/{c['epochs']} step {self.step} "
                                                   f"loss {info['loss']:.4f} {spi:.2f} s/it")
                if c["save_every"] > 0 and self.step % c["save_every"] == 0:
                    self.save()
                if c["max_steps"] and self.step >= c["max_steps"]:
                    self.validate()
                    self.save()
                    return self.last_val
            self.epoch += 1
            self.step_in_epoch = 0
            self.scheduler.step()
            if c["val_every"] > 0 and self.epoch % c["val_every"] == 0:
                self.validate()
            self.save()
            torch.save(self.model.state_dict(), os.path.join(self.ckpt_dir, f"weights_epoch{self.epoch:03d}.pt"))
        return self.last_val

    def validate(self):
        if self.val_set is None:
            return None
        c = self.cfg
        t0 = time.time()
        s = evaluate(self.model.depth, self.val_set, self.device, c["eval_min_depth"], c["eval_max_depth"])
        s.update(epoch=self.epoch, step=self.step)
        self.last_val = s
        with open(os.path.join(c["out"], "val.json"), "w") as f:
            json.dump(s, f, indent=1)
        cols = ["epoch", "step", "frames"] + [f"{r}_{n}" for r in AlignedEvaluator.REGIONS for n in NAMES]
        row = {"epoch": self.epoch, "step": self.step, "frames": s["frames"]}
        for r in AlignedEvaluator.REGIONS:
            for n in NAMES:
                row[f"{r}_{n}"] = s[r][n] if s[r] else None
        self._append("val_log", cols, row)
        self.log(f"val epoch {self.epoch} step {self.step} ({s['frames']} frames, {time.time() - t0:.1f} s, "
                 f"aligned): {format_summary(s)}")
        return s

    def _append(self, name, cols, row):
        path = os.path.join(self.cfg["out"], name + ".csv")
        new = not os.path.exists(path)
        with open(path, "a", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            if new:
                wr.writeheader()
            wr.writerow(row)
        with open(os.path.join(self.cfg["out"], name + ".jsonl"), "a") as f:
            f.write(json.dumps({k: row.get(k) for k in cols}) + "\n")


# --- loading, export --------------------------------------------------------------------------------

def load_run(run, checkpoint=None):
    """(ModelConfig, model, checkpoint path, run config, val metrics of those weights or None) of a run."""
    ckpt = checkpoint or os.path.join(run, "checkpoints", "last.pt")
    obj = torch.load(ckpt, map_location="cpu")
    rc = {}
    cpath = os.path.join(run, "config.yaml")
    if os.path.exists(cpath):
        with open(cpath) as f:
            rc = yaml.safe_load(f) or {}
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        state, val = obj["model"], obj.get("last_val")
        rc = dict(obj.get("config", rc), trained_epochs=obj.get("epoch"), trained_steps=obj.get("step"))
        mc = obj.get("model_config")
    else:   # weights_epochNNN.pt: a plain state dict; its val row is in val_log.jsonl
        state, val, mc = obj, _val_of_epoch(run, ckpt), None
        m = re.search(r"weights_epoch(\d+)\.pt$", ckpt)
        rc = dict(rc, trained_epochs=int(m.group(1)) if m else None, trained_steps=(val or {}).get("step"))
    if mc is None:
        if not rc:
            raise ValueError(f"{run}: no config.yaml and {ckpt} holds no model_config")
        mc = ModelConfig(encoder=rc["encoder"], width=rc["width"], height=rc["height"], scales=(0,), pose=False,
                         seed=rc.get("seed", 0)).to_dict()
    cfg = ModelConfig.from_dict(mc).resolved()
    activation = (obj.get("activation") if "model" in obj else None) or rc.get("activation", "sigmoid")
    model = set_activation(build_model(cfg, seed=cfg.seed, state_dict=state), activation).float().eval()
    model.activation = activation
    return cfg, model, ckpt, rc, val


def _val_of_epoch(run, ckpt):
    m = re.search(r"weights_epoch(\d+)\.pt$", ckpt)
    path = os.path.join(run, "val_log.jsonl")
    if not m or not os.path.exists(path):
        return None
    epoch, found = int(m.group(1)), None
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if row.get("epoch") == epoch:
                found = row
    if found is None:
        return None
    out = {"epoch": epoch, "step": found.get("step"), "frames": found.get("frames")}
    for r in AlignedEvaluator.REGIONS:
        out[r] = {n: found[f"{r}_{n}"] for n in NAMES} if found.get(f"{r}_abs_rel") is not None else None
    return out


def load_model_dir(model_dir):
    """(ModelConfig, model) from an exported folder's model.yaml and weights.pt (PyTorch, CPU, eval)."""
    m = manifest.load_manifest(model_dir)
    kind = (m.get("output") or {}).get("kind")
    if kind != KIND:
        raise ValueError(f"{model_dir}: output.kind is {kind!r}, not {KIND} (not a relative teacher folder)")
    recipe = dict(m.get("recipe") or {})
    if "encoder" not in recipe:
        raise ValueError(f"{model_dir}/model.yaml has no recipe.encoder: not written by ssmde_recipe")
    cfg = ModelConfig.from_dict(recipe)
    cfg.width, cfg.height = int(m["input"]["width"]), int(m["input"]["height"])
    cfg.pose = False
    cfg = cfg.resolved()
    state = torch.load(os.path.join(model_dir, recipe.get("checkpoint", manifest.WEIGHTS)), map_location="cpu")
    activation = recipe.get("activation", "sigmoid")
    model = set_activation(build_model(cfg, seed=cfg.seed, state_dict=state), activation).float().eval()
    model.activation = activation
    return cfg, model


def manifest_text(cfg, name, training=None, activation="sigmoid"):
    """model.yaml of an affine-disparity teacher (contract v2 kinds: no depth range, no metric scale)."""
    lines = [
        "# Relative-depth teacher (supervised on a disjoint sim split), written by ssmde_recipe.relative_teacher",
        f"name: {name}",
        f"depth: {{file: {manifest.DEPTH_ONNX}, input: {manifest.DEPTH_IO[0]}, output: {manifest.DEPTH_IO[1]}}}",
        f"input: {{width: {cfg.width}, height: {cfg.height}, color: rgb, scale: {manifest._num(manifest.SCALE)}, "
        "mean: [0.0, 0.0, 0.0], std: [1.0, 1.0, 1.0]}",
        f"output: {{kind: {KIND}}}",
        f"recipe: {{encoder: {cfg.encoder}, checkpoint: {manifest.WEIGHTS}, seed: {int(cfg.seed)}, "
        f"scales: [{', '.join(str(s) for s in cfg.scales)}], activation: {activation}, role: {ROLE}}}",
    ]
    text = "\n".join(lines) + "\n"
    if training:
        text += yaml.safe_dump({"training": training}, sort_keys=False, default_flow_style=False)
    return text


def export_model(cfg, model, out_dir, name, training=None, log=_log):
    """Write depth.onnx, weights.pt and model.yaml of a teacher; returns the ONNX model (checked)."""
    import onnx
    os.makedirs(out_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(out_dir, manifest.WEIGHTS))
    net = model.depth_export().eval()
    example = torch.rand(1, 3, cfg.height, cfg.width, generator=torch.Generator().manual_seed(cfg.seed))
    path = os.path.join(out_dir, manifest.DEPTH_ONNX)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        torch.onnx.export(net, (example,), path, input_names=[manifest.DEPTH_IO[0]],
                          output_names=[manifest.DEPTH_IO[1]], opset_version=OPSET, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL, dynamic_axes=None)
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    with open(os.path.join(out_dir, manifest.MANIFEST), "w") as f:
        f.write(manifest_text(cfg, name, training, getattr(model, "activation", "sigmoid")))
    log(f"{name}: {cfg.encoder} {cfg.width}x{cfg.height}, {count_params(model.depth):,} params, output {KIND}, "
        f"opset {OPSET} -> {out_dir}")
    return graph


def _rounded(v):
    if isinstance(v, dict):
        return {k: _rounded(x) for k, x in v.items()}
    if isinstance(v, float):
        return round(v, 4)
    return v


def sim_record(root, max_seeds=64):
    """What ``ssmde sim`` says it rendered under ``root`` (each scene's scene.yaml): the scene seeds and the
    settings that make the domain gap, or None when the data has no scene.yaml (not the sim)."""
    if not root or not os.path.isdir(root):
        return None
    try:
        scenes = scan(root)
    except ValueError:
        return None
    seeds, settings = [], None
    for sc in scenes:
        path = os.path.join(sc.dir, "scene.yaml")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            c = (yaml.safe_load(f) or {}).get("config", {})
        seeds.append(c.get("seed"))
        if settings is None:
            settings = {k: c[k] for k in ("width", "height", "noise_sigma", "vehicles", "pedestrians",
                                          "follow_fraction", "exposure") if k in c}
    return dict(settings or {}, scenes=len(scenes), scene_seeds=seeds[:max_seeds])


def export_run(run, out_dir, checkpoint=None, name=None, log=_log):
    cfg, model, ckpt, rc, val = load_run(run, checkpoint)
    training = {
        "role": "relative-depth teacher: a stand-in for LeReS trained supervised (GT depth) on a sim split "
                "disjoint from the student's seeds; outputs disparity up to scale and shift",
        "run": os.path.abspath(run), "checkpoint": os.path.abspath(ckpt),
        "data": rc.get("data"), "data_sim": sim_record(rc.get("data")), "val_data": rc.get("val_data") or None,
        "seed": rc.get("seed"), "epochs": rc.get("trained_epochs"), "steps": rc.get("trained_steps"),
        "run_epochs": rc.get("epochs"), "batch_size": rc.get("batch_size"), "lr": rc.get("lr"),
        "loss": f"ssi{rc.get('loss', 'mae')} + {rc.get('grad_weight', 0.5)} x gradient matching (MiDaS), disparity space",
        "output_activation": getattr(model, "activation", "sigmoid"),
        "sky": rc.get("sky"),
    }
    if val:
        training["val_epoch"] = val.get("epoch")
        training["val"] = {r: _rounded({k: val[r][k] for k in ("abs_rel", "rmse", "a1")})
                           for r in AlignedEvaluator.REGIONS if val.get(r)}
        training["val_alignment"] = "per-image least-squares scale and shift in disparity, GT 1e-3..80 m"
    name = name or f"relteacher-{cfg.encoder}-{cfg.width}x{cfg.height}"
    export_model(cfg, model, out_dir, name, {k: v for k, v in training.items() if v is not None}, log)
    return 0


# --- CLI --------------------------------------------------------------------------------------------

def _parser():
    p = argparse.ArgumentParser(prog="python3 -m ssmde_recipe.relative_teacher", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train the teacher with depth supervision")
    t.add_argument("--data", required=True, help="KITTI-like root with GT depth (the teacher's own sim split)")
    t.add_argument("--val-data", default="", help="validation root (default: the last quarter of --data's scenes)")
    t.add_argument("--out", required=True, help="run folder")
    t.add_argument("--encoder", default=DEFAULTS["encoder"], choices=ENCODERS)
    for k in ("width", "height", "epochs", "batch_size", "threads", "max_steps", "seed", "save_every", "log_every",
              "val_every", "lr_decay_epochs", "grad_warmup"):
        t.add_argument("--" + k.replace("_", "-"), type=int, default=DEFAULTS[k])
    for k in ("lr", "lr_gamma", "weight_decay", "trim", "grad_weight", "depth_scale"):
        t.add_argument("--" + k.replace("_", "-"), type=float, default=DEFAULTS[k])
    t.add_argument("--loss", default=DEFAULTS["loss"], choices=LOSS_KINDS)
    t.add_argument("--activation", default=DEFAULTS["activation"], choices=ACTIVATIONS,
                   help="output head: exp (disparity = e^logit, no saturation) or the student's sigmoid")
    t.add_argument("--sky", default=DEFAULTS["sky"], choices=SKY_MODES,
                   help="GT 0: far = sky, disparity 0 (the sim's dense GT); ignore = invalid (sparse LiDAR GT)")
    t.add_argument("--no-augment", action="store_true")
    t.add_argument("--device", default="cpu")
    t.add_argument("--pretrained", action="store_true", help="resnet encoders from ImageNet weights in torch's hub cache")
    t.add_argument("--resume", nargs="?", const="auto", help="continue RUN/checkpoints/last.pt (or CKPT)")
    t.add_argument("--benchmark", type=int, metavar="N", help="time N steps after 2 warm-up ones and exit")
    e = sub.add_parser("export", help="write depth.onnx + model.yaml (affine_disparity)")
    e.add_argument("--run", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--checkpoint", help="default RUN/checkpoints/last.pt; or weights_epochNNN.pt")
    e.add_argument("--name")
    v = sub.add_parser("eval", help="aligned AbsRel/δ1 on all, static and moving pixels")
    g = v.add_mutually_exclusive_group(required=True)
    g.add_argument("--run")
    g.add_argument("--model", help="an exported folder (its weights.pt is run in PyTorch)")
    v.add_argument("--checkpoint")
    v.add_argument("--data", required=True)
    v.add_argument("--depth-scale", type=float, default=1000.0, help="GT PNG value per metre (sim 1000, KITTI 256)")
    v.add_argument("--min-depth", type=float, default=1e-3)
    v.add_argument("--max-depth", type=float, default=80.0)
    v.add_argument("--max-frames", type=int, default=0)
    v.add_argument("--threads", type=int, default=0)
    v.add_argument("--out", help="write the summary JSON here too")
    return p


def _train(a):
    cfg = {k: getattr(a, k) for k in DEFAULTS if hasattr(a, k)}
    cfg["augment"] = not a.no_augment
    trainer = TeacherTrainer(cfg)
    if a.resume:
        trainer.resume(None if a.resume == "auto" else a.resume)
    if a.benchmark:
        times = []
        it = iter(trainer.loader(0, 0))
        for i in range(a.benchmark + 2):
            try:
                batch = next(it)
            except StopIteration:
                it = iter(trainer.loader(0, 0))
                batch = next(it)
            t0 = time.perf_counter()
            trainer.train_step(batch)
            if i >= 2:
                times.append(time.perf_counter() - t0)
        times.sort()
        print(json.dumps({"encoder": trainer.cfg["encoder"], "width": trainer.cfg["width"],
                          "height": trainer.cfg["height"], "batch_size": trainer.cfg["batch_size"],
                          "threads": torch.get_num_threads(), "steps": a.benchmark,
                          "median_s_per_iter": round(times[len(times) // 2], 4), "min_s_per_iter": round(times[0], 4),
                          "steps_per_epoch": trainer.steps_per_epoch}))
        return 0
    summary = trainer.train()
    if summary:
        print(json.dumps({r: summary[r] for r in ("frames",) + AlignedEvaluator.REGIONS}, indent=1))
    return 0


def _eval(a):
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.model:
        cfg, model = load_model_dir(a.model)
    else:
        cfg, model, _, _, _ = load_run(a.run, a.checkpoint)
    scenes = [s for s in scan(a.data) if s.depths is not None]
    if not scenes:
        raise ValueError(f"{a.data}: no scene with GT depth")
    ds = eval_frames(scenes, cfg.width, cfg.height, a.depth_scale)
    s = evaluate(model.depth, ds, "cpu", a.min_depth, a.max_depth, a.max_frames, _log)
    s.update(data=os.path.abspath(a.data), model=os.path.abspath(a.model or a.run))
    _log(f"eval {a.data} ({s['frames']} frames, aligned): {format_summary(s)}")
    text = json.dumps(s, indent=1)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    return 0


def main(argv=None):
    a = _parser().parse_args(argv)
    try:
        if a.cmd == "train":
            return _train(a)
        if a.cmd == "export":
            return export_run(a.run, a.out, a.checkpoint, a.name)
        return _eval(a)
    except (ValueError, FileNotFoundError, KeyError) as e:
        print(f"relative_teacher {a.cmd}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
