"""Build the nets of a ModelConfig, give them a seeded, non-degenerate init, load weights."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .model_config import ModelConfig
from .networks import DepthDecoder, DepthExport, DepthNet, PoseNet, build_encoder


class SSMDE(nn.Module):
    """Container whose state_dict is weights.pt: ``depth.encoder.*``, ``depth.decoder.*``, ``pose.*``."""

    def __init__(self, cfg: ModelConfig, pretrained=False):
        super().__init__()
        cfg = cfg.resolved()
        self.cfg = cfg
        self.pretrained = pretrained
        enc = build_encoder(cfg.encoder, pretrained=pretrained)
        dec = DepthDecoder(enc.num_ch_enc, cfg.decoder_channels, cfg.scales,
                           pad=cfg.decoder_pad, act=cfg.decoder_act)
        self.depth = DepthNet(enc, dec)
        self.pose = (PoseNet(build_encoder(cfg.pose_encoder, num_input_images=2, pretrained=pretrained),
                             cfg.pose_squeeze) if cfg.pose else None)

    def depth_export(self):
        return DepthExport(self.depth.encoder, self.depth.decoder)


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def calibration_images(n, height, width, generator):
    """Deterministic smooth random pictures in [0, 1]: coarse noise upsampled + a vertical ramp."""
    coarse = torch.rand(n, 3, max(height // 16, 1), max(width // 16, 1), generator=generator)
    img = F.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)
    ramp = torch.linspace(0.0, 1.0, height).view(1, 1, height, 1)
    fine = torch.rand(n, 3, height, width, generator=generator)
    return (0.6 * img + 0.3 * ramp + 0.1 * fine).clamp(0.0, 1.0)


@torch.no_grad()
def _calibrate_batchnorm(module, inputs):
    """Set every BatchNorm's running statistics to those of ``inputs`` (one cumulative pass)."""
    bns = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    module.train()
    module(inputs)
    for m, mom in zip(bns, saved):
        m.momentum = mom
    module.eval()


@torch.no_grad()
def _calibrate_disp_heads(decoder, features, target_std=1.0):
    """Affinely rescale each disparity head so its pre-sigmoid logits have mean 0, std ``target_std``
    on the calibration batch: sigmoid outputs then spread over roughly [0.1, 0.9] and vary with the input.
    """
    logits = {}
    hooks = [decoder.dispconv[k].register_forward_hook(lambda m, i, o, k=k: logits.__setitem__(k, o))
             for k in decoder.dispconv]
    decoder(features)
    for h in hooks:
        h.remove()
    for k, out in logits.items():
        conv = decoder.dispconv[k].conv
        mean, std = out.mean(), out.std().clamp_min(1e-8)
        gain = target_std / std
        conv.weight.mul_(gain)
        conv.bias.sub_(mean).mul_(gain)


def seeded_init(model: SSMDE, seed: int, batch=4):
    """Seeded random init (torch.manual_seed(seed)) made data-aware, for an untrained but useful net.

    BatchNorm statistics come from a batch of synthetic pictures so activations keep unit scale
    in eval mode, and the disparity heads are rescaled so outputs are neither constant nor saturated.
    The result depends only on the config and seed. Leaves the model in eval mode.
    Encoders with ImageNet weights (``SSMDE(cfg, pretrained=True)``) keep their ImageNet BatchNorm
    statistics; only the decoder's heads are calibrated on their features.
    """
    cfg = model.cfg
    keep_encoders = getattr(model, "pretrained", False)
    gen = torch.Generator().manual_seed(seed + 1)
    images = calibration_images(2 * batch, cfg.height, cfg.width, gen)
    if not keep_encoders:
        _calibrate_batchnorm(model.depth.encoder, images[:batch])
    model.depth.eval()
    feats = model.depth.encoder(images[:batch])
    _calibrate_disp_heads(model.depth.decoder, feats)
    if model.pose is not None and not keep_encoders:
        frames = torch.cat([images[:batch], images[batch:]], dim=1)
        _calibrate_batchnorm(model.pose.encoder, frames)
    model.eval()
    return model


def build_model(cfg: ModelConfig, seed=None, state_dict=None, pretrained=False):
    """The nets of ``cfg`` in eval mode: from ``state_dict`` when given, else seeded_init(seed).

    ``pretrained`` (resnet encoders, no state_dict): the encoders start from ImageNet weights in torch's
    hub cache (networks.encoders.imagenet_state_dict; a missing file is an error naming it).
    """
    seed = cfg.seed if seed is None else seed
    torch.manual_seed(seed)
    model = SSMDE(cfg, pretrained=pretrained and state_dict is None)
    if state_dict is not None:
        model.load_state_dict(state_dict, strict=True)
    else:
        seeded_init(model, seed)
    return model.eval()


def load_checkpoint(path, want_pose=True):
    """A state dict from a file: weights.pt itself, or a dict holding it under "state_dict"/"model".

    Keys of a pose net are dropped when ``want_pose`` is false.
    """
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not want_pose:
        obj = {k: v for k, v in obj.items() if not k.startswith("pose.")}
    return obj
