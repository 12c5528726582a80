"""The redesign's switches on known answers: the unreliable set, the teacher/pseudo agreement, the
cross ranking, the bounded distillation, the ramp, the teacher's BatchNorm mode, the forgetting start."""

import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ssmde_recipe import losses, options, reliability  # noqa: E402
from ssmde_recipe.teacher import Teacher  # noqa: E402

G = torch.Generator().manual_seed(0)


def ones(b=2, h=4, w=6):
    return torch.ones(b, 1, h, w, dtype=torch.float64)


class UnreliableSet(unittest.TestCase):
    def test_moving_frames_from_the_automask_fraction(self):
        mu = ones()
        mu[1] = 0
        mu[1, 0, 0, :] = 1   # image 1: the auto-mask keeps 1 row of 4 -> a still camera
        self.assertEqual(reliability.moving_frames(mu, 0.5).flatten().tolist(), [1.0, 0.0])

    def test_known_answer(self):
        mu = ones()
        mu[0, 0, 1, 2] = 0          # a follower in a moving image
        keep = ones()
        keep[0, 0, 3, 5] = 0        # a pixel the multi-view filter rejects
        mu[1] = 0                   # image 1 is still: nothing is unreliable there
        u = reliability.unreliable_mask(mu, keep, 0.5)
        expect = torch.zeros_like(u)
        expect[0, 0, 1, 2] = 1
        expect[0, 0, 3, 5] = 1
        self.assertTrue(torch.equal(u, expect))
        u_auto = reliability.unreliable_mask(mu, None, 0.5)
        self.assertEqual(float(u_auto.sum()), 1.0)


class Agreement(unittest.TestCase):
    def test_affine_teacher_agrees_everywhere_and_a_wrong_patch_does_not(self):
        depth = 2.0 + 8.0 * torch.rand(2, 1, 8, 10, generator=G, dtype=torch.float64)
        pseudo = 3.0 / depth + 0.5          # an affine map of the disparity
        self.assertEqual(float(reliability.agreement_mask(depth, pseudo, "disparity", 0.05).mean()), 1.0)
        wrong = depth.clone()
        wrong[:, :, :2, :2] *= 3.0          # the teacher puts this patch 3x too far
        m = reliability.agreement_mask(wrong, pseudo, "disparity", 0.3)
        self.assertEqual(float(m[:, :, :2, :2].sum()), 0.0)
        self.assertGreater(float(m.mean()), 0.85)

    def test_depth_space(self):
        depth = 1.0 + torch.rand(1, 1, 6, 6, generator=G, dtype=torch.float64)
        self.assertEqual(float(reliability.agreement_mask(depth, 0.5 * depth - 0.2, "depth", 0.02).mean()), 1.0)
        # the same map read as disparity is not affine in the teacher's disparity: most pixels disagree
        self.assertLess(float(reliability.agreement_mask(depth, 0.5 * depth - 0.2, "disparity", 0.02).mean()), 0.5)


class CrossRanking(unittest.TestCase):
    def test_pairs_only_across_the_sets_hinge_known_answer(self):
        pseudo = torch.ones(1, 1, 4, 4, dtype=torch.float64)
        a = torch.zeros_like(pseudo)
        a[..., :2, :] = 1                   # A: top half, pseudo says nearer (larger disparity)
        b = 1 - a
        pseudo = torch.where(a > 0, torch.full_like(pseudo, 2.0), pseudo)
        g = torch.Generator().manual_seed(1)

        def pred(top, bottom):
            return torch.where(a > 0, torch.full_like(pseudo, top), torch.full_like(pseudo, bottom))
        # ordered by more than the margin: nothing, and no gradient to push further
        p = pred(4.0, 1.0).requires_grad_(True)
        loss = reliability.cross_ranking_loss(p, pseudo, a, b, 64, 0.03, g)
        loss.backward()
        self.assertEqual(float(loss), 0.0)
        self.assertEqual(float(p.grad.abs().sum()), 0.0)
        # reversed: margin + |x| exactly
        self.assertAlmostEqual(float(reliability.cross_ranking_loss(pred(1.0, 4.0), pseudo, a, b, 64, 0.03, g)),
                               0.03 + math.log(4.0), places=12)
        # ordered, but by less than the margin
        self.assertAlmostEqual(float(reliability.cross_ranking_loss(pred(1.01, 1.0), pseudo, a, b, 64, 0.03, g)),
                               0.03 - math.log(1.01), places=12)
        # within-set differences never count: A holds depths the pseudo map calls equal among themselves
        mixed = pred(4.0, 1.0)
        mixed[..., 0, :] = 100.0
        self.assertEqual(float(reliability.cross_ranking_loss(mixed, pseudo, a, b, 4096, 0.03, g)), 0.0)

    def test_empty_set_adds_nothing(self):
        x = torch.rand(2, 1, 3, 3, generator=G, dtype=torch.float64) + 0.1
        z = torch.zeros_like(x)
        self.assertEqual(float(reliability.cross_ranking_loss(x, x, z, 1 - z, 8)), 0.0)


class BoundedDistillation(unittest.TestCase):
    def test_value_and_gradient(self):
        prior = torch.full((1, 1, 1, 3), 2.0, dtype=torch.float64)
        r = torch.tensor([0.0, 0.1, 1.0], dtype=torch.float64)
        pred = (prior * torch.exp(r).view(1, 1, 1, 3)).requires_grad_(True)
        m = torch.ones_like(prior)
        loss = losses.distillation_loss(pred, prior, m, "cauchy", 0.1)
        expect = sum(0.5 * 0.01 * math.log1p((x / 0.1) ** 2) for x in r.tolist()) / 3
        self.assertAlmostEqual(float(loss), expect, places=12)
        loss.backward()
        g_r = (pred.grad * pred.detach() * 3).flatten().tolist()   # dL/dr per pixel (chain rule: dD/dr = D)
        self.assertAlmostEqual(g_r[0], 0.0, places=12)              # vanishes at agreement
        self.assertAlmostEqual(g_r[1], 0.05, places=12)             # c/2 at |r| = c, the largest
        self.assertAlmostEqual(g_r[2], 1.0 / (1 + 100.0), places=12)  # fades for gross disagreements
        for x in torch.linspace(-3, 3, 61).tolist():
            self.assertLessEqual(abs(x / (1 + (x / 0.1) ** 2)), 0.05 + 1e-12)

    def test_ramp(self):
        self.assertEqual([reliability.ramp(e, 5, 2) for e in (4.9, 5.0, 6.0, 7.0, 9.0)], [0.0, 0.0, 0.5, 1.0, 1.0])
        self.assertEqual(reliability.ramp(5.0, 5, 0), 1.0)

    def test_teacher_region(self):
        keep, u, agree = ones(), ones() * 0, ones()
        u[0, 0, 0, 0] = 1
        agree[0, 0, 0, 0] = 0
        self.assertEqual(float(reliability.teacher_region("unreliable", keep, u).sum()), 1.0)
        self.assertEqual(float(reliability.teacher_region("unreliable", keep, u, agree).sum()), 0.0)
        self.assertEqual(float(reliability.teacher_region("all", keep, u, agree).sum()), keep.numel() - 1)
        with self.assertRaises(ValueError):
            reliability.teacher_region("unreliable", keep, None)


class TeacherBatchNorm(unittest.TestCase):
    def test_batch_mode_matches_the_student_in_train_mode(self):
        torch.manual_seed(0)
        from ssmde_recipe.build import build_model
        from ssmde_recipe.model_config import ModelConfig
        model = build_model(ModelConfig(encoder="lite", width=64, height=32).resolved(), seed=0)
        student = model.depth
        x = torch.rand(4, 3, 32, 64, generator=G)
        student.train()
        for _ in range(3):   # running statistics that differ from this batch's
            student(torch.rand(4, 3, 32, 64, generator=G) * 0.2, scales=(0,))
        with torch.no_grad():
            s_out = student(x, scales=(0,))[("disp", 0)]
        for bn, expect_equal in (("batch", True), ("eval", False)):
            t = Teacher("ema", student, 0.99, 0, 0, bn)
            stats = lambda: [b.clone() for n, b in t.net.named_buffers() if n.endswith(("running_mean", "running_var"))]
            before = stats()
            out = t(x)
            self.assertEqual(torch.allclose(out, s_out, atol=1e-6), expect_equal, bn)
            self.assertGreater(len(before), 0)
            for b0, b1 in zip(before, stats()):   # the teacher's running statistics are not touched
                self.assertTrue(torch.equal(b0, b1))


class Options(unittest.TestCase):
    def test_switches_validate(self):
        ok = options.TrainConfig(pseudo_source="standin", pseudo_weight=0.1, teacher="ema", mask_filter=True,
                                 unreliable="multiview", photo_reliable_only=True, distill_region="unreliable",
                                 teacher_agree_tol=0.3, unreliable_rank_weight=0.05, distill_loss="cauchy",
                                 forget_start="teacher", teacher_bn="batch")
        ok.validate()
        for bad in (dict(unreliable="multiview"), dict(distill_region="unreliable"),
                    dict(photo_reliable_only=True), dict(teacher_agree_tol=0.3), dict(forget_start="teacher"),
                    dict(distill_loss="l2"), dict(teacher_bn="train"), dict(distill_scale=0.0)):
            with self.assertRaises(ValueError, msg=str(bad)):
                options.TrainConfig(**bad).validate()


if __name__ == "__main__":
    unittest.main()
