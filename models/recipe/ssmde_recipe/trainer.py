"""The SS-MDE training loop: losses per batch, optimisation, teacher, validation, checkpoints, logs.

``compute_losses`` is the whole method for one batch as a function of the net outputs, so it can be
tested without a Trainer. ``Trainer`` owns the data, the nets, the optimiser, the teacher and the
run folder:

    RUN/config.yaml            the resolved TrainConfig
    RUN/train_log.csv|.jsonl   loss terms, lr, pseudo weight, filter keep fraction, s/iter
    RUN/val_log.csv|.jsonl     DESIGN §8 metrics per epoch (all / moving / static pixels)
    RUN/metrics.json           the last validation summary
    RUN/metric_scale.json      median GT/pred ratio on the val split (and road-plane estimate)
    RUN/checkpoints/last.pt    everything --resume needs (model, optimiser, scheduler, teacher, step, RNG)
    RUN/checkpoints/weights_epochNNN.pt   the student's state dict after each epoch (export --checkpoint)

On a GPU (``device: cuda``): the nets run under autocast with a GradScaler when ``amp`` is set (the
losses stay float32), DataLoader workers default to min(4, CPUs per rank) with pinned memory, a
torchscript pseudo-depth module is loaded onto the device, and under DDP (WORLD_SIZE > 1) BatchNorm
becomes SyncBatchNorm (``sync_batchnorm``).
"""

import contextlib
import csv
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
import yaml

from . import consistency, layers, losses, reliability
from .build import build_model
from .datasets import TripletDataset, scan, splits
from .metrics import NAMES, DepthEvaluator, camera_height_scale
from .model_config import ModelConfig
from .pseudo_depth import StandInRelativeDepth, build_source
from .teacher import Teacher


class TrainModel(nn.Module):
    """Student depth net + pose net in one module (what DistributedDataParallel wraps)."""

    def __init__(self, depth, pose):
        super().__init__()
        self.depth = depth
        self.pose = pose

    def forward(self, images, offsets):
        """images [B,F,3,H,W] (network input) -> (decoder outputs of the target, {offset: pose [B,6]})."""
        ts = offsets.index(0)
        target = images[:, ts]
        outputs = self.depth(target)
        poses = {}
        for j, o in enumerate(offsets):
            if o == 0:
                continue
            pair = torch.cat([images[:, j], target] if o < 0 else [target, images[:, j]], dim=1)
            poses[o] = self.pose(pair)
        return outputs, poses


def pseudo_region_mask(cfg, automask, error):
    """Where the pseudo-depth supervises (config ``pseudo_region``), from the scale-0 terms."""
    if cfg.pseudo_region == "all":
        return torch.ones_like(automask)
    if cfg.pseudo_region == "automask":
        return automask
    # static: kept by the auto-mask and no large residual after the best rigid warp
    mean = (error * automask).sum((1, 2, 3), keepdim=True) / automask.sum((1, 2, 3), keepdim=True).clamp_min(1)
    return automask * (error <= cfg.static_error_ratio * mean).to(error.dtype)


def compute_losses(cfg, batch, outputs, poses, offsets, pseudo_weight=0.0, prior=None, pseudo=None,
                   generator=None, pseudo_space="disparity", distill_weight=None):
    """All loss terms for one batch.

    batch: images [B,F,3,H,W] (un-jittered), K, inv_K [B,4,4]; outputs {("disp", s)}; poses {offset: [B,6]}.
    prior: teacher depth [B,1,H,W] with its mask (``(depth, mask)``) or None; pseudo [B,1,H,W] or None,
    compared in ``pseudo_space`` ("disparity", or "depth" for an affine_depth source: losses.pseudo_space).
    distill_weight: the distillation term's weight now (the trainer's ramp), default ``cfg.distill_weight``.
    With ``cfg.unreliable`` the scale-0 auto-mask (and the filter's mask) define the unreliable set U
    (reliability.py), which the photometric, pseudo-depth and distillation terms then treat as configured.
    Returns (total loss, dict of floats/tensors for logging; "automask" and "error" are scale-0 maps).
    """
    images, k, inv_k = batch["images"], batch["K"], batch["inv_K"]
    w_sd = cfg.distill_weight if distill_weight is None else distill_weight
    ts = offsets.index(0)
    target = images[:, ts]
    h, w = target.shape[2:]
    srcs = [(j, o) for j, o in enumerate(offsets) if o != 0]
    t_src = {o: layers.source_pose(poses[o], o) for _, o in srcs}
    identity = None
    if cfg.automask:
        identity = [losses.photometric_error(images[:, j], target, cfg.ssim_alpha) for j, _ in srcs]

    terms = {"photo": 0.0, "smooth": 0.0, "pseudo": 0.0, "distill": 0.0, "rank_u": 0.0}
    scales = sorted(s for (name, s) in outputs if name == "disp")
    region = automask0 = error0 = unreliable = reliable = teach = None
    for s in scales:
        disp = outputs[("disp", s)]
        disp_up = disp if s == 0 else F.interpolate(disp, size=(h, w), mode="bilinear", align_corners=False)
        depth = layers.disp_to_depth(disp_up, cfg.min_depth, cfg.max_depth)
        reproj = [losses.photometric_error(layers.warp_frame(images[:, j], depth, t_src[o], k, inv_k)[0],
                                           target, cfg.ssim_alpha) for j, o in srcs]
        error, automask = losses.min_reprojection(reproj, identity, cfg.min_reprojection, cfg.identity_bias)
        if s == scales[0]:
            automask0, error0 = automask.detach(), error.detach()
            if cfg.unreliable != "none":
                keep = prior[1] if prior is not None and cfg.unreliable == "multiview" else None
                unreliable = reliability.unreliable_mask(automask0, keep, cfg.moving_keep_min)
                reliable = automask0 * (1.0 - unreliable)
            if pseudo is not None:
                region = pseudo_region_mask(cfg, automask0, error0)
                if unreliable is not None:
                    region = region * (1.0 - unreliable)
            if prior is not None:
                agree = None
                if cfg.teacher_agree_tol > 0 and pseudo is not None:
                    agree = reliability.agreement_mask(prior[0], pseudo, pseudo_space, cfg.teacher_agree_tol)
                teach = reliability.teacher_region(cfg.distill_region, prior[1], unreliable, agree)
        photo_mask = automask * (1.0 - unreliable) if cfg.photo_reliable_only and unreliable is not None else automask
        terms["photo"] = terms["photo"] + losses.masked_mean(error, photo_mask)
        if cfg.smooth_weight > 0:
            img_s = target if s == 0 else F.interpolate(target, size=disp.shape[2:], mode="area")
            terms["smooth"] = terms["smooth"] + cfg.smooth_weight / (2 ** s) * losses.smoothness(disp, img_s)
        pred_disp = None
        if pseudo is not None and (pseudo_weight > 0 or cfg.unreliable_rank_weight > 0):
            pred_disp = layers.disp_to_scaled_disp(disp_up, cfg.min_depth, cfg.max_depth)
        if pseudo is not None and pseudo_weight > 0:
            terms["pseudo"] = terms["pseudo"] + losses.pseudo_loss(
                depth, pseudo, region, pseudo_space, cfg.pseudo_loss, cfg.ranking_pairs, cfg.ranking_margin,
                generator, pred_disp=pred_disp)
        if pseudo is not None and cfg.unreliable_rank_weight > 0:
            pred = depth if pseudo_space == "depth" else pred_disp
            terms["rank_u"] = terms["rank_u"] + reliability.cross_ranking_loss(
                pred, pseudo, unreliable, reliable, cfg.unreliable_rank_pairs, cfg.ranking_margin, generator)
        if prior is not None and w_sd > 0:
            terms["distill"] = terms["distill"] + losses.distillation_loss(depth, prior[0], teach, cfg.distill_loss,
                                                                           cfg.distill_scale)

    n = len(scales)
    terms = {key: v / n for key, v in terms.items()}
    total = (terms["photo"] + terms["smooth"] + pseudo_weight * terms["pseudo"] + w_sd * terms["distill"]
             + cfg.unreliable_rank_weight * terms["rank_u"])
    info = {key: float(v) for key, v in terms.items()}
    info.update(loss=float(total), automask_frac=float(automask0.mean()),
                pseudo_region_frac=float(region.mean()) if region is not None else math.nan,
                unreliable_frac=float(unreliable.mean()) if unreliable is not None else math.nan,
                distill_frac=float(teach.mean()) if teach is not None else math.nan,
                distill_weight=w_sd if prior is not None else 0.0,
                automask=automask0, error=error0)
    return total, info


class EpochSampler(torch.utils.data.Sampler):
    """Seeded shuffle per epoch, split across ranks (padded to equal length), resumable mid-epoch."""

    def __init__(self, n, seed=0, rank=0, world=1, shuffle=True):
        self.n, self.seed, self.rank, self.world, self.shuffle = n, seed, rank, world, shuffle
        self.epoch, self.start = 0, 0
        self.per_rank = int(math.ceil(n / world))

    def set_epoch(self, epoch, start=0):
        self.epoch, self.start = epoch, start

    def indices(self):
        if self.shuffle:
            idx = torch.randperm(self.n, generator=torch.Generator().manual_seed(self.seed + 1000003 * self.epoch))
        else:
            idx = torch.arange(self.n)
        idx = idx.tolist()
        idx += idx[: self.per_rank * self.world - self.n]
        return idx[self.rank::self.world]

    def __iter__(self):
        return iter(self.indices()[self.start:])

    def __len__(self):
        return self.per_rank - self.start


class Progress:
    """A plain stderr progress bar (\\r on a terminal, a line every ``every`` steps otherwise)."""

    def __init__(self, total, every=10, stream=sys.stderr, enabled=True):
        self.total, self.every, self.stream, self.enabled = total, every, stream, enabled
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def update(self, i, text):
        if not self.enabled:
            return
        if self.tty:
            n = 24
            done = int(n * i / max(self.total, 1))
            self.stream.write(f"\r[{'#' * done}{'.' * (n - done)}] {i}/{self.total} {text}  ")
            if i >= self.total:
                self.stream.write("\n")
        elif i % self.every == 0 or i >= self.total:
            self.stream.write(f"{i}/{self.total} {text}\n")
        self.stream.flush()


def _collate(samples):
    return torch.utils.data.default_collate(samples)


def resolve_num_workers(num_workers, device, cpu_count=None, world=1):
    """DataLoader workers: ``num_workers`` when >= 0; -1 (auto): min(4, CPUs per rank) on CUDA, 0 on the CPU
    (there the main process is as fast: the loader's work competes with the training threads)."""
    if num_workers >= 0:
        return num_workers
    if not str(device).startswith("cuda"):
        return 0
    cpus = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return min(4, max(1, cpus // max(world, 1)))


def wants_sync_batchnorm(cfg, world, device):
    """SyncBatchNorm only under DDP on CUDA (torch's SyncBatchNorm runs on GPUs only)."""
    return bool(cfg.sync_batchnorm) and world > 1 and torch.device(device).type == "cuda"


def convert_sync_batchnorm(net):
    """Every BatchNorm of ``net`` (not itself a BatchNorm) -> SyncBatchNorm, in place: modules that hold
    the same children (the SSMDE container) see the change. Parameters and buffers are kept, so the state
    dict (keys and values) is unchanged. Returns the number converted."""
    before = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())
    out = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    if out is not net:
        raise ValueError("convert_sync_batchnorm: the top module itself is a BatchNorm")
    return before


def check_device(device):
    """A torch.device for ``device`` that this machine has (a clear error instead of a CUDA traceback)."""
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: torch.cuda.is_available() is false on this machine (no GPU or a "
                         "CPU-only torch); set device cpu")
    return dev


class Trainer:
    def __init__(self, cfg, log=None):
        self.cfg = cfg.validate()
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = 0
        if cfg.threads > 0:
            torch.set_num_threads(cfg.threads)
        device = cfg.device
        if self.world > 1:
            backend = "nccl" if device.startswith("cuda") else "gloo"
            if not dist.is_initialized():
                dist.init_process_group(backend=backend, init_method="env://")
            self.rank = dist.get_rank()
            if device.startswith("cuda"):
                device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
                torch.cuda.set_device(device)
        self.device = check_device(device)
        self.main = self.rank == 0
        self.log = log or (lambda *a: print(*a, file=sys.stderr) if self.main else None)
        self.show_progress = self.main and log is None
        torch.manual_seed(cfg.seed)
        np.random.seed(cfg.seed)
        random.seed(cfg.seed)
        self.generator = torch.Generator().manual_seed(cfg.seed + 17)

        # data
        offsets = tuple(cfg.frame_offsets)
        train_items = val_items = None
        if cfg.split_dir:
            sel = splits.load(cfg.data, cfg.split_dir, offsets, self.log)
            train_scenes, train_items = sel["train"].scenes, sel["train"].items
            val_scenes, val_items = (sel["val"].scenes, sel["val"].items) if sel["val"] else ([], None)
            keep = [si for si, s in enumerate(val_scenes) if s.depths is not None]
            remap = {si: j for j, si in enumerate(keep)}
            val_scenes = [val_scenes[si] for si in keep]
            val_items = [(remap[si], i) for si, i in (val_items or []) if si in remap]
        else:
            scenes = scan(cfg.data, cfg.data_format)
            if cfg.val_data:
                train_scenes, val_scenes = scenes, scan(cfg.val_data, cfg.data_format)
            else:
                n_val = int(round(cfg.val_fraction * len(scenes))) if len(scenes) > 1 else 0
                n_val = min(max(n_val, 1 if cfg.val_fraction > 0 and len(scenes) > 1 else 0), len(scenes) - 1)
                train_scenes, val_scenes = scenes[:len(scenes) - n_val], scenes[len(scenes) - n_val:]
            val_scenes = [s for s in val_scenes if s.depths is not None]
        frame_source, self.batch_source = build_source(cfg, self.device)
        self.pseudo_kind = self._resolve_pseudo_kind(frame_source, train_scenes)
        self.pseudo_space = losses.pseudo_space(self.pseudo_kind) if self.pseudo_kind else "disparity"
        self.train_set = TripletDataset(
            train_scenes, cfg.width, cfg.height, offsets, augment=cfg.augment, pseudo_source=frame_source,
            depth_scale=cfg.depth_scale, flip_prob=cfg.flip_prob, jitter_prob=cfg.jitter_prob,
            jitter=(cfg.brightness, cfg.contrast, cfg.saturation, cfg.hue), seed=cfg.seed, items=train_items)
        self.offsets = self.train_set.offsets
        self.val_set = TripletDataset(val_scenes, cfg.width, cfg.height, (), load_gt=True,
                                      depth_scale=cfg.depth_scale, items=val_items) if val_scenes else None
        if self.val_set is not None and self.val_set.without_gt:
            self.log(f"val: {self.val_set.without_gt} frame(s) without GT depth skipped")
        if self.val_set is not None and len(self.val_set) == 0:
            self.val_set = None
        self.num_workers = resolve_num_workers(cfg.num_workers, self.device, world=self.world)
        self.amp = bool(cfg.amp)
        if len(self.train_set) < cfg.batch_size:
            raise ValueError(f"{len(self.train_set)} training samples, fewer than one batch of {cfg.batch_size}")
        self.sampler = EpochSampler(len(self.train_set), cfg.seed, self.rank, self.world)
        self.steps_per_epoch = len(self.sampler) // cfg.batch_size
        self.intrinsics = self._normalised_intrinsics(train_scenes)

        # nets
        self.model_cfg = ModelConfig(encoder=cfg.encoder, width=cfg.width, height=cfg.height,
                                     min_depth=cfg.min_depth, max_depth=cfg.max_depth, scales=tuple(cfg.scales),
                                     intrinsics=self.intrinsics, seed=cfg.seed).resolved()
        self.model = build_model(self.model_cfg, seed=cfg.seed, pretrained=cfg.pretrained).to(self.device)
        self.net = TrainModel(self.model.depth, self.model.pose)
        self.ddp = self.net
        if wants_sync_batchnorm(cfg, self.world, self.device):
            n = convert_sync_batchnorm(self.net)
            self.log(f"DDP on CUDA: {n} BatchNorm layers -> SyncBatchNorm")
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.ddp = nn.parallel.DistributedDataParallel(self.net, device_ids=ids)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, max(cfg.lr_step_epochs, 1), cfg.lr_gamma)
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.amp)
        self.teacher = None
        if cfg.teacher != "none":
            self.teacher = Teacher(cfg.teacher, self.model.depth, cfg.teacher_ema_decay,
                                   cfg.teacher_snapshot_epoch, cfg.distill_start_epoch, cfg.teacher_bn)
        self.step, self.epoch, self.step_in_epoch = 0, 0, 0
        self.last_val = None
        self.ckpt_dir = os.path.join(cfg.out, "checkpoints")
        if self.main:
            os.makedirs(self.ckpt_dir, exist_ok=True)
            extra = dict(training_intrinsics=list(self.intrinsics))
            if self.pseudo_kind:
                extra["pseudo_kind_resolved"] = self.pseudo_kind
            with open(os.path.join(cfg.out, "config.yaml"), "w") as f:
                yaml.safe_dump(dict(cfg.to_dict(), **extra), f, sort_keys=False)
        self.log(f"train: {len(train_scenes)} scene(s), {len(self.train_set)} samples, "
                 f"{self.steps_per_epoch} steps/epoch; val: {len(val_scenes)} scene(s), "
                 f"{len(self.val_set) if self.val_set else 0} frames; world size {self.world}, device {self.device}, "
                 f"{torch.get_num_threads()} threads, {self.num_workers} loader workers"
                 + (", mixed precision" if self.amp else "") + (", ImageNet encoders" if cfg.pretrained else ""))

    def _resolve_pseudo_kind(self, frame_source, train_scenes):
        """The pseudo-depth kind of this run (None without a source): pseudo.yaml of file sources
        (pseudo_depth.resolve_kind), the option for a torchscript module, affine disparity for the stand-in."""
        if frame_source is None and self.batch_source is None:
            return None
        if isinstance(frame_source, StandInRelativeDepth):
            return "affine_disparity"
        if hasattr(frame_source, "resolve"):
            return frame_source.resolve([s.pseudo_root for s in train_scenes], self.log)
        return self.batch_source.kind

    def autocast(self):
        """Mixed precision (float16) for the nets' forward passes when ``amp`` (CUDA only; validate() refuses
        it on the CPU), else a no-op context."""
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=torch.float16)

    def _normalised_intrinsics(self, scenes):
        ks = np.array([self.train_set.intrinsics(s)[:3, :3].numpy() for s in scenes])
        k = ks.mean(0)
        # normalised as model.yaml's training_intrinsics (layers.intrinsics_matrix: cx·width etc.)
        vals = (k[0, 0] / self.cfg.width, k[1, 1] / self.cfg.height, k[0, 2] / self.cfg.width, k[1, 2] / self.cfg.height)
        return tuple(round(float(v), 6) for v in vals)

    # --- state ----------------------------------------------------------------------------------
    def state(self):
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(),
                "teacher": self.teacher.state_dict() if self.teacher else None,
                "step": self.step, "epoch": self.epoch, "step_in_epoch": self.step_in_epoch,
                "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
                        "generator": self.generator.get_state()},
                "config": self.cfg.to_dict(), "model_config": self.model_cfg.to_dict(), "last_val": self.last_val}

    def save(self, name="last.pt"):
        if not self.main:
            return
        path = os.path.join(self.ckpt_dir, name)
        torch.save(self.state(), path + ".tmp")
        os.replace(path + ".tmp", path)

    def resume(self, path):
        st = torch.load(path, map_location="cpu")
        self.model.load_state_dict(st["model"])
        self.optimizer.load_state_dict(st["optimizer"])
        self.scheduler.load_state_dict(st["scheduler"])
        if self.amp and st.get("scaler"):
            self.scaler.load_state_dict(st["scaler"])
        if self.teacher is not None and st.get("teacher"):
            self.teacher.load_state_dict(st["teacher"])
        self.step, self.epoch, self.step_in_epoch = st["step"], st["epoch"], st["step_in_epoch"]
        rng = st["rng"]
        torch.set_rng_state(rng["torch"])
        np.random.set_state(rng["numpy"])
        random.setstate(rng["python"])
        self.generator.set_state(rng["generator"])
        self.last_val = st.get("last_val")
        self.log(f"resumed {path}: epoch {self.epoch}, step {self.step} ({self.step_in_epoch} into the epoch)")

    # --- one step -------------------------------------------------------------------------------
    def pseudo_weight(self, epoch_float):
        """w_ps(e): the forgetting factor's schedule, from epoch 0 or (forget_start teacher) from the
        epoch the teacher becomes active, with w0 until then."""
        c = self.cfg
        e = epoch_float
        if c.forget_start == "teacher":
            start = self.teacher.first_epoch
            if e < start:
                return c.pseudo_weight
            e -= start
        return losses.forgetting_weight(c.pseudo_weight, e, c.forget_schedule, c.forget_factor,
                                        c.forget_epochs, c.forget_step)

    def distill_weight(self, epoch_float):
        """The distillation weight: ``distill_weight`` ramped over ``distill_rampup_epochs`` from the teacher's start."""
        c = self.cfg
        if self.teacher is None:
            return 0.0
        return c.distill_weight * reliability.ramp(epoch_float, self.teacher.first_epoch, c.distill_rampup_epochs)

    def train_step(self, batch):
        cfg = self.cfg
        batch = {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}
        self.net.train()
        with self.autocast():
            outputs, poses = self.ddp(batch["images_aug"], self.offsets)
        if self.amp:   # the losses (warps, SSIM, alignment) in float32
            outputs = {k: v.float() for k, v in outputs.items()}
            poses = {k: v.float() for k, v in poses.items()}
        epoch_f = self.epoch + self.step_in_epoch / max(self.steps_per_epoch, 1)
        w_ps = self.pseudo_weight(epoch_f)
        pseudo = batch.get("pseudo")
        if pseudo is None and self.batch_source is not None:
            pseudo = self.batch_source(batch["images"][:, self.offsets.index(0)])
        prior, keep = None, math.nan
        if self.teacher is not None and self.teacher.active(self.epoch):
            prior = self.teacher_prior(batch, poses)
            keep = float(prior[1].mean())
        w_sd = self.distill_weight(epoch_f)
        total, info = compute_losses(cfg, batch, outputs, poses, self.offsets, w_ps, prior, pseudo, self.generator,
                                     self.pseudo_space, w_sd)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()   # GradScaler(enabled=False): plain backward and step
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.teacher is not None:
            self.teacher.on_step(self.model.depth)
        info.update(pseudo_weight=w_ps, filter_keep=keep)
        return info

    @torch.no_grad()
    def teacher_prior(self, batch, poses):
        cfg = self.cfg
        images = batch["images"]
        ts = self.offsets.index(0)
        depth_t = layers.disp_to_depth(self._teacher_disp(images[:, ts]), cfg.min_depth, cfg.max_depth)
        if not cfg.mask_filter:
            return depth_t, torch.ones_like(depth_t)
        srcs = [(j, o) for j, o in enumerate(self.offsets) if o != 0]
        depths_s = [layers.disp_to_depth(self._teacher_disp(images[:, j]), cfg.min_depth, cfg.max_depth)
                    for j, _ in srcs]
        t_s = [layers.source_pose(poses[o].detach(), o) for _, o in srcs]
        mask = consistency.multiview_mask(depth_t, depths_s, images[:, ts], [images[:, j] for j, _ in srcs], t_s,
                                          batch["K"], batch["inv_K"], cfg.filter_depth_rel, cfg.filter_photo,
                                          cfg.filter_min_views, cfg.ssim_alpha)
        return depth_t, mask

    def _teacher_disp(self, images):
        with self.autocast():
            return self.teacher(images).float()

    # --- loop -----------------------------------------------------------------------------------
    def loader(self, epoch, start_step):
        self.train_set.set_epoch(epoch)
        self.sampler.set_epoch(epoch, start_step * self.cfg.batch_size)
        return torch.utils.data.DataLoader(self.train_set, batch_size=self.cfg.batch_size, sampler=self.sampler,
                                           num_workers=self.num_workers, drop_last=True, collate_fn=_collate,
                                           pin_memory=self.device.type == "cuda")

    def train(self):
        cfg = self.cfg
        train_cols = ["step", "epoch", "loss", "photo", "smooth", "pseudo", "distill", "rank_u", "pseudo_weight",
                      "distill_weight", "filter_keep", "automask_frac", "pseudo_region_frac", "unreliable_frac",
                      "distill_frac", "lr", "s_per_iter"]
        while self.epoch < cfg.epochs:
            if self.teacher is not None:
                self.teacher.on_epoch_start(self.epoch, self.model.depth)
            bar = Progress(self.steps_per_epoch, cfg.log_every, enabled=self.show_progress)
            t_last, n_last = time.time(), 0
            for batch in self.loader(self.epoch, self.step_in_epoch):
                if self.step_in_epoch >= self.steps_per_epoch:
                    break
                info = self.train_step(batch)
                self.step += 1
                self.step_in_epoch += 1
                n_last += 1
                if self.step % cfg.log_every == 0 or self.step_in_epoch == self.steps_per_epoch:
                    spi = (time.time() - t_last) / max(n_last, 1)
                    t_last, n_last = time.time(), 0
                    row = {k: info.get(k) for k in train_cols}
                    row.update(step=self.step, epoch=round(self.epoch + self.step_in_epoch / self.steps_per_epoch, 4),
                               lr=self.optimizer.param_groups[0]["lr"], s_per_iter=round(spi, 4))
                    self._append("train_log", train_cols, row)
                    bar.update(self.step_in_epoch, f"epoch {self.epoch + 1}/{cfg.epochs} loss {info['loss']:.4f} "
                                                   f"{spi:.2f} s/it")
                if cfg.save_every > 0 and self.step % cfg.save_every == 0:
                    self.save()
                if cfg.max_steps and self.step >= cfg.max_steps:
                    self.save()
                    return self.last_val
            self.epoch += 1
            self.step_in_epoch = 0
            self.scheduler.step()
            if self.val_set is not None and self.epoch % cfg.val_every_epochs == 0:
                self.validate()
            self.save()
            if self.main:
                torch.save(self.model.state_dict(), os.path.join(self.ckpt_dir, f"weights_epoch{self.epoch:03d}.pt"))
        return self.last_val

    def _append(self, name, cols, row):
        if not self.main:
            return
        csv_path = os.path.join(self.cfg.out, name + ".csv")
        new = not os.path.exists(csv_path)
        with open(csv_path, "a", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            if new:
                wr.writeheader()
            wr.writerow(row)
        with open(os.path.join(self.cfg.out, name + ".jsonl"), "a") as f:
            f.write(json.dumps(row) + "\n")

    @torch.no_grad()
    def validate(self):
        """DESIGN §8 metrics of the student on the val split; rank 0 only (the others wait)."""
        if self.world > 1:
            dist.barrier()
        if not self.main:
            if self.world > 1:
                dist.barrier()
            return None
        cfg = self.cfg
        self.model.depth.eval()
        ev = DepthEvaluator(cfg.eval_min_depth, cfg.eval_max_depth)
        heights = []
        loader = torch.utils.data.DataLoader(self.val_set, batch_size=cfg.val_batch_size, shuffle=False,
                                             num_workers=self.num_workers)
        for batch in loader:
            img = batch["images"][:, 0].to(self.device)
            with self.autocast():
                disp = self.model.depth(img, scales=(0,))[("disp", 0)].float()
            depth = layers.disp_to_depth(disp, cfg.min_depth, cfg.max_depth).cpu()
            for i in range(depth.shape[0]):
                ev.add(depth[i, 0], batch["depth_gt"][i, 0], batch["motion_mask"][i, 0])
                if cfg.camera_height > 0:
                    heights.append(camera_height_scale(depth[i, 0], batch["inv_K"][i], cfg.camera_height))
        summary = ev.summary()
        summary.update(epoch=self.epoch, step=self.step)
        scale = {"median_gt_over_pred": summary["scale_ratio"]["median"],
                 "ratio_std": summary["scale_ratio"]["std"], "epoch": self.epoch,
                 "source": "median over val images of median(GT)/median(pred); GT from the data"}
        if heights:
            h = np.array([x for x in heights if np.isfinite(x)])
            scale["camera_height"] = float(np.median(h)) if h.size else math.nan
            scale["camera_height_m"] = cfg.camera_height
        summary["metric_scale"] = scale
        self.last_val = summary
        with open(os.path.join(cfg.out, "metrics.json"), "w") as f:
            json.dump(summary, f, indent=1)
        with open(os.path.join(cfg.out, "metric_scale.json"), "w") as f:
            json.dump(scale, f, indent=1)
        cols = ["epoch", "step"] + [f"{r}_{n}" for r in ("all", "moving", "static") for n in NAMES] + ["scale_ratio_mean", "scale_ratio_std"]
        row = {"epoch": self.epoch, "step": self.step, "scale_ratio_mean": summary["scale_ratio"]["mean"],
               "scale_ratio_std": summary["scale_ratio"]["std"]}
        for r in ("all", "moving", "static"):
            for n in NAMES:
                row[f"{r}_{n}"] = summary[r][n] if summary[r] else None
        self._append("val_log", cols, row)
        a, m = summary["all"], summary["moving"]
        self.log(f"val epoch {self.epoch}: abs_rel {a['abs_rel']:.4f} rmse {a['rmse']:.3f} a1 {a['a1']:.3f}"
                 + (f" | moving abs_rel {m['abs_rel']:.4f} a1 {m['a1']:.3f}" if m else "")
                 + f" | scale {scale['median_gt_over_pred']:.3f}")
        if self.world > 1:
            dist.barrier()
        return summary
