"""The summaries of benchmarks/reproduce_alm.py, whose figures docs/benchmarks.md quotes."""

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
