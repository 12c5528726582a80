"""Pluggable sources of relative (affine-invariant) pseudo-depth for the pseudo-supervision term.

SS-MDE takes pseudo-depth from a pretrained relative-depth network (LeReS in the paper). None is
bundled (no downloads), and Debian's Python has no onnxruntime, so a source is one of:

- ``files``: precomputed maps per frame, ``SCENE/<pseudo_path>/<frame stem>.npy`` (float, H×W) or
  ``.png`` (16-bit), written offline by any runtime: `ssmde teacher` (any relative or metric depth
  net), or LeReS/MiDaS run elsewhere. Any scale and shift. ``SCENE/<pseudo_path>/pseudo.yaml``
  (``kind:`` affine_disparity | affine_depth | disparity | depth, ``model:``, ``source:``) says what
  the maps are; without it ``pseudo_kind`` does (auto: disparity).
- ``torchscript``: a ``torch.jit`` module file (or, from Python, any nn.Module) mapping RGB
  [B,3,H,W] in [0, 1] to [B,1,H,W] (or [B,H,W]); it runs on the un-jittered training batch.
- ``standin``: ``StandInRelativeDepth``, a **stand-in** for synthetic data that has ground truth
  but no relative-depth network. It is not a network and must not be used to report results on
  real data: it reads the GT depth.

Maps are returned in the space their loss uses (losses.pseudo_space): disparity-like (larger =
nearer) for the disparity kinds and for ``depth`` (inverted here), depth-like for ``affine_depth``
(an affine map of depth is not one of disparity, so it is not inverted). NaN marks pixels without
a value.
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


KINDS = ("disparity", "depth", "affine_disparity", "affine_depth")
META = "pseudo.yaml"


def effective_kind(kind):
    """The kind a source works with: ``auto`` (nothing said) means disparity."""
    return "disparity" if kind in ("auto", "", None) else kind


def _to_space(x, kind):
    """A raw map of ``kind`` in the space its loss uses (losses.pseudo_space): only ``depth`` is inverted;
    affine_depth stays depth (1/(s·D + t) is not affine in 1/D), the disparity kinds stay as they are."""
    x = np.asarray(x, dtype=np.float32)
    if kind == "depth":
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(np.isfinite(x) & (x > 0), 1.0 / x, np.nan).astype(np.float32)
    return x


def read_meta(folder):
    """``folder/pseudo.yaml`` as a dict (None when absent): ``kind`` (one of KINDS) required, ``model`` and
    ``source`` strings (what `ssmde teacher` writes; other keys are kept and ignored)."""
    path = os.path.join(folder, META)
    if not os.path.exists(path):
        return None
    import yaml
    with open(path) as f:
        d = yaml.safe_load(f) or {}
    if not isinstance(d, dict) or "kind" not in d:
        raise ValueError(f"{path}: expected a mapping with kind: one of {', '.join(KINDS)}")
    if d["kind"] not in KINDS:
        raise ValueError(f"{path}: kind must be one of {', '.join(KINDS)}; got {d['kind']!r}")
    return d


def write_meta(folder, kind, model, source):
    import yaml
    with open(os.path.join(folder, META), "w") as f:
        yaml.safe_dump({"kind": kind, "model": str(model), "source": str(source)}, f, sort_keys=False)


def resolve_kind(option, metas):
    """The kind of a run's pseudo maps from the ``pseudo_kind`` option and the scenes' pseudo.yaml files.

    metas: list of (path, dict or None), one per scene. Every pseudo.yaml must agree; an explicit option
    (not ``auto``) that differs from one is an error naming both; scenes without a pseudo.yaml take the
    option (auto: disparity), and must then agree with those that have one. Returns (kind, note).
    """
    said = [(p, m["kind"]) for p, m in metas if m is not None]
    missing = [p for p, m in metas if m is None]
    if option not in ("auto", "", None):
        for p, k in said:
            if k != option:
                raise ValueError(f"pseudo_kind {option!r} conflicts with kind {k!r} in {os.path.join(p, META)} "
                                 "(drop the option or set pseudo_kind auto to use the file's)")
    kinds = sorted(set(k for _, k in said))
    if len(kinds) > 1:
        first = {k: p for p, k in reversed(said)}
        raise ValueError("pseudo.yaml kinds differ between scenes: " + ", ".join(
            f"{k} in {os.path.join(first[k], META)}" for k in kinds) + " (regenerate them with one teacher)")
    if not kinds:
        kind = effective_kind(option)
        return kind, (f"kind {kind} from pseudo_kind" if option not in ("auto", "", None)
                      else "no pseudo.yaml: kind disparity (pseudo_kind auto)")
    kind = kinds[0]
    if missing and effective_kind(option) != kind:
        raise ValueError(f"{os.path.join(said[0][0], META)} says kind {kind!r} but {missing[0]} has no {META} "
                         f"(its maps would be taken as {effective_kind(option)!r}); write one there or set "
                         f"pseudo_kind {kind}")
    models = sorted(set(str(m.get("model", "?")) for _, m in metas if m is not None))
    return kind, (f"kind {kind} from {len(said)} {META} file(s) (model {', '.join(models)})"
                  + ("" if option in ("auto", "", None) else f", as pseudo_kind says"))


class FileSource:
    """Precomputed maps: <scene dir>/<subdir>/<stem>.npy or .png (16-bit PNG values are used as they are).

    ``<scene dir>/<subdir>/pseudo.yaml`` (``kind``, ``model``, ``source``; written by `ssmde teacher`)
    says what the maps are; ``resolve`` reads those of the training scenes, and its kind replaces the
    ``kind`` option (``auto``), or must equal it. The maps are returned in the kind's loss space.
    """

    name = "files"

    def __init__(self, subdir="pseudo_depth", kind="auto"):
        self.subdir = subdir or "pseudo_depth"
        self.option = kind
        self.kind = effective_kind(kind)

    def folder(self, scene_dir):
        return os.path.join(scene_dir, self.subdir)

    def resolve(self, scene_dirs, log=None):
        """Fix the kind from the scenes' pseudo.yaml files (see ``resolve_kind``); returns it."""
        metas = [(self.folder(d), read_meta(self.folder(d))) for d in scene_dirs]
        self.kind, note = resolve_kind(self.option, metas)
        if log:
            log(f"pseudo-depth files {self.subdir}/: {note}")
        return self.kind

    def path(self, scene_dir, stem):
        for ext in (".npy", ".png"):
            p = os.path.join(scene_dir, self.subdir, stem + ext)
            if os.path.exists(p):
                return p
        raise FileNotFoundError(f"no pseudo-depth {os.path.join(scene_dir, self.subdir, stem)}.npy|.png "
                                "(write them with `ssmde teacher` or python3 -m ssmde_recipe.pseudo_depth)")

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
        x = _to_space(x, self.kind)
        t = torch.from_numpy(x)[None, None]
        nan = ~torch.isfinite(t)
        t = _resize(torch.nan_to_num(t), height, width)
        if nan.any():
            t[_resize(nan.float(), height, width) > 0.5] = float("nan")
        return t[0, 0].numpy()


class ModuleSource:
    """A torch module (or a torch.jit file) run on the RGB batch in [0, 1] -> [B,1,H,W] in the kind's space.

    ``device``: where the module lives and runs, the training device (a torch.jit file is loaded straight
    onto it with map_location; an nn.Module is moved with .to). Inputs are moved there too.
    """

    name = "torchscript"

    def __init__(self, module, kind="auto", device=None):
        self.device = torch.device(device) if device is not None else None
        if isinstance(module, str):
            module = torch.jit.load(module, map_location=self.device or torch.device("cpu"))
        elif self.device is not None:
            module = module.to(self.device)
        self.module = module.eval()
        self.kind = effective_kind(kind)

    @torch.no_grad()
    def __call__(self, images):
        if self.device is not None:
            images = images.to(self.device)
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


def build_source(cfg, device=None):
    """The source a TrainConfig names: (per-frame source for the dataset, batch source for the trainer).

    ``device``: the training device, where a torchscript module is loaded and run.
    """
    if cfg.pseudo_source == "none":
        return None, None
    if cfg.pseudo_source == "standin":
        return StandInRelativeDepth(seed=cfg.standin_seed), None
    if cfg.pseudo_source == "files":
        return FileSource(cfg.pseudo_path, cfg.pseudo_kind), None
    if cfg.pseudo_source == "torchscript":
        if not cfg.pseudo_path:
            raise ValueError("pseudo_source torchscript needs pseudo_path (a torch.jit module file)")
        return None, ModuleSource(cfg.pseudo_path, cfg.pseudo_kind, device=device)
    raise ValueError(f"unknown pseudo_source {cfg.pseudo_source!r}")


def main(argv=None):
    from .datasets import scan
    from .datasets.common import load_depth, load_image
    p = argparse.ArgumentParser(prog="python3 -m ssmde_recipe.pseudo_depth",
                                description="write precomputed pseudo-depth files (and pseudo.yaml) for every frame")
    p.add_argument("--data", required=True)
    p.add_argument("--format", default="auto")
    p.add_argument("--source", required=True, help="standin | torchscript:FILE")
    p.add_argument("--kind", default="disparity", choices=KINDS,
                   help="what a torchscript module outputs (written to pseudo.yaml; maps are stored raw)")
    p.add_argument("--out-subdir", default="pseudo_depth")
    p.add_argument("--width", type=int, default=0, help="default: the image size")
    p.add_argument("--height", type=int, default=0)
    p.add_argument("--depth-scale", type=float, default=1000.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="where a torchscript module runs (cpu, cuda)")
    a = p.parse_args(argv)
    if a.source == "standin":
        src, kind, model = StandInRelativeDepth(seed=a.seed), "affine_disparity", "standin (reads GT; sim only)"
    elif a.source.startswith("torchscript:"):
        path = a.source.split(":", 1)[1]
        # "affine_disparity": the module's output is stored as it is; pseudo.yaml says what it is
        src, kind, model = ModuleSource(path, "affine_disparity", device=a.device), a.kind, os.path.basename(path)
    else:
        print("pseudo_depth: --source must be standin or torchscript:FILE", file=sys.stderr)
        return 1
    n, no_gt = 0, 0
    for scene in scan(a.data, a.format):
        folder = os.path.join(scene.dir, a.out_subdir)
        os.makedirs(folder, exist_ok=True)
        for i, img_path in enumerate(scene.images):
            w, h = (a.width or scene.size[0]), (a.height or scene.size[1])
            stem = os.path.splitext(os.path.basename(img_path))[0]
            if isinstance(src, StandInRelativeDepth):
                if scene.depths is None:
                    print(f"pseudo_depth: {scene.dir} has no GT depth for the stand-in", file=sys.stderr)
                    return 1
                if scene.depths[i] is None:
                    no_gt += 1
                    continue
                out = src(load_depth(scene.depths[i], a.depth_scale), h, w, key=f"{scene.name}/{stem}")
            else:
                img = torch.from_numpy(load_image(img_path, w, h))[None]
                out = src(img)[0, 0].cpu().numpy()
            np.save(os.path.join(folder, stem + ".npy"), out.astype(np.float32))
            n += 1
        write_meta(folder, kind, model, f"python3 -m ssmde_recipe.pseudo_depth --source {a.source}")
    print(f"pseudo_depth: wrote {n} maps (kind {kind})"
          + (f"; {no_gt} frame(s) without GT skipped" if no_gt else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
