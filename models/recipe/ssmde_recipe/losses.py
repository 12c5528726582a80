"""The loss terms of SS-MDE as pure functions on tensors (no parameters, no state).

Shapes: images [B,3,H,W] in [0, 1]; maps [B,1,H,W]; masks are float {0, 1} maps [B,1,H,W].
Every reduction over a mask is Σ m·x / max(Σ m, 1), so an empty mask gives 0, not NaN.
Config keys (options.TrainConfig) are named next to each formula.
"""

import math

import torch
import torch.nn.functional as F

# SSIM constants for signals in [0, 1] (Wang et al. 2004, K1 = 0.01, K2 = 0.03, L = 1).
SSIM_C1 = 0.01 ** 2
SSIM_C2 = 0.03 ** 2


def masked_mean(x, mask):
    """Σ m·x / max(Σ m, 1) over all elements (x broadcast against mask)."""
    m = mask.expand_as(x) if mask.shape != x.shape else mask
    return (x * m).sum() / m.sum().clamp_min(1.0)


def ssim(x, y):
    """Per-pixel SSIM over 3x3 windows with reflection padding (Monodepth2's form), [B,C,H,W].

    SSIM = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)); identical images give 1.
    """
    x = F.pad(x, (1, 1, 1, 1), mode="reflect")
    y = F.pad(y, (1, 1, 1, 1), mode="reflect")
    mu_x = F.avg_pool2d(x, 3, 1)
    mu_y = F.avg_pool2d(y, 3, 1)
    sigma_x = F.avg_pool2d(x * x, 3, 1) - mu_x ** 2
    sigma_y = F.avg_pool2d(y * y, 3, 1) - mu_y ** 2
    sigma_xy = F.avg_pool2d(x * y, 3, 1) - mu_x * mu_y
    n = (2 * mu_x * mu_y + SSIM_C1) * (2 * sigma_xy + SSIM_C2)
    d = (mu_x ** 2 + mu_y ** 2 + SSIM_C1) * (sigma_x + sigma_y + SSIM_C2)
    return n / d


def photometric_error(pred, target, alpha=0.85):
    """pe = α·clamp((1 − SSIM)/2, 0, 1) + (1 − α)·|pred − target|, channel mean -> [B,1,H,W].

    Config: ``ssim_alpha`` (α = 0.85 as in Monodepth2).
    """
    l1 = (pred - target).abs().mean(1, keepdim=True)
    if alpha == 0:
        return l1
    dssim = ((1.0 - ssim(pred, target)) / 2.0).clamp(0.0, 1.0).mean(1, keepdim=True)
    return alpha * dssim + (1.0 - alpha) * l1


def min_reprojection(reproj_errors, identity_errors=None, min_reprojection=True, identity_bias=1e-5):
    """Combine per-source photometric errors into one map and the auto-mask.

    reproj_errors: list of [B,1,H,W], pe(I_s→t, I_t) per source s.
    identity_errors: list of [B,1,H,W], pe(I_s, I_t) (no warp), or None for no auto-masking.
    Returns (error [B,1,H,W], automask [B,1,H,W]).

    - ``min_reprojection``: error = min_s pe(I_s→t, I_t) (occlusions: some source sees the pixel);
      else the mean over sources.
    - auto-mask (``automask``): keep a pixel only where the best warp beats every unwarped source,
      μ = [min_s pe(I_s→t, I_t) < min_s pe(I_s, I_t) + ε] (Godard et al. 2019). Pixels that look the
      same in every frame — static camera, textureless areas, objects moving with the camera —
      are dropped. ``identity_bias`` ε replaces Monodepth2's random tie-breaking noise with a fixed
      bias: an exact tie keeps the pixel.
    """
    stacked = torch.cat(reproj_errors, dim=1)
    error = stacked.min(dim=1, keepdim=True)[0] if min_reprojection else stacked.mean(dim=1, keepdim=True)
    if identity_errors is None:
        return error, torch.ones_like(error)
    best_identity = torch.cat(identity_errors, dim=1).min(dim=1, keepdim=True)[0] + identity_bias
    best_reproj = stacked.min(dim=1, keepdim=True)[0]
    automask = (best_reproj < best_identity).to(error.dtype)
    return error, automask


def smoothness(disp, image):
    """Edge-aware smoothness of the mean-normalised disparity (config ``smooth_weight``).

    d* = d / mean(d) per image; L = mean|∂x d*|·exp(−mean_c|∂x I|) + mean|∂y d*|·exp(−mean_c|∂y I|).
    A constant disparity gives 0; the normalisation stops the term from shrinking the disparity.
    """
    d = disp / disp.mean(dim=(2, 3), keepdim=True).clamp_min(1e-7)
    dx = (d[:, :, :, :-1] - d[:, :, :, 1:]).abs()
    dy = (d[:, :, :-1, :] - d[:, :, 1:, :]).abs()
    ix = (image[:, :, :, :-1] - image[:, :, :, 1:]).abs().mean(1, keepdim=True)
    iy = (image[:, :, :-1, :] - image[:, :, 1:, :]).abs().mean(1, keepdim=True)
    return (dx * torch.exp(-ix)).mean() + (dy * torch.exp(-iy)).mean()


# --- pseudo-depth supervision -----------------------------------------------------------------

# Where each pseudo_kind (options.PSEUDO_KINDS) is compared with the prediction. A scale-and-shift
# invariant loss is only invariant to the affine ambiguity of the space it is computed in: s·D + t of
# depth is not an affine function of 1/D, and s/D + t is not one of D.
#   disparity, affine_disparity (MiDaS, Depth Anything relative): 1/D ≈ s·p + t -> disparity space
#   depth (metric, or up to scale): the source inverts it, 1/(s·D) = (1/s)·(1/D) -> disparity space
#   affine_depth (LeReS): D ≈ s·p + t -> depth space
PSEUDO_SPACES = {"auto": "disparity", "disparity": "disparity", "affine_disparity": "disparity",
                 "depth": "disparity", "affine_depth": "depth"}


def pseudo_space(kind):
    """``"disparity"`` or ``"depth"``: the space in which a pseudo map of ``kind`` is compared."""
    if kind not in PSEUDO_SPACES:
        raise ValueError(f"pseudo_kind must be one of {', '.join(PSEUDO_SPACES)}; got {kind!r}")
    return PSEUDO_SPACES[kind]


def normalise_disparity(p, mask):
    """MiDaS normalisation per image: p̂ = (p − median_M(p)) / mean_M|p − median_M(p)| over the mask.

    (Named for disparity, its usual input; it applies to a map in any space, depth included.)"""
    out = torch.zeros_like(p)
    for i in range(p.shape[0]):
        m = mask[i] > 0
        if m.sum() < 2:
            continue
        v = p[i][m]
        med = v.median()
        mad = (v - med).abs().mean().clamp_min(1e-8)
        out[i] = (p[i] - med) / mad
    return out


def align_scale_shift(pred, target, mask):
    """Closed-form least squares per image: (s, t) = argmin Σ_M (s·pred + t − target)².

    Returns s, t as [B,1,1,1] (differentiable in pred). A constant prediction gives s = 0 and
    t = mean_M(target).
    """
    m = mask.to(pred.dtype)
    dims = (1, 2, 3)
    a00 = (m * pred * pred).sum(dims)
    a01 = (m * pred).sum(dims)
    a11 = m.sum(dims)
    b0 = (m * pred * target).sum(dims)
    b1 = (m * target).sum(dims)
    det = a00 * a11 - a01 * a01
    ok = det.abs() > 1e-12 * (a00 * a11).clamp_min(1e-30)
    det_safe = torch.where(ok, det, torch.ones_like(det))
    s = torch.where(ok, (a11 * b0 - a01 * b1) / det_safe, torch.zeros_like(det))
    t = torch.where(ok, (-a01 * b0 + a00 * b1) / det_safe, b1 / a11.clamp_min(1.0))
    return s.view(-1, 1, 1, 1), t.view(-1, 1, 1, 1)


def ssi_loss(pred_disp, pseudo_disp, mask):
    """Scale-and-shift-invariant loss (config ``pseudo_loss: ssi``), in the space of its inputs:
    disparity as written below, depth for an affine_depth source (``pseudo_loss`` picks).

    Both the predicted disparity d (1/depth) and the pseudo-disparity p are MiDaS-normalised per
    image over the mask (``normalise_disparity``: minus the median, divided by the mean absolute
    deviation), and the loss is their mean absolute difference (MiDaS' L_ssimae, Ranftl et al.
    2020):
        L = 1/|M| Σ_M |d̂ − p̂|.
    Zero when the prediction is a positive affine function of the pseudo-disparity. Normalising
    both sides keeps the scale positive: an earlier least-squares alignment of d to p̂ also
    accepted a negative scale, so an inverted depth map satisfied the loss and training learned
    it (the ablation showed AbsRel > 1). A constant prediction costs mean|p̂| = 1, so the term
    cannot be satisfied by collapse. Pixels where the pseudo-disparity is not finite are left out.
    """
    valid = mask * torch.isfinite(pseudo_disp).to(mask.dtype)
    target = normalise_disparity(torch.nan_to_num(pseudo_disp), valid)
    pred = normalise_disparity(pred_disp, valid)
    return masked_mean((pred - target).abs(), valid)


def ranking_loss(pred_disp, pseudo_disp, mask, pairs=2048, margin=0.03, generator=None):
    """Pairwise ordinal loss against the pseudo-disparity (config ``pseudo_loss: ranking``).

    For random pixel pairs (i, j) inside the mask with r = ln p_i − ln p_j of the pseudo-disparity:
    ℓ = +1 if r > margin, −1 if r < −margin, else 0 (equal). With x = ln d_i − ln d_j of the
    predicted disparity the loss is ln(1 + exp(−ℓ·x)) for ordered pairs and x² for equal pairs
    (Chen et al. 2016; Xian et al. 2020). Only the order of the pseudo-depth is used, so any
    monotonic (in particular any positive affine) transform of it gives the same loss. In depth space
    (affine_depth) the same formula runs on (D, p): the order of depth, the reverse of disparity's.
    """
    b = pred_disp.shape[0]
    total, count = pred_disp.new_zeros(()), 0
    for i in range(b):
        valid = (mask[i, 0] > 0) & torch.isfinite(pseudo_disp[i, 0]) & (pseudo_disp[i, 0] > 0)
        idx = valid.reshape(-1).nonzero().squeeze(1)
        if idx.numel() < 2:
            continue
        a = idx[torch.randint(idx.numel(), (pairs,), generator=generator)]
        c = idx[torch.randint(idx.numel(), (pairs,), generator=generator)]
        lp = torch.log(pseudo_disp[i, 0].reshape(-1).clamp_min(1e-8))
        ld = torch.log(pred_disp[i, 0].reshape(-1).clamp_min(1e-8))
        r = lp[a] - lp[c]
        x = ld[a] - ld[c]
        label = torch.where(r > margin, torch.ones_like(r), torch.where(r < -margin, -torch.ones_like(r),
                                                                        torch.zeros_like(r)))
        ordered = label != 0
        loss = torch.where(ordered, F.softplus(-label * x), x * x)
        total = total + loss.mean()
        count += 1
    return total / max(count, 1)


def pseudo_loss(pred_depth, pseudo, mask, space="disparity", loss="ssi", pairs=2048, margin=0.03,
                generator=None, pred_disp=None):
    """The pseudo-depth term L_ps in the space of the pseudo map (``pseudo_space(kind)``).

    pred_depth: the student's depth D [B,1,H,W]; pseudo: the pseudo map as the source gives it
    (disparity-like for space "disparity", depth-like for "depth"); pred_disp: 1/D when already at
    hand (else computed). ``loss`` "ssi" -> ``ssi_loss``, "ranking" -> ``ranking_loss``, both on
    (D, pseudo) in depth space or (1/D, pseudo) in disparity space. So a pseudo map s·D + t gives
    0 in depth space, and s/D + t gives 0 in disparity space.
    """
    if space == "depth":
        pred = pred_depth
    elif space == "disparity":
        pred = pred_disp if pred_disp is not None else 1.0 / pred_depth.clamp_min(1e-8)
    else:
        raise ValueError(f"pseudo-depth space must be disparity or depth, got {space!r}")
    if loss == "ssi":
        return ssi_loss(pred, pseudo, mask)
    if loss == "ranking":
        return ranking_loss(pred, pseudo, mask, pairs, margin, generator)
    raise ValueError(f"pseudo_loss must be ssi or ranking, got {loss!r}")


def forgetting_weight(w0, epoch, schedule="none", factor=0.8, epochs=10.0, step=5.0):
    """Weight of the pseudo-depth term at (fractional) epoch e, the forgetting factor γ:

    - ``none``:        w0
    - ``exponential``: w0·γ^e
    - ``linear``:      w0·max(0, 1 − e/E)            (E = ``forget_epochs``)
    - ``step``:        w0·γ^⌊e/k⌋                    (k = ``forget_step``)
    """
    if schedule == "none":
        return w0
    if schedule == "exponential":
        return w0 * factor ** epoch
    if schedule == "linear":
        return w0 * max(0.0, 1.0 - epoch / epochs)
    if schedule == "step":
        return w0 * factor ** math.floor(epoch / step)
    raise ValueError(f"unknown forgetting schedule {schedule!r}")


# --- self-distillation ------------------------------------------------------------------------

def log_l1(pred_depth, prior_depth, mask):
    """mean_M |ln D − ln D_prior| (config ``distill_loss: log_l1``): a relative error, the same
    for near and far pixels, robust (L1) to what the mask filter lets through."""
    diff = (torch.log(pred_depth.clamp_min(1e-6)) - torch.log(prior_depth.clamp_min(1e-6))).abs()
    return masked_mean(diff, mask)


def berhu(pred_depth, prior_depth, mask, c_ratio=0.2):
    """Reverse Huber (config ``distill_loss: berhu``, Laina et al. 2016) on the depth difference x:
    |x| for |x| ≤ c, (x² + c²)/(2c) above, c = c_ratio · max_M |x| per batch."""
    x = (pred_depth - prior_depth).abs()
    m = mask.expand_as(x) > 0
    if not m.any():
        return x.new_zeros(())
    c = (c_ratio * x[m].max()).detach().clamp_min(1e-6)
    loss = torch.where(x <= c, x, (x * x + c * c) / (2 * c))
    return masked_mean(loss, mask)


def cauchy(pred_depth, prior_depth, mask, c=0.1):
    """mean_M c²/2 · ln(1 + r²/c²), r = ln D − ln D_prior (config ``distill_loss: cauchy``, ``distill_scale`` c).

    Its gradient in r is r / (1 + r²/c²): 0 at agreement, at most c/2 (at |r| = c), and it fades for
    gross disagreements (|r| ≫ c), which are more likely the teacher's error than the student's."""
    r = torch.log(pred_depth.clamp_min(1e-6)) - torch.log(prior_depth.clamp_min(1e-6))
    return masked_mean(0.5 * c * c * torch.log1p((r / c) ** 2), mask)


def distillation_loss(pred_depth, prior_depth, mask, kind="log_l1", scale=0.1):
    if kind == "cauchy":
        return cauchy(pred_depth, prior_depth, mask, scale)
    if kind == "log_l1":
        return log_l1(pred_depth, prior_depth, mask)
    if kind == "berhu":
        return berhu(pred_depth, prior_depth, mask)
    raise ValueError(f"unknown distillation loss {kind!r}")
