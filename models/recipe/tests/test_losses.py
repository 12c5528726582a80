import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ssmde_recipe import losses  # noqa: E402

G = torch.Generator().manual_seed(0)


def rand(*shape):
    return torch.rand(*shape, generator=G, dtype=torch.float64)


class Photometric(unittest.TestCase):
    def test_ssim_identical_is_one_and_loss_zero(self):
        x = rand(2, 3, 16, 20)
        self.assertTrue(torch.allclose(losses.ssim(x, x), torch.ones_like(x), atol=1e-12))
        self.assertLess(losses.photometric_error(x, x).abs().max().item(), 1e-12)
        c = torch.full((1, 3, 8, 8), 0.3, dtype=torch.float64)  # constant image: SSIM 1 too
        self.assertTrue(torch.allclose(losses.ssim(c, c), torch.ones_like(c)))

    def test_l1_part_known_answer(self):
        a = torch.zeros(1, 3, 8, 8, dtype=torch.float64)
        b = torch.full_like(a, 0.5)
        # constant images: σ = 0, SSIM = (C1)(C2)/((0.25+C1)(C2)); pe = α(1−SSIM)/2 + (1−α)·0.5
        s = losses.SSIM_C1 / (0.25 + losses.SSIM_C1)
        want = 0.85 * (1 - s) / 2 + 0.15 * 0.5
        self.assertTrue(torch.allclose(losses.photometric_error(a, b), torch.full((1, 1, 8, 8), want,
                                                                             dtype=torch.float64)))
        self.assertTrue(torch.allclose(losses.photometric_error(a, b, alpha=0.0), torch.full((1, 1, 8, 8), 0.5,
                                                                                         dtype=torch.float64)))

    def test_min_reprojection_and_automask(self):
        r1 = torch.tensor([[[[0.1, 0.5]]]])
        r2 = torch.tensor([[[[0.3, 0.2]]]])
        i1 = torch.tensor([[[[0.4, 0.1]]]])
        i2 = torch.tensor([[[[0.6, 0.9]]]])
        err, mask = losses.min_reprojection([r1, r2], [i1, i2], identity_bias=0.0)
        self.assertTrue(torch.equal(err, torch.tensor([[[[0.1, 0.2]]]])))
        # pixel 0: 0.1 < 0.4 kept; pixel 1: 0.2 > 0.1 (an unwarped source matches better) dropped
        self.assertTrue(torch.equal(mask, torch.tensor([[[[1.0, 0.0]]]])))
        err, _ = losses.min_reprojection([r1, r2], None, min_reprojection=False)
        self.assertTrue(torch.allclose(err, torch.tensor([[[[0.2, 0.35]]]])))
        # a tie keeps the pixel (identity bias)
        _, mask = losses.min_reprojection([r1], [r1.clone()])
        self.assertTrue(torch.equal(mask, torch.ones_like(r1)))


class Smoothness(unittest.TestCase):
    def test_constant_disparity_is_zero(self):
        img = rand(2, 3, 12, 16)
        self.assertEqual(losses.smoothness(torch.full((2, 1, 12, 16), 0.3, dtype=torch.float64), img).item(), 0.0)

    def test_ramp_known_answer_and_scale_invariance(self):
        d = torch.arange(4, dtype=torch.float64).view(1, 1, 1, 4).expand(1, 1, 3, 4) + 1.0  # 1..4, mean 2.5
        img = torch.zeros(1, 3, 3, 4, dtype=torch.float64)
        want = 1.0 / 2.5  # |∂x d*| = 1/2.5 everywhere, e^0 = 1, ∂y = 0
        self.assertAlmostEqual(losses.smoothness(d, img).item(), want, places=12)
        self.assertAlmostEqual(losses.smoothness(7 * d, img).item(), want, places=12)
        edge = img.clone()
        edge[..., 2:] = 1.0  # an image edge lowers the cost at that column
        self.assertLess(losses.smoothness(d, edge).item(), want)


class ScaleShiftInvariant(unittest.TestCase):
    def test_align_recovers_scale_and_shift(self):
        p = rand(2, 1, 10, 12)
        target = 3.0 * p - 0.7
        s, t = losses.align_scale_shift(p, target, torch.ones_like(p))
        self.assertTrue(torch.allclose(s.flatten(), torch.tensor([3.0, 3.0], dtype=torch.float64)))
        self.assertTrue(torch.allclose(t.flatten(), torch.tensor([-0.7, -0.7], dtype=torch.float64)))

    def test_affine_transform_of_target_is_zero(self):
        pseudo = rand(2, 1, 10, 12) + 0.1
        pred = 0.25 * pseudo + 2.0
        m = torch.ones_like(pred)
        self.assertLess(losses.ssi_loss(pred, pseudo, m).item(), 1e-12)
        self.assertLess(losses.ssi_loss(pred, 5 * pseudo + 1, m).item(), 1e-12)

    def test_inverted_prediction_is_penalised(self):
        # A negative scale is not an allowed alignment: inverted depth must cost as much as noise.
        pseudo = rand(2, 1, 10, 12) + 0.1
        m = torch.ones_like(pseudo)
        inverted = losses.ssi_loss(-3.0 * pseudo + 10.0, pseudo, m).item()
        flat = losses.ssi_loss(torch.full_like(pseudo, 0.5), pseudo, m).item()
        self.assertGreater(inverted, flat)

    def test_constant_prediction_is_not_free_and_nan_ignored(self):
        pseudo = rand(1, 1, 10, 12) + 0.1
        m = torch.ones_like(pseudo)
        flat = losses.ssi_loss(torch.full_like(pseudo, 0.5), pseudo, m).item()
        self.assertGreater(flat, 0.1)
        pred = pseudo.clone().requires_grad_(True)
        pseudo_nan = pseudo.clone()
        pseudo_nan[..., :3, :3] = float("nan")
        loss = losses.ssi_loss(pred, pseudo_nan, m)
        loss.backward()
        self.assertLess(loss.item(), 1e-12)
        self.assertTrue(torch.isfinite(pred.grad).all())

    def test_ranking_invariant_to_affine_and_rewards_order(self):
        pseudo = rand(1, 1, 16, 16) + 0.1
        m = torch.ones_like(pseudo)
        g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
        good = losses.ranking_loss(pseudo * 100, pseudo, m, 512, 0.03, g())
        same = losses.ranking_loss(pseudo * 100, 4 * pseudo + 0.0, m, 512, 0.03, g())
        bad = losses.ranking_loss(1.0 / pseudo, pseudo, m, 512, 0.03, g())
        self.assertAlmostEqual(good.item(), same.item(), places=12)
        # correct order costs less than ln 2 (the cost of no opinion), the reversed order more
        self.assertLess(good.item(), math.log(2))
        self.assertGreater(bad.item(), math.log(2))
        self.assertGreater(bad.item() - good.item(), 0.2)
        scaled = losses.ranking_loss(pseudo * 3, pseudo, m, 512, 0.03, g())  # prediction scale is free
        self.assertAlmostEqual(good.item(), scaled.item(), places=12)
        equal = torch.full_like(pseudo, 0.5)
        self.assertEqual(losses.ranking_loss(equal, equal, m, 64, 0.03, g()).item(), 0.0)


class Forgetting(unittest.TestCase):
    def test_schedules(self):
        f = losses.forgetting_weight
        self.assertEqual(f(0.1, 3.0, "none"), 0.1)
        self.assertAlmostEqual(f(0.1, 2.0, "exponential", factor=0.5), 0.025)
        self.assertAlmostEqual(f(0.1, 2.5, "exponential", factor=0.5), 0.1 * 0.5 ** 2.5)
        self.assertAlmostEqual(f(0.1, 5.0, "linear", epochs=10), 0.05)
        self.assertEqual(f(0.1, 12.0, "linear", epochs=10), 0.0)
        self.assertAlmostEqual(f(0.1, 9.9, "step", factor=0.5, step=5), 0.05)
        self.assertAlmostEqual(f(0.1, 10.0, "step", factor=0.5, step=5), 0.025)
        with self.assertRaises(ValueError):
            f(0.1, 1.0, "cosine")


class Distillation(unittest.TestCase):
    def test_log_l1_known_answer(self):
        prior = rand(1, 1, 4, 4) + 0.5
        m = torch.ones_like(prior)
        self.assertAlmostEqual(losses.log_l1(2 * prior, prior, m).item(), math.log(2), places=12)
        self.assertEqual(losses.log_l1(prior, prior, m).item(), 0.0)
        m[..., :2, :] = 0
        pred = prior.clone()
        pred[..., :2, :] = 100.0  # masked out
        self.assertEqual(losses.log_l1(pred, prior, m).item(), 0.0)
        self.assertEqual(losses.log_l1(pred, prior, torch.zeros_like(m)).item(), 0.0)

    def test_berhu_known_answer(self):
        prior = torch.zeros(1, 1, 1, 2, dtype=torch.float64)
        pred = torch.tensor([[[[1.0, 10.0]]]], dtype=torch.float64)
        # c = 0.2·10 = 2: |1| -> 1, 10 -> (100 + 4)/4 = 26; mean 13.5
        self.assertAlmostEqual(losses.berhu(pred, prior, torch.ones_like(pred)).item(), 13.5, places=12)
        self.assertEqual(losses.distillation_loss(prior, prior, torch.ones_like(prior), "berhu").item(), 0.0)


if __name__ == "__main__":
    unittest.main()
