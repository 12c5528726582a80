import contextlib
import io
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
from ssmde_recipe import export, reference  # noqa: E402
from ssmde_recipe.build import SSMDE, build_model  # noqa: E402
from ssmde_recipe.model_config import ModelConfig  # noqa: E402

W, H = 128, 64

# The keys models/manifest.go accepts at the top level (it decodes with KnownFields).
GO_KEYS = {"name", "depth", "pose", "input", "output", "training_intrinsics", "metric_scale",
           "pose_convention", "recipe", "training"}

LITE_YAML = """\
# SS-MDE student, written by ssmde_recipe.export (see models/recipe/README.md)
name: ssmde-lite-128x64-seed3
depth: {file: depth.onnx, input: image, output: disp}
pose: {file: pose.onnx, input: frames, output: pose}
input: {width: 128, height: 64, color: rgb, scale: 0.00392156862745098, mean: [0.0, 0.0, 0.0], std: [1.0, 1.0, 1.0]}
output: {kind: sigmoid_disparity, min_depth: 0.1, max_depth: 100.0}
training_intrinsics: {fx: 0.58, fy: 1.92, cx: 0.5, cy: 0.5}
pose_convention: T_prev_from_cur
recipe: {encoder: lite, checkpoint: weights.pt, seed: 3}
"""


def quiet(fn, *args, **kw):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return fn(*args, **kw)


def graph_io(path):
    g = onnx.load(path).graph
    shape = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    elem = lambda v: v.type.tensor_type.elem_type  # noqa: E731
    return ([(v.name, shape(v), elem(v)) for v in g.input if v.name not in {i.name for i in g.initializer}],
            [(v.name, shape(v), elem(v)) for v in g.output])


def rel_err(a, b):
    """Largest |a − b| relative to the larger of |b| and 1e-6 (for disparities in (0, 1))."""
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-6)))


def pose_err(a, b):
    """Largest |a − b| relative to the largest |b|: a pose component can be ~1e-6, where float32
    rounding in the spatial mean alone exceeds 1e-4 of the element itself."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


class ExportLite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ssmde_export_")
        cls.dir = os.path.join(cls.tmp, "lite")
        rc = quiet(export.main, ["--out", cls.dir, "--encoder", "lite", "--width", str(W), "--height", str(H),
                                 "--seed", "3"])
        assert rc == 0
        rng = np.random.RandomState(0)
        cls.image = rng.rand(1, 3, H, W).astype(np.float32)
        cls.frames = rng.rand(1, 6, H, W).astype(np.float32)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_files(self):
        self.assertEqual(sorted(os.listdir(self.dir)), ["depth.onnx", "model.yaml", "pose.onnx", "weights.pt"])

    def test_model_yaml_text(self):
        with open(self.path("model.yaml")) as f:
            self.assertEqual(f.read(), LITE_YAML)

    def test_onnx_matches_yaml(self):
        m = yaml.safe_load(open(self.path("model.yaml")))
        self.assertLessEqual(set(m), GO_KEYS)
        w, h = m["input"]["width"], m["input"]["height"]
        f32 = onnx.TensorProto.FLOAT
        for key, channels, out_shape in (("depth", 3, [1, 1, h, w]), ("pose", 6, [1, 6])):
            spec = m[key]
            path = self.path(spec["file"])
            model = onnx.load(path)
            onnx.checker.check_model(model)
            self.assertEqual([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")], [export.OPSET])
            ins, outs = graph_io(path)
            self.assertEqual(ins, [(spec["input"], [1, channels, h, w], f32)])
            self.assertEqual(outs, [(spec["output"], out_shape, f32)])

    def test_no_batchnorm_or_training_ops_in_graph(self):
        for f in ("depth.onnx", "pose.onnx"):
            ops = {n.op_type for n in onnx.load(self.path(f)).graph.node}
            self.assertFalse(ops & {"BatchNormalization", "Dropout"}, f)

    def test_reference_cli_equals_torch_modules(self):
        img, frm = self.path("in.npy"), self.path("frames.npy")
        np.save(img, self.image)
        np.save(frm, self.frames)
        out_d, out_p = os.path.join(self.tmp, "disp.npy"), os.path.join(self.tmp, "pose.npy")
        rc = quiet(reference.main, ["--model", self.dir, "--image", img, "--out-disp", out_d,
                                    "--frames", frm, "--out-pose", out_p])
        os.remove(img)
        os.remove(frm)
        self.assertEqual(rc, 0)
        disp, pose = np.load(out_d), np.load(out_p)
        self.assertEqual((disp.dtype, disp.shape), (np.float32, (1, 1, H, W)))
        self.assertEqual((pose.dtype, pose.shape), (np.float32, (1, 6)))

        # the same nets built directly: weights.pt loaded into a fresh container ...
        net = SSMDE(ModelConfig(encoder="lite", width=W, height=H))
        net.load_state_dict(torch.load(self.path("weights.pt")))
        net.eval()
        with torch.no_grad():
            d = net.depth(torch.from_numpy(self.image))[("disp", 0)].numpy()
            p = net.pose(torch.from_numpy(self.frames)).numpy()
        np.testing.assert_array_equal(disp, d)
        np.testing.assert_array_equal(pose, p)
        # ... and the seeded init rebuilt from scratch gives the same function
        again = build_model(ModelConfig(encoder="lite", width=W, height=H), seed=3)
        with torch.no_grad():
            np.testing.assert_allclose(again.depth_export()(torch.from_numpy(self.image)).numpy(), d, rtol=1e-6)
        self.assertGreater(disp.std(), 0.05)

    def test_onnx_graph_computes_reference(self):
        _, model = reference.load_model(self.dir)
        disp = reference.run_depth(model, self.image)
        pose = reference.run_pose(model, self.frames)
        got_d = onnx_numpy.run(self.path("depth.onnx"), {"image": self.image})["disp"]
        got_p = onnx_numpy.run(self.path("pose.onnx"), {"frames": self.frames})["pose"]
        self.assertLess(rel_err(got_d, disp), 1e-4)
        self.assertLess(pose_err(got_p, pose), 1e-4)

    def test_checkpoint_round_trip_and_no_pose(self):
        out = os.path.join(self.tmp, "from_ckpt")
        rc = quiet(export.main, ["--out", out, "--encoder", "lite", "--width", str(W), "--height", str(H),
                                 "--checkpoint", self.path("weights.pt"), "--no-pose", "--seed", "3"])
        self.assertEqual(rc, 0)
        self.assertEqual(sorted(os.listdir(out)), ["depth.onnx", "model.yaml", "weights.pt"])
        m = yaml.safe_load(open(os.path.join(out, "model.yaml")))
        self.assertNotIn("pose", m)
        self.assertNotIn("pose_convention", m)
        a = onnx_numpy.run(os.path.join(out, "depth.onnx"), {"image": self.image})["disp"]
        b = onnx_numpy.run(self.path("depth.onnx"), {"image": self.image})["disp"]
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=0)

    def test_reference_rejects_wrong_shape(self):
        bad = os.path.join(self.tmp, "bad.npy")
        np.save(bad, np.zeros((1, 3, H, W + 32), np.float32))
        rc = quiet(reference.main, ["--model", self.dir, "--image", bad, "--out-disp", bad + ".out.npy"])
        self.assertEqual(rc, 1)


class ExportResnet18(unittest.TestCase):
    """resnet18 uses the Monodepth2 decoder (reflection padding, ELU) and MaxPool."""

    def test_export_and_graph_equals_reference(self):
        with tempfile.TemporaryDirectory(prefix="ssmde_r18_") as d:
            rc = quiet(export.main, ["--out", d, "--encoder", "resnet18", "--width", str(W), "--height", str(H)])
            self.assertEqual(rc, 0)
            m = yaml.safe_load(open(os.path.join(d, "model.yaml")))
            self.assertEqual(m["recipe"], {"encoder": "resnet18", "checkpoint": "weights.pt", "seed": 0})
            ops = {n.op_type for n in onnx.load(os.path.join(d, "depth.onnx")).graph.node}
            self.assertLessEqual(ops, {"Conv", "Relu", "Elu", "Add", "Sub", "Div", "MaxPool", "Resize", "Concat",
                                       "Slice", "Constant", "Neg", "Exp", "Reciprocal"})
            image = np.random.RandomState(1).rand(1, 3, H, W).astype(np.float32)
            frames = np.random.RandomState(2).rand(1, 6, H, W).astype(np.float32)
            _, model = reference.load_model(d)
            got = onnx_numpy.run(os.path.join(d, "depth.onnx"), {"image": image})["disp"]
            self.assertLess(rel_err(got, reference.run_depth(model, image)), 1e-4)
            got = onnx_numpy.run(os.path.join(d, "pose.onnx"), {"frames": frames})["pose"]
            self.assertLess(pose_err(got, reference.run_pose(model, frames)), 1e-4)


if __name__ == "__main__":
    unittest.main()
