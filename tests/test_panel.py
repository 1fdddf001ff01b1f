"""benchmarks/panel.py: its halves, its step-based mechanisms and a tiny run."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "panel.py"


@pytest.fixture(scope="module")
def panel():
    spec = importlib.util.spec_from_file_location("panel", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_halves_alternate_by_size(panel):
    sizes = {"d": 400, "a": 100, "c": 300, "b": 300, "e": 50}
    development, confirmation = panel.halves(sizes)
    # by size, ties by name: e(50) a(100) b(300) c(300) d(400)
    assert development == ["e", "b", "d"]
    assert confirmation == ["a", "c"]


def test_patience_in_steps(panel):
    # 1,000 training rows, validation 0.2 -> 800 subtrain rows, batch 256 -> 4 batches per epoch.
    params = panel.network_params(
        dict(lr=1e-2, patience_steps=200, validation_fraction=0.2), n_train=1000, n_positive=50
    )
    assert params["patience"] == math.ceil(200 / 4) == 50
    assert params["max_epochs"] == 100
    # Full batch: one step per epoch, so patience 200 epochs and max_epochs raised to 400.
    params = panel.network_params(
        dict(patience_steps=200, batch_size=-1), n_train=1000, n_positive=50
    )
    assert (params["patience"], params["max_epochs"]) == (200, 400)
    assert "patience_steps" not in params and params["random_state"] == 0


def test_fixed_step_budget(panel):
    # 1,000 rows in batches of 256: 4 steps per epoch, so 1,000 steps are 250 epochs.
    params = panel.network_params(dict(train_steps=1000), n_train=1000, n_positive=50)
    assert (params["validation_fraction"], params["max_epochs"]) == (0.0, 250)


def test_batch_size_from_positives(panel):
    # 8,000 rows with 80 positives: 16 positives a batch need 1,600 rows.
    params = panel.network_params(dict(positives_per_batch=16), n_train=8000, n_positive=80)
    assert params["batch_size"] == 1600 and "positives_per_batch" not in params
    # 10% positives: 4 positives are 40 rows; at least 32 rows.
    assert panel.network_params(dict(positives_per_batch=4), 1000, 100)["batch_size"] == 40
    assert panel.network_params(dict(positives_per_batch=1), 1000, 100)["batch_size"] == 32
    # 300 rows with 15 positives: 32 positives need more than the 270 training rows.
    assert panel.network_params(dict(positives_per_batch=32), 300, 15)["batch_size"] == -1


def test_cosine_schedule_reaches_zero(panel):
    from imbnn.estimators import NetClassifier

    X, y = make_classification(n_samples=200, weights=[0.85], random_state=0)
    params = panel.network_params(
        dict(lr=1e-2, max_epochs=6, schedule="cosine", validation_fraction=0), 200, 30
    )
    net = NetClassifier(**params).fit(X, y)
    rates = [group["lr"] for group in net.optimizer_.param_groups]
    # After 6 of T_max=6 epochs the cosine is at its end: lr 0.
    assert rates == [pytest.approx(0.0, abs=1e-12)]


def test_tiny_panel_run(panel, tmp_path):
    X, y = make_classification(n_samples=240, weights=[0.85], random_state=0)
    scores = panel.run_panel(
        ["tiny"], ["featureless", "lr_balanced", "aum"], folds=3, output=tmp_path,
        loaded_datasets={"tiny": panel.Bunch(data=X, target=y, n_rows=len(y))},
        configs={"aum": dict(lr=1e-2, max_epochs=5)},
    )
    assert set(scores["estimator"]) == {"featureless", "lr_balanced", "aum"}
    assert len(scores) == 9
    # The LR balanced cell equals a direct cross-validation with the same folds.
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    direct, direct_ap = [], []
    for train, test in folds.split(X, y):
        model = make_pipeline(
            StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000)
        ).fit(X[train], y[train])
        direct.append(roc_auc_score(y[test], model.decision_function(X[test])))
        direct_ap.append(average_precision_score(y[test], model.decision_function(X[test])))
    lr = scores[scores["estimator"] == "lr_balanced"].sort_values("split")
    np.testing.assert_allclose(lr["test_roc_auc"], direct, atol=1e-12)
    np.testing.assert_allclose(lr["test_average_precision"], direct_ap, atol=1e-12)
    featureless = scores[scores["estimator"] == "featureless"]
    np.testing.assert_allclose(featureless["test_roc_auc"], 0.5)
    assert (tmp_path / "panel.csv").is_file()
    table = panel.summarize_panel(scores).set_index("estimator")
    assert table.loc["featureless", "wins"] == 0
    assert table.loc["featureless", "mean_rank"] == 3
    assert pd.isna(table.loc["lr_balanced", "wins"])
