"""Datasets: KITTI-raw-like (and the sim), NYU-style indoor sequences, plain video folders."""

from . import kitti, nyu, splits, video
from .common import Scene, TripletDataset, colour_jitter, load_depth, load_image, load_mask

FORMATS = {"kitti": kitti, "nyu": nyu, "video": video}


def detect(root):
    """The format of ``root``: kitti if any image_02/data exists, else nyu (intrinsics.txt), else video."""
    import os
    for dirpath, dirnames, _ in os.walk(root):
        if kitti.is_scene(dirpath):
            return "kitti"
        if nyu.is_scene(dirpath):
            return "nyu"
        if video.is_scene(dirpath):
            return "video"
    raise ValueError(f"{root}: no scenes found (expected image_02/data, intrinsics.txt or a camera YAML)")


def scan(root, fmt="auto"):
    """All scenes under ``root`` as Scene records, sorted."""
    fmt = detect(root) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise ValueError(f"unknown data format {fmt!r}")
    scenes = FORMATS[fmt].scan(root)
    if not scenes:
        raise ValueError(f"{root}: no {fmt} scenes")
    return scenes


__all__ = ["Scene", "TripletDataset", "colour_jitter", "load_depth", "load_image", "load_mask", "scan", "detect",
           "splits"]
