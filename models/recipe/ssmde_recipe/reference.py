"""PyTorch eager reference for a model folder written by ssmde_recipe.export.

    python3 -m ssmde_recipe.reference --model DIR --image in.npy --out-disp disp.npy
        [--frames frames.npy --out-pose pose.npy]

Rebuilds the nets from DIR/model.yaml's ``recipe`` section and its weights file, runs them on
CPU in eval mode in float32 on already-normalised inputs ([N,3,H,W] and [N,6,H,W] float32),
and writes the outputs as float32 .npy: disp [N,1,H,W], pose [N,6]. This is the independent
side of the Go/ONNX Runtime parity test.
"""

import argparse
import os
import sys

import numpy as np
import torch

from . import manifest
from .build import build_model, load_checkpoint


def load_model(model_dir):
    """(config, model) rebuilt from a model folder; CPU, eval, float32."""
    m = manifest.load_manifest(model_dir)
    cfg = manifest.config_from_manifest(m)
    ckpt = (m.get("recipe") or {}).get("checkpoint", manifest.WEIGHTS)
    state = load_checkpoint(os.path.join(model_dir, ckpt), want_pose=cfg.pose)
    model = build_model(cfg, state_dict=state).float().eval()
    return cfg, model


def _check(x, channels, cfg, what):
    want = (channels, cfg.height, cfg.width)
    if x.ndim != 4 or tuple(x.shape[1:]) != want:
        raise ValueError(f"{what}: shape {x.shape}, want [N,{channels},{cfg.height},{cfg.width}]")


@torch.no_grad()
def run_depth(model, image):
    """image float32 [N,3,H,W] -> disp float32 [N,1,H,W] (numpy in, numpy out)."""
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    return model.depth_export()(x).numpy().astype(np.float32)


@torch.no_grad()
def run_pose(model, frames):
    """frames float32 [N,6,H,W] -> pose float32 [N,6]."""
    x = torch.from_numpy(np.ascontiguousarray(frames, dtype=np.float32))
    return model.pose(x).numpy().astype(np.float32)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m ssmde_recipe.reference", description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="model folder (model.yaml, weights.pt)")
    p.add_argument("--image", required=True, help=".npy float32 [N,3,H,W], normalised as model.yaml input says")
    p.add_argument("--out-disp", required=True, help=".npy to write, float32 [N,1,H,W]")
    p.add_argument("--frames", help=".npy float32 [N,6,H,W] (previous then current)")
    p.add_argument("--out-pose", help=".npy to write, float32 [N,6]")
    a = p.parse_args(argv)
    if bool(a.frames) != bool(a.out_pose):
        p.error("--frames and --out-pose go together")
    try:
        cfg, model = load_model(a.model)
        image = np.load(a.image)
        _check(image, 3, cfg, a.image)
        np.save(a.out_disp, run_depth(model, image))
        if a.frames:
            if model.pose is None:
                raise ValueError(f"{a.model} has no pose net")
            frames = np.load(a.frames)
            _check(frames, 6, cfg, a.frames)
            np.save(a.out_pose, run_pose(model, frames))
    except (ValueError, OSError, KeyError) as e:
        print(f"reference: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
