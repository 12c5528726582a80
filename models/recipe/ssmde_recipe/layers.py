"""Pure geometry for self-supervised monocular depth (no learnable parameters).

Conventions (DESIGN.md §4):
- sigmoid disparity -> depth: d = 1 / (1/max + (1/min - 1/max) * disp).
- A pose vector is axis-angle (3) then translation (3). ``transformation_from_parameters``
  builds the rigid transform T = [[R, t], [0, 1]], i.e. p' = R p + t. The pose net's output
  for frames (prev, cur) is T_prev_from_cur: it maps points in the current camera frame into
  the previous camera frame. Translation is in model depth units.
- Cameras are pinhole, optical frame (x right, y down, z forward), pixel centres at integer
  coordinates; intrinsics may be given normalised by the image width (fx, cx) and height (fy, cy).

All functions take batched torch tensors and are differentiable.
"""

import torch
import torch.nn.functional as F


def disp_to_scaled_disp(disp, min_depth, max_depth):
    """Map a sigmoid output in [0, 1] to inverse depth in [1/max_depth, 1/min_depth]."""
    min_disp = 1.0 / max_depth
    max_disp = 1.0 / min_depth
    return min_disp + (max_disp - min_disp) * disp


def disp_to_depth(disp, min_depth, max_depth):
    """Depth from a sigmoid disparity: disp=0 gives max_depth, disp=1 gives min_depth.

    Works on tensors, numpy arrays and floats.
    """
    return 1.0 / disp_to_scaled_disp(disp, min_depth, max_depth)


def depth_to_disp(depth, min_depth, max_depth):
    """Inverse of ``disp_to_depth``: the sigmoid disparity that decodes to ``depth``."""
    min_disp = 1.0 / max_depth
    max_disp = 1.0 / min_depth
    return (1.0 / depth - min_disp) / (max_disp - min_disp)


def _skew(v):
    """[B,3] -> [B,3,3] cross-product matrices, so that skew(v) @ x = v x x."""
    zero = torch.zeros_like(v[:, 0])
    x, y, z = v[:, 0], v[:, 1], v[:, 2]
    return torch.stack([
        torch.stack([zero, -z, y], dim=1),
        torch.stack([z, zero, -x], dim=1),
        torch.stack([-y, x, zero], dim=1),
    ], dim=1)


def rot_from_axisangle(axisangle):
    """Rodrigues' formula: axis-angle [B,3] (direction = axis, norm = angle in radians) -> R [B,3,3].

    R = I + sin(θ)/θ · K + (1 − cos θ)/θ² · K², K = skew(axisangle). Near θ = 0 the Taylor
    series is used, so the result and its gradient stay finite at zero rotation.
    """
    if axisangle.dim() != 2 or axisangle.shape[1] != 3:
        raise ValueError(f"axisangle must be [B,3], got {tuple(axisangle.shape)}")
    theta2 = (axisangle * axisangle).sum(dim=1)
    small = theta2 < 1e-8
    theta2_safe = torch.where(small, torch.ones_like(theta2), theta2)
    theta_safe = torch.sqrt(theta2_safe)
    a = torch.where(small, 1.0 - theta2 / 6.0, torch.sin(theta_safe) / theta_safe)
    b = torch.where(small, 0.5 - theta2 / 24.0, (1.0 - torch.cos(theta_safe)) / theta2_safe)
    k = _skew(axisangle)
    eye = torch.eye(3, dtype=axisangle.dtype, device=axisangle.device).expand_as(k)
    return eye + a[:, None, None] * k + b[:, None, None] * torch.bmm(k, k)


def transformation_from_parameters(axisangle, translation, invert=False):
    """Axis-angle [B,3] and translation [B,3] -> 4x4 rigid transforms [B,4,4].

    Returns T = [[R, t], [0, 1]] (p' = R p + t), or its inverse [[Rᵀ, −Rᵀ t], [0, 1]] when
    ``invert``. For the pose net output on (prev, cur) the non-inverted T is T_prev_from_cur.
    """
    if translation.dim() != 2 or translation.shape[1] != 3:
        raise ValueError(f"translation must be [B,3], got {tuple(translation.shape)}")
    r = rot_from_axisangle(axisangle)
    t = translation
    if invert:
        r = r.transpose(1, 2)
        t = -torch.bmm(r, t.unsqueeze(2)).squeeze(2)
    m = torch.zeros(r.shape[0], 4, 4, dtype=r.dtype, device=r.device)
    m[:, :3, :3] = r
    m[:, :3, 3] = t
    m[:, 3, 3] = 1.0
    return m


def pose_vec_to_mat(pose, invert=False):
    """Pose net output [B,6] (axis-angle, translation) -> [B,4,4]."""
    return transformation_from_parameters(pose[:, :3], pose[:, 3:], invert=invert)


def intrinsics_matrix(fx, fy, cx, cy, width, height, batch=1, dtype=torch.float32):
    """4x4 pixel intrinsics K from intrinsics normalised by width (fx, cx) and height (fy, cy)."""
    k = torch.eye(4, dtype=dtype)
    k[0, 0] = fx * width
    k[1, 1] = fy * height
    k[0, 2] = cx * width
    k[1, 2] = cy * height
    return k.unsqueeze(0).repeat(batch, 1, 1)


def pixel_grid(height, width, dtype=torch.float32, device=None):
    """Homogeneous pixel coordinates [3, H*W]: rows u (column index), v (row index), 1."""
    v, u = torch.meshgrid(torch.arange(height, dtype=dtype, device=device),
                          torch.arange(width, dtype=dtype, device=device), indexing="ij")
    return torch.stack([u.reshape(-1), v.reshape(-1), torch.ones(height * width, dtype=dtype, device=device)])


def backproject(depth, inv_k):
    """Depth [B,1,H,W] and inverse intrinsics [B,4,4] (or [B,3,3]) -> homogeneous points [B,4,H*W]."""
    b, _, h, w = depth.shape
    pix = pixel_grid(h, w, dtype=depth.dtype, device=depth.device).unsqueeze(0).expand(b, 3, h * w)
    rays = torch.bmm(inv_k[:, :3, :3], pix)
    points = rays * depth.reshape(b, 1, h * w)
    ones = torch.ones(b, 1, h * w, dtype=depth.dtype, device=depth.device)
    return torch.cat([points, ones], dim=1)


def project(points, k, t=None, eps=1e-7):
    """Homogeneous points [B,4,N] -> pixel coordinates [B,2,N] and depth [B,1,N] in the camera of K.

    ``t`` [B,4,4], when given, first moves the points into that camera (e.g. T_prev_from_cur to
    project current-frame points into the previous image). Depth is clamped to ``eps`` before
    the division, so points behind the camera land far outside the image.
    """
    if t is not None:
        points = torch.bmm(t, points)
    cam = torch.bmm(k[:, :3, :3], points[:, :3, :])
    z = cam[:, 2:3, :]
    pix = cam[:, :2, :] / z.clamp(min=eps)
    return pix, z


def pixels_to_grid(pix, height, width):
    """Pixel coordinates [B,2,H*W] -> grid_sample grid [B,H,W,2] in [-1, 1] (align_corners=False)."""
    b = pix.shape[0]
    grid = pix.reshape(b, 2, height, width).permute(0, 2, 3, 1)
    scale = torch.tensor([2.0 / width, 2.0 / height], dtype=pix.dtype, device=pix.device)
    return (grid + 0.5) * scale - 1.0


def warp(image, grid, padding_mode="border"):
    """Sample ``image`` [B,C,H,W] at a grid from ``pixels_to_grid``."""
    return F.grid_sample(image, grid, mode="bilinear", padding_mode=padding_mode, align_corners=False)


# --- training geometry ------------------------------------------------------------------------

def scale_intrinsics(k, sx, sy):
    """Pixel intrinsics [..,3|4,3|4] of an image resized by (sx, sy) (e.g. new_width / old_width).

    With pixel centres at integer coordinates a resize maps u' = (u + 0.5)·sx − 0.5, so
    fx' = sx·fx and cx' = sx·(cx + 0.5) − 0.5 (likewise fy, cy with sy).
    """
    k = k.clone()
    k[..., 0, 0] = k[..., 0, 0] * sx
    k[..., 1, 1] = k[..., 1, 1] * sy
    k[..., 0, 2] = (k[..., 0, 2] + 0.5) * sx - 0.5
    k[..., 1, 2] = (k[..., 1, 2] + 0.5) * sy - 0.5
    return k


def flip_intrinsics(k, width):
    """Intrinsics of the horizontally mirrored image (u' = W − 1 − u): cx' = W − 1 − cx, fx unchanged.

    Mirroring is x → −x in the camera frame; u' = fx·(−x)/z + cx' must equal W − 1 − u.
    """
    k = k.clone()
    k[..., 0, 2] = (width - 1) - k[..., 0, 2]
    return k


def flip_pose(t):
    """A rigid transform [..,4,4] seen in the mirrored world: S T S with S = diag(−1, 1, 1, 1).

    Rotation angles about y and z change sign, translation x changes sign; the result is rigid.
    """
    s = torch.diag(torch.tensor([-1.0, 1.0, 1.0, 1.0], dtype=t.dtype, device=t.device))
    return s @ t @ s


def inverse_rigid(t):
    """Inverse of rigid transforms [B,4,4]: [[Rᵀ, −Rᵀ t], [0, 1]]."""
    r = t[:, :3, :3].transpose(1, 2)
    out = torch.zeros_like(t)
    out[:, :3, :3] = r
    out[:, :3, 3] = -torch.bmm(r, t[:, :3, 3:4]).squeeze(2)
    out[:, 3, 3] = 1.0
    return out


def compose(*ts):
    """Product of transforms [B,4,4], left to right: compose(A, B) = A @ B (apply B first)."""
    out = ts[0]
    for t in ts[1:]:
        out = torch.bmm(out, t)
    return out


def source_pose(pose_net_out, offset):
    """T_source_from_target [B,4,4] for a source at ``offset`` frames from the target.

    The pose net always sees frames in temporal order (earlier, later) and predicts
    T_earlier_from_later. For offset < 0 the pair is (source, target): the prediction is
    T_source_from_target. For offset > 0 the pair is (target, source): the prediction is
    T_target_from_source, which is inverted.
    """
    return pose_vec_to_mat(pose_net_out, invert=offset > 0)


def reproject(depth, t_src_from_tgt, k, inv_k):
    """Where the target pixels land in a source camera.

    depth [B,1,H,W] of the target, T_source_from_target [B,4,4], K and K⁻¹ [B,4,4] of the
    (shared) camera -> (grid_sample grid [B,H,W,2], pixel coords [B,2,H,W], depth in the source
    camera [B,1,H,W]).
    """
    b, _, h, w = depth.shape
    points = backproject(depth, inv_k)
    pix, z = project(points, k, t_src_from_tgt)
    grid = pixels_to_grid(pix, h, w)
    return grid, pix.reshape(b, 2, h, w), z.reshape(b, 1, h, w)


def in_image(grid):
    """[B,1,H,W] float mask: the grid point lies inside the image (grid coordinates in [−1, 1])."""
    inside = (grid.abs() <= 1.0).all(dim=3)
    return inside.unsqueeze(1).to(grid.dtype)


def warp_frame(source, depth, t_src_from_tgt, k, inv_k, padding_mode="border"):
    """Synthesise the target view from ``source`` [B,C,H,W] with the target depth and relative pose.

    Returns (warped [B,C,H,W], valid [B,1,H,W]: projected inside the source image, in front of it).
    """
    grid, _, z = reproject(depth, t_src_from_tgt, k, inv_k)
    valid = in_image(grid) * (z > 1e-3).to(depth.dtype)
    return warp(source, grid, padding_mode=padding_mode), valid
