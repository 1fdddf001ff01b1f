"""The benchmark runner: scores against direct computation, the cell cache, back ends."""

import json

import numpy as np
import pandas as pd
import pytest
from imblearn.metrics import geometric_mean_score
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from imbnn.benchmark import (
    DEFAULT_ESTIMATORS,
    ESTIMATORS,
    Benchmark,
    SubtrainAUC,
    default_estimators,
    list_tasks,
    load_table,
    load_task,
    read_results,
    run_benchmark,
    summarize,
)
from imbnn.benchmark._defaults import FAMILIES
from imbnn.estimators import (
    ALMClassifier,
    AUMClassifier,
    FeaturelessClassifier,
    NetClassifier,
    ReMixClassifier,
)
from imbnn.thresholds import TunedThresholdClassifier
from imbnn.metrics import aum_score
from imbnn.model_selection import SameOtherAllCV, soak_ttest


def _task(n_samples=240, seed=0):
    return make_classification(n_samples=n_samples, n_features=6, weights=[0.85], random_state=seed)


class _Failing(ClassifierMixin, BaseEstimator):
    def __init__(self, fail=True):
        self.fail = fail

    def fit(self, X, y):
        if self.fail:
            raise RuntimeError("deliberate failure")
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.tile([0.5, 0.5], (len(X), 1))

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_scores_equal_a_direct_cross_validation():
    X, y = _task()
    estimators = {"logistic": LogisticRegression(), "featureless": FeaturelessClassifier()}
    scores = run_benchmark(estimators, {"task": (X, y)}, cv=3, random_state=7, progress=False)
    assert len(scores) == 2 * 3
    folds = StratifiedKFold(3, shuffle=True, random_state=7).split(X, y)
    for split, (train, test) in enumerate(folds):
        model = clone(estimators["logistic"]).fit(X[train], y[train])
        row = scores[(scores["estimator"] == "logistic") & (scores["split"] == split)].iloc[0]
        decision = model.decision_function(X[test])
        prediction = model.predict(X[test])
        assert row["test_roc_auc"] == pytest.approx(roc_auc_score(y[test], decision))
        assert row["test_aum"] == pytest.approx(aum_score(y[test], decision))
        assert row["test_accuracy"] == pytest.approx(accuracy_score(y[test], prediction))
        assert row["test_balanced_accuracy"] == pytest.approx(
            balanced_accuracy_score(y[test], prediction)
        )
        assert row["test_gmean"] == pytest.approx(geometric_mean_score(y[test], prediction))
        assert row["test_fpr_default"] == pytest.approx(prediction[y[test] == 0].mean())
        assert row["test_tpr_default"] == pytest.approx(prediction[y[test] == 1].mean())
        assert (row["n_train"], row["n_test"]) == (len(train), len(test))
    featureless = scores[scores["estimator"] == "featureless"]
    assert (featureless["test_roc_auc"] == 0.5).all()
    assert featureless["best_epoch"].isna().all()


def test_multiclass_task_uses_one_vs_rest_auc():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    scores = run_benchmark(
        {"logistic": LogisticRegression()}, {"three": (X, y)}, cv=2, progress=False
    )
    train, test = next(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))
    model = LogisticRegression().fit(X[train], y[train])
    expected = roc_auc_score(y[test], model.predict_proba(X[test]), multi_class="ovr")
    assert scores.loc[0, "test_roc_auc"] == pytest.approx(expected)
    assert scores["test_fpr_default"].isna().all()


def test_cache_skips_finished_cells_and_recomputes_changed_ones(tmp_path):
    X, y = _task()
    estimators = {"logistic": LogisticRegression(), "featureless": FeaturelessClassifier()}
    first = Benchmark(estimators, {"task": (X, y)}, cv=3, output=tmp_path, progress=False)
    scores = first.run()
    assert first.n_cached_ == 0 and len(list((tmp_path / "cells").glob("*.json"))) == 6
    again = Benchmark(estimators, {"task": (X, y)}, cv=3, output=tmp_path, progress=False)
    pd.testing.assert_frame_equal(again.run(), scores)
    assert again.n_cached_ == 6
    # A changed parameter, a changed data set and a file cut short are all recomputed.
    changed = Benchmark(
        {**estimators, "logistic": LogisticRegression(C=0.01)},
        {"task": (X, y)},
        cv=3,
        output=tmp_path,
        progress=False,
    )
    changed.run()
    assert changed.n_cached_ == 3
    cell = sorted((tmp_path / "cells").glob("task__featureless__*.json"))[0]
    cell.write_text(cell.read_text()[:50])
    y_changed = y.copy()
    y_changed[:3] = 1 - y_changed[:3]
    rerun = Benchmark(
        {"featureless": FeaturelessClassifier()},
        {"task": (X, y)},
        cv=3,
        output=tmp_path,
        progress=False,
    )
    with pytest.warns(RuntimeWarning, match=f"{cell.name} cannot be read as a benchmark cell"):
        rerun.run()
    assert rerun.n_cached_ == 2
    other_data = Benchmark(
        {"featureless": FeaturelessClassifier()},
        {"task": (X, y_changed)},
        cv=3,
        output=tmp_path,
        progress=False,
    )
    other_data.run()
    assert other_data.n_cached_ == 0
    # The folder's table keeps the logistic cells of the earlier runs beside this one's.
    tables = read_results(tmp_path)
    assert len(tables.scores) == 6 and other_data.n_folder_cells_ == 6
    assert tables.scores.groupby("estimator").size().to_dict() == {"featureless": 3, "logistic": 3}


def test_an_interrupted_run_keeps_finished_cells_and_failures_can_be_recorded(tmp_path):
    X, y = _task()
    estimators = {"logistic": LogisticRegression(), "broken": _Failing()}
    with pytest.raises(RuntimeError, match="deliberate failure"):
        Benchmark(
            estimators, {"task": (X, y)}, cv=3, output=tmp_path, n_jobs=1, progress=False
        ).run()
    # Cells run in grid order: the first logistic cell finished before the failure.
    assert len(list((tmp_path / "cells").glob("task__logistic__*.json"))) == 1
    recorded = Benchmark(
        estimators, {"task": (X, y)}, cv=3, output=tmp_path, on_error="record", progress=False
    )
    scores = recorded.run()
    assert recorded.n_cached_ == 1
    broken = scores[scores["estimator"] == "broken"]
    assert (
        broken["error"].str.contains("deliberate failure").all()
        and broken["test_roc_auc"].isna().all()
    )
    assert scores.loc[scores["estimator"] == "logistic", "error"].isna().all()
    # Failed cells are not cached: a re-run tries them again.
    fixed = Benchmark(
        {**estimators, "broken": _Failing(fail=False)},
        {"task": (X, y)},
        cv=3,
        output=tmp_path,
        progress=False,
    )
    assert "error" not in fixed.run().columns and fixed.n_cached_ == 3


def _nets():
    common = dict(
        hidden_layer_sizes=(8,),
        max_epochs=4,
        batch_size=64,
        lr=0.01,
        validation_fraction=0.25,
        random_state=0,
    )
    return {"featureless": FeaturelessClassifier(), "net": NetClassifier(**common)}


def test_history_records_subtrain_and_validation_auc():
    X, y = _task()
    bench = Benchmark(_nets(), {"task": (X, y)}, cv=2, progress=False)
    scores = bench.run()
    history = bench.history_
    assert set(history["estimator"]) == {"net"} and len(history) == 2 * 4
    assert history[["train_loss", "valid_loss", "train_auc", "valid_auc"]].notna().all().all()
    net = scores[scores["estimator"] == "net"]
    assert (net["n_epochs"] == 4).all() and net["best_epoch"].between(1, 4).all()
    assert len(bench.roc_) and set(bench.roc_["estimator"]) == {"featureless", "net"}


def test_subtrain_auc_is_the_auc_of_the_subtrain_rows():
    X, y = _task()
    net = NetClassifier(
        hidden_layer_sizes=(8,),
        max_epochs=3,
        batch_size=64,
        validation_fraction=0.25,
        random_state=0,
        callbacks=[("subtrain", SubtrainAUC())],
    ).fit(X, y)
    subtrain = np.setdiff1d(np.arange(len(y)), net.validation_indices_)
    best = net.best_epoch_ - 1
    assert net.history_[best, "train_auc"] == pytest.approx(
        roc_auc_score(y[subtrain], net.decision_function(X[subtrain])), abs=1e-6
    )


@pytest.mark.slow
def test_dask_local_cluster_gives_the_sequential_results():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    # Worker processes started by Dask (as on a cluster) must compute every cell exactly as the
    # sequential run does: same seeds, same thread count, same data.
    X, y = _task(seed=1)
    datasets = {"task": (X, y)}
    columns = [
        "dataset",
        "estimator",
        "split",
        "test_roc_auc",
        "test_aum",
        "test_accuracy",
        "best_epoch",
    ]
    sequential = run_benchmark(_nets(), datasets, cv=2, n_jobs=1, progress=False)[columns]
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        bench = Benchmark(
            _nets(), datasets, cv=2, n_jobs=-1, backend="dask", scheduler=client, progress=False
        )
        dask = bench.run()[columns]
        # The cells ran in the worker processes, which imported imbnn to run them.
        assert all(client.run(lambda: "imbnn.benchmark" in __import__("sys").modules).values())
    pd.testing.assert_frame_equal(dask, sequential)


class _CountingLogistic(LogisticRegression):
    fits = 0

    def fit(self, X, y):
        type(self).fits += 1
        return super().fit(X, y)


def test_cells_sharing_training_rows_are_fitted_once():
    X, y = _task(n_samples=360)
    subset = np.where(np.arange(len(y)) % 2 == 0, "A", "B")
    cv = SameOtherAllCV(n_splits=3, random_state=0)
    _CountingLogistic.fits = 0
    scores = run_benchmark(
        {"logistic": _CountingLogistic()},
        {"task": {"data": X, "target": y, "subset": subset}},
        cv=cv,
        n_jobs=1,
        progress=False,
    )
    # With two subsets, Other for A is Same for B: per fold Same(A), Same(B) and All.
    assert len(scores) == 18 and _CountingLogistic.fits == 9
    for _, row in scores.iterrows():
        train, test = list(cv.split(X, y, subset=subset))[row["split"]]
        model = LogisticRegression().fit(X[train], y[train])
        assert row["test_roc_auc"] == pytest.approx(
            roc_auc_score(y[test], model.decision_function(X[test]))
        )


def test_soak_splits_in_the_runner():
    X, y = _task(n_samples=360)
    subset = np.where(np.arange(len(y)) % 3 == 0, "small", "large")
    cv = SameOtherAllCV(n_splits=3, random_state=0)
    bench = Benchmark(
        {"logistic": LogisticRegression()},
        {"task": {"data": X, "target": y, "subset": subset}},
        cv=cv,
        progress=False,
    )
    scores = bench.run()
    table = cv.split_table(X, y, subset=subset)
    pd.testing.assert_frame_equal(
        scores[["split", "test_subset", "test_fold", "train_subsets", "n_train", "n_test"]],
        table[["split", "test_subset", "test_fold", "train_subsets", "n_train", "n_test"]],
    )
    tests = soak_ttest(scores)
    assert set(tests["comparison"]) == {"other-same", "all-same"} and len(tests) == 4
    with pytest.raises(ValueError, match="needs the subset"):
        Benchmark({"logistic": LogisticRegression()}, {"task": (X, y)}, cv=cv, progress=False).run()


def test_summarize_is_mean_and_sample_sd_over_splits():
    scores = pd.DataFrame(
        {
            "dataset": "d",
            "estimator": ["a"] * 3 + ["b"] * 3,
            "test_roc_auc": [0.6, 0.7, 0.8, 0.9, 0.9, 0.9],
        }
    )
    table = summarize(scores)
    assert table["mean"].tolist() == pytest.approx([0.7, 0.9])
    assert table["std"].tolist() == pytest.approx([0.1, 0.0])
    assert table["n_splits"].tolist() == [3, 3] and table["n_scored"].tolist() == [3, 3]
    with pytest.raises(ValueError, match="no column 'test_gmean'"):
        summarize(scores, score="test_gmean")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"estimators": {}}, ValueError, "non-empty dict"),
        ({"estimators": {"x": "not an estimator"}}, TypeError, "not a scikit-learn estimator"),
        ({"backend": "spark"}, ValueError, "backend must be one of"),
        ({"on_error": "ignore"}, ValueError, "on_error"),
        ({"datasets": {"t": (1, 2, 3)}}, ValueError, r"must be \(X, y\)"),
        ({"datasets": {"t": 5}}, TypeError, "must be"),
        ({"datasets": ["no_such_task"]}, ValueError, "Unknown task 'no_such_task'"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    X, y = _task()
    params = {
        "estimators": {"f": FeaturelessClassifier()},
        "datasets": {"t": (X, y)},
        "progress": False,
    }
    params.update(kwargs)
    with pytest.raises(error, match=message):
        Benchmark(**params).run()


def test_grid_lists_cells_without_running():
    X, y = _task()
    grid = Benchmark(_nets(), {"a": (X, y), "b": (X, y)}, cv=3).grid()
    assert len(grid) == 2 * 2 * 3 and list(grid.columns[:3]) == ["dataset", "estimator", "split"]


def test_bundled_tasks_and_default_estimators():
    assert list_tasks()[:2] == ["breast_cancer", "digits"]
    cancer = load_task("breast_cancer")
    assert cancer.data.shape == (396, 30) and cancer.target.sum() == 39  # 357 benign, 10% malignant
    assert list(default_estimators()) == list(DEFAULT_ESTIMATORS) == [
        "featureless",
        "cross_entropy",
        "cross_entropy_balanced",
        "aum",
        "remix",
        "alm",
        "logistic_balanced",
        "hgb",
    ]
    families = ["featureless", "cross_entropy", "cross_entropy_balanced", "aum", "remix", "alm"]
    # A family added to the registry with one line (e.g. aum_linear) comes tuned as well.
    assert all(f"{name}_tuned" in ESTIMATORS for name in FAMILIES)
    assert set(ESTIMATORS) >= {
        *families,
        *(f"{name}_tuned" for name in families),
        "logistic",
        "logistic_balanced",
        "hgb",
        "mlp",
    }
    balanced = default_estimators(["cross_entropy_balanced"], network="linear")[
        "cross_entropy_balanced"
    ]
    assert balanced[-1].class_weight == "balanced" and balanced[-1].module.__name__ == "LinearNet"
    made = default_estimators(["remix", "alm", "aum_tuned", "logistic_balanced", "mlp"])
    assert isinstance(made["remix"][-1], ReMixClassifier)
    assert isinstance(made["alm"][-1], ALMClassifier)
    tuned = made["aum_tuned"]
    assert isinstance(tuned, TunedThresholdClassifier)
    assert isinstance(tuned.estimator[-1], AUMClassifier)
    assert made["logistic_balanced"][-1].class_weight == "balanced"
    assert isinstance(made["mlp"][-1], MLPClassifier) and isinstance(
        made["mlp"][0].transformers[0][1][-1], StandardScaler
    )
    with pytest.raises(ValueError, match="Unknown estimator"):
        default_estimators(["svm"])


def test_tuned_estimator_is_scored_and_its_network_history_kept():
    X, y = _task()
    tuned = TunedThresholdClassifier(
        NetClassifier(**_nets()["net"].get_params(deep=False) | {"max_epochs": 3}),
        scoring="balanced_accuracy",
        cv=0.25,
        refit=False,
        random_state=0,
    )
    bench = Benchmark({"tuned": tuned}, {"task": (X, y)}, cv=2, progress=False)
    scores = bench.run()
    assert (scores["n_epochs"] == 3).all() and len(bench.history_) == 2 * 3
    train, test = next(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))
    model = clone(tuned).fit(X[train], y[train])
    prediction = model.predict(X[test])
    assert scores.loc[0, "test_balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(y[test], prediction)
    )
    assert scores.loc[0, "test_roc_auc"] == pytest.approx(
        roc_auc_score(y[test], model.predict_proba(X[test])[:, 1])
    )


def test_user_table_with_categories_and_missing_values(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    size = rng.normal(size=n)
    label = np.where(size + (colour == "red") + rng.normal(scale=0.5, size=n) > 1.5, "yes", "no")
    size[rng.random(n) < 0.1] = np.nan
    colour[rng.random(n) < 0.1] = None
    path = tmp_path / "table.csv"
    pd.DataFrame({"size": size, "colour": colour, "label": label}).to_csv(path, index=False)
    task = load_table(path, "label")
    minority = pd.Series(label).value_counts().idxmin()
    assert task.positive == minority and task.target.sum() == (label == minority).sum()
    estimators = default_estimators(["logistic", "cross_entropy"], max_epochs=3)
    scores = run_benchmark(estimators, {"table": task}, cv=3, progress=False)
    assert scores["test_roc_auc"].notna().all() and (scores["test_roc_auc"] > 0.6).all()
    columns = "has no column 'target'; its columns: size, colour, label"
    with pytest.raises(ValueError, match=columns):
        load_table(path, "target")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_table(tmp_path / "absent.csv", "label")
    pd.DataFrame({"x": [1, 2], "label": ["a", "a"]}).to_csv(tmp_path / "one.csv", index=False)
    with pytest.raises(ValueError, match="has one class \\('a'\\)"):
        load_table(tmp_path / "one.csv", "label")



def test_a_parquet_table_is_the_same_task_as_its_csv(tmp_path):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(1)
    n = 60
    frame = pd.DataFrame({
        "size": rng.normal(size=n),
        "colour": rng.choice(["red", "green", None], n),
        "member": rng.random(n) < 0.5,
        "label": np.where(rng.random(n) < 0.2, "yes", "no"),
    })
    frame.to_csv(tmp_path / "table.csv", index=False)
    frame.to_parquet(tmp_path / "table.parquet")
    from_csv = load_table(tmp_path / "table.csv", "label")
    from_parquet = load_table(tmp_path / "table.parquet", "label")
    np.testing.assert_array_equal(from_parquet.target, from_csv.target)
    assert from_parquet.positive == from_csv.positive == "yes"
    pd.testing.assert_frame_equal(
        from_parquet.data.astype(object).fillna(-1).astype(str),
        from_csv.data.astype(object).fillna(-1).astype(str),
    )

@pytest.mark.data
def test_image_tasks_have_one_percent_even(data_home):
    task = load_task("usps", data_home=data_home)
    odd = (task.target == 0).sum()
    assert task.target.sum() == int(0.01 * odd / 0.99)


def test_cell_files_are_plain_json(tmp_path):
    X, y = _task()
    Benchmark(
        {"featureless": FeaturelessClassifier()},
        {"t": (X, y)},
        cv=2,
        output=tmp_path,
        progress=False,
    ).run()
    cell = json.loads(sorted((tmp_path / "cells").glob("*.json"))[0].read_text())
    assert cell["info"]["estimator"] == "featureless" and cell["scores"]["test_roc_auc"] == 0.5


def test_kept_predictions_are_the_probabilities_of_the_one_fit_of_each_training_set(tmp_path):
    X, y = make_classification(n_samples=240, weights=[0.7], random_state=4)
    rows = np.random.default_rng(0).permutation(len(y))
    train, validation, test = rows[:120], rows[120:180], rows[180:]
    model = LogisticRegression(C=0.3)
    data = {"task": {"data": X, "target": y, "cv": [(train, validation), (train, test)]}}
    _CountingLogistic.fits = 0
    bench = Benchmark(
        {"logistic": _CountingLogistic(C=0.3)}, data, output=tmp_path, keep_predictions=True,
        progress=False,
    )
    bench.run()
    assert _CountingLogistic.fits == 1  # the validation and the test rows share the fit
    fitted = clone(model).fit(X[train], y[train])
    predictions = bench.predictions_
    assert list(predictions.columns) == [
        "dataset", "estimator", "split", "row", "proba_0", "proba_1"
    ]
    for split, part in ((0, validation), (1, test)):
        rows_of_split = predictions[predictions["split"] == split]
        np.testing.assert_array_equal(rows_of_split["row"], part)
        np.testing.assert_allclose(
            rows_of_split[["proba_0", "proba_1"]], fitted.predict_proba(X[part]), rtol=1e-12
        )
    # From the cache: the same probabilities, no fit.
    again = Benchmark(
        {"logistic": _CountingLogistic(C=0.3)}, data, output=tmp_path, keep_predictions=True,
        progress=False,
    )
    again.run()
    assert again.n_cached_ == 2 and _CountingLogistic.fits == 1
    pd.testing.assert_frame_equal(again.predictions_, predictions)
    # A cell cached without its predictions is not reused for a run that keeps them.
    plain = Benchmark({"logistic": _CountingLogistic(C=0.3)}, data, output=tmp_path,
                      progress=False)
    assert set(plain.grid()["fingerprint"]).isdisjoint(again.grid()["fingerprint"])
    assert not hasattr(plain, "predictions_")
