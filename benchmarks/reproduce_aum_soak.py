"""Reproduce the AUM result of the SOAK experiment (Hocking's AUM talk, 2025) on MNIST, Fashion-MNIST.

Protocol (T. D. Hocking, "Neural networks for imbalanced classification: proposed
AUM loss with mlr3torch in R", 2025, https://tdhock.github.io/blog/2025/unbalanced/):

- all 70,000 images of each data set, label 1 = even class (0, 2, 4, 6, 8), 0 = odd;
- rows split at random (stratified by original class) into two halves, the
  subsets "balanced" and "unbalanced"; in "unbalanced" the even class is
  down-sampled to 1% of the subset (stratified by original class);
- SOAK cross-validation (:class:`imbnn.model_selection.SameOtherAllCV`), 3 folds,
  training on Same and Other subsets, so that every test set is predicted by a
  model trained on the unbalanced subset and by one trained on the balanced one;
- a linear model (:class:`imbnn.networks.LinearNet`), full-batch SGD with learning
  rate 0.1, 400 epochs, the epoch of largest ROC AUC on a 50% validation split
  kept (no early stop: patience 400), pixels scaled to [0, 1];
- estimators: AUMClassifier (rate; the single best epoch kept, as in the protocol,
  unless ``--aum-average-best-epochs``), NetClassifier with cross-entropy plain and
  class-weighted ("balanced"), FeaturelessClassifier.

Published (talk, Fashion-MNIST, linear, unbalanced training): AUM 0.984 vs
logistic 0.925.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/reproduce_aum_soak.py --output aum_soak_results

A thin configuration on :class:`imbnn.benchmark.Benchmark` (its cell cache, fit
timer and parallel back ends), with the task made by
:func:`imbnn.datasets.make_imbalanced_subsets`. Re-running on the same output skips
finished fits. ``--small`` runs a quick
version (4,000 rows per data set, 50 epochs) to check the script. ``--checks``
adds, on the first fold's unbalanced training set, plain cross-entropy trained
``--long-epochs`` (4,000) epochs and the networks on centred pixels: the two
explanations of why plain cross-entropy lags at 400 epochs.
"""

import argparse

import numpy as np
import pandas as pd
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn.benchmark import Benchmark
from imbnn.datasets import load_fashion_mnist, load_mnist, make_imbalanced_subsets
from imbnn.estimators import AUMClassifier, FeaturelessClassifier, NetClassifier
from imbnn.model_selection import SameOtherAllCV, soak_ttest
from imbnn.networks import LinearNet

EVEN = [0, 2, 4, 6, 8]


def soak_task(loader, data_home, seed, n_rows=None):
    """Rows of both subsets with binary labels (1 = even) and the subset of each row."""
    X, digit = loader(subset="all", data_home=data_home, return_X_y=True)
    return make_imbalanced_subsets(
        X, digit, minority_classes=EVEN, minority_proportion=0.01, n_samples=n_rows,
        random_state=seed,
    )


def estimators(max_epochs, lr, seed, aum_average_best_epochs=None):
    """The four estimators of the protocol; AUM keeps its best epoch unless told to average."""
    common = dict(
        module=LinearNet,
        optimizer=torch.optim.SGD,
        lr=lr,
        batch_size=-1,
        max_epochs=max_epochs,
        validation_fraction=0.5,
        patience=max_epochs,
        random_state=seed,
    )
    return {
        "featureless": FeaturelessClassifier(),
        "cross_entropy": NetClassifier(**common),
        "cross_entropy_balanced": NetClassifier(class_weight="balanced", **common),
        "aum": AUMClassifier(**common, average_best_epochs=aum_average_best_epochs),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="aum_soak_results")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--datasets", nargs="+", default=["fashion_mnist", "mnist"])
    parser.add_argument("--max-epochs", type=int, default=400)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--small", action="store_true", help="4,000 rows per data set and 50 epochs"
    )
    parser.add_argument(
        "--checks",
        action="store_true",
        help="on the first fold's unbalanced training set, also train plain cross-entropy "
        "--long-epochs epochs, and every network on centred pixels",
    )
    parser.add_argument("--long-epochs", type=int, default=4000)
    parser.add_argument(
        "--estimators", nargs="+", default=None,
        help="run only these of featureless, cross_entropy, cross_entropy_balanced, aum",
    )
    parser.add_argument(
        "--aum-average-best-epochs", type=int, default=None,
        help="AUM ends with the mean weights of this many best epochs (AUMClassifier's "
        "default is 5; the protocol keeps the single best epoch)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    loaders = {"fashion_mnist": load_fashion_mnist, "mnist": load_mnist}
    n_rows = 4000 if args.small else None
    max_epochs = 50 if args.small else args.max_epochs
    datasets = {
        name: soak_task(loaders[name], args.data_home, args.seed, n_rows) for name in args.datasets
    }
    for name, task in datasets.items():
        for subset in ("balanced", "unbalanced"):
            rows = task["subset"] == subset
            print(
                f"{name} {subset}: {rows.sum()} rows, {task['target'][rows].mean():.2%} even; per "
                f"digit {np.bincount(task['original_target'][rows], minlength=10).tolist()}"
            )
    cv = SameOtherAllCV(
        n_splits=args.folds, train_subsets=("same", "other"), random_state=args.seed
    )
    chosen = estimators(max_epochs, args.lr, args.seed, args.aum_average_best_epochs)
    unknown = sorted(set(args.estimators or ()) - set(chosen))
    if unknown:
        parser.error(f"unknown estimator(s) {unknown}; choose from {sorted(chosen)}")
    if args.estimators:
        chosen = {name: chosen[name] for name in args.estimators}
    bench = Benchmark(
        chosen,
        datasets,
        cv=cv,
        output=args.output,
        n_jobs=args.n_jobs,
    )
    scores = bench.run()
    # Cells that share their training rows share one fit: count each fit once.
    fits = scores.assign(training=training_subset(scores)).drop_duplicates(
        ["dataset", "estimator", "test_fold", "training"]
    )
    print(
        f"{len(scores)} cells, {len(fits)} fits ({bench.n_cached_} cells cached); "
        f"{fits['fit_time'].sum():.0f} s of fitting"
    )
    report(scores)
    if args.checks:
        fold0_checks(datasets, cv, args)


def fold0_checks(datasets, cv, args):
    """Why plain cross-entropy lags: more epochs, and centred pixels, on fold 0.

    On the first fold's unbalanced training set: plain cross-entropy trained
    ``--long-epochs`` epochs, and the three networks on centred pixels (training means
    subtracted, as a StandardScaler without scaling) for the usual epochs.
    """
    nets = estimators(args.max_epochs, args.lr, args.seed)
    checks = {
        f"cross_entropy_{args.long_epochs}_epochs": estimators(
            args.long_epochs, args.lr, args.seed
        )["cross_entropy"]
    }
    for name in ("cross_entropy", "cross_entropy_balanced", "aum"):
        checks[f"{name}_centred"] = make_pipeline(StandardScaler(with_std=False), nets[name])
    for name, task in datasets.items():
        splits = [
            (train, test)
            for info, train, test in cv.split_with_info(
                task["data"], task["target"], subset=task["subset"]
            )
            if info["test_fold"] == 0
            and (info["test_subset"] == "unbalanced") == (info["train_subsets"] == "same")
        ]
        bench = Benchmark(
            checks, {name: task}, cv=splits, output=f"{args.output}/fold0_checks", progress=False
        )
        scores = bench.run()
        print(f"\n{name}, fold 0, trained on the unbalanced subset:")
        for estimator, rows in scores.groupby("estimator", sort=False):
            history = bench.history_[
                (bench.history_["estimator"] == estimator) & (bench.history_["split"] == 0)
            ]
            valid = history.set_index("epoch")["valid_auc"]
            checkpoints = [e for e in (100, 400, 1000, 2000, 4000) if e <= len(valid)]
            print(
                f"  {estimator}: epoch kept {int(rows['best_epoch'].iloc[0])}; test ROC AUC "
                + ", ".join(
                    f"{subset} {auc:.4f}"
                    for subset, auc in zip(("balanced", "unbalanced"), rows["test_roc_auc"])
                )
                + "; best validation AUC by epoch "
                + ", ".join(f"{e}: {valid.loc[:e].max():.4f}" for e in checkpoints)
            )


def training_subset(scores):
    """The subset each cell trained on: Same on the unbalanced test subset and Other on
    the balanced one both train on the unbalanced subset."""
    unbalanced_training = (scores["test_subset"] == "unbalanced") == (
        scores["train_subsets"] == "same"
    )
    return np.where(unbalanced_training, "unbalanced", "balanced")


def report(scores):
    """Tables of test ROC AUC and epochs by training subset (unbalanced / balanced)."""
    scores = scores.assign(training=training_subset(scores))
    order = ["aum", "cross_entropy", "cross_entropy_balanced", "featureless"]
    pd.set_option("display.width", 200)
    for training in ("unbalanced", "balanced"):
        rows = scores[scores["training"] == training]
        table = rows.groupby(["dataset", "estimator", "test_subset"])["test_roc_auc"].agg(
            ["mean", "std", "count"]
        )
        print(f"\nTrained on the {training} subset: test ROC AUC over folds")
        print(table.unstack("test_subset").round(4).reindex(order, level="estimator").to_string())
        # Both test subsets of a fold share the training set: take the epochs once.
        epochs = rows[(rows["test_subset"] == "unbalanced") & rows["best_epoch"].notna()]
        print(f"\nTrained on the {training} subset: epoch of best validation AUC (per fold)")
        print(
            epochs.groupby(["dataset", "estimator"])["best_epoch"]
            .agg(lambda e: e.astype(int).tolist())
            .reindex(order[:3], level="estimator")
            .to_string()
        )
        pooled = rows.groupby(["dataset", "estimator"])["test_roc_auc"].mean().unstack("estimator")
        if {"aum", "cross_entropy"} <= set(pooled.columns):
            print("\nAUM minus plain cross-entropy (mean over folds and both test subsets):")
            print((pooled["aum"] - pooled["cross_entropy"]).round(4).to_string())
    print("\nSOAK paired t-tests (Other - Same, per test subset):")
    print(soak_ttest(scores).round(4).to_string())


if __name__ == "__main__":
    main()
