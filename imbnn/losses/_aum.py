"""AUM: the Area Under Min(FPR, FNR), a sort-based surrogate of the ROC curve.

Hillman & Hocking, "Optimizing ROC Curves with a Sort-Based Surrogate Loss for Binary
Classification and Changepoint Detection", JMLR 24(70), 2023.
"""

import numpy as np
import torch

from ..utils._docstring import LOSS_DOCS, Substitution
from ._base import ImbalancedLoss, as_weights, with_gradient
from ._namespaces import NUMPY, TORCH, numpy_views, use_numpy

__all__ = ["AUMLoss", "aum_with_gradient"]

VARIANTS = ("rate", "count")

# Up to this many rows a CPU batch's AUM is computed on numpy views of its tensors:
# numpy's SIMD argsort and its lower call overhead make the whole loss 1.2 (256 rows)
# to 2.2 (10**4 rows) times faster there; from about 25,000 rows torch's radix sort of
# the scores' bits wins (2-core x86-64 CPU with AVX-512, torch 2.13, numpy 2.4).
_NUMPY_MAX_ROWS = 20_000


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}.")


def _class_steps(xp, is_positive, weight, variant):
    """Each class's step per unit weight and the positives' total step, as Python floats.

    ``"rate"`` divides by the class's total weight; a class without weight keeps
    steps of 0 (it is divided by 1), so a one-class batch has AUM 0 and gradient 0.
    The class totals are read on the host (the tie check needs one synchronisation
    anyway): on a mini-batch, a dozen tiny tensor operations would cost more than
    the rest of the loss.
    """
    negative_total, positive_total = xp.class_totals(is_positive, weight)
    if variant == "count":
        return 1.0, 1.0, positive_total
    negative_step = 1 / negative_total if negative_total > 0 else 1.0
    positive_step = 1 / positive_total if positive_total > 0 else 1.0
    return negative_step, positive_step, positive_total * positive_step


def aum_with_gradient(scores, is_positive, sample_weight=None, variant="rate"):
    """AUM of binary scores and its directional-derivative gradient.

    One sort, then cumulative sums: O(n log n) time and O(n) memory, on any device
    and dtype. On the CPU in float32 and float64, a batch of up to 20,000 scores is
    computed on numpy views of the tensors (numpy's argsort, cumulative sums in
    float64 as torch's), and larger ones are sorted by their bits as integers (a
    radix sort), which orders them exactly as ``torch.sort`` does.

    In the order of decreasing score (increasing threshold ``t = -s``), with
    ``c_j`` example ``j``'s step (its weight, divided by its class's total weight
    for ``"rate"``) and ``C``, ``FP`` the running sums of all steps and of the
    negatives' steps, ``D = C - FN_total`` is ``FP - FN`` just above each
    threshold, so that

    - ``AUM = sum_j (s_j - s_{j+1}) min(FP_j, FP_j - D_j)``: the gaps inside a group
      of tied scores are 0, so this sum needs no grouping;
    - the mean of example ``j``'s two one-sided derivatives (Hillman & Hocking's
      rule, JMLR 2023) is ``FP-step_j - (clip(D_after, 0, c_j) -
      clip(-D_before, 0, c_j) + c_j) / 2``, with ``D_after``/``D_before`` the
      values of ``D`` just above and just below the example's group of tied
      scores. Without ties they are ``D_j`` and ``D_j - c_j``, and the gradient
      simplifies to ``FP-step_j - clip(D_j, 0, c_j)``: ties are detected from the
      sorted scores and only then are the groups formed.

    Parameters
    ----------
    scores : torch.Tensor of shape (n,)
        Real-valued scores, larger meaning more positive.
    is_positive : torch.Tensor of bool, shape (n,)
    sample_weight : torch.Tensor of shape (n,) or None
        Each example's false-positive or false-negative step size (non-negative).
    variant : {"rate", "count"}
        ``"rate"`` normalises the steps of each class to sum to 1 (min(FPR, FNR)),
        ``"count"`` keeps the raw weights (min(FP, FN)).

    Returns
    -------
    aum : torch.Tensor, scalar
    gradient : torch.Tensor of shape (n,)
        The mean of the two one-sided directional derivatives of AUM with respect to
        each score, defined also at ties (where AUM has no gradient).

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import aum_with_gradient
    >>> aum, gradient = aum_with_gradient(
    ...     torch.tensor([2.0, -3.5, -1.0, 1.5]), torch.tensor([False, False, True, True])
    ... )
    >>> aum.item(), gradient.tolist()
    (1.5, [0.5, 0.0, -0.5, 0.0])
    """
    _check_variant(variant)
    weight = None if sample_weight is None else as_weights(sample_weight, scores)
    return _aum_and_gradient(scores, is_positive.bool(), weight, variant)


def _aum_and_gradient(scores, is_positive, weight, variant):
    """:func:`aum_with_gradient` on checked inputs: bool labels, weights in the scores' dtype.

    A CPU batch of up to ``_NUMPY_MAX_ROWS`` rows runs the kernel on numpy views of
    its tensors, larger and other-device batches on the tensors.
    """
    if not use_numpy(scores, _NUMPY_MAX_ROWS):
        return _aum_kernel(TORCH, scores, is_positive, weight, variant)
    aum, gradient = _aum_kernel(NUMPY, *numpy_views(scores, is_positive, weight), variant)
    return torch.from_numpy(np.asarray(aum)), torch.from_numpy(gradient)


def _aum_kernel(xp, scores, is_positive, weight, variant):
    """AUM and its gradient with the array operations of namespace ``xp`` (torch or numpy)."""
    s, order = xp.sort_descending(scores)
    positive = xp.take(is_positive, order)  # bytes: the cheapest random gather
    negative_step, positive_step, fn_total = _class_steps(xp, is_positive, weight, variant)
    step = xp.by_class(positive, positive_step, negative_step, like=s)
    if weight is not None:
        step *= xp.take(weight, order)
    fp_step = xp.where(positive, 0.0, step)
    fp = xp.cumsum(fp_step)
    d = xp.cumsum(step)
    d -= fn_total  # FP - FN just above each threshold
    d_positive = xp.relu(d)
    rises = s[1:] - s[:-1]  # s[j + 1] - s[j] <= 0: minus the gaps between thresholds
    # min(FP, FN) = FP - relu(FP - FN); the sum of gap * min(FP, FN), with the gaps' sign.
    d_positive_minus_fp = d_positive[:-1] - fp[:-1]
    aum = rises @ d_positive_minus_fp
    if xp.all(rises):
        fp_step -= xp.minimum(d_positive, step, out=d_positive)
        gradient_sorted = fp_step
    else:
        gradient_sorted = _tied_gradient(xp, rises, d, step, fp_step, fn_total)
    return aum, xp.untake(gradient_sorted, order)


def _tied_gradient(xp, rises, d, step, fp_step, fn_total):
    """The general gradient, with ``D`` just below and just above each group of tied scores.

    ``D`` just above a group is ``D`` at its last member; just below it, ``D`` just
    above the group before (``-FN_total`` below the first group).
    """
    new_group = rises != 0
    last = xp.concatenate([new_group, xp.full_like(new_group[:1], True)])
    group = xp.group_numbers(new_group)  # int32: half the memory traffic of the gathers
    boundaries = xp.concatenate([xp.full_like(d[:1], -fn_total), d[last]])
    d_before, d_after = xp.take(boundaries, group), xp.take(boundaries[1:], group)
    # fp_step - (clip(D_after, 0, step) - clip(-D_before, 0, step) + step) / 2, in place.
    clip_after = xp.minimum(xp.relu_(d_after), step, out=d_after)
    clip_before = xp.minimum(xp.relu_(xp.negative(d_before, out=d_before)), step, out=d_before)
    clip_after -= clip_before
    clip_after += step
    clip_after *= -0.5
    clip_after += fp_step
    return clip_after


def _aum_loss(scores, is_positive, weight, variant):
    return with_gradient(_aum_and_gradient, scores, is_positive, weight, variant)


class AUMLoss(ImbalancedLoss):
    """Area under min(FPR, FNR) over all constant shifts of the scores.

    The backward pass is the mean of the two one-sided directional derivatives
    (a custom :class:`torch.autograd.Function`), so tied scores, including a
    freshly initialised network whose scores are all equal, get a useful gradient;
    differentiating through a sort would give them zero.

    For ``(n, K)`` scores the loss is the one-vs-rest AUM of each class's column,
    averaged over classes. A batch with a single class has AUM 0 and a zero gradient.

    Parameters
    ----------
    variant : {"rate", "count"}, default="rate"
        ``"rate"``: area under min(FPR, FNR), independent of the batch size.
        ``"count"``: area under min(FP, FN), in units of (weighted) examples.

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import AUMLoss
    >>> scores = torch.tensor([2.0, -3.5, -1.0, 1.5], requires_grad=True)
    >>> loss = AUMLoss()(scores, torch.tensor([0, 0, 1, 1]))
    >>> loss.item()
    1.5
    >>> loss.backward(); scores.grad.tolist()
    [0.5, 0.0, -0.5, 0.0]
    """

    def __init__(self, variant="rate"):
        super().__init__()
        _check_variant(variant)
        self.variant = variant

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        weight = None if sample_weight is None else as_weights(sample_weight, scores).detach()
        if scores.ndim == 1:
            return _aum_loss(scores, target == 1, weight, self.variant)
        per_class = [
            _aum_loss(scores[:, k], target == k, weight, self.variant)
            for k in range(scores.shape[1])
        ]
        return torch.stack(per_class).mean()
