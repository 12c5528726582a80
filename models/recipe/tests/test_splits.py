"""Monodepth2 split files (split_dir), test-drive leakage, partial GT, on a tiny fake KITTI raw tree."""

import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import synth  # noqa: E402
from ssmde_recipe import datasets, options, pseudo_depth  # noqa: E402
from ssmde_recipe.datasets import TripletDataset, kitti, splits  # noqa: E402
from ssmde_recipe.trainer import Trainer  # noqa: E402

DAY = "2011_09_26"


def line(drive, frame, side="l"):
    return f"{DAY}/{DAY}_drive_{drive:04d}_sync {frame:010d} {side}"


def frames_of(ds):
    """(camera folder, frame stem) of each item's target frame."""
    out = []
    for si, i in ds.items:
        p = ds.scenes[si].images[i]
        out.append((os.path.basename(os.path.dirname(os.path.dirname(p))), os.path.splitext(os.path.basename(p))[0]))
    return out


class Splits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp()
        cls.data = os.path.join(cls.root, "kitti")
        # drive 1: GT only for frames 1..4 (KITTI's annotation lacks the ends); drive 2: a test drive;
        # drive 3: frame 3 missing
        synth.write_kitti_raw(cls.data, DAY, {1: range(6), 2: range(6), 3: [0, 1, 2, 4, 5]},
                              gt={1: [1, 2, 3, 4], 3: [0, 1, 2, 4, 5]})
        cls.split = os.path.join(cls.root, "eigen_zhou")
        synth.write_split(cls.split, "train_files.txt", [
            line(1, 2), line(1, 3, "r"),
            line(1, 0),                   # no frame -1: dropped
            line(1, 9),                   # no such frame: dropped
            line(3, 4),                   # frame 3 missing: no neighbour at -1, dropped
            line(3, 1)])
        synth.write_split(cls.split, "val_files.txt", [line(1, 0), line(1, 1), line(3, 5)])
        synth.write_split(cls.split, "test_files.txt", [line(2, 1), line(2, 3)])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root)

    def test_read_split_and_errors(self):
        lines = splits.read_split(os.path.join(self.split, "train_files.txt"))
        self.assertEqual(len(lines), 6)
        self.assertEqual(lines[1][:3], (f"{DAY}/{DAY}_drive_0001_sync", 3, "r"))
        bad = os.path.join(self.root, "bad")
        synth.write_split(bad, "train_files.txt", [line(1, 2), f"{DAY}/{DAY}_drive_0001_sync 0000000002 x"])
        with self.assertRaises(ValueError) as ctx:
            splits.read_split(os.path.join(bad, "train_files.txt"))
        self.assertIn("train_files.txt:2", str(ctx.exception))
        self.assertIn("l (image_02) or r (image_03)", str(ctx.exception))

    def test_exactly_the_listed_frames(self):
        logs = []
        sel = splits.load(self.data, self.split, (-1, 1), logs.append)
        train = sel["train"]
        self.assertEqual([(s.dir[len(self.data) + 1:], os.path.basename(os.path.dirname(s.images[0])[:-5]))
                          for s in train.scenes],
                         [(f"{DAY}/{DAY}_drive_0001_sync", "image_02"), (f"{DAY}/{DAY}_drive_0001_sync", "image_03"),
                          (f"{DAY}/{DAY}_drive_0003_sync", "image_02")])
        self.assertEqual(train.items, [(0, 2), (1, 3), (2, 1)])
        self.assertEqual((train.lines, train.dropped_frame, train.dropped_neighbour), (3, 1, 2))
        self.assertTrue(any("3 of 6 lines used" in m and "dropped 1 without the frame, 2 without neighbours" in m
                            for m in logs), logs)
        # the right camera: image_03 frames and its own pseudo-depth folder
        self.assertTrue(train.scenes[1].images[3].endswith(os.path.join("image_03", "data", "0000000003.png")))
        self.assertEqual(train.scenes[1].pseudo_root, os.path.join(train.scenes[1].dir, "image_03"))
        ds = TripletDataset(train.scenes, 32, 32, (-1, 1), items=train.items)
        self.assertEqual(frames_of(ds), [("image_02", "0000000002"), ("image_03", "0000000003"),
                                         ("image_02", "0000000001")])
        s = ds[2]                                  # drive 3, frame 1: sources 0 and 2
        self.assertEqual(tuple(s["images"].shape), (3, 3, 32, 32))
        # validation: no neighbours needed (frame 5 of drive 3 is kept); frames without GT are skipped
        val = sel["val"]
        self.assertEqual(val.items, [(0, 0), (0, 1), (1, 4)])
        vds = TripletDataset(val.scenes, 32, 32, (), load_gt=True, depth_scale=256.0, items=val.items)
        self.assertEqual(vds.without_gt, 1)
        self.assertEqual(frames_of(vds), [("image_02", "0000000001"), ("image_02", "0000000005")])
        self.assertAlmostEqual(vds[0]["depth_gt"].max().item(), 10.0)

    def test_test_drive_is_refused(self):
        leak = os.path.join(self.root, "leak")
        synth.write_split(leak, "train_files.txt", [line(1, 2), line(2, 2), line(2, 3)])
        synth.write_split(leak, "eigen_test_files.txt", [line(2, 4)])
        with self.assertRaises(ValueError) as ctx:
            splits.load(self.data, leak)
        msg = str(ctx.exception)
        self.assertIn(f"{DAY}_drive_0002_sync", msg)
        self.assertIn("eigen_test_files.txt", msg)
        self.assertIn("2 line(s)", msg)

    def test_missing_drive_folder_is_an_error(self):
        gone = os.path.join(self.root, "gone")
        synth.write_split(gone, "train_files.txt", [line(7, 2)])
        with self.assertRaises(ValueError) as ctx:
            splits.load(self.data, gone)
        self.assertIn(f"{DAY}_drive_0007_sync", str(ctx.exception))
        self.assertIn("train_files.txt:1", str(ctx.exception))

    def test_partial_gt_is_kept_per_frame(self):
        scene = kitti.load_scene(os.path.join(self.data, DAY, f"{DAY}_drive_0001_sync"))
        self.assertEqual([d is not None for d in scene.depths], [False, True, True, True, True, False])
        self.assertIsNone(kitti.load_scene(os.path.join(self.data, DAY, f"{DAY}_drive_0002_sync")).depths)
        val = TripletDataset([scene], 32, 32, (), load_gt=True, depth_scale=256.0)
        self.assertEqual((len(val), val.without_gt), (4, 2))
        self.assertEqual([i for _, i in val.items], [1, 2, 3, 4])
        self.assertEqual(len(datasets.scan(self.data)), 3)

    def test_trainer_with_split_dir(self):
        logs = []
        cfg = options.make_config("photometric", overrides=dict(
            data=self.data, split_dir=self.split, out=os.path.join(self.root, "run"), width=64, height=32,
            batch_size=2, epochs=1, depth_scale=256.0, save_every=0))
        t = Trainer(cfg, log=logs.append)
        self.assertEqual(len(t.train_set), 3)
        self.assertEqual(frames_of(t.train_set), [("image_02", "0000000002"), ("image_03", "0000000003"),
                                                  ("image_02", "0000000001")])
        self.assertEqual(len(t.val_set), 2)
        self.assertTrue(any("1 frame(s) without GT depth skipped" in m for m in logs), logs)
        summary = t.validate()
        self.assertEqual(summary["all"]["images"], 2)
        # pseudo-depth files of both cameras: SCENE/pseudo_depth (image_02), SCENE/image_03/pseudo_depth
        for drive, frames in ((1, range(6)), (3, [0, 1, 2, 4, 5])):
            scene = os.path.join(self.data, DAY, f"{DAY}_drive_{drive:04d}_sync")
            for folder in (os.path.join(scene, "pseudo_depth"), os.path.join(scene, "image_03", "pseudo_depth")):
                os.makedirs(folder, exist_ok=True)
                pseudo_depth.write_meta(folder, "affine_disparity", "MiDaS", "test")
                for i in frames:
                    np.save(os.path.join(folder, f"{i:010d}.npy"),
                            np.linspace(1, 2, 8 * 32, dtype=np.float32).reshape(8, 32) * (1 + ("image_03" in folder)))
        cfg = options.make_config("pseudo", overrides=dict(
            data=self.data, split_dir=self.split, out=os.path.join(self.root, "run2"), width=64, height=32,
            batch_size=3, epochs=1, depth_scale=256.0, save_every=0, pseudo_source="files",
            pseudo_path="pseudo_depth", augment=False))
        t = Trainer(cfg, log=logs.append)
        self.assertEqual(t.pseudo_kind, "affine_disparity")
        batch = next(iter(t.loader(0, 0)))
        right = [j for j, (si, _) in enumerate(t.train_set.items) if si == 1]
        order = t.sampler.indices()[:3]
        self.assertAlmostEqual(batch["pseudo"][order.index(right[0])].max().item(), 4.0, places=4)
        self.assertTrue(np.isfinite(t.train_step(batch)["pseudo"]))
        with self.assertRaises(ValueError) as ctx:
            options.make_config(overrides=dict(split_dir=self.split, val_data=self.data))
        self.assertIn("val_data", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
