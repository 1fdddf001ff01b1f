"""The ``imbnn benchmark`` command line and the example scripts."""

import re
import runpy
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import REPO_ROOT
from imbnn.cli import main

FAST = ["--folds", "2", "--max-epochs", "3", "--quiet"]


def test_benchmark_writes_results_table_and_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    status = main(
        [
            "benchmark",
            "--datasets",
            "digits",
            "--estimators",
            "featureless",
            "aum",
            "--output",
            str(tmp_path),
            *FAST,
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    results = pd.read_csv(tmp_path / "results.csv")
    assert len(results) == 2 * 2 and set(results["estimator"]) == {"featureless", "aum"}
    # The printed table is the mean and standard deviation of the CSV's folds.
    aum = results.loc[results["estimator"] == "aum", "test_roc_auc"]
    assert f"{aum.mean():.3f} +- {aum.std():.3f}" in out
    assert "0.500 +- 0.000" in out
    for name in (
        "history.csv",
        "roc.csv",
        "test_auc.png",
        "roc.png",
        "roc_high_tpr.png",
        "history.png",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "test_auc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A second run finds every fit in the cache.
    assert (
        main(
            [
                "benchmark",
                "--datasets",
                "digits",
                "--estimators",
                "featureless",
                "aum",
                "--output",
                str(tmp_path),
                "--no-plots",
                *FAST,
            ]
        )
        == 0
    )
    assert "4 of 4 results (data set, estimator, fold) were already" in capsys.readouterr().out


def test_bad_options_exit_with_a_message(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", "--datasets", "cifar10"])
    assert exit_info.value.code == 2
    assert "unknown data set(s) ['cifar10']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["benchmark", "--estimators", "svm"])
    assert "Unknown estimator(s) ['svm']" in capsys.readouterr().err
    for bad in (["--folds", "1"], ["--lr", "0"], ["--folds", "three"], ["--data", "x.csv"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["benchmark", *bad])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert re.match(r"imbnn( benchmark)?: error: ", err.strip().splitlines()[-1])
    assert main([]) == 2


def test_version(capsys):
    import imbnn

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"imbnn {imbnn.__version__}"


def test_more_folds_than_minority_rows_is_refused_in_one_line(tmp_path, capsys):
    status = main(["benchmark", "--datasets", "breast_cancer", "--folds", "50",
                   "--output", str(tmp_path), "--quiet"])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "imbnn: error: --folds 50 is more than the 39 rows of the smallest class (1) of "
        "breast_cancer: some test folds would have none and no ROC AUC. Use --folds 39 or fewer."
    ]
    assert not (tmp_path / "cells").exists()


def test_own_table_with_categories_missing_values_and_merged_results(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 240
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    size = rng.normal(size=n)
    signal = size + 2 * (colour == "red") + rng.normal(scale=0.3, size=n)
    churn = np.where(signal > 2.2, "yes", "no")
    size[rng.random(n) < 0.1] = np.nan
    colour[rng.random(n) < 0.1] = None
    table = tmp_path / "customers.csv"
    pd.DataFrame({"size": size, "colour": colour, "churn": churn}).to_csv(table, index=False)
    output = tmp_path / "out"
    common = ["--output", str(output), "--folds", "3", "--no-plots", "--quiet"]
    status = main(["benchmark", "--data", str(table), "--target", "churn",
                   "--estimators", "logistic", "featureless", *common])
    assert status == 0
    out = capsys.readouterr().out
    assert f"customers: {n} rows, 2 features, {(churn == 'yes').sum()} positive." in out
    results = pd.read_csv(output / "results.csv")
    assert set(results["dataset"]) == {"customers"} and len(results) == 6
    assert (results.loc[results["estimator"] == "logistic", "test_roc_auc"] > 0.7).all()
    # A second invocation on other estimators adds to the folder's table.
    assert main(["benchmark", "--data", str(table), "--target", "churn",
                 "--estimators", "hgb", *common]) == 0
    assert "9 rows, 6 from earlier runs" in capsys.readouterr().out
    assert len(pd.read_csv(output / "results.csv")) == 9
    # One-line errors for a missing file, column, or a target of one class.
    for arguments, message in [
        (["--data", str(tmp_path / "absent.csv"), "--target", "churn"], "no such file"),
        (["--data", str(table), "--target", "label"], "has no column 'label'; its columns:"),
        (["--data", str(table), "--target", "churn", "--positive", "maybe"],
         "--positive 'maybe' is not a class of 'churn'"),
    ]:
        assert main(["benchmark", *arguments, *common]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("imbnn: error:") and message in err[0], err
    pd.DataFrame({"x": [1, 2, 3], "churn": ["no"] * 3}).to_csv(tmp_path / "one.csv", index=False)
    assert main(["benchmark", "--data", str(tmp_path / "one.csv"), "--target", "churn",
                 *common]) == 2
    assert "has one class ('no')" in capsys.readouterr().err


def test_missing_real_data_names_the_file(tmp_path, capsys, monkeypatch):
    # No network: every download address is made unreachable.
    from imbnn.datasets import _fetch

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(_fetch.urllib.request, "urlopen", offline)
    status = main(["benchmark", "--datasets", "ecoli", "--data-home", str(tmp_path), *FAST])
    assert status == 1
    err = capsys.readouterr().err
    assert "imbalanced_learn/zenodo/x1data.npz" in err and str(tmp_path) in err


def test_python_dash_m_runs_the_cli(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["imbnn", "benchmark", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("imbnn", run_name="__main__")
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--datasets", "--estimators", "--folds", "--output", "--n-jobs", "--backend"):
        assert option in out


def test_console_script_is_declared():
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["imbnn"] == "imbnn.cli:main"


# The example scripts of this module's topic: fit/predict_proba, cross_val_score,
# an imbalanced-learn pipeline and a benchmark. Run in this process (an interpreter
# start costs more than the small runs themselves).
EXAMPLES = [
    "fit_predict_proba.py",
    "cross_val_score_roc_auc.py",
    "imblearn_smote_pipeline.py",
    "benchmark_with_plots.py",
]


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_runs_in_small_mode(script, tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("IMBNN_EXAMPLE_SMALL", "1")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(REPO_ROOT / "examples" / script), run_name="__main__")
    assert capsys.readouterr().out.strip()
    if script == "benchmark_with_plots.py":
        assert (tmp_path / "example_benchmark" / "test_auc.png").is_file()
