"""AUM: the Area Under Min(FPR, FNR), a sort-based surrogate of the ROC curve.

Hillman & Hocking, "Optimizing ROC Curves with a Sort-Based Surrogate Loss for Binary
Classification and Changepoint Detection", JMLR 24(70), 2023.
"""

import torch

from ..utils._docstring import LOSS_DOCS, Substitution
from ._base import ImbalancedLoss, as_weights, with_gradient
from ._sort import sort_descending

__all__ = ["AUMLoss", "aum_with_gradient"]

VARIANTS = ("rate", "count")


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}.")


def _class_steps(is_positive, weight, variant):
    """Each class's step per unit weight and the positives' total step, as Python floats.

    ``"rate"`` divides by the class's total weight; a class without weight keeps
    steps of 0 (it is divided by 1), so a one-class batch has AUM 0 and gradient 0.
    The two class totals are read on the host at once (one synchronisation; the
    tie check needs one anyway): on a mini-batch, a dozen tiny tensor operations
    would cost more than the rest of the loss.
    """
    if weight is None:
        positive_total = int(torch.count_nonzero(is_positive))  # 7 times faster than sum
        negative_total = is_positive.shape[0] - positive_total
    else:
        total, positive_total = torch.stack(
            [weight.sum(), torch.dot(weight, is_positive.to(weight.dtype))]
        ).tolist()
        negative_total = total - positive_total
    if variant == "count":
        return 1.0, 1.0, float(positive_total)
    negative_step = 1 / negative_total if negative_total > 0 else 1.0
    positive_step = 1 / positive_total if positive_total > 0 else 1.0
    return negative_step, positive_step, positive_total * positive_step


def aum_with_gradient(scores, is_positive, sample_weight=None, variant="rate"):
    """AUM of binary scores and its directional-derivative gradient.

    One sort, then cumulative sums: O(n log n) time and O(n) memory, on any device
    and dtype. Scores are sorted by their bits as integers (a radix sort) on the
    CPU in float32 and float64, which orders them exactly as ``torch.sort`` does.

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
    """:func:`aum_with_gradient` on checked inputs: bool labels, weights in the scores' dtype."""
    s, order = sort_descending(scores)
    positive = is_positive.index_select(0, order)  # bytes: the cheapest random gather
    negative_step, positive_step, fn_total = _class_steps(is_positive, weight, variant)
    step = torch.full_like(s, negative_step).masked_fill_(positive, positive_step)
    if weight is not None:
        step.mul_(weight.index_select(0, order))
    fp_step = step.masked_fill(positive, 0.0)
    fp = torch.cumsum(fp_step, 0)
    d = torch.cumsum(step, 0).sub_(fn_total)  # FP - FN just above each threshold
    d_positive = torch.relu(d)
    rises = torch.diff(s)  # s[j + 1] - s[j] <= 0: minus the gaps between thresholds
    # min(FP, FN) = FP - relu(FP - FN); the sum of gap * min(FP, FN), with the gaps' sign.
    aum = torch.dot(rises, torch.sub(d_positive, fp)[:-1])
    if bool(rises.all()):
        gradient_sorted = fp_step.sub_(torch.minimum(d_positive, step, out=d_positive))
    else:
        gradient_sorted = _tied_gradient(rises, d, step, fp_step, fn_total)
    # scatter_ is the cheapest way back to the input order (index_put_ costs twice as much).
    gradient = torch.empty_like(gradient_sorted).scatter_(0, order, gradient_sorted)
    return aum, gradient


def _tied_gradient(rises, d, step, fp_step, fn_total):
    """The general gradient, with ``D`` just below and just above each group of tied scores.

    ``D`` just above a group is ``D`` at its last member; just below it, ``D`` just
    above the group before (``-FN_total`` below the first group).
    """
    n = d.shape[0]
    new_group = rises != 0
    last = torch.empty(n, dtype=torch.bool, device=d.device)
    last[:-1] = new_group
    last[-1] = True
    # int32 group numbers: half the memory traffic of the two gathers below.
    group = torch.zeros(n, dtype=torch.int32, device=d.device)
    torch.cumsum(new_group, 0, dtype=torch.int32, out=group[1:])
    boundaries = torch.empty(int(torch.count_nonzero(last)) + 1, dtype=d.dtype, device=d.device)
    boundaries[0] = -fn_total
    torch.masked_select(d, last, out=boundaries[1:])
    d_before, d_after = boundaries.index_select(0, group), boundaries[1:].index_select(0, group)
    # fp_step - (clip(D_after, 0, step) - clip(-D_before, 0, step) + step) / 2, in place.
    clip_after = torch.minimum(d_after.clamp_min_(0), step, out=d_after)
    clip_before = torch.minimum(d_before.neg_().clamp_min_(0), step, out=d_before)
    return clip_after.sub_(clip_before).add_(step).mul_(-0.5).add_(fp_step)


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
