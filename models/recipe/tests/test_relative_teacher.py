"""The relative-depth teacher: aligned metrics, the supervised SSI loss, a tiny run, resume, export, eval."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import onnx_numpy  # noqa: E402
import synth  # noqa: E402
from ssmde_recipe import relative_teacher as rt  # noqa: E402
from ssmde_recipe.build import build_model  # noqa: E402
from ssmde_recipe.model_config import ModelConfig  # noqa: E402

W, H = 64, 32
# top-level keys models/manifest.go accepts (it decodes with KnownFields)
GO_KEYS = {"name", "depth", "pose", "input", "output", "training_intrinsics", "metric_scale",
           "pose_convention", "recipe", "training", "canonical_focal"}


def read(path):
    with open(path) as f:
        return f.read()


def quiet(fn, *a, **kw):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return fn(*a, **kw)


def scene_depth(width=W, height=H):
    """A rendered road + wall + car depth (metres, inf = none) and its motion mask, as torch tensors."""
    fx, fy, cx, cy = 0.58 * width, 1.92 * height, 0.5 * width, 0.5 * height
    img, depth, motion = synth.render(width, height, 0.0, fx, fy, cx, cy)
    return (torch.from_numpy(img.transpose(2, 0, 1)).float(), torch.from_numpy(depth).double(),
            torch.from_numpy(motion > 0))


class AlignedMetrics(unittest.TestCase):
    def test_exact_affine_map_of_gt_disparity_scores_zero(self):
        _, depth, motion = scene_depth()
        self.assertTrue(motion.any() and (~motion).any())
        pred = 3.7 / depth + 0.25          # affine map of disparity, positive scale
        e = rt.aligned_errors(pred.float(), depth, motion.float())
        for r in ("all", "static", "moving"):
            self.assertLess(e[r]["abs_rel"], 1e-5, r)
            self.assertEqual(e[r]["a1"], 1.0, r)
        self.assertAlmostEqual(e["scale"], 1 / 3.7, places=5)
        self.assertAlmostEqual(e["shift"], -0.25 / 3.7, places=5)

    def test_not_affine_scores_above_zero_and_regions_are_split(self):
        _, depth, motion = scene_depth()
        pred = torch.log(depth.clamp(max=80.0))   # monotonic but not affine in disparity (and reversed)
        e = rt.aligned_errors(pred, depth, motion.float())
        self.assertGreater(e["all"]["abs_rel"], 0.02)
        # a prediction wrong only on the moving pixels: static stays exact, moving does not
        wrong = (1.0 / depth).clone()
        wrong[motion] = 1.0 / 30.0                # the car drawn at the wall's depth
        e = rt.aligned_errors(wrong, depth, motion.float())
        self.assertGreater(e["moving"]["abs_rel"], 0.5)
        self.assertGreater(e["static"]["abs_rel"], 0.0)    # the alignment uses all pixels ...
        self.assertLess(e["static"]["abs_rel"], e["moving"]["abs_rel"] / 5)   # ... but the error is the car's

    def test_invalid_gt_is_not_scored_and_evaluator_averages(self):
        _, depth, motion = scene_depth()
        gt = depth.clone()
        gt[~torch.isfinite(gt)] = 0.0            # sky as the PNGs store it
        ev = rt.AlignedEvaluator()
        ev.add((2.0 / depth).float(), gt, None)
        self.assertIsNone(ev.add(torch.ones(H, W), torch.zeros(H, W)))   # no valid pixel: not counted
        s = ev.summary()
        self.assertEqual(s["frames"], 1)
        self.assertLess(s["all"]["abs_rel"], 1e-5)
        self.assertIsNone(s["moving"])           # no mask given: nothing moving
        # a prediction at another size is resized to the GT's
        e = rt.aligned_errors(torch.ones(H // 2, W // 2), gt)
        self.assertEqual(set(e), {"all", "static", "moving", "scale", "shift"})


class SupervisedLoss(unittest.TestCase):
    def setUp(self):
        _, depth, _ = scene_depth()
        d = depth.float()[None, None]
        self.gt, self.valid = rt.gt_disparity(torch.where(torch.isfinite(d), d, torch.zeros_like(d)), "far")

    def test_sky_modes(self):
        depth = torch.tensor([[0.0, 2.0, float("nan"), -1.0]])
        disp, valid = rt.gt_disparity(depth, "far")
        self.assertEqual(disp.tolist(), [[0.0, 0.5, 0.0, 0.0]])
        self.assertEqual(valid.tolist(), [[1.0, 1.0, 0.0, 0.0]])
        _, valid = rt.gt_disparity(depth, "ignore")
        self.assertEqual(valid.tolist(), [[0.0, 1.0, 0.0, 0.0]])
        self.assertGreater(float(self.valid.mean()), 0.99)   # the synthetic scene has sky (inf): far -> valid

    def test_zero_for_positive_affine_map_only(self):
        for kind in ("trim", "mae"):
            total, terms = rt.supervised_loss(2.5 * self.gt + 0.3, self.gt, self.valid, kind)
            self.assertLess(float(total), 1e-5, kind)
            inverted, _ = rt.supervised_loss(-2.5 * self.gt + 0.3, self.gt, self.valid, kind)
            self.assertGreater(float(inverted), 0.5, kind)
            const, _ = rt.supervised_loss(torch.full_like(self.gt, 0.4), self.gt, self.valid, kind)
            self.assertGreater(float(const), 0.4, kind)    # collapse costs mean|d̂*|/2 = 0.5 (+ gradients)

    def test_trim_drops_the_largest_residuals(self):
        pred = self.gt.clone()
        pred[..., :3] = 100.0                    # a few outlier columns
        mae, _ = rt.supervised_loss(pred, self.gt, self.valid, "mae", grad_weight=0)
        trim, _ = rt.supervised_loss(pred, self.gt, self.valid, "trim", grad_weight=0)
        self.assertLess(float(trim), float(mae))
        g = rt.gradient_matching_loss(torch.zeros_like(self.gt), torch.zeros_like(self.gt), self.valid)
        self.assertEqual(float(g), 0.0)

    def test_loss_decreases_in_a_few_steps(self):
        torch.manual_seed(0)
        imgs, depths = [], []
        for z in (0.0, 3.0):
            fx, fy, cx, cy = 0.58 * W, 1.92 * H, 0.5 * W, 0.5 * H
            img, depth, _ = synth.render(W, H, z, fx, fy, cx, cy)
            imgs.append(torch.from_numpy(img.transpose(2, 0, 1)).float())
            depths.append(torch.from_numpy(np.where(np.isfinite(depth), depth, 0.0)).float()[None])
        image, depth = torch.stack(imgs), torch.stack(depths)
        gt, valid = rt.gt_disparity(depth, "far")
        model = rt.set_activation(
            build_model(ModelConfig(encoder="lite", width=W, height=H, scales=(0,), pose=False), seed=0), "exp")
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        model.depth.train()
        hist = []
        for _ in range(12):
            loss, _ = rt.supervised_loss(model.depth(image, scales=(0,))[("disp", 0)], gt, valid)
            opt.zero_grad()
            loss.backward()
            opt.step()
            hist.append(float(loss))
        self.assertLess(min(hist[-3:]), 0.8 * hist[0], hist)


class RunExportEval(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="ssmde_relteacher_")
        cls.data = synth.write_dataset(os.path.join(cls.root, "data"), scenes=2, frames=4, width=W, height=H)
        cls.run_dir = os.path.join(cls.root, "run")
        cls.args = ["train", "--data", cls.data, "--out", cls.run_dir, "--width", str(W), "--height", str(H),
                    "--batch-size", "2", "--epochs", "2", "--lr", "1e-3", "--log-every", "1", "--save-every", "1"]
        assert quiet(rt.main, cls.args) == 0
        cls.model_dir = os.path.join(cls.root, "model")
        assert quiet(rt.main, ["export", "--run", cls.run_dir, "--out", cls.model_dir]) == 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root)

    def test_run_folder(self):
        files = set(os.listdir(self.run_dir))
        self.assertLessEqual({"config.yaml", "train_log.csv", "train_log.jsonl", "val_log.csv", "val.json"}, files)
        self.assertEqual(sorted(os.listdir(os.path.join(self.run_dir, "checkpoints"))),
                         ["last.pt", "weights_epoch001.pt", "weights_epoch002.pt"])
        val = json.loads(read(os.path.join(self.run_dir, "val.json")))
        self.assertEqual((val["epoch"], val["step"], val["frames"]), (2, 4, 4))   # 1 train scene: 4 frames / 2
        for r in ("all", "static", "moving"):
            self.assertTrue(0 <= val[r]["abs_rel"] < 10 and 0 <= val[r]["a1"] <= 1, r)
        with open(os.path.join(self.run_dir, "val_log.csv")) as f:
            self.assertEqual(len(f.read().strip().splitlines()), 3)   # header + 2 epochs

    def test_resume_reproduces_a_straight_run(self):
        out = os.path.join(self.root, "split")
        args = [a if a != self.run_dir else out for a in self.args]
        self.assertEqual(quiet(rt.main, args + ["--max-steps", "3"]), 0)   # stops mid-epoch 2
        st = torch.load(os.path.join(out, "checkpoints", "last.pt"))
        self.assertEqual((st["step"], st["epoch"], st["step_in_epoch"]), (3, 1, 1))
        self.assertEqual(quiet(rt.main, args + ["--resume"]), 0)
        a = torch.load(os.path.join(out, "checkpoints", "last.pt"))["model"]
        b = torch.load(os.path.join(self.run_dir, "checkpoints", "last.pt"))["model"]
        for k in b:
            torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-6, msg=k)

    def test_model_yaml(self):
        text = read(os.path.join(self.model_dir, "model.yaml"))
        m = yaml.safe_load(text)
        self.assertLessEqual(set(m), GO_KEYS)
        self.assertEqual(m["output"], {"kind": "affine_disparity"})
        for absent in ("pose", "metric_scale", "training_intrinsics", "pose_convention"):
            self.assertNotIn(absent, m)
        self.assertEqual(m["depth"], {"file": "depth.onnx", "input": "image", "output": "disp"})
        self.assertEqual(m["input"], {"width": W, "height": H, "color": "rgb", "scale": 1 / 255,
                                      "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]})
        self.assertEqual((m["recipe"]["scales"], m["recipe"]["activation"]), ([0], "exp"))
        t = m["training"]
        self.assertEqual((t["epochs"], t["seed"], t["steps"], t["data"]), (2, 0, 4, self.data))
        self.assertEqual(set(t["val"]), {"all", "static", "moving"})

    def test_onnx_io_and_values(self):
        path = os.path.join(self.model_dir, "depth.onnx")
        g = onnx.load(path).graph
        dims = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
        inits = {i.name for i in g.initializer}
        f32 = onnx.TensorProto.FLOAT
        self.assertEqual([(v.name, dims(v), v.type.tensor_type.elem_type) for v in g.input if v.name not in inits],
                         [("image", [1, 3, H, W], f32)])
        self.assertEqual([(v.name, dims(v), v.type.tensor_type.elem_type) for v in g.output],
                         [("disp", [1, 1, H, W], f32)])
        self.assertEqual([o.version for o in onnx.load(path).opset_import if o.domain in ("", "ai.onnx")], [13])
        image = np.random.RandomState(0).rand(1, 3, H, W).astype(np.float32)
        got = onnx_numpy.run(path, {"image": image})["disp"]
        _, model = rt.load_model_dir(self.model_dir)
        with torch.no_grad():
            want = model.depth_export()(torch.from_numpy(image)).numpy()
        self.assertTrue((got >= 0).all())
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)

    def test_eval_model_equals_eval_run_and_epoch_checkpoint_exports(self):
        out_m, out_r = os.path.join(self.root, "m.json"), os.path.join(self.root, "r.json")
        self.assertEqual(quiet(rt.main, ["eval", "--model", self.model_dir, "--data", self.data, "--out", out_m]), 0)
        self.assertEqual(quiet(rt.main, ["eval", "--run", self.run_dir, "--data", self.data, "--out", out_r]), 0)
        m, r = json.loads(read(out_m)), json.loads(read(out_r))
        self.assertEqual(m["frames"], 8)
        for reg in ("all", "static", "moving"):
            self.assertAlmostEqual(m[reg]["abs_rel"], r[reg]["abs_rel"], places=6)
        d = os.path.join(self.root, "epoch1")
        ck = os.path.join(self.run_dir, "checkpoints", "weights_epoch001.pt")
        self.assertEqual(quiet(rt.main, ["export", "--run", self.run_dir, "--out", d, "--checkpoint", ck]), 0)
        t = yaml.safe_load(read(os.path.join(d, "model.yaml")))["training"]
        self.assertEqual((t["val_epoch"], t["steps"]), (1, 2))
        self.assertEqual(quiet(rt.main, ["eval", "--model", os.path.join(self.root, "nowhere"), "--data", self.data]), 1)


if __name__ == "__main__":
    unittest.main()
