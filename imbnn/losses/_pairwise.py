"""Pairwise ranking losses: every (positive, negative) pair of a batch, without n+ x n- memory.

- Pairwise hinge and all-pairs squared hinge (Rust & Hocking, arXiv:2302.11062) in
  O(n log n): one sort and cumulative sums, with an explicit backward pass (batches
  of at most 256 rows use the small dense matrix of pairs instead).
- Pairwise logistic (the loss of a siamese network trained on pairs): O(n+ n-) time in
  chunks of bounded size, gradient computed chunk by chunk in the forward pass.
- Mini-batch AUC (MBAUC, a square loss on probability differences): O(n) after
  expanding the square.

Binary scores ``(n,)`` rank class 1 above class 0. Multi-class scores ``(n, K)`` give
the one-vs-rest loss of each class's column, averaged over the ``K`` classes. A batch
(or a class) without positives or without negatives has no pair: its loss is 0 and
its gradient 0, with the autograd graph kept.
"""

import torch
import torch.nn.functional as F

from ..utils._docstring import LOSS_DOCS, Substitution
from ._base import ImbalancedLoss, as_weights, with_gradient
from ._sort import sort_order

__all__ = [
    "AllPairsSquaredHingeLoss",
    "MiniBatchAUCLoss",
    "PairwiseHingeLoss",
    "PairwiseLogisticLoss",
    "positive_hinge_sums",
]

# Pairs held in memory at once by the pairwise logistic loss (8 MB of float64 per array).
_DEFAULT_CHUNK_PAIRS = 2**20
# Up to this many rows, hinge sums use the dense n+ x n matrix of pairs (at most 64K
# entries): a handful of tensor operations instead of the sort path's few dozen,
# whose fixed cost per operation dominates on training-sized batches.
_DENSE_MAX_ROWS = 256
# Devices on which selecting the positive rows (nonzero) costs no host synchronisation.
_SELECT_ROWS_ON = ("cpu",)


def _no_pair_zero(scores):
    """A zero that keeps ``scores`` in the graph (its gradient is 0, even for infinite scores)."""
    return scores[:0].sum()


def _one_vs_rest(binary_loss, scores, target, weight):
    """``binary_loss(scores, is_positive, weight)`` on each class's column, averaged."""
    if scores.ndim == 1:
        return binary_loss(scores, target == 1, weight)
    per_class = [binary_loss(scores[:, k], target == k, weight) for k in range(scores.shape[1])]
    return torch.stack(per_class).mean()


def _has_both_classes(is_positive, weight):
    """Whether the batch has positive weight on both sides (a Python bool: one sync).

    ``weight=None`` means unit weights: the totals are the class counts.
    """
    if weight is None:
        positive_total = is_positive.sum()
        negative_total = is_positive.numel() - positive_total
    else:
        positive_total = (weight * is_positive).sum()
        negative_total = weight.sum() - positive_total
    return bool((positive_total > 0) & (negative_total > 0)), positive_total, negative_total


# --------------------------------------------------------------------- hinge sums in O(n log n)


def _sorted_layout(scores, is_positive, margin, tie_safe):
    """Order of the examples by ``a`` (positives: ``s``, negatives: ``s + margin``).

    Negative ``k`` is active for positive ``i`` (``margin - (s_i - s_k) > 0``) exactly
    when ``a_k > s_i``. With ``tie_safe``, negatives are placed first before a stable
    sort, so that a positive and a negative with equal ``a`` keep the negative first:
    such a pair sits on the hinge's kink and counts as inactive on both sides. The
    squared hinge is 0 with derivative 0 there, so it skips this (a cheaper sort).
    """
    key = torch.where(is_positive, scores, scores + margin)
    if not tie_safe:
        return sort_order(key)
    n = scores.shape[0]
    is_negative = ~is_positive
    # Partition in O(n): negatives to the front, positives after, each in input order.
    position = torch.where(
        is_positive,
        is_negative.sum() + torch.cumsum(is_positive, 0) - 1,
        torch.cumsum(is_negative, 0) - 1,
    )
    partition = torch.empty(n, dtype=torch.long, device=scores.device)
    partition[position] = torch.arange(n, device=scores.device)
    return partition[sort_order(key[partition], stable=True)]


def _sorted_hinge_sums(scores, is_positive, weight, margin, power, tie_safe):
    """Forward pass of the hinge sums, in sorted order.

    Sums are accumulated in float64 on scores centred at their mean (the hinge
    depends on differences only), so float32 inputs lose no accuracy to
    cancellation at large ``n`` or extreme scores. Gathers are done in the input
    dtype, and unit weights (``weight=None``) are not gathered at all: at large
    ``n`` the random-access gathers cost more than the arithmetic.

    Returns
    -------
    order : positions of the examples in sorted order
    sorted : dict of float64 tensors in sorted order: ``s``, ``positive``,
        ``w_positive``, ``w_negative``, ``W`` (sum of ``w`` over the negatives after
        each position), ``u`` (``sum w (a - s)`` over them, ``a = s + margin``) and
        ``r``, each positive's hinge sum (0 for negatives).
    """
    order = _sorted_layout(scores, is_positive, margin, tie_safe)
    s = scores[order].double()
    s = s - s.mean()
    positive = is_positive[order]
    if weight is None:
        w_positive = positive.double()
        w_negative = 1 - w_positive
    else:
        w_sorted = weight[order].double()
        w_positive = torch.where(positive, w_sorted, 0.0)
        w_negative = w_sorted - w_positive
    a = s + margin
    wa = w_negative * a
    # Suffix sums over the negatives strictly after each position: total minus prefix sum.
    W = w_negative.sum() - w_negative.cumsum(0)
    S1 = wa.sum() - wa.cumsum(0)
    u = torch.addcmul(S1, s, W, value=-1)  # sum over active negatives of w (a - s)
    if power == 1:
        r = u
    else:
        wa2 = wa * a
        S2 = wa2.sum() - wa2.cumsum(0)
        # sum w (a - s)^2 = S2 - 2 s S1 + s^2 W = S2 - s (S1 + u)
        r = torch.addcmul(S2, s, S1 + u, value=-1)
    r = torch.where(positive, r.clamp_min(0), 0.0)
    sorted = {"s": s, "positive": positive, "w_positive": w_positive, "w_negative": w_negative}
    sorted.update(W=W, u=u, r=r)
    return order, sorted


def _sorted_hinge_gradient(g, sorted, margin, power):
    """Gradient of ``sum_i g_i r_i`` with respect to the scores, in sorted order.

    Positive ``i``: ``g_i dr_i/ds_i``; negative ``k``: ``sum_i g_i dr_i/ds_k`` over the
    positives before it, from prefix sums of ``g`` (and ``g s``). ``g`` must be 0 at
    the negatives' positions.
    """
    s, positive, w_negative = sorted["s"], sorted["positive"], sorted["w_negative"]
    G0 = g.cumsum(0)
    if power == 1:
        grad_positive = -sorted["W"]
        grad_negative = w_negative * G0
    else:
        G1 = (g * s).cumsum(0)
        grad_positive = -2 * sorted["u"]
        # 2 w_k sum_i g_i (a_k - s_i) = 2 w_k (a_k G0 - G1)
        grad_negative = 2 * w_negative * torch.addcmul(-G1, s + margin, G0)
    return torch.where(positive, g * grad_positive, grad_negative)


def _unsort(values, order):
    result = torch.empty_like(values)
    result[order] = values
    return result


_SAVED = ("s", "positive", "w_negative", "W", "u")


class _PositiveHingeSums(torch.autograd.Function):
    """``r_i = sum_{k in N} w_k max(0, m - (s_i - s_k))**p`` per positive ``i``, 0 for negatives."""

    @staticmethod
    def forward(ctx, scores, is_positive, weight, margin, power):
        order, sorted = _sorted_hinge_sums(
            scores.detach(), is_positive, weight, margin, power, True
        )
        ctx.save_for_backward(order, *(sorted[key] for key in _SAVED))
        ctx.margin, ctx.power = margin, power
        return _unsort(sorted["r"], order).to(scores.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_r):
        order, *saved = ctx.saved_tensors
        sorted = dict(zip(_SAVED, saved))
        g = torch.where(sorted["positive"], grad_r[order].double(), 0.0)
        grad = _sorted_hinge_gradient(g, sorted, ctx.margin, ctx.power)
        return _unsort(grad, order).to(grad_r.dtype), None, None, None, None


class _AllPairsHinge(torch.autograd.Function):
    """``sum_i w_i r_i / normaliser``: the all-pairs (squared) hinge, gradient computed in forward.

    Computing the gradient in the sorted order of the forward pass saves the
    gather and scatter that a separate backward through ``_PositiveHingeSums``
    would need: one sort, O(n) work, one scatter.
    """

    @staticmethod
    def forward(ctx, scores, is_positive, weight, margin, power, normaliser):
        order, sorted = _sorted_hinge_sums(
            scores.detach(), is_positive, weight, margin, power, tie_safe=power == 1
        )
        g = sorted["w_positive"] / normaliser
        loss = torch.dot(g, sorted["r"])
        gradient = _sorted_hinge_gradient(g, sorted, margin, power)
        ctx.save_for_backward(_unsort(gradient.to(scores.dtype), order))
        return loss.to(scores.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (gradient,) = ctx.saved_tensors
        return grad_output * gradient, None, None, None, None, None


def positive_hinge_sums(scores, is_positive, margin=1.0, power=1, sample_weight=None):
    """Each positive's summed hinge against all negatives, in O(n log n) time and O(n) memory.

    ``r_i = sum_{k in N} w_k * max(0, margin - (s_i - s_k)) ** power`` for each
    positive ``i`` (0 for negatives): how far positive ``i`` is from outscoring every
    negative by ``margin``. With ``power=1`` this is ALM's constraint ``q_i``
    (Sangalli et al., NeurIPS 2021); weighted by ``w_i`` and summed over the positives it gives the
    pairwise hinge (``power=1``) and the all-pairs squared hinge (``power=2``).

    One sort and cumulative sums (Rust & Hocking, arXiv:2302.11062); the backward
    pass is explicit (a :class:`torch.autograd.Function`), so no ``n+ x n-`` array is
    ever formed. Weights get no gradient.

    Parameters
    ----------
    scores : torch.Tensor of shape (n,)
    is_positive : torch.Tensor of bool, shape (n,)
    margin : float, default=1.0
    power : {1, 2}, default=1
    sample_weight : torch.Tensor of shape (n,) or None
        Only the negatives' weights enter ``r``.

    Returns
    -------
    torch.Tensor of shape (n,)

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import positive_hinge_sums
    >>> scores = torch.tensor([0.5, 2.0, 0.0, 1.0])
    >>> positive_hinge_sums(scores, torch.tensor([True, True, False, False])).tolist()
    [2.0, 0.0, 0.0, 0.0]
    """
    if power not in (1, 2):
        raise ValueError(f"power must be 1 or 2; got {power!r}.")
    if scores.ndim != 1 or is_positive.shape != scores.shape:
        raise ValueError(
            f"scores and is_positive must both have shape (n,); got {tuple(scores.shape)} "
            f"and {tuple(is_positive.shape)}."
        )
    weight = None if sample_weight is None else as_weights(sample_weight, scores).detach()
    if scores.shape[0] <= _DENSE_MAX_ROWS:
        return _dense_positive_hinge_sums(scores, is_positive.bool(), weight, margin, power)
    return _PositiveHingeSums.apply(scores, is_positive.bool(), weight, float(margin), power)


def _dense_positive_hinge_sums(scores, is_positive, weight, margin, power):
    """The hinge sums from the n+ x n matrix of pairs, differentiated by autograd.

    ``relu`` has derivative 0 at 0, the sort path's convention for a pair on the kink.
    """
    negative_weight = (~is_positive).to(scores.dtype)
    if weight is not None:
        negative_weight = negative_weight * weight
    positive_rows = torch.nonzero(is_positive).flatten()
    hinge = torch.relu(margin - (scores[positive_rows, None] - scores[None, :]))
    if power == 2:
        hinge = hinge * hinge
    return scores.new_zeros(scores.shape).index_put((positive_rows,), hinge @ negative_weight)


def _all_pairs_hinge(scores, is_positive, weight, margin, power):
    if scores.shape[0] <= _DENSE_MAX_ROWS:
        pair = "hinge" if power == 1 else "squared_hinge"
        return _pair_mean(scores, is_positive, weight, pair, margin, chunk_pairs=None)
    both, positive_total, negative_total = _has_both_classes(is_positive, weight)
    if not both:
        return _no_pair_zero(scores)
    normaliser = float(positive_total * negative_total)
    return _AllPairsHinge.apply(scores, is_positive, weight, float(margin), power, normaliser)


class _PairHingeLoss(ImbalancedLoss):
    """Mean over (positive, negative) pairs of a hinge raised to the power ``_power``."""

    _power = None

    def __init__(self, margin=1.0):
        super().__init__()
        self.margin = margin

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        # Unit weights stay None: the O(n log n) path then skips gathering them.
        weight = None if sample_weight is None else as_weights(sample_weight, scores).detach()
        return _one_vs_rest(
            lambda s, pos, w: _all_pairs_hinge(s, pos, w, self.margin, self._power),
            scores,
            target,
            weight,
        )


class PairwiseHingeLoss(_PairHingeLoss):
    """Mean over (positive, negative) pairs of ``max(0, margin - (s_pos - s_neg))``.

    A surrogate of the ROC AUC (a margin-based pairwise hinge): it is 0
    when every positive outscores every negative by ``margin``. Computed in
    O(n log n) over all pairs of the batch without forming them (see
    :func:`positive_hinge_sums`). Pairs are weighted by the product of their sample
    weights. At a pair's kink (score gap exactly ``margin``) the subgradient 0 is used.

    Parameters
    ----------
    margin : float, default=1.0

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import PairwiseHingeLoss
    >>> PairwiseHingeLoss()(torch.tensor([0.5, 2.0, 0.0, 1.0]), torch.tensor([1, 1, 0, 0])).item()
    0.5
    """

    _power = 1


class AllPairsSquaredHingeLoss(_PairHingeLoss):
    """Mean over (positive, negative) pairs of ``max(0, margin - (s_pos - s_neg))**2``.

    The all-pairs squared hinge of Rust & Hocking ("A Log-linear Gradient Descent
    Algorithm for Unbalanced Binary Classification using the All Pairs Squared Hinge
    Loss", arXiv:2302.11062): a differentiable surrogate of the ROC AUC over every
    pair of the batch, computed in O(n log n) time and O(n) memory by one sort and
    cumulative sums, with an explicit backward pass (see :func:`positive_hinge_sums`).
    Pairs are weighted by the product of their sample weights.

    Parameters
    ----------
    margin : float, default=1.0

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import AllPairsSquaredHingeLoss
    >>> scores = torch.tensor([0.5, 2.0, 0.0, 1.0])
    >>> AllPairsSquaredHingeLoss()(scores, torch.tensor([1, 1, 0, 0])).item()
    0.625
    """

    _power = 2


# --------------------------------------------------------------------- pairwise logistic


def _pair_block(row_scores, column_scores, row_weight, column_weight, pair, margin, factor=1.0):
    """One block of pairs: ``sum w_i w_k l(s_i - s_k)`` and ``factor`` times its gradient.

    Rows are positives and columns negatives; a row at ``+inf`` or a column at
    ``-inf`` (a masked one) gives pairs with loss 0 and slope 0. Weights ``None``
    mean 1. Returns the sum (not multiplied by ``factor``) and ``factor`` times its
    gradient with respect to each row's and each column's score.
    """
    if pair == "logistic":
        z = column_scores[None, :] - row_scores[:, None]  # -(s_i - s_k)
        values, slope, scale = F.softplus(z), torch.sigmoid(z), 1.0
    else:
        hinge = ((column_scores + margin)[None, :] - row_scores[:, None]).clamp_min_(0)
        if pair == "hinge":
            # sign: 1 on active pairs, 0 on the kink and beyond (relu's convention).
            values, slope, scale = hinge, torch.sign(hinge), 1.0
        else:
            values, slope, scale = hinge * hinge, hinge, 2.0
    scale = scale * factor
    if row_weight is None:
        return values.sum(), slope.sum(1).mul_(-scale), slope.sum(0).mul_(scale)
    total = torch.dot(row_weight, values @ column_weight)
    row_gradient = (-scale * row_weight) * (slope @ column_weight)
    column_gradient = (scale * column_weight) * (row_weight @ slope)
    return total, row_gradient, column_gradient


def _masked_pair_mean(scores, is_positive, weight, pair, margin):
    """The mean over pairs from the whole n x n matrix: no host synchronisation.

    The wrong-class rows and columns are masked by infinite scores, and the
    normaliser stays a tensor; ``where`` (not a product) gives 0 without pairs,
    where infinite scores may leave NaN in the sums.
    """
    rows = torch.where(is_positive, scores, float("inf"))
    columns = torch.where(is_positive, -float("inf"), scores)
    total, row_gradient, column_gradient = _pair_block(rows, columns, weight, weight, pair, margin)
    if weight is None:
        positive_total = is_positive.sum()
        normaliser = positive_total * (scores.shape[0] - positive_total)
    else:
        positive_total = torch.dot(weight, is_positive.to(scores.dtype))
        normaliser = positive_total * (weight.sum() - positive_total)
    has_pairs = normaliser > 0
    normaliser = torch.where(has_pairs, normaliser, 1).to(scores.dtype)
    value = torch.where(has_pairs, total / normaliser, 0.0)
    gradient = torch.where(has_pairs, (row_gradient + column_gradient) / normaliser, 0.0)
    return value, gradient


def _selected_pair_mean(scores, is_positive, weight, pair, margin, chunk_pairs):
    """The mean over pairs from the selected positive rows, in blocks of rows.

    Blocks hold at most ``chunk_pairs`` pairs (``None``: one block), so that memory
    stays bounded however large the batch. Small batches keep every column, the
    positives masked at ``-inf``: one selection and one scatter less.
    """
    n = scores.shape[0]
    s_positive = scores[is_positive]
    n_positive = s_positive.numel()
    n_negative = n - n_positive
    if n_positive == 0 or n_negative == 0:
        return scores.new_zeros(()), torch.zeros_like(scores)
    if n <= _DENSE_MAX_ROWS:
        is_negative = None
        s_columns, w_columns = torch.where(is_positive, -float("inf"), scores), weight
    else:
        is_negative = ~is_positive
        s_columns = scores[is_negative]
        w_columns = None if weight is None else weight[is_negative]
    if weight is None:
        w_positive = None
        normaliser = float(n_positive * n_negative)
    else:
        w_positive = weight[is_positive]
        normaliser = w_positive.sum() * (weight.sum() - w_positive.sum())
        normaliser = torch.where(normaliser > 0, normaliser, 1.0)
    # The gradient is scaled in the blocks: one pass less over it.
    factor = 1 / normaliser
    block = n_positive
    if chunk_pairs is not None and n_positive * s_columns.numel() > chunk_pairs:
        block = max(1, chunk_pairs // s_columns.numel())
    totals, row_gradients, column_gradient = [], [], None
    for start in range(0, n_positive, block):
        end = start + block
        total, row_gradient, block_gradient = _pair_block(
            s_positive[start:end],
            s_columns,
            None if weight is None else w_positive[start:end],
            w_columns,
            pair,
            margin,
            factor,
        )
        totals.append(total)
        row_gradients.append(row_gradient)
        if column_gradient is None:
            column_gradient = block_gradient
        else:
            column_gradient = column_gradient + block_gradient
    if len(totals) > 1:
        total, row_gradient = torch.stack(totals).sum(), torch.cat(row_gradients)
    if is_negative is None:  # the columns' gradient is 0 at the masked positives
        gradient = column_gradient.masked_scatter_(is_positive, row_gradient)
    else:
        gradient = torch.empty_like(scores).masked_scatter_(is_positive, row_gradient)
        gradient.masked_scatter_(is_negative, column_gradient)
    return total * factor, gradient


def _pair_mean(scores, is_positive, weight, pair, margin, chunk_pairs):
    """Weighted mean over (positive, negative) pairs of a pair loss; 0 (gradient 0) without pairs.

    The gradient is computed with the value, block by block (:func:`with_gradient`):
    autograd through the blocks would keep each alive until the backward pass.
    """
    return with_gradient(
        _pair_mean_and_gradient, scores, is_positive, weight, pair, margin, chunk_pairs
    )


def _pair_mean_and_gradient(scores, is_positive, weight, pair, margin, chunk_pairs):
    # Small batches on a device where selecting rows waits for the device (nonzero
    # returns a size) use the masked n x n matrix.
    n = scores.shape[0]
    if scores.device.type not in _SELECT_ROWS_ON and (chunk_pairs is None or n * n <= chunk_pairs):
        return _masked_pair_mean(scores, is_positive, weight, pair, margin)
    return _selected_pair_mean(scores, is_positive, weight, pair, margin, chunk_pairs)


class PairwiseLogisticLoss(ImbalancedLoss):
    """Mean over (positive, negative) pairs of ``log(1 + exp(-(s_pos - s_neg)))``.

    The loss of the siamese network of the NILG.AI blog post "Difficult Targets to
    Optimize: the ROC AUC" (2023): the cross-entropy of ``sigmoid(s_pos - s_neg)``
    against target 1 for a pair fed through two weight-sharing copies of the
    network. Here all ``n+ x n-`` pairs of a mini-batch are used with one network,
    which is the same objective; the trained network's score then ranks new
    examples (tune a threshold for hard predictions).

    Time is O(n+ n-); memory is bounded by ``chunk_pairs`` pairs, the gradient being
    computed block by block in the forward pass. Pairs are weighted by the product
    of their sample weights.

    Parameters
    ----------
    chunk_pairs : int, default=2**20
        Most pairs held in memory at once.

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import PairwiseLogisticLoss
    >>> loss = PairwiseLogisticLoss()(torch.tensor([0.0, 0.0]), torch.tensor([1, 0]))
    >>> round(loss.item(), 4)
    0.6931
    """

    def __init__(self, chunk_pairs=_DEFAULT_CHUNK_PAIRS):
        super().__init__()
        if int(chunk_pairs) < 1:
            raise ValueError(f"chunk_pairs must be a positive integer; got {chunk_pairs!r}.")
        self.chunk_pairs = int(chunk_pairs)

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        weight = None if sample_weight is None else as_weights(sample_weight, scores).detach()
        return _one_vs_rest(
            lambda s, pos, w: _pair_mean(s, pos, w, "logistic", 0.0, self.chunk_pairs),
            scores,
            target,
            weight,
        )


# --------------------------------------------------------------------- mini-batch AUC


def _mini_batch_auc(positive_probability, is_positive, weight):
    """``sum_{i in P, j in N} w_i w_j (1 - (p_i - p_j))**2 / (W+ W-)`` via class moments."""
    both, positive_total, negative_total = _has_both_classes(is_positive, weight)
    if not both:
        return _no_pair_zero(positive_probability)
    # (1 - p_i + p_j)^2 = a_i^2 + 2 a_i b_j + b_j^2 with a = 1 - p (positives), b = p (negatives).
    w_positive = torch.where(is_positive, weight, 0.0)
    w_negative = weight - w_positive
    a = 1 - positive_probability
    b = positive_probability
    mean_a = (w_positive * a).sum() / positive_total
    mean_a2 = (w_positive * a * a).sum() / positive_total
    mean_b = (w_negative * b).sum() / negative_total
    mean_b2 = (w_negative * b * b).sum() / negative_total
    return mean_a2 + 2 * mean_a * mean_b + mean_b2


class MiniBatchAUCLoss(ImbalancedLoss):
    """Mini-batch AUC (MBAUC): mean over pairs of ``(1 - (sigmoid(s_pos) - sigmoid(s_neg)))**2``.

    The square-loss AUC surrogate on probabilities used as a baseline by Sangalli et
    al. (NeurIPS 2021). Expanding the square makes it O(n): it needs only the mean
    and mean square of the probabilities of each class. Pairs are weighted by the
    product of their sample weights. Multi-class scores use the softmax probability
    of each class, one-vs-rest, averaged over classes.

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import MiniBatchAUCLoss
    >>> MiniBatchAUCLoss()(torch.tensor([0.0, 0.0]), torch.tensor([1, 0])).item()
    1.0
    """

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        weight = as_weights(sample_weight, scores).detach()
        probability = torch.sigmoid(scores) if scores.ndim == 1 else torch.softmax(scores, dim=1)
        return _one_vs_rest(_mini_batch_auc, probability, target, weight)
