"""scripts/train_kitti.sh's layout check and plan on tiny fake KITTI trees (CHECK_ONLY=1: no Go, no training)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_kitti_gt import DAY, split_line, write_calib, write_drive, write_lines  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "scripts", "train_kitti.sh")


class LayoutCheck(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists(SCRIPT) and shutil.which("bash"), "scripts/train_kitti.sh and bash are needed")
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.raw = os.path.join(self.tmp, "raw")
        self.split = os.path.join(self.tmp, "split")
        write_calib(os.path.join(self.raw, DAY))
        write_drive(self.raw, DAY, 1, range(6))                       # training: left and right camera
        write_drive(self.raw, DAY, 2, range(3), velodyne=range(3), cams=("02",))  # the test drive
        write_lines(os.path.join(self.split, "train_files.txt"),
                    [split_line(DAY, 1, 1), split_line(DAY, 1, 2), split_line(DAY, 1, 3, "r"), ""])
        write_lines(os.path.join(self.split, "val_files.txt"), [split_line(DAY, 1, 4)])
        write_lines(os.path.join(self.split, "test_files.txt"), [split_line(DAY, 2, 0), split_line(DAY, 2, 1)])

    def run_script(self, *args, **env):
        e = dict(os.environ, CHECK_ONLY="1", DEVICE="cpu", PRETRAINED="0", OUT=os.path.join(self.tmp, "out"),
                 SSMDE=os.path.join(self.tmp, "no-ssmde"), TORCH_HOME=os.path.join(self.tmp, "torch"))
        e.update(env)
        p = subprocess.run(["bash", SCRIPT, *(args or (self.raw, self.split))], env=e, capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr

    def assert_problem(self, rc, text, *needles):
        self.assertNotEqual(rc, 0, text)
        self.assertIn("layout check:", text)
        for n in needles:
            self.assertIn(n, text)
        self.assertNotIn("plan:", text)

    def test_good_tree_plans(self):
        rc, text = self.run_script(BATCH="1")
        self.assertEqual(rc, 0, text)
        self.assertIn("2 training drive camera(s) and 1 test drive(s)", text)
        self.assertIn("plan: 3 training lines, 1 val, 2 test; resnet18 640x192, batch 1, 20 epochs, on cpu", text)
        self.assertIn("3 steps/epoch, 60 steps: on a 2-core CPU", text)
        self.assertIn("not measured", text)
        self.assertIn("CHECK_ONLY=1", text)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out")))
        rc, text = self.run_script(BATCH="1", EPOCHS="2", MAX_STEPS="5")
        self.assertEqual(rc, 0, text)
        self.assertIn("3 steps/epoch, 5 steps", text)
        rc, text = self.run_script()  # batch 12 > 3 lines
        self.assertEqual(rc, 1, text)
        self.assertIn("fewer than one batch of 12: lower BATCH", text)

    def test_usage(self):
        p = subprocess.run(["bash", SCRIPT, self.raw], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("SPLIT_DIR", p.stdout)

    def test_missing_split_files(self):
        for f in ("train_files.txt", "test_files.txt"):
            os.remove(os.path.join(self.split, f))
        rc, text = self.run_script()
        self.assert_problem(rc, text, "train_files.txt is missing or empty", "splits/eigen_zhou/train_files.txt",
                            "test_files.txt is missing or empty", "splits/eigen/test_files.txt")
        self.assertNotIn("val_files.txt is missing", text)
        rc, text = self.run_script(self.raw, os.path.join(self.tmp, "nosplit"))
        self.assert_problem(rc, text, "nosplit is not a folder", "splits/eigen_zhou")

    def test_raw_not_a_folder_or_no_dates(self):
        rc, text = self.run_script(os.path.join(self.tmp, "nothing"), self.split)
        self.assert_problem(rc, text, "nothing is not a folder", "kitti_archives_to_download.txt")
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        rc, text = self.run_script(empty, self.split)
        self.assert_problem(rc, text, "has no date folders", "no PNG images")

    def test_missing_calibration(self):
        os.remove(os.path.join(self.raw, DAY, "calib_velo_to_cam.txt"))
        rc, text = self.run_script()
        self.assert_problem(rc, text, f"{DAY}/calib_velo_to_cam.txt is missing", f"{DAY}_calib.zip")
        self.assertEqual(text.count("calib_velo_to_cam.txt is missing"), 1)  # once per date

    def test_missing_drives_and_cameras(self):
        shutil.rmtree(os.path.join(self.raw, DAY, f"{DAY}_drive_0001_sync", "image_03"))
        rc, text = self.run_script()
        self.assert_problem(rc, text, f"{DAY}_drive_0001_sync/image_03/data has no PNG images",
                            "a drive of train_files.txt/val_files.txt", f"{DAY}_drive_0001_sync.zip")
        write_lines(os.path.join(self.split, "val_files.txt"), [split_line(DAY, 7, 4)])
        rc, text = self.run_script()
        self.assert_problem(rc, text, f"{DAY}_drive_0007_sync/image_02/data has no PNG images")

    def test_jpeg_images_named(self):
        d = os.path.join(self.raw, DAY, f"{DAY}_drive_0001_sync", "image_02", "data")
        for f in os.listdir(d):
            os.rename(os.path.join(d, f), os.path.join(d, f[:-4] + ".jpg"))
        rc, text = self.run_script()
        self.assert_problem(rc, text, "holds JPEGs, no PNGs", "jpg conversion")

    def test_test_drive_without_velodyne(self):
        shutil.rmtree(os.path.join(self.raw, DAY, f"{DAY}_drive_0002_sync", "velodyne_points"))
        rc, text = self.run_script()
        self.assert_problem(rc, text, f"{DAY}_drive_0002_sync/velodyne_points/data has no .bin scans",
                            "a drive of test_files.txt")

    def test_training_on_a_test_drive(self):
        write_lines(os.path.join(self.split, "train_files.txt"), [split_line(DAY, 2, 1), split_line(DAY, 1, 2)])
        rc, text = self.run_script()
        self.assert_problem(rc, text, f"drive {DAY}_drive_0002_sync is in train_files.txt/val_files.txt and in "
                                      "test_files.txt", "leaks the test set")

    def test_pretrained_weights_named(self):
        rc, text = self.run_script(PRETRAINED="1")
        self.assert_problem(rc, text, os.path.join(self.tmp, "torch", "hub", "checkpoints", "resnet18-f37072fd.pth"),
                            "https://download.pytorch.org/models/resnet18-f37072fd.pth", "PRETRAINED=0")
        hub = os.path.join(self.tmp, "torch", "hub", "checkpoints")
        os.makedirs(hub)
        open(os.path.join(hub, "resnet18-f37072fd.pth"), "wb").close()
        self.assertEqual(self.run_script(PRETRAINED="1", BATCH="1")[0], 0)
        os.remove(os.path.join(hub, "resnet18-f37072fd.pth"))
        self.assertEqual(self.run_script(PRETRAINED="1", BATCH="1", ENCODER="lite")[0], 0)  # no weights for lite

    def test_teacher_and_out_checked(self):
        rc, text = self.run_script(TEACHER=os.path.join(self.tmp, "none.onnx"))
        self.assert_problem(rc, text, "none.onnx does not exist")
        rc, text = self.run_script(OUT=os.path.join(self.raw, "out"))
        self.assert_problem(rc, text, "is inside KITTI_RAW_DIR")


if __name__ == "__main__":
    unittest.main()
