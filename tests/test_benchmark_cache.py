"""The benchmark's cell cache: fingerprints, damaged files, the folder's tables, scoring."""

import functools
import json

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.metrics import geometric_mean_score
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    make_scorer,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn.benchmark import (
    Benchmark,
    UnfingerprintableError,
    load_task,
    read_results,
    summarize,
    unscored_notes,
)
from imbnn.benchmark import _fingerprint
from imbnn.benchmark._cell import binary_scores
from imbnn.estimators import FeaturelessClassifier, NetClassifier
from imbnn.losses import FocalLoss
from imbnn.metrics import aum_score
from imbnn.thresholds import TunedThresholdClassifier


def _task(n_samples=200, seed=0):
    return make_classification(n_samples=n_samples, n_features=5, weights=[0.85], random_state=seed)


def _fingerprints(estimators, tmp_path, data=None, cv=2):
    data = _task() if data is None else data
    grid = Benchmark(estimators, {"t": data}, cv=cv, output=tmp_path, progress=False).grid()
    return {name: rows["fingerprint"].tolist() for name, rows in grid.groupby("estimator")}


def _score_gamma(y_true, y_pred, gamma=1.0):
    return accuracy_score(y_true, y_pred) ** gamma


def test_fingerprint_follows_loss_instances_modules_and_nested_estimators(tmp_path):
    prints = _fingerprints(
        {
            "gamma0": NetClassifier(loss=FocalLoss(gamma=0)),
            "gamma5": NetClassifier(loss=FocalLoss(gamma=5)),
            "gamma5_again": NetClassifier(loss=FocalLoss(gamma=5)),
            "tuned_c1": TunedThresholdClassifier(LogisticRegression(C=1.0)),
            "tuned_c2": TunedThresholdClassifier(LogisticRegression(C=2.0)),
            "linear_a": NetClassifier(module=torch.nn.Linear(5, 1)),
            "linear_b": NetClassifier(module=torch.nn.Linear(5, 1)),
            "score1": NetClassifier(scoring=make_scorer(_score_gamma, gamma=1.0)),
            "score2": NetClassifier(scoring=make_scorer(_score_gamma, gamma=2.0)),
            "partial1": NetClassifier(scoring=functools.partial(_score_gamma, gamma=1.0)),
            "partial2": NetClassifier(scoring=functools.partial(_score_gamma, gamma=2.0)),
        },
        tmp_path,
    )
    # Every split of an estimator has its own fingerprint.
    assert all(len(set(values)) == 2 for values in prints.values())
    assert prints["gamma0"] != prints["gamma5"] and prints["gamma5"] == prints["gamma5_again"]
    assert prints["tuned_c1"] != prints["tuned_c2"]
    # Two modules of the same class differ by their initial weights.
    assert prints["linear_a"] != prints["linear_b"]
    assert prints["score1"] != prints["score2"] and prints["partial1"] != prints["partial2"]
    # The same estimator on other data, or on other splits, gets other fingerprints.
    X, y = _task()
    again = _fingerprints({"gamma5": NetClassifier(loss=FocalLoss(gamma=5))}, tmp_path)
    assert again["gamma5"] == prints["gamma5"]
    other_data = _fingerprints(
        {"gamma5": NetClassifier(loss=FocalLoss(gamma=5))}, tmp_path, data=(X, 1 - y)
    )
    other_splits = _fingerprints(
        {"gamma5": NetClassifier(loss=FocalLoss(gamma=5))}, tmp_path, cv=3
    )
    assert not set(other_data["gamma5"]) & set(prints["gamma5"])
    assert not set(other_splits["gamma5"][:2]) & set(prints["gamma5"])


def test_fingerprint_changes_with_the_library_versions(tmp_path, monkeypatch):
    environment = _fingerprint.environment()
    assert {"imbnn", "torch", "scikit-learn", "skorch", "numpy"} <= set(environment)
    before = _fingerprints({"f": FeaturelessClassifier()}, tmp_path)
    newer = dict(environment, torch="99.0")
    monkeypatch.setattr("imbnn.benchmark._runner.environment", lambda: newer)
    assert not set(_fingerprints({"f": FeaturelessClassifier()}, tmp_path)["f"]) & set(before["f"])


def test_a_development_version_fingerprints_the_source(monkeypatch):
    import imbnn

    assert "imbnn-source" in _fingerprint.environment()  # 0.1.0.dev0
    monkeypatch.setattr(imbnn, "__version__", "0.1.0")
    assert "imbnn-source" not in _fingerprint.environment()


def test_lambdas_and_closures_are_refused_with_the_parameter_named(tmp_path):
    def local_scorer(y_true, y_pred):
        return 0.0

    cases = [
        (NetClassifier(scoring=lambda est, X, y: 0.0), r"estimators\['bad'\]__scoring is a lambda"),
        (
            make_pipeline(StandardScaler(), NetClassifier(scoring=local_scorer)),
            r"__scoring is a function defined inside a function .*local_scorer",
        ),
    ]
    for estimator, message in cases:
        with pytest.raises(UnfingerprintableError, match=message) as error:
            _fingerprints({"bad": estimator}, tmp_path)
        assert "Define it with def at module level" in str(error.value)
        assert "output=None" in str(error.value)
    # Without a cache nothing needs a fingerprint: the same estimator runs.
    X, y = _task()
    scores = Benchmark(
        {"ok": make_pipeline(StandardScaler(), LogisticRegression(C=1.0))}, {"t": (X, y)}, cv=2,
        progress=False,
    ).run()
    assert len(scores) == 2


def test_describe_tells_objects_apart_by_their_content():
    describe = _fingerprint.describe
    assert describe(np.arange(3)) == describe(np.arange(3)) != describe(np.arange(4))
    assert describe(torch.ones(2)) != describe(torch.zeros(2))
    assert describe(torch.float32) != describe(torch.float64)
    assert describe({"a": 1}) != describe({"a": 2})
    assert describe(LogisticRegression) != describe(NetClassifier)

    class Local:
        pass

    with pytest.raises(UnfingerprintableError, match="a class defined inside a function"):
        describe(Local, "estimators['x']__module")


def _damage(tmp_path, text):
    cell = sorted((tmp_path / "cells").glob("*.json"))[0]
    cell.write_text(text)
    return cell


@pytest.mark.parametrize(
    "text, reason",
    [
        ("[1, 2]", "a list, not an object"),
        ('{"info": 3}', "no 'fingerprint'"),
        ("{not json", "not valid JSON"),
        (None, "non-numeric scores"),
        (None, "'roc' lists of different lengths"),
    ],
)
def test_a_damaged_cell_is_recomputed_with_a_warning_naming_it(tmp_path, text, reason):
    X, y = _task()
    estimators = {"logistic": LogisticRegression()}
    first = Benchmark(estimators, {"t": (X, y)}, cv=2, output=tmp_path, progress=False).run()
    cell = sorted((tmp_path / "cells").glob("*.json"))[0]
    content = json.loads(cell.read_text())
    if reason == "non-numeric scores":
        content["scores"]["test_roc_auc"] = "high"
        text = json.dumps(content)
    elif reason.startswith("'roc'"):
        content["roc"]["fpr"] = content["roc"]["fpr"][:-1]
        text = json.dumps(content)
    cell.write_text(text)
    rerun = Benchmark(estimators, {"t": (X, y)}, cv=2, output=tmp_path, progress=False)
    with pytest.warns(RuntimeWarning, match=rf"{cell}.*{reason}.*recomputed") as caught:
        again = rerun.run()
    # Only the one warning of the damaged cell (older libraries may add their own).
    damaged = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(damaged) == 1 and rerun.n_cached_ == 1
    pd.testing.assert_frame_equal(
        again.drop(columns=["fit_time", "score_time"]),
        first.drop(columns=["fit_time", "score_time"]),
    )
    assert json.loads(cell.read_text())["scores"]["test_roc_auc"] == first.loc[0, "test_roc_auc"]


def test_read_results_checks_columns_and_types(tmp_path):
    X, y = _task()
    Benchmark({"f": FeaturelessClassifier()}, {"t": (X, y)}, cv=2, output=tmp_path,
              progress=False).run()
    assert len(read_results(tmp_path).scores) == 2
    results = pd.read_csv(tmp_path / "results.csv")
    broken = results.astype({"test_roc_auc": object})
    broken.loc[1, "test_roc_auc"] = "n/a?"
    broken.to_csv(tmp_path / "results.csv", index=False)
    with pytest.raises(
        ValueError,
        match=r"results.csv: column 'test_roc_auc' must hold numbers; row 3 holds 'n/a\?'",
    ):
        read_results(tmp_path)
    results.drop(columns="estimator").to_csv(tmp_path / "results.csv", index=False)
    with pytest.raises(ValueError, match=r"results.csv lacks the column\(s\) \['estimator'\]"):
        read_results(tmp_path)
    (tmp_path / "roc.csv").unlink()
    with pytest.raises(FileNotFoundError, match="lacks roc.csv"):
        read_results(tmp_path)


def test_the_folder_tables_merge_runs(tmp_path):
    X, y = _task()
    data = {"t": (X, y)}
    Benchmark({"a": LogisticRegression()}, data, cv=2, output=tmp_path, progress=False).run()
    Benchmark({"b": FeaturelessClassifier()}, data, cv=2, output=tmp_path, progress=False).run()
    Benchmark({"c": LogisticRegression(C=0.1)}, {"u": (X, y)}, cv=2, output=tmp_path,
              progress=False).run()
    scores = read_results(tmp_path).scores
    assert sorted(zip(scores["dataset"], scores["estimator"], scores["split"])) == [
        ("t", "a", 0), ("t", "a", 1), ("t", "b", 0), ("t", "b", 1), ("u", "c", 0), ("u", "c", 1),
    ]
    # A pair run again with other folds replaces all its rows.
    Benchmark({"a": LogisticRegression()}, data, cv=3, output=tmp_path, progress=False).run()
    scores = read_results(tmp_path).scores
    assert sorted(scores.loc[scores["estimator"] == "a", "split"]) == [0, 1, 2]
    assert len(scores) == 7 and not scores.duplicated(["dataset", "estimator", "split"]).any()
    roc = read_results(tmp_path).roc
    assert sorted(roc.loc[roc["estimator"] == "a", "split"].unique()) == [0, 1, 2]
    assert not list(tmp_path.rglob("*.part"))


def test_folds_without_a_positive_are_counted_and_explained():
    task = load_task("breast_cancer")
    with pytest.warns(RuntimeWarning, match="39 of 50 folds scored; 11 test folds had no positive"):
        scores = Benchmark(
            {"featureless": FeaturelessClassifier()}, {"breast_cancer": task}, cv=50,
            progress=False,
        ).run()
    # Independently: the folds of StratifiedKFold without a malignant row.
    folds = StratifiedKFold(50, shuffle=True, random_state=0).split(task.data, task.target)
    empty = sum(task.target[test].sum() == 0 for _, test in folds)
    assert empty == 11
    table = summarize(scores)
    assert table[["n_scored", "n_splits"]].values.tolist() == [[39, 50]]
    assert unscored_notes(scores) == [
        "featureless on breast_cancer: 39 of 50 folds scored; 11 test folds had no positive"
    ]
    assert (scores.loc[scores["test_roc_auc"].isna(), "n_test_positive"] == 0).all()


def test_binary_scores_equal_the_library_functions():
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(200):
        n = int(rng.integers(2, 80))
        positive = rng.random(n) < rng.uniform(0.05, 0.9)
        if positive.all() or not positive.any():
            continue
        # Rounded scores make ties, the case where the shortcuts could go wrong.
        ranking = np.round(rng.normal(size=n) + positive, int(rng.integers(0, 3)))
        predicted = rng.random(n) < 0.4
        scores, roc = binary_scores(positive, predicted, ranking)
        fpr, tpr, threshold = roc_curve(positive, ranking)
        np.testing.assert_array_equal(roc["fpr"], fpr)
        np.testing.assert_array_equal(roc["tpr"], tpr)
        np.testing.assert_array_equal(roc["threshold"], threshold)
        assert scores["test_roc_auc"] == pytest.approx(roc_auc_score(positive, ranking), abs=1e-12)
        assert scores["test_aum"] == pytest.approx(aum_score(positive, ranking), abs=1e-12)
        assert scores["test_accuracy"] == pytest.approx(accuracy_score(positive, predicted))
        assert scores["test_balanced_accuracy"] == pytest.approx(
            balanced_accuracy_score(positive, predicted)
        )
        assert scores["test_gmean"] == pytest.approx(geometric_mean_score(positive, predicted))
        checked += 1
    assert checked > 150
    # A test set of one class: no ranking score, and the label scores of the libraries.
    scores, roc = binary_scores(np.zeros(5, bool), np.array([0, 1, 0, 0, 0], bool), np.arange(5.0))
    assert roc is None and np.isnan(scores["test_roc_auc"]) and scores["n_test_positive"] == 0
    assert scores["test_accuracy"] == pytest.approx(0.8)


def test_estimators_per_data_set_own_splits_and_more_scores(tmp_path):
    from sklearn.metrics import average_precision_score

    X, y = _task()
    train, test = np.arange(150), np.arange(150, 200)

    def estimators(name, data):
        return {"logistic": LogisticRegression(C=data.C)}

    datasets = {
        "weak": {"data": X, "target": y, "C": 0.001, "cv": [(train, test)]},
        "strong": {"data": X, "target": y, "C": 10.0},
    }
    bench = Benchmark(
        estimators, datasets, cv=2, output=tmp_path, progress=False,
        scoring={"average_precision": "average_precision"},
    )
    scores = bench.run()
    assert scores.groupby("dataset", sort=False).size().to_dict() == {"weak": 1, "strong": 2}
    weak = scores.iloc[0]
    model = LogisticRegression(C=0.001).fit(X[train], y[train])
    assert weak["test_average_precision"] == pytest.approx(
        average_precision_score(y[test], model.decision_function(X[test]))
    )
    assert (weak["n_train"], weak["n_test"]) == (150, 50)
    again = Benchmark(
        estimators, datasets, cv=2, output=tmp_path, progress=False,
        scoring={"average_precision": "average_precision"},
    )
    again.run()
    assert again.n_cached_ == 3
    # Another scoring is another cell.
    other = Benchmark(estimators, datasets, cv=2, output=tmp_path, progress=False,
                      scoring={"average_precision": "roc_auc"})
    other.run()
    assert other.n_cached_ == 0
    with pytest.raises(TypeError, match=r"estimators\('weak', data\)\['x'\] is not a scikit"):
        Benchmark(lambda name, data: {"x": 1}, datasets, progress=False).run()


# ----------------------------------------------------------- leftover .part files


def _part(folder, target, pid, host):
    path = folder / f"{target}.0123abcd.{pid}@{host}.part"
    path.write_text("{half a cell")
    return path


def test_opening_a_folder_removes_part_files_of_dead_writers_only(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from imbnn.benchmark._cache import STALE_PART_SECONDS, CellCache, _host

    cells = tmp_path / "cells"
    cells.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its process id is free now
    host = _host()
    old = time.time() - STALE_PART_SECONDS - 60
    removed = {
        "dead writer, this host": _part(cells, "a.json", dead.pid, host),
        "dead writer's table": _part(tmp_path, "results.csv", dead.pid, host),
        "another host, a day old": _part(cells, "b.json", 1, "elsewhere"),
        "unknown writer, a day old": cells / "c.json.part",
    }
    kept = {
        "live writer (this process)": _part(cells, "d.json", os.getpid(), host),
        "live writer, old file": _part(cells, "e.json", os.getpid(), host),
        "another host, fresh": _part(cells, "f.json", 1, "elsewhere"),
        "unknown writer, fresh": cells / "g.json.part",
        "a cell": cells / "h.json",
    }
    removed["unknown writer, a day old"].write_text("")
    kept["unknown writer, fresh"].write_text("")
    kept["a cell"].write_text("{}")
    for path in (
        removed["another host, a day old"],
        removed["unknown writer, a day old"],
        kept["live writer, old file"],
    ):
        os.utime(path, (old, old))
    cache = CellCache(tmp_path)
    assert sorted(cache.removed_parts) == sorted(removed.values())
    assert [name for name, path in removed.items() if path.exists()] == []
    assert [name for name, path in kept.items() if not path.exists()] == []
    # Opening the folder again finds nothing more to remove.
    assert CellCache(tmp_path).removed_parts == []


def test_part_files_are_named_after_their_writer(tmp_path, monkeypatch):
    import os

    from imbnn.benchmark import _cache

    seen = []
    real_replace = os.replace

    def replace(source, target):
        seen.append(source)
        real_replace(source, target)

    monkeypatch.setattr(_cache.os, "replace", replace)
    _cache.atomic_write_text(tmp_path / "x.json", "{}")
    match = _cache._PART.search(seen[0].name)
    assert match is not None and seen[0].name.startswith("x.json.")
    assert (int(match["pid"]), match["host"]) == (os.getpid(), _cache._host())
    assert (tmp_path / "x.json").read_text() == "{}" and not list(tmp_path.glob("*.part"))
