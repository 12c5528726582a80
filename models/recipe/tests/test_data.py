import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import synth  # noqa: E402
from ssmde_recipe import datasets, losses, metrics, pseudo_depth  # noqa: E402
from ssmde_recipe.datasets import TripletDataset  # noqa: E402


class Loaders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp()
        cls.fx, cls.fy, cls.cx, cls.cy = synth.write_scene(os.path.join(cls.root, "kitti", "scene_0000"), frames=5)
        synth.write_scene(os.path.join(cls.root, "kitti", "scene_0001"), frames=4)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root)

    def test_kitti_scan_and_triplets(self):
        scenes = datasets.scan(os.path.join(self.root, "kitti"))
        self.assertEqual([s.name for s in scenes], ["scene_0000", "scene_0001"])
        self.assertEqual(scenes[0].size, (64, 32))
        self.assertEqual(scenes[0].poses.shape, (5, 4, 4))
        ds = TripletDataset(scenes, 32, 32, (-1, 1))
        self.assertEqual(len(ds), 3 + 2)  # frames 1..3 and 1..2
        s = ds[0]
        self.assertEqual(tuple(s["images"].shape), (3, 3, 32, 32))
        self.assertTrue(torch.equal(s["images"], s["images_aug"]))
        self.assertNotIn("depth_gt", s)  # GT only for validation
        # intrinsics rescaled 64x32 -> 32x32: fx·0.5, cx' = (cx + 0.5)·0.5 − 0.5
        self.assertAlmostEqual(s["K"][0, 0].item(), self.fx * 0.5, places=4)
        self.assertAlmostEqual(s["K"][0, 2].item(), (self.cx + 0.5) * 0.5 - 0.5, places=4)
        self.assertAlmostEqual(s["K"][1, 1].item(), self.fy, places=4)
        self.assertTrue(torch.allclose(s["K"] @ s["inv_K"], torch.eye(4), atol=1e-5))
        # the target is frame 1 of scene 0
        self.assertTrue(torch.equal(s["index"], torch.tensor([0, 1])))
        val = TripletDataset(scenes, 32, 32, (), load_gt=True)
        self.assertEqual(len(val), 9)
        v = val[0]
        self.assertEqual(tuple(v["depth_gt"].shape), (1, 32, 64))
        self.assertGreater(v["motion_mask"].sum().item(), 0)

    def test_augmentation_flip_and_jitter(self):
        scenes = datasets.scan(os.path.join(self.root, "kitti"))
        ds = TripletDataset(scenes, 64, 32, (-1, 1), augment=True, flip_prob=1.0, jitter_prob=1.0,
                            pseudo_source=pseudo_depth.StandInRelativeDepth())
        plain = TripletDataset(scenes, 64, 32, (-1, 1), pseudo_source=pseudo_depth.StandInRelativeDepth())
        a, b = ds[1], plain[1]
        self.assertTrue(torch.equal(a["images"], b["images"].flip(3)))      # loss images: flipped, not jittered
        self.assertFalse(torch.allclose(a["images_aug"], a["images"]))      # network input jittered
        self.assertTrue(torch.allclose(a["pseudo"], b["pseudo"].flip(2)))
        self.assertAlmostEqual(a["K"][0, 2].item(), 63 - b["K"][0, 2].item(), places=5)
        self.assertEqual(a["flipped"].item(), 1.0)
        # same (seed, epoch, index) -> same augmentation; another epoch -> another
        self.assertTrue(torch.equal(ds[1]["images_aug"], a["images_aug"]))
        ds.set_epoch(1)
        self.assertFalse(torch.equal(ds[1]["images_aug"], a["images_aug"]))

    def test_nyu_and_video_folders(self):
        nyu = os.path.join(self.root, "nyu", "living_room")
        os.makedirs(os.path.join(nyu, "rgb"))
        os.makedirs(os.path.join(nyu, "depth"))
        vid = os.path.join(self.root, "video", "drive")
        os.makedirs(vid)
        for i in range(4):
            img = Image.fromarray((np.random.RandomState(i).rand(48, 64, 3) * 255).astype(np.uint8))
            img.save(os.path.join(nyu, "rgb", f"{i:05d}.jpg"))
            Image.fromarray(np.full((48, 64), 2500, np.uint16)).save(os.path.join(nyu, "depth", f"{i:05d}.png"))
            img.save(os.path.join(vid, f"frame{i:04d}.png"))
        with open(os.path.join(nyu, "intrinsics.txt"), "w") as f:
            f.write("51.9 52.0 32.5 25.3\n")
        with open(os.path.join(vid, "camera.yaml"), "w") as f:
            f.write("image_width: 128\nimage_height: 96\ncamera_matrix:\n  rows: 3\n  cols: 3\n"
                    "  data: [100, 0, 64, 0, 100, 48, 0, 0, 1]\n")
        self.assertEqual(datasets.detect(os.path.join(self.root, "nyu")), "nyu")
        (s,) = datasets.scan(os.path.join(self.root, "nyu"))
        self.assertEqual(len(s), 4)
        self.assertAlmostEqual(s.K[0, 0], 51.9)
        v = TripletDataset([s], 32, 32, (), load_gt=True)[0]
        self.assertAlmostEqual(v["depth_gt"].max().item(), 2.5, places=5)
        (s,) = datasets.scan(os.path.join(self.root, "video"), "video")
        self.assertEqual(s.size, (64, 48))
        self.assertAlmostEqual(s.K[0, 0], 50.0)  # calibration for 128x96 rescaled to the frames
        self.assertIsNone(s.depths)
        self.assertEqual(len(TripletDataset([s], 32, 32, (-1, 1))), 2)


class StandIn(unittest.TestCase):
    def test_affine_invariant_stand_in(self):
        _, depth, _ = synth.render(64, 32, 0.0, 37.12, 61.44, 32, 16)
        depth[0, :5] = np.nan                         # NaN and inf (sky) handled
        src = pseudo_depth.StandInRelativeDepth(seed=1)
        p = src(depth, 32, 64, key="a/0")
        self.assertEqual(p.shape, (32, 64))
        self.assertTrue(np.isfinite(p).all())
        self.assertTrue(np.array_equal(p, src(depth, 32, 64, key="a/0")))   # deterministic per frame
        q = src(depth, 32, 64, key="a/1")
        self.assertFalse(np.allclose(p, q))                                  # another scale/shift
        # after affine alignment it is close to the GT disparity away from edges
        gt = torch.from_numpy(np.where(np.isfinite(depth), 1.0 / depth, 0.0)).float()[None, None]
        ok = torch.from_numpy(np.isfinite(depth)).float()[None, None]
        loss = losses.ssi_loss(gt, torch.from_numpy(p)[None, None], ok).item()
        flat = losses.ssi_loss(torch.ones_like(gt), torch.from_numpy(p)[None, None], ok).item()
        self.assertLess(loss, 0.2 * flat)
        # thin structures are lost: a 2-px pole at 3 m disappears into the 30 m wall
        pole = np.full((32, 64), 30.0)
        pole[:, 30:32] = 3.0
        pp = pseudo_depth.StandInRelativeDepth(blur_px=1, lowfreq=0)(pole, 32, 64)
        self.assertAlmostEqual(float(pp[:, 30].std()), 0.0, places=5)
        self.assertAlmostEqual(float(pp[5, 31]), float(pp[5, 10]), places=5)

    def test_file_source(self):
        d = tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(d, "pd"))
            x = np.arange(12, dtype=np.float32).reshape(3, 4) + 1
            np.save(os.path.join(d, "pd", "f0.npy"), x)
            out = pseudo_depth.FileSource("pd", "depth").load(d, "f0", 3, 4)
            self.assertTrue(np.allclose(out, 1.0 / x))
            with self.assertRaises(FileNotFoundError):
                pseudo_depth.FileSource("pd").load(d, "f1", 3, 4)
        finally:
            shutil.rmtree(d)

    def test_module_source(self):
        class Net(torch.nn.Module):
            def forward(self, x):
                return x.mean(1) + 1.0
        src = pseudo_depth.ModuleSource(Net(), "depth")
        out = src(torch.zeros(2, 3, 8, 8))
        self.assertEqual(tuple(out.shape), (2, 1, 8, 8))
        self.assertTrue(torch.allclose(out, torch.ones_like(out)))


class Metrics(unittest.TestCase):
    def test_median_scaling_and_regions(self):
        gt = torch.linspace(1, 50, 32 * 64).reshape(32, 64)
        mask = torch.zeros(32, 64)
        mask[:, :8] = 1
        pred = gt / 7.0
        pred_bad = pred.clone()
        pred_bad[:, :8] *= 2.0   # moving object twice as far
        ev = metrics.DepthEvaluator(1e-3, 80)
        ev.add(pred, gt, mask)
        s = ev.summary()
        self.assertLess(s["all"]["abs_rel"], 1e-6)
        self.assertAlmostEqual(s["all"]["a1"], 1.0)
        self.assertAlmostEqual(s["scale_ratio"]["mean"], 7.0, places=4)
        ev = metrics.DepthEvaluator(1e-3, 80)
        ev.add(pred_bad, gt, mask)
        s = ev.summary()
        # the doubled pixels also move the median a little: moving ≈ 1, static small
        self.assertGreater(s["moving"]["abs_rel"], 0.8)
        self.assertAlmostEqual(s["moving"]["a1"], 0.0)
        self.assertLess(s["static"]["abs_rel"], 0.1 * s["moving"]["abs_rel"])

    def test_known_errors(self):
        gt = torch.tensor([2.0, 4.0])
        pred = torch.tensor([1.0, 4.0])
        e = metrics.compute_errors(gt, pred)
        self.assertAlmostEqual(e["abs_rel"], 0.25)
        self.assertAlmostEqual(e["sq_rel"], 0.25)
        self.assertAlmostEqual(e["rmse"], (0.5) ** 0.5, places=6)
        self.assertAlmostEqual(e["a1"], 0.5)
        self.assertAlmostEqual(e["a3"], 0.5)   # 2 > 1.25³ = 1.953

    def test_camera_height_scale(self):
        # a road 1.65 m below the camera, predicted at half the true depth -> scale 2
        h, w, fy, cy = 32, 64, 61.44, 16.0
        v = torch.arange(h, dtype=torch.float32).view(h, 1).expand(h, w)
        depth = torch.where(v > cy, fy * 1.65 / (v - cy).clamp_min(1e-3), torch.full_like(v, 50.0))
        k = torch.tensor([[37.12, 0, 32, 0], [0, fy, cy, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        self.assertAlmostEqual(metrics.camera_height_scale(depth / 2, torch.linalg.inv(k), 1.65), 2.0, places=4)


if __name__ == "__main__":
    unittest.main()
