"""Pluggable sources of relative (affine-invariant) pseudo-depth for the pseudo-supervision term.

SS-MDE takes pseudo-depth from a pretrained relative-depth network (LeReS in the paper). None is
bundled (no downloads), and Debian's Python has no onnxruntime, so a source is one of:

- ``files``: precomputed maps per frame, ``SCENE/<pseudo_path>/<frame stem>.npy`` (float, H×W) or
  ``.png`` (16-bit), written offline by any runtime (e.g. LeReS/MiDaS exported to ONNX and run with
  onnxruntime elsewhere). Any scale and shift; ``pseudo_kind`` says disparity or depth.
- ``torchscript``: a ``torch.jit`` module file (or, from Python, any nn.Module) mapping RGB
  [B,3,H,W] in [0, 1] to [B,1,H,W] (or [B,H,W]); it runs on the un-jittered training batch.
- ``standin``: ``StandInRelativeDepth``, a **stand-in** for synthetic data that has ground truth
  but no relative-depth network. It is not a network and must not be used to report results on
  real data: it reads the GT depth.

Maps are returned as disparity-like values (larger = nearer); NaN marks pixels without a value.
Precompute files with

    python3 -m ssmde_recipe.pseudo_depth --data ROOT --source standin|torchscript:FILE \
        [--out-subdir pseudo_depth] [--width W --height H]
"""

import argparse
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F


def _erode(x, k):
    return -F.max_pool2d(-x, k, 1, k // 2)


def _dilate(x, k):
    return F.max_pool2d(x, k, 1, k // 2)


def _box(x, k):
    x = F.pad(x, (k // 2,) * 4, mode="replicate")
    return F.avg_pool2d(x, k, 1)


def _resize(x, height, width):
    if x.shape[-2:] == (height, width):
        return x
    down = x.shape[-2] > height or x.shape[-1] > width
    return F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=down)


class StandInRelativeDepth:
    """STAND-IN for a relative-depth network on synthetic data with dense ground truth.

    Mimics what an affine-invariant relative-depth net (LeReS, MiDaS) gives, from GT depth:
      1. disparity 1/d; invalid GT (0, NaN, inf: the sim's sky) becomes disparity 0 (far away);
      2. thin structures lost: near structures narrower than ``thin_px`` (removed by a
         morphological opening of the disparity) take the disparity of their background;
      3. boundaries blurred: within ``edge_px`` of a disparity jump > ``edge_rel`` the map is
         box-blurred over ``blur_px``;
      4. a smooth multiplicative error of ±``lowfreq`` (coarse random field);
      5. a random affine map per image: s·x + t with s log-uniform in [0.3, 3]/median and
         t uniform in [0, ``max_shift``]·median after scaling. The unknown scale and shift are
         what the scale-and-shift-invariant loss must absorb.
    The randomness is seeded by (seed, scene, frame): the same frame always gets the same map,
    as from a deterministic network.
    """

    name = "standin"

    def __init__(self, seed=0, thin_px=5, edge_px=2, edge_rel=0.1, blur_px=7, lowfreq=0.05, max_shift=0.5):
        self.seed = seed
        self.thin_px, self.edge_px, self.edge_rel = thin_px, edge_px, edge_rel
        self.blur_px, self.lowfreq, self.max_shift = blur_px, lowfreq, max_shift

    def generator(self, key):
        return torch.Generator().manual_seed((zlib.crc32(str(key).encode()) + 7919 * self.seed) % (2 ** 63))

    def __call__(self, depth_m, height, width, key=""):
        """depth_m: GT depth in metres (numpy or torch, H0×W0) -> float32 numpy [height, width]."""
        d = torch.as_tensor(np.asarray(depth_m, dtype=np.float32))[None, None]
        valid = torch.isfinite(d) & (d > 0)
        disp = torch.where(valid, 1.0 / torch.where(valid, d, torch.ones_like(d)), torch.zeros_like(d))
        disp = _resize(disp, height, width)
        g = self.generator(key)
        # 2. thin structures: what an opening removes and is clearly nearer than its surroundings
        if self.thin_px > 1:
            opened = _dilate(_erode(disp, self.thin_px), self.thin_px)
            thin = (disp - opened) > 0.2 * disp
            disp = torch.where(thin, opened, disp)
        # 3. blurred object boundaries
        if self.blur_px > 1:
            lo = _erode(disp, 3).clamp_min(1e-6)
            hi = _dilate(disp, 3)
            edges = (hi - lo) / hi.clamp_min(1e-6) > self.edge_rel
            near_edge = _dilate(edges.to(disp.dtype), 2 * self.edge_px + 1) > 0
            disp = torch.where(near_edge, _box(disp, self.blur_px), disp)
        # 4. low-frequency multiplicative error
        if self.lowfreq > 0:
            coarse = torch.rand(1, 1, 4, 8, generator=g) * 2 - 1
            field = F.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)
            disp = disp * (1.0 + self.lowfreq * field)
        # 5. unknown scale and shift
        pos = disp[disp > 0]
        med = pos.median() if pos.numel() else torch.tensor(1.0)
        scale = float(np.exp(np.log(0.3) + (np.log(3.0) - np.log(0.3)) * torch.rand(1, generator=g).item()))
        disp = disp * (scale / med.clamp_min(1e-6))
        shift = self.max_shift * torch.rand(1, generator=g).item() * scale
        return (disp + shift)[0, 0].numpy().astype(np.float32)


def _to_disparity(x, kind):
    x = np.asarray(x, dtype=np.float32)
    if kind == "depth":
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(np.isfinite(x) & (x > 0), 1.0 / x, np.nan).astype(np.float32)
    return x


class FileSource:
    """Precomputed maps: SCENE/<subdir>/<stem>.npy or .png (16-bit PNG values are used as they are)."""

    name = "files"

    def __init__(self, subdir="pseudo_depth", kind="disparity"):
        self.subdir = subdir or "pseudo_depth"
        self.kind = kind

    def path(self, scene_dir, stem):
        for ext in (".npy", ".png"):
            p = os.path.join(scene_dir, self.subdir, stem + ext)
            if os.path.exists(p):
                return p
        raise FileNotFoundError(f"no pseudo-depth {os.path.join(scene_dir, self.subdir, stem)}.npy|.png "
                                "(precompute with python3 -m ssmde_recipe.pseudo_depth)")

    def load(self, scene_dir, stem, height, width):
        p = self.path(scene_dir, stem)
        if p.endswith(".npy"):
            x = np.load(p).astype(np.float32)
        else:
            from PIL import Image
            x = np.asarray(Image.open(p)).astype(np.float32)
        x = np.squeeze(x)
        if x.ndim != 2:
            raise ValueError(f"{p}: expected an H×W map, got shape {x.shape}")
        x = _to_disparity(x, self.kind)
        t = torch.from_numpy(x)[None, None]
        nan = ~torch.isfinite(t)
        t = _resize(torch.nan_to_num(t), height, width)
        if nan.any():
            t[_resize(nan.float(), height, width) > 0.5] = float("nan")
        return t[0, 0].numpy()


class ModuleSource:
    """A torch module (or a torch.jit file) run on the RGB batch in [0, 1] -> [B,1,H,W] disparity."""

    name = "torchscript"

    def __init__(self, module, kind="disparity"):
        if isinstance(module, str):
            module = torch.jit.load(module, map_location="cpu")
        self.module = module.eval()
        self.kind = kind

    @torch.no_grad()
    def __call__(self, images):
        out = self.module(images)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if out.dim() == 3:
            out = out.unsqueeze(1)
        out = _resize(out.float(), images.shape[2], images.shape[3])
        if self.kind == "depth":
            out = torch.where(torch.isfinite(out) & (out > 0), 1.0 / out.clamp_min(1e-8),
                              torch.full_like(out, float("nan")))
        return out


def build_source(cfg):
    """The source a TrainConfig names: (per-frame source for the dataset, batch source for the trainer)."""
    if cfg.pseudo_source == "none":
        return None, None
    if cfg.pseudo_source == "standin":
        return StandInRelativeDepth(seed=cfg.standin_seed), None
    if cfg.pseudo_source == "files":
        return FileSource(cfg.pseudo_path, cfg.pseudo_kind), None
    if cfg.pseudo_source == "torchscript":
        if not cfg.pseudo_path:
            raise ValueError("pseudo_source torchscript needs pseudo_path (a torch.jit module file)")
        return None, ModuleSource(cfg.pseudo_path, cfg.pseudo_kind)
    raise ValueError(f"unknown pseudo_source {cfg.pseudo_source!r}")


def main(argv=None):
    from .datasets import scan
    from .datasets.common import load_depth, load_image
    p = argparse.ArgumentParser(prog="python3 -m ssmde_recipe.pseudo_depth",
                                description="write precomputed pseudo-depth files for every frame")
    p.add_argument("--data", required=True)
    p.add_argument("--format", default="auto")
    p.add_argument("--source", required=True, help="standin | torchscript:FILE")
    p.add_argument("--kind", default="disparity", help="what a torchscript module outputs: disparity|depth")
    p.add_argument("--out-subdir", default="pseudo_depth")
    p.add_argument("--width", type=int, default=0, help="default: the image size")
    p.add_argument("--height", type=int, default=0)
    p.add_argument("--depth-scale", type=float, default=1000.0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.source == "standin":
        src = StandInRelativeDepth(seed=a.seed)
    elif a.source.startswith("torchscript:"):
        src = ModuleSource(a.source.split(":", 1)[1], a.kind)
    else:
        print("pseudo_depth: --source must be standin or torchscript:FILE", file=sys.stderr)
        return 1
    n = 0
    for scene in scan(a.data, a.format):
        os.makedirs(os.path.join(scene.dir, a.out_subdir), exist_ok=True)
        for i, img_path in enumerate(scene.images):
            w, h = (a.width or scene.size[0]), (a.height or scene.size[1])
            stem = os.path.splitext(os.path.basename(img_path))[0]
            if isinstance(src, StandInRelativeDepth):
                if scene.depths is None:
                    print(f"pseudo_depth: {scene.dir} has no GT depth for the stand-in", file=sys.stderr)
                    return 1
                out = src(load_depth(scene.depths[i], a.depth_scale), h, w, key=f"{scene.name}/{stem}")
            else:
                img = torch.from_numpy(load_image(img_path, w, h))[None]
                out = src(img)[0, 0].numpy()
            np.save(os.path.join(scene.dir, a.out_subdir, stem + ".npy"), out.astype(np.float32))
            n += 1
    print(f"pseudo_depth: wrote {n} maps", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
