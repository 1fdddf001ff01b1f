"""aum_score and the neg_aum scorer."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from sklearn.model_selection import cross_val_score

from imbnn.metrics import aum_score, get_scorer
from test_losses import brute_force_aum


def test_aum_score_first_check_value_and_its_auc():
    labels, scores = [0, 0, 1, 1], [2, -3.5, -1, 1.5]
    assert aum_score(labels, scores) == pytest.approx(1.5)
    assert roc_auc_score(labels, scores) == pytest.approx(0.5)  # all-tied scores: chance


@pytest.mark.parametrize("variant", ["rate", "count"])
def test_aum_score_matches_brute_force_with_string_labels_and_weights(variant):
    rng = np.random.default_rng(0)
    scores = rng.integers(-4, 5, size=60).astype(float)
    labels = rng.integers(0, 2, size=60)
    weights = rng.uniform(0.2, 2, size=60)
    names = np.array(["healthy", "sick"])[labels]  # "sick" > "healthy": the positive class
    expected = brute_force_aum(scores, labels, weights, variant)
    assert aum_score(names, scores, variant=variant, sample_weight=weights) == pytest.approx(expected)


def test_aum_score_multiclass_and_labels_order():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(50, 3))
    labels = rng.integers(0, 3, size=50)
    expected = np.mean([brute_force_aum(scores[:, k], labels == k) for k in range(3)])
    assert aum_score(labels, scores) == pytest.approx(expected)
    # Columns given for the classes in another order.
    reordered = aum_score(labels, scores[:, [2, 0, 1]], labels=[2, 0, 1])
    assert reordered == pytest.approx(expected)


def test_aum_score_errors():
    with pytest.raises(ValueError, match="3 classes"):
        aum_score([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="columns"):
        aum_score([0, 1, 2], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        aum_score([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="NaN"):
        aum_score([0, 1], [np.nan, 0.2])


def test_neg_aum_scorer_in_cross_val_score():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=200) > 1).astype(int)
    scores = cross_val_score(LogisticRegression(), X, y, cv=3, scoring=get_scorer("neg_aum"))
    model = LogisticRegression().fit(X, y)
    assert (scores <= 0).all()
    # The scorer ranks by the decision function, and is minus the AUM.
    assert get_scorer("neg_aum")(model, X, y) == pytest.approx(-aum_score(y, model.decision_function(X)))
