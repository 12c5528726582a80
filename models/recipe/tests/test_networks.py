import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ssmde_recipe.build import SSMDE, build_model, count_params  # noqa: E402
from ssmde_recipe.model_config import ModelConfig  # noqa: E402
from ssmde_recipe.networks import (DepthDecoder, DepthExport, PoseNet, ResnetEncoder,  # noqa: E402
                                   build_encoder)
from ssmde_recipe.networks.depth_decoder import ReflectPad1  # noqa: E402

W, H = 128, 64


def setUpModule():
    torch.set_grad_enabled(False)


def tearDownModule():
    torch.set_grad_enabled(True)


class Encoders(unittest.TestCase):
    def check(self, enc, channels):
        enc.eval()
        feats = enc(torch.rand(2, 3 * enc.num_input_images, H, W))
        self.assertEqual(len(feats), 5)
        for i, f in enumerate(feats):
            s = 2 ** (i + 1)
            self.assertEqual(tuple(f.shape), (2, enc.num_ch_enc[i], H // s, W // s), f"scale {i}")
        self.assertEqual(enc.num_ch_enc, channels)

    def test_lite(self):
        self.check(build_encoder("lite"), [16, 24, 48, 96, 160])
        self.check(build_encoder("lite", num_input_images=2), [16, 24, 48, 96, 160])

    def test_resnet18(self):
        self.check(build_encoder("resnet18"), [64, 64, 128, 256, 512])
        enc = build_encoder("resnet18", num_input_images=2)
        self.assertEqual(enc.conv1.in_channels, 6)
        self.check(enc, [64, 64, 128, 256, 512])

    def test_resnet50_channels(self):
        self.assertEqual(ResnetEncoder(50).num_ch_enc, [64, 256, 512, 1024, 2048])

    def test_unknown(self):
        with self.assertRaises(ValueError):
            build_encoder("vgg16")


class Decoder(unittest.TestCase):
    def test_multiscale_outputs(self):
        for name, pad, act in (("lite", "zeros", "relu"), ("resnet18", "reflect", "elu")):
            enc = build_encoder(name).eval()
            dec = DepthDecoder(enc.num_ch_enc, pad=pad, act=act).eval()
            image = torch.rand(1, 3, H, W)
            out = dec(enc(image))
            self.assertEqual(sorted(out), [("disp", s) for s in range(4)])
            for s in range(4):
                d = out[("disp", s)]
                self.assertEqual(tuple(d.shape), (1, 1, H >> s, W >> s))
                self.assertTrue(((d > 0) & (d < 1)).all())
            only0 = DepthExport(enc, dec)(image)
            self.assertTrue(torch.equal(only0, out[("disp", 0)]))

    def test_reflect_pad_matches_torch(self):
        x = torch.rand(2, 3, 5, 7)
        self.assertTrue(torch.equal(ReflectPad1()(x), torch.nn.ReflectionPad2d(1)(x)))


class Pose(unittest.TestCase):
    def test_shape_and_near_identity(self):
        for name in ("lite", "resnet18"):
            net = PoseNet(build_encoder(name, num_input_images=2)).eval()
            pose = net(torch.rand(3, 6, H, W))
            self.assertEqual(tuple(pose.shape), (3, 6))
            self.assertLess(pose.abs().max().item(), 0.5)
            aa, t = PoseNet.split(pose)
            self.assertEqual(tuple(aa.shape), (3, 3))
            self.assertEqual(tuple(t.shape), (3, 3))


class SeededModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cfg = ModelConfig(encoder="lite", width=W, height=H)
        cls.model = build_model(cls.cfg, seed=0)

    def test_lite_is_small(self):
        self.assertLessEqual(count_params(self.model.depth), 1_500_000)

    def test_deterministic(self):
        again = build_model(self.cfg, seed=0)
        other = build_model(self.cfg, seed=1)
        a, b, c = self.model.state_dict(), again.state_dict(), other.state_dict()
        self.assertEqual(list(a), list(b))
        self.assertTrue(all(torch.equal(a[k], b[k]) for k in a))
        self.assertFalse(all(torch.equal(a[k], c[k]) for k in a if a[k].is_floating_point()))

    def test_eval_mode(self):
        self.assertFalse(any(m.training for m in self.model.modules()))

    def test_disparity_not_degenerate(self):
        g = torch.Generator().manual_seed(5)
        net = self.model.depth_export()
        x1 = torch.rand(1, 3, H, W, generator=g)
        x2 = torch.rand(1, 3, H, W, generator=g)
        d1, d2 = net(x1), net(x2)
        self.assertGreater(d1.std().item(), 0.05)
        q = torch.quantile(d1.flatten(), torch.tensor([0.05, 0.95]))
        self.assertLess(q[0].item(), 0.4)
        self.assertGreater(q[1].item(), 0.6)
        self.assertGreater((d1 - d2).abs().mean().item(), 0.02)
        saturated = ((d1 < 1e-3) | (d1 > 1 - 1e-3)).float().mean().item()
        self.assertLess(saturated, 0.05)

    def test_pose_varies_with_input(self):
        g = torch.Generator().manual_seed(6)
        p1 = self.model.pose(torch.rand(1, 6, H, W, generator=g))
        p2 = self.model.pose(torch.rand(1, 6, H, W, generator=g))
        self.assertFalse(torch.allclose(p1, p2))

    def test_state_dict_prefixes(self):
        prefixes = {k.split(".")[0] for k in self.model.state_dict()}
        self.assertEqual(prefixes, {"depth", "pose"})
        no_pose = SSMDE(ModelConfig(encoder="lite", width=W, height=H, pose=False))
        self.assertEqual({k.split(".")[0] for k in no_pose.state_dict()}, {"depth"})


class Config(unittest.TestCase):
    def test_sizes_must_divide_by_32(self):
        with self.assertRaises(ValueError):
            ModelConfig(width=100, height=64).resolved()
        with self.assertRaises(ValueError):
            ModelConfig(encoder="nope").resolved()

    def test_presets_and_round_trip(self):
        cfg = ModelConfig(encoder="resnet18").resolved()
        self.assertEqual(cfg.decoder_pad, "reflect")
        self.assertEqual(cfg.pose_encoder, "resnet18")
        self.assertEqual(ModelConfig.from_dict(cfg.to_dict()), cfg)
        self.assertEqual(ModelConfig(encoder="lite").resolved().decoder_act, "relu")


if __name__ == "__main__":
    unittest.main()
