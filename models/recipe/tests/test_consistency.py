import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ssmde_recipe import consistency, layers  # noqa: E402

D = torch.float64


def scene(w=48, h=16, shift=1.0):
    """Fronto-parallel textured plane at 10 m; camera moves `shift` m right between views."""
    k = layers.intrinsics_matrix(0.58, 1.92, 0.5, 0.5, w, h, dtype=D)
    inv_k = torch.linalg.inv(k)
    fx = 0.58 * w
    u = torch.arange(w, dtype=D)
    tex = lambda x: 0.5 + 0.3 * torch.sin(0.5 * x) + 0.1 * torch.cos(0.17 * x)  # noqa: E731
    img_t = tex(u).view(1, 1, 1, w).expand(1, 3, h, w).contiguous()
    img_s = tex(u + fx * shift / 10).view(1, 1, 1, w).expand(1, 3, h, w).contiguous()
    t = layers.pose_vec_to_mat(torch.tensor([[0, 0, 0, -shift, 0, 0]], dtype=D))  # T_s←t
    depth = torch.full((1, 1, h, w), 10.0, dtype=D)
    return k, inv_k, img_t, img_s, t, depth


class MaskFilter(unittest.TestCase):
    def test_keeps_consistent_depth(self):
        k, inv_k, img_t, img_s, t, depth = scene()
        m = consistency.multiview_mask(depth, [depth.clone()], img_t, [img_s], [t], k, inv_k, 0.15, 0.2)
        _, visible = consistency.view_consistency(depth, depth, img_t, img_s, t, k, inv_k)
        self.assertGreater(visible.sum().item(), 0.8 * visible.numel())
        self.assertTrue(torch.equal(m, visible))  # every visible pixel kept, the rest has no vote

    def test_drops_inconsistent_depth(self):
        k, inv_k, img_t, img_s, t, depth = scene()
        noisy = depth.clone()
        noisy[..., 4:12, 10:20] = 25.0      # a teacher artefact seen in one view only
        m = consistency.multiview_mask(noisy, [depth], img_t, [img_s], [t], k, inv_k, 0.15, 0.2)
        self.assertEqual(m[..., 4:12, 11:19].sum().item(), 0.0)
        self.assertEqual(m[..., :, 25:40].min().item(), 1.0)

    def test_photometric_check_alone(self):
        k, inv_k, img_t, img_s, t, depth = scene()
        wrong = img_s.clone()
        wrong[..., :, 20:30] = 1.0 - wrong[..., :, 20:30]  # e.g. an object that moved in the source
        m = consistency.multiview_mask(depth, [depth], img_t, [wrong], [t], k, inv_k, 0.15, 0.05)
        ok = consistency.multiview_mask(depth, [depth], img_t, [img_s], [t], k, inv_k, 0.15, 0.05)
        self.assertLess(m.sum().item(), ok.sum().item())

    def test_combine_views(self):
        one, zero = torch.ones(1, 1, 1, 3), torch.zeros(1, 1, 1, 3)
        a1 = torch.tensor([[[[1.0, 0.0, 0.0]]]])
        v1 = torch.tensor([[[[1.0, 1.0, 0.0]]]])
        # pixel 0 agrees; pixel 1 disagrees in view 1; pixel 2 agrees in view 2 only (not visible in 1)
        m = consistency.combine_views([a1, one], [v1, one], min_views=1)
        self.assertTrue(torch.equal(m, torch.tensor([[[[1.0, 0.0, 1.0]]]])))
        m = consistency.combine_views([a1, one], [v1, one], min_views=2)
        self.assertTrue(torch.equal(m, torch.tensor([[[[1.0, 0.0, 0.0]]]])))
        self.assertTrue(torch.equal(consistency.combine_views([zero], [zero]), zero))


if __name__ == "__main__":
    unittest.main()
