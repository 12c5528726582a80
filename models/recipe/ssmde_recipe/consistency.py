"""The multi-view mask filter: keep the teacher's depth prior only where adjacent views agree.

For the target t and each source s (t−1, t+1), with the teacher depths D_t, D_s, the relative pose
T_s←t (the student's pose net, detached) and the camera K:

    p_s, z_s = π(K · T_s←t · D_t(p) K⁻¹ p̃)           where the target pixel lands in s, at depth z_s
    depth check   |z_s − D_s(p_s)| / D_s(p_s) < τ_d  (``filter_depth_rel``)
    photo check   pe(I_s(p_s), I_t(p)) < τ_p         (``filter_photo``; pe of losses.photometric_error)
    visible       p_s inside the image and z_s > 0

A view *agrees* when visible and both checks pass, *disagrees* when visible and a check fails.
The prior is kept where no view disagrees and at least ``filter_min_views`` views agree.
Noise in the teacher (depth that no neighbour confirms) and moving objects (which break the
rigid reprojection, so the depth or the colour does not match) are removed; D_s(p_s) is sampled
bilinearly.
"""

import torch

from . import layers
from .losses import photometric_error


def view_consistency(depth_t, depth_s, image_t, image_s, t_s_from_t, k, inv_k,
                     depth_rel=0.15, photo=0.2, alpha=0.85):
    """One source view -> (agree [B,1,H,W], visible [B,1,H,W]) float masks."""
    grid, _, z = layers.reproject(depth_t, t_s_from_t, k, inv_k)
    visible = layers.in_image(grid) * (z > 1e-3).to(depth_t.dtype)
    sampled = layers.warp(depth_s, grid)
    rel = (z - sampled).abs() / sampled.clamp_min(1e-6)
    ok = rel < depth_rel
    if photo is not None and photo > 0:
        warped = layers.warp(image_s, grid)
        ok = ok & (photometric_error(warped, image_t, alpha) < photo)
    return ok.to(depth_t.dtype) * visible, visible


def combine_views(agree, visible, min_views=1):
    """Keep where every visible view agrees and at least ``min_views`` views agree."""
    agree = torch.stack(agree, 0)
    visible = torch.stack(visible, 0)
    disagree = (visible - agree).clamp_min(0).sum(0)
    return ((disagree == 0) & (agree.sum(0) >= min_views)).to(agree.dtype)


@torch.no_grad()
def multiview_mask(depth_t, depths_s, image_t, images_s, poses_s_from_t, k, inv_k,
                   depth_rel=0.15, photo=0.2, min_views=1, alpha=0.85):
    """The filter over all source views; lists are per source, in the same order."""
    agree, visible = [], []
    for d_s, i_s, t in zip(depths_s, images_s, poses_s_from_t):
        a, v = view_consistency(depth_t, d_s, image_t, i_s, t, k, inv_k, depth_rel, photo, alpha)
        agree.append(a)
        visible.append(v)
    return combine_views(agree, visible, min_views)
