"""The estimator core: scikit-learn's contract, skorch through its public API, and the edges."""

import ast
import pickle
import re
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from skorch.callbacks import Callback

from imbnn import (
    ALMClassifier,
    AUMClassifier,
    FeaturelessClassifier,
    NetClassifier,
    ReMixClassifier,
    TunedThresholdClassifier,
)
from imbnn.estimators._calibration import MonotoneCalibrator
from imbnn.estimators._validation import stratified_validation_split
from imbnn.networks import LeNet5, MLP

REPO = Path(__file__).resolve().parents[1]
NETWORKS = [NetClassifier, AUMClassifier, ReMixClassifier, ALMClassifier]
FAST = dict(max_epochs=5, lr=0.01, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=6, weights=[0.85], random_state=0)
    return X.astype(np.float32), y


# ---------------------------------------------------------------- public APIs only


def _private_imports(path):
    """(line, name) of every underscore name imported from scikit-learn or skorch."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in ("sklearn", "skorch"):
                private_module = any(part.startswith("_") for part in node.module.split("."))
                names = [alias.name for alias in node.names if alias.name.startswith("_")]
                if private_module or names:
                    found.append((node.lineno, node.module, names))
            elif node.module.endswith("_compat"):
                # The compatibility module re-exports its private names under public ones.
                names = [alias.name for alias in node.names if alias.name.startswith("_")]
                if names:
                    found.append((node.lineno, node.module, names))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("sklearn", "skorch") and "._" in alias.name:
                    found.append((node.lineno, alias.name, []))
    return found


def test_private_names_are_imported_only_in_the_compat_module():
    offenders = {}
    for path in (REPO / "imbnn").rglob("*.py"):
        if path.name == "_compat.py":
            continue
        found = _private_imports(path)
        if found:
            offenders[str(path.relative_to(REPO))] = found
    assert offenders == {}


# Private attributes of skorch nets and scikit-learn scorers that imbnn once read or set.
_PRIVATE_ATTRIBUTES = re.compile(
    r"\.(_set_training|initialized_|virtual_params_|_score_func|_sign|_response_method|"
    r"_kwargs|get_params_for|_get_params_for|_validate_params|_get_param_names)\b"
)


def test_no_private_attribute_of_a_dependency_is_used_outside_compat():
    uses = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in (REPO / "imbnn").rglob("*.py")
        if path.name != "_compat.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _PRIVATE_ATTRIBUTES.search(line) and not line.lstrip().startswith("#")
    ]
    assert uses == []


def test_import_changes_no_scikit_learn_state_and_prints_no_warning():
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "import sklearn.metrics, sklearn.model_selection\n"
        "before = sorted(sklearn.metrics.get_scorer_names())\n"
        "import imbnn, imbnn.metrics\n"
        "assert sorted(sklearn.metrics.get_scorer_names()) == before\n"
        "warnings.resetwarnings(); warnings.simplefilter('ignore')\n"
        "from sklearn.utils._param_validation import InvalidParameterError\n"
        "from sklearn.model_selection import cross_val_score\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.datasets import make_classification\n"
        "X, y = make_classification(random_state=0)\n"
        "try:\n"
        "    cross_val_score(LogisticRegression(), X, y, scoring='neg_aum')\n"
        "    raise SystemExit('scikit-learn accepted an imbnn name: its state was changed')\n"
        "except InvalidParameterError:\n"
        "    pass\n"
        "s = cross_val_score(LogisticRegression(), X, y, scoring=imbnn.metrics.get_scorer('neg_aum'))\n"
        "assert (s <= 0).all()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    cli = subprocess.run(
        [sys.executable, "-m", "imbnn", "--help"], capture_output=True, text=True
    )
    assert cli.returncode == 0 and cli.stderr == ""


def test_dependency_ranges_have_upper_bounds():
    text = (REPO / "pyproject.toml").read_text()
    block = text[text.index("dependencies = [") : text.index("]", text.index("dependencies = ["))]
    requirements = re.findall(r'"([^"]+)"', block)
    assert requirements
    for requirement in requirements:
        assert "<" in requirement, f"{requirement} has no upper bound"


# ---------------------------------------------------------------- scikit-learn's contract


def test_repr_is_scikit_learns():
    assert repr(AUMClassifier(lr=0.05, random_state=0)) == "AUMClassifier(lr=0.05, random_state=0)"
    assert repr(AUMClassifier(lr=0.01)) == "AUMClassifier()"  # the default is not shown
    assert repr(NetClassifier(module__dropout=0.5)) == "NetClassifier(module__dropout=0.5)"
    html = AUMClassifier(lr=0.05)._repr_html_()
    assert "AUMClassifier" in html and "lr" in html


@pytest.mark.parametrize("estimator_class", NETWORKS)
def test_clone_get_set_params_and_pickle(estimator_class, data):
    X, y = data
    clf = estimator_class(module__dropout=0.1, optimizer__weight_decay=1e-4, **FAST)
    params = clf.get_params()
    assert params["module__dropout"] == 0.1 and params["optimizer__weight_decay"] == 1e-4
    copy = clone(clf)
    assert copy.get_params() == params
    copy.set_params(module__dropout=0.2, lr=0.05)
    assert copy.module__dropout == 0.2 and copy.lr == 0.05 and clf.module__dropout == 0.1
    clf.fit(X, y)
    assert clf.module_.layers[2].p == 0.1
    assert clf.optimizer_.param_groups[0]["weight_decay"] == 1e-4
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_grid_search_over_prefixed_parameters(data):
    X, y = data
    search = GridSearchCV(
        NetClassifier(**FAST), {"module__hidden_layer_sizes": [(4,), (8,)]}, cv=2, scoring="roc_auc"
    ).fit(X, y)
    assert search.best_estimator_.module_.layers[0].out_features in (4, 8)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(max_epoch=1), r"'max_epoch' \(did you mean 'max_epochs'\?\)"),
        (dict(lernrate=5), r"unknown parameter\(s\): 'lernrate'"),
        (dict(loss="focal", loss__gama=0.0), r"Did you mean 'gamma'\?"),
        (dict(module__hiden_layer_sizes=(3,)), r"did you mean 'hidden_layer_sizes'"),
        (dict(optimizer__momentun=0.9), r"did you mean 'momentum'"),
        (dict(loss="aum", class_weight="balanced"), "does not take class weights"),
        (dict(module=MLP(6, 1), module__dropout=0.1), "pass its class instead"),
    ],
)
def test_unknown_or_misspelled_parameters_are_errors_at_fit(data, params, message):
    X, y = data
    if "optimizer__momentun" in params:
        params["optimizer"] = torch.optim.SGD
    clf = NetClassifier(**params)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_loss_parameters_reach_the_loss(data):
    X, y = data
    clf = NetClassifier(loss="focal", loss__gamma=0.0, **FAST).fit(X, y)
    assert clf.criterion_.gamma == 0.0


# ---------------------------------------------------------------- randomness


def _fit_scores(estimator, X, y):
    return estimator.fit(X, y).predict_proba(X)


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_fits_in_threads_equal_sequential_fits(data, dropout):
    X, y = data
    estimators = [
        NetClassifier(max_epochs=4, random_state=seed, module__dropout=dropout)
        for seed in range(4)
    ] + [AUMClassifier(max_epochs=4, random_state=seed) for seed in range(2)]
    sequential = [_fit_scores(clone(e), X, y) for e in estimators]
    threaded = [None] * len(estimators)

    def run(i):
        threaded[i] = _fit_scores(clone(estimators[i]), X, y)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(estimators))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for expected, got in zip(sequential, threaded):
        np.testing.assert_array_equal(got, expected)
    # Different seeds are different fits, and the caller's global generator is untouched.
    assert not np.allclose(sequential[0], sequential[1])
    torch.manual_seed(123)
    expected_draw = torch.rand(1)
    torch.manual_seed(123)
    NetClassifier(max_epochs=1, random_state=0, module__dropout=0.5).fit(X, y)
    assert torch.rand(1) == expected_draw


# ---------------------------------------------------------------- partial_fit, device, signals


def test_partial_fit_trains_one_epoch_per_call(data):
    X, y = data
    clf = NetClassifier(random_state=0)
    with pytest.raises(ValueError, match="not among the classes"):
        NetClassifier().partial_fit(X[:50], y[:50], classes=[0, 5])
    clf.partial_fit(X[:100], y[:100], classes=[0, 1])
    assert clf.n_epochs_ == 1 and clf.validation_indices_ is None
    first = clf.predict_proba(X)
    clf.partial_fit(X[100:], y[100:])
    assert clf.n_epochs_ == 2
    assert not np.allclose(clf.predict_proba(X), first)
    # A chunk holding one class is fine once the classes are known.
    clf.partial_fit(X[y == 1], y[y == 1])
    assert clf.n_epochs_ == 3
    with pytest.raises(ValueError, match=r"not among the classes \[0, 1\]"):
        clf.partial_fit(X[:5], np.full(5, 7))


@pytest.mark.parametrize("device", ["cuda", "cuda:7", "not_a_device", "mps"])
def test_unusable_devices_are_clear_errors(data, device):
    X, y = data
    if device.startswith("cuda") and torch.cuda.is_available() and device == "cuda":
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match="device="):
        NetClassifier(device=device, max_epochs=1).fit(X, y)


class _InterruptAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_ctrl_c_propagates_instead_of_ending_the_fit_quietly(data):
    X, y = data
    clf = NetClassifier(max_epochs=20, callbacks=[_InterruptAt(3)], random_state=0)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


# ---------------------------------------------------------------- sparse and N-d input


def _sparse_data():
    rng = np.random.RandomState(0)
    dense = (rng.rand(240, 30) < 0.1) * rng.randint(1, 4, size=(240, 30))
    y = (dense[:, 0] + dense[:, 1] + rng.rand(240) > 2.5).astype(int)
    return dense.astype(np.float64), y


@pytest.mark.parametrize(
    "estimator",
    [
        NetClassifier(max_epochs=3, random_state=0),
        AUMClassifier(max_epochs=3, random_state=0),
        ReMixClassifier(max_epochs=3, random_state=0),
        ALMClassifier(max_epochs=3, random_state=0),
        FeaturelessClassifier(),
        TunedThresholdClassifier(NetClassifier(max_epochs=3, random_state=0), cv=2, random_state=0),
    ],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
def test_sparse_input_equals_dense(estimator, sparse_format):
    dense, y = _sparse_data()
    matrix = sp.csr_matrix(dense) if sparse_format == "csr" else sp.csc_matrix(dense)
    on_dense = clone(estimator).fit(dense, y).predict_proba(dense)
    on_sparse = clone(estimator).fit(matrix, y).predict_proba(matrix)
    np.testing.assert_allclose(on_sparse, on_dense, atol=1e-5)


def test_sparse_batches_are_densified_one_at_a_time():
    from imbnn.estimators._data import TensorData

    matrix = sp.random(1000, 50, density=0.01, format="csr", random_state=0, dtype=np.float32)
    data = TensorData(matrix, torch.zeros(1000, dtype=torch.long), device="cpu")
    X, info = data.batch(np.array([3, 7, 999]))
    assert X.shape == (3, 50)
    np.testing.assert_array_equal(X.numpy(), matrix[[3, 7, 999]].toarray())
    assert sp.issparse(data.subset(np.arange(10)).X)


def test_one_hot_pipeline_works_like_logistic_regression():
    rng = np.random.RandomState(0)
    X = rng.choice(["a", "b", "c", "d"], size=(300, 3))
    y = ((X[:, 0] == "a") | (X[:, 1] == "b")).astype(int)
    net = make_pipeline(OneHotEncoder(), NetClassifier(max_epochs=30, lr=0.02, random_state=0))
    auc = roc_auc_score(y, net.fit(X, y).predict_proba(X)[:, 1])
    reference = make_pipeline(OneHotEncoder(), LogisticRegression()).fit(X, y)
    assert auc > 0.9
    assert auc == pytest.approx(roc_auc_score(y, reference.predict_proba(X)[:, 1]), abs=0.05)


def test_images_as_four_dimensional_arrays():
    rng = np.random.RandomState(0)
    images = rng.rand(120, 1, 16, 16).astype(np.float32)
    y = (images[:, 0, :8].mean(axis=(1, 2)) > images[:, 0, 8:].mean(axis=(1, 2))).astype(int)
    clf = NetClassifier(LeNet5, max_epochs=2, random_state=0).fit(images, y)
    assert clf.module_.input_shape == (1, 16, 16)
    flat = NetClassifier(
        LeNet5, module__input_shape=(1, 16, 16), max_epochs=2, random_state=0
    ).fit(images.reshape(120, -1), y)
    np.testing.assert_allclose(
        clf.predict_proba(images), flat.predict_proba(images.reshape(120, -1)), atol=1e-6
    )


# ---------------------------------------------------------------- the edges of imbalance


def test_validation_split_keeps_every_class_on_both_sides():
    y = np.array([0] * 297 + [1] * 3)
    for seed in range(20):
        rows = stratified_validation_split(y, 0.1, seed)
        train = np.setdiff1d(np.arange(300), rows)
        assert set(y[rows]) == {0, 1} and set(y[train]) == {0, 1}
        assert len(rows) == 30 + 1
    with pytest.warns(UserWarning, match="fewer than 2 examples"):
        assert stratified_validation_split(np.array([0] * 50 + [1]), 0.1, 0) is None


@pytest.mark.parametrize("estimator_class", NETWORKS)
def test_three_positives_in_three_hundred_rows(estimator_class):
    X, y = make_classification(n_samples=300, n_features=5, random_state=1)
    y = np.zeros(300, dtype=int)
    y[[3, 50, 200]] = 1
    X[y == 1] += 2
    clf = estimator_class(max_epochs=15, patience=3, lr=0.01, random_state=0).fit(X, y)
    assert (y[clf.validation_indices_] == 1).sum() == 1
    aucs = np.asarray(clf.history_[:, "valid_auc"], dtype=float)
    assert np.isfinite(aucs).all() and np.isfinite(clf.best_validation_auc_)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()


def test_a_class_of_one_example_turns_validation_off_with_a_reason():
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    y = np.zeros(100, dtype=int)
    y[7] = 1
    with pytest.warns(UserWarning, match="fewer than 2 examples"):
        clf = AUMClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert clf.validation_indices_ is None and clf.best_validation_auc_ is None


class _Explode(Callback):
    """Sets the network's weights to huge values after the first epoch."""

    def on_epoch_end(self, net, **kwargs):
        with torch.no_grad():
            for parameter in net.module_.parameters():
                parameter.fill_(3e38)


def test_diverging_fit_names_the_epoch_and_suggests_a_smaller_lr(data):
    X, y = data
    with pytest.raises(ValueError, match=r"at epoch 2.*Lower the learning rate \(lr\)"):
        NetClassifier(max_epochs=5, callbacks=[_Explode()], random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"at epoch \d.*Lower the learning rate"):
        AUMClassifier(lr=1e30, max_epochs=5, random_state=0).fit(X * 1e30, y)


def test_features_beyond_float32_are_errors_at_fit_and_predict(data):
    X, y = data
    big = X.astype(np.float64).copy()
    big[0, 0] = 1e300
    with pytest.raises(ValueError, match="beyond float32's range.*StandardScaler"):
        NetClassifier(max_epochs=1).fit(big, y)
    clf = NetClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="beyond float32's range"):
        clf.predict_proba(big)


@pytest.mark.parametrize("estimator_class", NETWORKS)
def test_module_of_the_wrong_width_is_a_clear_error(data, estimator_class):
    X, y = data
    with pytest.raises(ValueError, match=r"outputs have shape \(2, 3\).*needs 1 output\(s\) per row"):
        estimator_class(module=MLP(6, 3), max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="cannot process rows of shape"):
        estimator_class(module=MLP(9, 1), max_epochs=1).fit(X, y)


# ---------------------------------------------------------------- AUM's calibration


def test_calibrator_slope_stays_positive_on_reversed_scores():
    rng = np.random.RandomState(0)
    scores = rng.randn(40)
    y = (scores + 0.3 * rng.randn(40) < 0).astype(int)  # the scores rank backwards
    calibrator = MonotoneCalibrator(2).fit(scores, y)
    order = np.argsort(scores)
    assert (np.diff(calibrator.predict_proba(scores)[order, 1]) > 0).all()
    # On informative scores it is Platt's fit: a logistic regression on Platt's smoothed
    # targets, written as each row once positive (weight t) and once negative (1 - t).
    y = (scores + 0.5 * rng.randn(40) > 0).astype(int)
    calibrator = MonotoneCalibrator(2).fit(scores, y)
    n_pos, n_neg = y.sum(), (1 - y).sum()
    target = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    reference = LogisticRegression(C=1e10, tol=1e-10, max_iter=10000).fit(
        np.r_[scores, scores][:, None], np.r_[np.ones(40), np.zeros(40)],
        sample_weight=np.r_[target, 1 - target],
    )
    np.testing.assert_allclose(
        calibrator.predict_proba(scores)[:, 1], reference.predict_proba(scores[:, None])[:, 1],
        atol=1e-4,
    )


def test_aum_probabilities_rank_as_the_network_scores(data):
    X, y = data
    clf = AUMClassifier(max_epochs=10, lr=0.01, random_state=0).fit(X, y)
    raw = clf.raw_decision_function(X)
    proba = clf.predict_proba(X)[:, 1]
    order = np.argsort(raw, kind="stable")
    assert (np.diff(proba[order]) >= 0).all()
    assert roc_auc_score(y, proba) == pytest.approx(roc_auc_score(y, raw))
    decision = clf.decision_function(X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(decision > 0).astype(int)])
    np.testing.assert_allclose(proba, 1 / (1 + np.exp(-decision)))


def test_aum_calibration_survives_zero_weight_validation_positives(data):
    X, y = data
    clf = AUMClassifier(max_epochs=5, random_state=0)
    rows = stratified_validation_split(np.unique(y, return_inverse=True)[1], 0.1, 0)
    assert rows is not None
    weight = np.ones(len(y))
    # Zero weight on every positive the validation split could hold: all but a few.
    positives = np.flatnonzero(y == 1)
    weight[positives[: len(positives) // 2]] = 0
    clf.fit(X, y, sample_weight=weight)
    proba = clf.predict_proba(X)[:, 1]
    assert np.isfinite(proba).all() and proba.max() > 0.05 and proba.std() > 0


def test_aum_multiclass_probabilities_sum_to_one():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    clf = AUMClassifier(max_epochs=5, lr=0.01, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.predict(X), np.argmax(clf.decision_function(X), axis=1))


# ---------------------------------------------------------------- metadata routing


def test_tuned_thresholds_route_sample_weight_like_scikit_learns_tuner(data):
    X, y = data
    weight = np.random.RandomState(0).uniform(0.5, 2, len(y))
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LogisticRegression().set_fit_request(sample_weight=True),
        )
        tuner = TunedThresholdClassifier(pipe, cv=3, random_state=0).fit(X, y, sample_weight=weight)
        direct = clone(pipe).fit(X, y, sample_weight=weight)
        np.testing.assert_allclose(
            tuner.estimator_[-1].coef_, direct[-1].coef_, rtol=1e-6
        )
        unweighted = clone(pipe).fit(X, y)
        assert not np.allclose(unweighted[-1].coef_, direct[-1].coef_)
        tuner = (
            TunedThresholdClassifier(pipe, cv=3, random_state=0)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False)
        )
        results = cross_validate(tuner, X, y, cv=2, params={"sample_weight": weight})
        assert len(results["test_score"]) == 2
        search = GridSearchCV(tuner, {"method": ["relative", "absolute"]}, cv=2)
        search.fit(X, y, sample_weight=weight)
        assert search.best_params_["method"] in ("relative", "absolute")


def test_benchmark_threading_back_end_equals_a_sequential_run(data):
    from imbnn.benchmark import Benchmark

    X, y = data
    estimators = {
        "net": NetClassifier(max_epochs=3, random_state=0, module__dropout=0.2),
        "aum": AUMClassifier(max_epochs=3, random_state=1),
    }

    def run(backend, n_jobs):
        bench = Benchmark(
            estimators, {"toy": (X, y)}, cv=3, n_jobs=n_jobs, backend=backend, progress=False,
            record_history=False,
        )
        scores = bench.run().sort_values(["estimator", "split"]).reset_index(drop=True)
        return scores[["estimator", "split", "test_roc_auc", "test_accuracy"]]

    sequential = run("sequential", 1)
    for _ in range(2):
        assert run("threading", 4).equals(sequential)


def test_a_validation_scoring_that_gives_nan_is_an_error_not_a_silent_stop(data):
    from sklearn.metrics import make_scorer

    X, y = data
    nan_scorer = make_scorer(lambda y_true, y_pred: float("nan"))
    with pytest.raises(ValueError, match="gave nan at epoch 1"):
        NetClassifier(scoring=nan_scorer, max_epochs=3, random_state=0).fit(X, y)


def test_calibration_of_weighted_rows_equals_calibration_of_copies():
    rng = np.random.RandomState(0)
    scores = rng.randn(60)
    y = (scores + rng.randn(60) > 0.5).astype(int)
    weight = rng.randint(0, 3, 60)
    weighted = MonotoneCalibrator(2).fit(scores, y, weight)
    copies = MonotoneCalibrator(2).fit(np.repeat(scores, weight), np.repeat(y, weight))
    np.testing.assert_allclose(
        weighted.predict_proba(scores), copies.predict_proba(scores), rtol=1e-6, atol=1e-8
    )
