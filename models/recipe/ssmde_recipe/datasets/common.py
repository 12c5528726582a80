"""What every dataset shares: the Scene record, image/depth loading, triplets, augmentation.

A ``Scene`` is one continuous sequence of frames from one camera: image paths in time order,
pixel intrinsics at the native image size, and, for validation only, GT depth and motion masks
(per frame: a frame without one has None, e.g. KITTI's annotated depth skips the first and last
5 frames of a drive). ``TripletDataset`` turns scenes into samples (t−1, t, t+1) (any
``frame_offsets``) at the training resolution, with the intrinsics rescaled to it: every frame
whose neighbours exist, or exactly the ``items`` given (a split file, datasets/splits.py).
"""

import os
import zlib
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import torch
from PIL import Image

from .. import layers

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".ppm", ".bmp")


@dataclass
class Scene:
    name: str
    dir: str
    images: List[str]
    K: np.ndarray                      # 3x3 pixel intrinsics at the native size
    size: tuple                        # native (width, height)
    depths: Optional[List[Optional[str]]] = None  # GT depth PNGs per frame (value / depth_scale = metres,
                                                   # 0 invalid; None: that frame has none)
    masks: Optional[List[Optional[str]]] = None   # motion masks per frame (mono8, > 127 = moving)
    poses: Optional[np.ndarray] = None  # [N,4,4] world_from_camera
    pseudo_dir: str = ""                # where pseudo-depth sub-folders live ("" = ``dir``; KITTI image_03:
                                        # SCENE/image_03)

    def __len__(self):
        return len(self.images)

    def has_gt(self, i):
        return self.depths is not None and self.depths[i] is not None

    @property
    def pseudo_root(self):
        return self.pseudo_dir or self.dir


def per_frame(folder, images, ext=".png"):
    """``folder/<stem of each image><ext>`` where it exists, None where not; None when none exists."""
    if not os.path.isdir(folder):
        return None
    paths = [os.path.join(folder, stem(p) + ext) for p in images]
    paths = [p if os.path.exists(p) else None for p in paths]
    return paths if any(p is not None for p in paths) else None


def list_images(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTS))


def image_size(path):
    with Image.open(path) as im:
        return im.size


def load_image(path, width, height):
    """RGB float32 [3,height,width] in [0, 1] (bilinear resize, antialiased when shrinking)."""
    with Image.open(path) as im:
        img = im.convert("RGB")
    if img.size != (width, height):
        img = img.resize((width, height), Image.BILINEAR)
    return np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0


def load_depth(path, depth_scale=1000.0):
    """GT depth in metres, float32 [H,W] at the native size; 0 where the PNG says invalid."""
    with Image.open(path) as im:
        d = np.asarray(im).astype(np.float32)
    return d / depth_scale


def load_mask(path):
    with Image.open(path) as im:
        return (np.asarray(im.convert("L")) > 127).astype(np.float32)


def read_poses_kitti(path):
    """KITTI odometry poses.txt: 12 numbers per line, 3x4 world_from_camera row-major -> [N,4,4]."""
    rows = np.loadtxt(path, dtype=np.float64, ndmin=2)
    if rows.shape[1] != 12:
        raise ValueError(f"{path}: expected 12 numbers per line, got {rows.shape[1]}")
    out = np.tile(np.eye(4), (rows.shape[0], 1, 1))
    out[:, :3, :4] = rows.reshape(-1, 3, 4)
    return out


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


# --- augmentation (torch, deterministic given a generator) ------------------------------------

def _gray(x):
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def _hue_rotate(x, h):
    """Rotate hue by h (fraction of a turn) in YIQ space; x [F,3,H,W]."""
    to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    a = 2 * np.pi * h
    rot = torch.tensor([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]], dtype=torch.float32)
    m = torch.linalg.inv(to_yiq) @ rot @ to_yiq
    return torch.einsum("ij,fjhw->fihw", m, x)


def colour_jitter(x, g, brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1):
    """Monodepth2's jitter, the same random parameters for every frame of the sample, in a random
    order-free fixed order (brightness, contrast, saturation, hue); x [F,3,H,W] in [0, 1]."""
    def u(r):
        return 1.0 + (2 * torch.rand(1, generator=g).item() - 1) * r
    x = x * u(brightness)
    mean = _gray(x).mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * u(contrast) + mean
    gray = _gray(x)
    x = (x - gray) * u(saturation) + gray
    x = _hue_rotate(x, (2 * torch.rand(1, generator=g).item() - 1) * hue)
    return x.clamp(0.0, 1.0)


class TripletDataset(torch.utils.data.Dataset):
    """Samples of a target frame t and its sources t+o (o in ``frame_offsets``) within one scene.

    A sample is a dict:
      images      [F,3,H,W] frames in order (sources with negative offsets, target, positive ones),
                  as the losses see them (never jittered)
      images_aug  [F,3,H,W] the network input (colour-jittered when augmenting)
      K, inv_K    [4,4] pixel intrinsics at the training size (flipped with the images)
      pseudo      [1,H,W] pseudo-disparity of the target (when a per-frame source is given; NaN = none)
      flipped     0/1; index (scene index, frame index) as a [2] tensor
      depth_gt, motion_mask  [1,H0,W0] native size, only with ``load_gt`` (validation: frames without
                  GT depth are left out, ``without_gt`` counts them; a missing mask is all zeros)
      pose_gt     [F,4,4] world_from_camera per frame, when the scene has poses (flipped too)
    Augmentation is seeded by (seed, epoch, index), so it does not depend on worker count and
    repeats exactly after --resume.
    """

    def __init__(self, scenes, width, height, frame_offsets=(-1, 1), augment=False, load_gt=False,
                 pseudo_source=None, depth_scale=1000.0, flip_prob=0.5, jitter_prob=0.5,
                 jitter=(0.2, 0.2, 0.2, 0.1), seed=0, items=None):
        self.scenes = scenes
        self.width, self.height = width, height
        offsets = sorted(set(int(o) for o in frame_offsets))
        self.offsets = [o for o in offsets if o < 0] + [0] + [o for o in offsets if o > 0]
        self.target_slot = self.offsets.index(0)
        self.augment, self.load_gt = augment, load_gt
        self.pseudo_source = pseudo_source
        self.depth_scale = depth_scale
        self.flip_prob, self.jitter_prob, self.jitter = flip_prob, jitter_prob, jitter
        self.seed, self.epoch = seed, 0
        lo, hi = min(self.offsets), max(self.offsets)
        if items is None:
            self.items = [(si, i) for si, s in enumerate(scenes) for i in range(-lo, len(s) - hi)]
        else:
            self.items = [(int(si), int(i)) for si, i in items]
            for si, i in self.items:
                if not (0 <= si < len(scenes) and -lo <= i < len(scenes[si]) - hi):
                    raise ValueError(f"item ({si}, {i}): no such frame with neighbours at {tuple(self.offsets)}")
        self.without_gt = 0
        if load_gt:
            for s in scenes:
                if s.depths is None:
                    raise ValueError(f"{s.dir}: no ground-truth depth for validation")
            kept = [(si, i) for si, i in self.items if scenes[si].has_gt(i)]
            self.without_gt = len(self.items) - len(kept)
            self.items = kept

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.items)

    def intrinsics(self, scene):
        k = torch.eye(4, dtype=torch.float32)
        k[:3, :3] = torch.as_tensor(scene.K, dtype=torch.float32)
        w0, h0 = scene.size
        return layers.scale_intrinsics(k, self.width / w0, self.height / h0)

    def __getitem__(self, idx):
        si, i = self.items[idx]
        scene = self.scenes[si]
        g = torch.Generator().manual_seed(zlib.crc32(f"{self.seed}/{self.epoch}/{idx}".encode()))
        frames = torch.from_numpy(np.stack([load_image(scene.images[i + o], self.width, self.height)
                                            for o in self.offsets]))
        k = self.intrinsics(scene)
        flip = self.augment and torch.rand(1, generator=g).item() < self.flip_prob
        jitter = self.augment and torch.rand(1, generator=g).item() < self.jitter_prob
        sample = {"index": torch.tensor([si, i])}
        if self.pseudo_source is not None:
            key = f"{scene.name}/{stem(scene.images[i])}"
            if hasattr(self.pseudo_source, "load"):
                p = self.pseudo_source.load(scene.pseudo_root, stem(scene.images[i]), self.height, self.width)
            else:
                if not scene.has_gt(i):
                    raise ValueError(f"{scene.images[i]}: the stand-in pseudo-depth needs GT depth, and this frame "
                                     "has none (the stand-in is for the sim; use pseudo_source files on real data)")
                p = self.pseudo_source(load_depth(scene.depths[i], self.depth_scale), self.height, self.width, key)
            sample["pseudo"] = torch.from_numpy(np.ascontiguousarray(p, dtype=np.float32))[None]
        if self.load_gt:
            sample["depth_gt"] = torch.from_numpy(load_depth(scene.depths[i], self.depth_scale))[None]
            sample["motion_mask"] = (torch.from_numpy(load_mask(scene.masks[i]))[None]
                                     if scene.masks and scene.masks[i] else torch.zeros_like(sample["depth_gt"]))
        if scene.poses is not None:
            sample["pose_gt"] = torch.from_numpy(np.stack([scene.poses[i + o] for o in self.offsets])).float()
        if flip:
            frames = frames.flip(3)
            k = layers.flip_intrinsics(k, self.width)
            for key in ("pseudo", "depth_gt", "motion_mask"):
                if key in sample:
                    sample[key] = sample[key].flip(2)
            if "pose_gt" in sample:
                sample["pose_gt"] = layers.flip_pose(sample["pose_gt"])
        aug = colour_jitter(frames, g, *self.jitter) if jitter else frames
        sample.update(images=frames, images_aug=aug, K=k, inv_K=torch.linalg.inv(k),
                      flipped=torch.tensor(float(flip)))
        return sample
