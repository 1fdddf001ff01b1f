"""AUMLinearClassifier: AUM gradient descent with an exact line search, no learning rate."""

import runpy

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import make_blobs, make_classification
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbnn._aum_line_search import aum_line_search
from imbnn.estimators import AUMLinearClassifier
from imbnn.estimators._validation import stratified_validation_split
from imbnn.losses import aum_with_gradient
from imbnn.metrics import aum_score

from conftest import REPO_ROOT

VALIDATION_SPLIT = (
    "the validation split is drawn from the rows, so a row of weight 2 and its two copies "
    "(or a row of weight 0) land in different splits; the second instance "
    "(validation_fraction=0) checks the weights"
)


def expected_failures(estimator):
    if estimator.validation_fraction > 0:
        return {
            "check_sample_weight_equivalence_on_dense_data": VALIDATION_SPLIT,
            "check_sample_weight_equivalence_on_sparse_data": VALIDATION_SPLIT,
        }
    return {}


@parametrize_with_checks(
    [
        AUMLinearClassifier(max_iter=20, random_state=0),
        AUMLinearClassifier(validation_fraction=0.0, max_iter=20),
    ],
    expected_failed_checks=expected_failures,
)
def test_scikit_learn_common_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=500, n_features=6, n_informative=4, weights=[0.9], flip_y=0.05,
        random_state=0,
    )
    return X, y


def test_history_and_kept_iteration_against_direct_evaluations(imbalanced):
    X, y = imbalanced
    clf = AUMLinearClassifier(validation_fraction=0.3, random_state=0).fit(X, y)
    valid = stratified_validation_split(y, 0.3, np.random.RandomState(0))
    train = np.setdiff1d(np.arange(len(y)), valid)
    history = clf.history_
    assert [row["iteration"] for row in history] == list(range(len(history)))
    assert clf.n_iter_[0] >= len(history) - 1 >= 1
    aucs = np.array([row["valid_auc"] for row in history])
    assert clf.best_iteration_[0] == int(np.argmax(aucs))
    best = history[clf.best_iteration_[0]]
    coef = clf.coef_[0]
    assert np.linalg.norm(coef) == pytest.approx(1.0)
    assert best["valid_auc"] == pytest.approx(roc_auc_score(y[valid], X[valid] @ coef), abs=1e-12)
    assert best["train_aum"] == pytest.approx(aum_score(y[train], X[train] @ coef), abs=1e-12)
    # Each step lowers the training AUM at unit norm (the radial part is projected out).
    train_aum = [row["train_aum"] for row in history]
    assert train_aum[-1] < train_aum[0]
    assert all(row["step"] > 0 for row in history[1:])


def test_first_step_is_the_line_search_along_the_projected_gradient(imbalanced):
    X, y = imbalanced
    clf = AUMLinearClassifier(validation_fraction=0, max_iter=1).fit(X, y)
    is_positive = torch.as_tensor(y == 1)
    _, gradient = aum_with_gradient(torch.zeros(len(y), dtype=torch.float64), is_positive)
    coef = -X.T @ gradient.numpy()
    coef /= np.linalg.norm(coef)
    _, gradient = aum_with_gradient(torch.as_tensor(X @ coef), is_positive)
    direction = -X.T @ gradient.numpy()
    direction -= (direction @ coef) * coef
    step = aum_line_search(X @ coef, X @ direction, y == 1).step
    expected = coef + step * direction
    np.testing.assert_allclose(clf.coef_[0], expected / np.linalg.norm(expected), atol=1e-12)
    assert clf.history_[1]["step"] == step


def test_separable_classes_reach_zero_aum():
    X = np.random.default_rng(0).normal(size=(300, 8))
    y = (X[:, 0] + X[:, 1] > 2).astype(int)  # separable by a hyperplane, about 8% positives
    clf = AUMLinearClassifier(validation_fraction=0, init="random", random_state=0).fit(X, y)
    assert abs(clf.history_[-1]["train_aum"]) < 1e-12  # 0 up to aum_with_gradient's rounding
    assert clf.history_[0]["train_aum"] > 0.01
    raw = clf.raw_decision_function(X)
    assert roc_auc_score(y, raw) == 1.0
    # The equal-error intercept of separated scores puts 0 between the classes.
    np.testing.assert_array_equal(raw >= 0, y == 1)


def test_random_state_makes_fits_repeatable(imbalanced):
    X, y = imbalanced
    fits = [
        AUMLinearClassifier(init="random", random_state=seed, max_iter=5).fit(X, y)
        for seed in (3, 3, 4)
    ]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))
    assert not np.allclose(fits[0].coef_, fits[2].coef_)


@pytest.mark.parametrize("variant", ["rate", "count"])
def test_integer_weights_equal_duplicated_rows(imbalanced, variant):
    X, y = imbalanced
    weight = np.random.default_rng(0).integers(0, 4, size=len(y))
    rows = np.repeat(np.arange(len(y)), weight)
    settings = dict(validation_fraction=0, variant=variant, max_iter=30)
    weighted = AUMLinearClassifier(**settings).fit(X, y, sample_weight=weight)
    repeated = AUMLinearClassifier(**settings).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=0, atol=1e-10)
    assert weighted.n_iter_.tolist() == repeated.n_iter_.tolist()
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)


def test_multiclass_is_one_binary_problem_per_class():
    X, y = make_blobs(n_samples=[200, 40, 20], n_features=4, cluster_std=3, random_state=0)
    labels = np.array(["a", "b", "c"])[y]
    clf = AUMLinearClassifier(validation_fraction=0, max_iter=15).fit(X, labels)
    assert clf.coef_.shape == (3, 4) and clf.intercept_.shape == (3,)
    for k, label in enumerate("abc"):
        binary = AUMLinearClassifier(validation_fraction=0, max_iter=15).fit(X, labels == label)
        np.testing.assert_allclose(clf.coef_[k], binary.coef_[0], atol=1e-12)
        assert clf.best_iteration_[k] == binary.best_iteration_[0]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[np.argmax(clf.decision_function(X), 1)]
    )
    assert {row["class"] for row in clf.history_} == {0, 1, 2}


def test_decision_function_is_a_monotone_map_of_the_raw_scores(imbalanced):
    X, y = imbalanced
    clf = AUMLinearClassifier(random_state=0).fit(X, y)
    raw = clf.raw_decision_function(X)
    np.testing.assert_allclose(raw, X @ clf.coef_[0] + clf.intercept_[0])
    order = np.argsort(raw)
    assert np.all(np.diff(clf.decision_function(X)[order]) >= 0)
    np.testing.assert_array_equal(clf.predict(X), (clf.decision_function(X) > 0).astype(int))
    logit = clf.decision_function(X)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-logit)))


def test_intercept_is_the_training_equal_error_threshold(imbalanced):
    X, y = imbalanced
    clf = AUMLinearClassifier(validation_fraction=0, max_iter=10).fit(X, y)
    raw = clf.raw_decision_function(X)
    predicted = raw >= 0
    fpr, fnr = predicted[y == 0].mean(), (~predicted[y == 1]).mean()
    all_fpr, all_tpr, _ = roc_curve(y, raw, drop_intermediate=False)
    assert abs(fpr - fnr) == pytest.approx(np.min(np.abs(all_fpr - (1 - all_tpr))))
    no_intercept = AUMLinearClassifier(validation_fraction=0, max_iter=10, fit_intercept=False)
    no_intercept.fit(X, y)
    assert no_intercept.intercept_.tolist() == [0.0]
    np.testing.assert_allclose(no_intercept.coef_, clf.coef_)
    np.testing.assert_allclose(no_intercept.predict_proba(X), clf.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_input_fits_as_dense(imbalanced, container):
    X, y = imbalanced
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    dense = AUMLinearClassifier(random_state=0, max_iter=10).fit(X, y)
    sparse = AUMLinearClassifier(random_state=0, max_iter=10).fit(container(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-12)
    np.testing.assert_allclose(
        sparse.predict_proba(container(X)), dense.predict_proba(X), atol=1e-9
    )


@pytest.mark.parametrize("line_search", ["first_min", "linear", "grid"])
def test_every_line_search_lowers_the_unit_norm_aum_at_each_step(imbalanced, line_search):
    # Along a direction orthogonal to the weights the norm only grows, so a lower AUM
    # on the line is a lower AUM at unit norm.
    X, y = imbalanced
    clf = AUMLinearClassifier(line_search=line_search, validation_fraction=0, max_iter=10).fit(X, y)
    aum = np.array([row["train_aum"] for row in clf.history_])
    assert len(aum) >= 3 and np.all(np.diff(aum) < 0)


def test_bad_input_gets_a_clear_error(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="line_search"):
        AUMLinearClassifier(line_search="exact").fit(X, y)
    with pytest.raises(ValueError, match="at least two classes"):
        AUMLinearClassifier().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="zero weight"):
        AUMLinearClassifier().fit(X, y, sample_weight=(y == 0).astype(float))


@pytest.mark.slow
def test_example_runs_in_small_mode(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("IMBNN_EXAMPLE_SMALL", "1")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(REPO_ROOT / "examples" / "plot_aum_linear.py"), run_name="__main__")
    assert "AUMLinearClassifier" in capsys.readouterr().out
