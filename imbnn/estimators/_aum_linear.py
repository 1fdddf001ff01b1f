"""AUMLinearClassifier: a linear model trained on AUM by gradient descent with an exact line search.

Fowler & Hocking, "Efficient line search for optimizing Area Under the ROC Curve in
gradient descent", arXiv:2410.08635, 2024; AUM from Hillman & Hocking, JMLR 24(70), 2023.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._aum_line_search import METHODS, aum_line_search
from ..losses import aum_with_gradient
from ..utils._compat import Interval, StrOptions, check_estimator_parameters, check_sample_weight
from ._calibration import MonotoneCalibrator
from ._validation import stratified_validation_split

__all__ = ["AUMLinearClassifier"]

# Scores closer than this, relative to the largest, are one tie (see _snap_ties).
_SNAP = 1e-11


class AUMLinearClassifier(ClassifierMixin, BaseEstimator):
    """Linear scores ``X @ coef_ + intercept_`` trained on AUM, with no learning rate.

    Each iteration takes the exact tie-aware AUM gradient of the training scores
    (:func:`imbnn.losses.aum_with_gradient`), chains it through ``X`` into a
    direction of the weights, and moves to the exact first minimum of AUM along that
    direction (Fowler & Hocking, 2024). Along a direction every score is a line in
    the step size, so AUM is piecewise linear in it and the minimum is found by
    walking the crossings of the lines in float64, not by trying step sizes.

    AUM does not change when the weights are scaled by a positive number (up to the
    same factor) nor when a constant is added to the scores, so:

    - the gradient's component along the weights, which lowers AUM only by shrinking
      the weights (no ranking changes), is removed from the direction, and the
      weights are rescaled to unit norm after each step;
    - the intercept is not trained; with ``fit_intercept=True`` it is set at the end
      so that ``raw_decision_function(X) >= 0`` is the training threshold where the
      false positive and false negative rates are closest;
    - ``predict_proba`` comes from a logistic map with a positive slope
      (imbnn's ``MonotoneCalibrator``) fitted on the validation rows' scores, and
      ``decision_function`` returns its logit, so that ``predict`` agrees with both.

    Features are used as given: features on very different scales change the
    direction of the gradient (as in any gradient descent), so put a
    :class:`~sklearn.preprocessing.StandardScaler` before this estimator in a
    pipeline when they are not on one scale.

    For ``K > 2`` classes, one binary AUM problem per class (one-vs-rest), each with
    its own iterations and kept iteration.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Set ``intercept_`` at the training equal-error threshold (see above);
        ``False`` keeps it 0. It changes only ``raw_decision_function``.
    max_iter : int, default=100
        Most gradient steps per binary problem.
    tol : float, default=1e-4
        Stop when a step lowers the training AUM by less than ``tol`` times its
        value (AUM is then measured at unit weight norm, so the criterion does not
        depend on the scale of the weights).
    line_search : {"first_min", "linear", "grid"}, default="first_min"
        ``"first_min"``: the exact first minimum along the direction (the R package
        ``aum``'s ``"first_min"``); it walks every crossing up to it, as many as the
        pairs of examples whose order the step changes (up to ``n**2 / 2``).
        ``"linear"``: the least AUM among the first ``n`` crossings (O(n log n) per
        step, shorter steps). ``"grid"``: the least AUM on a fixed grid of 62 step
        sizes.
    variant : {"rate", "count"}, default="rate"
        AUM of the rates min(FPR, FNR) or of the counts min(FP, FN).
    validation_fraction : float in [0, 1), default=0.2
        Share of each class held out (at least one row of each class on each side); the
        iteration of best validation ROC AUC is kept and the calibration is fitted
        there. 0 keeps the last iteration and calibrates on the training rows.
    init : {"gradient", "random"}, default="gradient"
        Initial weights: ``"gradient"``, the negative AUM gradient at zero weights
        (all scores tied: for ``variant="rate"``, the difference between the
        weighted class means of the features); ``"random"``, standard normal weights
        drawn with ``random_state`` (the first exact line search then walks about
        ``n**2 / 4`` crossings).
    random_state : int, RandomState instance or None, default=None
        The validation split and, with ``init="random"``, the initial weights.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights of the kept iteration, at unit Euclidean norm per row.
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of int, shape (1,) or (n_classes,)
        Gradient steps tried per binary problem, including a last one that found no
        descent (a zero direction or a step of 0).
    best_iteration_ : ndarray of int, shape (1,) or (n_classes,)
        The kept iteration per binary problem (0: the initial weights).
    history_ : list of dict
        One dict per iteration (and binary problem): ``"class"`` (encoded class of
        the problem, 1 for binary), ``"iteration"``, ``"train_aum"`` (at unit weight
        norm), ``"step"``, ``"n_crossings"``, ``"valid_auc"`` (NaN without
        validation), ``"time"`` (seconds since the problem's start).
    calibrator_ : MonotoneCalibrator
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.metrics import roc_auc_score
    >>> from imbnn.estimators import AUMLinearClassifier
    >>> X, y = make_classification(n_samples=400, weights=[0.9], random_state=0)
    >>> clf = AUMLinearClassifier(random_state=0).fit(X, y)
    >>> bool(roc_auc_score(y, clf.decision_function(X)) > 0.9)
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "line_search": [StrOptions(set(METHODS))],
        "variant": [StrOptions({"rate", "count"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "init": [StrOptions({"gradient", "random"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        fit_intercept=True,
        max_iter=100,
        tol=1e-4,
        line_search="first_min",
        variant="rate",
        validation_fraction=0.2,
        init="gradient",
        random_state=None,
    ):
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.line_search = line_search
        self.variant = variant
        self.validation_fraction = validation_fraction
        self.init = init
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = self.random_state is None and (
            self.init == "random" or self.validation_fraction > 0
        )
        return tags

    def fit(self, X, y, sample_weight=None):
        """Train one AUM problem per class (one for binary ``y``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Each example's false-positive or false-negative step in AUM; in the
            validation AUC and the calibration too.

        Returns
        -------
        self
        """
        check_estimator_parameters(self)
        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), dtype=np.float64)
        check_classification_targets(y)
        sample_weight = check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        totals = np.bincount(y_encoded, weights=sample_weight, minlength=len(self.classes_))
        if len(self.classes_) < 2 or np.count_nonzero(totals > 0) < len(self.classes_):
            raise ValueError(
                "AUMLinearClassifier needs at least two classes, each with positive sample "
                f"weight; got classes {self.classes_.tolist()} with total weights "
                f"{totals.tolist()} (one class, or a class with zero weight)."
            )
        rng = check_random_state(self.random_state)
        start_weights = (
            rng.standard_normal(X.shape[1]) if self.init == "random" else None
        )
        valid = stratified_validation_split(
            y_encoded, self.validation_fraction, rng, owner=type(self).__name__
        )
        train = np.arange(len(y)) if valid is None else np.setdiff1d(np.arange(len(y)), valid)
        train_totals = np.bincount(
            y_encoded[train], weights=sample_weight[train], minlength=len(self.classes_)
        )
        if np.any(train_totals <= 0):
            raise ValueError(
                "AUMLinearClassifier: after holding out the validation rows, class(es) "
                f"{self.classes_[train_totals <= 0].tolist()} have no training row with "
                "positive sample weight; lower validation_fraction or set it to 0."
            )
        problems = [1] if len(self.classes_) == 2 else list(range(len(self.classes_)))
        coef, intercept, n_iter, best, history = [], [], [], [], []
        for label in problems:
            fitted = self._fit_binary(
                X, y_encoded == label, sample_weight, train, valid, start_weights, label
            )
            coef.append(fitted[0])
            intercept.append(fitted[1])
            n_iter.append(fitted[2])
            best.append(fitted[3])
            history.extend(fitted[4])
        self.coef_ = np.array(coef)
        self.intercept_ = np.array(intercept)
        self.n_iter_ = np.array(n_iter)
        self.best_iteration_ = np.array(best)
        self.history_ = history
        self._fit_calibrator(X, y_encoded, sample_weight, train, valid)
        return self

    def _fit_binary(self, X, is_positive, sample_weight, train, valid, start_weights, label):
        # A row of weight 0 changes no AUM; its crossings would only add breakpoints.
        train = train[sample_weight[train] > 0]
        X_train, positive, weight = X[train], is_positive[train], sample_weight[train]

        def aum_and_gradient(scores):
            return _merged_aum_gradient(scores, positive, weight, self.variant)

        if start_weights is None:
            _, gradient = aum_and_gradient(np.zeros(len(train)))
            coef = -np.asarray(X_train.T @ gradient).ravel()
        else:
            coef = start_weights.copy()
        norm = np.linalg.norm(coef)
        if not norm > 0:  # no feature separates anything (e.g. constant features)
            coef = np.ones(X.shape[1])
            norm = np.linalg.norm(coef)
        coef = coef / norm

        def valid_auc(coef):
            if valid is None:
                return np.nan
            try:
                return roc_auc_score(
                    is_positive[valid], X[valid] @ coef, sample_weight=sample_weight[valid]
                )
            except ValueError:  # sample weights left one class out of the validation rows
                return np.nan

        start = time.perf_counter()
        scores = _snap_ties(np.asarray(X_train @ coef).ravel())
        aum, gradient = aum_and_gradient(scores)
        best_coef, best_auc, best_iteration = coef, valid_auc(coef), 0
        history = [dict(
            iteration=0, train_aum=aum, step=0.0, n_crossings=0, valid_auc=best_auc,
            time=time.perf_counter() - start,
        )]
        iteration = 0
        for iteration in range(1, self.max_iter + 1):
            direction = -np.asarray(X_train.T @ gradient).ravel()
            # AUM(c w) = c AUM(w): the part along coef only shrinks the weights.
            direction -= (direction @ coef) * coef
            if not np.any(direction):
                break
            slopes = np.asarray(X_train @ direction).ravel()
            result = aum_line_search(
                scores, slopes, positive, weight, variant=self.variant, method=self.line_search
            )
            if result.step <= 0:
                break
            coef = coef + result.step * direction
            coef /= np.linalg.norm(coef)
            scores = _snap_ties(np.asarray(X_train @ coef).ravel())
            previous, (aum, gradient) = aum, aum_and_gradient(scores)
            auc = valid_auc(coef)
            history.append(dict(
                iteration=iteration, train_aum=aum, step=result.step,
                n_crossings=result.n_crossings, valid_auc=auc, time=time.perf_counter() - start,
            ))
            if valid is None or auc > best_auc:
                best_coef, best_auc, best_iteration = coef, auc, iteration
            if previous - aum <= self.tol * previous:
                break
        for row in history:
            row["class"] = label
        intercept = 0.0
        if self.fit_intercept:
            intercept = _equal_error_intercept(X_train @ best_coef, positive, weight)
        return best_coef, intercept, iteration, best_iteration, history

    def _fit_calibrator(self, X, y_encoded, sample_weight, train, valid):
        raw = self.raw_decision_function(X)
        self.calibrator_ = MonotoneCalibrator(len(self.classes_))
        candidates = ([valid] if valid is not None else []) + [train]
        for rows in candidates:
            try:
                self.calibrator_.fit(raw[rows], y_encoded[rows], sample_weight[rows])
                return
            except ValueError:
                if rows is train:
                    raise
                warnings.warn(
                    "AUMLinearClassifier: a class has no validation row with positive "
                    "sample weight; calibrating on the training rows instead.",
                    UserWarning,
                    stacklevel=3,
                )

    def raw_decision_function(self, X):
        """The linear scores ``X @ coef_.T + intercept_`` that AUM ranks.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=np.float64, reset=False)
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def decision_function(self, X):
        """Calibrated logits: a monotone (per class) map of ``raw_decision_function``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
            Positive (binary) or largest (multi-class) where ``predict`` chooses.
        """
        check_is_fitted(self)
        return self.calibrator_.decision_function(self.raw_decision_function(X))

    def predict_proba(self, X):
        """Class probabilities from the calibrated logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.calibrator_.predict_proba(self.raw_decision_function(X))

    def predict(self, X):
        """The class of largest calibrated logit (binary: the positive one where it is > 0).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        logits = self.decision_function(X)
        if logits.ndim == 1:
            return self.classes_[(logits > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]


def _snap_ties(scores):
    """Scores within rounding of each other made equal (to the smallest of their run).

    The exact line search stops where lines cross, so the new scores hold ties that
    ``X @ coef`` computes a few ulps apart, in an order set by rounding; the gradient
    at a tie differs from the gradient beside it, and the next walk would start
    with a crossing at a step of 1e-16. Snapping makes both see the tie.
    """
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    scale = np.abs(sorted_scores[[0, -1]]).max()
    new_run = np.ones(len(order), dtype=bool)
    new_run[1:] = np.diff(sorted_scores) > _SNAP * scale
    snapped = np.empty_like(scores)
    snapped[order] = sorted_scores[np.flatnonzero(new_run)][np.cumsum(new_run) - 1]
    return snapped


def _merged_aum_gradient(scores, is_positive, weight, variant):
    """AUM and its tie-aware gradient, rows of one class with equal scores taken as one.

    Identical rows always score alike under a linear model, so the only direction the
    model can move them in is together: their gradient is that of one row of their
    summed weight, shared in proportion to the weights. Then a row of weight 2 and
    two copies of it get the same direction exactly (the per-row one-sided
    derivatives of :func:`aum_with_gradient` differ at the tie where FP and FN cross).
    """
    order = np.lexsort((is_positive, scores))
    sorted_scores, sorted_positive = scores[order], is_positive[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (sorted_scores[1:] != sorted_scores[:-1]) | (
        sorted_positive[1:] != sorted_positive[:-1]
    )
    starts = np.flatnonzero(new_group)
    group = np.empty(len(order), dtype=np.intp)
    group[order] = np.cumsum(new_group) - 1
    group_weight = np.bincount(group, weights=weight, minlength=len(starts))
    aum, gradient = aum_with_gradient(
        torch.from_numpy(sorted_scores[starts]),
        torch.from_numpy(sorted_positive[starts]),
        torch.from_numpy(group_weight),
        variant,
    )
    return float(aum), gradient.numpy()[group] * (weight / group_weight[group])


def _equal_error_intercept(scores, is_positive, weight):
    """Intercept putting 0 at the threshold where training FPR and FNR are closest."""
    fpr, tpr, thresholds = roc_curve(
        is_positive, scores, sample_weight=weight, drop_intermediate=False
    )
    # roc_curve's first threshold is +inf (nothing predicted positive).
    index = 1 + int(np.argmin(np.abs(fpr[1:] - (1 - tpr[1:]))))
    return -float(thresholds[index])
