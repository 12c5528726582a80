"""NYU-style indoor sequences: a folder of frames plus an intrinsics file.

A scene folder holds ``intrinsics.txt`` and its frames either in ``rgb/`` or at the top level.
``intrinsics.txt``: either 4 numbers ``fx fy cx cy`` or 9 numbers (a 3x3 matrix, row-major), in
pixels of the stored frames. Optional: ``depth/<frame stem>.png`` (uint16, value / depth_scale = m,
default mm) and ``motion_mask/<frame stem>.png``, per frame (validation skips frames without depth).
(NYU Depth v2's Kinect camera is fx≈518.9, fy≈519.5, cx≈325.6, cy≈253.7 at 640x480.)
"""

import os

import numpy as np

from .common import Scene, image_size, list_images, per_frame

INTRINSICS = "intrinsics.txt"


def read_intrinsics(path):
    with open(path) as f:
        v = np.array([float(x) for x in f.read().replace(",", " ").split()])
    if v.size == 4:
        fx, fy, cx, cy = v
        return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]])
    if v.size == 9:
        return v.reshape(3, 3)
    raise ValueError(f"{path}: expected 4 (fx fy cx cy) or 9 numbers, got {v.size}")


def is_scene(folder):
    return os.path.exists(os.path.join(folder, INTRINSICS))


def load_scene(folder, name=None):
    img_dir = os.path.join(folder, "rgb") if os.path.isdir(os.path.join(folder, "rgb")) else folder
    images = list_images(img_dir)
    if not images:
        raise ValueError(f"{folder}: no frames")

    return Scene(name=name or os.path.basename(os.path.abspath(folder)), dir=folder, images=images,
                 K=read_intrinsics(os.path.join(folder, INTRINSICS)), size=image_size(images[0]),
                 depths=per_frame(os.path.join(folder, "depth"), images),
                 masks=per_frame(os.path.join(folder, "motion_mask"), images))


def scan(root):
    if is_scene(root):
        return [load_scene(root)]
    return [load_scene(os.path.join(root, d), d) for d in sorted(os.listdir(root))
            if os.path.isdir(os.path.join(root, d)) and is_scene(os.path.join(root, d))]
