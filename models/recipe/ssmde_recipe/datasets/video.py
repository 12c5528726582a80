"""A plain folder of video frames with a calibration YAML (camera_calibration_parsers format).

A scene folder holds frames (sorted by file name) and one of ``camera.yaml``, ``calibration.yaml``,
``camera_info.yaml`` or ``calib.yaml`` with ``image_width``, ``image_height`` and
``camera_matrix: {data: [fx, 0, cx, 0, fy, cy, 0, 0, 1]}`` (as ROS writes it). Frames in a
``frames/`` sub-folder are used when it exists. Distortion is not undone: rectify first.
"""

import os

import numpy as np
import yaml

from .common import Scene, image_size, list_images

CALIB_NAMES = ("camera.yaml", "calibration.yaml", "camera_info.yaml", "calib.yaml")


def read_camera_yaml(path):
    with open(path) as f:
        d = yaml.safe_load(f)
    k = np.array(d["camera_matrix"]["data"], dtype=np.float64).reshape(3, 3)
    return k, (int(d["image_width"]), int(d["image_height"]))


def calib_path(folder):
    return next((os.path.join(folder, n) for n in CALIB_NAMES if os.path.exists(os.path.join(folder, n))), None)


def is_scene(folder):
    if calib_path(folder) is None:
        return False
    sub = os.path.join(folder, "frames")
    return bool(list_images(sub if os.path.isdir(sub) else folder))


def load_scene(folder, name=None):
    sub = os.path.join(folder, "frames")
    images = list_images(sub if os.path.isdir(sub) else folder)
    k, size = read_camera_yaml(calib_path(folder))
    actual = image_size(images[0])
    if actual != size:  # a calibration for another resolution of the same camera
        k = k.copy()
        k[0] *= actual[0] / size[0]
        k[1] *= actual[1] / size[1]
    return Scene(name=name or os.path.basename(os.path.abspath(folder)), dir=folder, images=images, K=k, size=actual)


def scan(root):
    if is_scene(root):
        return [load_scene(root)]
    return [load_scene(os.path.join(root, d), d) for d in sorted(os.listdir(root))
            if os.path.isdir(os.path.join(root, d)) and is_scene(os.path.join(root, d))]
