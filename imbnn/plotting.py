"""Figures of benchmark results (needs matplotlib: ``pip install 'imbnn[plot]'``).

Each function takes the tables of :class:`imbnn.benchmark.Benchmark` (or of
:func:`imbnn.benchmark.read_results`) and returns a matplotlib ``Figure`` made
without pyplot, so nothing is shown or kept open; save it with ``fig.savefig``.
"""

import math
from pathlib import Path

import numpy as np

__all__ = [
    "plot_test_auc",
    "plot_roc_curves",
    "plot_history",
    "save_benchmark_plots",
    "reliability_curve",
    "plot_reliability_diagram",
]


def _figure(n_rows, n_columns, width, height):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "imbnn.plotting needs matplotlib: pip install 'imbnn[plot]' (or matplotlib)."
        ) from error
    figure = Figure(figsize=(width * n_columns, height * n_rows), layout="constrained")
    axes = figure.subplots(n_rows, n_columns, squeeze=False)
    return figure, axes


def _require(table, columns, name):
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}.")


def _panels(scores):
    """Panel keys: the data set, and the test subset when the splits are SOAK's."""
    keys = ["dataset"] + (["test_subset"] if "test_subset" in scores.columns else [])
    return keys, list(scores[keys].drop_duplicates().itertuples(index=False, name=None))


def plot_test_auc(scores, *, score="test_roc_auc"):
    """Test score of each estimator: one point per split, and the mean with +- 1 sd.

    One panel per data set (and test subset for SOAK results, where each training
    set of Same/Other/All gets its own colour).

    Parameters
    ----------
    scores : pandas.DataFrame
        ``Benchmark.scores_`` (columns ``dataset``, ``estimator`` and ``score``).
    score : str, default="test_roc_auc"

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from imbnn.plotting import plot_test_auc
    >>> scores = pd.DataFrame({"dataset": "d", "estimator": ["a", "a", "b", "b"],
    ...                        "test_roc_auc": [0.5, 0.5, 0.8, 0.9]})
    >>> figure = plot_test_auc(scores)
    >>> [label.get_text() for label in figure.axes[0].get_yticklabels()]
    ['a', 'b']
    """
    _require(scores, ["dataset", "estimator", score], "scores")
    keys, panels = _panels(scores)
    estimators = list(dict.fromkeys(scores["estimator"]))
    colour_by = "train_subsets" if "train_subsets" in scores.columns else None
    variants = list(dict.fromkeys(scores[colour_by])) if colour_by else [None]
    figure, axes = _figure(len(panels), 1, 6, 0.45 * len(estimators) * max(1, len(variants)) + 1.2)
    palette = [f"C{k}" for k in range(10)]
    for ax, panel in zip(axes[:, 0], panels):
        rows = scores
        for key, value in zip(keys, panel):
            rows = rows[rows[key] == value]
        width = 0.6 / max(1, len(variants))
        for v, variant in enumerate(variants):
            for e, estimator in enumerate(estimators):
                values = rows.loc[rows["estimator"] == estimator, score]
                if colour_by:
                    chosen = (rows["estimator"] == estimator) & (rows[colour_by] == variant)
                    values = rows.loc[chosen, score]
                values = values.dropna().to_numpy()
                if not len(values):
                    continue
                y = e + (v - (len(variants) - 1) / 2) * width
                colour = palette[v % len(palette)]
                ax.plot(values, np.full(len(values), y), "o", mfc="none", color=colour, alpha=0.7)
                spread = values.std(ddof=1) if len(values) > 1 else 0.0
                ax.errorbar(
                    values.mean(),
                    y,
                    xerr=spread,
                    fmt="s",
                    color=colour,
                    capsize=3,
                    label=variant if (colour_by and e == 0) else None,
                )
        ax.set_yticks(range(len(estimators)), estimators)
        ax.set_ylim(-0.7, len(estimators) - 0.3)
        ax.set_xlabel(score.replace("_", " "))
        ax.set_title(" / ".join(str(value) for value in panel))
        ax.grid(axis="x", alpha=0.3)
        if colour_by:
            ax.legend(title="train subsets", fontsize="small")
    return figure


def plot_roc_curves(roc, scores=None, *, split=0, min_tpr=None):
    """ROC curve of each estimator on one split, with its default decision marked.

    The marker is the (FPR, TPR) of ``predict`` on the test rows: where the
    estimator lands without threshold tuning, as in the slides' "D" points.

    Parameters
    ----------
    roc : pandas.DataFrame
        ``Benchmark.roc_`` (``dataset``, ``estimator``, ``split``, ``fpr``, ``tpr``).
    scores : pandas.DataFrame, default=None
        ``Benchmark.scores_``, for the default decision points (``test_fpr_default``,
        ``test_tpr_default``) and the AUC in the legend.
    split : int, default=0
        Which split to draw.
    min_tpr : float in [0, 1) or None, default=None
        Zoom on true-positive rates from ``min_tpr`` to 1, where screening models
        operate (e.g. 0.9 to compare FPR at TPR 0.90, 0.95 and 0.98, as
        :func:`imbnn.metrics.fpr_at_tpr`); dashed lines mark TPR 0.90, 0.95 and
        0.98 inside the range. ``None`` draws the whole curve.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if min_tpr is not None and not 0 <= min_tpr < 1:
        raise ValueError(f"min_tpr must be in [0, 1); got {min_tpr!r}.")
    _require(roc, ["dataset", "estimator", "split", "fpr", "tpr"], "roc")
    roc = roc[roc["split"] == split]
    if roc.empty:
        raise ValueError(f"roc has no curve for split {split}.")
    datasets = list(dict.fromkeys(roc["dataset"]))
    n_columns = min(3, len(datasets))
    figure, axes = _figure(math.ceil(len(datasets) / n_columns), n_columns, 4.2, 4)
    estimators = list(dict.fromkeys(roc["estimator"] if scores is None else scores["estimator"]))
    colours = {name: f"C{k % 10}" for k, name in enumerate(estimators)}
    for ax, dataset in zip(axes.ravel(), datasets):
        for estimator, curve in roc[roc["dataset"] == dataset].groupby("estimator", sort=False):
            label = estimator
            point = None
            if scores is not None:
                row = scores[
                    (scores["dataset"] == dataset)
                    & (scores["estimator"] == estimator)
                    & (scores["split"] == split)
                ]
                if len(row):
                    label = f"{estimator} (AUC {row['test_roc_auc'].iloc[0]:.3f})"
                    point = row[["test_fpr_default", "test_tpr_default"]].iloc[0]
                    point = point.to_numpy(dtype=float)
            ax.plot(curve["fpr"], curve["tpr"], color=colours[estimator], label=label)
            if point is not None and np.isfinite(point).all():
                ax.plot(*point, "D", color=colours[estimator], markersize=7, mec="black")
        ax.plot([0, 1], [0, 1], ":", color="grey", linewidth=0.8)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        if min_tpr is not None:
            ax.set_ylim(min_tpr, 1.0 + 0.01 * (1 - min_tpr))
            for level in (0.90, 0.95, 0.98):
                if level > min_tpr:
                    ax.axhline(level, color="grey", linewidth=0.6, linestyle="--")
        ax.set_title(f"{dataset}, split {split} (D = default decision)", fontsize="medium")
        ax.legend(fontsize="x-small", loc="lower right")
    for ax in axes.ravel()[len(datasets) :]:
        ax.set_visible(False)
    return figure


def plot_history(history, *, split=0, scores=None):
    """Subtrain and validation ROC AUC per epoch, one panel per data set and estimator.

    A vertical line marks the epoch kept (``best_epoch`` of ``scores`` when given,
    else the first epoch of largest validation AUC).

    Parameters
    ----------
    history : pandas.DataFrame
        ``Benchmark.history_`` (``dataset``, ``estimator``, ``split``, ``epoch``,
        ``train_auc``, ``valid_auc``).
    split : int, default=0
    scores : pandas.DataFrame, default=None

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(history, ["dataset", "estimator", "split", "epoch"], "history")
    history = history[history["split"] == split]
    if history.empty:
        raise ValueError(f"history has no epochs for split {split}.")
    datasets = list(dict.fromkeys(history["dataset"]))
    estimators = list(dict.fromkeys(history["estimator"]))
    figure, axes = _figure(len(datasets), len(estimators), 3.6, 2.8)
    for r, dataset in enumerate(datasets):
        for c, estimator in enumerate(estimators):
            ax = axes[r, c]
            rows = history[(history["dataset"] == dataset) & (history["estimator"] == estimator)]
            curves = (("train_auc", "subtrain", "C0"), ("valid_auc", "validation", "C1"))
            for column, label, colour in curves:
                if column in rows.columns and rows[column].notna().any():
                    ax.plot(rows["epoch"], rows[column], label=label, color=colour)
            best = _best_epoch(rows, scores, dataset, estimator, split)
            if best is not None:
                ax.axvline(best, color="grey", linestyle="--", linewidth=0.8)
            ax.set_title(f"{dataset} / {estimator}", fontsize="small")
            ax.set_xlabel("epoch")
            ax.set_ylabel("ROC AUC")
            if r == 0 and c == 0:
                ax.legend(fontsize="x-small")
    return figure


def _best_epoch(rows, scores, dataset, estimator, split):
    if scores is not None and "best_epoch" in scores.columns:
        match = scores[
            (scores["dataset"] == dataset)
            & (scores["estimator"] == estimator)
            & (scores["split"] == split)
        ]["best_epoch"]
        if len(match) and np.isfinite(match.iloc[0]):
            return match.iloc[0]
    if "valid_auc" in rows.columns and rows["valid_auc"].notna().any():
        return rows["epoch"].iloc[int(np.nanargmax(rows["valid_auc"].to_numpy(dtype=float)))]
    return None


def save_benchmark_plots(scores, history, roc, folder, *, split=0):
    """Save ``test_auc.png``, ``roc.png``, ``roc_high_tpr.png`` and ``history.png`` in ``folder``.

    Only the plots whose tables have rows are written; ``roc_high_tpr.png`` is
    the ROC plot zoomed on TPR >= 0.9.

    Parameters
    ----------
    scores, history, roc : pandas.DataFrame
        The tables of a benchmark.
    folder : str or path-like
    split : int, default=0
        The split whose ROC curves and training curves are drawn.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    figures = [("test_auc.png", lambda: plot_test_auc(scores))]
    if len(roc) and (roc["split"] == split).any():
        figures.append(("roc.png", lambda: plot_roc_curves(roc, scores, split=split)))
        figures.append(
            (
                "roc_high_tpr.png",
                lambda: plot_roc_curves(roc, scores, split=split, min_tpr=0.9),
            )
        )
    if len(history) and (history["split"] == split).any():
        figures.append(("history.png", lambda: plot_history(history, split=split, scores=scores)))
    for name, make in figures:
        path = folder / name
        make().savefig(path, dpi=100)
        written.append(path)
    return written


def reliability_curve(y_true, y_prob, *, n_bins=10, strategy="uniform", class_balanced=False):
    """Mean predicted probability and observed frequency of the positive class, per bin.

    The binary building block of :func:`plot_reliability_diagram`; without
    ``class_balanced`` it equals scikit-learn's
    :func:`~sklearn.calibration.calibration_curve`. With ``class_balanced=True`` every
    example is weighted by ``1 / (2 * size of its class)``, so the observed frequency
    is what it would be if both classes were equally frequent: the view of the
    balanced Brier score, and the target of a model trained on class-balanced
    batches (ReMix, SMOTE, class weights).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 (or True) for the class whose probability ``y_prob`` is, 0 otherwise.
    y_prob : array-like of shape (n_samples,)
        Predicted probability of that class.
    n_bins : int, default=10
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1], or bins holding equal numbers of examples.
    class_balanced : bool, default=False

    Returns
    -------
    observed : ndarray
        Weighted fraction of positives in each non-empty bin.
    predicted : ndarray
        Weighted mean predicted probability in each non-empty bin.

    Examples
    --------
    >>> from imbnn.plotting import reliability_curve
    >>> observed, predicted = reliability_curve([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], n_bins=2)
    >>> observed.tolist(), predicted.tolist()
    ([0.0, 1.0], [0.2, 0.75])
    """
    from sklearn.utils.validation import check_consistent_length, column_or_1d

    y_true = column_or_1d(y_true).astype(np.float64)
    y_prob = column_or_1d(y_prob).astype(np.float64)
    check_consistent_length(y_true, y_prob)
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError(
            "y_true must be 0/1 (is the example of the class whose probability is given)."
        )
    if not np.all(np.isfinite(y_prob)) or y_prob.min() < 0 or y_prob.max() > 1:
        raise ValueError("y_prob must be probabilities in [0, 1] (no NaN).")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.percentile(y_prob, np.linspace(0, 100, n_bins + 1))
    else:
        raise ValueError(f'strategy must be "uniform" or "quantile"; got {strategy!r}.')
    weight = np.ones_like(y_prob)
    if class_balanced:
        positives = y_true.sum()
        if positives in (0, len(y_true)):
            raise ValueError("class_balanced needs examples of both classes in y_true.")
        weight = np.where(y_true == 1, 0.5 / positives, 0.5 / (len(y_true) - positives))
    bins = np.searchsorted(edges[1:-1], y_prob)
    total = np.bincount(bins, weights=weight, minlength=n_bins)
    hits = np.bincount(bins, weights=weight * y_true, minlength=n_bins)
    mass = np.bincount(bins, weights=weight * y_prob, minlength=n_bins)
    filled = total > 0
    return hits[filled] / total[filled], mass[filled] / total[filled]


def plot_reliability_diagram(
    y_true, y_prob, *, labels=None, n_bins=10, strategy="uniform", class_balanced=False, axes=None
):
    """Reliability diagram of every class: observed frequency against predicted probability.

    One panel per class ``k``: the examples are binned by their predicted
    probability of ``k`` and each bin is drawn at (mean predicted probability,
    fraction of the bin that is of class ``k``) by :func:`reliability_curve`. A
    calibrated model lies on the diagonal. A panel per class keeps the minority
    from being hidden among the majority's examples.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_prob : array-like of shape (n_samples, n_classes), or dict of them
        Predicted probabilities, columns in the order of ``labels`` (as
        ``predict_proba`` returns them). A dict ``{model name: probabilities}``
        draws one curve per model in every panel.
    labels : array-like, default=None
        The classes of the columns (default: sorted unique ``y_true``).
    n_bins : int, default=10
    strategy : {"uniform", "quantile"}, default="uniform"
    class_balanced : bool, default=False
        Weight the examples so that every class counts equally (see
        :func:`reliability_curve`): the calibration that class-balanced training
        aims at and the balanced Brier score measures.
    axes : array-like of matplotlib Axes, default=None
        One per class, to draw into; a new figure with one row of panels when None.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from imbnn.plotting import plot_reliability_diagram
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> p1 = np.linspace(0, 0.6, 100)
    >>> figure = plot_reliability_diagram(y, {"model": np.column_stack([1 - p1, p1])}, n_bins=5)
    >>> len(figure.axes)
    2
    """
    from sklearn.utils.validation import check_array, column_or_1d

    y_true = column_or_1d(y_true)
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if not np.isin(y_true, classes).all():
        raise ValueError(
            f"y_true has labels {np.setdiff1d(y_true, classes).tolist()} not in `labels`."
        )
    curves = dict(y_prob) if isinstance(y_prob, dict) else {None: y_prob}
    for name in curves:
        curves[name] = check_array(curves[name], dtype=np.float64, input_name="y_prob")
        if curves[name].shape != (len(y_true), len(classes)):
            raise ValueError(
                f"y_prob{'' if name is None else f' of {name!r}'} has shape "
                f"{curves[name].shape}; expected ({len(y_true)}, {len(classes)}): one row per "
                "example and one column per class."
            )
    if axes is None:
        _, axes = _figure(1, len(classes), 3.3, 3.5)
    axes = np.ravel(axes)
    if len(axes) != len(classes):
        raise ValueError(f"Got {len(axes)} axes for {len(classes)} classes.")
    for k, (label, ax) in enumerate(zip(classes, axes)):
        ax.plot([0, 1], [0, 1], linestyle=":", color="gray")
        for name, prob in curves.items():
            observed, predicted = reliability_curve(
                y_true == label,
                prob[:, k],
                n_bins=n_bins,
                strategy=strategy,
                class_balanced=class_balanced,
            )
            ax.plot(predicted, observed, marker="o", label=name)
        ax.set(
            xlim=(0, 1),
            ylim=(0, 1),
            xlabel=f"predicted P({label})",
            title=f"class {label} (n={int(np.sum(y_true == label))})",
        )
    axes[0].set_ylabel("observed frequency" + (" (class-balanced)" if class_balanced else ""))
    if any(name is not None for name in curves):
        axes[0].legend(loc="upper left", fontsize="small")
    return axes[0].figure
