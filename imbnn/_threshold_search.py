"""Exact searches for per-class decision thresholds (private to :mod:`imbnn.thresholds`).

Both threshold rules of :class:`~imbnn.thresholds.TunedThresholdClassifier` are written
here as one rule on *working scores*: predict ``argmax_k (s_k - u_k)``, where ``s = p``
for the absolute rule and ``s = log p`` for the relative rule (``p_k / t_k`` ranks as
``log p_k - log t_k``), and ``u`` are the thresholds on that scale.

With every threshold but ``u_k`` fixed, example ``i`` is predicted ``k`` exactly when
``u_k < r_i = s_ik - max_{j != k} (s_ij - u_j)`` and otherwise goes to the class ``c_i``
of that maximum. The score over all values of ``u_k`` is therefore a step function
that changes only at the critical values ``r_i``: one sort of them and cumulative
sums of the confusion-matrix changes give the score of every distinct cut, which is
the exact one-dimensional search. Binary problems need one such search (one free
threshold); ``K`` classes are searched by coordinate ascent over the classes.

The objective is the mean over validation folds of the score on each fold, as in
scikit-learn's ``TunedThresholdClassifierCV`` and ``GridSearchCV``.
"""

import inspect
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    fbeta_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

from .utils._compat import scorer_parts

# The relative rule compares log-probabilities; a zero probability would be -inf and a
# threshold could then never bring that class back, and thresholds would span more
# than a float's exponent range. Probabilities are floored here for that rule only.
PROBA_FLOOR = 1e-12

# Score differences below this are treated as ties (cumulative sums of float weights
# are not exact), so the search never moves for a rounding-level "improvement".
SCORE_TOLERANCE = 1e-12


def working_scores(proba, method):
    """The scores whose thresholded argmax is the rule: ``p`` or ``log p``."""
    proba = np.asarray(proba, dtype=np.float64)
    if method == "relative":
        return np.log(np.maximum(proba, PROBA_FLOOR))
    return proba


def thresholds_to_working(thresholds, method):
    """Normalised thresholds -> thresholds on the working scale."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if method == "relative":
        return np.log(thresholds)
    return thresholds


def normalise(working_thresholds, method):
    """Thresholds on the probability scale, normalised to sum to one.

    The absolute rule is unchanged by adding a constant to every threshold and the
    relative rule by multiplying every threshold by a positive constant, so each
    class of equivalent thresholds is represented by the one summing to one. Equal
    thresholds (``1 / K`` each) are then the default argmax decision, and for two
    classes the threshold of the second class is the cut on its probability.
    """
    u = np.asarray(working_thresholds, dtype=np.float64)
    if method == "relative":
        shifted = np.exp(u - u.max())
        return shifted / shifted.sum()
    return u - u.mean() + 1.0 / len(u)


def argmax_decision(working_scores_, working_thresholds):
    """Encoded predictions of the rule (ties go to the first class, as ``np.argmax``)."""
    return np.argmax(working_scores_ - working_thresholds, axis=1)


# ---------------------------------------------------------------------------------------
# Scores of many confusion matrices at once


@dataclass
class ConfusionStatistics:
    """Per-class sums of confusion matrices at many cuts.

    ``diagonal`` and ``predicted`` have shape ``(n_cuts, K)`` (correct and predicted
    weight of each class), ``true`` has shape ``(K,)`` (the weight of each true
    class, the same at every cut), ``matrices`` has shape ``(n_cuts, K, K)`` and is
    only filled for scorers that are not known to depend on the sums alone.
    """

    diagonal: np.ndarray
    predicted: np.ndarray
    true: np.ndarray
    matrices: np.ndarray = None


class ConfusionMatrixScore:
    """A scikit-learn scorer of predicted labels, evaluated from confusion matrices.

    Every scorer of predicted labels depends on the data only through the weighted
    confusion matrix (it cannot tell the order of the examples apart), so evaluating it
    on one example per non-empty cell, weighted by the cell, gives its exact value.
    The common metrics (accuracy, balanced accuracy, F-beta/precision/recall and
    Matthews correlation) are evaluated in closed form from the class sums instead,
    vectorised over all cuts; tests check the two ways against each other.

    Parameters
    ----------
    scorer : scikit-learn scorer with ``response_method="predict"``
    classes : ndarray of shape (K,)
    weighted : bool
        Whether the examples carry sample weights.
    """

    def __init__(self, scorer, classes, weighted):
        self.scorer = scorer
        self.classes = np.asarray(classes)
        self.weighted = weighted
        parts = scorer_parts(scorer)
        self.sign = parts.sign
        self.score_func = parts.score_func
        self.score_kwargs = parts.kwargs
        self.closed_form = self._closed_form(self.score_func, dict(self.score_kwargs))
        # accuracy and balanced accuracy read only the diagonal: the search then skips
        # the running totals of the predicted classes
        self.needs_predicted = self.closed_form not in (_accuracy, None) and not getattr(
            self.closed_form, "diagonal_only", False
        )
        if self.closed_form is None:
            self._accepts_weight = (
                "sample_weight" in inspect.signature(self.score_func).parameters
            )
            if weighted and not self._accepts_weight:
                raise ValueError(
                    f"The scorer's function {self.score_func.__name__} does not accept "
                    "sample_weight, but the fit was given sample weights."
                )

    @property
    def needs_matrices(self):
        return self.closed_form is None

    def scores(self, statistics):
        """The scorer's value (greater is better) at each cut, shape ``(n_cuts,)``."""
        if self.closed_form is not None:
            return self.sign * self.closed_form(statistics)
        return np.array([self._score_matrix(matrix) for matrix in statistics.matrices])

    def score_predictions(self, y_true, y_pred, sample_weight=None):
        """The scorer's own value on encoded labels (greater is better)."""
        kwargs = dict(self.score_kwargs)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return self.sign * self.score_func(
            self.classes[y_true], self.classes[y_pred], **kwargs
        )

    def _score_matrix(self, matrix):
        total = matrix.sum()
        true_index, predicted_index = np.nonzero(np.abs(matrix) > 1e-9 * max(total, 1.0))
        cells = matrix[true_index, predicted_index]
        if self._accepts_weight:
            return self.score_predictions(true_index, predicted_index, sample_weight=cells)
        counts = np.rint(cells).astype(np.intp)
        return self.score_predictions(
            np.repeat(true_index, counts), np.repeat(predicted_index, counts)
        )

    # -- closed forms ------------------------------------------------------------------

    def _closed_form(self, function, kwargs):
        """A vectorised version of ``function`` with these keyword arguments, or None."""
        if function is accuracy_score and kwargs.get("normalize", True):
            return _accuracy
        if function is balanced_accuracy_score and set(kwargs) <= {"adjusted"}:
            adjusted = kwargs.get("adjusted", False)

            def balanced_accuracy(statistics):
                return _balanced_accuracy(statistics, adjusted)

            balanced_accuracy.diagonal_only = True
            return balanced_accuracy
        if function is matthews_corrcoef and not kwargs:
            return _matthews
        fscores = {
            f1_score: "f",
            fbeta_score: "f",
            precision_score: "precision",
            recall_score: "recall",
        }
        if function in fscores and set(kwargs) <= {"average", "pos_label", "beta", "zero_division"}:
            average = kwargs.get("average", "binary")
            zero_division = kwargs.get("zero_division", "warn")
            zero_division = 0.0 if zero_division == "warn" else zero_division
            if average not in {"binary", "macro", "micro", "weighted"}:
                return None
            if not isinstance(zero_division, (int, float)) or np.isnan(zero_division):
                return None
            beta = kwargs.get("beta", 1.0)
            positive = None
            if average == "binary":
                pos_label = kwargs.get("pos_label", 1)
                matches = np.flatnonzero(self.classes == pos_label)
                if len(self.classes) != 2 or len(matches) != 1:
                    return None  # scikit-learn's own function raises the informative error
                positive = int(matches[0])
            kind = fscores[function]
            return lambda statistics: _fscore(
                statistics, kind, average, beta, zero_division, positive
            )
        return None


def _accuracy(statistics):
    return statistics.diagonal.sum(axis=1) / statistics.true.sum()


def _balanced_accuracy(statistics, adjusted):
    present = statistics.true > 0
    recall = statistics.diagonal[:, present] / statistics.true[present]
    score = recall.mean(axis=1)
    if adjusted:
        chance = 1.0 / present.sum()
        score = (score - chance) / (1.0 - chance)
    return score


def _matthews(statistics):
    total = statistics.true.sum()
    correct = statistics.diagonal.sum(axis=1)
    predicted = statistics.predicted
    covariance = correct * total - predicted @ statistics.true
    predicted_variance = total**2 - (predicted**2).sum(axis=1)
    true_variance = total**2 - (statistics.true**2).sum()
    denominator = predicted_variance * true_variance
    with np.errstate(invalid="ignore", divide="ignore"):
        score = covariance / np.sqrt(denominator)
    return np.where(denominator == 0, 0.0, score)


def _safe_ratio(numerator, denominator, zero_division):
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = numerator / denominator
    return np.where(denominator > 0, ratio, zero_division)


def _fscore(statistics, kind, average, beta, zero_division, positive):
    correct = statistics.diagonal
    predicted = statistics.predicted
    true = np.broadcast_to(statistics.true, correct.shape)
    if average == "micro":
        # Single-label problems with every class counted: micro precision, recall and F are
        # all the accuracy.
        return _accuracy(statistics)
    if kind == "precision":
        per_class = _safe_ratio(correct, predicted, zero_division)
    elif kind == "recall":
        per_class = _safe_ratio(correct, true, zero_division)
    else:
        beta2 = beta**2
        per_class = _safe_ratio(
            (1 + beta2) * correct,
            (1 + beta2) * correct + beta2 * (true - correct) + (predicted - correct),
            zero_division,
        )
    if average == "binary":
        return per_class[:, positive]
    present = (true > 0) | (predicted > 0)  # scikit-learn averages over labels seen
    if average == "macro":
        return np.where(present, per_class, 0.0).sum(axis=1) / present.sum(axis=1)
    support = statistics.true
    if support.sum() == 0:
        return np.full(len(correct), float(zero_division))
    return (per_class * support).sum(axis=1) / support.sum()


# ---------------------------------------------------------------------------------------
# Exact line searches


@dataclass
class Fold:
    """Held-out working scores of one validation fold (encoded labels, positive weights)."""

    scores: np.ndarray
    y: np.ndarray
    weight: np.ndarray

    def statistics(self, prediction, metric):
        """Confusion statistics of one set of encoded predictions (one cut)."""
        n_classes = self.scores.shape[1]
        true = np.bincount(self.y, weights=self.weight, minlength=n_classes)
        correct = np.bincount(
            self.y, weights=self.weight * (prediction == self.y), minlength=n_classes
        )
        predicted = np.bincount(prediction, weights=self.weight, minlength=n_classes)
        matrices = None
        if metric.needs_matrices:
            matrices = np.zeros((1, n_classes, n_classes))
            np.add.at(matrices[0], (self.y, prediction), self.weight)
        return ConfusionStatistics(correct[None], predicted[None], true, matrices)


def line_events(shifted, direction):
    """Where each example changes class along ``u + step * direction``.

    ``shifted`` are the working scores minus the current thresholds, so class ``m``
    of example ``i`` has the value ``shifted[i, m] - step * direction[m]``.
    ``direction`` is ``e_k`` (raise one class's threshold) or ``e_j - e_k`` (raise
    ``j``'s, lower ``k``'s). Returns the prediction as ``step -> -inf`` and the events
    ``(step, row, from_class, to_class)`` in no particular order.
    """
    n_samples = len(shifted)
    rows = np.arange(n_samples)
    raised = np.flatnonzero(direction > 0)
    lowered = np.flatnonzero(direction < 0)
    others = shifted.copy()
    others[:, np.concatenate([raised, lowered])] = -np.inf
    competitor = np.argmax(others, axis=1)
    best_other = others[rows, competitor]
    j = int(raised[0])
    if len(lowered) == 0:
        # class j falls by `step`; it gives way to the best other class at a_j - m
        return np.full(n_samples, j), (
            shifted[:, j] - best_other,
            rows,
            np.full(n_samples, j),
            competitor,
        )
    k = int(lowered[0])
    a_j, a_k = shifted[:, j], shifted[:, k]
    crossing = (a_j - a_k) / 2.0
    via_other = best_other > (a_j + a_k) / 2.0  # another class tops both where they cross
    direct = ~via_other
    steps = np.concatenate(
        [crossing[direct], (a_j - best_other)[via_other], (best_other - a_k)[via_other]]
    )
    event_rows = np.concatenate([rows[direct], rows[via_other], rows[via_other]])
    sources = np.concatenate(
        [np.full(direct.sum(), j), np.full(via_other.sum(), j), competitor[via_other]]
    )
    targets = np.concatenate(
        [np.full(direct.sum(), k), competitor[via_other], np.full(via_other.sum(), k)]
    )
    return np.full(n_samples, j), (steps, event_rows, sources, targets)


class FoldCurve:
    """The score of one fold as a step function of the step along a direction.

    ``values`` are the distinct steps where some example changes class, increasing,
    and ``scores[g]`` the fold's score between ``values[g - 1]`` and ``values[g]``.
    """

    def __init__(self, fold, working_thresholds, direction, metric):
        n_classes = fold.scores.shape[1]
        start, (steps, rows, sources, targets) = line_events(
            fold.scores - working_thresholds, direction
        )
        order = np.argsort(steps)
        steps, rows, sources, targets = steps[order], rows[order], sources[order], targets[order]
        y, weight = fold.y[rows], fold.weight[rows]
        new_group = np.empty(len(steps), dtype=bool)
        new_group[:1] = True
        new_group[1:] = steps[1:] != steps[:-1]
        group = np.cumsum(new_group) - 1
        n_groups = int(group[-1]) + 1 if len(group) else 0
        self.values = steps[new_group]

        base = fold.statistics(start, metric)
        # An event moves an example's weight from one predicted class to another, and
        # its correct weight too when the example's class is one of them.
        size = n_groups * n_classes
        to_cell, from_cell = group * n_classes + targets, group * n_classes + sources
        if metric.needs_predicted:
            delta_predicted = np.bincount(to_cell, weight, size) - np.bincount(
                from_cell, weight, size
            )
        delta_correct = np.bincount(to_cell, weight * (y == targets), size) - np.bincount(
            from_cell, weight * (y == sources), size
        )
        correct = base.diagonal + _cumulative(delta_correct.reshape(n_groups, n_classes))
        predicted = None
        if metric.needs_predicted:
            predicted = base.predicted + _cumulative(delta_predicted.reshape(n_groups, n_classes))
            # Cumulative sums of float weights leave rounding residue where a sum is zero.
            predicted[np.abs(predicted) < 1e-9 * max(base.true.sum(), 1.0)] = 0.0
        matrices = None
        if metric.needs_matrices:
            size = n_groups * n_classes * n_classes
            to_cell = (group * n_classes + y) * n_classes + targets
            from_cell = (group * n_classes + y) * n_classes + sources
            delta = np.bincount(to_cell, weight, size) - np.bincount(from_cell, weight, size)
            matrices = base.matrices + _cumulative(delta.reshape(n_groups, n_classes, n_classes))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # undefined precision etc. at extreme cuts
            self.scores = metric.scores(
                ConfusionStatistics(correct, predicted, base.true, matrices)
            )

    def at(self, steps):
        """The fold's score at each of ``steps`` (none of them equal to a value)."""
        return self.scores[np.searchsorted(self.values, steps)]


def _cumulative(delta):
    """Running totals with a leading zero: the state after 0, 1, ... groups of events."""
    out = np.zeros((len(delta) + 1,) + delta.shape[1:])
    np.cumsum(delta, axis=0, out=out[1:])
    return out


def candidate_steps(values):
    """One step inside each interval between distinct event steps, ends included."""
    if len(values) == 0:
        return np.zeros(1)
    middles = (values[:-1] + values[1:]) / 2.0
    return np.concatenate([[values[0] - 1.0], middles, [values[-1] + 1.0]])


def mean_score(folds, working_thresholds, metric):
    """Mean over folds of the score of the rule with these thresholds (ties as argmax)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(
            np.mean(
                [
                    metric.scores(
                        fold.statistics(argmax_decision(fold.scores, working_thresholds), metric)
                    )[0]
                    for fold in folds
                ]
            )
        )


def line_search(folds, working_thresholds, direction, metric):
    """Exact best step along ``direction``: ``(step, mean score over folds)``.

    Every distinct event step of every fold bounds an interval of constant score;
    one step inside each interval is scored. Among steps of equal score the middle
    one of the longest run of consecutive best steps is chosen, the one farthest from
    the examples on either side.
    """
    curves = [FoldCurve(fold, working_thresholds, direction, metric) for fold in folds]
    steps = candidate_steps(np.unique(np.concatenate([curve.values for curve in curves])))
    scores = np.mean([curve.at(steps) for curve in curves], axis=0)
    best = np.nanmax(scores)
    is_best = scores >= best - SCORE_TOLERANCE
    edges = np.diff(np.concatenate([[0], is_best.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = np.argmax(stops - starts)
    chosen = starts[longest] + (stops[longest] - starts[longest] - 1) // 2
    return float(steps[chosen]), float(scores[chosen])


@dataclass
class SearchResult:
    working_thresholds: np.ndarray
    score: float
    n_iter: int


def search_directions(n_classes):
    """Coordinate directions first, then the pairs (raise one class, lower another)."""
    eye = np.eye(n_classes)
    if n_classes == 2:
        return [eye[1]], []
    pairs = [eye[j] - eye[k] for j in range(n_classes) for k in range(j + 1, n_classes)]
    return list(eye), pairs


def coordinate_ascent(folds, metric, n_classes, max_iter, initial=None):
    """Climb from ``initial`` (default: equal thresholds) by exact line searches.

    The search passes over the classes, each step the exact search over one
    class's threshold. A step is taken only when it strictly raises the score, so
    the score never decreases. When a pass over the classes improves nothing, the
    directions that raise one class's threshold and lower another's are searched
    (they leave the other classes' thresholds in place, which no single-class step
    does); an improvement there resumes the passes over the classes, otherwise the
    climb ends. ``max_iter`` bounds the number of line searches. Two classes have
    one free threshold (the rules are invariant to a common shift or scale), and
    one search of the second class's threshold is the exact optimum.
    """
    u = np.zeros(n_classes) if initial is None else np.array(initial, dtype=np.float64)
    coordinates, pairs = search_directions(n_classes)
    directions = coordinates + pairs
    class_steps = list(range(len(coordinates)))
    pair_steps = list(range(len(coordinates), len(directions)))
    score = mean_score(folds, u, metric)
    n_iter = 0
    queue, searching_pairs = list(class_steps), False
    while n_iter < max_iter:
        if not queue:
            if searching_pairs or not pair_steps:
                break
            queue, searching_pairs = list(pair_steps), True
        index = queue.pop(0)
        step, new_score = line_search(folds, u, directions[index], metric)
        n_iter += 1
        if new_score > score + SCORE_TOLERANCE:
            u = u + step * directions[index]
            score = new_score
            # the direction just searched is at its optimum; pass over the others
            queue, searching_pairs = [c for c in class_steps if c != index], False
    return SearchResult(u, score, n_iter)


def search_thresholds(folds, metric, n_classes, method, max_iter, random_state):
    """Best thresholds (working scale) within a budget of ``max_iter`` line searches.

    The first climb starts from the default decision (equal thresholds). While
    budget is left, further climbs start from thresholds drawn uniformly from the
    simplex (random threshold vectors, each refined to a local optimum);
    a climb replaces the best only when it scores strictly higher, so ties keep the
    default's neighbourhood. Two classes need a single exact search.
    """
    best = coordinate_ascent(folds, metric, n_classes, max_iter)
    n_iter = best.n_iter
    while n_classes > 2 and n_iter < max_iter:
        start = thresholds_to_working(random_state.dirichlet(np.ones(n_classes)), method)
        climb = coordinate_ascent(folds, metric, n_classes, max_iter - n_iter, initial=start)
        n_iter += climb.n_iter
        if climb.score > best.score + SCORE_TOLERANCE:
            best = climb
    return SearchResult(best.working_thresholds, best.score, n_iter)


# ---------------------------------------------------------------------------------------
# Decisions in the leaves of a tree


KEEP_DEFAULT = -1  # a leaf decision meaning "the default argmax decision"


def _leaf_contributions(fold, leaves, default, leaf, n_classes, metric):
    """Confusion statistics of one leaf's examples under each decision.

    Row 0 is the default (argmax) decision, row ``1 + c`` predicting class ``c``;
    returns ``(correct, predicted, matrices)`` of shapes ``(K + 1, K)`` and
    ``(K + 1, K, K)`` (None unless the scorer needs whole matrices).
    """
    members = leaves == leaf
    y, weight, default = fold.y[members], fold.weight[members], default[members]
    true = np.bincount(y, weights=weight, minlength=n_classes)
    correct = np.zeros((n_classes + 1, n_classes))
    predicted = np.zeros((n_classes + 1, n_classes))
    correct[0] = np.bincount(y, weights=weight * (default == y), minlength=n_classes)
    predicted[0] = np.bincount(default, weights=weight, minlength=n_classes)
    options = np.arange(n_classes)
    correct[1 + options, options] = true
    predicted[1 + options, options] = weight.sum()
    matrices = None
    if metric.needs_matrices:
        matrices = np.zeros((n_classes + 1, n_classes, n_classes))
        np.add.at(matrices[0], (y, default), weight)
        matrices[1 + options, :, options] = true
    return correct, predicted, matrices


def tune_leaf_decisions(folds, fold_leaves, n_leaves, metric, max_iter):
    """Choose, leaf by leaf, the default decision or one class, for the mean fold score.

    ``fold_leaves[f]`` gives the leaf (numbered ``0 .. n_leaves - 1``) of each example of
    fold ``f``. Starting from the default decision in every leaf, each step tries
    every decision in one leaf (exactly: the leaf's confusion statistics are swapped
    in) and keeps the best when it strictly raises the score; the ascent stops
    after a pass over the leaves without improvement or ``max_iter`` leaf steps.
    Returns ``(decisions, score, n_iter)``, ``decisions[leaf]`` being
    ``KEEP_DEFAULT`` or a class.
    """
    n_classes = folds[0].scores.shape[1]
    defaults = [np.argmax(fold.scores, axis=1) for fold in folds]
    decisions = np.full(n_leaves, KEEP_DEFAULT)
    states = [fold.statistics(default, metric) for fold, default in zip(folds, defaults)]
    contributions = [
        [
            _leaf_contributions(fold, leaves, default, leaf, n_classes, metric)
            for leaf in range(n_leaves)
        ]
        for fold, leaves, default in zip(folds, fold_leaves, defaults)
    ]
    score = mean_score(folds, np.zeros(n_classes), metric)
    n_iter, since_improvement = 0, 0
    while n_iter < max_iter and since_improvement < n_leaves:
        leaf = n_iter % n_leaves
        n_iter += 1
        current = decisions[leaf] + 1  # row of the current decision
        option_scores = []
        for state, leaf_parts in zip(states, contributions):
            correct, predicted, matrices = leaf_parts[leaf]
            candidate = ConfusionStatistics(
                state.diagonal - correct[current] + correct,
                state.predicted - predicted[current] + predicted,
                state.true,
                None if matrices is None else state.matrices - matrices[current] + matrices,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                option_scores.append(metric.scores(candidate))
        option_scores = np.mean(option_scores, axis=0)
        best = int(np.nanargmax(option_scores))
        if option_scores[best] > score + SCORE_TOLERANCE:
            for state, leaf_parts in zip(states, contributions):
                correct, predicted, matrices = leaf_parts[leaf]
                state.diagonal = state.diagonal + correct[best] - correct[current]
                state.predicted = state.predicted + predicted[best] - predicted[current]
                if matrices is not None:
                    state.matrices = state.matrices + matrices[best] - matrices[current]
            decisions[leaf] = best - 1
            score = float(option_scores[best])
            since_improvement = 0
        else:
            since_improvement += 1
    return decisions, score, n_iter
