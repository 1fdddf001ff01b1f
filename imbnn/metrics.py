"""Metrics and scorers for imbalanced classification.

imbnn's scorers (:data:`SCORERS`) are scorer objects: pass them to any
scikit-learn function as ``scoring=get_scorer("neg_aum")``. imbnn's own APIs (an
estimator's ``scoring``, :class:`~imbnn.TunedThresholdClassifier`, the Benchmark,
the command line) accept their names as strings. Importing imbnn changes nothing
in scikit-learn.
"""

import difflib

import numpy as np
import torch
from imblearn.metrics import geometric_mean_score
from sklearn import metrics as sklearn_metrics
from sklearn.metrics import get_scorer_names, make_scorer, roc_curve
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils.validation import check_array

from .utils._compat import check_sample_weight

from .losses import aum_with_gradient

__all__ = [
    "aum_score",
    "balanced_brier_score",
    "check_scoring",
    "fpr_at_tpr",
    "get_scorer",
    "register_scorer",
    "SCORERS",
]


def aum_score(y_true, y_score, *, variant="rate", sample_weight=None, labels=None):
    """Area Under Min(FPR, FNR) of scores: lower is better, 0 for a perfect ranking.

    The integral over all constant shifts ``c`` of ``min(FPR(c), FNR(c))``
    (``variant="rate"``) or ``min(FP(c), FN(c))`` (``variant="count"``) where an
    example is predicted positive when ``score + c > 0``. For multi-class scores of
    shape ``(n, K)``, the one-vs-rest AUM of each class averaged over classes.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels. For binary ``y_score`` the greater label is the positive class.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores (any monotone scale: logits, decision values, probabilities).
    variant : {"rate", "count"}, default="rate"
    sample_weight : array-like of shape (n_samples,), default=None
    labels : array-like, default=None
        Classes in the order of the columns of ``y_score`` (default: sorted unique
        ``y_true``).

    Returns
    -------
    float

    Examples
    --------
    >>> from imbnn.metrics import aum_score
    >>> aum_score([0, 0, 1, 1], [2, -3.5, -1, 1.5])
    1.5
    """
    y_true = column_or_1d(y_true)
    y_score = check_array(y_score, ensure_2d=False, dtype=np.float64)
    check_consistent_length(y_true, y_score, sample_weight)
    classes, encoded = _encode_in_order(y_true, labels)
    weight = torch.as_tensor(check_sample_weight(sample_weight, y_score), dtype=torch.float64)
    scores = torch.as_tensor(y_score, dtype=torch.float64)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim == 1:
        if len(classes) > 2:
            raise ValueError(
                f"y_score is 1-d but y_true has {len(classes)} classes; pass "
                "one score column per class."
            )
        return float(aum_with_gradient(scores, torch.as_tensor(encoded == 1), weight, variant)[0])
    if scores.shape[1] != len(classes):
        raise ValueError(
            f"y_score has {scores.shape[1]} columns but there are {len(classes)} classes."
        )
    per_class = [
        float(aum_with_gradient(scores[:, k], torch.as_tensor(encoded == k), weight, variant)[0])
        for k in range(scores.shape[1])
    ]
    return float(np.mean(per_class))


def _encode_in_order(y_true, labels=None):
    """Classes (sorted, or in the order of ``labels``) and each label's position among them."""
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    sorter = np.argsort(classes)
    positions = np.clip(np.searchsorted(classes, y_true, sorter=sorter), 0, len(classes) - 1)
    encoded = sorter[positions]
    if not np.array_equal(classes[encoded], y_true):
        raise ValueError("y_true has labels that are not in `labels`.")
    return classes, encoded


def _aum_scorer_score(y_true, y_score, **kwargs):
    # predict_proba of a binary classifier has two columns: rank by the positive one.
    y_score = np.asarray(y_score)
    if y_score.ndim == 2 and y_score.shape[1] == 2:
        y_score = y_score[:, 1]
    return aum_score(y_true, y_score, **kwargs)


SCORERS = {
    "neg_aum": make_scorer(
        _aum_scorer_score, greater_is_better=False, response_method=("decision_function", "predict_proba")
    ),
}


def register_scorer(name, scorer):
    """Make ``scorer`` available to imbnn's APIs as ``scoring=name``.

    imbnn does not change scikit-learn's own registry: scikit-learn functions take
    imbnn's scorers as objects (``scoring=imbnn.metrics.get_scorer("neg_aum")``),
    and imbnn's estimators, :class:`~imbnn.TunedThresholdClassifier`, the Benchmark
    and the command line accept their names.

    Parameters
    ----------
    name : str
        The scoring name.
    scorer : callable
        A scorer as made by :func:`sklearn.metrics.make_scorer`.

    Returns
    -------
    scorer : callable
        The scorer, unchanged.

    Examples
    --------
    >>> from sklearn.metrics import brier_score_loss, make_scorer
    >>> from imbnn.metrics import SCORERS, get_scorer, register_scorer
    >>> brier = make_scorer(
    ...     brier_score_loss, greater_is_better=False, response_method="predict_proba"
    ... )
    >>> get_scorer(register_scorer("my_neg_brier", brier)) is brier
    True
    >>> del SCORERS["my_neg_brier"]
    """
    SCORERS[name] = scorer
    return scorer


def get_scorer(scoring):
    """A scorer from an imbnn or scikit-learn scoring name; a callable is returned as is.

    Parameters
    ----------
    scoring : str or callable
        A name of :data:`SCORERS` (imbnn's), a name of
        :func:`sklearn.metrics.get_scorer_names`, or a scorer.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``, greater is better.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from imbnn.metrics import get_scorer
    >>> X, y = make_classification(random_state=0)
    >>> scores = cross_val_score(LogisticRegression(), X, y, scoring=get_scorer("neg_aum"))
    >>> bool((scores <= 0).all())
    True
    """
    if isinstance(scoring, str):
        if scoring in SCORERS:
            return SCORERS[scoring]
        if scoring not in get_scorer_names():
            names = sorted(set(SCORERS) | set(get_scorer_names()))
            close = difflib.get_close_matches(scoring, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{scoring!r} is not a valid scoring name.{hint} Use one of imbnn's "
                f"{sorted(SCORERS)} or of sklearn.metrics.get_scorer_names()."
            )
    return sklearn_metrics.get_scorer(scoring)


def check_scoring(estimator, scoring=None):
    """:func:`sklearn.metrics.check_scoring` that also knows imbnn's scoring names.

    Parameters
    ----------
    estimator : estimator object
        The estimator to score.
    scoring : str, callable or None, default=None
        A scoring name (imbnn's or scikit-learn's), a scorer, or None for the
        estimator's ``score`` method.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from imbnn.metrics import check_scoring
    >>> X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    >>> model = LogisticRegression().fit(X, y)
    >>> scorer = check_scoring(model, "neg_fpr_at_tpr_95")
    >>> -1 <= scorer(model, X, y) <= 0
    True
    """
    if isinstance(scoring, str):
        return get_scorer(scoring)
    return sklearn_metrics.check_scoring(estimator, scoring=scoring)


def balanced_brier_score(y_true, y_prob, *, labels=None, sample_weight=None):
    """Balanced Brier score: the Brier score of each class's examples, averaged over classes.

    Wallace and Dahabreh (2012) score the positives and the negatives of a binary
    task separately; Bellinger et al. (ReMix, 2021) average such per-class scores
    so that every class counts equally, as balanced accuracy does for accuracy.
    For a binary task, ``BS+`` is the mean of ``(1 - p)**2`` over the positives,
    ``BS-`` the mean of ``p**2`` over the negatives (``p`` the probability of the
    positive class) and the score is ``(BS+ + BS-) / 2``. With ``K > 2`` classes,
    the per-class score is the mean over that class's examples of the squared
    distance between the probability vector and the one-hot label (the scale of
    scikit-learn's multi-class :func:`~sklearn.metrics.brier_score_loss`). Lower
    is better; 0 is perfect.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_prob : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities, one column per class in the order of ``labels``
        (as ``predict_proba`` returns them). A 1-d array is the probability of the
        second of two classes (the greater label by default).
    labels : array-like, default=None
        The classes in the order of the columns of ``y_prob`` (default: the sorted
        unique values of ``y_true``). Needed when ``y_true`` lacks a class that
        ``y_prob`` has a column for.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the examples inside each class's mean.

    Returns
    -------
    float
        The average over the classes present in ``y_true`` (a class without
        examples has no per-class score).

    Examples
    --------
    >>> from imbnn.metrics import balanced_brier_score
    >>> balanced_brier_score([0, 0, 0, 1], [0.1, 0.1, 0.1, 0.5])
    0.13
    """
    y_true = column_or_1d(y_true)
    y_prob = check_array(y_prob, ensure_2d=False, dtype=np.float64, input_name="y_prob")
    check_consistent_length(y_true, y_prob, sample_weight)
    classes = np.unique(y_true) if labels is None else column_or_1d(labels)
    if len(np.unique(classes)) != len(classes):
        raise ValueError(f"labels must be unique; got {classes.tolist()}.")
    if not np.isin(y_true, classes).all():
        raise ValueError(
            f"y_true has labels {np.setdiff1d(y_true, classes).tolist()} that are not in `labels`."
        )
    if y_prob.ndim == 2 and y_prob.shape[1] == 1:
        y_prob = y_prob[:, 0]
    if y_prob.ndim == 1:
        if len(classes) != 2:
            raise ValueError(
                f"y_prob is 1-d (the probability of the positive class) but there are "
                f"{len(classes)} classes {classes.tolist()}; pass `labels` with the two classes "
                "or one probability column per class."
            )
        y_prob = np.column_stack([1 - y_prob, y_prob])
    if y_prob.shape[1] != len(classes):
        raise ValueError(
            f"y_prob has {y_prob.shape[1]} columns but there are {len(classes)} classes "
            f"{classes.tolist()}; pass `labels` to name the class of each column."
        )
    if np.any((y_prob < 0) | (y_prob > 1)):
        raise ValueError("y_prob has values outside [0, 1]; pass probabilities, not scores.")
    weight = check_sample_weight(sample_weight, y_prob, ensure_non_negative=True)
    order = np.argsort(classes)
    encoded = order[np.searchsorted(classes[order], y_true)]
    squared_error = ((y_prob - np.eye(len(classes))[encoded]) ** 2).sum(axis=1)
    if len(classes) == 2:
        # Both columns carry the same error (1 - p vs p): count it once, as in BS+ and BS-.
        squared_error /= 2
    per_class = []
    for k in np.unique(encoded):
        in_class = encoded == k
        if weight[in_class].sum() > 0:
            per_class.append(np.average(squared_error[in_class], weights=weight[in_class]))
    if not per_class:
        raise ValueError("All sample weights are zero; the balanced Brier score is undefined.")
    return float(np.mean(per_class))


register_scorer(
    "neg_balanced_brier_score",
    make_scorer(balanced_brier_score, greater_is_better=False, response_method="predict_proba"),
)
register_scorer("g_mean", make_scorer(geometric_mean_score))


def fpr_at_tpr(y_true, y_score, *, tpr=0.95, pos_label=None, sample_weight=None):
    """False-positive rate at a given true-positive rate, interpolated on the ROC curve.

    The operating point of a screening model: to miss at most ``1 - tpr`` of the
    positives, a threshold must let through this fraction of the negatives. The ROC
    curve of :func:`sklearn.metrics.roc_curve` (all thresholds kept) is followed
    up to the first point whose TPR reaches ``tpr``; between that point and the one
    before, FPR is interpolated linearly (the FPR of a random mix of the two
    thresholds). Lower is better. Sangalli et al. (NeurIPS 2021) report it at TPR
    0.90, 0.95 and 0.98.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores of the positive class (any monotone scale).
    tpr : float in [0, 1], default=0.95
    pos_label : int, float, bool or str, default=None
        The positive class; by default the greater of the two labels.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    float

    Examples
    --------
    >>> from imbnn.metrics import fpr_at_tpr
    >>> fpr_at_tpr([0, 0, 0, 0, 1, 1], [0.1, 0.2, 0.7, 0.4, 0.8, 0.3], tpr=1.0)
    0.5

    A negative tied with a positive makes a diagonal ROC segment:

    >>> fpr_at_tpr([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9], tpr=0.75)
    0.25
    """
    if not 0 <= tpr <= 1:
        raise ValueError(f"tpr must be in [0, 1]; got {tpr!r}.")
    y_true = column_or_1d(y_true)
    y_score = check_array(y_score, ensure_2d=False, dtype=np.float64, input_name="y_score")
    y_score = column_or_1d(y_score)
    check_consistent_length(y_true, y_score, sample_weight)
    classes = np.unique(y_true)
    if pos_label is None:
        if len(classes) != 2:
            raise ValueError(
                f"fpr_at_tpr needs binary y_true with both classes; got classes {classes.tolist()}."
            )
        pos_label = classes[1]
    elif len(classes) > 2 or pos_label not in classes or len(classes) < 2:
        raise ValueError(
            f"fpr_at_tpr needs binary y_true with both classes and pos_label={pos_label!r} among "
            f"them; got classes {classes.tolist()}."
        )
    fpr, tpr_curve, _ = roc_curve(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight, drop_intermediate=False
    )
    # First ROC point reaching the target (tpr_curve ends at 1, so one exists).
    reach = int(np.searchsorted(tpr_curve, tpr, side="left"))
    if reach == 0 or tpr_curve[reach] == tpr:
        return float(fpr[reach])
    fraction = (tpr - tpr_curve[reach - 1]) / (tpr_curve[reach] - tpr_curve[reach - 1])
    return float(fpr[reach - 1] + fraction * (fpr[reach] - fpr[reach - 1]))


for _percent in (90, 95, 98):
    register_scorer(
        f"neg_fpr_at_tpr_{_percent}",
        make_scorer(
            fpr_at_tpr,
            greater_is_better=False,
            response_method=("decision_function", "predict_proba"),
            tpr=_percent / 100,
        ),
    )
