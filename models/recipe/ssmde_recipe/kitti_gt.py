"""The Eigen-split ground truth of KITTI raw, made from the velodyne scans as Monodepth2 makes it.

    python3 -m ssmde_recipe.kitti_gt --raw KITTI_RAW --split-file SPLIT_DIR/test_files.txt --out OUT
        [--depth velodyne|camera] [--no-matlab-shift] [--copy]

writes, per date (and camera), a sequence folder that ``ssmde eval`` scores:

    OUT/<date>/image_02/data/%010d.png                   the test frames, hard-linked (or copied), renumbered 0..
    OUT/<date>/proj_depth/groundtruth/image_02/%010d.npy float32 metres [H, W], 0 = no LiDAR point
    OUT/<date>/camera.yaml                               P_rect_02 and the image size (ROS camera_calibration_parsers)
    OUT/<date>/frames.txt                                "<index> <split line>": which raw frame each one is
    OUT/eigen_gt.json                                    what was written and skipped, and the options

(a right-camera ``r`` line goes to ``OUT/<date>_image_03`` with P_rect_03). Lines whose image, scan or
calibration is missing are skipped and counted, with the first few named; Monodepth2's Eigen test list
(splits/eigen/test_files.txt) has 697 lines on 28 drives. Exit status 1 when nothing could be written.

The math (Monodepth2's kitti_utils.generate_depth_map as export_gt_depth.py calls it, with the
camera 2 and ``vel_depth=True``, re-derived here):

    X_img = P_rect_02 · R_rect_00 (padded to 4×4) · [R | T]_velo_to_cam (4×4) · [x y z 1]^T

over the scan's points in front of the LiDAR (x_velo ≥ 0: KITTI's velodyne frame is x forward, y
left, z up); pixel (u, v) = X_img[:2] / X_img[2], rounded; the depth stored is the point's x_velo
(``depth="velodyne"``, what the published Eigen numbers use: the forward distance from the LiDAR,
about 0.27 m more than the camera's z), or X_img[2] (``depth="camera"``); points outside the image
are dropped and where several land on one pixel the nearest is kept. The image size is S_rect_02.

Choices, stated:

- **The "−1" (``matlab_shift``).** Monodepth2 subtracts 1 from the rounded pixel coordinates, "to
  get the exact same value as KITTI matlab code": Eigen's GT was first made in MATLAB, whose
  indices start at 1. Whether the shift is geometrically right depends on the pixel convention of
  KITTI's principal point, which the devkit does not spell out; without it a point lands at the
  rounded projection itself. We keep the shift by default because the numbers we compare with
  (Monodepth2's AbsRel 0.115, SS-MDE's 0.111) were computed on GT made that way; ``--no-matlab-shift``
  (``matlab_shift=False``) gives the unshifted placement. With the shift a point projecting to
  u < 0.5 or v < 0.5 falls off the image, and one at the last column or row + 0.5 comes in.
- **Rounding** is numpy's (half to even), as Monodepth2's; MATLAB rounds halves away from zero.
  Exact halves do not occur with real scans.
- **Points behind the camera.** Points with x_velo ≥ 0 whose camera depth X_img[2] is ≤ 0 (within
  ~0.27 m in front of the LiDAR) are dropped: they cannot be seen. Monodepth2 keeps them, divides by a
  negative depth and may put one, mirrored, into the image; real scans have no returns that close.
- **Duplicates** keep the true per-pixel minimum. Monodepth2's duplicate search (its ``sub2ind``,
  row·(W−1) + col − 1) also merges the last column of a row with the first of the next one; those two
  columns lie outside the Garg crop the evaluation uses, so the scores do not change.
"""

import argparse
import json
import os
import shutil
import sys
from collections import OrderedDict

import numpy as np

CAMERAS = {"l": "02", "r": "03"}
CAM_TO_CAM = "calib_cam_to_cam.txt"
VELO_TO_CAM = "calib_velo_to_cam.txt"
DEPTHS = ("velodyne", "camera")
SUMMARY = "eigen_gt.json"
EIGEN_TEST_LINES = 697


def read_calib(path):
    """A KITTI calibration file as {key: float64 array}; lines whose value is not numbers (calib_time) are skipped."""
    out = {}
    with open(path) as f:
        for line in f:
            if ":" not in line:
                continue
            key, value = line.split(":", 1)
            try:
                out[key.strip()] = np.array([float(x) for x in value.split()], dtype=np.float64)
            except ValueError:
                pass
    return out


def _get(calib, key, n, where):
    if key not in calib:
        raise ValueError(f"{where}: no {key}")
    v = calib[key]
    if v.size != n:
        raise ValueError(f"{where}: {key} has {v.size} numbers, want {n}")
    return v


def rigid_velo_to_cam(velo2cam, where="calib_velo_to_cam.txt"):
    """The 4×4 [R | T; 0 0 0 1] of a parsed calib_velo_to_cam.txt (velodyne → camera 0, unrectified)."""
    m = np.eye(4)
    m[:3, :3] = _get(velo2cam, "R", 9, where).reshape(3, 3)
    m[:3, 3] = _get(velo2cam, "T", 3, where)
    return m


def velo_to_cam_matrix(cam2cam, velo2cam, cam="02", where="calibration"):
    """The 3×4 matrix from velodyne points to camera ``cam``'s rectified image: P_rect_cam · R_rect_00 · [R|T].

    R_rect_00 (3×3) is padded to 4×4 with a 1 on the diagonal; the result maps [x y z 1] to (u·w, v·w, w).
    """
    p_rect = _get(cam2cam, f"P_rect_{cam}", 12, where).reshape(3, 4)
    r_rect = np.eye(4)
    r_rect[:3, :3] = _get(cam2cam, "R_rect_00", 9, where).reshape(3, 3)
    return p_rect @ r_rect @ rigid_velo_to_cam(velo2cam, where)


def image_shape(cam2cam, cam="02", where="calibration"):
    """(height, width) of camera ``cam``'s rectified image, from S_rect_cam (which is width height)."""
    s = _get(cam2cam, f"S_rect_{cam}", 2, where)
    return int(round(s[1])), int(round(s[0]))


def read_velodyne(path):
    """A KITTI velodyne .bin: float32 x, y, z, reflectance per point, as an [N, 4] array."""
    data = np.fromfile(path, dtype=np.float32)
    if data.size % 4:
        raise ValueError(f"{path}: {data.size} floats, not a multiple of 4 (x, y, z, reflectance)")
    return data.reshape(-1, 4)


def project_velodyne(points, P, shape, depth="velodyne", matlab_shift=True):
    """Sparse depth [H, W] (float32 metres, 0 = no point) of velodyne ``points`` seen through ``P``.

    points: [N, 3+] velodyne x (forward), y (left), z (up), extra columns (reflectance) ignored.
    P: the 3×4 (or 4×4, last row ignored) velodyne → image matrix (``velo_to_cam_matrix``).
    shape: (height, width). depth: "velodyne" stores x_velo (Monodepth2's Eigen GT), "camera" the
    camera's depth. matlab_shift: subtract 1 from the rounded pixel coordinates (Monodepth2; see the
    module doc). Points behind the LiDAR (x < 0) or the camera, or outside the image, are dropped; of
    several on one pixel the nearest is kept.
    """
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, got {depth!r}")
    h, w = int(shape[0]), int(shape[1])
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] < 3:
        raise ValueError(f"points must be [N, 3] or [N, 4], got shape {pts.shape}")
    pts = pts[:, :3]
    pts = pts[np.isfinite(pts).all(axis=1) & (pts[:, 0] >= 0)]
    P = np.asarray(P, dtype=np.float64)[:3, :4]
    im = pts @ P[:, :3].T + P[:, 3]
    z = im[:, 2]
    front = z > 0
    im, z, pts = im[front], z[front], pts[front]
    u, v = im[:, 0] / z, im[:, 1] / z
    d = pts[:, 0] if depth == "velodyne" else z
    shift = 1 if matlab_shift else 0
    col = np.round(u) - shift
    row = np.round(v) - shift
    inside = (col >= 0) & (row >= 0) & (col < w) & (row < h)
    out = np.full((h, w), np.inf)
    np.minimum.at(out, (row[inside].astype(np.int64), col[inside].astype(np.int64)), d[inside])
    out[~np.isfinite(out) | (out < 0)] = 0
    return out.astype(np.float32)


def camera_yaml(P, width, height, name="kitti_image_02"):
    """A ROS camera_calibration_parsers YAML of a rectified KITTI camera: K = P[:, :3], no distortion, R = I."""
    P = np.asarray(P, dtype=np.float64).reshape(3, 4)
    fmt = lambda xs: "[" + ", ".join(f"{float(x):.9g}" for x in xs) + "]"  # noqa: E731
    k = P[:, :3].reshape(-1)
    return (f"image_width: {int(width)}\nimage_height: {int(height)}\ncamera_name: {name}\n"
            f"camera_matrix:\n  rows: 3\n  cols: 3\n  data: {fmt(k)}\n"
            "distortion_model: plumb_bob\n"
            "distortion_coefficients:\n  rows: 1\n  cols: 5\n  data: [0, 0, 0, 0, 0]\n"
            "rectification_matrix:\n  rows: 3\n  cols: 3\n  data: [1, 0, 0, 0, 1, 0, 0, 0, 1]\n"
            f"projection_matrix:\n  rows: 3\n  cols: 4\n  data: {fmt(P.reshape(-1))}\n")


def read_split_lines(path):
    """(folder, frame, side, "file:line") per line of a Monodepth2 split file (splits.read_split)."""
    from .datasets.splits import read_split
    return read_split(path)


def _place_image(src, dst, copy):
    """dst ← src: a hard link (or a copy when asked or when linking fails); a JPEG becomes a PNG."""
    if os.path.lexists(dst):
        os.remove(dst)
    if not src.lower().endswith(".png"):
        from PIL import Image
        with Image.open(src) as im:
            im.convert("RGB").save(dst)
        return "converted"
    if not copy:
        try:
            os.link(src, dst)
            return "linked"
        except OSError:
            pass
    shutil.copyfile(src, dst)
    return "copied"


def _image_size(path):
    from PIL import Image
    with Image.open(path) as im:
        return im.size


def _inside(path, root):
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def export(raw, split_file, out, depth="velodyne", matlab_shift=True, copy=False, log=print):
    """Write the sequence folders for the lines of ``split_file`` (see the module doc); returns the summary dict."""
    if not os.path.isdir(raw):
        raise FileNotFoundError(f"--raw {raw}: no such folder (KITTI raw: DATE/DATE_drive_NNNN_sync/...)")
    if _inside(out, raw):
        raise ValueError(f"--out {out} is inside --raw {raw}: write the evaluation folders elsewhere "
                         "(ssmde teacher would take them for drives)")
    lines = read_split_lines(split_file)
    if not lines:
        raise ValueError(f"{split_file}: no lines")
    calibs, groups = {}, OrderedDict()
    skipped = OrderedDict((k, []) for k in ("calibration", "image", "velodyne"))
    for ln in lines:
        date = ln.folder.split("/")[0]
        cam = CAMERAS[ln.side]
        key = (date, cam)
        if key not in calibs:
            day = os.path.join(raw, date)
            try:
                c2c = read_calib(os.path.join(day, CAM_TO_CAM))
                v2c = read_calib(os.path.join(day, VELO_TO_CAM))
                calibs[key] = (velo_to_cam_matrix(c2c, v2c, cam, day), image_shape(c2c, cam, day),
                               _get(c2c, f"P_rect_{cam}", 12, day).reshape(3, 4))
            except (OSError, ValueError) as e:
                calibs[key] = e
        if isinstance(calibs[key], Exception):
            skipped["calibration"].append(f"{ln.where}: {calibs[key]}")
            continue
        drive = os.path.join(raw, ln.folder)
        stem = f"{ln.frame:010d}"
        img_dir = os.path.join(drive, f"image_{cam}", "data")
        image = next((os.path.join(img_dir, stem + e) for e in (".png", ".jpg", ".jpeg")
                      if os.path.exists(os.path.join(img_dir, stem + e))), None)
        if image is None:
            skipped["image"].append(f"{ln.where}: no {os.path.join(img_dir, stem)}.png")
            continue
        scan = os.path.join(drive, "velodyne_points", "data", stem + ".bin")
        if not os.path.exists(scan):
            skipped["velodyne"].append(f"{ln.where}: no {scan}")
            continue
        groups.setdefault(key, []).append((ln, image, scan))

    how = {"linked": 0, "copied": 0, "converted": 0}
    folders = OrderedDict()
    for (date, cam), items in groups.items():
        P, shape, p_rect = calibs[(date, cam)]
        name = date if cam == "02" else f"{date}_image_{cam}"
        seq = os.path.join(out, name)
        img_out = os.path.join(seq, "image_02", "data")
        gt_out = os.path.join(seq, "proj_depth", "groundtruth", "image_02")
        for d in (img_out, gt_out):  # a previous export's frames would mix with these
            if os.path.isdir(d):
                shutil.rmtree(d)
            os.makedirs(d)
        size = None
        index = []
        for i, (ln, image, scan) in enumerate(items):
            gt = project_velodyne(read_velodyne(scan), P, shape, depth=depth, matlab_shift=matlab_shift)
            np.save(os.path.join(gt_out, f"{i:010d}.npy"), gt)
            dst = os.path.join(img_out, f"{i:010d}.png")
            how[_place_image(image, dst, copy)] += 1
            if size is None:
                size = _image_size(dst)
                if size != (shape[1], shape[0]):
                    log(f"kitti_gt: warning: {name}: images are {size[0]}x{size[1]}, S_rect_{cam} says "
                        f"{shape[1]}x{shape[0]}; the GT has the calibration's size (as Monodepth2's)")
            index.append(f"{i} {ln.folder} {ln.frame:010d} {ln.side}")
        with open(os.path.join(seq, "camera.yaml"), "w") as f:
            f.write(camera_yaml(p_rect, size[0], size[1], f"kitti_{date}_image_{cam}"))
        with open(os.path.join(seq, "frames.txt"), "w") as f:
            f.write("".join(x + "\n" for x in index))
        folders[name] = len(items)

    written = sum(folders.values())
    n_skipped = sum(len(v) for v in skipped.values())
    summary = {"split_file": os.path.abspath(split_file), "raw": os.path.abspath(raw), "lines": len(lines),
               "frames": written, "skipped": {k: len(v) for k, v in skipped.items()}, "folders": folders,
               "depth": depth, "matlab_shift": matlab_shift, "images": how}
    log(f"kitti_gt: wrote {written} of {len(lines)} frames into {len(folders)} folder(s) under {out}: "
        + ", ".join(f"{k} {v}" for k, v in folders.items())
        + (f" (Monodepth2's Eigen test split has {EIGEN_TEST_LINES})" if written != EIGEN_TEST_LINES else ""))
    if n_skipped:
        log(f"kitti_gt: skipped {n_skipped} line(s): " + ", ".join(
            f"{len(v)} without {'its ' + k + ' file' if k != 'calibration' else 'calibration'}"
            for k, v in skipped.items() if v))
        for k, v in skipped.items():
            for msg in v[:3]:
                log(f"  {msg}")
            if len(v) > 3:
                log(f"  ... and {len(v) - 3} more without {k}")
        log("kitti_gt: the Eigen test needs, for each of its drives, DATE/DATE_drive_NNNN_sync/image_02/data and "
            "velodyne_points/data (KITTI raw's *_sync.zip archives) and DATE/calib_cam_to_cam.txt + "
            "calib_velo_to_cam.txt (DATE_calib.zip); scores on fewer frames are not comparable with published ones")
    if written:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, SUMMARY), "w") as f:
            json.dump(summary, f, indent=1)
    return summary


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m ssmde_recipe.kitti_gt", description=__doc__.split("\n")[0])
    p.add_argument("--raw", required=True, help="KITTI raw root (DATE/DATE_drive_NNNN_sync/...)")
    p.add_argument("--split-file", required=True, help="a Monodepth2 test list, e.g. splits/eigen/test_files.txt")
    p.add_argument("--out", required=True, help="folder for the per-date sequence folders")
    p.add_argument("--depth", choices=DEPTHS, default="velodyne",
                   help="velodyne: x of the LiDAR point (Monodepth2's Eigen GT, default); camera: the camera's depth")
    p.add_argument("--no-matlab-shift", dest="matlab_shift", action="store_false",
                   help="do not subtract 1 from the rounded pixel coordinates (Monodepth2 does; see the module doc)")
    p.add_argument("--copy", action="store_true", help="copy the images instead of hard-linking them")
    a = p.parse_args(argv)
    try:
        s = export(a.raw, a.split_file, a.out, depth=a.depth, matlab_shift=a.matlab_shift, copy=a.copy)
    except (OSError, ValueError) as e:
        print(f"kitti_gt: {e}", file=sys.stderr)
        return 1
    if not s["frames"]:
        print(f"kitti_gt: no frame of {a.split_file} could be written (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
