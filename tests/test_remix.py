"""ReMixClassifier: the mixed batches, the soft-label loss, clean validation, the comparison methods."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from scipy import stats
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbnn.estimators import NetClassifier, ReMixClassifier
from imbnn.estimators._remix import _balanced_resample, _mixup, _SoftLabelCrossEntropy

FAST = dict(max_epochs=30, lr=0.01, random_state=0)

EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_sparse_data": "the same reason as for dense data",
    "check_sample_weight_equivalence_on_dense_data": (
        "rows are resampled and mixed at random per batch, so a row of weight 2 and two "
        "copies of it are drawn and paired differently"
    ),
    "check_methods_subset_invariance": (
        "float32 matrix products depend on the batch shape at the 1e-7 level, below the "
        "check's tolerance (as for NetClassifier)"
    ),
}


@parametrize_with_checks(
    [
        ReMixClassifier(**FAST),
        ReMixClassifier(resampling="sampler", validation_fraction=0.0, **FAST),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES,
)
def test_scikit_learn_common_checks(estimator, check):
    check(estimator)


class _RecordingReMix(ReMixClassifier):
    """Keeps every clean training batch with its mixed version and lambda."""

    def _mix_batch(self, X, info):
        mixed, lam = super()._mix_batch(X, info)
        if not hasattr(self, "recorded_"):
            self.recorded_ = []
        self.recorded_.append((X.clone(), info["y"].clone(), info["index"].clone(), mixed, lam))
        return mixed, lam


def _imbalanced(n_samples=600, n_classes=2, minority=0.05, seed=0):
    weights = [1 - minority * (n_classes - 1)] + [minority] * (n_classes - 1)
    X, y = make_classification(
        n_samples=n_samples, n_features=6, n_informative=4, n_redundant=0, n_classes=n_classes,
        n_clusters_per_class=1, weights=weights, class_sep=1.0, random_state=seed,
    )
    return X.astype(np.float32), y


def _partner_of_each_row(X, X_mixed, lam):
    """For each mixed row, the clean row j with X_mixed[i] = lam * X[i] + (1 - lam) * X[j]."""
    residual = (X_mixed - lam * X).double()
    distance = torch.cdist(residual, (1 - lam) * X.double())
    return distance.argmin(dim=1), distance.min(dim=1).values


def test_mixup_of_a_batch_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.normal(size=(10, 4)), dtype=torch.float32)
    y = torch.tensor([0, 1, 1, 0, 0, 1, 0, 0, 1, 0])
    partner = torch.as_tensor(rng.permutation(10))
    weight = torch.as_tensor(rng.uniform(0.5, 2, size=10), dtype=torch.float32)
    X_mixed, soft, mixed_weight = (t.numpy() for t in _mixup(X, y, 3, 0.3, partner, weight))
    X, y, weight = X.numpy(), y.numpy(), weight.numpy()
    for i in range(10):
        j = int(partner[i])
        np.testing.assert_allclose(X_mixed[i], 0.3 * X[i] + 0.7 * X[j], rtol=1e-6, atol=1e-6)
        expected = np.zeros(3)
        expected[int(y[i])] += 0.3
        expected[int(y[j])] += 0.7
        np.testing.assert_allclose(soft[i], expected, atol=1e-7)
        assert mixed_weight[i] == pytest.approx(0.3 * weight[i] + 0.7 * weight[j], rel=1e-6)
    # All C columns are kept: class 2 is absent from the batch but has its (zero) column.
    assert soft.shape == (10, 3) and np.abs(soft[:, 2]).sum() == 0.0
    np.testing.assert_allclose(soft.sum(axis=1), np.ones(10), atol=1e-6)


def test_batch_resampling_balances_the_classes_present():
    rng = np.random.RandomState(0)
    rows = np.arange(100, 164)
    y_rows = np.r_[np.zeros(58, int), np.ones(4, int), np.full(2, 3)]
    picked = _balanced_resample(rows, y_rows, rng)
    label_of = dict(zip(rows, y_rows))
    counts = np.bincount([label_of[r] for r in picked], minlength=4)
    assert len(picked) == 64 and set(picked) <= set(rows)
    assert counts[2] == 0  # a class the batch lacks cannot be created
    assert sorted(counts[[0, 1, 3]]) == [21, 21, 22]
    # A batch of one class is a bootstrap of it.
    single = _balanced_resample(rows[:10], np.zeros(10, int), rng)
    assert len(single) == 10 and set(single) <= set(rows[:10])


@pytest.mark.parametrize("resampling", ["batch", "sampler", None])
def test_training_batches_are_mixed_with_one_lambda_per_batch(resampling):
    X, y = _imbalanced(n_classes=3, minority=0.08)
    clf = _RecordingReMix(
        alpha=0.4, resampling=resampling, batch_size=32, max_epochs=3, validation_fraction=0.0,
        random_state=0,
    ).fit(X, y)
    n_train = len(y)
    class_totals = np.zeros(3)
    for clean_X, clean_y, index, (X_mixed, soft, weight), lam in clf.recorded_:
        assert weight is None
        # The recorded batch rows are the training rows named by index.
        np.testing.assert_array_equal(clean_X.numpy(), X[index.numpy()])
        np.testing.assert_array_equal(clean_y.numpy(), y[index.numpy()])
        # Every mixed row is lam * its row + (1 - lam) * one row of the same batch: one lambda.
        partner, error = _partner_of_each_row(clean_X, X_mixed, lam)
        assert float(error.max()) < 1e-4
        expected_soft = lam * F.one_hot(clean_y, 3) + (1 - lam) * F.one_hot(clean_y[partner], 3)
        np.testing.assert_allclose(soft, expected_soft, atol=1e-5)
        np.testing.assert_allclose(soft.sum(dim=1), 1.0, atol=1e-6)
        counts = np.bincount(clean_y.numpy(), minlength=3)
        class_totals += counts
        if resampling == "batch":
            present = counts[counts > 0]
            assert present.max() - present.min() <= 1
        elif resampling == "sampler":
            assert sorted(counts) in ([10, 11, 11], [10, 10, 11]) or len(clean_y) < 32
    per_epoch = class_totals / 3
    if resampling is None:
        # Plain MixUp: every row once per epoch, the data's own class counts.
        np.testing.assert_array_equal(per_epoch, np.bincount(y))
    else:
        assert per_epoch.max() - per_epoch.min() < 0.1 * n_train


def test_lambda_follows_beta_alpha_alpha_and_fits_are_reproducible():
    X, y = _imbalanced(n_samples=400)
    params = dict(alpha=0.3, batch_size=16, max_epochs=8, validation_fraction=0.0)
    first = _RecordingReMix(random_state=5, **params).fit(X, y)
    second = _RecordingReMix(random_state=5, **params).fit(X, y)
    other = _RecordingReMix(random_state=6, **params).fit(X, y)
    lambdas = np.array([record[-1] for record in first.recorded_])
    assert len(lambdas) == 8 * 25
    assert stats.kstest(lambdas, stats.beta(0.3, 0.3).cdf).pvalue > 1e-3
    # Far from Beta(2, 2), which a mistaken alpha would give.
    assert stats.kstest(lambdas, stats.beta(2, 2).cdf).pvalue < 1e-6
    np.testing.assert_array_equal(lambdas, [record[-1] for record in second.recorded_])
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not np.allclose(first.predict_proba(X), other.predict_proba(X))


def test_soft_label_loss_against_direct_formulas():
    rng = np.random.default_rng(1)
    loss = _SoftLabelCrossEntropy()
    # Binary: one logit; BCE with a soft target equals 2-class softmax CE on (0, logit).
    logit = torch.as_tensor(rng.normal(size=20))
    soft_positive = torch.as_tensor(rng.uniform(size=20))
    soft = torch.stack([1 - soft_positive, soft_positive], dim=1)
    p = 1 / (1 + np.exp(-logit.numpy()))
    direct = -np.mean(soft_positive.numpy() * np.log(p) + (1 - soft_positive.numpy()) * np.log(1 - p))
    assert float(loss(logit, soft)) == pytest.approx(direct, rel=1e-10)
    two_column = torch.stack([torch.zeros(20, dtype=logit.dtype), logit], dim=1)
    assert float(loss(logit, soft)) == pytest.approx(float(F.cross_entropy(two_column, soft)), rel=1e-10)
    # Multi-class soft labels, with sample weights.
    scores = rng.normal(size=(20, 4))
    targets = rng.dirichlet(np.ones(4), size=20)
    weight = rng.uniform(0.1, 3, size=20)
    log_softmax = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    per_example = -(targets * log_softmax).sum(axis=1)
    value = loss(torch.as_tensor(scores), torch.as_tensor(targets), sample_weight=torch.as_tensor(weight))
    assert float(value) == pytest.approx(np.average(per_example, weights=weight), rel=1e-10)
    # Unweighted (torch's fused mean) and weighted binary, against the same formulas.
    assert float(loss(torch.as_tensor(scores), torch.as_tensor(targets))) == pytest.approx(
        per_example.mean(), rel=1e-10
    )
    binary_terms = -(soft_positive.numpy() * np.log(p) + (1 - soft_positive.numpy()) * np.log(1 - p))
    value = loss(logit, soft, sample_weight=torch.as_tensor(weight))
    assert float(value) == pytest.approx(np.average(binary_terms, weights=weight), rel=1e-10)
    # Hard class indices (the clean validation batches) give the ordinary cross-entropy.
    hard = rng.integers(0, 4, size=20)
    assert float(loss(torch.as_tensor(scores), torch.as_tensor(hard))) == pytest.approx(
        log_loss(hard, np.exp(log_softmax), labels=range(4)), rel=1e-10
    )


def test_without_mixing_or_resampling_it_is_the_plain_network():
    X, y = _imbalanced()
    params = dict(hidden_layer_sizes=(16,), max_epochs=10, batch_size=32, lr=1e-3, random_state=0)
    remix = ReMixClassifier(alpha=0, resampling=None, **params).fit(X, y)
    plain = NetClassifier(**params).fit(X, y)
    np.testing.assert_allclose(remix.predict_proba(X), plain.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(remix.history_[:, "valid_loss"], plain.history_[:, "valid_loss"], rtol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_validation_and_early_stopping_use_clean_data(n_classes):
    X, y = _imbalanced(n_samples=500, n_classes=n_classes, minority=0.1)
    clf = ReMixClassifier(alpha=0.4, max_epochs=40, patience=5, lr=0.01, random_state=0).fit(X, y)
    rows = clf.validation_indices_
    best = clf.best_epoch_ - 1
    proba = clf.predict_proba(X[rows])
    # The recorded validation loss and AUC of the kept epoch are those of the clean rows.
    assert clf.history_[best, "valid_loss"] == pytest.approx(log_loss(y[rows], proba), rel=1e-4)
    if n_classes == 2:
        auc = roc_auc_score(y[rows], proba[:, 1])
    else:
        auc = roc_auc_score(y[rows], proba, multi_class="ovr")
    assert clf.history_[best, "valid_auc"] == pytest.approx(auc, abs=1e-6)
    assert clf.history_[best, "valid_auc"] == max(clf.history_[:, "valid_auc"])


def test_balanced_batches_raise_minority_recall_over_the_baseline():
    X_all, y_all = _imbalanced(n_samples=2000, minority=0.03, seed=3)
    X, y, X_test, y_test = X_all[:1000], y_all[:1000], X_all[1000:], y_all[1000:]
    params = dict(hidden_layer_sizes=(32,), max_epochs=60, batch_size=64, lr=0.005, random_state=0)
    baseline = NetClassifier(validation_fraction=0.0, **params).fit(X, y)
    remix = ReMixClassifier(alpha=0.3, resampling="sampler", validation_fraction=0.0, **params).fit(X, y)
    baseline_gm = geometric_mean_score(y_test, baseline.predict(X_test))
    remix_gm = geometric_mean_score(y_test, remix.predict(X_test))
    assert remix_gm > baseline_gm + 0.05


def test_the_papers_comparison_methods_share_the_network():
    X, y = _imbalanced(n_samples=300, minority=0.1)
    network = dict(hidden_layer_sizes=(16, 16, 16), module__dropout=0.1, max_epochs=3, random_state=0)
    methods = {
        "baseline": NetClassifier(**network),
        "cost adjusted": NetClassifier(class_weight="balanced", **network),
        "SMOTE": make_imblearn_pipeline(StandardScaler(), SMOTE(random_state=0), NetClassifier(**network)),
        "MixUp": ReMixClassifier(alpha=0.1, resampling=None, **network),
        "ReMix": ReMixClassifier(alpha=0.1, **network),
    }
    shapes = set()
    for method in methods.values():
        method.fit(X, y)
        net = method[-1] if hasattr(method, "steps") else method
        shapes.add(tuple(tuple(p.shape) for p in net.module_.parameters()))
        assert sum(isinstance(m, torch.nn.Dropout) for m in net.module_.modules()) == 3
        assert method.predict_proba(X).shape == (300, 2)
    assert len(shapes) == 1


def test_bad_parameters_are_refused():
    X, y = _imbalanced(n_samples=100, minority=0.2)
    with pytest.raises(InvalidParameterError, match="alpha"):
        ReMixClassifier(alpha=-0.1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="resampling"):
        ReMixClassifier(resampling="smote").fit(X, y)
    with pytest.raises(ValueError, match="min_per_class"):
        ReMixClassifier(resampling="sampler", min_per_class=2).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        ReMixClassifier().fit(np.where(np.arange(600).reshape(100, 6) == 7, np.nan, X), y)


@pytest.mark.data
def test_remix_is_better_calibrated_than_the_baseline_on_real_data(data_home):
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from imbnn.datasets import load_image_segmentation
    from imbnn.metrics import balanced_brier_score

    # UCI segment, brickface vs the rest down-sampled to 40 brickface per 1,980 others
    # (ratio 0.02); balanced Brier over three seeds: ReMix 0.0004-0.0024, baseline 0.007-0.037.
    X, labels = load_image_segmentation(subset="all", data_home=data_home, return_X_y=True)
    y = (labels == "BRICKFACE").astype(int)
    rng = np.random.RandomState(0)
    keep = np.r_[np.flatnonzero(y == 0), rng.choice(np.flatnonzero(y == 1), 40, replace=False)]
    X_train, X_test, y_train, y_test = train_test_split(
        X[keep], y[keep], test_size=0.5, stratify=y[keep], random_state=0
    )
    network = dict(
        hidden_layer_sizes=(64, 64, 64), module__dropout=0.1, max_epochs=40,
        validation_fraction=0.0, batch_size=64, lr=1e-3, random_state=0,
    )
    scores = {}
    for name, model in {
        "baseline": NetClassifier(**network),
        "ReMix": ReMixClassifier(alpha=0.1, **network),
    }.items():
        fitted = make_pipeline(StandardScaler(), model).fit(X_train, y_train)
        scores[name] = balanced_brier_score(y_test, fitted.predict_proba(X_test))
    assert scores["ReMix"] < 0.75 * scores["baseline"]


def test_epoch_resampling_keeps_each_batch_in_place_whatever_its_size():
    from imbnn.estimators._remix import _ResampledBatches

    y = np.r_[np.zeros(16, int), np.ones(6, int)]
    rng = np.random.RandomState(0)
    batches = [rng.permutation(22)[:size] for size in (5, 6, 5, 6)]
    resampled = list(_ResampledBatches(batches, y, np.random.RandomState(1)))
    assert [len(rows) for rows in resampled] == [5, 6, 5, 6]
    for original, rows in zip(batches, resampled):
        assert set(rows) <= set(original)
        present = np.unique(y[original])
        counts = np.bincount(y[rows], minlength=2)[present]
        assert counts.max() - counts.min() <= 1
