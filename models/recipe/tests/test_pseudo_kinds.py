"""Pseudo-depth kinds (pseudo.yaml), the loss space per kind, and the torchscript source's device."""

import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np
import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import synth  # noqa: E402
from ssmde_recipe import layers, losses, options, pseudo_depth, trainer  # noqa: E402
from ssmde_recipe.datasets import load_image  # noqa: E402

G = torch.Generator().manual_seed(3)


def student_depth():
    return 1.0 + 49.0 * torch.rand(2, 1, 12, 16, generator=G, dtype=torch.float64)


class LossSpace(unittest.TestCase):
    def test_spaces_of_the_kinds(self):
        self.assertEqual(losses.pseudo_space("affine_depth"), "depth")
        for k in ("auto", "disparity", "affine_disparity", "depth"):
            self.assertEqual(losses.pseudo_space(k), "disparity", k)
        with self.assertRaises(ValueError):
            losses.pseudo_space("inverse")

    def test_affine_depth_is_zero_in_depth_space_only(self):
        d = student_depth()
        m = torch.ones_like(d)
        p = 3.0 * d + 2.0                                   # LeReS-like: s·D + t
        self.assertLess(losses.pseudo_loss(d, p, m, "depth").item(), 1e-9)
        self.assertGreater(losses.pseudo_loss(d, p, m, "disparity").item(), 0.1)   # wrongly as disparity
        # ranking in depth space: the order of an affine depth map is the order of D
        r = losses.pseudo_loss(d, p, m, "depth", "ranking", pairs=512, generator=torch.Generator().manual_seed(0))
        w = losses.pseudo_loss(d, p, m, "disparity", "ranking", pairs=512, generator=torch.Generator().manual_seed(0))
        self.assertLess(r.item(), w.item())

    def test_affine_disparity_is_zero_in_disparity_space_only(self):
        d = student_depth()
        m = torch.ones_like(d)
        p = 0.5 / d + 0.1                                  # MiDaS-like: s/D + t
        self.assertLess(losses.pseudo_loss(d, p, m, "disparity").item(), 1e-9)
        self.assertGreater(losses.pseudo_loss(d, p, m, "depth").item(), 0.1)
        # the same as the old disparity-space call
        self.assertAlmostEqual(losses.pseudo_loss(d, p * d, m, "disparity").item(),
                               losses.ssi_loss(1.0 / d, p * d, m).item(), places=12)

    def test_compute_losses_uses_the_space(self):
        h, w = 32, 64
        cfg = options.TrainConfig(pseudo_region="all", pseudo_source="files", pseudo_weight=1.0)
        gen = torch.Generator().manual_seed(1)
        images = torch.rand(1, 3, 3, h, w, generator=gen)
        k = layers.intrinsics_matrix(0.58, 1.92, 0.5, 0.5, w, h)
        batch = {"images": images, "K": k, "inv_K": torch.linalg.inv(k)}
        disp = 0.2 + 0.6 * torch.rand(1, 1, h, w, generator=gen)
        outputs = {("disp", 0): disp}
        poses = {-1: torch.zeros(1, 6), 1: torch.zeros(1, 6)}
        depth = layers.disp_to_depth(disp, cfg.min_depth, cfg.max_depth)
        pseudo = 2.0 * depth + 5.0
        _, right = trainer.compute_losses(cfg, batch, outputs, poses, [-1, 0, 1], 1.0, pseudo=pseudo,
                                          pseudo_space="depth")
        _, wrong = trainer.compute_losses(cfg, batch, outputs, poses, [-1, 0, 1], 1.0, pseudo=pseudo,
                                          pseudo_space="disparity")
        self.assertLess(right["pseudo"], 1e-5)
        self.assertGreater(wrong["pseudo"], 0.05)


class PseudoYaml(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.root)

    def scene(self, name, kind=None, maps=None):
        d = os.path.join(self.root, name, "pseudo_depth")
        os.makedirs(d)
        if kind:
            pseudo_depth.write_meta(d, kind, "LeReS ResNeXt101", "ssmde teacher --model leres.onnx")
        for stem, x in (maps or {}).items():
            np.save(os.path.join(d, stem + ".npy"), x)
        return os.path.dirname(d)

    def test_kind_from_the_file_overrides_auto(self):
        x = np.arange(12, dtype=np.float32).reshape(3, 4) + 1
        a = self.scene("a", "affine_depth", {"f0": x})
        b = self.scene("b", "affine_depth")
        logs = []
        src = pseudo_depth.FileSource("pseudo_depth", "auto")
        self.assertEqual(src.resolve([a, b], logs.append), "affine_depth")
        self.assertIn("kind affine_depth from 2 pseudo.yaml", logs[0])
        self.assertIn("LeReS", logs[0])
        self.assertTrue(np.allclose(src.load(a, "f0", 3, 4), x))          # depth kept as depth
        with open(os.path.join(a, "pseudo_depth", "pseudo.yaml")) as f:
            self.assertEqual(set(yaml.safe_load(f)), {"kind", "model", "source"})
        # a metric "depth" file is inverted (the disparity space), as before
        c = self.scene("c", "depth", {"f0": x})
        src = pseudo_depth.FileSource("pseudo_depth")
        self.assertEqual(src.resolve([c]), "depth")
        self.assertTrue(np.allclose(src.load(c, "f0", 3, 4), 1.0 / x))

    def test_conflicts_are_errors(self):
        a = self.scene("a", "affine_depth")
        b = self.scene("b", "affine_disparity")
        n = self.scene("n")
        with self.assertRaises(ValueError) as ctx:
            pseudo_depth.FileSource("pseudo_depth", "disparity").resolve([a])
        self.assertIn("'disparity'", str(ctx.exception))
        self.assertIn("'affine_depth'", str(ctx.exception))
        self.assertIn(os.path.join(a, "pseudo_depth", "pseudo.yaml"), str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            pseudo_depth.FileSource("pseudo_depth").resolve([a, b])
        self.assertIn("differ between scenes", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:             # a scene without one would be read as disparity
            pseudo_depth.FileSource("pseudo_depth").resolve([a, n])
        self.assertIn(n, str(ctx.exception))
        self.assertEqual(pseudo_depth.FileSource("pseudo_depth", "affine_depth").resolve([a, n]), "affine_depth")
        self.assertEqual(pseudo_depth.FileSource("pseudo_depth").resolve([n]), "disparity")
        with open(os.path.join(b, "pseudo_depth", "pseudo.yaml"), "w") as f:
            f.write("kind: inverse_depth\n")
        with self.assertRaises(ValueError) as ctx:
            pseudo_depth.read_meta(os.path.join(b, "pseudo_depth"))
        self.assertIn("inverse_depth", str(ctx.exception))

    def test_trainer_compares_affine_depth_in_depth_space(self):
        data = synth.write_dataset(os.path.join(self.root, "data"), scenes=2, frames=4, width=64, height=32)
        for s in ("scene_0000", "scene_0001"):
            d = os.path.join(data, s, "pseudo_depth")
            os.makedirs(d)
            pseudo_depth.write_meta(d, "affine_depth", "LeReS", "test")
            for i in range(4):
                np.save(os.path.join(d, f"{i:010d}.npy"), np.full((32, 64), 5.0, np.float32))
        cfg = options.make_config("pseudo", overrides=dict(
            data=data, out=os.path.join(self.root, "run"), width=64, height=32, batch_size=2, val_fraction=0.5,
            pseudo_source="files", pseudo_path="pseudo_depth", save_every=0))
        t = trainer.Trainer(cfg, log=lambda *a: None)
        self.assertEqual((t.pseudo_kind, t.pseudo_space), ("affine_depth", "depth"))
        with open(os.path.join(self.root, "run", "config.yaml")) as f:
            self.assertEqual(yaml.safe_load(f)["pseudo_kind_resolved"], "affine_depth")
        info = t.train_step(next(iter(t.loader(0, 0))))
        self.assertTrue(np.isfinite(info["loss"]))


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 1, 1)
        self.register_buffer("offset", torch.ones(1))

    def forward(self, x):
        return self.conv(x) + self.offset


class ModuleDevice(unittest.TestCase):
    """The torchscript source lives on the training device (checked with cpu and meta: no CUDA needed)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.jit = os.path.join(cls.dir, "net.pt")
        torch.jit.save(torch.jit.trace(Net().eval(), torch.zeros(1, 3, 8, 8)), cls.jit)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def devices(self, src):
        return {t.device for t in list(src.module.parameters()) + list(src.module.buffers())}

    def test_jit_file_is_loaded_onto_the_device(self):
        for dev in ("cpu", "meta"):
            src = pseudo_depth.ModuleSource(self.jit, device=torch.device(dev))
            self.assertEqual(self.devices(src), {torch.device(dev)}, dev)
        out = pseudo_depth.ModuleSource(self.jit, device="cpu")(torch.zeros(2, 3, 8, 8))
        self.assertEqual(tuple(out.shape), (2, 1, 8, 8))

    def test_module_is_moved_to_the_device(self):
        src = pseudo_depth.ModuleSource(Net(), device=torch.device("meta"))
        self.assertEqual(self.devices(src), {torch.device("meta")})
        self.assertEqual(src.device, torch.device("meta"))

    def test_precompute_cli_writes_raw_maps_and_pseudo_yaml(self):
        data = synth.write_dataset(os.path.join(self.dir, "pre"), scenes=1, frames=3, width=64, height=32)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = pseudo_depth.main(["--data", data, "--source", "torchscript:" + self.jit, "--kind", "affine_depth"])
        self.assertEqual(rc, 0, err.getvalue())
        folder = os.path.join(data, "scene_0000", "pseudo_depth")
        meta = pseudo_depth.read_meta(folder)
        self.assertEqual((meta["kind"], meta["model"]), ("affine_depth", "net.pt"))
        img = torch.from_numpy(load_image(os.path.join(data, "scene_0000", "image_02", "data", "0000000001.png"),
                                          64, 32))[None]
        raw = torch.jit.load(self.jit)(img)[0, 0].detach().numpy()
        self.assertTrue(np.allclose(np.load(os.path.join(folder, "0000000001.npy")), raw, atol=1e-6))  # not inverted
        with contextlib.redirect_stderr(err):
            self.assertEqual(pseudo_depth.main(["--data", data, "--source", "standin"]), 0)
        self.assertEqual(pseudo_depth.read_meta(folder)["kind"], "affine_disparity")

    def test_trainer_passes_its_device(self):
        data = synth.write_dataset(os.path.join(self.dir, "data"), scenes=2, frames=4, width=64, height=32)
        cfg = options.make_config("pseudo", overrides=dict(
            data=data, out=os.path.join(self.dir, "run"), width=64, height=32, batch_size=2, val_fraction=0.5,
            pseudo_source="torchscript", pseudo_path=self.jit, save_every=0, device="cpu"))
        seen = []

        def spy(c, device=None):
            seen.append(device)
            return pseudo_depth.build_source(c, device)
        with mock.patch.object(trainer, "build_source", spy):
            t = trainer.Trainer(cfg, log=lambda *a: None)
        self.assertEqual(seen, [torch.device(cfg.device)])
        self.assertEqual(t.batch_source.device, t.device)
        self.assertEqual(self.devices(t.batch_source), {t.device})
        info = t.train_step(next(iter(t.loader(0, 0))))       # the module runs on the batch on the device
        self.assertGreater(info["pseudo"], 0.0)


if __name__ == "__main__":
    unittest.main()
