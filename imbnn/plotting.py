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


def _is_chance(values):
    """Scores of a model that ranks nothing (the featureless baseline): all exactly 0.5."""
    values = values[np.isfinite(values)]
    return len(values) > 0 and bool(np.all(values == 0.5))


def _marker_legend(figure, colour_by=None, variants=(), palette=()):
    """One legend under the panels that says what every marker is."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [], [], marker="o", mfc="none", color="0.3", linestyle="none", label="one test fold"
        ),
        Line2D([], [], marker="s", color="0.3", label="mean +- 1 sd over folds (value above)"),
    ]
    if colour_by:
        handles += [
            Line2D([], [], marker="s", color=palette[v % len(palette)], label=f"train: {variant}")
            for v, variant in enumerate(variants)
        ]
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(4, len(handles)), fontsize="small"
    )


def plot_test_auc(scores, *, score="test_roc_auc"):
    """Test score of each estimator: one point per split, and the mean with +- 1 sd.

    One panel per data set (and test subset for SOAK results, where each training
    set of Same/Other/All gets its own colour). The axis spans the trained models'
    scores: a model at exactly 0.5 on every split (the featureless baseline) would
    squeeze them into a corner, so where 0.5 is off the axis its row says so in
    words instead. The mean is written beside each bar, and a legend explains every
    marker.

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
    n_columns = min(3, len(panels))
    n_rows = math.ceil(len(panels) / n_columns)
    height = 0.42 * len(estimators) * max(1, len(variants)) + 1.6
    figure, axes = _figure(n_rows, n_columns, 5.2, height)
    palette = [f"C{k}" for k in range(10)]
    label = score.replace("test_", "test ").replace("_", " ").replace("roc auc", "ROC AUC")
    for ax, panel in zip(axes.ravel(), panels):
        rows = scores
        for key, value in zip(keys, panel):
            rows = rows[rows[key] == value]
        values_of = {
            estimator: rows.loc[rows["estimator"] == estimator, score].to_numpy(dtype=float)
            for estimator in estimators
        }
        trained = [
            v[np.isfinite(v)] for v in values_of.values() if not _is_chance(v) and len(v)
        ]
        trained = np.concatenate(trained) if trained else np.array([0.5])
        low, high = float(trained.min()), float(trained.max())
        margin = max(0.02, 0.08 * (high - low))
        upper = 1.0 + margin / 3 if score == "test_roc_auc" and high <= 1 else high + margin
        lower = low - margin
        ax.set_xlim(lower, upper)
        width = 0.6 / max(1, len(variants))
        for v, variant in enumerate(variants):
            colour = palette[v % len(palette)]
            for e, estimator in enumerate(estimators):
                chosen = rows["estimator"] == estimator
                if colour_by:
                    chosen &= rows[colour_by] == variant
                values = rows.loc[chosen, score].to_numpy(dtype=float)
                values = values[np.isfinite(values)]
                if not len(values):
                    continue
                y = e + (v - (len(variants) - 1) / 2) * width
                mean = values.mean()
                if _is_chance(values) and 0.5 < lower:
                    if v == 0:  # one note per estimator, whatever the training sets
                        ax.annotate(
                            "all folds 0.500 (chance), left of the axis",
                            (lower, e),
                            xytext=(4, 0),
                            textcoords="offset points",
                            va="center",
                            fontsize="small",
                            color="0.35",
                            style="italic",
                        )
                    continue
                ax.plot(values, np.full(len(values), y), "o", mfc="none", color=colour, alpha=0.7)
                spread = values.std(ddof=1) if len(values) > 1 else 0.0
                ax.errorbar(mean, y, xerr=spread, fmt="s", color=colour, capsize=3)
                ax.annotate(
                    f"{mean:.3f}",
                    (mean, y),
                    xytext=(0, 6),
                    textcoords="offset points",
                    ha="center",
                    fontsize="x-small",
                    color=colour,
                )
        if lower < 0.5 < upper:
            ax.axvline(0.5, color="grey", linestyle=":", linewidth=0.8)
        ax.set_yticks(range(len(estimators)), estimators)
        ax.set_ylim(len(estimators) - 0.4, -0.6)  # the first estimator at the top
        ax.set_xlabel(label)
        ax.set_title(" / ".join(str(value) for value in panel))
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.ravel()[len(panels) :]:
        ax.remove()
    _marker_legend(figure, colour_by, variants, palette)
    return figure


def _mean_curve(curves, grid):
    """Vertical average of ROC curves: the mean TPR at each FPR of ``grid`` (Fawcett, 2006)."""
    return np.mean([np.interp(grid, fpr, tpr) for fpr, tpr in curves], axis=0)


def plot_roc_curves(roc, scores=None, *, split=None, min_tpr=None):
    """ROC curves of each estimator, every fold or one, with the default decision marked.

    With ``split=None`` each fold's curve is a thin line and the thick line their
    vertical average (the mean true-positive rate at each false-positive rate);
    the diamond is the mean over folds of the (FPR, TPR) of ``predict`` on the
    test rows: where the estimator lands without threshold tuning (the "D"
    points of Hocking's ROC figures). The legend gives each estimator's mean test AUC (+- sd).

    Parameters
    ----------
    roc : pandas.DataFrame
        ``Benchmark.roc_`` (``dataset``, ``estimator``, ``split``, ``fpr``, ``tpr``).
    scores : pandas.DataFrame, default=None
        ``Benchmark.scores_``, for the default decision points (``test_fpr_default``,
        ``test_tpr_default``) and the AUC in the legend.
    split : int or None, default=None
        Draw this split only; None draws every fold and their mean.
    min_tpr : float in [0, 1) or None, default=None
        Zoom on true-positive rates from ``min_tpr`` to 1, where screening models
        operate (e.g. 0.9 to compare FPR at TPR 0.90, 0.95 and 0.98, as
        :func:`imbnn.metrics.fpr_at_tpr`); dashed lines mark TPR 0.90, 0.95 and
        0.98 inside the range. ``None`` draws the whole curve.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from imbnn.plotting import plot_roc_curves
    >>> roc = pd.DataFrame({"dataset": "d", "estimator": "e", "split": 0,
    ...                     "fpr": [0.0, 0.1, 1.0], "tpr": [0.0, 0.8, 1.0]})
    >>> figure = plot_roc_curves(roc)
    >>> figure.axes[0].get_xlabel()
    'false positive rate'
    """
    from matplotlib.lines import Line2D

    if min_tpr is not None and not 0 <= min_tpr < 1:
        raise ValueError(f"min_tpr must be in [0, 1); got {min_tpr!r}.")
    _require(roc, ["dataset", "estimator", "split", "fpr", "tpr"], "roc")
    if split is not None:
        roc = roc[roc["split"] == split]
        if roc.empty:
            raise ValueError(f"roc has no curve for split {split}.")
    datasets = list(dict.fromkeys(roc["dataset"]))
    n_columns = min(3, len(datasets))
    figure, axes = _figure(math.ceil(len(datasets) / n_columns), n_columns, 4.8, 4.6)
    estimators = list(dict.fromkeys(roc["estimator"] if scores is None else scores["estimator"]))
    colours = {name: f"C{k % 10}" for k, name in enumerate(estimators)}
    grid = np.linspace(0, 1, 501)
    for ax, dataset in zip(axes.ravel(), datasets):
        for estimator, rows in roc[roc["dataset"] == dataset].groupby("estimator", sort=False):
            colour = colours.get(estimator, "black")
            label, point = estimator, None
            chosen = None
            if scores is not None:
                chosen = scores[(scores["dataset"] == dataset) & (scores["estimator"] == estimator)]
                if split is not None:
                    chosen = chosen[chosen["split"] == split]
            if chosen is not None and len(chosen):
                aucs = chosen["test_roc_auc"].dropna()
                if len(aucs) > 1:
                    label = f"{estimator} (AUC {aucs.mean():.3f} +- {aucs.std(ddof=1):.3f})"
                elif len(aucs):
                    label = f"{estimator} (AUC {aucs.iloc[0]:.3f})"
                if {"test_fpr_default", "test_tpr_default"} <= set(chosen.columns):
                    point = chosen[["test_fpr_default", "test_tpr_default"]].mean().to_numpy(float)
            curves = [
                (curve["fpr"].to_numpy(float), curve["tpr"].to_numpy(float))
                for _, curve in rows.groupby("split", sort=True)
            ]
            if chosen is not None and _is_chance(chosen["test_roc_auc"].to_numpy(float)):
                # A model that ranks nothing lies on the diagonal: grey, out of the way.
                ax.plot(*curves[0], color="0.55", linestyle="--", linewidth=1, label=label)
                continue
            if split is not None or len(curves) == 1:
                ax.plot(*curves[0], color=colour, label=label)
            else:
                for fpr, tpr in curves:
                    ax.plot(fpr, tpr, color=colour, linewidth=0.6, alpha=0.3, linestyle="-")
                ax.plot(grid, _mean_curve(curves, grid), color=colour, linewidth=2, label=label)
            if point is not None and np.isfinite(point).all():
                ax.plot(*point, "D", color=colour, markersize=7, mec="black")
        ax.plot([0, 1], [0, 1], ":", color="grey", linewidth=0.8)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        if min_tpr is not None:
            ax.set_ylim(min_tpr, 1.0 + 0.01 * (1 - min_tpr))
            for level in (0.90, 0.95, 0.98):
                if level > min_tpr:
                    ax.axhline(level, color="grey", linewidth=0.6, linestyle="--")
        which = f"split {split}" if split is not None else "every fold (thin) and their mean"
        ax.set_title(f"{dataset}: {which}", fontsize="medium")
        handles, _ = ax.get_legend_handles_labels()
        handles.append(
            Line2D(
                [], [], marker="D", color="0.5", mec="black", linestyle="none",
                label="default decision (predict)" + ("" if split is not None else ", mean"),
            )
        )
        ax.legend(handles=handles, fontsize="x-small", loc="lower right", framealpha=0.9)
    for ax in axes.ravel()[len(datasets) :]:
        ax.remove()
    return figure


def plot_history(history, *, split=None, scores=None):
    """Subtrain and validation ROC AUC per epoch, one panel per data set and estimator.

    With ``split=None`` every fold is drawn (thin lines) with a star at its best
    epoch; with a split, a dashed line marks it. The best epoch is ``best_epoch``
    of ``scores`` when given, else the first epoch of largest validation AUC; it is
    the epoch a network keeps, or the first of the epochs whose weights it averages
    (``average_best_epochs``, AUMClassifier's default).

    Parameters
    ----------
    history : pandas.DataFrame
        ``Benchmark.history_`` (``dataset``, ``estimator``, ``split``, ``epoch``,
        ``train_auc``, ``valid_auc``).
    split : int or None, default=None
    scores : pandas.DataFrame, default=None

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from imbnn.plotting import plot_history
    >>> history = pd.DataFrame({"dataset": "d", "estimator": "e", "split": 0,
    ...                         "epoch": [1, 2, 3], "train_auc": [0.7, 0.8, 0.9],
    ...                         "valid_auc": [0.6, 0.75, 0.7]})
    >>> len(plot_history(history).axes) >= 1
    True
    """
    from matplotlib.lines import Line2D

    _require(history, ["dataset", "estimator", "split", "epoch"], "history")
    if split is not None:
        history = history[history["split"] == split]
        if history.empty:
            raise ValueError(f"history has no epochs for split {split}.")
    datasets = list(dict.fromkeys(history["dataset"]))
    estimators = list(dict.fromkeys(history["estimator"]))
    figure, axes = _figure(len(datasets), len(estimators), 3.2, 2.7)
    curves = (("train_auc", "subtrain", "C0"), ("valid_auc", "validation", "C1"))
    for r, dataset in enumerate(datasets):
        for c, estimator in enumerate(estimators):
            ax = axes[r, c]
            rows = history[(history["dataset"] == dataset) & (history["estimator"] == estimator)]
            several = split is None and rows["split"].nunique() > 1
            for fold, fold_rows in rows.groupby("split", sort=True):
                for column, label, colour in curves:
                    if column in fold_rows.columns and fold_rows[column].notna().any():
                        ax.plot(
                            fold_rows["epoch"],
                            fold_rows[column],
                            label=label,
                            color=colour,
                            linewidth=0.8 if several else 1.5,
                            alpha=0.6 if several else 1.0,
                        )
                best = _best_epoch(fold_rows, scores, dataset, estimator, fold)
                if best is None:
                    continue
                if several:
                    kept = fold_rows.loc[fold_rows["epoch"] == best, "valid_auc"]
                    if len(kept) and np.isfinite(kept.iloc[0]):
                        ax.plot(best, kept.iloc[0], "*", color="black", markersize=7)
                else:
                    ax.axvline(best, color="grey", linestyle="--", linewidth=0.8)
            ax.set_title(f"{dataset} / {estimator}", fontsize="small")
            ax.set_xlabel("epoch")
            ax.set_ylabel("ROC AUC")
            if r == 0 and c == 0:
                handles = [Line2D([], [], color=colour, label=label) for _, label, colour in curves]
                handles.append(
                    Line2D([], [], marker="*", color="black", linestyle="none", label="best epoch")
                    if split is None
                    else Line2D([], [], color="grey", linestyle="--", label="best epoch")
                )
                ax.legend(handles=handles, fontsize="x-small")
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


def save_benchmark_plots(scores, history, roc, folder, *, split=None):
    """Save ``test_auc.png``, ``roc.png``, ``roc_high_tpr.png`` and ``history.png`` in ``folder``.

    Only the plots whose tables have rows are written; ``roc_high_tpr.png`` is
    the ROC plot zoomed on TPR >= 0.9.

    Parameters
    ----------
    scores, history, roc : pandas.DataFrame
        The tables of a benchmark.
    folder : str or path-like
    split : int or None, default=None
        Draw only this split's ROC curves and training curves; None draws every
        fold (and the mean ROC curve).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from imbnn.plotting import save_benchmark_plots
    >>> scores = pd.DataFrame({"dataset": "d", "estimator": ["a", "b"], "split": 0,
    ...                        "test_roc_auc": [0.5, 0.9]})
    >>> empty = pd.DataFrame()
    >>> [path.name for path in save_benchmark_plots(scores, empty, empty, tempfile.mkdtemp())]
    ['test_auc.png']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    figures = [("test_auc.png", lambda: plot_test_auc(scores))]
    if len(roc) and (split is None or (roc["split"] == split).any()):
        figures.append(("roc.png", lambda: plot_roc_curves(roc, scores, split=split)))
        figures.append(
            (
                "roc_high_tpr.png",
                lambda: plot_roc_curves(roc, scores, split=split, min_tpr=0.9),
            )
        )
    if len(history) and (split is None or (history["split"] == split).any()):
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
