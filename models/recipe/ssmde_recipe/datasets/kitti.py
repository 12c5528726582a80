"""KITTI-raw-like folders: what `ssmde sim` writes and what KITTI raw looks like.

A scene is a folder with ``image_02/data/*.png``. Intrinsics: ``P_rect_02`` (else ``K_02``) and
``S_rect_02`` (else ``S_02``, else the first image's size) from ``calib_cam_to_cam.txt`` in the scene
folder or its parent (KITTI raw keeps it per date: 2011_09_26/calib_cam_to_cam.txt).
Optional, for validation: ``proj_depth/groundtruth/image_02/<frame>.png`` (uint16, 0 invalid;
the sim writes millimetres, depth_scale 1000; KITTI's annotated depth uses 256),
``motion_mask/<frame>.png`` and ``poses.txt``.
"""

import os

import numpy as np

from .common import Scene, image_size, list_images, read_poses_kitti, stem


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


def load_scene(folder, name=None):
    images = list_images(os.path.join(folder, "image_02", "data"))
    if not images:
        raise ValueError(f"{folder}: no images in image_02/data")
    calib_path = next((p for p in (os.path.join(folder, "calib_cam_to_cam.txt"),
                                   os.path.join(os.path.dirname(os.path.abspath(folder)), "calib_cam_to_cam.txt"))
                       if os.path.exists(p)), None)
    if calib_path is None:
        raise ValueError(f"{folder}: no calib_cam_to_cam.txt here or in the parent folder")
    k, size = intrinsics_from_calib(read_calib(calib_path))
    actual = image_size(images[0])
    if size is not None and tuple(size) != tuple(actual):
        raise ValueError(f"{folder}: calibration is for {size}, images are {actual}")
    gt_dir = os.path.join(folder, "proj_depth", "groundtruth", "image_02")
    depths = [os.path.join(gt_dir, stem(p) + ".png") for p in images] if os.path.isdir(gt_dir) else None
    if depths and not all(os.path.exists(p) for p in depths):
        depths = None
    mask_dir = os.path.join(folder, "motion_mask")
    masks = [os.path.join(mask_dir, stem(p) + ".png") for p in images] if os.path.isdir(mask_dir) else None
    if masks and not all(os.path.exists(p) for p in masks):
        masks = None
    poses = None
    if os.path.exists(os.path.join(folder, "poses.txt")):
        poses = read_poses_kitti(os.path.join(folder, "poses.txt"))
        if len(poses) != len(images):
            poses = None
    return Scene(name=name or os.path.basename(os.path.abspath(folder)), dir=folder, images=images, K=k,
                 size=actual, depths=depths, masks=masks, poses=poses)


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
