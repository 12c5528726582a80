import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ssmde_recipe import layers  # noqa: E402

D = torch.float64


def cam(w=16, h=8, b=1):
    k = layers.intrinsics_matrix(0.58, 1.92, 0.5, 0.5, w, h, batch=b, dtype=D)
    return k, torch.linalg.inv(k)


def pose(rx, ry, rz, tx, ty, tz):
    v = torch.tensor([[rx, ry, rz, tx, ty, tz]], dtype=D)
    return layers.pose_vec_to_mat(v)


class Backproject(unittest.TestCase):
    def test_known_point(self):
        k, inv_k = cam(16, 8)
        depth = torch.full((1, 1, 8, 16), 5.0, dtype=D)
        pts = layers.backproject(depth, inv_k)  # [1,4,128]
        # pixel (u=12, v=2): x = (12 − 8)·5/9.28, y = (2 − 4)·5/15.36, z = 5
        p = pts[0, :, 2 * 16 + 12]
        self.assertTrue(torch.allclose(p, torch.tensor([4 * 5 / 9.28, -2 * 5 / 15.36, 5.0, 1.0], dtype=D)))
        pix, z = layers.project(pts, k)
        self.assertTrue(torch.allclose(pix[0, :, 2 * 16 + 12], torch.tensor([12.0, 2.0], dtype=D)))

    def test_translation_shifts_pixels(self):
        k, inv_k = cam(16, 8)
        depth = torch.full((1, 1, 8, 16), 4.0, dtype=D)
        _, pix, z = layers.reproject(depth, pose(0, 0, 0, 0.5, 0, 0), k, inv_k)
        # x' = x + 0.5 -> u' = u + fx·0.5/4
        self.assertTrue(torch.allclose(pix[0, 0] - torch.arange(16, dtype=D), torch.full((8, 16), 9.28 * 0.5 / 4, dtype=D)))
        self.assertTrue(torch.allclose(z, depth))


class Warp(unittest.TestCase):
    def test_identity_pose_reproduces_image(self):
        k, inv_k = cam(20, 12)
        img = torch.rand(2, 3, 12, 20, dtype=D, generator=torch.Generator().manual_seed(1))
        depth = torch.rand(2, 1, 12, 20, dtype=D, generator=torch.Generator().manual_seed(2)) * 10 + 1
        eye = torch.eye(4, dtype=D).expand(2, 4, 4)
        warped, valid = layers.warp_frame(img, depth, eye, k.expand(2, 4, 4), inv_k.expand(2, 4, 4))
        self.assertTrue(torch.allclose(warped, img, atol=1e-10))
        self.assertTrue(torch.equal(valid, torch.ones_like(depth)))

    def test_warp_with_true_pose_matches_rendered_view(self):
        # a fronto-parallel textured plane at z = 10 seen after moving 1 m right: u shifts by −fx/10
        w, h = 32, 8
        k, inv_k = cam(w, h)
        fx = 0.58 * w
        u = torch.arange(w, dtype=D)
        tex = lambda x: torch.sin(0.3 * x) + 0.3 * torch.cos(0.11 * x)  # noqa: E731
        target = tex(u).view(1, 1, 1, w).expand(1, 3, h, w)
        source = tex(u + fx / 10).view(1, 1, 1, w).expand(1, 3, h, w)  # x_src = x_tgt − 1
        depth = torch.full((1, 1, h, w), 10.0, dtype=D)
        t_src_from_tgt = pose(0, 0, 0, -1.0, 0, 0)
        warped, valid = layers.warp_frame(source, depth, t_src_from_tgt, k, inv_k)
        inside = valid.expand_as(warped) > 0
        # bilinear interpolation of a smooth texture: small error
        self.assertLess((warped - target)[inside].abs().max().item(), 0.02)
        self.assertEqual(valid[0, 0, :, :2].sum().item(), 0.0)  # u − 1.86 < −0.5: off the left edge
        self.assertEqual(valid[0, 0, :, 2:].min().item(), 1.0)


class Poses(unittest.TestCase):
    def test_composition_and_inverse(self):
        a = pose(0.1, -0.2, 0.05, 1.0, 2.0, -0.5)
        b = pose(-0.3, 0.1, 0.2, -0.4, 0.3, 2.0)
        eye = torch.eye(4, dtype=D).unsqueeze(0)
        self.assertTrue(torch.allclose(layers.compose(a, layers.inverse_rigid(a)), eye, atol=1e-12))
        self.assertTrue(torch.allclose(layers.inverse_rigid(layers.compose(a, b)),
                                       layers.compose(layers.inverse_rigid(b), layers.inverse_rigid(a)), atol=1e-12))
        v = torch.tensor([[0.1, -0.2, 0.05, 1.0, 2.0, -0.5]], dtype=D)
        self.assertTrue(torch.allclose(layers.pose_vec_to_mat(v, invert=True), layers.inverse_rigid(a)))
        # two rotations about one axis add up
        r = layers.compose(pose(0, 0, 0.3, 0, 0, 0), pose(0, 0, 0.4, 0, 0, 0))
        self.assertTrue(torch.allclose(r, pose(0, 0, 0.7, 0, 0, 0), atol=1e-12))

    def test_source_pose_conventions(self):
        v = torch.tensor([[0.01, 0.02, -0.03, 0.1, 0.0, 1.0]], dtype=D)
        self.assertTrue(torch.equal(layers.source_pose(v, -1), layers.pose_vec_to_mat(v)))
        self.assertTrue(torch.allclose(layers.source_pose(v, 1), layers.inverse_rigid(layers.pose_vec_to_mat(v))))


class Intrinsics(unittest.TestCase):
    def test_scale_matches_resized_projection(self):
        k = torch.tensor([[100.0, 0, 31.5, 0], [0, 80.0, 15.5, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=D)
        k2 = layers.scale_intrinsics(k, 0.5, 0.25)
        # pixel centres: u' = (u + 0.5)·s − 0.5 for any point
        p = torch.tensor([[0.3], [-0.2], [2.0], [1.0]], dtype=D).unsqueeze(0)
        uv, _ = layers.project(p, k.unsqueeze(0))
        uv2, _ = layers.project(p, k2.unsqueeze(0))
        want = torch.stack([(uv[0, 0] + 0.5) * 0.5 - 0.5, (uv[0, 1] + 0.5) * 0.25 - 0.5])
        self.assertTrue(torch.allclose(uv2[0], want))

    def test_flip_mirrors_projection_and_pose(self):
        w = 40
        k = layers.intrinsics_matrix(0.58, 1.92, 0.5, 0.5, w, 16, dtype=D)
        kf = layers.flip_intrinsics(k, w)
        p = torch.tensor([[[1.2], [0.4], [5.0], [1.0]]], dtype=D)
        pm = p.clone()
        pm[:, 0] *= -1
        uv, _ = layers.project(p, k)
        uvm, _ = layers.project(pm, kf)
        self.assertAlmostEqual(uvm[0, 0, 0].item(), w - 1 - uv[0, 0, 0].item(), places=10)
        self.assertAlmostEqual(uvm[0, 1, 0].item(), uv[0, 1, 0].item(), places=10)
        t = pose(0.1, 0.2, 0.3, 0.5, -0.1, 1.0)
        tf = layers.flip_pose(t)
        s = torch.diag(torch.tensor([-1.0, 1, 1, 1], dtype=D))
        self.assertTrue(torch.allclose(tf @ (s @ p[0]), s @ (t[0] @ p[0])))  # mirrored world moves alike
        self.assertAlmostEqual(torch.det(tf[0, :3, :3]).item(), 1.0, places=12)
        self.assertTrue(math.isclose(tf[0, 0, 3].item(), -0.5))


if __name__ == "__main__":
    unittest.main()
