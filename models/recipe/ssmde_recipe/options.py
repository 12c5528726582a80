"""Every training option in one place: the ``TrainConfig`` dataclass, YAML presets, CLI overrides.

A config file is flat YAML whose keys are the field names below (unknown keys are an error, so a
typo never silently falls back to a default). ``--preset NAME`` loads ``configs/NAME.yaml`` next to
this package; ``--config FILE`` loads any file; command-line flags override both.

Each switch of the method names the formula it controls; the formulas are written out in
``losses.py`` / ``consistency.py`` and in models/recipe/README.md.
"""

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Optional, Tuple

import yaml

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
ABLATION_PRESETS = ("photometric", "pseudo", "forgetting", "teacher", "full", "oracle")   # same budget; oracle reads GT
PRESETS = ABLATION_PRESETS + ("kitti",)   # kitti: full SS-MDE at Monodepth2's KITTI budget (a GPU run)
PSEUDO_KINDS = ("auto", "disparity", "depth", "affine_disparity", "affine_depth")


@dataclass
class TrainConfig:
    # --- data -----------------------------------------------------------------------------------
    data: str = ""                       # training root (scene folders; see datasets/)
    data_format: str = "auto"            # auto | kitti | nyu | video
    val_data: str = ""                   # separate validation root ("" = split scenes of `data`)
    val_fraction: float = 0.25           # fraction of scenes (the last ones) held out when val_data is ""
    split_dir: str = ""                  # Monodepth2 split folder (kitti only): train_files.txt, val_files.txt
                                         # (optional), lines "DATE/DRIVE_sync 0000000123 l|r" relative to `data`;
                                         # train/val take exactly the listed frames (datasets/splits.py). Training
                                         # or validating on a drive of test_files.txt / eigen_test_files.txt in the
                                         # same folder is refused. Excludes val_data and val_fraction.
    frame_offsets: Tuple[int, ...] = (-1, 1)   # source frames relative to the target t
    width: int = 320
    height: int = 96
    depth_scale: float = 1000.0          # GT depth PNG value / depth_scale = metres (sim, NYU-style: mm;
                                         # KITTI's annotated proj_depth uses 256)
    # augmentation (Monodepth2): colour jitter on the network input only, horizontal flip of the triplet
    augment: bool = True
    flip_prob: float = 0.5
    jitter_prob: float = 0.5
    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2
    hue: float = 0.1
    num_workers: int = -1                # DataLoader workers; -1 = auto: min(4, CPUs per rank) on CUDA, 0 on CPU

    # --- model (ModelConfig) --------------------------------------------------------------------
    encoder: str = "lite"
    pretrained: bool = False             # resnet encoders start from torchvision's ImageNet weights, read from
                                         # torch's hub cache ($TORCH_HOME/hub/checkpoints, default
                                         # ~/.cache/torch/hub/checkpoints, e.g. resnet18-f37072fd.pth); never
                                         # downloaded: a missing file is an error naming it. The pose net's
                                         # 6-channel conv1 is cat([w, w], 1) / 2 (Monodepth2).
    min_depth: float = 0.1
    max_depth: float = 100.0
    scales: Tuple[int, ...] = (0, 1, 2, 3)

    # --- optimisation ----------------------------------------------------------------------------
    epochs: int = 20
    batch_size: int = 4
    lr: float = 1e-4
    weight_decay: float = 0.0
    lr_step_epochs: int = 15             # StepLR: lr × lr_gamma every lr_step_epochs (Monodepth2: 15 of 20)
    lr_gamma: float = 0.1
    max_steps: int = 0                   # > 0: stop after this many optimiser steps (smoke tests, timing)
    seed: int = 0
    threads: int = 0                     # torch.set_num_threads (0 = leave torch's default)
    device: str = "cpu"                  # cpu | cuda | cuda:N
    amp: bool = False                    # CUDA mixed precision: the nets' forward passes under torch.autocast
                                         # (float16), losses in float32, GradScaler. Refused on the CPU.
    sync_batchnorm: bool = True          # under DDP on CUDA (WORLD_SIZE > 1): BatchNorm -> SyncBatchNorm

    # --- photometric loss  L_ph = α (1−SSIM)/2 + (1−α) |I_t − I_s→t| ------------------------------
    ssim_alpha: float = 0.85             # α
    min_reprojection: bool = True        # per-pixel minimum over source frames (else mean)
    automask: bool = True                # drop pixels where an unwarped source already matches better
    identity_bias: float = 1e-5          # added to identity errors so ties go to the reprojection

    # --- edge-aware smoothness  L_sm = |∂x d*| e^{−|∂x I|} + |∂y d*| e^{−|∂y I|},  d* = d / mean(d) -------
    smooth_weight: float = 1e-3          # divided by 2^s at decoder scale s

    # --- pseudo-depth supervision (relative-depth net; L_ps weight w_ps(e)) ----------------------
    pseudo_source: str = "none"          # none | standin | files | torchscript
    pseudo_path: str = ""                # files: sub-folder of each scene; torchscript: module file
    pseudo_kind: str = "auto"            # what the source gives (losses.pseudo_space says where it is compared):
                                         #   disparity, affine_disparity (MiDaS, Depth Anything): disparity space;
                                         #   depth (metric or up to scale): inverted to disparity;
                                         #   affine_depth (LeReS): compared in depth space (an affine map of
                                         #   depth is not one of disparity).
                                         # auto: files take `kind:` from SCENE/<pseudo_path>/pseudo.yaml (written
                                         # by `ssmde teacher`), else disparity. An explicit kind that differs
                                         # from a pseudo.yaml is an error.
    pseudo_loss: str = "ssi"             # ssi (MiDaS-normalised MAE, scale+shift invariant) | ranking
    pseudo_weight: float = 0.0           # w0 (0 disables the term)
    pseudo_region: str = "automask"      # all | automask | static (automask ∧ low residual error)
    static_error_ratio: float = 2.0      # static: min reprojection error ≤ ratio × its image mean
    ranking_pairs: int = 2048            # ranking: random pixel pairs per image
    ranking_margin: float = 0.03         # ranking: pairs with |ln(p_i/p_j)| < margin count as equal
    standin_seed: int = 0                # stand-in source: per-frame random scale/shift seed

    # --- forgetting factor  w_ps(e) = w0·γ^e | w0·max(0, 1 − e/E) | w0·γ^⌊e/k⌋ -------------------
    forget_schedule: str = "none"        # none | exponential | linear | step
    forget_factor: float = 0.8           # γ (exponential, step)
    forget_epochs: float = 10.0          # E (linear: weight reaches 0 at epoch E)
    forget_step: float = 5.0             # k (step)

    # --- teacher and self-distillation  L_sd = mean_M |ln D_s − ln D_teacher| (or berHu) --------
    teacher: str = "none"                # none | ema | snapshot
    teacher_ema_decay: float = 0.999     # θ_T ← m θ_T + (1 − m) θ_S after each step
    teacher_snapshot_epoch: int = 5      # snapshot: frozen copy of the student taken at this epoch's start
    distill_start_epoch: int = 5         # the prior is used from this epoch on (both teacher kinds)
    distill_weight: float = 0.2
    distill_loss: str = "log_l1"         # log_l1 | berhu | cauchy (reliability.cauchy: bounded gradient, 0 at agreement)
    distill_scale: float = 0.1           # cauchy: c (the gradient per pixel never exceeds c/2)
    distill_rampup_epochs: float = 0.0   # the distillation weight ramps linearly from 0 over this many epochs
                                         # after the teacher becomes active (0: full weight at once)
    distill_region: str = "kept"         # kept (the mask filter's pixels: the paper form) | unreliable (the set U
                                         # of reliability.py, where the photometric loss is not trusted) | all
    teacher_agree_tol: float = 0.0       # > 0: the teacher distils only where |ln(aligned pseudo) − ln teacher| <
                                         # tol in the pseudo map's space (reliability.agreement_mask)
    teacher_bn: str = "eval"             # eval (running statistics) | batch: the teacher normalises with the
                                         # batch's statistics like the student in train mode (running stats kept)
    forget_start: str = "zero"           # zero: the forgetting clock runs from epoch 0 | teacher: w0 until the
                                         # teacher is active, then it decays (static-region term only)

    # --- unreliable pixels (reliability.py)  U = moving_b ∧ (¬μ ∨ ¬keep) ------------------------------
    unreliable: str = "none"             # none | automask (U = moving ∧ ¬μ) | multiview (∨ the filter rejects;
                                         # needs mask_filter)
    moving_keep_min: float = 0.5         # an image is "moving" when the auto-mask keeps at least this fraction
    photo_reliable_only: bool = False    # photometric loss on R = μ ∧ ¬U only (ManyDepth)
    unreliable_rank_weight: float = 0.0  # pseudo-depth ranking of U against R pixels (SC-DepthV3), not forgotten
    unreliable_rank_pairs: int = 1024    # pairs per image

    # --- multi-view mask filter on the teacher prior ---------------------------------------------
    mask_filter: bool = False
    filter_depth_rel: float = 0.15       # keep where |z_{t→s} − D_s(p_s)| / D_s(p_s) < this
    filter_photo: float = 0.2            # and where the teacher-depth warp's photometric error < this
    filter_min_views: int = 1            # views (in image) that must be consistent; none may disagree

    # --- logging, checkpoints, validation --------------------------------------------------------
    out: str = ""
    save_every: int = 500                # checkpoint every N optimiser steps (and at each epoch end)
    log_every: int = 10
    val_every_epochs: int = 1
    val_batch_size: int = 8
    eval_min_depth: float = 1e-3         # DESIGN §8: valid GT min < gt < max, clamp after scaling
    eval_max_depth: float = 80.0
    camera_height: float = 0.0           # metres; > 0 also estimates a scale from the road plane
    notes: str = ""

    # ---------------------------------------------------------------------------------------------
    def validate(self):
        def one_of(key, allowed):
            if getattr(self, key) not in allowed:
                raise ValueError(f"{key} must be one of {', '.join(allowed)}; got {getattr(self, key)!r}")
        one_of("data_format", ("auto", "kitti", "nyu", "video"))
        one_of("pseudo_source", ("none", "standin", "files", "torchscript"))
        one_of("pseudo_kind", PSEUDO_KINDS)
        one_of("pseudo_loss", ("ssi", "ranking"))
        one_of("pseudo_region", ("all", "automask", "static"))
        one_of("forget_schedule", ("none", "exponential", "linear", "step"))
        one_of("teacher", ("none", "ema", "snapshot"))
        one_of("distill_loss", ("log_l1", "berhu", "cauchy"))
        one_of("distill_region", ("kept", "unreliable", "all"))
        one_of("teacher_bn", ("eval", "batch"))
        one_of("forget_start", ("zero", "teacher"))
        one_of("unreliable", ("none", "automask", "multiview"))
        if self.unreliable == "multiview" and not self.mask_filter:
            raise ValueError("unreliable multiview uses the mask filter's rejections: set mask_filter true "
                             "(or unreliable automask)")
        if self.distill_region == "unreliable" and self.unreliable == "none":
            raise ValueError("distill_region unreliable needs the unreliable set: set unreliable automask or multiview")
        if (self.photo_reliable_only or self.unreliable_rank_weight > 0) and self.unreliable == "none":
            raise ValueError("photo_reliable_only and unreliable_rank_weight need the unreliable set: "
                             "set unreliable automask or multiview")
        if (self.teacher_agree_tol > 0 or self.unreliable_rank_weight > 0) and self.pseudo_source == "none":
            raise ValueError("teacher_agree_tol and unreliable_rank_weight compare with the pseudo-depth: "
                             "set a pseudo_source")
        if self.forget_start == "teacher" and self.teacher == "none":
            raise ValueError("forget_start teacher starts forgetting when the teacher is active: set a teacher")
        if self.distill_scale <= 0:
            raise ValueError(f"distill_scale must be > 0, got {self.distill_scale}")
        if self.width % 32 or self.height % 32:
            raise ValueError(f"width and height must be multiples of 32, got {self.width}x{self.height}")
        if not self.frame_offsets or 0 in self.frame_offsets:
            raise ValueError("frame_offsets needs source offsets other than 0")
        if self.pseudo_weight > 0 and self.pseudo_source == "none":
            raise ValueError("pseudo_weight > 0 needs a pseudo_source")
        if self.mask_filter and self.teacher == "none":
            raise ValueError("mask_filter filters the teacher prior: set teacher to ema or snapshot")
        if not 0.0 <= self.teacher_ema_decay < 1.0:
            raise ValueError("teacher_ema_decay must be in [0, 1)")
        if self.pretrained and self.encoder == "lite":
            raise ValueError("pretrained: ImageNet weights exist only for the resnet encoders, got encoder 'lite' "
                             "(set encoder resnet18|resnet34|resnet50, or pretrained false)")
        if self.amp and not str(self.device).startswith("cuda"):
            raise ValueError(f"amp: mixed precision needs a CUDA device, got device {self.device!r} "
                             "(set device cuda, or amp false: on the CPU training runs in float32)")
        if self.num_workers < -1:
            raise ValueError(f"num_workers must be -1 (auto) or >= 0, got {self.num_workers}")
        if self.split_dir:
            if self.val_data:
                raise ValueError(f"split_dir {self.split_dir!r} takes the val frames from its val_files.txt; "
                                 f"drop val_data {self.val_data!r}")
            if self.data_format not in ("auto", "kitti"):
                raise ValueError(f"split_dir is for KITTI raw folders; got data_format {self.data_format!r} "
                                 "(set data_format kitti or auto)")
        if self.pseudo_source == "standin" and self.pseudo_kind not in ("auto", "disparity", "affine_disparity"):
            raise ValueError(f"pseudo_source standin gives affine disparity; pseudo_kind {self.pseudo_kind!r} "
                             "does not apply (set pseudo_kind auto)")
        return self

    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def keys(cls):
        return {f.name: f for f in fields(cls)}

    def update(self, d, where="config"):
        known = self.keys()
        for k, v in d.items():
            if k not in known:
                raise ValueError(f"{where}: unknown key {k!r}")
            if isinstance(v, list):
                v = tuple(v)
            setattr(self, k, v)
        return self


def preset_path(name):
    return os.path.join(CONFIG_DIR, f"{name}.yaml")


def load_yaml(path):
    with open(path) as f:
        d = yaml.safe_load(f) or {}
    if not isinstance(d, dict):
        raise ValueError(f"{path}: expected a mapping of option: value")
    return d


def make_config(preset: Optional[str] = None, config: Optional[str] = None, overrides=None):
    """Defaults ← preset file ← config file ← overrides (dict, None values ignored)."""
    cfg = TrainConfig()
    if preset:
        p = preset_path(preset)
        if not os.path.exists(p):
            raise ValueError(f"no preset {preset!r} ({p}); presets: {', '.join(PRESETS)}")
        cfg.update(load_yaml(p), where=p)
    if config:
        cfg.update(load_yaml(config), where=config)
    if overrides:
        cfg.update({k: v for k, v in overrides.items() if v is not None}, where="command line")
    return cfg.validate()
