"""A few optimiser steps on tiny synthetic scenes: the loss goes down, resume is exact, a run exports."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import synth  # noqa: E402
from ssmde_recipe import export, options, train  # noqa: E402
from ssmde_recipe.trainer import Trainer  # noqa: E402


def quiet(msg=None, *a):
    pass


class Smoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp()
        cls.data = synth.write_dataset(os.path.join(cls.root, "data"), scenes=2, frames=6, width=64, height=32)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root)

    def cfg(self, out, **kw):
        base = dict(data=self.data, out=os.path.join(self.root, out), width=64, height=32, batch_size=2,
                    epochs=1, log_every=1, save_every=0, val_fraction=0.5, camera_height=1.65, lr=1e-3,
                    pseudo_source="standin", pseudo_path="", teacher_snapshot_epoch=0)
        base.update(kw)   # the synthetic scenes have GT, not a network's maps: the stand-in drives the method
        return options.make_config("full", overrides=base)

    def test_presets_load_and_differ_only_in_method(self):
        budget = ("width", "height", "encoder", "epochs", "batch_size", "lr", "lr_step_epochs", "seed")
        cfgs = {p: options.make_config(p) for p in options.ABLATION_PRESETS}
        self.assertEqual(options.PRESETS, options.ABLATION_PRESETS + ("kitti",))
        for p, c in cfgs.items():
            for k in budget:
                self.assertEqual(getattr(c, k), getattr(cfgs["full"], k), f"{p}.{k}")
        self.assertEqual(cfgs["photometric"].pseudo_weight, 0.0)
        for p in ("pseudo", "forgetting", "teacher", "full"):   # a network's maps, never the GT
            self.assertEqual(cfgs[p].pseudo_source, "files", p)
        self.assertEqual(cfgs["oracle"].pseudo_source, "standin")
        self.assertEqual(cfgs["full"].distill_region, "unreliable")
        self.assertEqual(cfgs["pseudo"].forget_schedule, "none")
        self.assertEqual(cfgs["forgetting"].teacher, "none")
        self.assertFalse(cfgs["teacher"].mask_filter)
        self.assertTrue(cfgs["full"].mask_filter)
        with self.assertRaises(ValueError):
            options.make_config(overrides={"no_such_key": 1})

    def test_loss_goes_down(self):
        # same batch, no augmentation: the optimiser must reduce the loss of the whole method
        # (unreliable automask: at init the filter rejects almost every pixel of the random teacher, so with
        # multiview U would be the whole image and leave the pseudo term nothing to supervise)
        cfg = self.cfg("down", augment=False, distill_start_epoch=0, teacher_ema_decay=0.5, unreliable="automask", distill_rampup_epochs=0,
                       distill_region="all")
        t = Trainer(cfg, log=quiet)
        t.teacher.on_epoch_start(0, t.model.depth)   # the snapshot teacher is taken at the epoch's start
        batch = next(iter(t.loader(0, 0)))
        first = t.train_step(batch)
        self.assertTrue(first["filter_keep"] >= 0)      # teacher prior and mask filter active
        self.assertGreater(first["pseudo"], 0)
        self.assertGreater(first["distill"], 0)
        self.assertTrue(0 <= first["unreliable_frac"] <= 1)
        for _ in range(14):
            last = t.train_step(batch)
        self.assertLess(last["loss"], 0.9 * first["loss"])
        self.assertLess(last["photo"], first["photo"])

    def test_resume_is_exact_and_run_exports(self):
        straight = Trainer(self.cfg("a", max_steps=3, distill_start_epoch=0, pseudo_loss="ranking"), log=quiet)
        straight.train()
        part = Trainer(self.cfg("b", max_steps=1, distill_start_epoch=0, pseudo_loss="ranking"), log=quiet)
        part.train()
        resumed = Trainer(self.cfg("b", max_steps=3, distill_start_epoch=0, pseudo_loss="ranking"), log=quiet)
        resumed.resume(os.path.join(self.root, "b", "checkpoints", "last.pt"))
        self.assertEqual(resumed.step, 1)
        resumed.train()
        for (k, v), (_, w) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
            self.assertTrue(torch.allclose(v.float(), w.float(), atol=1e-6), k)
        for (k, v), (_, w) in zip(straight.teacher.net.state_dict().items(), resumed.teacher.net.state_dict().items()):
            self.assertTrue(torch.allclose(v.float(), w.float(), atol=1e-6), k)

        # a full (1-epoch) run through the CLI: logs, validation, checkpoints, export with metric scale
        out = os.path.join(self.root, "cli")
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = train.main(["--preset", "photometric", "--data", self.data, "--out", out, "--width", "64",
                             "--height", "32", "--epochs", "1", "--batch-size", "2", "--set", "val_fraction=0.5",
                             "--set", "log_every=1"])
        self.assertEqual(rc, 0, err.getvalue())
        for f in ("config.yaml", "train_log.csv", "train_log.jsonl", "val_log.csv", "metrics.json",
                  "metric_scale.json", "checkpoints/last.pt", "checkpoints/weights_epoch001.pt"):
            self.assertTrue(os.path.exists(os.path.join(out, f)), f)
        with open(os.path.join(out, "metrics.json")) as f:
            m = json.load(f)
        self.assertGreater(m["all"]["images"], 0)
        self.assertIsNotNone(m["moving"])
        model = os.path.join(self.root, "model")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = export.main(["--run", out, "--out", model, "--metric-scale-from", "gt"])
        self.assertEqual(rc, 0)
        with open(os.path.join(model, "model.yaml")) as f:
            y = yaml.safe_load(f)
        with open(os.path.join(out, "metric_scale.json")) as f:
            self.assertAlmostEqual(y["metric_scale"], json.load(f)["median_gt_over_pred"])
        self.assertEqual(y["input"]["width"], 64)
        self.assertAlmostEqual(y["training_intrinsics"]["fx"], 0.58, places=5)
        self.assertIn("metric_scale_source", y["training"])


if __name__ == "__main__":
    unittest.main()
