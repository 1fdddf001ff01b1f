"""Smoothing the validation score (a callback) and averaging the best epochs' weights
(the ``average_best_epochs`` parameter).

Every value is checked against an independent computation: the per-epoch weights
recorded by a plain test callback, and the validation AUCs of a fit without the
callback (the training path does not depend on them).
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from skorch.callbacks import Callback

from imbnn.estimators import (
    ALMClassifier,
    AUMClassifier,
    NetClassifier,
    SmoothedValidationScore,
)

EPOCHS = 12
# patience beyond max_epochs: no early stop, so every fit runs the same epochs. The
# single best epoch is kept unless a test asks for averaging.
LONG = dict(
    max_epochs=EPOCHS, patience=EPOCHS + 1, lr=1e-2, batch_size=64, random_state=0,
    average_best_epochs=None,
)


class RecordStates(Callback):
    """Copies the module's weights at the end of every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.states_ = []

    def on_epoch_end(self, net, **kwargs):
        self.states_.append({k: v.detach().clone() for k, v in net.module_.state_dict().items()})


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=500, n_features=10, weights=[0.9], flip_y=0.05, random_state=0
    )


def _states(clf):
    return dict(clf.net_.callbacks_)["record"].states_


def _assert_state_equal(module, state, atol=0.0):
    actual = module.state_dict()
    assert actual.keys() == state.keys()
    for name in state:
        torch.testing.assert_close(actual[name], state[name], rtol=0, atol=atol)


@pytest.mark.parametrize("estimator", [AUMClassifier, NetClassifier])
@pytest.mark.parametrize("window", [2, 3, 5])
def test_smoothed_score_is_the_trailing_mean(data, estimator, window):
    X, y = data
    plain = estimator(**LONG).fit(X, y)
    smoothed = estimator(
        **LONG, callbacks=[SmoothedValidationScore(window), ("record", RecordStates())]
    ).fit(X, y)
    raw = np.asarray(plain.history_[:, "valid_auc"])
    assert len(raw) == EPOCHS and raw.std() > 0
    # The raw scores are those of the fit without the callback.
    np.testing.assert_array_equal(smoothed.history_[:, "valid_auc_raw"], raw)
    expected = pd.Series(raw).rolling(window, min_periods=1).mean().to_numpy()
    np.testing.assert_allclose(smoothed.history_[:, "valid_auc"], expected, rtol=0, atol=1e-12)
    # The kept epoch is the first of highest smoothed score, with that epoch's weights.
    best = int(np.argmax(expected))
    assert smoothed.best_epoch_ == best + 1
    assert smoothed.best_validation_auc_ == pytest.approx(expected[best], abs=1e-12)
    _assert_state_equal(smoothed.module_, _states(smoothed)[best])


def test_window_one_changes_nothing(data):
    X, y = data
    plain = AUMClassifier(**LONG).fit(X, y)
    same = AUMClassifier(**LONG, callbacks=[SmoothedValidationScore(1)]).fit(X, y)
    np.testing.assert_array_equal(same.decision_function(X), plain.decision_function(X))
    assert same.best_epoch_ == plain.best_epoch_


def test_smoothing_drives_early_stopping(data):
    # Early stopping counts its patience on the smoothed score.
    X, y = data
    clf = AUMClassifier(
        max_epochs=60, patience=3, lr=1e-2, batch_size=64, random_state=0,
        callbacks=[SmoothedValidationScore(3)],
    ).fit(X, y)
    smoothed = np.asarray(clf.history_[:, "valid_auc"])
    best = int(np.argmax(smoothed))
    assert clf.n_epochs_ == best + 1 + 3 < 60
    assert clf.best_epoch_ == best + 1


def _top_epochs(scores, k):
    """Indices of the k highest scores, best first, the earlier epoch first among ties."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return order[:k]


def _mean_state(states):
    return {
        name: torch.stack([state[name] for state in states]).mean(dim=0) for name in states[0]
    }


@pytest.mark.parametrize("estimator", [AUMClassifier, NetClassifier])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_averaged_weights_are_the_mean_of_the_best_epochs(data, estimator, k):
    X, y = data
    clf = estimator(
        **dict(LONG, average_best_epochs=k), callbacks=[("record", RecordStates())]
    ).fit(X, y)
    scores = list(clf.history_[:, "valid_auc"])
    top = _top_epochs(scores, k)
    assert clf.averaged_epochs_ == [i + 1 for i in top]
    expected = _mean_state([_states(clf)[i] for i in top])
    _assert_state_equal(clf.module_, expected, atol=1e-7)
    # The predictions are those of the averaged network; best_epoch_ is still the best one.
    module = clone(clf).fit(X, y).module_  # the same fit again: the same average
    _assert_state_equal(module, expected, atol=1e-7)
    assert clf.best_epoch_ == top[0] + 1


def test_averaging_replaces_early_stoppings_restore(data):
    X, y = data
    clf = AUMClassifier(
        max_epochs=60, patience=3, lr=1e-2, batch_size=64, random_state=0,
        average_best_epochs=3, callbacks=[("record", RecordStates())],
    ).fit(X, y)
    assert not dict(clf.net_.callbacks_)["early_stopping"].load_best
    assert clf.n_epochs_ < 60  # it stopped early
    top = _top_epochs(list(clf.history_[:, "valid_auc"]), 3)
    _assert_state_equal(clf.module_, _mean_state([_states(clf)[i] for i in top]), atol=1e-7)
    # The calibrated outputs follow the averaged network's scores.
    raw = clf.raw_decision_function(X)
    with torch.no_grad():
        manual = clf.module_(torch.as_tensor(X, dtype=torch.float32))[:, 0].double().numpy()
    np.testing.assert_allclose(raw, manual, rtol=1e-6, atol=1e-6)
    assert np.all(np.diff(clf.decision_function(X)[np.argsort(raw)]) >= -1e-12)


def test_k_one_is_the_best_epoch(data):
    X, y = data
    plain = NetClassifier(**LONG).fit(X, y)
    one = NetClassifier(**dict(LONG, average_best_epochs=1)).fit(X, y)
    assert one.averaged_epochs_ == [one.best_epoch_] and plain.averaged_epochs_ is None
    _assert_state_equal(one.module_, plain.module_.state_dict())


def test_integer_buffers_come_from_the_best_epoch(data):
    X, y = data
    from imbnn.networks import MLP

    class Normalised(torch.nn.Module):
        def __init__(self, n_features, n_outputs=1, hidden_layer_sizes=(100,)):
            super().__init__()
            self.norm = torch.nn.BatchNorm1d(n_features)
            self.mlp = MLP(n_features, n_outputs, hidden_layer_sizes)

        def forward(self, X):
            return self.mlp(self.norm(X))

    clf = NetClassifier(
        Normalised, **dict(LONG, average_best_epochs=3), callbacks=[("record", RecordStates())]
    ).fit(X, y)
    top = _top_epochs(list(clf.history_[:, "valid_auc"]), 3)
    states = [_states(clf)[i] for i in top]
    actual = clf.module_.state_dict()
    assert actual["norm.num_batches_tracked"] == states[0]["norm.num_batches_tracked"]
    torch.testing.assert_close(
        actual["norm.running_mean"], torch.stack([s["norm.running_mean"] for s in states]).mean(0)
    )


@pytest.mark.parametrize(
    "extra", [dict(callbacks=[SmoothedValidationScore(3)]), dict(average_best_epochs=3)],
    ids=["smooth", "avg"],
)
def test_no_validation_split_is_left_alone(data, extra):
    X, y = data
    params = dict(LONG, validation_fraction=0.0)
    plain = AUMClassifier(**params).fit(X, y)
    clf = AUMClassifier(**{**params, **extra}).fit(X, y)
    np.testing.assert_array_equal(clf.raw_decision_function(X), plain.raw_decision_function(X))
    assert "valid_auc_raw" not in clf.history_[-1]
    assert clf.averaged_epochs_ is None


@pytest.mark.parametrize(
    "callback, message",
    [
        (SmoothedValidationScore(0), "window must be an int of at least 1"),
        (SmoothedValidationScore(2.5), "window must be an int of at least 1"),
    ],
)
def test_invalid_counts_are_refused(data, callback, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        AUMClassifier(max_epochs=2, callbacks=[callback]).fit(X, y)


@pytest.mark.parametrize("value", [0, 2.5, "5"])
def test_invalid_average_best_epochs_is_refused(data, value):
    X, y = data
    with pytest.raises(ValueError, match="average_best_epochs"):
        AUMClassifier(max_epochs=2, average_best_epochs=value).fit(X, y)


def test_aum_averages_five_best_epochs_by_default(data):
    X, y = data
    clf = AUMClassifier(max_epochs=8, patience=9, random_state=0).fit(X, y)
    assert clf.get_params()["average_best_epochs"] == 5 and clf.min_per_class == 16
    top = _top_epochs(list(clf.history_[:, "valid_auc"]), 5)
    assert clf.averaged_epochs_ == [i + 1 for i in top]


def test_alm_averages_three_best_epochs_by_default(data):
    X, y = data
    clf = ALMClassifier(max_epochs=8, patience=9, random_state=0).fit(X, y)
    assert clf.get_params()["average_best_epochs"] == 3 and clf.min_per_class is None
    top = _top_epochs(list(clf.history_[:, "valid_auc"]), 3)
    assert clf.averaged_epochs_ == [i + 1 for i in top]


def test_clone_and_pickle(data):
    X, y = data
    clf = AUMClassifier(
        max_epochs=4, random_state=0, average_best_epochs=2,
        callbacks=[SmoothedValidationScore(4)],
    )
    copy = clone(clf)
    assert copy.average_best_epochs == 2
    assert [cb.get_params() for cb in copy.callbacks] == [{"window": 4, "monitor": "valid_auc"}]
    copy.fit(X, y)
    restored = pickle.loads(pickle.dumps(copy))
    np.testing.assert_array_equal(restored.predict_proba(X), copy.predict_proba(X))
