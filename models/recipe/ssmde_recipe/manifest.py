"""Write and read model.yaml (DESIGN.md §4), with the recipe's own ``recipe:`` section."""

import os

import yaml

from .model_config import ModelConfig

MANIFEST = "model.yaml"
DEPTH_ONNX, POSE_ONNX, WEIGHTS = "depth.onnx", "pose.onnx", "weights.pt"
DEPTH_IO = ("image", "disp")
POSE_IO = ("frames", "pose")
SCALE = 1.0 / 255.0  # written as repr: 0.00392156862745098


def _num(x):
    return repr(float(x))


def manifest_text(cfg: ModelConfig, name, seed, metric_scale=None, training=None):
    """model.yaml text for a resolved config. Inputs are RGB in [0, 1]; the nets normalise inside.

    ``training``: an optional dict of free-form notes (data, command, metrics) written as the
    ``training:`` section, which the Go side keeps but does not interpret.
    """
    fx, fy, cx, cy = cfg.intrinsics
    lines = [
        "# SS-MDE student, written by ssmde_recipe.export (see models/recipe/README.md)",
        f"name: {name}",
        f"depth: {{file: {DEPTH_ONNX}, input: {DEPTH_IO[0]}, output: {DEPTH_IO[1]}}}",
    ]
    if cfg.pose:
        lines.append(f"pose: {{file: {POSE_ONNX}, input: {POSE_IO[0]}, output: {POSE_IO[1]}}}")
    lines += [
        f"input: {{width: {cfg.width}, height: {cfg.height}, color: rgb, scale: {_num(SCALE)}, "
        "mean: [0.0, 0.0, 0.0], std: [1.0, 1.0, 1.0]}",
        f"output: {{kind: sigmoid_disparity, min_depth: {_num(cfg.min_depth)}, max_depth: {_num(cfg.max_depth)}}}",
        f"training_intrinsics: {{fx: {_num(fx)}, fy: {_num(fy)}, cx: {_num(cx)}, cy: {_num(cy)}}}",
    ]
    if metric_scale is not None:
        lines.append(f"metric_scale: {_num(metric_scale)}")
    if cfg.pose:
        lines.append("pose_convention: T_prev_from_cur")
    lines.append(f"recipe: {{encoder: {cfg.encoder}, checkpoint: {WEIGHTS}, seed: {int(seed)}}}")
    text = "\n".join(lines) + "\n"
    if training:
        text += yaml.safe_dump({"training": training}, sort_keys=False, default_flow_style=False)
    return text


def load_manifest(model_dir):
    with open(os.path.join(model_dir, MANIFEST)) as f:
        return yaml.safe_load(f)


def config_from_manifest(m):
    """The ModelConfig that rebuilds the nets of a parsed model.yaml.

    The ``recipe`` section gives the encoder (and any other ModelConfig field it names);
    input size, depth range and intrinsics come from the contract's own sections.
    """
    recipe = dict(m.get("recipe") or {})
    if "encoder" not in recipe:
        raise ValueError("model.yaml has no recipe.encoder: it was not written by ssmde_recipe")
    cfg = ModelConfig.from_dict(recipe)
    cfg.width = int(m["input"]["width"])
    cfg.height = int(m["input"]["height"])
    cfg.min_depth = float(m["output"]["min_depth"])
    cfg.max_depth = float(m["output"]["max_depth"])
    cfg.pose = m.get("pose") is not None
    ti = m.get("training_intrinsics") or {}
    if ti:
        cfg.intrinsics = (ti["fx"], ti["fy"], ti["cx"], ti["cy"])
    if "seed" in recipe:
        cfg.seed = int(recipe["seed"])
    return cfg.resolved()
