import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ssmde_recipe import layers  # noqa: E402


class DispToDepth(unittest.TestCase):
    def test_known_answers(self):
        self.assertAlmostEqual(layers.disp_to_depth(0.0, 0.1, 100.0), 100.0, places=9)
        self.assertAlmostEqual(layers.disp_to_depth(1.0, 0.1, 100.0), 0.1, places=12)
        # 1/(0.01 + 9.99*0.5) = 1/5.005
        self.assertAlmostEqual(layers.disp_to_depth(0.5, 0.1, 100.0), 1.0 / 5.005, places=12)

    def test_tensor_and_round_trip(self):
        disp = torch.linspace(0, 1, 11, dtype=torch.float64)
        depth = layers.disp_to_depth(disp, 0.1, 100.0)
        self.assertTrue(torch.all(depth[1:] < depth[:-1]))
        self.assertTrue(torch.allclose(layers.depth_to_disp(depth, 0.1, 100.0), disp, atol=1e-12))
        self.assertTrue(torch.allclose(layers.disp_to_scaled_disp(disp, 0.1, 100.0), 1.0 / depth))


def rot(v):
    return layers.rot_from_axisangle(torch.tensor([v], dtype=torch.float64))[0]


class Rotation(unittest.TestCase):
    def test_90_degrees_about_z(self):
        r = rot([0.0, 0.0, math.pi / 2])
        want = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
        self.assertTrue(torch.allclose(r, want, atol=1e-12))
        self.assertTrue(torch.allclose(r @ torch.tensor([1.0, 0, 0], dtype=torch.float64),
                                       torch.tensor([0.0, 1.0, 0], dtype=torch.float64), atol=1e-12))

    def test_180_degrees_about_x(self):
        want = torch.diag(torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64))
        self.assertTrue(torch.allclose(rot([math.pi, 0.0, 0.0]), want, atol=1e-12))

    def test_zero_and_tiny_angles(self):
        self.assertTrue(torch.equal(rot([0.0, 0.0, 0.0]), torch.eye(3, dtype=torch.float64)))
        v = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
        layers.rot_from_axisangle(v).sum().backward()
        self.assertTrue(torch.isfinite(v.grad).all())
        # tiny angle: first order R ≈ I + K
        r = rot([1e-6, -2e-6, 3e-6])
        self.assertAlmostEqual(r[1, 0].item(), 3e-6, places=11)
        self.assertAlmostEqual(r[0, 2].item(), -2e-6, places=11)

    def test_random_rotations_are_orthonormal(self):
        v = torch.randn(16, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        r = layers.rot_from_axisangle(v)
        eye = torch.eye(3, dtype=torch.float64).expand(16, 3, 3)
        self.assertTrue(torch.allclose(r @ r.transpose(1, 2), eye, atol=1e-12))
        self.assertTrue(torch.allclose(torch.det(r), torch.ones(16, dtype=torch.float64)))
        # the axis is fixed by the rotation
        self.assertTrue(torch.allclose((r @ v.unsqueeze(2)).squeeze(2), v, atol=1e-12))


class Transformation(unittest.TestCase):
    def test_matrix_is_R_then_t(self):
        aa = torch.tensor([[0.0, 0.0, math.pi / 2]], dtype=torch.float64)
        t = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
        m = layers.transformation_from_parameters(aa, t)[0]
        p = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64)
        self.assertTrue(torch.allclose(m @ p, torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=torch.float64)))
        self.assertTrue(torch.equal(m[3], torch.tensor([0.0, 0.0, 0.0, 1.0], dtype=torch.float64)))

    def test_invert(self):
        g = torch.Generator().manual_seed(1)
        aa = torch.randn(4, 3, dtype=torch.float64, generator=g)
        t = torch.randn(4, 3, dtype=torch.float64, generator=g)
        m = layers.transformation_from_parameters(aa, t)
        mi = layers.transformation_from_parameters(aa, t, invert=True)
        eye = torch.eye(4, dtype=torch.float64).expand(4, 4, 4)
        self.assertTrue(torch.allclose(m @ mi, eye, atol=1e-12))
        self.assertTrue(torch.allclose(layers.pose_vec_to_mat(torch.cat([aa, t], 1)), m))


class Projection(unittest.TestCase):
    def setUp(self):
        self.h, self.w = 6, 8
        self.k = layers.intrinsics_matrix(0.58, 1.92, 0.5, 0.5, self.w, self.h, dtype=torch.float64)

    def test_intrinsics(self):
        k = self.k[0]
        self.assertAlmostEqual(k[0, 0].item(), 0.58 * 8)
        self.assertAlmostEqual(k[1, 1].item(), 1.92 * 6)
        self.assertAlmostEqual(k[0, 2].item(), 4.0)
        self.assertAlmostEqual(k[1, 2].item(), 3.0)

    def test_backproject_project_round_trip(self):
        depth = torch.rand(1, 1, self.h, self.w, dtype=torch.float64) * 10 + 1
        points = layers.backproject(depth, torch.inverse(self.k))
        self.assertTrue(torch.allclose(points[:, 2], depth.reshape(1, -1)))
        pix, z = layers.project(points, self.k)
        grid = layers.pixel_grid(self.h, self.w, dtype=torch.float64)[:2].unsqueeze(0)
        self.assertTrue(torch.allclose(pix, grid, atol=1e-9))
        self.assertTrue(torch.allclose(z, depth.reshape(1, 1, -1)))

    def test_principal_point_ray_and_translation(self):
        # pixel (cx, cy) = (4, 3) at depth 2 is the point (0, 0, 2)
        depth = torch.full((1, 1, self.h, self.w), 2.0, dtype=torch.float64)
        points = layers.backproject(depth, torch.inverse(self.k))
        idx = 3 * self.w + 4
        self.assertTrue(torch.allclose(points[0, :, idx], torch.tensor([0.0, 0.0, 2.0, 1.0], dtype=torch.float64)))
        # moving the camera frame by t = (0, 0, 2) doubles depth and halves the offset from the centre
        t = layers.transformation_from_parameters(torch.zeros(1, 3, dtype=torch.float64),
                                                  torch.tensor([[0.0, 0.0, 2.0]], dtype=torch.float64))
        pix, z = layers.project(points, self.k, t)
        self.assertTrue(torch.allclose(z, torch.full_like(z, 4.0)))
        self.assertAlmostEqual(pix[0, 0, 0].item(), 4.0 + (0 - 4.0) / 2, places=9)

    def test_identity_warp(self):
        img = torch.rand(2, 3, self.h, self.w, dtype=torch.float64)
        pix = layers.pixel_grid(self.h, self.w, dtype=torch.float64)[:2].unsqueeze(0).repeat(2, 1, 1)
        out = layers.warp(img, layers.pixels_to_grid(pix, self.h, self.w))
        self.assertTrue(torch.allclose(out, img, atol=1e-9))


if __name__ == "__main__":
    unittest.main()
