"""One cell of a benchmark: fit a clone of an estimator on a split and score it."""

import re
import time
import traceback
from contextlib import contextmanager

import numpy as np
import torch
from imblearn.metrics import geometric_mean_score
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score, roc_curve
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing
from threadpoolctl import threadpool_limits

from ..metrics import aum_score
from ._callbacks import SubtrainAUC

__all__ = ["run_cell", "estimator_signature", "HISTORY_COLUMNS"]

# Per-epoch quantities kept from an estimator's skorch history.
HISTORY_COLUMNS = ["epoch", "train_loss", "valid_loss", "train_auc", "valid_auc", "dur"]


@contextmanager
def _limited_threads(n_threads):
    """Run torch and the BLAS libraries on ``n_threads`` threads inside the block.

    Every cell runs with the same thread count whatever the back end, so a cell
    computes the same floating-point sums sequentially and in parallel.
    """
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=n_threads):
            yield
    finally:
        torch.set_num_threads(previous)


def final_estimator(estimator):
    """The estimator at the end of a pipeline (the estimator itself otherwise)."""
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def _has_skorch_history(estimator):
    return "callbacks" in estimator.get_params(deep=False) and hasattr(
        estimator, "initialize_callbacks"
    )


def run_cell(estimator, X, y, train, tests, *, n_threads=1, record_history=True, on_error="raise"):
    """Fit a clone of ``estimator`` on rows ``train`` and score it on each of ``tests``.

    Cells that share their training rows (SOAK's Other for one test subset is Same
    for another) are fitted once: the fit is seeded, so a second fit would be the same.

    Returns
    -------
    list of dict, one per test set
        ``scores`` (a flat dict of metrics and timings), ``history`` (a list of
        per-epoch dicts, possibly empty), ``roc`` (``fpr``, ``tpr``, ``threshold``
        lists for binary tasks, else None) and ``error`` (None, or the traceback
        when ``on_error="record"`` and the fit or scoring failed).
    """
    try:
        return _run_cell(estimator, X, y, train, tests, n_threads, record_history)
    except Exception:
        if on_error == "raise":
            raise
        failure = traceback.format_exc()
        return [{"scores": {}, "history": [], "roc": None, "error": failure} for _ in tests]


def _run_cell(estimator, X, y, train, tests, n_threads, record_history):
    estimator = clone(estimator)
    final = final_estimator(estimator)
    if record_history and _has_skorch_history(final):
        callbacks = list(final.callbacks or []) + [("imbnn_subtrain_auc", SubtrainAUC())]
        final.set_params(callbacks=callbacks)
    y = np.asarray(y)
    with _limited_threads(n_threads):
        start = time.perf_counter()
        estimator.fit(_safe_indexing(X, train), y[train])
        fit_time = time.perf_counter() - start
        evaluated = []
        for test in tests:
            start = time.perf_counter()
            scores, roc = _score(estimator, _safe_indexing(X, test), y[test])
            scores.update(fit_time=fit_time, score_time=time.perf_counter() - start)
            evaluated.append((scores, roc))
    history = []
    if getattr(final, "history_", None) is not None and len(final.history_):
        history = [
            {column: _plain(row.get(column, np.nan)) for column in HISTORY_COLUMNS}
            for row in final.history_
        ]
    fitted = {}
    for name in ("best_epoch_", "n_epochs_", "best_validation_auc_"):
        value = getattr(final, name, None)
        fitted[name.rstrip("_")] = np.nan if value is None else _plain(value)
    return [
        {"scores": {**scores, **fitted}, "history": history, "roc": roc, "error": None}
        for scores, roc in evaluated
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


def _score(estimator, X_test, y_test):
    classes = np.asarray(estimator.classes_)
    y_pred = estimator.predict(X_test)
    scores = {
        "test_accuracy": accuracy_score(y_test, y_pred),
        "test_balanced_accuracy": balanced_accuracy_score(y_test, y_pred),
        "test_gmean": geometric_mean_score(y_test, y_pred),
    }
    ranking = _ranking_scores(estimator, X_test, len(classes))
    present = np.isin(classes, y_test)
    roc = None
    if len(classes) == 2:
        positive = y_test == classes[1]
        predicted_positive = y_pred == classes[1]
        both = positive.any() and (~positive).any()
        scores["test_roc_auc"] = roc_auc_score(positive, ranking) if both else np.nan
        scores["test_aum"] = aum_score(positive.astype(int), ranking) if both else np.nan
        scores["test_fpr_default"] = (
            predicted_positive[~positive].mean() if (~positive).any() else np.nan
        )
        scores["test_tpr_default"] = (
            predicted_positive[positive].mean() if positive.any() else np.nan
        )
        if both:
            fpr, tpr, threshold = roc_curve(positive, ranking)
            roc = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "threshold": threshold.tolist()}
    else:
        complete = present.all()
        probabilities = estimator.predict_proba(X_test)
        scores["test_roc_auc"] = (
            roc_auc_score(y_test, probabilities, multi_class="ovr", labels=classes)
            if complete
            else np.nan
        )
        scores["test_aum"] = aum_score(y_test, ranking, labels=classes) if complete else np.nan
    return {name: float(value) for name, value in scores.items()}, roc


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _stable_repr(value):
    """A repr without memory addresses, with nested estimators reduced to their class."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return f"<{type(value).__module__}.{type(value).__qualname__}>"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(_stable_repr(item) for item in value) + ")"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{key!r}: {_stable_repr(item)}" for key, item in sorted(value.items()))
            + "}"
        )
    return _ADDRESS.sub("", repr(value))


def estimator_signature(estimator):
    """A string that changes when the estimator's class or any (nested) parameter changes."""
    params = estimator.get_params(deep=True)
    items = ", ".join(f"{name}={_stable_repr(params[name])}" for name in sorted(params))
    return f"{type(estimator).__module__}.{type(estimator).__qualname__}({items})"
