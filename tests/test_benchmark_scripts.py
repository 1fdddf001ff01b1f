"""The benchmark scripts: reproduce_alm.py's summaries (docs/benchmarks.md quotes them) and
its diagnosis, and the scripts that are configurations of the benchmark."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "reproduce_alm.py"


@pytest.fixture(scope="module")
def reproduce_alm():
    spec = importlib.util.spec_from_file_location("reproduce_alm", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _results(seed, mu=0.01, n_seeds=5):
    rng = np.random.default_rng(seed)
    rows = []
    for ratio in (100, 200):
        for base_loss in ("BCE", "LDAM"):
            for run_seed in range(n_seeds):
                for alm in (0, 1):
                    rows.append(
                        {
                            "task": "fashion_shirt_vs_tshirt",
                            "ratio": ratio,
                            "seed": run_seed,
                            "base_loss": base_loss,
                            "alm": alm,
                            "mu": mu if alm else np.nan,
                            "delta": 1.0 if alm else np.nan,
                            "best_epoch": int(rng.integers(1, 21)),
                            "valid_auc": rng.random(),
                            "test_auc": rng.random(),
                            "fpr_at_tpr_98": rng.random(),
                            "fpr_at_tpr_95": rng.choice([0.0, 0.25, 0.5]),
                            "fpr_at_tpr_90": rng.random(),
                        }
                    )
    return pd.DataFrame(rows)


def test_paired_differences_match_a_loop_over_seeds(reproduce_alm):
    results = _results(0)
    table = reproduce_alm.paired_differences(results).set_index(["ratio", "base loss"])
    for (ratio, base_loss), setting in results.groupby(["ratio", "base_loss"]):
        base = setting[setting.alm == 0].sort_values("seed")
        alm = setting[setting.alm == 1].sort_values("seed")
        difference = 100 * (alm.fpr_at_tpr_95.to_numpy() - base.fpr_at_tpr_95.to_numpy())
        row = table.loc[(f"1:{ratio}", base_loss)]
        expected = f"{difference.mean():+.1f} ({difference.std(ddof=1):.1f})"
        assert row["dFPR@TPR.95"] == expected
        lower, equal = (difference < 0).sum(), (difference == 0).sum()
        assert row["FPR@TPR.95 lower / equal"] == f"{lower} / {equal} of {len(base)}"


def test_select_keeps_the_alm_setting_of_best_mean_validation_auc(reproduce_alm):
    results, other = _results(0), _results(1, mu=0.1)
    selected = reproduce_alm.select_alm_rows(results, other[other.alm == 1])
    assert len(selected) == len(results)
    pd.testing.assert_frame_equal(
        selected[selected.alm == 0].reset_index(drop=True),
        results[results.alm == 0].reset_index(drop=True),
        check_like=True,
    )
    candidates = pd.concat([results[results.alm == 1], other[other.alm == 1]])
    for (ratio, base_loss), setting in candidates.groupby(["ratio", "base_loss"]):
        best_mu = setting.groupby("mu").valid_auc.mean().idxmax()
        kept = selected[(selected.alm == 1) & (selected.ratio == ratio)]
        kept = kept[kept.base_loss == base_loss]
        assert set(kept.mu) == {best_mu}
        assert len(kept) == 5


def test_pairing_refuses_two_alm_settings_without_select(reproduce_alm):
    results, other = _results(0), _results(1, mu=0.1)
    with pytest.raises(ValueError, match="--select"):
        reproduce_alm.paired_differences(pd.concat([results, other[other.alm == 1]]))


def test_sign_test_counts_the_paired_fits(reproduce_alm):
    results = _results(2)
    lower, higher, p_value = reproduce_alm.sign_test(reproduce_alm.seed_differences(results))
    base = results[results.alm == 0].sort_values(["ratio", "base_loss", "seed"])
    alm = results[results.alm == 1].sort_values(["ratio", "base_loss", "seed"])
    difference = alm.fpr_at_tpr_95.to_numpy() - base.fpr_at_tpr_95.to_numpy()
    assert (lower, higher) == ((difference < 0).sum(), (difference > 0).sum())
    # Exact two-sided binomial p for 1/2, summed by hand.
    n, k = lower + higher, min(lower, higher)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    assert p_value == pytest.approx(min(1.0, 2 * tail))


REMIX = Path(__file__).resolve().parents[1] / "benchmarks" / "reproduce_remix.py"


def test_reproduce_remix_is_a_resumable_benchmark_configuration(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("reproduce_remix", REMIX)
    remix = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(remix)
    rng = np.random.default_rng(0)
    labels = np.array(["BRICKFACE"] * 200 + ["SKY"] * 500 + ["GRASS"] * 300)
    X = rng.normal(size=(len(labels), 4)) + (labels == "BRICKFACE")[:, None]
    monkeypatch.setattr(remix, "load", lambda loader, data_home=None: (X, labels))
    out = tmp_path / "remix.csv"
    arguments = ["--out", str(out), "--repeats", "1", "--datasets", "segment", "--epochs", "1",
                 "--methods", "baseline", "cost adjusted"]
    remix.main(arguments)
    results = pd.read_csv(out)
    # 3 ratios x 1 repeat x 2 folds x 2 methods; the positives of each ratio as in the paper.
    assert len(results) == 12 and set(results["method"]) == {"baseline", "cost adjusted"}
    for ratio, rows in results.groupby("ratio"):
        positives = max(int(round(ratio * 800)), 4)
        assert (rows["n_train"] * 2 >= 800 + positives - 1).all()
        assert rows["n_minority_train"].isin([positives // 2, positives - positives // 2]).all()
    capsys.readouterr()
    remix.main(arguments)
    assert "12 cells already in" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_csv(out), results)


THRESHOLDS = Path(__file__).resolve().parents[1] / "benchmarks" / "reproduce_fashion_mnist_thresholds.py"


def test_reproduce_thresholds_trains_each_network_once_through_the_benchmark(
    tmp_path, monkeypatch, capsys
):
    import json

    monkeypatch.syspath_prepend(str(THRESHOLDS.parent))  # its bench_thresholds import
    spec = importlib.util.spec_from_file_location("reproduce_thresholds", THRESHOLDS)
    thresholds = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(thresholds)
    def images(subset, return_X_y, download_if_missing):
        per_class = 180 if subset == "train" else 90
        y = np.repeat(np.arange(10), per_class)
        rng = np.random.default_rng(0 if subset == "train" else 1)  # the same on every load
        X = rng.random((len(y), 784), dtype=np.float32) * 0.5
        X[:, :50] += (y[:, None] == 1) * 0.5  # trousers are easy to tell apart
        return X, y

    monkeypatch.setattr(thresholds, "load_fashion_mnist", images)
    fits = []
    real_fit = thresholds.NetClassifier.fit
    monkeypatch.setattr(
        thresholds.NetClassifier, "fit", lambda self, X, y, **kw: fits.append(len(y))
        or real_fit(self, X, y, **kw)
    )
    common = ["--tasks", "binary", "--max-epochs", "1", "--patience", "1",
              "--save-proba", str(tmp_path / "proba"), "--cache", str(tmp_path / "cells")]
    thresholds.main([*common, "--out", str(tmp_path / "first.json")])
    printed = capsys.readouterr().out
    results = json.loads((tmp_path / "first.json").read_text())
    # Four binary splits, one network each, scored on validation and test from one fit.
    assert [r["split"] for r in results] == ["90/10", "80/20", "70/30", "60/40"]
    assert len(fits) == 4
    for result, fit_rows in zip(results, fits):
        share = int(result["split"].split("/")[1]) / int(result["split"].split("/")[0])
        n_task = 180 + round(180 * share)
        assert result["n_validation"] == math.ceil(0.2 * n_task)
        assert result["n_train"] == fit_rows == n_task - result["n_validation"]
        assert result["n_test"] == 90 + round(90 * share)
    for path in sorted((tmp_path / "proba").glob("*.npz")):
        network = np.load(path)
        assert network["proba_validation"].shape[1] == 2
        np.testing.assert_allclose(network["proba_test"].sum(axis=1), 1, rtol=1e-5)
    first = results[0]["methods"]["relative"]
    network = np.load(sorted((tmp_path / "proba").glob("*0.11*.npz"))[0])
    assert first["default_test"] == pytest.approx(
        np.mean(network["proba_test"].argmax(axis=1) == network["y_test"])
    )
    # Again on the same cache: no network is trained, the same tables are printed.
    thresholds.main([*common, "--out", str(tmp_path / "again.json")])
    assert len(fits) == 4
    assert _without_fit_times(capsys.readouterr().out) == _without_fit_times(printed)
    # Re-tuned from the saved probabilities: the same tables.
    thresholds.main([*common, "--from-proba"])
    assert len(fits) == 4
    assert _without_fit_times(capsys.readouterr().out) == _without_fit_times(printed)


def _without_fit_times(text):
    import re

    return re.sub(r"fit \d+ s", "fit _ s", text)


def test_reproduce_alm_diagnose_scores_each_fit_on_its_training_and_test_rows(
    reproduce_alm, monkeypatch, capsys
):
    import argparse

    from sklearn.base import clone

    from imbnn.metrics import fpr_at_tpr

    rng = np.random.default_rng(0)
    y_train = np.r_[np.zeros(300, int), np.ones(30, int)]
    y_test = np.r_[np.zeros(100, int), np.ones(100, int)]
    X_train, X_test = (rng.random((len(y), 784), dtype=np.float32) for y in (y_train, y_test))
    X_train[:, :100] += 0.15 * y_train[:, None]  # a hard task: FPRs between 0 and 1
    X_test[:, :100] += 0.15 * y_test[:, None]
    monkeypatch.setattr(
        reproduce_alm, "load_task", lambda task, ratio, seed: (X_train, y_train, X_test, y_test)
    )
    args = argparse.Namespace(lr=2e-3, max_epochs=3, patience=3, validation_fraction=0.2,
                              scoring="roc_auc", mu=1e-2, delta=1.0, threads=1)
    reproduce_alm.diagnose("mnist_9_vs_4", 100, 0, "BCE", args)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["BCE", "BCE + ALM"]
    for line, alm in zip(lines, (False, True)):
        # The same fit made directly, as the script did before it used the benchmark.
        network = clone(reproduce_alm.make_estimator("BCE", alm, args, 0, [300, 30]))
        network.fit(X_train, y_train)
        trained = np.setdiff1d(np.arange(len(y_train)), network.validation_indices_)
        train_fpr = fpr_at_tpr(
            y_train[trained], network.decision_function(X_train[trained]), tpr=0.95
        )
        test_fpr = fpr_at_tpr(y_test, network.decision_function(X_test), tpr=0.95)
        assert f"FPR@TPR.95 on the training rows {train_fpr:.3f}," in line
        assert line.endswith(f"test FPR@TPR.95 {test_fpr:.3f}")
        assert f"kept epoch {network.best_epoch_}," in line
