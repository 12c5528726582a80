"""GPU training knobs tested on the CPU: amp refusal, loader workers, SyncBatchNorm, the kitti preset."""

import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest

from unittest import mock

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import synth  # noqa: E402
from ssmde_recipe import options, train, trainer  # noqa: E402
from ssmde_recipe.build import build_model  # noqa: E402
from ssmde_recipe.model_config import ModelConfig  # noqa: E402


class Options(unittest.TestCase):
    def test_amp_is_refused_on_the_cpu(self):
        with self.assertRaises(ValueError) as ctx:
            options.make_config(overrides={"amp": True})
        self.assertIn("amp", str(ctx.exception))
        self.assertIn("'cpu'", str(ctx.exception))
        self.assertTrue(options.make_config(overrides={"amp": True, "device": "cuda"}).amp)   # config only
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = train.main(["--preset", "photometric", "--data", "x", "--out", "y", "--amp"])
        self.assertEqual(rc, 1)
        self.assertIn("amp: mixed precision needs a CUDA device", err.getvalue())

    def test_cli_flags(self):
        a = train.parser().parse_args(["--pretrained", "--split-dir", "s", "--amp", "--num-workers", "2"])
        self.assertEqual((a.pretrained, a.split_dir, a.amp, a.num_workers), (True, "s", True, 2))
        a = train.parser().parse_args(["--no-pretrained"])
        self.assertEqual((a.pretrained, a.amp, a.split_dir), (False, None, None))

    def test_num_workers(self):
        self.assertEqual(trainer.resolve_num_workers(-1, "cuda", 16), 4)
        self.assertEqual(trainer.resolve_num_workers(-1, "cuda:1", 2), 2)
        self.assertEqual(trainer.resolve_num_workers(-1, torch.device("cuda", 0), 16, world=8), 2)
        self.assertEqual(trainer.resolve_num_workers(-1, "cpu", 16), 0)
        self.assertEqual(trainer.resolve_num_workers(3, "cpu", 16), 3)
        self.assertEqual(options.TrainConfig().num_workers, -1)
        with self.assertRaises(ValueError):
            options.make_config(overrides={"num_workers": -2})

    def test_check_device(self):
        self.assertEqual(trainer.check_device("cpu"), torch.device("cpu"))
        if torch.cuda.is_available():
            self.assertEqual(trainer.check_device("cuda").type, "cuda")
        else:
            with self.assertRaises(ValueError) as ctx:
                trainer.check_device("cuda")
            self.assertIn("device 'cuda'", str(ctx.exception))

    def test_kitti_preset(self):
        c = options.make_config("kitti")
        full = options.make_config("full")
        want = dict(width=640, height=192, encoder="resnet18", pretrained=True, batch_size=12, epochs=20, lr=1e-4,
                    lr_step_epochs=15, lr_gamma=0.1, pseudo_source="files", pseudo_path="pseudo_depth",
                    pseudo_kind="auto", depth_scale=256.0, eval_min_depth=1e-3, eval_max_depth=80.0,
                    device="cuda", num_workers=-1)
        for k, v in want.items():
            self.assertEqual(getattr(c, k), v, k)
        method = ("ssim_alpha", "min_reprojection", "automask", "smooth_weight", "pseudo_loss", "pseudo_weight",
                  "pseudo_region", "forget_schedule", "forget_factor", "teacher", "distill_start_epoch",
                  "distill_weight", "distill_loss", "mask_filter", "filter_depth_rel", "filter_photo",
                  "filter_min_views", "forget_start", "teacher_snapshot_epoch", "teacher_bn", "distill_scale",
                  "distill_rampup_epochs", "distill_region", "teacher_agree_tol", "unreliable", "moving_keep_min",
                  "photo_reliable_only", "unreliable_rank_weight")
        for k in method:
            self.assertEqual(getattr(c, k), getattr(full, k), k)
        self.assertEqual(options.make_config("kitti", overrides={"device": "cpu"}).device, "cpu")


class MixedPrecisionPath(unittest.TestCase):
    def test_amp_branch_of_a_step(self):
        # the amp branch of train_step (autocast forward, float32 losses, scaler) with CPU bfloat16 autocast
        # standing in for CUDA float16; the GradScaler is a pass-through without CUDA
        root = tempfile.mkdtemp()
        try:
            data = synth.write_dataset(os.path.join(root, "data"), scenes=2, frames=4, width=64, height=32)
            cfg = options.make_config("full", overrides=dict(
                data=data, out=os.path.join(root, "run"), width=64, height=32, batch_size=2, val_fraction=0.5,
                save_every=0, distill_start_epoch=0, teacher_snapshot_epoch=0, pseudo_source="standin", pseudo_path=""))
            t = trainer.Trainer(cfg, log=lambda *a: None)
            t.teacher.on_epoch_start(0, t.model.depth)
            t.amp = True
            seen, real = [], trainer.compute_losses

            def spy(c, batch, outputs, poses, *a, **kw):
                seen.append({v.dtype for v in outputs.values()} | {v.dtype for v in poses.values()})
                return real(c, batch, outputs, poses, *a, **kw)
            raw, net = [], t.ddp

            def forward(*a):
                out = net(*a)
                raw.append({v.dtype for v in out[0].values()})
                return out
            with mock.patch.object(t, "autocast", lambda: torch.autocast("cpu", dtype=torch.bfloat16)), \
                    mock.patch.object(t, "ddp", forward), mock.patch.object(trainer, "compute_losses", spy):
                info = t.train_step(next(iter(t.loader(0, 0))))
            self.assertEqual(raw, [{torch.bfloat16}])             # the nets ran in reduced precision
            self.assertEqual(seen, [{torch.float32}])             # the losses got float32
            self.assertTrue(torch.isfinite(torch.tensor(info["loss"])))
            self.assertGreaterEqual(info["filter_keep"], 0.0)                  # teacher ran under autocast too
            self.assertTrue(all(p.grad is not None for p in t.model.depth.decoder.parameters()))
            self.assertIn("scaler", t.state())
        finally:
            shutil.rmtree(root)


class SyncBatchNorm(unittest.TestCase):
    def test_only_under_ddp_on_cuda(self):
        cfg = options.TrainConfig()
        self.assertTrue(trainer.wants_sync_batchnorm(cfg, 2, "cuda:0"))
        self.assertFalse(trainer.wants_sync_batchnorm(cfg, 1, "cuda"))
        self.assertFalse(trainer.wants_sync_batchnorm(cfg, 2, "cpu"))
        self.assertFalse(trainer.wants_sync_batchnorm(options.TrainConfig(sync_batchnorm=False), 2, "cuda"))

    def test_conversion_in_place_keeps_the_state(self):
        # the conversion the trainer does under DDP, checked on CPU modules (SyncBatchNorm only runs on GPUs)
        model = build_model(ModelConfig(encoder="lite", width=64, height=32), seed=0)
        before = {k: v.clone() for k, v in model.state_dict().items()}
        net = trainer.TrainModel(model.depth, model.pose)
        n = trainer.convert_sync_batchnorm(net)
        self.assertGreater(n, 0)
        kinds = [type(m) for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        self.assertEqual(len(kinds), n)
        self.assertTrue(all(k is nn.SyncBatchNorm for k in kinds))   # the container sees the conversion
        after = model.state_dict()
        self.assertEqual(list(after), list(before))
        for k, v in before.items():
            self.assertTrue(torch.equal(after[k], v), k)
        self.assertIs(net.depth, model.depth)


if __name__ == "__main__":
    unittest.main()
