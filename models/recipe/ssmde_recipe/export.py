"""Export the SS-MDE student to a model folder: depth.onnx, pose.onnx, model.yaml, weights.pt.

    python3 -m ssmde_recipe.export --out DIR [--encoder lite|resnet18|resnet34|resnet50]
        [--width 640 --height 192] [--seed 0] [--checkpoint ckpt.pt] [--no-pose]
        [--name NAME] [--metric-scale S]
    python3 -m ssmde_recipe.export --out DIR --run RUN_DIR [--checkpoint CKPT]
        [--metric-scale-from none|gt|camera_height | --metric-scale S] [--name NAME]

--run takes the architecture, size, depth range and training intrinsics from a training run's
config.yaml and its checkpoints/last.pt (or --checkpoint); metric_scale is written only when asked
for: ``gt`` = the run's median GT/pred ratio on the val split (metric_scale.json; needs GT, e.g. the
sim), ``camera_height`` = the road-plane estimate from the known camera height.

Without --checkpoint the nets get a seeded random init (see build.seeded_init).
"""

import argparse
import os
import sys
import warnings

import onnx
import torch

from . import manifest
from .build import build_model, count_params, load_checkpoint
from .model_config import ENCODERS, ModelConfig

OPSET = 13


def _export_onnx(module, example, path, input_name, output_name):
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        # torch 1.13 warns about shape inference of prim::Constant for the Resize/Slice constants;
        # the exported shapes are checked below and by the tests.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        torch.onnx.export(module, (example,), path, input_names=[input_name], output_names=[output_name],
                          opset_version=OPSET, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL, dynamic_axes=None)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    return model


def export(out_dir, cfg: ModelConfig, checkpoint=None, name=None, metric_scale=None, log=print, training=None):
    """Write the model folder; returns {"depth_params", "pose_params", "files": {name: bytes}}."""
    cfg = cfg.resolved()
    os.makedirs(out_dir, exist_ok=True)
    state = load_checkpoint(checkpoint, want_pose=cfg.pose) if checkpoint else None
    model = build_model(cfg, seed=cfg.seed, state_dict=state)

    torch.save(model.state_dict(), os.path.join(out_dir, manifest.WEIGHTS))
    image = torch.rand(1, 3, cfg.height, cfg.width, generator=torch.Generator().manual_seed(cfg.seed))
    _export_onnx(model.depth_export(), image, os.path.join(out_dir, manifest.DEPTH_ONNX), *manifest.DEPTH_IO)
    written = [manifest.DEPTH_ONNX]
    if cfg.pose:
        frames = torch.cat([image, image.flip(3)], dim=1)
        _export_onnx(model.pose, frames, os.path.join(out_dir, manifest.POSE_ONNX), *manifest.POSE_IO)
        written.append(manifest.POSE_ONNX)

    name = name or f"ssmde-{cfg.encoder}-{cfg.width}x{cfg.height}-" + ("ckpt" if checkpoint else f"seed{cfg.seed}")
    with open(os.path.join(out_dir, manifest.MANIFEST), "w") as f:
        f.write(manifest.manifest_text(cfg, name, cfg.seed, metric_scale, training))
    written += [manifest.MANIFEST, manifest.WEIGHTS]

    info = {"depth_params": count_params(model.depth),
            "pose_params": count_params(model.pose) if model.pose is not None else 0,
            "files": {fn: os.path.getsize(os.path.join(out_dir, fn)) for fn in written}}
    log(f"{name}: {cfg.encoder} {cfg.width}x{cfg.height}, opset {OPSET}, "
        f"{'checkpoint ' + checkpoint if checkpoint else 'seeded init, seed %d' % cfg.seed}")
    log(f"  depth net: {info['depth_params']:,} params"
        f" (encoder {count_params(model.depth.encoder):,}, decoder {count_params(model.depth.decoder):,})")
    if cfg.pose:
        log(f"  pose net:  {info['pose_params']:,} params")
    for fn, size in info["files"].items():
        log(f"  {os.path.join(out_dir, fn)}: {size / 1e6:.2f} MB")
    return info


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m ssmde_recipe.export", description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--encoder", default="lite", choices=ENCODERS)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=192)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", help="state dict to export (weights.pt format) instead of a seeded init")
    p.add_argument("--no-pose", action="store_true", help="export the depth net only")
    p.add_argument("--min-depth", type=float, default=0.1)
    p.add_argument("--max-depth", type=float, default=100.0)
    p.add_argument("--name", help="model.yaml name (default: ssmde-ENCODER-WxH-seedN)")
    p.add_argument("--metric-scale", type=float,
                   help="write metric_scale (only for a net trained with known scale)")
    p.add_argument("--run", help="a training run folder (ssmde_recipe.train --out)")
    p.add_argument("--metric-scale-from", choices=("none", "gt", "camera_height"), default="none",
                   help="with --run: where metric_scale comes from (default: not written)")
    a = p.parse_args(argv)
    if a.run:
        try:
            return export_run(a)
        except (ValueError, RuntimeError, FileNotFoundError, KeyError) as e:
            print(f"export: {e}", file=sys.stderr)
            return 1
    cfg = ModelConfig(encoder=a.encoder, width=a.width, height=a.height, min_depth=a.min_depth,
                      max_depth=a.max_depth, pose=not a.no_pose, seed=a.seed)
    try:
        export(a.out, cfg, checkpoint=a.checkpoint, name=a.name, metric_scale=a.metric_scale)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        print(f"export: {e}", file=sys.stderr)
        return 1
    return 0


def export_run(a):
    """Export a training run (see the module doc)."""
    import json

    import yaml
    with open(os.path.join(a.run, "config.yaml")) as f:
        rc = yaml.safe_load(f)
    ckpt = a.checkpoint or os.path.join(a.run, "checkpoints", "last.pt")
    obj = torch.load(ckpt, map_location="cpu")
    if isinstance(obj, dict) and "model_config" in obj:
        cfg = ModelConfig.from_dict(obj["model_config"])
    else:
        cfg = ModelConfig(encoder=rc["encoder"], width=rc["width"], height=rc["height"], min_depth=rc["min_depth"],
                          max_depth=rc["max_depth"], intrinsics=tuple(rc["training_intrinsics"]), seed=rc["seed"])
    scale, source = a.metric_scale, "--metric-scale" if a.metric_scale is not None else None
    if scale is None and a.metric_scale_from != "none":
        with open(os.path.join(a.run, "metric_scale.json")) as f:
            ms = json.load(f)
        key = "median_gt_over_pred" if a.metric_scale_from == "gt" else "camera_height"
        if key not in ms:
            raise ValueError(f"{a.run}/metric_scale.json has no {key} (set camera_height in the run's config)")
        scale, source = float(ms[key]), f"{a.metric_scale_from} (metric_scale.json, epoch {ms.get('epoch')})"
    training = {"run": os.path.abspath(a.run), "checkpoint": os.path.abspath(ckpt),
                "data": rc.get("data"), "epochs": rc.get("epochs"), "preset_keys": {
                    k: rc.get(k) for k in ("pseudo_source", "pseudo_weight", "forget_schedule", "teacher",
                                           "mask_filter", "distill_loss")}}
    if source:
        training["metric_scale_source"] = source
    mpath = os.path.join(a.run, "metrics.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            m = json.load(f)
        training["val"] = {r: {k: round(v, 4) for k, v in m[r].items()} for r in ("all", "moving") if m.get(r)}
    export(a.out, cfg, checkpoint=ckpt, name=a.name or f"ssmde-{cfg.encoder}-{cfg.width}x{cfg.height}-trained",
           metric_scale=scale, training=training)
    return 0


if __name__ == "__main__":
    sys.exit(main())
