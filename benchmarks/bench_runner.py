"""Cost of the Benchmark runner next to scikit-learn's ``cross_validate`` with the same metrics.

Both sides cross-validate the same estimator on the same folds of a small task and
compute the same seven test metrics: ROC AUC, AUM, accuracy, balanced accuracy,
g-mean and the false and true positive rates of ``predict`` (``cross_validate``
through scorers, the runner through its own scoring, which also keeps the ROC
curve). The runner works in memory (``output=None``, no progress bar), so the
figure is its bookkeeping and scoring, not disk. The two sides alternate in one
process; the median of the per-round ratios is the figure.

Target: the runner costs at most 1.5 times ``cross_validate``.

    OMP_NUM_THREADS=1 python benchmarks/bench_runner.py --repeats 30  # pinned to core 0
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np
import sklearn
import torch
from imblearn.metrics import geometric_mean_score
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn.benchmark import Benchmark
from imbnn.metrics import aum_score


def _fpr(y_true, y_pred):
    return float(np.mean(y_pred[y_true == 0] == 1))


def _tpr(y_true, y_pred):
    return float(np.mean(y_pred[y_true == 1] == 1))


SCORING = {
    "roc_auc": "roc_auc",
    "aum": make_scorer(
        aum_score, greater_is_better=False, response_method=("decision_function", "predict_proba")
    ),
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced_accuracy",
    "gmean": make_scorer(geometric_mean_score),
    "fpr_default": make_scorer(_fpr),
    "tpr_default": make_scorer(_tpr),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--core", type=int, default=0, help="the CPU core to pin to")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})  # one core: the two sides share it alike
    torch.set_num_threads(1)
    X, y = load_breast_cancer(return_X_y=True)
    y = 1 - y  # malignant as the positive class
    model = make_pipeline(StandardScaler(), LogisticRegression())
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=0)

    def with_sklearn():
        return cross_validate(model, X, y, cv=cv, scoring=SCORING)

    def with_runner():
        return Benchmark(
            {"logistic": model}, {"cancer": (X, y)}, cv=cv, progress=False
        ).run()

    # The same numbers on both sides, before any timing.
    ours, theirs = with_runner(), with_sklearn()
    np.testing.assert_allclose(ours["test_roc_auc"], theirs["test_roc_auc"])
    np.testing.assert_allclose(ours["test_aum"], -theirs["test_aum"], atol=1e-12)
    np.testing.assert_allclose(ours["test_gmean"], theirs["test_gmean"])
    for _ in range(3):  # warm-up
        with_sklearn(), with_runner()
    ratios, sklearn_times, runner_times = [], [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        with_sklearn()
        middle = time.perf_counter()
        with_runner()
        end = time.perf_counter()
        sklearn_times.append(middle - start)
        runner_times.append(end - middle)
        ratios.append((end - middle) / (middle - start))
    print(
        f"# {platform.machine()}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
        f"{torch.get_num_threads()} torch thread(s); breast cancer (569 x 30), "
        f"{args.folds} folds, StandardScaler + LogisticRegression, 7 metrics, "
        f"{args.repeats} rounds"
    )
    print("| cross_validate (ms, median) | Benchmark.run (ms, median) | ratio (median of rounds) |")
    print("|---|---|---|")
    print(
        f"| {1000 * statistics.median(sklearn_times):.1f} "
        f"| {1000 * statistics.median(runner_times):.1f} "
        f"| {statistics.median(ratios):.2f} |"
    )


if __name__ == "__main__":
    main()
