"""One cell of a benchmark: fit a clone of an estimator on a split and score it."""

import os
import signal
import threading
import time
import traceback
from contextlib import contextmanager

import numpy as np
import torch
from imblearn.metrics import geometric_mean_score
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    check_scoring,
    auc,
    balanced_accuracy_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback
from threadpoolctl import threadpool_limits

from ..estimators import BaseNetClassifier
from ..metrics import aum_score
from ..utils._compat import safe_indexing
from ._callbacks import SubtrainAUC

__all__ = [
    "run_cell",
    "HISTORY_COLUMNS",
    "SCORE_COLUMNS",
    "ROC_COLUMNS",
    "interrupt_guard",
    "limited_threads",
    "start_run",
]

# Per-epoch quantities kept from an estimator's skorch history.
HISTORY_COLUMNS = ["epoch", "train_loss", "valid_loss", "train_auc", "valid_auc", "dur"]
# The scores of a cell, in the order of the results table.
SCORE_COLUMNS = [
    "n_test_positive",
    "test_roc_auc",
    "test_aum",
    "test_accuracy",
    "test_balanced_accuracy",
    "test_gmean",
    "test_fpr_default",
    "test_tpr_default",
    "fit_time",
    "score_time",
    "best_epoch",
    "n_epochs",
    "best_validation_auc",
]
ROC_COLUMNS = ["fpr", "tpr", "threshold"]

# ----------------------------------------------------------------- interrupts
#
# skorch ends a fit early on KeyboardInterrupt and returns normally, so a fit cut
# short by Ctrl-C looks finished. The SIGINT handler below records that an interrupt
# happened, whoever catches the exception afterwards; a cell whose fit saw one is
# never returned (hence never cached).

_INTERRUPTED = threading.Event()
# The process that runs the benchmark; in any other (a worker) each cell starts afresh.
_RUNNER = {"pid": None}


def start_run():
    """Forget earlier interrupts: a new run of the benchmark begins in this process."""
    _INTERRUPTED.clear()
    _RUNNER["pid"] = os.getpid()


@contextmanager
def interrupt_guard():
    """Record every SIGINT inside the block, then raise KeyboardInterrupt as Python does.

    Only the main thread can install a signal handler; elsewhere the block runs as is
    (a cell in a thread learns of the interrupt from the flag set in the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _StopOnInterrupt(Callback):
    """Ends a skorch fit within one batch once any thread saw an interrupt."""

    def on_batch_end(self, net, **kwargs):
        if _INTERRUPTED.is_set():
            raise KeyboardInterrupt


# -------------------------------------------------------------------- threads

_THREADS = {"limit": None}


@contextmanager
def limited_threads(n_threads):
    """torch and BLAS on ``n_threads`` threads inside the block (the caller's run).

    Every cell runs with the same thread count whatever the back end, so a cell
    computes the same floating-point sums sequentially and in parallel. Scanning the
    loaded libraries costs milliseconds, so a run sets the limits once, not per cell.
    """
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads(), _THREADS["limit"]
    torch.set_num_threads(n_threads)
    _THREADS["limit"] = n_threads
    try:
        with threadpool_limits(limits=n_threads):
            yield
    finally:
        torch.set_num_threads(previous[0])
        _THREADS["limit"] = previous[1]


def _ensure_threads(n_threads):
    """In a worker process: limit the threads once, for the life of the worker."""
    if n_threads is None or _THREADS["limit"] == n_threads:
        return
    torch.set_num_threads(n_threads)
    threadpool_limits(limits=n_threads)
    _THREADS["limit"] = n_threads


# ----------------------------------------------------------------------- cell


def final_estimator(estimator, *, fitted=False):
    """The estimator that does the learning: the end of a pipeline, inside meta-estimators.

    Parameters
    ----------
    estimator : estimator
    fitted : bool, default=False
        Follow fitted meta-estimators' ``estimator_`` (else their ``estimator`` parameter).
    """
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator.steps[-1][1]
        elif fitted and hasattr(estimator, "estimator_"):
            estimator = estimator.estimator_
        elif not fitted and hasattr(estimator, "get_params"):
            inner = estimator.get_params(deep=False).get("estimator")
            if not hasattr(inner, "fit"):
                return estimator
            estimator = inner
        else:
            return estimator


def _is_skorch(estimator):
    """Whether ``estimator`` trains through skorch and takes its callbacks."""
    if "callbacks" not in estimator.get_params(deep=False):
        return False
    return isinstance(estimator, BaseNetClassifier) or hasattr(estimator, "initialize_callbacks")


def run_cell(
    estimator,
    X,
    y,
    train,
    tests,
    *,
    n_threads=None,
    record_history=True,
    on_error="raise",
    scoring=None,
    keep_predictions=False,
):
    """Fit a clone of ``estimator`` on rows ``train`` and score it on each of ``tests``.

    Cells that share their training rows (SOAK's Other for one test subset is Same
    for another) are fitted once: the fit is seeded, so a second fit would be the same.

    Parameters
    ----------
    estimator : estimator
    X, y : the whole data set
    train : array of int
    tests : list of arrays of int
    n_threads : int or None, default=None
        Limit torch and BLAS to this many threads (once per process).
    record_history : bool, default=True
    on_error : {"raise", "record"}, default="raise"
    scoring : dict of str to scorer, default=None
        More scores, stored as ``test_<name>``.
    keep_predictions : bool, default=False
        Also return the test rows' ``predict_proba``.

    Returns
    -------
    list of dict, one per test set
        ``scores`` (a flat dict of metrics and timings), ``history`` (a list of
        per-epoch dicts, possibly empty), ``roc`` (``fpr``, ``tpr``, ``threshold``
        lists for binary tasks, else None), ``error`` (None, or the traceback
        when ``on_error="record"`` and the fit or scoring failed) and, with
        ``keep_predictions``, ``predictions`` (``classes`` and ``proba``, one list
        per test row).

    Raises
    ------
    KeyboardInterrupt
        When a SIGINT arrived during the cell, even if the estimator caught it and
        returned (skorch ends the fit early): an interrupted fit is never a result.
    """
    _ensure_threads(n_threads)
    if os.getpid() != _RUNNER["pid"]:
        # A worker process may outlive an interrupted run and serve the next one.
        _INTERRUPTED.clear()
    try:
        with interrupt_guard():
            outcome = _run_cell(
                estimator, X, y, train, tests, record_history, scoring, keep_predictions
            )
    except Exception:
        if _INTERRUPTED.is_set():
            raise KeyboardInterrupt from None
        if on_error == "raise":
            raise
        failure = traceback.format_exc()
        outcome = [{"scores": {}, "history": [], "roc": None, "error": failure} for _ in tests]
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt
    return outcome


def _run_cell(estimator, X, y, train, tests, record_history, scoring, keep_predictions):
    scorers = {name: check_scoring(None, scorer) for name, scorer in (scoring or {}).items()}
    estimator = clone(estimator)
    final = final_estimator(estimator)
    if _is_skorch(final):
        extra = [("imbnn_stop_on_interrupt", _StopOnInterrupt())]
        if record_history:
            extra.append(("imbnn_subtrain_auc", SubtrainAUC()))
        final.set_params(callbacks=list(final.callbacks or []) + extra)
    y = np.asarray(y)
    start = time.perf_counter()
    estimator.fit(safe_indexing(X, train), y[train])
    fit_time = time.perf_counter() - start
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt
    evaluated = []
    for test in tests:
        start = time.perf_counter()
        X_test = safe_indexing(X, test)
        scores, roc = score_binary_or_multiclass(estimator, X_test, y[test])
        for name, scorer in scorers.items():
            scores[f"test_{name}"] = float(scorer(estimator, X_test, y[test]))
        scores.update(fit_time=fit_time, score_time=time.perf_counter() - start)
        predictions = None
        if keep_predictions:
            predictions = {
                "classes": [_plain(label) for label in estimator.classes_],
                "proba": np.asarray(estimator.predict_proba(X_test), dtype=np.float64).tolist(),
            }
        evaluated.append((scores, roc, predictions))
    fitted_final = final_estimator(estimator, fitted=True)
    history = []
    if record_history and getattr(fitted_final, "history_", None) is not None:
        history = [
            {column: _plain(row.get(column, np.nan)) for column in HISTORY_COLUMNS}
            for row in fitted_final.history_
        ]
    fitted = {}
    for name in ("best_epoch_", "n_epochs_", "best_validation_auc_"):
        value = getattr(fitted_final, name, None)
        fitted[name.rstrip("_")] = np.nan if value is None else _plain(value)
    return [
        {
            "scores": {**scores, **fitted},
            "history": history,
            "roc": roc,
            "error": None,
            **({"predictions": predictions} if keep_predictions else {}),
        }
        for scores, roc, predictions in evaluated
    ]


def _plain(value):
    """A JSON-friendly Python scalar."""
    if isinstance(value, (np.generic, torch.Tensor)):
        value = value.item()
    return value


def _ranking_scores(estimator, X, n_classes):
    """Scores that rank the test rows: raw decision values when there are, else probabilities."""
    if hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
        if n_classes == 2 and scores.ndim == 2:
            scores = scores[:, -1]
        return scores
    probabilities = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    return probabilities[:, 1] if n_classes == 2 else probabilities


def score_binary_or_multiclass(estimator, X_test, y_test):
    """The test scores of a fitted classifier and, for two classes, its ROC curve."""
    classes = np.asarray(estimator.classes_)
    y_test = np.asarray(y_test)
    y_pred = np.asarray(estimator.predict(X_test))
    ranking = _ranking_scores(estimator, X_test, len(classes))
    if len(classes) == 2:
        scores, roc = binary_scores(y_test == classes[1], y_pred == classes[1], ranking)
        if not np.isin(y_test, classes).all():
            # Labels the model never saw: the library functions define what they score.
            scores.update(_label_scores(y_test, y_pred))
    else:
        scores, roc = _label_scores(y_test, y_pred), None
        complete = np.isin(classes, y_test).all()
        probabilities = estimator.predict_proba(X_test)
        scores["n_test_positive"] = np.nan
        scores["test_roc_auc"] = (
            roc_auc_score(y_test, probabilities, multi_class="ovr", labels=classes)
            if complete
            else np.nan
        )
        scores["test_aum"] = aum_score(y_test, ranking, labels=classes) if complete else np.nan
        scores["test_fpr_default"] = scores["test_tpr_default"] = np.nan
    return {name: float(value) for name, value in scores.items()}, roc


def _label_scores(y_test, y_pred):
    return {
        "test_accuracy": accuracy_score(y_test, y_pred),
        "test_balanced_accuracy": balanced_accuracy_score(y_test, y_pred),
        "test_gmean": geometric_mean_score(y_test, y_pred),
    }


def binary_scores(positive, predicted_positive, ranking):
    """The binary scores from one confusion count and one ROC curve.

    Equal to scikit-learn's ``accuracy_score``, ``balanced_accuracy_score``,
    ``roc_auc_score`` and ``roc_curve``, imbalanced-learn's ``geometric_mean_score``
    and :func:`imbnn.metrics.aum_score` (the tests check it), at a fraction of their
    cost: each of those validates its input and sorts the scores again.

    Parameters
    ----------
    positive : bool array
        Whether each test row is of the positive class.
    predicted_positive : bool array
        Whether ``predict`` says positive.
    ranking : float array
        Scores that rank the rows (decision values or probabilities).

    Returns
    -------
    scores : dict
    roc : dict of lists or None
        The ROC curve with scikit-learn's ``drop_intermediate=True`` points.
    """
    positive = np.asarray(positive, dtype=bool)
    predicted_positive = np.asarray(predicted_positive, dtype=bool)
    n_positive = int(positive.sum())
    n_negative = len(positive) - n_positive
    true_positive = int(np.count_nonzero(predicted_positive & positive))
    false_positive = int(np.count_nonzero(predicted_positive & ~positive))
    tpr_default = true_positive / n_positive if n_positive else np.nan
    fpr_default = false_positive / n_negative if n_negative else np.nan
    scores = {
        "n_test_positive": n_positive,
        "test_fpr_default": fpr_default,
        "test_tpr_default": tpr_default,
        "test_roc_auc": np.nan,
        "test_aum": np.nan,
    }
    if not (n_positive and n_negative):
        labels = positive.astype(np.int64)
        scores.update(_label_scores(labels, predicted_positive.astype(np.int64)))
        return scores, None
    specificity = 1.0 - fpr_default
    scores["test_accuracy"] = (true_positive + n_negative - false_positive) / len(positive)
    scores["test_balanced_accuracy"] = (tpr_default + specificity) / 2
    scores["test_gmean"] = float(np.sqrt(tpr_default * specificity))
    fpr, tpr, threshold = roc_curve(positive, ranking, drop_intermediate=False)
    scores["test_roc_auc"] = auc(fpr, tpr)
    # Predicted positive at a shift between two consecutive distinct scores: the rows
    # scored at least the upper one, so min(FPR, FNR) is constant on that interval.
    widths = threshold[1:-1] - threshold[2:]
    scores["test_aum"] = float(np.sum(np.minimum(fpr[1:-1], 1.0 - tpr[1:-1]) * widths))
    if len(fpr) > 3:
        # scikit-learn's drop_intermediate: keep the corners of the curve only.
        false_counts = np.rint(fpr[1:] * n_negative)
        true_counts = np.rint(tpr[1:] * n_positive)
        corners = np.r_[
            True, np.logical_or(np.diff(false_counts, 2), np.diff(true_counts, 2)), True
        ]
        keep = np.r_[True, corners]
        fpr, tpr, threshold = fpr[keep], tpr[keep], threshold[keep]
    roc = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "threshold": threshold.tolist()}
    return scores, roc
