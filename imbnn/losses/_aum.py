"""AUM: the Area Under Min(FPR, FNR), a sort-based surrogate of the ROC curve.

Hillman & Hocking, "Optimizing ROC Curves with a Sort-Based Surrogate Loss for Binary
Classification and Changepoint Detection", JMLR 24(70), 2023.
"""

import torch

from ._base import ImbalancedLoss, as_weights, with_gradient
from ._sort import sort_descending

__all__ = ["AUMLoss", "aum_with_gradient"]

VARIANTS = ("rate", "count")


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}.")


# Row k of the step table: [false-positive step, step] of an example of class k.
_TABLE_MASK = {}


def _table_mask(dtype, device):
    key = (dtype, device)
    if key not in _TABLE_MASK:
        _TABLE_MASK[key] = torch.tensor([[1, 1], [0, 1]], dtype=dtype, device=device)
    return _TABLE_MASK[key]


def _step_table(label, weight, variant, dtype):
    """Steps per unit weight by class (rows: negative, positive) and the positives' total step.

    ``"rate"`` divides by the class's total weight; a class without weight keeps
    steps of 0 (it is divided by 1), so a one-class batch has AUM 0 and gradient 0.
    """
    # Sums, not bincount: bincount costs as much as the sort from 10**4 rows.
    if weight is None:
        positive_total = label.sum()
        if variant == "count":
            return _table_mask(dtype, label.device), positive_total.to(dtype)
        totals = torch.stack([label.shape[0] - positive_total, positive_total])
        # Integer counts: clamping at 1 divides an absent class by 1.
        per_unit = totals.clamp_min_(1).to(dtype).reciprocal_()
        fn_total = (positive_total > 0).to(dtype)
    else:
        positive_total = torch.dot(weight, label.to(dtype))
        if variant == "count":
            return _table_mask(dtype, label.device), positive_total
        totals = torch.stack([weight.sum() - positive_total, positive_total])
        per_unit = torch.where(totals > 0, totals, 1.0).reciprocal_()
        fn_total = (totals * per_unit)[1]
    return per_unit[:, None] * _table_mask(dtype, label.device), fn_total


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
    label = is_positive.long()
    table, fn_total = _step_table(label, weight, variant, s.dtype)
    steps = table.index_select(0, label.index_select(0, order))
    if weight is not None:
        steps = steps * weight.index_select(0, order)[:, None]
    fp_step, step = steps.unbind(1)
    fp, total = steps.cumsum(0).unbind(1)
    d = total - fn_total  # FP - FN just above each threshold
    d_positive = torch.relu(d)
    gaps = s[:-1] - s[1:]
    aum = torch.dot(gaps, (fp - d_positive)[:-1])
    if bool(gaps.all()):
        gradient_sorted = fp_step - torch.minimum(d_positive, step)
    else:
        gradient_sorted = _tied_gradient(gaps, d, step, fp_step, fn_total)
    gradient = torch.empty_like(gradient_sorted).index_put_((order,), gradient_sorted)
    return aum, gradient


def _tied_gradient(gaps, d, step, fp_step, fn_total):
    """The general gradient, with ``D`` before and after each group of tied scores."""
    new_group = gaps != 0
    group = torch.cumsum(new_group, 0)
    group = torch.cat([group.new_zeros(1), group])
    after = torch.cat([new_group, new_group.new_ones(1)])
    # D just below a group is D just above the group before it (-FN_total before the first).
    d_group = torch.cat([-fn_total.reshape(1), d[after]])
    d_before, d_after = d_group[group], d_group[group + 1]
    clip_after = torch.minimum(torch.relu(d_after), step)
    clip_before = torch.minimum(torch.relu(-d_before), step)
    return fp_step - 0.5 * (clip_after - clip_before + step)


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

    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        Parameters
        ----------
        scores : torch.Tensor of shape (n,) or (n, n_classes)
            Real-valued scores (logits); one column for a binary task.
        target : torch.Tensor of shape (n,)
            Class indices (0 and 1 for a binary task).
        sample_weight : torch.Tensor of shape (n,), default=None
            Example weights; None weighs every example 1.

        Returns
        -------
        torch.Tensor
            A scalar.
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
