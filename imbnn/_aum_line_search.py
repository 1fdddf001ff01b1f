"""Exact line search of AUM along a direction, for scores linear in the step size.

Fowler & Hocking, "Efficient line search for optimizing Area Under the ROC Curve in
gradient descent", arXiv:2410.08635, 2024 (the R package ``aum``,
``aum_line_search``).

For a linear model and a descent direction, each example's score is a line in the
step size ``s``: ``score_i(s) = score_i + s * slope_i``, and its threshold (Hillman &
Hocking, JMLR 2023) is ``t_i(s) = -score_i(s)``. Between two step sizes where some pair of
threshold lines cross, the order of the thresholds is fixed, so every
``min(FP, FN)`` of a gap between consecutive thresholds is constant and AUM(s) is
linear in ``s``. The event walk below keeps the lines sorted and a heap of the next
crossing of each adjacent pair; each swap of two adjacent lines changes one
cumulative FP/FN pair, hence one gap's ``min(FP, FN)`` and the slope of AUM(s) by a
term of three gaps. ROC AUC, piecewise constant in ``s``, changes when a positive and
a negative swap.

Private: :class:`imbnn.estimators.AUMLinearClassifier` is its user.
"""

import heapq
from dataclasses import dataclass

import numpy as np
import torch

from .losses import aum_with_gradient
from .utils._numba import compiled

__all__ = ["LineSearchResult", "aum_line_search", "METHODS"]

METHODS = ("first_min", "linear", "grid")

# Crossings whose step sizes agree to this relative precision are one breakpoint: lines
# that meet at one point in exact arithmetic get crossing times a few ulps apart, and
# the slope between two of those swaps means nothing.
_SAME_STEP = 1e-10
# An AUM this small relative to AUM(0) is taken as 0 (the walk accumulates rounding).
_ZERO_AUM = 1e-10
# The grid of step sizes of method="grid", in units of std(scores) / std(slopes).
_GRID = np.concatenate([[0.0], np.logspace(-4, 2, 61)])


@dataclass
class LineSearchResult:
    """The chosen step and the part of the AUM(s) path that was walked.

    Attributes
    ----------
    step : float
        The chosen step size.
    aum : float
        AUM at ``step``.
    steps : ndarray
        Step sizes of the breakpoints visited, in increasing order, starting with 0
        (only 0 unless ``return_path``; for ``"grid"``: the grid).
    aum_values : ndarray
        AUM at each of ``steps``.
    slopes : ndarray
        Slope of AUM(s) just after each of ``steps`` (NaN for ``"grid"``).
    auc_values : ndarray
        ROC AUC on the open interval just after each of ``steps`` (for ``"grid"``: at
        each grid step, NaN).
    n_crossings : int
        Swaps of adjacent lines processed.
    """

    step: float
    aum: float
    steps: np.ndarray
    aum_values: np.ndarray
    slopes: np.ndarray
    auc_values: np.ndarray
    n_crossings: int


def _class_steps(is_positive, weight, variant):
    """Each example's false-positive and false-negative step (Hillman & Hocking, JMLR 2023)."""
    fp = np.where(is_positive, 0.0, weight)
    fn = np.where(is_positive, weight, 0.0)
    if variant == "rate":
        fp_total, fn_total = fp.sum(), fn.sum()
        fp = fp / (fp_total if fp_total > 0 else 1.0)
        fn = fn / (fn_total if fn_total > 0 else 1.0)
    return fp, fn


def aum_line_search(
    scores, slopes, is_positive, sample_weight=None, *, variant="rate", method="first_min",
    max_crossings=None, return_path=False,
):
    """Step size along ``scores + s * slopes`` (``s >= 0``) that minimises AUM.

    Parameters
    ----------
    scores : array-like of shape (n,)
        Scores at step 0.
    slopes : array-like of shape (n,)
        Change of each score per unit step (for a linear model ``X @ direction``).
    is_positive : array-like of bool, shape (n,)
    sample_weight : array-like of shape (n,), default=None
    variant : {"rate", "count"}, default="rate"
    method : {"first_min", "linear", "grid"}, default="first_min"
        ``"first_min"``: walk the crossings until AUM first increases and stop at that
        breakpoint (the first local minimum). ``"linear"``: walk ``max_crossings``
        crossings (default ``n``: O(n log n)) and keep the breakpoint of least AUM.
        ``"grid"``: AUM at 62 step sizes from 0 to ``100 * std(scores) / std(slopes)``,
        each by one sort (no walk).
    max_crossings : int or None, default=None
        Most swaps to process (``"first_min"``: no limit by default; ``"linear"``:
        ``n`` by default). The walk finishes the breakpoint it is in.
    return_path : bool, default=False
        Record every breakpoint walked in the result (memory grows with the
        crossings); otherwise the path fields hold step 0 only.

    Returns
    -------
    LineSearchResult

    Notes
    -----
    Lines tied at step 0 are ordered by slope, their order just after 0; identical
    lines (duplicate rows) never cross and stay tied. When the minimum is a flat
    stretch (zero slope), the step is the middle of the stretch, where no line of it
    ties; an AUM that reaches 0 stays 0 until the next crossing, and the step is the
    middle of that stretch (twice the breakpoint when no crossing is left).

    Examples
    --------
    >>> from imbnn._aum_line_search import aum_line_search
    >>> result = aum_line_search([1.0, 0.0], [-1.0, 1.0], [False, True], variant="count")
    >>> result.step, result.aum  # the positive overtakes the negative at s = 0.5
    (1.0, 0.0)
    """
    scores = np.asarray(scores, dtype=np.float64)
    slopes = np.asarray(slopes, dtype=np.float64)
    is_positive = np.asarray(is_positive, dtype=bool)
    n = scores.shape[0]
    if scores.ndim != 1 or slopes.shape != (n,) or is_positive.shape != (n,):
        raise ValueError(
            "scores, slopes and is_positive must be 1-d of one length; got shapes "
            f"{scores.shape}, {slopes.shape}, {is_positive.shape}."
        )
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    if variant not in ("rate", "count"):
        raise ValueError(f"variant must be 'rate' or 'count'; got {variant!r}.")
    if method == "grid":
        return _grid_search(scores, slopes, is_positive, weight, variant)
    if max_crossings is None:
        max_crossings = n if method == "linear" else np.inf
    fp, fn = _class_steps(is_positive, weight, variant)
    steps, values, path_slopes, aucs, n_crossings, step, aum = _walk(
        -scores, -slopes, fp, fn, is_positive, weight, max_crossings, method == "first_min",
        return_path,
    )
    return LineSearchResult(
        step=float(step), aum=float(aum), steps=np.array(steps), aum_values=np.array(values),
        slopes=np.array(path_slopes), auc_values=np.array(aucs), n_crossings=int(n_crossings),
    )


def _grid_search(scores, slopes, is_positive, weight, variant):
    spread, slope_spread = scores.std(), slopes.std()
    unit = spread / slope_spread if spread > 0 and slope_spread > 0 else 1.0
    steps = unit * _GRID
    positive, weights = torch.from_numpy(is_positive), torch.from_numpy(weight)
    values = np.array([
        float(aum_with_gradient(torch.from_numpy(scores + s * slopes), positive, weights,
                                variant)[0])
        for s in steps
    ])
    index = int(np.argmin(values))
    nan = np.full(len(steps), np.nan)
    return LineSearchResult(
        step=float(steps[index]), aum=float(values[index]), steps=steps, aum_values=values,
        slopes=nan, auc_values=nan.copy(), n_crossings=0,
    )


def _initial_auc(a, m, order, is_positive, weight):
    """ROC AUC just after step 0: lines ordered by (threshold, slope), identical ones tied."""
    pos_total, neg_total = weight[is_positive].sum(), weight[~is_positive].sum()
    if pos_total <= 0 or neg_total <= 0:
        return np.nan
    a_sorted, m_sorted = a[order], m[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (a_sorted[1:] != a_sorted[:-1]) | (m_sorted[1:] != m_sorted[:-1])
    group = np.cumsum(new_group) - 1
    w, pos = weight[order], is_positive[order]
    pos_group = np.bincount(group, weights=np.where(pos, w, 0.0))
    neg_group = np.bincount(group, weights=np.where(pos, 0.0, w))
    # A larger threshold is a lower score: negatives of later groups rank below.
    neg_after = neg_total - np.cumsum(neg_group)
    return float((pos_group * (neg_after + neg_group / 2)).sum() / (pos_total * neg_total))


def _walk(a, m, fp, fn, is_positive, weight, max_crossings, first_min, record):
    """The event walk over the crossings of the threshold lines ``a + s * m``.

    Sets up the order just after ``s = 0`` and the first crossing of each adjacent
    pair (vectorised), then runs :func:`_walk_loop`, compiled when numba is there.
    """
    n = len(a)
    order = np.lexsort((m, a))
    auc = _initial_auc(a, m, order, is_positive, weight)
    a_sorted, m_sorted = a[order], m[order]
    fp_sorted, fn_sorted = fp[order], fn[order]
    fp_cum = np.cumsum(fp_sorted)
    # FN beyond rank r from a reverse cumsum, so that it is exactly 0 at the last rank.
    fn_beyond = np.zeros(n)
    fn_beyond[:-1] = np.cumsum(fn_sorted[::-1])[::-1][1:]
    gap_min = np.minimum(fp_cum, fn_beyond)  # gap_min[n - 1] is 0
    value = float((np.diff(a_sorted) * gap_min[:-1]).sum())
    slope = float((np.diff(m_sorted) * gap_min[:-1]).sum())

    pos_total, neg_total = weight[is_positive].sum(), weight[~is_positive].sum()
    auc_unit = 1.0 / (pos_total * neg_total) if pos_total > 0 and neg_total > 0 else 0.0
    # A swap where q (scored below p so far) is positive and p negative gains w_p w_q of
    # the AUC; the reverse loses it.
    auc_weight = weight * np.sqrt(auc_unit)
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(n)
    ranks = np.flatnonzero(m_sorted[:-1] > m_sorted[1:])
    crossing = (a_sorted[ranks + 1] - a_sorted[ranks]) / (m_sorted[ranks] - m_sorted[ranks + 1])
    arrays = [
        a, m, fp, fn, auc_weight, is_positive, order.astype(np.int64), rank_of, fp_cum,
        fn_beyond, gap_min, crossing, order[ranks].astype(np.int64),
        order[ranks + 1].astype(np.int64),
    ]
    scalars = (
        value, slope, auc, _ZERO_AUM * value, float(max_crossings), first_min, record,
        _SAME_STEP,
    )
    if _walk_compiled is not None:
        return _walk_compiled(*arrays, *scalars)
    # Python lists: the pure loop reads single elements, which numpy makes slow.
    return _walk_loop(*[array.tolist() for array in arrays], *scalars)


def _walk_loop(
    a, m, fp, fn, auc_weight, positive, order, rank_of, fp_cum, fn_beyond, gap,
    crossing, low, high, value, slope, auc, zero, max_crossings, first_min, record, same_step,
):
    """The walk itself, on lists (pure Python) or arrays (numba): the same code.

    Returns the recorded breakpoints (only step 0 unless ``record``), the AUM at each
    and its slope and ROC AUC just after, the number of swaps, and the chosen step
    and its AUM: for ``first_min`` the first minimum (see :func:`aum_line_search`),
    otherwise the least AUM visited.
    """
    n = len(a)
    heap = [(crossing[k], low[k], high[k]) for k in range(len(crossing))]
    heapq.heapify(heap)
    steps, values, slopes, aucs = [0.0], [value], [slope], [auc]
    n_crossings = 0
    at = 0.0
    best_step, best_value = 0.0, value
    flat_from = 0.0 if slope == 0 else -1.0  # -1: the stretch before is not flat
    stopped = first_min and (slope > 0 or value <= zero)
    while not stopped and len(heap) > 0 and n_crossings < max_crossings:
        group_step = heap[0][0]
        limit = group_step + same_step * abs(group_step)
        value += slope * (group_step - at)
        at = group_step
        while len(heap) > 0 and heap[0][0] <= limit:
            top = heapq.heappop(heap)
            p, q = top[1], top[2]
            r = rank_of[p]
            if rank_of[q] != r + 1:  # stale: the pair is no longer adjacent
                continue
            order[r], order[r + 1] = q, p
            rank_of[q], rank_of[p] = r, r + 1
            old = gap[r]
            fp_cum[r] = (fp_cum[r - 1] if r > 0 else 0.0) + fp[q]
            fn_beyond[r] = fn_beyond[r + 1] + fn[p]
            new = fp_cum[r] if fp_cum[r] < fn_beyond[r] else fn_beyond[r]
            gap[r] = new
            # Gaps r-1, r, r+1 change slope; their min(FP, FN) other than gap r do not.
            slope += (m[p] - m[q]) * (old + new - (gap[r - 1] if r > 0 else 0.0) - gap[r + 1])
            if positive[p] != positive[q]:
                change = auc_weight[p] * auc_weight[q]
                auc += change if positive[q] else -change
            n_crossings += 1
            if r > 0:
                o = order[r - 1]
                if m[o] > m[q]:
                    s = (a[q] - a[o]) / (m[o] - m[q])
                    heapq.heappush(heap, (s if s > group_step else group_step, o, q))
            if r + 2 < n:
                o = order[r + 2]
                if m[p] > m[o]:
                    s = (a[o] - a[p]) / (m[p] - m[o])
                    heapq.heappush(heap, (s if s > group_step else group_step, p, o))
        if record:
            steps.append(at)
            values.append(value)
            slopes.append(slope)
            aucs.append(auc)
        if value < best_value:
            best_step, best_value = at, value
        if first_min:
            stopped = slope > 0 or value <= zero
            if not stopped:
                if slope != 0:
                    flat_from = -1.0
                elif flat_from < 0:
                    flat_from = at
    if not first_min:
        return steps, values, slopes, aucs, n_crossings, best_step, best_value
    # The first minimum is at the last breakpoint, ``at``. A slope after it of at most
    # 0 (AUM reached 0, or no crossing is left) means AUM keeps its value until the
    # next crossing or for ever: the step is the middle of that stretch (twice the
    # breakpoint without a next crossing). Otherwise AUM increases after it; if it
    # was flat before, from ``flat_from``, the step is the middle of the flat stretch.
    if slope <= 0:
        while len(heap) > 0 and rank_of[heap[0][2]] != rank_of[heap[0][1]] + 1:
            heapq.heappop(heap)  # stale events cannot bound the stretch
        if len(heap) > 0:
            return steps, values, slopes, aucs, n_crossings, (at + heap[0][0]) / 2, value
        return steps, values, slopes, aucs, n_crossings, 2 * at, value
    if flat_from >= 0:
        return steps, values, slopes, aucs, n_crossings, (flat_from + at) / 2, value
    return steps, values, slopes, aucs, n_crossings, at, value


# The numba-compiled loop, or None (numba absent, or IMBNN_NO_NUMBA=1).
_walk_compiled = compiled(_walk_loop, cache=False)
