"""KITTI-raw-like folders: what `ssmde sim` writes and what KITTI raw looks like.

A scene is a folder with ``image_02/data/*.png``. Intrinsics: ``P_rect_02`` (else ``K_02``) and
``S_rect_02`` (else ``S_02``, else the first image's size) from ``calib_cam_to_cam.txt`` in the scene
folder or its parent (KITTI raw keeps it per date: 2011_09_26/calib_cam_to_cam.txt).
Optional, for validation: ``proj_depth/groundtruth/image_02/<frame>.png`` (uint16, 0 invalid;
the sim writes millimetres, depth_scale 1000; KITTI's annotated depth uses 256; copy or link
data_depth_annotated's ``train|val/<drive>/proj_depth`` into the drive folder), kept per frame
(KITTI's annotation lacks the first and last 5 frames: those frames have no GT and validation
skips them), ``motion_mask/<frame>.png`` and ``poses.txt``.

The right camera (``cam="03"``, split files' ``r`` lines) reads ``image_03/data``, ``P_rect_03`` and
``proj_depth/groundtruth/image_03``; it has no motion masks or poses, and its pseudo-depth lives
under ``SCENE/image_03/<pseudo_path>/``.
"""

import os

import numpy as np

from .common import Scene, image_size, list_images, per_frame, read_poses_kitti


def read_calib(path):
    out = {}
    with open(path) as f:
        for line in f:
            if ":" not in line:
                continue
            k, v = line.split(":", 1)
            try:
                out[k.strip()] = np.array([float(x) for x in v.split()])
            except ValueError:
                pass
    return out


def intrinsics_from_calib(calib, cam="02"):
    """(K 3x3, (width, height) or None) from a parsed calib_cam_to_cam.txt."""
    if f"P_rect_{cam}" in calib:
        k = calib[f"P_rect_{cam}"].reshape(3, 4)[:, :3]
    elif f"K_{cam}" in calib:
        k = calib[f"K_{cam}"].reshape(3, 3)
    else:
        raise ValueError(f"calibration has neither P_rect_{cam} nor K_{cam}")
    size = calib.get(f"S_rect_{cam}", calib.get(f"S_{cam}"))
    return k, (tuple(int(round(x)) for x in size) if size is not None else None)


def is_scene(folder):
    return os.path.isdir(os.path.join(folder, "image_02", "data"))


def load_scene(folder, name=None, cam="02"):
    images = list_images(os.path.join(folder, f"image_{cam}", "data"))
    if not images:
        raise ValueError(f"{folder}: no images in image_{cam}/data")
    calib_path = next((p for p in (os.path.join(folder, "calib_cam_to_cam.txt"),
                                   os.path.join(os.path.dirname(os.path.abspath(folder)), "calib_cam_to_cam.txt"))
                       if os.path.exists(p)), None)
    if calib_path is None:
        raise ValueError(f"{folder}: no calib_cam_to_cam.txt here or in the parent folder")
    k, size = intrinsics_from_calib(read_calib(calib_path), cam)
    actual = image_size(images[0])
    if size is not None and tuple(size) != tuple(actual):
        raise ValueError(f"{folder}: calibration is for {size}, images are {actual}")
    depths = per_frame(os.path.join(folder, "proj_depth", "groundtruth", f"image_{cam}"), images)
    masks = per_frame(os.path.join(folder, "motion_mask"), images) if cam == "02" else None
    poses = None
    if cam == "02" and os.path.exists(os.path.join(folder, "poses.txt")):
        poses = read_poses_kitti(os.path.join(folder, "poses.txt"))
        if len(poses) != len(images):
            poses = None
    name = name or os.path.basename(os.path.abspath(folder))
    return Scene(name=name if cam == "02" else f"{name}/image_{cam}", dir=folder, images=images, K=k,
                 size=actual, depths=depths, masks=masks, poses=poses,
                 pseudo_dir="" if cam == "02" else os.path.join(folder, f"image_{cam}"))


def scan(root):
    """Every scene folder at or below ``root`` (sorted by path)."""
    if is_scene(root):
        return [load_scene(root)]
    scenes = []
    for dirpath, dirnames, _ in os.walk(root):
        dirnames.sort()
        if is_scene(dirpath):
            scenes.append(load_scene(dirpath, os.path.relpath(dirpath, root)))
            dirnames[:] = []
    return scenes
