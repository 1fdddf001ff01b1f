"""The network estimators and the featureless baseline in the scikit-learn ecosystem."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Callback

from imbnn.estimators import AUMClassifier, FeaturelessClassifier, NetClassifier
from imbnn.metrics import aum_score, fpr_at_tpr, get_scorer
from imbnn.networks import LeNet5, LinearNet, MLP

FAST = dict(max_epochs=30, lr=0.01, random_state=0)

# Expected failures of scikit-learn's common checks, with the reason for each.
NETWORK_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batches are drawn from the rows, so a row of weight 2 and two copies of it "
        "land in different batches; tests/test_estimators.py checks the equivalence at full batch"
    ),
    "check_sample_weight_equivalence_on_sparse_data": (
        "the same mini-batch reason as for dense data"
    ),
    "check_methods_subset_invariance": (
        "float32 matrix products depend on the batch shape at the 1e-7 level, below the "
        "check's tolerance; predictions agree to 1e-6"
    ),
}
AUM_EXPECTED_FAILURES = NETWORK_EXPECTED_FAILURES


def expected_failures(estimator):
    if isinstance(estimator, AUMClassifier):
        return AUM_EXPECTED_FAILURES
    if isinstance(estimator, NetClassifier):
        if estimator.validation_fraction > 0:
            return {
                **NETWORK_EXPECTED_FAILURES,
                "check_class_weight_classifiers": (
                    "early stopping keeps the epoch of best validation AUC, which the class "
                    "weights' shift of the threshold does not change; the same check passes "
                    "with validation_fraction=0 (second instance)"
                ),
            }
        return NETWORK_EXPECTED_FAILURES
    return {}


@parametrize_with_checks(
    [
        NetClassifier(**FAST),
        NetClassifier(validation_fraction=0.0, **FAST),
        AUMClassifier(**FAST),
        FeaturelessClassifier(),
    ],
    expected_failed_checks=expected_failures,
)
def test_scikit_learn_common_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=600, n_features=8, n_informative=4, weights=[0.9], random_state=0
    )
    return X.astype(np.float32), y


def test_labels_of_any_type_are_returned(imbalanced):
    X, y = imbalanced
    for labels in (np.array(["healthy", "sick"]), np.array([False, True]), np.array([-1, 7])):
        clf = NetClassifier(max_epochs=5, random_state=0).fit(X, labels[y])
        assert set(clf.predict(X)) <= set(labels)
        np.testing.assert_array_equal(clf.classes_, labels)


def test_dataframe_and_integer_features(imbalanced):
    X, y = imbalanced
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = NetClassifier(max_epochs=3, random_state=0).fit(frame, y)
    assert clf.n_features_in_ == 8
    assert list(clf.feature_names_in_) == list(frame.columns)
    np.testing.assert_allclose(clf.predict_proba(frame), clf.predict_proba(X), atol=1e-6)
    integers = NetClassifier(max_epochs=3, random_state=0).fit(np.round(X * 10).astype(np.int64), y)
    assert integers.predict_proba(np.round(X * 10).astype(np.int16)).shape == (len(y), 2)


def test_random_state_makes_fits_repeatable(imbalanced):
    X, y = imbalanced
    first = NetClassifier(max_epochs=10, random_state=3, hidden_layer_sizes=(16,)).fit(X, y)
    second = NetClassifier(max_epochs=10, random_state=3, hidden_layer_sizes=(16,)).fit(X, y)
    other = NetClassifier(max_epochs=10, random_state=4, hidden_layer_sizes=(16,)).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not np.allclose(first.predict_proba(X), other.predict_proba(X))


def test_early_stopping_restores_the_best_epoch(imbalanced):
    X, y = imbalanced
    clf = NetClassifier(max_epochs=200, patience=3, lr=0.05, random_state=0).fit(X, y)
    history = clf.history_
    aucs = np.array(history[:, "valid_auc"])
    assert clf.n_epochs_ == len(history) < 200  # it stopped early
    assert len(history[:, "train_loss"]) == clf.n_epochs_
    assert clf.best_epoch_ == int(np.argmax(aucs)) + 1
    # The kept weights are those of the best epoch: their validation AUC is the best one.
    rows = clf.validation_indices_
    auc = roc_auc_score(y[rows], clf.decision_function(X[rows]))
    assert auc == pytest.approx(aucs.max(), abs=1e-6)
    # The validation split is stratified.
    assert y[rows].mean() == pytest.approx(y.mean(), abs=0.02)


@pytest.mark.parametrize(
    "scoring, direct",
    [
        (
            "average_precision",
            lambda clf, X, y: average_precision_score(y, clf.decision_function(X)),
        ),
        ("neg_log_loss", lambda clf, X, y: -log_loss(y, clf.predict_proba(X))),
        ("neg_fpr_at_tpr_95", lambda clf, X, y: -fpr_at_tpr(y, clf.decision_function(X), tpr=0.95)),
    ],
)
def test_scoring_chooses_the_epoch(imbalanced, scoring, direct):
    X, y = imbalanced
    clf = NetClassifier(max_epochs=60, patience=3, lr=0.05, scoring=scoring, random_state=0)
    clf.fit(X, y)
    values = np.array(clf.history_[:, "valid_score"])
    assert clf.best_epoch_ == int(np.argmax(values)) + 1
    assert clf.best_validation_score_ == values.max()
    # The kept weights are the chosen epoch's: the scorer's own function agrees on them.
    rows = clf.validation_indices_
    assert direct(clf, X[rows], y[rows]) == pytest.approx(values.max(), abs=1e-6)
    assert clf.best_validation_auc_ == pytest.approx(
        roc_auc_score(y[rows], clf.decision_function(X[rows])), abs=1e-6
    )


def test_a_callable_scoring_drives_early_stopping(imbalanced):
    X, y = imbalanced
    sequence = iter([0.1, 0.9, 0.2, 0.3, 0.4, 0.5, 0.6])

    def scorer(estimator, X_valid, y_valid):
        assert set(np.unique(y_valid)) <= set(estimator.classes_)
        return next(sequence)

    clf = NetClassifier(max_epochs=7, patience=3, scoring=scorer, random_state=0).fit(X, y)
    assert clf.best_epoch_ == 2 and clf.n_epochs_ == 5
    assert clf.best_validation_score_ == 0.9


def test_unknown_scoring_is_refused(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="fpr_at_95"):
        NetClassifier(scoring="fpr_at_95", validation_fraction=0.0).fit(X, y)


def test_validation_fraction_zero_trains_all_epochs(imbalanced):
    X, y = imbalanced
    clf = NetClassifier(max_epochs=7, validation_fraction=0.0, random_state=0).fit(X, y)
    assert clf.n_epochs_ == 7 and clf.validation_indices_ is None
    assert "valid_auc" not in clf.history_[-1]


def test_sample_weight_equals_duplicated_rows_at_full_batch(imbalanced):
    X, y = imbalanced
    X, y = X[:200], y[:200]
    counts = np.random.default_rng(0).integers(1, 4, size=len(y))
    params = dict(
        max_epochs=20,
        batch_size=-1,
        validation_fraction=0.0,
        optimizer=torch.optim.SGD,
        lr=0.1,
        random_state=0,
        hidden_layer_sizes=(8,),
    )
    weighted = NetClassifier(**params).fit(X, y, sample_weight=counts)
    duplicated = NetClassifier(**params).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    unweighted = NetClassifier(**params).fit(X, y)
    np.testing.assert_allclose(weighted.predict_proba(X), duplicated.predict_proba(X), atol=1e-5)
    assert not np.allclose(weighted.predict_proba(X), unweighted.predict_proba(X), atol=1e-3)


class RecordBatches(Callback):
    def on_train_begin(self, net, **kwargs):
        self.batches_ = []

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.batches_.append(batch[1]["y"].numpy().copy())


def test_min_per_class_puts_every_class_in_every_batch(imbalanced):
    X, y = imbalanced
    recorder = RecordBatches()
    NetClassifier(
        max_epochs=2, batch_size=32, min_per_class=2, callbacks=[recorder], random_state=0
    ).fit(X, y)
    assert len(recorder.batches_) > 10
    assert all(np.bincount(b, minlength=2).min() >= 2 for b in recorder.batches_)
    plain = RecordBatches()
    NetClassifier(max_epochs=2, batch_size=32, callbacks=[plain], random_state=0).fit(X, y)
    assert any(np.bincount(b, minlength=2)[1] == 0 for b in plain.batches_)


def test_module_choices_and_prefixed_parameters(imbalanced):
    X, y = imbalanced
    clf = NetClassifier(
        module=MLP,
        module__hidden_layer_sizes=(5, 4),
        module__dropout=0.1,
        optimizer=torch.optim.SGD,
        optimizer__momentum=0.9,
        max_epochs=2,
        random_state=0,
    )
    params = clf.get_params()
    assert params["module__hidden_layer_sizes"] == (5, 4) and params["optimizer__momentum"] == 0.9
    clf.set_params(optimizer__momentum=0.5, module__dropout=0.0)
    clone_ = clone(clf)
    assert clone_.get_params()["optimizer__momentum"] == 0.5
    clone_.fit(X, y)
    assert [
        layer.out_features for layer in clone_.module_.layers if hasattr(layer, "out_features")
    ] == [5, 4, 1]
    assert clone_.optimizer_.param_groups[0]["momentum"] == 0.5

    instance = LinearNet(n_features=8, n_outputs=1)
    before = instance.linear.weight.detach().clone()
    fitted = NetClassifier(module=instance, max_epochs=3, random_state=0).fit(X, y)
    assert torch.equal(instance.linear.weight, before)  # the user's module is not trained in place
    assert not torch.equal(fitted.module_.linear.weight, before)

    images = np.random.default_rng(0).normal(size=(40, 256)).astype(np.float32)
    labels = np.arange(40) % 3
    lenet = NetClassifier(
        module=LeNet5, module__input_shape=(16, 16), max_epochs=1, validation_fraction=0
    )
    assert lenet.fit(images, labels).predict_proba(images).shape == (40, 3)


def test_default_network_is_sized_from_the_data(imbalanced):
    X, y = imbalanced
    clf = NetClassifier(hidden_layer_sizes=(7,), max_epochs=1, random_state=0).fit(X, y)
    first, last = clf.module_.layers[0], clf.module_.layers[-1]
    assert (first.in_features, first.out_features, last.out_features) == (8, 7, 1)
    multi = NetClassifier(max_epochs=1, random_state=0).fit(X, np.arange(len(y)) % 4)
    assert multi.module_.layers[-1].out_features == 4


def test_pipeline_grid_search_and_cross_validation(imbalanced):
    X, y = imbalanced
    pipe = make_pipeline(StandardScaler(), NetClassifier(max_epochs=5, random_state=0))
    search = GridSearchCV(
        pipe, {"netclassifier__lr": [1e-3, 1e-2]}, scoring="roc_auc", cv=2, n_jobs=2
    ).fit(X, y)
    assert search.best_params_["netclassifier__lr"] in (1e-3, 1e-2)
    aucs = cross_val_score(
        AUMClassifier(max_epochs=10, lr=0.01, random_state=0), X, y, cv=3, scoring="roc_auc"
    )
    assert aucs.mean() > 0.8
    neg_aum = cross_val_score(
        AUMClassifier(max_epochs=10, random_state=0), X, y, cv=3, scoring=get_scorer("neg_aum")
    )
    assert (neg_aum < 0).all()


def test_imbalanced_learn_pipeline_with_smote(imbalanced):
    X, y = imbalanced
    pipe = make_imblearn_pipeline(
        SMOTE(random_state=0), NetClassifier(max_epochs=30, random_state=0)
    )
    auc = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc").mean()
    assert auc > 0.8


def test_pickle_round_trip(imbalanced):
    X, y = imbalanced
    for clf in (
        NetClassifier(max_epochs=3, random_state=0),
        AUMClassifier(max_epochs=3, random_state=0),
    ):
        clf.fit(X, y)
        restored = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
        np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


@pytest.mark.parametrize(
    "X_change, y_change, message",
    [
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), None, "NaN"),
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X), None, "infinity"),
        (None, lambda y: np.zeros_like(y), "at least 2 classes"),
        (None, lambda y: y[:-1], "inconsistent numbers of samples"),
        (lambda X: X.astype(str).astype(object) + "x", None, "could not convert|strings"),
    ],
)
def test_bad_training_input_is_refused(imbalanced, X_change, y_change, message):
    X, y = imbalanced
    X = X_change(X) if X_change else X
    y = y_change(y) if y_change else y
    with pytest.raises(ValueError, match=message):
        NetClassifier(max_epochs=1).fit(X, y)


def test_wrong_feature_count_at_predict(imbalanced):
    X, y = imbalanced
    clf = NetClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="8 features"):
        clf.predict(X[:, :5])


def test_loss_becoming_nan_names_the_epoch(imbalanced):
    X, y = imbalanced
    huge = X * 1e30
    clf = NetClassifier(optimizer=torch.optim.SGD, lr=1e30, max_epochs=5, random_state=0)
    with pytest.raises(
        ValueError, match=r"training loss became NaN or infinite at epoch \d.*Lower the learning rate"
    ):
        clf.fit(huge, y)


def test_verbose_prints_an_epoch_table(imbalanced, capsys):
    X, y = imbalanced
    NetClassifier(max_epochs=2, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "epoch" in out and "valid_auc" in out and "train_loss" in out
    NetClassifier(max_epochs=2, verbose=0, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""


def test_class_weight_balanced_shifts_predictions_to_the_minority(imbalanced):
    X, y = imbalanced
    params = dict(max_epochs=30, validation_fraction=0.0, random_state=0)
    plain = NetClassifier(**params).fit(X, y)
    weighted = NetClassifier(class_weight="balanced", **params).fit(X, y)
    assert weighted.predict(X).mean() > plain.predict(X).mean()
    assert weighted.criterion_.class_weight == pytest.approx(
        [600 / (2 * (y == 0).sum()), 600 / (2 * (y == 1).sum())]
    )


def test_aum_classifier_trains_from_all_equal_scores(imbalanced):
    # A zero-initialised linear model gives every example the same score. AUM through
    # autograd-of-a-sort would give a zero gradient and never move.
    X, y = imbalanced
    module = LinearNet(n_features=8, n_outputs=1)
    torch.nn.init.zeros_(module.linear.weight)
    torch.nn.init.zeros_(module.linear.bias)
    clf = AUMClassifier(
        module=module,
        max_epochs=1,
        batch_size=-1,
        validation_fraction=0,
        optimizer=torch.optim.SGD,
        lr=0.1,
    ).fit(X, y)
    # With all scores tied, each negative's gradient is 0.5 / n_negatives and each
    # positive's -0.5 / n_positives (Hillman & Hocking, JMLR 2023), so one SGD step moves the weights
    # to lr * 0.5 * (mean positive row - mean negative row); the bias stays 0.
    expected = 0.1 * 0.5 * (X[y == 1].mean(axis=0) - X[y == 0].mean(axis=0))
    np.testing.assert_allclose(clf.module_.linear.weight.detach().numpy()[0], expected, rtol=1e-5)
    assert clf.module_.linear.bias.item() == pytest.approx(0, abs=1e-7)


def test_aum_classifier_scores_probabilities_and_predictions(imbalanced):
    X, y = imbalanced
    clf = AUMClassifier(max_epochs=30, random_state=0).fit(X, y)
    scores, proba = clf.decision_function(X), clf.predict_proba(X)
    assert scores.shape == (len(y),)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    # Calibrated probabilities are a monotone map of the raw scores...
    order = np.argsort(scores)
    assert np.all(np.diff(proba[order, 1]) >= -1e-12)
    # ... fitted on the held-out rows, where their mean matches the positive rate.
    rows = clf.validation_indices_
    assert proba[rows, 1].mean() == pytest.approx(y[rows].mean(), abs=0.02)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # Training lowered the AUM of the (validation) scores below a random ranking's.
    assert aum_score(y[rows], scores[rows]) < aum_score(
        y[rows], np.random.default_rng(0).normal(size=len(rows))
    )


def test_aum_classifier_chooses_the_epoch_by_ranking_scorers_only(imbalanced):
    X, y = imbalanced
    # The single best epoch kept: its score is the kept network's.
    clf = AUMClassifier(
        max_epochs=10, scoring="average_precision", average_best_epochs=None, random_state=0
    ).fit(X, y)
    rows = clf.validation_indices_
    assert clf.best_validation_score_ == pytest.approx(
        average_precision_score(y[rows], clf.decision_function(X[rows])), abs=1e-6
    )
    # Its probabilities come from a calibration fitted after training.
    with pytest.raises(ValueError, match="no probability scale before the calibration"):
        AUMClassifier(max_epochs=3, scoring="neg_log_loss", random_state=0).fit(X, y)


def test_aum_classifier_multiclass():
    X, y = make_classification(
        n_samples=600,
        n_features=10,
        n_informative=6,
        n_classes=3,
        weights=[0.7, 0.2, 0.1],
        random_state=1,
    )
    clf = AUMClassifier(max_epochs=30, random_state=0).fit(X, y)
    assert clf.decision_function(X).shape == (600, 3)
    proba = clf.predict_proba(X)
    assert roc_auc_score(y, proba, multi_class="ovr") > 0.85


def test_featureless_classifier():
    X = np.zeros((10, 2))
    y = np.array(["a"] * 3 + ["b"] * 7)
    clf = FeaturelessClassifier().fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), [[0.3, 0.7]] * 10)
    assert (clf.predict(X) == "b").all()
    assert roc_auc_score(y == "b", clf.predict_proba(X)[:, 1]) == 0.5
    weighted = FeaturelessClassifier().fit(X, y, sample_weight=np.r_[[3.0] * 3, [1.0] * 7])
    np.testing.assert_allclose(weighted.class_prior_, [9 / 16, 7 / 16])
    tied = np.array([0, 1] * 5)
    winners = {
        FeaturelessClassifier(random_state=seed).fit(X, tied).majority_class_ for seed in range(20)
    }
    assert winners == {0, 1}  # ties broken at random, not always the first class


@pytest.mark.cuda
def test_fit_on_cuda(imbalanced):
    X, y = imbalanced
    cpu = NetClassifier(max_epochs=3, random_state=0).fit(X, y)
    gpu = NetClassifier(max_epochs=3, random_state=0, device="cuda").fit(X, y)
    assert next(gpu.module_.parameters()).is_cuda
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-3)
    aum = AUMClassifier(max_epochs=3, random_state=0, device="cuda").fit(X, y)
    assert roc_auc_score(y, aum.decision_function(X)) > 0.7


def test_every_public_estimator_imports_from_the_package():
    import imbnn
    from imbnn import estimators

    # BaseNetClassifier is the base to subclass, not an estimator to fit; the
    # callbacks are parameters of the estimators, imported from imbnn.estimators.
    callbacks = {"SmoothedValidationScore"}
    public = set(estimators.__all__) - {"BaseNetClassifier"} - callbacks
    assert public <= set(imbnn.__all__)
    for name in public | {"TunedThresholdClassifier"}:
        assert getattr(imbnn, name).__name__ == name
