"""AUMLinearClassifier (exact line search, no learning rate) against a learning-rate grid.

Fowler & Hocking (arXiv:2410.08635, 2024) claim that an exact line search makes AUM
gradient descent of a linear model as accurate as the best constant learning rate,
in less time than searching for that rate. Two parts:

``--part tasks``: on each task, test ROC AUC, iterations and times of

- ``AUMLinearClassifier`` (``line_search="first_min"``, 50% validation split, the
  iteration of best validation AUC kept);
- ``AUMClassifier(module=LinearNet)``, full-batch SGD at each of the 10 learning
  rates 1e-4 ... 1e2 a user would try, same 50% validation split and epoch choice;
  the rate of best validation AUC is kept (the test AUC of that rate is reported,
  the time of the whole grid too);
- ``LogisticRegression(class_weight="balanced")`` on all training rows.

Tasks: the SOAK tasks of ``benchmarks/reproduce_aum_soak.py`` (MNIST and
Fashion-MNIST, even vs odd digits, the "unbalanced" subset with 1% even digits),
``--n-train`` rows of it for training and ``--n-test`` other rows of it for testing,
pixels in [0, 1]; and imbalanced-learn sets, split in halves stratified, features
standardised on the training half.

``--part cost``: one line search against one AUM forward + backward
(:class:`imbnn.losses.AUMLoss`, float64) at n = 1e4, 1e5, 1e6, on synthetic scores
and a projected AUM gradient direction of a 20-feature linear model; medians of
alternated repeats. The walk is compiled by numba when it is installed;
``IMBNN_NO_NUMBA=1`` times the pure Python loop.

Usage::

    IMBNN_DATA=/work/shared/data OMP_NUM_THREADS=1 taskset -c 1 \\
        python benchmarks/bench_aum_linear.py --part tasks
    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_aum_linear.py --part cost
    IMBNN_NO_NUMBA=1 OMP_NUM_THREADS=1 taskset -c 0 \\
        python benchmarks/bench_aum_linear.py --part cost

``--quick`` runs a small version of both (to check the script).
"""

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from imbnn import _aum_line_search
from imbnn._aum_line_search import aum_line_search
from imbnn.datasets import load_fashion_mnist, load_imbalanced_learn, load_mnist
from imbnn.estimators import AUMClassifier, AUMLinearClassifier
from imbnn.losses import AUMLoss, aum_with_gradient
from imbnn.networks import LinearNet

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reproduce_aum_soak import soak_task  # noqa: E402  (the SOAK task, built once)

LEARNING_RATES = np.logspace(-4, 2, 10)
TABULAR = ["ecoli", "satimage", "abalone", "mammography"]


def image_task(loader, data_home, seed, n_train, n_test):
    task = soak_task(loader, data_home, seed)
    rows = np.flatnonzero(task["subset"] == "unbalanced")
    X, y = task["data"][rows].astype(np.float64), task["target"][rows]
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, train_size=n_train, stratify=y, random_state=seed
    )
    if n_test < len(y_rest):
        _, X_rest, _, y_rest = train_test_split(
            X_rest, y_rest, test_size=n_test, stratify=y_rest, random_state=seed
        )
    return X_train, y_train, X_rest, y_rest


def tabular_task(name, data_home, seed):
    X, y = load_imbalanced_learn(name, data_home=data_home, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, (y == 1).astype(int), test_size=0.5, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), y_train, scaler.transform(X_test), y_test


def run_task(name, X_train, y_train, X_test, y_test, seed, max_epochs):
    rows = []
    start = time.perf_counter()
    clf = AUMLinearClassifier(validation_fraction=0.5, random_state=seed).fit(X_train, y_train)
    total = time.perf_counter() - start
    best = clf.best_iteration_[0]
    rows.append(dict(
        task=name, estimator="AUMLinearClassifier", lr=np.nan, iterations=int(clf.n_iter_[0]),
        best_iteration=int(best), time_to_best=clf.history_[best]["time"], total_time=total,
        valid_auc=clf.history_[best]["valid_auc"],
        test_auc=roc_auc_score(y_test, clf.decision_function(X_test)),
    ))
    grid = []
    for lr in LEARNING_RATES:
        # The single best epoch, as the line search keeps its best iteration.
        net = AUMClassifier(
            module=LinearNet, optimizer=torch.optim.SGD, lr=lr, batch_size=-1,
            max_epochs=max_epochs, validation_fraction=0.5, patience=20, random_state=seed,
            average_best_epochs=None,
        )
        start = time.perf_counter()
        net.fit(X_train.astype(np.float32), y_train)
        fit_time = time.perf_counter() - start
        durations = np.asarray(net.history_[:, "dur"], dtype=float)
        valid = net.best_validation_auc_
        scores = net.decision_function(X_test.astype(np.float32))
        grid.append(dict(
            lr=lr, fit_time=fit_time, best_epoch=net.best_epoch_, n_epochs=net.n_epochs_,
            time_to_best=durations[: net.best_epoch_].sum(),
            valid_auc=valid if valid is not None and np.isfinite(valid) else -np.inf,
            test_auc=roc_auc_score(y_test, scores) if np.all(np.isfinite(scores)) else np.nan,
        ))
    grid = pd.DataFrame(grid)
    chosen = grid.loc[grid["valid_auc"].idxmax()]
    rows.append(dict(
        task=name, estimator="AUMClassifier(LinearNet), best lr", lr=chosen["lr"],
        iterations=int(chosen["n_epochs"]), best_iteration=int(chosen["best_epoch"]),
        time_to_best=chosen["time_to_best"], total_time=grid["fit_time"].sum(),
        valid_auc=chosen["valid_auc"], test_auc=chosen["test_auc"],
    ))
    start = time.perf_counter()
    logistic = LogisticRegression(class_weight="balanced", max_iter=5000).fit(X_train, y_train)
    total = time.perf_counter() - start
    rows.append(dict(
        task=name, estimator="LogisticRegression(balanced)", lr=np.nan,
        iterations=int(np.max(logistic.n_iter_)), best_iteration=np.nan, time_to_best=total,
        total_time=total, valid_auc=np.nan,
        test_auc=roc_auc_score(y_test, logistic.decision_function(X_test)),
    ))
    print(f"{name}: {len(y_train)} training rows ({y_train.sum()} positive), {len(y_test)} test "
          f"rows ({y_test.sum()} positive); lr grid test AUC by lr: "
          + ", ".join(f"{r.lr:.0e}: {r.test_auc:.3f}" for r in grid.itertuples()), flush=True)
    return rows


def tasks_part(args):
    data_home = args.data_home
    n_train, n_test = (600, 1000) if args.quick else (args.n_train, args.n_test)
    max_epochs = 10 if args.quick else args.max_epochs
    rows = []
    # Compile the numba walk (when installed) before anything is timed.
    aum_line_search(np.arange(3.0), np.ones(3), np.array([True, False, True]))
    for name, loader in (("fashion_mnist", load_fashion_mnist), ("mnist", load_mnist)):
        task = image_task(loader, data_home, args.seed, n_train, n_test)
        rows += run_task(f"{name} (SOAK 1% even)", *task, args.seed, max_epochs)
    for name in TABULAR[:1] if args.quick else TABULAR:
        rows += run_task(name, *tabular_task(name, data_home, args.seed), args.seed, max_epochs)
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.round(4).to_string(index=False))
    summary = table.pivot(index="task", columns="estimator", values=["test_auc", "total_time"])
    print(summary.round(4).to_string())


def median_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def cost_part(args):
    torch.set_num_threads(1)
    sizes = [10**3, 10**4] if args.quick else [10**4, 10**5, 10**6]
    loss = AUMLoss()
    kernel = "pure Python" if _aum_line_search._walk_compiled is None else "numba"
    print(f"walk kernel: {kernel}")
    print("n, method, crossings, line search s, AUM forward+backward s, ratio (medians)")
    for n in sizes:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(n, 20))
        beta = rng.normal(size=20)
        y = (X @ beta + 2 * rng.normal(size=n) > np.quantile(X @ beta, 0.9)).astype(int)
        coef = beta + rng.normal(size=20)
        coef /= np.linalg.norm(coef)
        scores = X @ coef
        _, gradient = aum_with_gradient(torch.from_numpy(scores), torch.from_numpy(y == 1))
        direction = -X.T @ gradient.numpy()
        direction -= (direction @ coef) * coef
        slopes = X @ direction
        target = torch.from_numpy(y)

        def forward_backward():
            tensor = torch.tensor(scores, requires_grad=True)
            loss(tensor, target).backward()

        # first_min walks up to n**2 / 2 crossings (8.8 million here at n = 1e4).
        methods = ["linear", "grid"] + (["first_min"] if n <= 10**4 else [])
        for method in methods:
            repeats = 3 if n < 10**6 else 1
            forward_backward()  # warm-up
            search, aum = [], []
            for _ in range(repeats):  # alternate the two sides
                aum += median_time(forward_backward, 1)
                start = time.perf_counter()
                result = aum_line_search(scores, slopes, y == 1, method=method)
                search.append(time.perf_counter() - start)
            s, a = np.median(search), np.median(aum)
            print(f"{n:>8}, {method:>9}, {result.n_crossings:>9}, {s:.4f}, {a:.4f}, {s / a:.1f}",
                  flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["tasks", "cost"], default="tasks")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--n-test", type=int, default=10000)
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.part == "tasks":
        tasks_part(args)
    else:
        cost_part(args)


if __name__ == "__main__":
    main()
