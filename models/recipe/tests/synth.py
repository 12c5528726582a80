"""A tiny synthetic driving scene written in the sim's KITTI-raw-like layout (no Go binary needed).

A textured road plane and a textured wall 30 m ahead, the camera 1.65 m above the road moving
forward 1 m per frame; one square "car" 8 m ahead moving with the camera (static in the image).
"""

import os

import numpy as np
from PIL import Image


def _texture(x, z, seed):
    r = np.random.RandomState(seed)
    a, b, c = r.uniform(0.5, 3.0, 3)
    return 0.5 + 0.2 * np.sin(a * x + 0.3) * np.cos(b * z) + 0.15 * np.sin(c * (x + z) * 2.7)


def render(width, height, cam_z, fx, fy, cx, cy, cam_h=1.65, wall_z=30.0, car=True):
    v, u = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij")
    depth = np.full((height, width), np.inf)
    below = v > cy + 1e-6
    ground = np.where(below, fy * cam_h / np.maximum(v - cy, 1e-6), np.inf)
    wall = np.full_like(ground, wall_z - cam_z)
    depth = np.minimum(ground, wall)
    x = (u - cx) * depth / fx
    y = (v - cy) * depth / fy
    zw = depth + cam_z
    img = np.stack([_texture(x, zw, s) for s in (1, 2, 3)], -1)
    wall_pix = wall <= ground
    img[wall_pix] = np.stack([_texture(x[wall_pix], y[wall_pix] * 3.0, s) for s in (4, 5, 6)], -1)
    motion = np.zeros((height, width), np.uint8)
    if car:
        zc = 8.0
        box = (np.abs((u - cx) / fx * zc) < 0.9) & (y < cam_h) & (((v - cy) / fy * zc) > 0.0) & (depth > zc)
        depth[box] = zc
        img[box] = np.stack([_texture((u[box] - cx) / fx * zc, (v[box] - cy) / fy * zc * 3, s) for s in (7, 8, 9)], -1)
        motion[box] = 255
    return np.clip(img, 0, 1), depth, motion


def write_scene(folder, frames=8, width=64, height=32, step=1.0, car=True):
    fx, fy, cx, cy = 0.58 * width, 1.92 * height, 0.5 * width, 0.5 * height
    for sub in ("image_02/data", "proj_depth/groundtruth/image_02", "motion_mask"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    poses = []
    for i in range(frames):
        img, depth, motion = render(width, height, i * step, fx, fy, cx, cy, car=car)
        name = f"{i:010d}.png"
        Image.fromarray((img * 255 + 0.5).astype(np.uint8)).save(os.path.join(folder, "image_02/data", name))
        mm = np.where(np.isfinite(depth), np.clip(depth * 1000, 0, 65535), 0).astype(np.uint16)
        Image.fromarray(mm).save(os.path.join(folder, "proj_depth/groundtruth/image_02", name))
        Image.fromarray(motion).save(os.path.join(folder, "motion_mask", name))
        poses.append([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, i * step])
    np.savetxt(os.path.join(folder, "poses.txt"), np.array(poses), fmt="%.9e")
    with open(os.path.join(folder, "calib_cam_to_cam.txt"), "w") as f:
        f.write(f"S_rect_02: {width} {height}\n")
        f.write(f"P_rect_02: {fx} 0 {cx} 0 0 {fy} {cy} 0 0 0 1 0\n")
    return (fx, fy, cx, cy)


def write_dataset(root, scenes=2, **kw):
    for s in range(scenes):
        write_scene(os.path.join(root, f"scene_{s:04d}"), **kw)
    return root


def write_kitti_raw(root, date="2011_09_26", drives=None, width=32, height=8, gt=None, seed=0):
    """A tiny KITTI raw tree: ROOT/DATE/calib_cam_to_cam.txt (P_rect_02/03, S_rect_02/03) and per drive
    DATE/DATE_drive_NNNN_sync/image_02|03/data/<frame:010d>.png (random width×height RGB).

    drives: {drive number: list of frame indices} (default {1: 0..5}); gt: {drive number: frames with
    proj_depth/groundtruth/image_02 PNGs (KITTI: value / 256 = metres)}. Returns the date folder.
    """
    drives = drives or {1: list(range(6))}
    day = os.path.join(root, date)
    os.makedirs(day, exist_ok=True)
    fx, fy, cx, cy = 0.58 * width, 1.92 * height, 0.5 * width, 0.5 * height
    with open(os.path.join(day, "calib_cam_to_cam.txt"), "w") as f:
        f.write("calib_time: 09-Jan-2012 13:57:47\ncorner_dist: 9.950000e-02\n")
        for cam, tx in (("02", 45.0), ("03", -3.4)):
            f.write(f"S_rect_{cam}: {width} {height}\n")
            f.write(f"P_rect_{cam}: {fx} 0 {cx} {tx} 0 {fy} {cy} 0 0 0 1 0\n")
    r = np.random.RandomState(seed)
    for n, frames in drives.items():
        drive = os.path.join(day, f"{date}_drive_{n:04d}_sync")
        for cam in ("02", "03"):
            os.makedirs(os.path.join(drive, f"image_{cam}", "data"), exist_ok=True)
            for i in frames:
                img = (r.rand(height, width, 3) * 255).astype(np.uint8)
                Image.fromarray(img).save(os.path.join(drive, f"image_{cam}", "data", f"{i:010d}.png"))
        for i in (gt or {}).get(n, []):
            d = os.path.join(drive, "proj_depth", "groundtruth", "image_02")
            os.makedirs(d, exist_ok=True)
            Image.fromarray(np.full((height, width), 10 * 256, np.uint16)).save(os.path.join(d, f"{i:010d}.png"))
    return day


def write_split(folder, name, lines):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        f.write("".join(line + "\n" for line in lines))
