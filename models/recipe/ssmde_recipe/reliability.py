"""Where the photometric loss cannot be trusted, and what supervises those pixels instead.

The ablation of the paper-form recipe (models/recipe/README.md) showed three failures: the teacher
prior was used where it is worst (moving pixels that slip through the mask filter), the log-L1
distillation gradient (constant 1 per pixel) drowned the photometric and pseudo-depth terms, and the
teacher (BatchNorm in eval mode) and student (train mode) disagreed by construction. The switches
here (``options.TrainConfig``: ``unreliable``, ``photo_reliable_only``, ``distill_region``,
``teacher_agree_tol``, ``unreliable_rank_weight``, ``distill_loss: cauchy``) implement the redesign;
every function is pure and tested on known answers (tests/test_reliability.py).

Sets, per pixel of the target frame (all masks float {0, 1}, [B,1,H,W]):

    moving_b  = mean(μ_b) ≥ moving_keep_min      the camera moved in image b: a still camera lets the
                                                 identity warp win almost everywhere, so the
                                                 auto-mask μ keeps few pixels
    U         = moving_b ∧ (¬μ ∨ ¬keep)          unreliable: the auto-mask drops the pixel while the
                                                 camera moves (a mover that follows the camera, or no
                                                 texture), or the multi-view filter rejects it (keep = 0:
                                                 a neighbour view disagrees with the teacher depth)
    R         = μ ∧ ¬U                           reliable

ManyDepth (Watson et al. 2021) switches the photometric loss off where its consistency mask fails
and supervises those pixels from a single-frame network; SC-DepthV3 (Sun et al. 2023) ranks
dynamic pixels against static ones with pseudo-depth order. Here:

- photometric on R only (``photo_reliable_only``);
- the teacher distils on U (``distill_region: unreliable``), only where it agrees with the
  pseudo-depth after a least-squares affine alignment (``agreement_mask``);
- pseudo-depth *margin ranking* between pixels of U and of R (``cross_ranking_loss``): the order of a mover
  against the static scene, which a relative-depth net gets right even when its scale is not;
- distillation (``losses.cauchy``) with the Cauchy (Lorentzian) penalty on r = ln D − ln D_T:
  ρ(r) = c²/2 · ln(1 + r²/c²), ρ'(r) = r / (1 + r²/c²): zero at agreement, never larger than c/2, so
  with c = 0.1 one pixel pushes at most 0.05, under the photometric term's typical 0.06.
"""

import torch
import torch.nn.functional as F

from .losses import align_scale_shift


def moving_frames(automask, keep_min=0.5):
    """[B,1,1,1] float: 1 where the auto-mask keeps at least ``keep_min`` of the image (camera moved)."""
    return (automask.mean((1, 2, 3), keepdim=True) >= keep_min).to(automask.dtype)


def unreliable_mask(automask, keep=None, keep_min=0.5):
    """U = moving_b ∧ (¬μ ∨ ¬keep); ``keep`` (the multi-view filter's mask) may be None (then U = moving ∧ ¬μ)."""
    bad = 1.0 - automask
    if keep is not None:
        bad = torch.maximum(bad, 1.0 - keep)
    return moving_frames(automask, keep_min) * bad


def to_space(depth, space):
    """A depth map in the space a pseudo map of that space is affine in: 1/D (disparity) or D."""
    if space == "depth":
        return depth
    if space == "disparity":
        return 1.0 / depth.clamp_min(1e-6)
    raise ValueError(f"space must be disparity or depth, got {space!r}")


@torch.no_grad()
def agreement_mask(prior_depth, pseudo, space="disparity", tol=0.3, valid=None):
    """1 where the teacher depth agrees with the pseudo map after aligning the pseudo map to it.

    The pseudo map p is affine in ``space`` (disparity for MiDaS-like nets, depth for LeReS). Per
    image, (s, t) = argmin Σ (s·p + t − x_T)² over the valid pixels, with x_T the teacher in that space;
    agree ⇔ s·p + t > 0 and |ln(s·p + t) − ln x_T| < tol. A teacher that is an affine map of the
    pseudo map agrees everywhere; a region where the two order the scene differently does not.
    """
    x_t = to_space(prior_depth, space)
    ok = torch.isfinite(pseudo) & (pseudo > 0) if space == "depth" else torch.isfinite(pseudo)
    ok = ok.to(prior_depth.dtype)
    if valid is not None:
        ok = ok * valid
    p = torch.nan_to_num(pseudo)
    s, t = align_scale_shift(p, x_t, ok)
    aligned = s * p + t
    pos = aligned > 1e-6
    diff = (torch.log(aligned.clamp_min(1e-6)) - torch.log(x_t.clamp_min(1e-6))).abs()
    return (pos & (diff < tol)).to(prior_depth.dtype) * ok


def cross_ranking_loss(pred, pseudo, set_a, set_b, pairs=1024, margin=0.03, generator=None):
    """Margin ranking on pairs (i ∈ A, j ∈ B), labels from the pseudo map's order.

    r = ln p_i − ln p_j of the pseudo map: ℓ = +1 if r > margin, −1 if r < −margin, else 0 (equal);
    x = ln pred_i − ln pred_j. Ordered pairs cost max(0, margin − ℓ·x), equal pairs x²: once a pair
    is ordered by the margin it costs nothing and pushes no further. (The logistic form of
    ``losses.ranking_loss``, ln(1 + e^{−ℓx}), never stops pushing; on U, where no photometric term
    holds the depth back, it drove the near road to the disparity bound in the first run.)
    ``pred`` and ``pseudo`` are in the same space (both disparity, or both depth). Images with no
    pixel in A or in B add nothing; the mean is over the images that have pairs.
    """
    total, count = pred.new_zeros(()), 0
    for i in range(pred.shape[0]):
        fin = torch.isfinite(pseudo[i, 0]) & (pseudo[i, 0] > 0)
        ia = ((set_a[i, 0] > 0) & fin).reshape(-1).nonzero().squeeze(1)
        ib = ((set_b[i, 0] > 0) & fin).reshape(-1).nonzero().squeeze(1)
        if ia.numel() == 0 or ib.numel() == 0:
            continue
        a = ia[torch.randint(ia.numel(), (pairs,), generator=generator)]
        b = ib[torch.randint(ib.numel(), (pairs,), generator=generator)]
        lp = torch.log(torch.nan_to_num(pseudo[i, 0]).reshape(-1).clamp_min(1e-8))
        ld = torch.log(pred[i, 0].reshape(-1).clamp_min(1e-8))
        r, x = lp[a] - lp[b], ld[a] - ld[b]
        label = torch.where(r > margin, torch.ones_like(r), torch.where(r < -margin, -torch.ones_like(r),
                                                                        torch.zeros_like(r)))
        loss = torch.where(label != 0, F.relu(margin - label * x), x * x)
        total = total + loss.mean()
        count += 1
    return total / max(count, 1)


def ramp(epoch, start, length):
    """Linear ramp-up of a weight: 0 before ``start``, then (epoch − start)/length, 1 after; length ≤ 0: a step."""
    if epoch < start:
        return 0.0
    if length <= 0:
        return 1.0
    return min(1.0, (epoch - start) / length)


def teacher_region(kind, prior_mask, unreliable, agree=None):
    """Where the teacher distils: ``kept`` (the filter's mask, the paper form), ``unreliable`` (U) or
    ``all``; intersected with ``agree`` when given."""
    if kind == "kept":
        region = prior_mask
    elif kind == "unreliable":
        if unreliable is None:
            raise ValueError("distill_region unreliable needs the unreliable set (set unreliable: multiview)")
        region = unreliable
    elif kind == "all":
        region = torch.ones_like(prior_mask)
    else:
        raise ValueError(f"distill_region must be kept, unreliable or all, got {kind!r}")
    return region if agree is None else region * agree


__all__ = ["moving_frames", "unreliable_mask", "agreement_mask", "cross_ranking_loss", "ramp",
           "teacher_region", "to_space"]
