"""Figures of benchmark results (needs matplotlib: ``pip install 'imbnn[plot]'``).

Each function takes the tables of :class:`imbnn.benchmark.Benchmark` (or of
:func:`imbnn.benchmark.read_results`) and returns a matplotlib ``Figure`` made
without pyplot, so nothing is shown or kept open; save it with ``fig.savefig``.
"""

import math
from pathlib import Path

import numpy as np

__all__ = ["plot_test_auc", "plot_roc_curves", "plot_history", "save_benchmark_plots"]


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
    return keys, list(scores.groupby(keys, sort=False).groups)


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
        panel = panel if isinstance(panel, tuple) else (panel,)
        rows = scores
        for key, value in zip(keys, panel):
            rows = rows[rows[key] == value]
        width = 0.6 / max(1, len(variants))
        for v, variant in enumerate(variants):
            for e, estimator in enumerate(estimators):
                values = rows.loc[rows["estimator"] == estimator, score]
                if colour_by:
                    values = rows.loc[(rows["estimator"] == estimator) & (rows[colour_by] == variant), score]
                values = values.dropna().to_numpy()
                if not len(values):
                    continue
                y = e + (v - (len(variants) - 1) / 2) * width
                colour = palette[v % len(palette)]
                ax.plot(values, np.full(len(values), y), "o", mfc="none", color=colour, alpha=0.7)
                spread = values.std(ddof=1) if len(values) > 1 else 0.0
                ax.errorbar(values.mean(), y, xerr=spread, fmt="s", color=colour, capsize=3,
                            label=variant if (colour_by and e == 0) else None)
        ax.set_yticks(range(len(estimators)), estimators)
        ax.set_ylim(-0.7, len(estimators) - 0.3)
        ax.set_xlabel(score.replace("_", " "))
        ax.set_title(" / ".join(str(value) for value in panel))
        ax.grid(axis="x", alpha=0.3)
        if colour_by:
            ax.legend(title="train subsets", fontsize="small")
    return figure


def plot_roc_curves(roc, scores=None, *, split=0):
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

    Returns
    -------
    matplotlib.figure.Figure
    """
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
                row = scores[(scores["dataset"] == dataset) & (scores["estimator"] == estimator)
                             & (scores["split"] == split)]
                if len(row):
                    label = f"{estimator} (AUC {row['test_roc_auc'].iloc[0]:.3f})"
                    point = row[["test_fpr_default", "test_tpr_default"]].iloc[0].to_numpy(dtype=float)
            ax.plot(curve["fpr"], curve["tpr"], color=colours[estimator], label=label, drawstyle="default")
            if point is not None and np.isfinite(point).all():
                ax.plot(*point, "D", color=colours[estimator], markersize=7, mec="black")
        ax.plot([0, 1], [0, 1], ":", color="grey", linewidth=0.8)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.set_title(f"{dataset}, split {split} (D = default decision)", fontsize="medium")
        ax.legend(fontsize="x-small", loc="lower right")
    for ax in axes.ravel()[len(datasets):]:
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
            for column, label, colour in (("train_auc", "subtrain", "C0"), ("valid_auc", "validation", "C1")):
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
        match = scores[(scores["dataset"] == dataset) & (scores["estimator"] == estimator)
                       & (scores["split"] == split)]["best_epoch"]
        if len(match) and np.isfinite(match.iloc[0]):
            return match.iloc[0]
    if "valid_auc" in rows.columns and rows["valid_auc"].notna().any():
        return rows["epoch"].iloc[int(np.nanargmax(rows["valid_auc"].to_numpy(dtype=float)))]
    return None


def save_benchmark_plots(scores, history, roc, folder, *, split=0):
    """Save ``test_auc.png``, ``roc.png`` and ``history.png`` (those with data) in ``folder``.

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
    if len(history) and (history["split"] == split).any():
        figures.append(("history.png", lambda: plot_history(history, split=split, scores=scores)))
    for name, make in figures:
        path = folder / name
        make().savefig(path, dpi=100)
        written.append(path)
    return written
