"""Eigen GT from velodyne scans (kitti_gt): calibration, projection with known answers, the CLI on a fake tree."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import yaml
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from ssmde_recipe import kitti_gt  # noqa: E402

# A hand-made calibration: focal 50 px, principal point (32, 16) of a 64×32 image; velodyne → camera is
# KITTI's axis change (camera x = −y_velo, y = −z_velo, z = x_velo) and 0.25 m back along the view.
F, CX, CY, W, H = 50.0, 32.0, 16.0, 64, 32
PERM = [0, -1, 0, 0, 0, -1, 1, 0, 0]
T = (0.0, 0.0, -0.25)
DAY = "2011_09_26"


def nums(xs):
    return " ".join(f"{float(x):.9e}" for x in xs)


def write_calib(day, r=PERM, t=T, r_rect=(1, 0, 0, 0, 1, 0, 0, 0, 1), tx=0.0, velo=True):
    os.makedirs(day, exist_ok=True)
    with open(os.path.join(day, kitti_gt.CAM_TO_CAM), "w") as f:
        f.write("calib_time: 09-Jan-2012 13:57:47\ncorner_dist: 9.950000e-02\n")
        f.write(f"R_rect_00: {nums(r_rect)}\n")
        for cam, x in (("02", tx), ("03", tx - 20.0)):
            f.write(f"S_rect_{cam}: {nums((W, H))}\n")
            f.write(f"R_rect_{cam}: {nums(r_rect)}\n")
            f.write(f"P_rect_{cam}: {nums((F, 0, CX, x, 0, F, CY, 0, 0, 0, 1, 0))}\n")
    if velo:
        with open(os.path.join(day, kitti_gt.VELO_TO_CAM), "w") as f:
            f.write(f"calib_time: 15-Mar-2012 11:37:16\nR: {nums(r)}\nT: {nums(t)}\n"
                    "delta_f: 0.000000e+00 0.000000e+00\ndelta_c: 0.000000e+00 0.000000e+00\n")


def scan_points(frame):
    """A scan whose nearest point at pixel (15, 31) is 10.25 + frame m (x_velo), plus one at (10, 41)."""
    return np.array([[10.25 + frame, 0, 0, 0.5], [20.25, -4, 2, 0.1], [30.25 + frame, 0, 0, 0.9]], np.float32)


def write_drive(root, date, n, frames, velodyne=(), cams=("02", "03"), seed=0):
    """DATE/DATE_drive_n_sync with W×H PNGs for ``frames`` and velodyne scans for the frames in ``velodyne``."""
    drive = os.path.join(root, date, f"{date}_drive_{n:04d}_sync")
    r = np.random.RandomState(seed + n)
    for cam in cams:
        os.makedirs(os.path.join(drive, f"image_{cam}", "data"), exist_ok=True)
        for i in frames:
            Image.fromarray((r.rand(H, W, 3) * 255).astype(np.uint8)).save(
                os.path.join(drive, f"image_{cam}", "data", f"{i:010d}.png"))
    if velodyne:
        os.makedirs(os.path.join(drive, "velodyne_points", "data"), exist_ok=True)
        for i in velodyne:
            scan_points(i).tofile(os.path.join(drive, "velodyne_points", "data", f"{i:010d}.bin"))
    return drive


def split_line(date, n, frame, side="l"):
    return f"{date}/{date}_drive_{n:04d}_sync {frame:010d} {side}"


def write_lines(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("".join(x + "\n" for x in lines))
    return path


class Calibration(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def test_read_calib_skips_text_values(self):
        day = os.path.join(self.tmp, DAY)
        write_calib(day)
        c = kitti_gt.read_calib(os.path.join(day, kitti_gt.VELO_TO_CAM))
        self.assertNotIn("calib_time", c)
        np.testing.assert_array_equal(c["R"], PERM)
        np.testing.assert_array_equal(c["T"], T)
        c2c = kitti_gt.read_calib(os.path.join(day, kitti_gt.CAM_TO_CAM))
        self.assertEqual(kitti_gt.image_shape(c2c), (H, W))
        self.assertEqual(c2c["P_rect_02"].size, 12)

    def test_identity_rotations(self):
        # R = R_rect_00 = I, T = (1, 2, 3): the matrix is P_rect_02 applied to (x+1, y+2, z+3), by hand.
        cam2cam = {"P_rect_02": np.array([F, 0, CX, 7, 0, F, CY, 0, 0, 0, 1, 0.5]), "R_rect_00": np.eye(3).ravel()}
        velo2cam = {"R": np.eye(3).ravel(), "T": np.array([1.0, 2.0, 3.0])}
        m = kitti_gt.velo_to_cam_matrix(cam2cam, velo2cam)
        want = np.array([[F, 0, CX, F * 1 + CX * 3 + 7],
                         [0, F, CY, F * 2 + CY * 3],
                         [0, 0, 1, 3 + 0.5]])
        np.testing.assert_allclose(m, want)

    def test_order_rect_after_velo_to_cam(self):
        # P = [I|0], R = PERM, R_rect_00 = 90° about z, T = (1, 0, 0): M = [Rz·PERM | Rz·T] (by hand), not PERM·Rz.
        rz = np.array([0, -1, 0, 1, 0, 0, 0, 0, 1.0])
        cam2cam = {"P_rect_02": np.array([1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]), "R_rect_00": rz}
        velo2cam = {"R": np.array(PERM, float), "T": np.array([1.0, 0, 0])}
        m = kitti_gt.velo_to_cam_matrix(cam2cam, velo2cam)
        np.testing.assert_allclose(m, [[0, 0, 1, 0], [0, -1, 0, 1], [1, 0, 0, 0]])

    def test_missing_key_is_named(self):
        with self.assertRaisesRegex(ValueError, "R_rect_00"):
            kitti_gt.velo_to_cam_matrix({"P_rect_02": np.zeros(12)}, {"R": np.eye(3).ravel(), "T": np.zeros(3)})
        with self.assertRaisesRegex(ValueError, "T has 2 numbers"):
            kitti_gt.rigid_velo_to_cam({"R": np.eye(3).ravel(), "T": np.zeros(2)})


class Projection(unittest.TestCase):
    def setUp(self):
        c2c = {"P_rect_02": np.array([F, 0, CX, 0, 0, F, CY, 0, 0, 0, 1, 0]), "R_rect_00": np.eye(3).ravel()}
        self.P = kitti_gt.velo_to_cam_matrix(c2c, {"R": np.array(PERM, float), "T": np.array(T)})

    def project(self, pts, **kw):
        return kitti_gt.project_velodyne(np.array(pts, np.float64), self.P, (H, W), **kw)

    def nonzero(self, d):
        return {(int(r), int(c)): float(d[r, c]) for r, c in zip(*np.nonzero(d))}

    def test_known_pixels_and_depths(self):
        # (10.25, 0, 0): camera (0, 0, 10) -> u 32, v 16; (20.25, -4, 2): camera (4, -2, 20) -> u 42, v 11.
        pts = [[10.25, 0, 0, 0.3], [20.25, -4, 2, 0.7]]
        d = self.project(pts)
        self.assertEqual(d.dtype, np.float32)
        self.assertEqual(d.shape, (H, W))
        # Monodepth2's MATLAB shift: one up and left of the rounded projection; depth = x_velo.
        self.assertEqual(self.nonzero(d), {(15, 31): 10.25, (10, 41): 20.25})
        self.assertEqual(self.nonzero(self.project(pts, matlab_shift=False)), {(16, 32): 10.25, (11, 42): 20.25})
        # camera depth: x_velo − 0.25 (T) here.
        self.assertEqual(self.nonzero(self.project(pts, depth="camera")), {(15, 31): 10.0, (10, 41): 20.0})

    def test_duplicates_keep_the_nearest(self):
        # all three round to u 32, v 16 (31.9 for the second); the nearest (x_velo 5.25) wins, in any order.
        pts = [[10.25, 0, 0], [5.25, 0.01, 0], [30.25, 0, 0]]
        for order in ([0, 1, 2], [1, 0, 2], [2, 0, 1]):
            self.assertEqual(self.nonzero(self.project([pts[i] for i in order])), {(15, 31): 5.25})

    def test_behind_lidar_and_camera_dropped(self):
        # (-10, 0, 0): behind the LiDAR. (0.1, 0, 0): in front of the LiDAR but 0.15 m behind the camera;
        # divided by its negative depth it would land on the same pixel as the real point and win.
        d = self.project([[-10, 0, 0], [0.1, 0, 0], [10.25, 0, 0]])
        self.assertEqual(self.nonzero(d), {(15, 31): 10.25})
        self.assertFalse(self.project([[-10, 0, 0], [0.1, 0, 0]]).any())

    def test_outside_the_image_dropped(self):
        # u = 82 (right of the image); v < 0 (above it).
        self.assertFalse(self.project([[10.25, -10, 0], [10.25, 0, 5]]).any())

    def test_shift_at_the_borders(self):
        # u = 0.4 rounds to 0: the shift takes it off the image; u = 64.3 rounds to 64: the shift brings it in.
        left, right = [10.25, 6.32, 0], [10.25, -6.46, 0]
        self.assertEqual(self.nonzero(self.project([left, right])), {(15, 63): 10.25})
        self.assertEqual(self.nonzero(self.project([left, right], matlab_shift=False)), {(16, 0): 10.25})

    def test_projection_offset_of_p_rect(self):
        # P_rect_02's fourth column (the stereo offset, 7 px·m here) moves u by 7 / z: 32.7 at z 10 -> 33.
        c2c = {"P_rect_02": np.array([F, 0, CX, 7, 0, F, CY, 0, 0, 0, 1, 0]), "R_rect_00": np.eye(3).ravel()}
        P = kitti_gt.velo_to_cam_matrix(c2c, {"R": np.array(PERM, float), "T": np.array(T)})
        d = kitti_gt.project_velodyne(np.array([[10.25, 0, 0]]), P, (H, W))
        self.assertEqual(self.nonzero(d), {(15, 32): 10.25})

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            self.project([[1, 2, 3]], depth="z")
        with self.assertRaises(ValueError):
            kitti_gt.project_velodyne(np.zeros((4, 2)), self.P, (H, W))
        self.assertFalse(kitti_gt.project_velodyne(np.zeros((0, 4)), self.P, (H, W)).any())

    def test_read_velodyne(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        p = os.path.join(tmp, "0000000000.bin")
        scan_points(0).tofile(p)
        np.testing.assert_array_equal(kitti_gt.read_velodyne(p), scan_points(0))
        np.zeros(5, np.float32).tofile(p)
        with self.assertRaisesRegex(ValueError, "multiple of 4"):
            kitti_gt.read_velodyne(p)


class ExportCLI(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.raw = os.path.join(self.tmp, "raw")
        write_calib(os.path.join(self.raw, DAY))
        write_calib(os.path.join(self.raw, "2011_09_28"), tx=7.0)
        write_drive(self.raw, DAY, 1, range(4), velodyne=range(4))
        write_drive(self.raw, DAY, 2, range(4), velodyne=range(4))
        write_drive(self.raw, "2011_09_28", 1, range(4), velodyne=(0, 1))
        write_drive(self.raw, "2011_09_30", 1, range(2), velodyne=range(2))  # no calibration for that date
        self.split = write_lines(os.path.join(self.tmp, "split", "test_files.txt"), [
            split_line(DAY, 1, 1), split_line(DAY, 2, 2), split_line("2011_09_28", 1, 0),
            split_line("2011_09_28", 1, 2),   # no velodyne scan
            split_line(DAY, 1, 9),            # no image
            split_line("2011_09_30", 1, 0)])  # no calibration
        self.out = os.path.join(self.tmp, "eigen")

    def run_cli(self, *args):
        buf, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
            rc = kitti_gt.main(list(args))
        return rc, buf.getvalue() + err.getvalue()

    def test_writes_sequence_folders(self):
        rc, text = self.run_cli("--raw", self.raw, "--split-file", self.split, "--out", self.out)
        self.assertEqual(rc, 0, text)
        self.assertIn("wrote 3 of 6 frames into 2 folder(s)", text)
        self.assertIn("skipped 3 line(s): 1 without calibration, 1 without its image file, "
                      "1 without its velodyne file", text)
        self.assertIn("2011_09_28_drive_0001_sync/velodyne_points/data/0000000002.bin", text)
        self.assertIn("697", text)
        day = os.path.join(self.out, DAY)
        imgs = sorted(os.listdir(os.path.join(day, "image_02", "data")))
        self.assertEqual(imgs, ["0000000000.png", "0000000001.png"])
        src = os.path.join(self.raw, DAY, f"{DAY}_drive_0002_sync", "image_02", "data", "0000000002.png")
        dst = os.path.join(day, "image_02", "data", "0000000001.png")
        self.assertTrue(os.path.samefile(src, dst))  # hard-linked
        gt = np.load(os.path.join(day, "proj_depth", "groundtruth", "image_02", "0000000001.npy"))
        self.assertEqual((gt.dtype, gt.shape), (np.float32, (H, W)))
        self.assertEqual(gt[15, 31], np.float32(10.25 + 2))  # frame 2's scan: the nearer of its two points
        self.assertEqual(gt[10, 41], np.float32(20.25))
        self.assertEqual(int((gt > 0).sum()), 2)
        with open(os.path.join(day, "frames.txt")) as f:
            self.assertEqual(f.read().splitlines(), [f"0 {split_line(DAY, 1, 1)}", f"1 {split_line(DAY, 2, 2)}"])
        with open(os.path.join(self.out, "2011_09_28", "camera.yaml")) as f:
            cam = yaml.safe_load(f)
        self.assertEqual((cam["image_width"], cam["image_height"]), (W, H))
        self.assertEqual(cam["camera_matrix"]["data"], [F, 0, CX, 0, F, CY, 0, 0, 1])
        self.assertEqual(cam["projection_matrix"]["data"], [F, 0, CX, 7.0, 0, F, CY, 0, 0, 0, 1, 0])
        self.assertEqual(cam["distortion_coefficients"]["data"], [0] * 5)
        gt28 = np.load(os.path.join(self.out, "2011_09_28", "proj_depth", "groundtruth", "image_02", "0000000000.npy"))
        self.assertEqual(gt28[15, 32], np.float32(10.25))  # P_rect_02's offset of 7 moves u to 32.7
        with open(os.path.join(self.out, kitti_gt.SUMMARY)) as f:
            s = json.load(f)
        self.assertEqual((s["frames"], s["lines"]), (3, 6))
        self.assertEqual(s["skipped"], {"calibration": 1, "image": 1, "velodyne": 1})
        self.assertEqual(s["folders"], {DAY: 2, "2011_09_28": 1})
        self.assertEqual((s["depth"], s["matlab_shift"]), ("velodyne", True))

    def test_rerun_replaces_frames_and_options(self):
        self.assertEqual(self.run_cli("--raw", self.raw, "--split-file", self.split, "--out", self.out)[0], 0)
        one = write_lines(os.path.join(self.tmp, "one.txt"), [split_line(DAY, 2, 3)])
        rc, text = self.run_cli("--raw", self.raw, "--split-file", one, "--out", self.out, "--copy",
                                "--depth", "camera", "--no-matlab-shift")
        self.assertEqual(rc, 0, text)
        day = os.path.join(self.out, DAY)
        self.assertEqual(os.listdir(os.path.join(day, "image_02", "data")), ["0000000000.png"])
        src = os.path.join(self.raw, DAY, f"{DAY}_drive_0002_sync", "image_02", "data", "0000000003.png")
        dst = os.path.join(day, "image_02", "data", "0000000000.png")
        self.assertFalse(os.path.samefile(src, dst))  # --copy
        with open(src, "rb") as a, open(dst, "rb") as b:
            self.assertEqual(a.read(), b.read())
        gt = np.load(os.path.join(day, "proj_depth", "groundtruth", "image_02", "0000000000.npy"))
        self.assertEqual(gt[16, 32], np.float32(10.25 + 3 - 0.25))

    def test_nothing_written_is_an_error(self):
        bad = write_lines(os.path.join(self.tmp, "bad.txt"), [split_line(DAY, 1, 9), split_line("2011_09_30", 1, 0)])
        rc, text = self.run_cli("--raw", self.raw, "--split-file", bad, "--out", self.out)
        self.assertEqual(rc, 1)
        self.assertIn("wrote 0 of 2", text)
        self.assertIn("calib_velo_to_cam.txt", text)
        self.assertFalse(os.path.exists(os.path.join(self.out, kitti_gt.SUMMARY)))

    def test_out_inside_raw_refused(self):
        rc, text = self.run_cli("--raw", self.raw, "--split-file", self.split, "--out", os.path.join(self.raw, "eigen"))
        self.assertEqual(rc, 1)
        self.assertIn("inside --raw", text)

    def test_right_camera_and_jpeg(self):
        drive = os.path.join(self.raw, DAY, f"{DAY}_drive_0001_sync")
        png = os.path.join(drive, "image_02", "data", "0000000003.png")
        Image.open(png).save(png[:-4] + ".jpg", quality=95)
        os.remove(png)
        lines = write_lines(os.path.join(self.tmp, "lr.txt"), [split_line(DAY, 1, 3), split_line(DAY, 1, 0, "r")])
        rc, text = self.run_cli("--raw", self.raw, "--split-file", lines, "--out", self.out)
        self.assertEqual(rc, 0, text)
        with Image.open(os.path.join(self.out, DAY, "image_02", "data", "0000000000.png")) as im:
            self.assertEqual((im.format, im.size), ("PNG", (W, H)))
        with open(os.path.join(self.out, f"{DAY}_image_03", "camera.yaml")) as f:
            self.assertEqual(yaml.safe_load(f)["projection_matrix"]["data"][3], -20.0)  # P_rect_03
        self.assertTrue(os.path.samefile(os.path.join(drive, "image_03", "data", "0000000000.png"),
                                         os.path.join(self.out, f"{DAY}_image_03", "image_02", "data", "0000000000.png")))


if __name__ == "__main__":
    unittest.main()
