"""Balanced Brier score and the g-mean scorer, against independent computations."""

import numpy as np
import sklearn
import pytest
from imblearn.metrics import geometric_mean_score
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from imbnn.metrics import get_scorer

_SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
from sklearn.model_selection import StratifiedKFold, cross_val_score

import imbnn  # noqa: F401  (registers the scorers)
from imbnn.metrics import balanced_brier_score


def _random_probabilities(rng, n_samples, n_classes):
    raw = rng.gamma(1.0, size=(n_samples, n_classes))
    return raw / raw.sum(axis=1, keepdims=True)


def _loop_binary(y, p_positive):
    """Wallace and Dahabreh's BS+ and BS-, one example at a time."""
    positives, negatives = [], []
    for label, p in zip(y, p_positive):
        if label == 1:
            positives.append((1 - p) ** 2)
        else:
            negatives.append((0 - p) ** 2)
    return (sum(positives) / len(positives) + sum(negatives) / len(negatives)) / 2


def _loop_multiclass(y, proba):
    per_class = {}
    for label, row in zip(y, proba):
        error = sum((row[k] - (1.0 if k == label else 0.0)) ** 2 for k in range(len(row)))
        per_class.setdefault(label, []).append(error)
    return sum(sum(errors) / len(errors) for errors in per_class.values()) / len(per_class)


def test_binary_matches_loop_in_every_input_form():
    rng = np.random.RandomState(0)
    y = (rng.rand(200) < 0.1).astype(int)
    p = rng.rand(200)
    expected = _loop_binary(y, p)
    assert balanced_brier_score(y, p) == pytest.approx(expected, rel=1e-12)
    assert balanced_brier_score(y, np.column_stack([1 - p, p])) == pytest.approx(expected, rel=1e-12)
    assert balanced_brier_score(np.where(y == 1, "yes", "no"), p) == pytest.approx(expected, rel=1e-12)


def test_multiclass_matches_loop():
    rng = np.random.RandomState(1)
    y = rng.choice(4, size=300, p=[0.7, 0.2, 0.07, 0.03])
    proba = _random_probabilities(rng, 300, 4)
    assert balanced_brier_score(y, proba) == pytest.approx(_loop_multiclass(y, proba), rel=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_equals_sklearn_brier_with_inverse_class_frequency_weights(n_classes):
    if n_classes > 2 and _SKLEARN_VERSION < (1, 7):
        pytest.skip("scikit-learn's brier_score_loss takes multi-class input from 1.7")
    rng = np.random.RandomState(n_classes)
    y = rng.choice(n_classes, size=400, p=np.r_[0.8, np.full(n_classes - 1, 0.2 / (n_classes - 1))])
    proba = _random_probabilities(rng, 400, n_classes)
    weight = 1.0 / np.bincount(y)[y]
    prob_argument = proba[:, 1] if n_classes == 2 else proba
    expected = brier_score_loss(y, prob_argument, sample_weight=weight)
    assert balanced_brier_score(y, proba) == pytest.approx(expected, rel=1e-10)


def test_sample_weight_equals_repeating_rows():
    rng = np.random.RandomState(2)
    y = rng.choice(3, size=60)
    proba = _random_probabilities(rng, 60, 3)
    repeats = rng.randint(0, 4, size=60)
    repeats[:3] = 1  # keep every class present
    y[:3] = [0, 1, 2]
    weighted = balanced_brier_score(y, proba, sample_weight=repeats)
    repeated = balanced_brier_score(np.repeat(y, repeats), np.repeat(proba, repeats, axis=0))
    assert weighted == pytest.approx(repeated, rel=1e-12)


def test_paper_formula_and_the_released_code_bug():
    # Negatives score p**2 (the authors' released code scores them (1 - p)**2).
    y = np.array([0, 0, 0, 1])
    p = np.array([0.1, 0.1, 0.1, 0.5])
    assert balanced_brier_score(y, p) == pytest.approx((0.25 + 0.01) / 2)
    assert balanced_brier_score(y, y.astype(float)) == 0.0
    assert balanced_brier_score(y, 1 - y.astype(float)) == 1.0


def test_classes_count_equally_unlike_the_plain_brier_score():
    rng = np.random.RandomState(3)
    y = np.r_[np.zeros(20, int), np.ones(5, int)]
    p = rng.rand(25)
    more_majority = np.r_[np.arange(20), np.arange(20), np.arange(20, 25)]
    assert balanced_brier_score(y[more_majority], p[more_majority]) == pytest.approx(
        balanced_brier_score(y, p), rel=1e-12
    )
    assert brier_score_loss(y[more_majority], p[more_majority]) != pytest.approx(brier_score_loss(y, p))


def test_labels_name_columns_when_y_true_lacks_a_class():
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1]])
    y = np.array(["a", "c", "a"])
    expected = _loop_multiclass(np.array([0, 2, 0]), proba)
    assert balanced_brier_score(y, proba, labels=["a", "b", "c"]) == pytest.approx(expected)
    # Columns in the order of labels, not sorted order.
    assert balanced_brier_score(y, proba[:, [2, 1, 0]], labels=["c", "b", "a"]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="3 columns but there are 2 classes"):
        balanced_brier_score(y, proba)


@pytest.mark.parametrize(
    "y, prob, kwargs, message",
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], {}, "1-d"),
        ([0, 1, 2], [[0.5, 0.5]] * 3, {}, "2 columns but there are 3 classes"),
        ([0, 1], [0.2, 1.3], {}, "outside"),
        ([0, 1], [0.2, np.nan], {}, "NaN"),
        ([0, 1, 1], [0.2, 0.3], {}, "inconsistent"),
        ([0, 1, 5], [0.2, 0.3, 0.4], {"labels": [0, 1]}, r"labels \[5\]"),
        ([0, 1], [0.2, 0.3], {"labels": [0, 0]}, "unique"),
        ([0, 1], [0.2, 0.3], {"sample_weight": [0, 0]}, "zero"),
    ],
)
def test_bad_input_is_refused(y, prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        balanced_brier_score(y, prob, **kwargs)


def test_neg_balanced_brier_scorer_in_cross_validation():
    X, y = make_classification(n_samples=300, weights=[0.85], random_state=0)
    model = LogisticRegression()
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=folds, scoring=get_scorer("neg_balanced_brier_score"))
    expected = []
    for train, test in folds.split(X, y):
        fitted = LogisticRegression().fit(X[train], y[train])
        expected.append(-_loop_binary(y[test], fitted.predict_proba(X[test])[:, 1]))
    np.testing.assert_allclose(scores, expected, rtol=1e-10)


def test_g_mean_scorer_is_the_geometric_mean_of_recalls():
    X, y = make_classification(
        n_samples=400, n_classes=3, n_informative=4, weights=[0.7, 0.2], random_state=0
    )
    model = LogisticRegression().fit(X, y)
    predicted = model.predict(X)
    recalls = [np.mean(predicted[y == k] == k) for k in range(3)]
    assert get_scorer("g_mean")(model, X, y) == pytest.approx(np.prod(recalls) ** (1 / 3))
    assert get_scorer("g_mean")(model, X, y) == pytest.approx(geometric_mean_score(y, predicted))


def test_reliability_curve_equals_sklearn_calibration_curve():
    from sklearn.calibration import calibration_curve

    from imbnn.plotting import reliability_curve

    rng = np.random.default_rng(4)
    y = (rng.random(700) < 0.1).astype(int)
    p = np.clip(0.6 * rng.random(700) + 0.35 * y, 0, 1)
    for strategy in ("uniform", "quantile"):
        observed, predicted = reliability_curve(y, p, n_bins=8, strategy=strategy)
        expected_observed, expected_predicted = calibration_curve(y, p, n_bins=8, strategy=strategy)
        np.testing.assert_allclose(observed, expected_observed, rtol=1e-12)
        np.testing.assert_allclose(predicted, expected_predicted, rtol=1e-12)


def test_class_balanced_reliability_equals_replicating_the_minority():
    from imbnn.plotting import reliability_curve

    rng = np.random.default_rng(5)
    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    p = rng.random(100)
    balanced = reliability_curve(y, p, n_bins=5, class_balanced=True)
    # Nine copies of every positive make the classes equal in size.
    rows = np.r_[np.arange(90), np.repeat(np.arange(90, 100), 9)]
    replicated = reliability_curve(y[rows], p[rows], n_bins=5)
    np.testing.assert_allclose(balanced[0], replicated[0], rtol=1e-12)
    np.testing.assert_allclose(balanced[1], replicated[1], rtol=1e-12)
    with pytest.raises(ValueError, match="both classes"):
        reliability_curve(np.zeros(5), p[:5], class_balanced=True)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        reliability_curve(y, p * 2)


def test_reliability_diagram_draws_one_panel_per_class_with_the_curves():
    pytest.importorskip("matplotlib")
    from imbnn.plotting import plot_reliability_diagram, reliability_curve

    rng = np.random.default_rng(6)
    y = rng.choice(["a", "b", "c"], size=300, p=[0.8, 0.15, 0.05])
    models = {"first": _random_probabilities(rng, 300, 3), "second": _random_probabilities(rng, 300, 3)}
    figure = plot_reliability_diagram(y, models, n_bins=4)
    assert len(figure.axes) == 3
    for k, (label, ax) in enumerate(zip(["a", "b", "c"], figure.axes)):
        lines = ax.get_lines()[1:]  # after the diagonal
        assert [line.get_label() for line in lines] == ["first", "second"]
        observed, predicted = reliability_curve(y == label, models["second"][:, k], n_bins=4)
        np.testing.assert_allclose(lines[1].get_xdata(), predicted)
        np.testing.assert_allclose(lines[1].get_ydata(), observed)
        assert f"n={int((y == label).sum())}" in ax.get_title()
    with pytest.raises(ValueError, match="expected \\(300, 3\\)"):
        plot_reliability_diagram(y, models["first"][:, :2])
