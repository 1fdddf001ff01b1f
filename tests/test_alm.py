"""ALMClassifier: constraint terms and multipliers against brute force, schedule, ecosystem."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbnn.estimators._callbacks import scores_of_outputs
from imbnn.estimators import ALMClassifier
from imbnn.estimators import _alm
from imbnn.estimators._alm import penalty_limit
from imbnn.metrics import get_scorer
from imbnn.losses import CrossEntropyLoss, FocalLoss, WeightedBCELoss
from imbnn.losses import _namespaces

FAST = dict(max_epochs=30, lr=0.01, random_state=0)

EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_sparse_data": "the same reason as for dense data",
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batches are drawn from the rows, so a row of weight 2 and two copies of it "
        "land in different batches (as for NetClassifier); "
        "test_weight_two_equals_a_duplicated_row_at_full_batch checks it at full batch"
    ),
    "check_methods_subset_invariance": (
        "float32 matrix products depend on the batch shape at the 1e-7 level, below the "
        "check's tolerance (as for NetClassifier)"
    ),
}


@parametrize_with_checks(
    [ALMClassifier(**FAST)], expected_failed_checks=lambda estimator: EXPECTED_FAILURES
)
def test_scikit_learn_common_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=400, n_features=8, n_informative=4, weights=[0.9], random_state=0
    )
    return X.astype(np.float32), y


def brute_force_penalty(scores, y, multipliers, mu, delta, weight=None):
    """Sum over ALL positives of (mu/2 q^2 + lambda q) / (n+ n-), with explicit pairs."""
    scores = np.asarray(scores, dtype=np.float64)
    weight = np.ones(len(scores)) if weight is None else np.asarray(weight, dtype=np.float64)
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    total, q = 0.0, {}
    for j in positives:
        q[j] = sum(weight[k] * max(0.0, delta - (scores[j] - scores[k])) for k in negatives)
        total += weight[j] * (mu / 2 * q[j] ** 2 + multipliers[j] * q[j])
    return total / (weight[positives].sum() * weight[negatives].sum()), q


def constraint_terms(net, scores, info):
    """The net's terms of a batch: their value, their gradient in ``scores``, and the
    multipliers' change (``_constraint_terms`` updates them)."""
    scores = scores.detach().clone().requires_grad_(True)
    before = net.multipliers_.clone()
    penalty, value, gradients = net._constraint_terms(scores, info)
    _alm._backward(scores.sum() * 0 if penalty is None else penalty, gradients)
    total = value + (0.0 if penalty is None else penalty.item())
    return total, scores.grad, net.multipliers_ - before


class RecordingNet(_alm._ALMNet):
    """Checks every training step against brute force while training."""

    def train_step_single(self, batch, **fit_params):
        X, info = batch
        index = info["index"].numpy()
        before = self.multipliers_.clone().numpy()
        self.recorded_outputs_ = None
        step = super().train_step_single(batch, **fit_params)
        scores = scores_of_outputs(step["y_pred"]).detach().numpy()
        y = info["y"].numpy()
        base = CrossEntropyLoss()(torch.as_tensor(scores), info["y"]).item()
        expected = base
        expected_after = before.copy()
        if 0 < y.sum() < len(y):
            penalty, q = brute_force_penalty(scores, y, before[index], self.mu_, self.delta)
            expected += penalty
            for j, value in q.items():
                expected_after[index[j]] += self.mu_ * value
            self.n_constrained_batches_ = getattr(self, "n_constrained_batches_", 0) + 1
        # The step's loss used the multipliers from before the update...
        assert step["loss"].item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
        # ...and the update added mu q_j for every positive of the batch.
        np.testing.assert_allclose(self.multipliers_.numpy(), expected_after, rtol=1e-5, atol=1e-6)
        return step


class RecordingALM(ALMClassifier):
    _net_class = RecordingNet


def test_training_steps_match_brute_force_loss_and_multiplier_updates(imbalanced):
    X, y = imbalanced
    clf = RecordingALM(
        base_loss="bce", delta=0.5, mu=0.05, batch_size=50, max_epochs=4, random_state=0
    ).fit(X, y)
    assert clf.net_.n_constrained_batches_ > 4
    multipliers = clf.multipliers_.numpy()
    training = np.setdiff1d(np.arange(len(y)), clf.validation_indices_)
    # Only training positives carry multipliers; validation rows are never updated.
    assert np.all(multipliers[clf.validation_indices_] == 0)
    assert np.all(multipliers[y == 0] == 0)
    assert np.all(multipliers[training[y[training] == 1]] > 0)


def test_multiplier_update_sums_all_positives_of_a_batch():
    # Two positives, both violating: both terms and both multipliers count.
    clf = ALMClassifier(delta=1.0, mu=0.5, max_epochs=1, validation_fraction=0, random_state=0)
    clf.fit(np.eye(4, dtype=np.float32), [0, 1, 0, 1])
    clf.net_.multipliers_ = torch.tensor([0.0, 0.3, 0.0, 0.7])
    clf.net_.mu_ = 0.5
    scores = torch.tensor([0.2, 0.0, -0.8, 0.5])
    info = {"y": torch.tensor([0, 1, 0, 1]), "sample_weight": None, "index": torch.arange(4)}
    penalty, grad, change = constraint_terms(clf.net_, scores, info)
    expected, q = brute_force_penalty(
        scores.numpy(), np.array([0, 1, 0, 1]), [0, 0.3, 0, 0.7], 0.5, 1.0
    )
    assert q[1] > 0 and q[3] > 0
    assert penalty == pytest.approx(expected)
    np.testing.assert_allclose(change.numpy(), [0, 0.5 * q[1], 0, 0.5 * q[3]], rtol=1e-6)
    # gradient of the penalty: finite differences
    for i in range(4):
        up, down = scores.detach().double().numpy().copy(), scores.detach().double().numpy().copy()
        up[i] += 1e-5
        down[i] -= 1e-5
        difference = (
            brute_force_penalty(up, np.array([0, 1, 0, 1]), [0, 0.3, 0, 0.7], 0.5, 1.0)[0]
            - brute_force_penalty(down, np.array([0, 1, 0, 1]), [0, 0.3, 0, 0.7], 0.5, 1.0)[0]
        ) / 2e-5
        assert grad[i].item() == pytest.approx(difference, abs=1e-4)
    assert grad[0] > 0 and grad[2] > 0


def test_weighted_constraint_terms_match_brute_force():
    clf = ALMClassifier(delta=0.25, mu=0.1, max_epochs=1, validation_fraction=0, random_state=0)
    clf.fit(np.eye(6, dtype=np.float32), [0, 1, 0, 1, 0, 0])
    rng = np.random.default_rng(0)
    scores = torch.tensor(rng.normal(size=6))
    y = np.array([0, 1, 0, 1, 0, 0])
    weight = rng.uniform(0.5, 2, size=6)
    multipliers = np.array([0, 0.2, 0, 0.1, 0, 0])
    clf.net_.multipliers_ = torch.tensor(multipliers)
    clf.net_.mu_ = 0.1
    info = {"y": torch.tensor(y), "sample_weight": torch.tensor(weight), "index": torch.arange(6)}
    penalty, _, _ = constraint_terms(clf.net_, scores, info)
    expected, _ = brute_force_penalty(scores, y, multipliers, 0.1, 0.25, weight)
    assert penalty == pytest.approx(expected)


@pytest.mark.parametrize("path", ["dense", "sort"])
@pytest.mark.parametrize("weighted", [False, True])
def test_constraint_terms_and_gradient_match_autograd_on_explicit_pairs(
    monkeypatch, path, weighted
):


    monkeypatch.setattr(_alm, "_DENSE_MAX_ROWS", 10**9 if path == "dense" else 0)
    clf = ALMClassifier(delta=0.5, mu=0.3, max_epochs=1, validation_fraction=0, random_state=0)
    clf.fit(np.eye(4, dtype=np.float32), [0, 1, 0, 1])
    generator = torch.Generator().manual_seed(5)
    n = 300
    scores = torch.round(torch.randn(n, generator=generator, dtype=torch.float64) * 8) / 8
    y = (torch.rand(n, generator=generator) < 0.1).long()
    weight = torch.rand(n, generator=generator, dtype=torch.float64) + 0.5 if weighted else None
    clf.net_.multipliers_ = torch.rand(n, generator=generator, dtype=torch.float64) * (y == 1)
    clf.net_.mu_ = 0.3
    info = {"y": y, "sample_weight": weight, "index": torch.arange(n)}
    multipliers = clf.net_.multipliers_.clone()
    penalty, grad, change = constraint_terms(clf.net_, scores, info)
    # explicit pairs, differentiated by autograd (relu'(0) = 0: a pair on the kink is inactive)
    w = torch.ones(n, dtype=torch.float64) if weight is None else weight
    z = scores.clone().requires_grad_(True)
    positive, negative = y == 1, y == 0
    hinge = torch.relu(0.5 - (z[positive][:, None] - z[negative][None, :])) * w[negative]
    q = hinge.sum(1)
    expected = (w[positive] * (0.15 * q * q + multipliers[positive] * q)).sum()
    expected = expected / (w[positive].sum() * w[negative].sum())
    (expected_grad,) = torch.autograd.grad(expected, z)
    assert penalty == pytest.approx(expected.item(), rel=1e-10)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-9, atol=1e-12)
    # lambda_j += mu q_j for the positives, nothing for the negatives
    torch.testing.assert_close(change[positive], 0.3 * q.detach())
    assert torch.all(change[negative] == 0)


def test_weight_two_equals_a_duplicated_row_at_full_batch(imbalanced):
    X, y = imbalanced
    X, y = X[:120], y[:120]
    weight = np.ones(len(y))
    weight[np.flatnonzero(y == 1)[:3]] = 2
    weight[:2] = 2
    rows = np.repeat(np.arange(len(y)), weight.astype(int))
    params = dict(
        batch_size=-1, validation_fraction=0, max_epochs=8, delta=0.5, mu=0.05, random_state=0
    )
    weighted = ALMClassifier(**params).fit(X, y, sample_weight=weight)
    duplicated = ALMClassifier(**params).fit(X[rows], y[rows])
    np.testing.assert_allclose(
        weighted.decision_function(X), duplicated.decision_function(X), atol=1e-5
    )


def test_penalty_schedule_follows_the_paper():
    fitted = ALMClassifier(mu=1e-4, rho=2.0, max_epochs=1, validation_fraction=0, random_state=0)
    clf = fitted.fit(np.eye(4, dtype=np.float32), [0, 1, 0, 1]).net_
    clf.mu_, clf.mu_frozen_, clf.previous_valid_auc_ = 1e-4, False, None
    # epoch: validation AUC -> mu afterwards
    sequence = [
        (1, 0.80, 1e-4),  # remembered only
        (2, 0.85, 2e-4),  # the unconditional first increase
        (3, 0.83, 2e-4),  # fell by 0.02 <= 0.05: unchanged
        (4, 0.77, 4e-4),  # fell by 0.06: raised
        (5, 0.70, 8e-4),
        (6, 0.60, 1.6e-3),
        (7, 0.50, 3.2e-3),  # reaches the cap mu rho^5 (mu < 1e-3): frozen
        (8, 0.10, 3.2e-3),
    ]
    for epoch, auc, expected in sequence:
        clf._update_penalty(epoch, auc)
        assert clf.mu_ == pytest.approx(expected)
    assert clf.mu_frozen_
    assert penalty_limit(1e-4, 2.0) == pytest.approx(3.2e-3)
    assert penalty_limit(1e-2, 2.0) == pytest.approx(8e-2)  # mu >= 1e-3: rho^3
    # a perfect validation AUC freezes mu
    clf.mu_, clf.mu_frozen_, clf.previous_valid_auc_ = 1e-4, False, None
    clf._update_penalty(1, 0.9)
    clf._update_penalty(2, 1.0)
    clf._update_penalty(3, 0.5)
    assert clf.mu_ == 1e-4 and clf.mu_frozen_


def test_history_records_the_penalty_per_epoch(imbalanced):
    X, y = imbalanced
    clf = ALMClassifier(mu=1e-3, max_epochs=4, validation_fraction=0, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.history_[:, "alm_mu"], [1e-3, 1e-3, 2e-3, 2e-3])
    assert clf.mu_ == pytest.approx(2e-3)


def test_larger_penalty_lowers_the_constraint_violation(imbalanced):
    X, y = imbalanced
    params = dict(delta=1.0, max_epochs=20, validation_fraction=0, min_per_class=2, random_state=0)
    weak = ALMClassifier(mu=1e-9, **params).fit(X, y)
    strong = ALMClassifier(mu=1.0, **params).fit(X, y)

    def mean_violation(clf):
        scores = clf.decision_function(X)
        positive, negative = scores[y == 1], scores[y == 0]
        return np.maximum(0, 1.0 - (positive[:, None] - negative[None, :])).mean()

    assert mean_violation(strong) < 0.7 * mean_violation(weak)


def test_base_loss_by_name_class_and_instance_with_class_counts(imbalanced):
    X, y = imbalanced
    clf = ALMClassifier(
        base_loss="weighted_bce", base_loss__c=1 / 3, max_epochs=2, random_state=0
    ).fit(X, y)
    assert isinstance(clf.criterion_, WeightedBCELoss)
    assert clf.criterion_.c == pytest.approx(1 / 3)
    assert clf.criterion_.class_counts == np.bincount(y).tolist()
    clf = ALMClassifier(
        base_loss=FocalLoss, base_loss__gamma=0.5, max_epochs=2, random_state=0
    ).fit(X, y)
    assert isinstance(clf.criterion_, FocalLoss) and clf.criterion_.gamma == 0.5
    instance = FocalLoss(gamma=1.0)
    clf = ALMClassifier(base_loss=instance, max_epochs=2, random_state=0).fit(X, y)
    assert clf.get_params()["base_loss"] is instance


def test_critical_negative_class_in_a_binary_task_flips_the_score():
    clf = ALMClassifier(
        delta=0.5, mu=0.2, critical_classes=["a"], max_epochs=1, validation_fraction=0
    )
    clf.fit(np.eye(4, dtype=np.float32), ["a", "b", "a", "b"])
    assert clf.critical_classes_.tolist() == ["a"]
    clf.net_.multipliers_ = torch.zeros(4)
    scores = torch.tensor([0.3, -0.1, 0.9, 0.0])
    info = {"y": torch.tensor([0, 1, 0, 1]), "sample_weight": None, "index": torch.arange(4)}
    penalty, _, change = constraint_terms(clf.net_, scores, info)
    # class "a" (encoded 0) is the positive side, scored by -z
    expected, q = brute_force_penalty(
        -scores.numpy(), np.array([1, 0, 1, 0]), np.zeros(4), 0.2, 0.5
    )
    assert penalty == pytest.approx(expected)
    np.testing.assert_allclose(change.numpy(), [0.2 * q[0], 0, 0.2 * q[2], 0], rtol=1e-6)


def test_multiclass_constrains_the_critical_classes_only():
    X, y = make_classification(
        n_samples=300,
        n_features=8,
        n_informative=5,
        n_classes=3,
        weights=[0.6, 0.3, 0.1],
        random_state=1,
    )
    clf = ALMClassifier(
        critical_classes=[2], mu=0.01, max_epochs=3, min_per_class=1, random_state=0
    )
    clf.fit(X.astype(np.float32), y)
    multipliers = clf.multipliers_.numpy()
    assert np.all(multipliers[y != 2] == 0)
    assert multipliers[y == 2].max() > 0
    assert clf.predict_proba(X[:3]).shape == (3, 3)
    # default: the least frequent class
    default = ALMClassifier(max_epochs=1, random_state=0).fit(X.astype(np.float32), y)
    assert default.critical_classes_.tolist() == [2]
    # the multi-class term is the binary one on the class's column
    clf.net_.multipliers_ = torch.zeros(len(y))
    scores = torch.tensor(np.random.default_rng(2).normal(size=(12, 3)))
    target = torch.tensor(y[:12])
    info = {"y": target, "sample_weight": None, "index": torch.arange(12)}
    penalty, _, _ = constraint_terms(clf.net_, scores, info)
    expected, _ = brute_force_penalty(
        scores[:, 2].numpy(), (y[:12] == 2).astype(int), np.zeros(12), clf.net_.mu_, clf.delta
    )
    assert penalty == pytest.approx(expected)


def test_warm_start_keeps_multipliers_and_fit_resets_them(imbalanced):
    X, y = imbalanced
    clf = ALMClassifier(
        mu=0.01, max_epochs=2, validation_fraction=0, min_per_class=1, random_state=0
    ).fit(X, y)
    first = clf.multipliers_.clone()
    clf.partial_fit(X, y)
    assert torch.all(clf.multipliers_ >= first) and torch.any(clf.multipliers_ > first)
    clf.fit(X, y)
    torch.testing.assert_close(clf.multipliers_, first)


def test_grid_search_over_delta_mu_and_base_loss(imbalanced):
    X, y = imbalanced
    grid = GridSearchCV(
        ALMClassifier(max_epochs=3, min_per_class=1, random_state=0),
        {"delta": [0.1, 1.0], "mu": [1e-4, 1e-2], "base_loss": ["bce", "focal"]},
        scoring=get_scorer("neg_fpr_at_tpr_95"),
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.delta in (0.1, 1.0)


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"delta": -1.0}, InvalidParameterError, "delta"),
        ({"mu": 0.0}, InvalidParameterError, "mu"),
        ({"rho": 0.5}, InvalidParameterError, "rho"),
        ({"critical_classes": [7]}, ValueError, "critical_classes"),
        ({"base_loss": "nonsense"}, ValueError, "Unknown loss"),
    ],
)
def test_bad_parameters_are_refused(imbalanced, params, error, message):
    X, y = imbalanced
    with pytest.raises(error, match=message):
        ALMClassifier(max_epochs=1, **params).fit(X, y)


@pytest.mark.parametrize("weighted", [False, True])
def test_dense_terms_agree_on_numpy_arrays_and_torch_tensors(weighted):
    # ALMClassifier reads CPU batches as numpy views and other devices' as tensors:
    # one kernel, two array types, the same numbers.
    from imbnn.estimators._alm import _dense_constraint_terms
    from imbnn.losses._namespaces import NUMPY, TORCH

    rng = np.random.default_rng(3)
    scores = rng.normal(size=40)
    y = rng.uniform(size=40) < 0.2
    y[:2] = True
    weight = rng.uniform(0.5, 2, size=40) if weighted else None
    rows, negative_rows = np.flatnonzero(y), np.flatnonzero(~y)
    multiplier = rng.uniform(size=len(rows))
    from_numpy = _dense_constraint_terms(
        NUMPY, scores, rows, negative_rows, weight, multiplier, 0.3, 0.5, 0.01
    )
    from_torch = _dense_constraint_terms(
        TORCH,
        torch.tensor(scores),
        torch.tensor(rows),
        torch.tensor(negative_rows),
        None if weight is None else torch.tensor(weight),
        torch.tensor(multiplier),
        0.3,
        0.5,
        0.01,
    )
    for array, tensor in zip(from_numpy, from_torch):
        np.testing.assert_allclose(np.asarray(tensor), array, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_constraint_terms_on_the_tensor_path_equal_the_numpy_path(monkeypatch, weighted):
    # Off the CPU (or for dtypes numpy lacks) the terms are computed on the tensors.


    clf = ALMClassifier(delta=0.5, mu=0.3, max_epochs=1, validation_fraction=0, random_state=0)
    clf.fit(np.eye(4, dtype=np.float32), [0, 1, 0, 1])
    generator = torch.Generator().manual_seed(1)
    n = 64
    y = (torch.rand(n, generator=generator) < 0.2).long()
    weight = torch.rand(n, generator=generator) + 0.5 if weighted else None
    clf.net_.multipliers_ = torch.rand(n, generator=generator) * (y == 1)
    clf.net_.mu_ = 0.3
    info = {"y": y, "sample_weight": weight, "index": torch.arange(n)}
    results = {}
    for path, dtypes in (("numpy", _namespaces._NUMPY_DTYPES), ("tensor", ())):
        monkeypatch.setattr(_namespaces, "_NUMPY_DTYPES", dtypes)
        scores = torch.randn(n, generator=torch.Generator().manual_seed(2))
        multipliers = clf.net_.multipliers_.clone()
        results[path] = constraint_terms(clf.net_, scores, info)
        clf.net_.multipliers_ = multipliers
    (value, grad, change), (value_t, grad_t, change_t) = results["numpy"], results["tensor"]
    assert value == pytest.approx(value_t, rel=1e-5)
    torch.testing.assert_close(grad, grad_t)
    torch.testing.assert_close(change, change_t)


def test_multiplier_update_adds_up_a_row_repeated_in_a_batch():
    # Two positions of a batch holding the same training row: both q's reach its lambda.
    clf = ALMClassifier(delta=1.0, mu=0.5, max_epochs=1, validation_fraction=0, random_state=0)
    clf.fit(np.eye(4, dtype=np.float32), [0, 1, 0, 1])
    clf.net_.multipliers_ = torch.tensor([0.0, 0.2, 0.0, 0.0])
    scores = torch.tensor([0.2, 0.0, -0.8, 0.5])
    index = torch.tensor([0, 1, 2, 1])
    info = {"y": torch.tensor([0, 1, 0, 1]), "sample_weight": None, "index": index}
    penalty, _, change = constraint_terms(clf.net_, scores, info)
    expected, q = brute_force_penalty(
        scores.numpy(), np.array([0, 1, 0, 1]), [0, 0.2, 0, 0.2], 0.5, 1.0
    )
    assert penalty == pytest.approx(expected)
    np.testing.assert_allclose(change.numpy(), [0, 0.5 * (q[1] + q[3]), 0, 0], rtol=1e-6)
