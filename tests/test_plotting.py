"""Plots draw the numbers they are given."""

import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from imbnn.plotting import (
    plot_history,
    plot_roc_curves,
    plot_test_auc,
    save_benchmark_plots,
)  # noqa: E402


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    scores = pd.DataFrame(
        [
            {
                "dataset": dataset,
                "estimator": estimator,
                "split": split,
                "test_roc_auc": rng.uniform(0.6, 1.0),
                "test_fpr_default": rng.uniform(0, 0.2),
                "test_tpr_default": rng.uniform(0.5, 1),
                "best_epoch": 2 + split,
            }
            for dataset in ("d1", "d2")
            for estimator in ("aum", "ce")
            for split in range(3)
        ]
    )
    roc = pd.DataFrame(
        [
            {
                "dataset": dataset,
                "estimator": estimator,
                "split": split,
                "fpr": fpr,
                "tpr": tpr,
                "threshold": 0,
            }
            for dataset in ("d1", "d2")
            for estimator in ("aum", "ce")
            for split in range(3)
            for fpr, tpr in ((0, 0), (0.1, 0.6), (0.5, 0.9), (1, 1))
        ]
    )
    history = pd.DataFrame(
        [
            {
                "dataset": dataset,
                "estimator": estimator,
                "split": split,
                "epoch": epoch,
                "train_auc": 0.5 + 0.1 * epoch,
                "valid_auc": 0.5 + 0.08 * epoch - 0.01 * epoch**2,
            }
            for dataset in ("d1", "d2")
            for estimator in ("aum", "ce")
            for split in range(3)
            for epoch in range(1, 6)
        ]
    )
    return scores, roc, history


def test_test_auc_points_and_means_are_the_scores(tables):
    scores, _, _ = tables
    figure = plot_test_auc(scores)
    assert [ax.get_title() for ax in figure.axes] == ["d1", "d2"]
    ax = figure.axes[0]
    points = [
        line
        for line in ax.get_lines()
        if line.get_linestyle() == "None" and line.get_marker() == "o"
    ]
    for estimator, line in zip(["aum", "ce"], points):
        expected = scores[(scores["dataset"] == "d1") & (scores["estimator"] == estimator)][
            "test_roc_auc"
        ]
        np.testing.assert_allclose(np.sort(line.get_xdata()), np.sort(expected))
    means = [line for line in ax.get_lines() if line.get_marker() == "s"]
    expected_means = (
        scores[scores["dataset"] == "d1"].groupby("estimator", sort=False)["test_roc_auc"].mean()
    )
    np.testing.assert_allclose([line.get_xdata()[0] for line in means], expected_means)


def test_soak_results_get_a_panel_per_test_subset_and_a_colour_per_training_set(tables):
    scores, _, _ = tables
    soak = pd.concat(
        [
            scores.assign(test_subset=s, train_subsets=t)
            for s in ("A", "B")
            for t in ("same", "other")
        ]
    )
    figure = plot_test_auc(soak)
    assert len(figure.axes) == 4 and figure.axes[0].get_title() == "d1 / A"
    assert [text.get_text() for text in figure.legends[0].get_texts()][-2:] == [
        "train: same",
        "train: other",
    ]


def test_roc_curves_and_default_decision_points(tables):
    scores, roc, _ = tables
    figure = plot_roc_curves(roc, scores, split=1)
    ax = figure.axes[0]
    curves = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    np.testing.assert_allclose(curves[0].get_xdata(), [0, 0.1, 0.5, 1])
    np.testing.assert_allclose(curves[0].get_ydata(), [0, 0.6, 0.9, 1])
    diamonds = [line for line in ax.get_lines() if line.get_marker() == "D"]
    row = scores[
        (scores["dataset"] == "d1") & (scores["estimator"] == "aum") & (scores["split"] == 1)
    ].iloc[0]
    assert (diamonds[0].get_xdata()[0], diamonds[0].get_ydata()[0]) == pytest.approx(
        (row["test_fpr_default"], row["test_tpr_default"])
    )
    assert f"AUC {row['test_roc_auc']:.3f}" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="no curve for split 7"):
        plot_roc_curves(roc, scores, split=7)


def test_roc_curves_zoom_on_high_true_positive_rates(tables):
    scores, roc, _ = tables
    ax = plot_roc_curves(roc, scores, split=1, min_tpr=0.9).axes[0]
    low, high = ax.get_ylim()
    assert low == pytest.approx(0.9) and 1.0 < high < 1.01
    guides = sorted(line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == "--")
    assert guides == pytest.approx([0.95, 0.98])  # TPR 0.90 is the bottom edge
    # the curve itself is unchanged: zooming only sets the limits
    curves = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    np.testing.assert_allclose(curves[0].get_ydata(), [0, 0.6, 0.9, 1])
    assert plot_roc_curves(roc, scores, split=1).axes[0].get_ylim()[0] < 0.1
    with pytest.raises(ValueError, match="min_tpr must be in"):
        plot_roc_curves(roc, scores, min_tpr=1.0)


def test_history_curves_and_kept_epoch(tables):
    scores, _, history = tables
    figure = plot_history(history, split=2, scores=scores)
    assert len(figure.axes) == 4  # 2 data sets x 2 estimators
    ax = figure.axes[0]
    train, valid = [
        line for line in ax.get_lines() if line.get_label() in ("subtrain", "validation")
    ]
    np.testing.assert_allclose(train.get_ydata(), 0.5 + 0.1 * np.arange(1, 6))
    vertical = [line for line in ax.get_lines() if line.get_linestyle() == "--"][0]
    assert vertical.get_xdata()[0] == 4  # best_epoch of split 2
    # Without scores: the first epoch of largest validation AUC (epoch 4 of 0.08 e - 0.01 e^2).
    ax = plot_history(history, split=2).axes[0]
    assert [line for line in ax.get_lines() if line.get_linestyle() == "--"][0].get_xdata()[0] == 4


def test_save_benchmark_plots_writes_pngs(tables, tmp_path):
    scores, roc, history = tables
    written = save_benchmark_plots(scores, history, roc, tmp_path / "out")
    assert [path.name for path in written] == [
        "test_auc.png",
        "roc.png",
        "roc_high_tpr.png",
        "history.png",
    ]
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Without ROC curves or histories (e.g. scikit-learn estimators only) only the AUC plot.
    only = save_benchmark_plots(scores, history.iloc[:0], roc.iloc[:0], tmp_path / "only")
    assert [path.name for path in only] == ["test_auc.png"]


def test_missing_columns_and_missing_matplotlib(tables, monkeypatch):
    scores, _, _ = tables
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['test_gmean'\]"):
        plot_test_auc(scores, score="test_gmean")
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install 'imbnn\\[plot\\]'"):
        plot_test_auc(scores)


def test_the_auc_axis_shows_the_trained_models_and_notes_the_chance_model(tables):
    scores, _, _ = tables
    featureless = scores[scores["estimator"] == "aum"].assign(
        estimator="featureless", test_roc_auc=0.5
    )
    scores = pd.concat([featureless, scores], ignore_index=True)
    ax = plot_test_auc(scores).axes[0]
    trained = scores.loc[(scores["dataset"] == "d1") & (scores["estimator"] != "featureless")]
    low, high = ax.get_xlim()
    assert 0.5 < trained["test_roc_auc"].min() - 0.05 < low < trained["test_roc_auc"].min()
    assert high >= trained["test_roc_auc"].max()
    notes = [text.get_text() for text in ax.texts]
    assert "all folds 0.500 (chance), left of the axis" in notes
    # The mean of each trained model is written beside it.
    means = trained.groupby("estimator")["test_roc_auc"].mean()
    assert {f"{value:.3f}" for value in means} <= set(notes)
    # Every marker is explained.
    legend = [text.get_text() for text in ax.figure.legends[0].get_texts()]
    assert legend == ["one test fold", "mean +- 1 sd over folds (value above)"]


def test_roc_curves_of_every_fold_and_their_vertical_average():
    roc = pd.DataFrame(
        [
            {"dataset": "d", "estimator": "e", "split": split, "fpr": fpr, "tpr": tpr}
            for split, points in enumerate(
                [[(0, 0), (0, 1), (1, 1)], [(0, 0), (0.5, 0.5), (1, 1)]]
            )
            for fpr, tpr in points
        ]
    )
    scores = pd.DataFrame(
        {"dataset": "d", "estimator": "e", "split": [0, 1], "test_roc_auc": [1.0, 0.5],
         "test_fpr_default": [0.0, 0.4], "test_tpr_default": [0.8, 0.6]}
    )
    ax = plot_roc_curves(roc, scores).axes[0]
    thin = [line for line in ax.get_lines() if line.get_linewidth() < 1 and line.get_alpha()]
    assert len(thin) == 2
    mean = [line for line in ax.get_lines() if line.get_linewidth() == 2][0]
    x, y = mean.get_xdata(), mean.get_ydata()
    # At FPR 0.25 the first fold has TPR 1 and the second 0.25.
    assert np.interp(0.25, x, y) == pytest.approx((1 + 0.25) / 2)
    diamond = [line for line in ax.get_lines() if line.get_marker() == "D"][0]
    assert (diamond.get_xdata()[0], diamond.get_ydata()[0]) == pytest.approx((0.2, 0.7))
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["e (AUC 0.750 +- 0.354)", "default decision (predict), mean"]


def test_history_of_every_fold_marks_each_kept_epoch(tables):
    scores, _, history = tables
    ax = plot_history(history, scores=scores).axes[0]
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert sorted(star.get_xdata()[0] for star in stars) == [2, 3, 4]  # best_epoch 2 + split
    assert len([line for line in ax.get_lines() if line.get_label() == "validation"]) == 3
