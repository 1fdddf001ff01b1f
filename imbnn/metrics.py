"""Metrics and scorers for imbalanced classification.

Importing :mod:`imbnn` registers the scorers below by name, so that
``cross_val_score(..., scoring="neg_aum")`` works next to scikit-learn's
``"roc_auc"``.
"""

import numpy as np
import torch
from sklearn.metrics import make_scorer
from sklearn.metrics._scorer import _SCORERS
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils.validation import _check_sample_weight, check_array

from .losses import aum_with_gradient

__all__ = ["aum_score", "register_scorer", "SCORERS"]


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
    encoder = LabelEncoder().fit(y_true if labels is None else labels)
    if labels is not None and not np.isin(y_true, encoder.classes_).all():
        raise ValueError("y_true has labels that are not in `labels`.")
    encoded = encoder.transform(y_true)
    weight = torch.as_tensor(_check_sample_weight(sample_weight, y_score), dtype=torch.float64)
    scores = torch.as_tensor(y_score, dtype=torch.float64)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim == 1:
        if len(encoder.classes_) > 2:
            raise ValueError(
                f"y_score is 1-d but y_true has {len(encoder.classes_)} classes; pass "
                "one score column per class."
            )
        return float(aum_with_gradient(scores, torch.as_tensor(encoded == 1), weight, variant)[0])
    if scores.shape[1] != len(encoder.classes_):
        raise ValueError(
            f"y_score has {scores.shape[1]} columns but there are {len(encoder.classes_)} classes."
        )
    per_class = [
        float(aum_with_gradient(scores[:, k], torch.as_tensor(encoded == k), weight, variant)[0])
        for k in range(scores.shape[1])
    ]
    return float(np.mean(per_class))


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
    """Make ``scorer`` available to scikit-learn as ``scoring=name``.

    scikit-learn resolves scoring strings from its own registry; imbnn adds its
    scorers there when imported.
    """
    SCORERS[name] = scorer
    _SCORERS[name] = scorer
    return scorer


for _name, _scorer in list(SCORERS.items()):
    register_scorer(_name, _scorer)
