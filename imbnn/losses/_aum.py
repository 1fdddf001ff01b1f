"""AUM: the Area Under Min(FPR, FNR), a sort-based surrogate of the ROC curve.

Hillman & Hocking, "Optimizing ROC Curves with a Sort-Based Surrogate Loss for Binary
Classification and Changepoint Detection", JMLR 24(70), 2023.
"""

import numpy as np
import torch

from ..utils._docstring import LOSS_DOCS, Substitution
from ..utils._numba import compiled
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
    views = numpy_views(scores, is_positive, weight)
    if _aum_loop_compiled is None:
        aum, gradient = _aum_kernel(NUMPY, *views, variant)
        return torch.from_numpy(np.asarray(aum)), torch.from_numpy(gradient)
    return _aum_compiled(*views, variant)


def _aum_compiled(scores, is_positive, weight, variant):
    """AUM and its gradient by numpy's argsort and one compiled pass (:func:`_aum_loop`)."""
    order = np.negative(scores).argsort()
    negative_step, positive_step, fn_total = _class_steps(NUMPY, is_positive, weight, variant)
    gradient = np.empty_like(scores)
    aum = _aum_loop_compiled(
        scores, order, is_positive, _NO_WEIGHT[scores.dtype] if weight is None else weight,
        negative_step, positive_step, fn_total, gradient,
    )
    return torch.from_numpy(np.asarray(aum, dtype=scores.dtype)), torch.from_numpy(gradient)


def _aum_loop(scores, order, is_positive, weight, negative_step, positive_step, fn_total, gradient):
    """AUM, and its gradient written to ``gradient``, in one pass over the groups of tied scores.

    The kernel's sums (see :func:`aum_with_gradient`) one element at a time: in
    the order of decreasing score, each group of tied scores adds its steps to the
    running sums ``FP`` and ``D = FP - FN``; the gap to the next group times
    ``min(FP, FN) = FP - relu(D)`` is its share of AUM, and each member's gradient
    needs only ``D`` just below and just above its group. The running sums are in
    float64. A gap times a zero ``min(FP, FN)`` adds nothing, even an infinite gap.
    An empty ``weight`` means unit weights. Each member's step is formed again for
    its gradient rather than kept in ``gradient``, whose float32 would round it
    against the float64 sums. Compiled by numba (a loop of a few
    operations per score replaces the two dozen array operations of the numpy
    kernel, whose per-call overhead dominates a mini-batch).
    """
    n = order.shape[0]
    weighted = weight.shape[0] > 0
    fp = 0.0
    d = -fn_total
    aum = 0.0
    start = 0
    while start < n:
        group_score = scores[order[start]]
        d_before = d
        end = start
        # The group's first score starts it even when it is NaN (NaN == NaN is False).
        while end == start or (end < n and scores[order[end]] == group_score):
            row = order[end]
            step = positive_step if is_positive[row] else negative_step
            if weighted:
                step *= weight[row]
            if not is_positive[row]:
                fp += step
            d += step
            end += 1
        below = max(-d_before, 0.0)  # clip(-D_before, 0, c) = min(below, c)
        above = max(d, 0.0)  # clip(D_after, 0, c) = min(above, c)
        min_fp_fn = fp - above
        if end < n and min_fp_fn != 0.0:
            aum += (group_score - scores[order[end]]) * min_fp_fn
        for position in range(start, end):
            row = order[position]
            step = positive_step if is_positive[row] else negative_step
            if weighted:
                step *= weight[row]
            fp_step = 0.0 if is_positive[row] else step
            gradient[row] = fp_step - (min(above, step) - min(below, step) + step) * 0.5
        start = end
    return aum


# Compiled when the module is imported (from the disk cache after the first time), so
# that no fit compiles: a Ctrl-C during numba's compilation prints a traceback that
# numba's callback ignores. Any memory layout ("[:]"): a class's column of (n, K)
# scores is strided. None without numba.
_aum_loop_compiled = compiled(
    _aum_loop,
    [
        f"float64({dtype}[:], int64[:], boolean[:], {dtype}[:], float64, float64, float64, {dtype}[:])"
        for dtype in ("float32", "float64")
    ],
    cache=True,
    nogil=True,
)
_NO_WEIGHT = {np.dtype(np.float32): np.empty(0, np.float32), np.dtype(np.float64): np.empty(0)}


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
    if xp.isnan(aum):  # infinite scores: see _with_infinite_scores
        rises, aum = _with_infinite_scores(xp, s, d_positive_minus_fp)
    if xp.all(rises):
        fp_step -= xp.minimum(d_positive, step, out=d_positive)
        gradient_sorted = fp_step
    else:
        gradient_sorted = _tied_gradient(xp, rises, d, step, fp_step, fn_total)
    return aum, xp.untake(gradient_sorted, order)


def _with_infinite_scores(xp, s, d_positive_minus_fp):
    """The rises and AUM where infinite scores made ``inf - inf`` or ``inf * 0``.

    Two equal infinite scores are tied (their rise is 0, not NaN), and a gap next
    to an infinite score adds nothing where ``min(FP, FN)`` is 0 there. A NaN
    score keeps the AUM NaN.
    """
    rises = xp.where(s[1:] == s[:-1], 0.0, s[1:] - s[:-1])
    # rises != rises: a NaN score's rise, which keeps its NaN.
    no_area = (d_positive_minus_fp == 0) & (rises == rises)
    terms = xp.where(no_area, 0.0, rises * d_positive_minus_fp)
    return rises, terms.sum()


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
