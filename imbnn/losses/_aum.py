"""AUM: the Area Under Min(FPR, FNR), a sort-based surrogate of the ROC curve.

Hillman & Hocking, "Optimizing ROC Curves with a Sort-Based Surrogate Loss for Binary
Classification and Changepoint Detection", JMLR 24(70), 2023.
"""

import torch

from ._base import ImbalancedLoss, as_weights

__all__ = ["AUMLoss", "aum_with_gradient"]

VARIANTS = ("rate", "count")


def aum_with_gradient(scores, is_positive, sample_weight=None, variant="rate"):
    """AUM of binary scores and its directional-derivative gradient.

    One sort, then cumulative sums over the groups of tied thresholds: O(n log n)
    time and O(n) memory, on any device and dtype.

    Parameters
    ----------
    scores : torch.Tensor of shape (n,)
        Real-valued scores, larger meaning more positive.
    is_positive : torch.Tensor of bool, shape (n,)
    sample_weight : torch.Tensor of shape (n,) or None
        Each example's false-positive or false-negative step size.
    variant : {"rate", "count"}
        ``"rate"`` normalises the steps of each class to sum to 1 (min(FPR, FNR)),
        ``"count"`` keeps the raw weights (min(FP, FN)).

    Returns
    -------
    aum : torch.Tensor, scalar
    gradient : torch.Tensor of shape (n,)
        The mean of the two one-sided directional derivatives of AUM with respect to
        each score, defined also at ties (where AUM has no gradient).
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}.")
    weight = as_weights(sample_weight, scores)
    zero = torch.zeros((), dtype=scores.dtype, device=scores.device)
    fp_step = torch.where(is_positive, zero, weight)
    fn_step = torch.where(is_positive, weight, zero)
    if variant == "rate":
        fp_total, fn_total = fp_step.sum(), fn_step.sum()
        # A class absent from the batch has all-zero steps; dividing by 1 keeps them 0.
        fp_step = fp_step / torch.where(fp_total > 0, fp_total, torch.ones_like(fp_total))
        fn_step = fn_step / torch.where(fn_total > 0, fn_total, torch.ones_like(fn_total))

    thresholds, order = torch.sort(-scores)
    group_threshold, group_of_sorted = torch.unique_consecutive(thresholds, return_inverse=True)
    n_groups = group_threshold.shape[0]
    fp_sorted, fn_sorted = fp_step[order], fn_step[order]
    fp_group = torch.zeros(n_groups, dtype=scores.dtype, device=scores.device)
    fp_group.scatter_add_(0, group_of_sorted, fp_sorted)
    fn_group = torch.zeros_like(fp_group).scatter_add_(0, group_of_sorted, fn_sorted)

    # "after": the constant c just above the group's threshold (group counted as FP, not FN);
    # "before": just below it. Reverse cumsum keeps FN exactly 0 after the last group.
    fp_after = torch.cumsum(fp_group, 0)
    fp_before = fp_after - fp_group
    fn_before = torch.flip(torch.cumsum(torch.flip(fn_group, (0,)), 0), (0,))
    fn_after = fn_before - fn_group

    min_after = torch.minimum(fp_after, fn_after)
    aum = ((group_threshold[1:] - group_threshold[:-1]) * min_after[:-1]).sum()

    # One-sided derivatives with respect to the score (methods.md 1.2).
    fp_a, fn_a = fp_after[group_of_sorted], fn_after[group_of_sorted]
    fp_b, fn_b = fp_before[group_of_sorted], fn_before[group_of_sorted]
    left = torch.minimum(fp_a, fn_a) - torch.minimum(fp_a - fp_sorted, fn_a + fn_sorted)
    right = torch.minimum(fp_b + fp_sorted, fn_b - fn_sorted) - torch.minimum(fp_b, fn_b)
    gradient = torch.empty_like(scores)
    gradient[order] = (left + right) / 2
    return aum, gradient


class _AUMFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, scores, is_positive, sample_weight, variant):
        aum, gradient = aum_with_gradient(scores.detach(), is_positive, sample_weight, variant)
        ctx.save_for_backward(gradient)
        return aum

    @staticmethod
    def backward(ctx, grad_output):
        (gradient,) = ctx.saved_tensors
        return grad_output * gradient, None, None, None


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
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}.")
        self.variant = variant

    def forward(self, scores, target, sample_weight=None):
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        if sample_weight is not None:
            sample_weight = as_weights(sample_weight, scores).detach()
        if scores.ndim == 1:
            return _AUMFunction.apply(scores, target == 1, sample_weight, self.variant)
        per_class = [
            _AUMFunction.apply(scores[:, k], target == k, sample_weight, self.variant)
            for k in range(scores.shape[1])
        ]
        return torch.stack(per_class).mean()
