"""Reproduce the tabular comparison of the ReMix paper (its Table 2) on the shared UCI and imbalanced-learn data.

Bellinger, Corizzo and Japkowicz, "ReMix: Calibrated Resampling for Class
Imbalance in Deep Learning" (arXiv:2012.02312), Table 2: the sum over tasks of
each method's rank (1 = best) by g-mean (GM) and balanced Brier score (BBS).

Protocol (the paper's, except where noted):

- binary tasks: one class against the rest, the minority down-sampled to an
  imbalance ratio ``N+ / N-`` of 0.05, 0.025 and 0.01; multi-class tasks: the
  paper's optical digits (1, 2, 3 down-sampled) and Landsat (2, 3, 4
  down-sampled) at ratios 0.25, 0.1 and 0.05 of the largest class; the
  down-sampling is drawn anew for every repeat;
- repeated stratified 2-fold cross-validation (the paper: 10 repeats; here
  ``--repeats``, 2 by default because the CPU is shared);
- inputs standardised on the training fold; a 3-hidden-layer MLP (64 units each,
  the paper gives no width) with dropout 0.1, Adam (learning rate 1e-3), batch
  64, cross-entropy;
- a fixed number of epochs (``--epochs``, 60 by default) with the learning rate
  divided by 5 when the training loss stalls for 5 epochs (down to 1e-5), as in
  the authors' released experiment scripts (500 epochs there), and no early
  stopping. The paper holds 30% of the training fold out "for validation"; the
  authors' scripts only monitor it, so here the whole training fold is used.
  imbnn's default early stopping on the validation ROC AUC is switched off
  because it keeps the epoch where the AUC first peaks, often epoch 2 to 10, when
  the baseline still predicts only the majority class (g-mean 0): the AUC does not
  see the probability scale that the g-mean and the Brier score measure;
- methods: baseline, cost adjusted (``class_weight="balanced"``), SMOTE (an
  imbalanced-learn pipeline on the training fold; the paper applied SMOTE inside
  each mini-batch), MixUp and ReMix, both with the paper's ``alpha=0.1``; extra
  rows, not ranked with the five: ReMix with the class-balanced sampler and ReMix
  with imbnn's default ``alpha=0.3``.

A thin configuration on :class:`imbnn.benchmark.Benchmark` (its cell cache, timer
and parallel back ends) and :func:`imbnn.datasets.make_imbalanced` (the
down-sampling: ``minority_ratio`` rounded to the nearest row, at least 4 rows per
minority class). Each (task, ratio, repeat, fold) is one data set of the benchmark
with its own fold and its own seed (``1000 * repeat + fold``). Finished fits are
cached in ``--cache`` (default: ``--out`` without ``.csv`` plus ``_cells``), so an
interrupted run resumes; the per-fold table is written to ``--out``, keeping the
rows of an earlier ``--out`` that this run does not recompute.

    IMBNN_DATA=../shared/data OMP_NUM_THREADS=1 python benchmarks/reproduce_remix.py --out remix_results.csv
    OMP_NUM_THREADS=1 python benchmarks/reproduce_remix.py --repeats 1 --datasets segment ozone  # quick
"""

import argparse
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import ReduceLROnPlateau

from imbnn import datasets
from imbnn.benchmark import Benchmark
from imbnn.datasets import make_imbalanced
from imbnn.estimators import NetClassifier, ReMixClassifier
from imbnn.metrics import balanced_brier_score

BINARY_RATIOS = (0.05, 0.025, 0.01)
MULTICLASS_RATIOS = (0.25, 0.1, 0.05)
PAPER_METHODS = ("baseline", "cost adjusted", "SMOTE", "MixUp", "ReMix")
EXTRA_METHODS = ("ReMix sampler", "ReMix alpha=0.3")

# Binary: (loader, the minority class or classes). The paper's own choices where it
# used the data set (segment class 1 = brickface vs rest, Landsat 1 vs rest, COIL
# 2000 and ozone positives); optical digits 1 vs rest by the same convention; the
# imbalanced-learn sets keep their minority (+1).
BINARY = {
    "segment": ("load_image_segmentation", ["BRICKFACE"]),
    "landsat": ("load_landsat", [1]),
    "optdigits": ("load_optdigits", [1]),
    "ozone": ("load_ozone", [1]),
    "coil2000": ("load_coil2000", [1]),
    "abalone": ("imbalanced_learn:abalone", [1]),
    "us_crime": ("imbalanced_learn:us_crime", [1]),
}
# Multi-class: the paper's Table 1 (classes down-sampled).
MULTICLASS = {
    "optdigits-mc": ("load_optdigits", [1, 2, 3]),
    "landsat-mc": ("load_landsat", [2, 3, 4]),
}


def load(loader, data_home=None):
    """``(X, y)`` of a data set through :mod:`imbnn.datasets` (train and test files together)."""
    if loader.startswith("imbalanced_learn:"):
        name = loader.split(":", 1)[1]
        X, y = datasets.load_imbalanced_learn(name, data_home=data_home, return_X_y=True)
        return X, (np.asarray(y) == 1).astype(int)
    if loader == "load_ozone":
        return datasets.load_ozone(data_home=data_home, return_X_y=True)
    return getattr(datasets, loader)(subset="all", data_home=data_home, return_X_y=True)


def make_methods(n_minority_train, random_state, epochs):
    network = dict(
        hidden_layer_sizes=(64, 64, 64),
        module__dropout=0.1,
        lr=1e-3,
        optimizer__fused=True,  # the same Adam, in fewer kernels: twice as fast on a CPU
        batch_size=64,
        max_epochs=epochs,
        validation_fraction=0.0,
        callbacks=[
            LRScheduler(
                policy=ReduceLROnPlateau, monitor="train_loss", factor=0.2, patience=5, min_lr=1e-5
            )
        ],
        random_state=random_state,
    )
    smote = SMOTE(k_neighbors=min(5, n_minority_train - 1), random_state=random_state)
    methods = {
        "baseline": NetClassifier(**network),
        "cost adjusted": NetClassifier(class_weight="balanced", **network),
        "SMOTE": make_imblearn_pipeline(
            SimpleImputer(), StandardScaler(), smote, NetClassifier(**network)
        ),
        "MixUp": ReMixClassifier(alpha=0.1, resampling=None, **network),
        "ReMix": ReMixClassifier(alpha=0.1, resampling="batch", **network),
        "ReMix sampler": ReMixClassifier(alpha=0.1, resampling="sampler", **network),
        "ReMix alpha=0.3": ReMixClassifier(alpha=0.3, resampling="batch", **network),
    }
    # Ozone has missing values: column means of the training fold, as the authors did.
    return {
        name: method if name == "SMOTE" else make_pipeline(SimpleImputer(), StandardScaler(), method)
        for name, method in methods.items()
    }


KEY = ["task", "kind", "ratio", "repeat", "fold", "method"]


def balanced_brier(estimator, X, y):
    """The balanced Brier score of the test rows (a scorer for the benchmark)."""
    return balanced_brier_score(y, estimator.predict_proba(X), labels=estimator.classes_)


def folds(names, repeats, data_home=None):
    """One benchmark data set per (task, ratio, repeat, fold): its rows, fold and seed."""
    for kind, table, ratios in (
        ("binary", BINARY, BINARY_RATIOS),
        ("multiclass", MULTICLASS, MULTICLASS_RATIOS),
    ):
        for task, (loader, minority) in table.items():
            if names and task not in names:
                continue
            X, y = load(loader, data_home)
            X = np.asarray(X, dtype=np.float32)
            y = np.asarray(y)
            if kind == "binary":
                y = np.isin(y, minority).astype(int)
                task_minority = [1]
            else:
                classes, y = np.unique(y, return_inverse=True)
                task_minority = [int(np.searchsorted(classes, label)) for label in minority]
            for ratio in ratios:
                for repeat in range(repeats):
                    # Drawn anew for every repeat.
                    Xr, yr = make_imbalanced(
                        X, y, minority_classes=task_minority, minority_ratio=ratio,
                        binary=kind == "binary", rounding="nearest", min_minority=4,
                        random_state=repeat,
                    )
                    splits = StratifiedKFold(2, shuffle=True, random_state=repeat).split(Xr, yr)
                    for fold, (train, test) in enumerate(splits):
                        yield f"{task}|{ratio}|{repeat}|{fold}", Bunch(
                            data=Xr, target=yr, cv=[(train, test)], task=task, kind=kind,
                            ratio=ratio, repeat=repeat, fold=fold, seed=1000 * repeat + fold,
                            n_minority_train=int(np.bincount(yr[train]).min()),
                        )


def summarise(results, repeats, methods=PAPER_METHODS):
    """Per-task means over the first ``repeats`` repeats and the sum of ranks per kind (Table 2)."""
    results = results[results["method"].isin(methods) & (results["repeat"] < repeats)]
    means = results.groupby(["kind", "task", "ratio", "method"])[["g_mean", "balanced_brier"]].mean()
    counts = results.groupby(["kind", "task", "ratio", "method"]).size()
    means = means[counts == 2 * repeats]  # only cells whose folds are all done
    wide = means.unstack("method")
    complete = wide.dropna()
    ranks = pd.concat(
        {
            "GM": complete["g_mean"].rank(axis=1, ascending=False),
            "BBS": complete["balanced_brier"].rank(axis=1, ascending=True),
        },
        axis=1,
    )
    # Rows: methods in the paper's order; columns: (kind, GM/BBS) as in Table 2.
    rank_sums = ranks.groupby(level="kind").sum().stack("method", future_stack=True).unstack("kind")
    rank_sums = rank_sums.swaplevel(axis=1).sort_index(axis=1, level=0, sort_remaining=False)
    rank_sums = rank_sums.reindex([m for m in methods if m in rank_sums.index])
    n_tasks = complete.groupby(level="kind").size()
    rank_sums.columns = [f"{kind} {metric} ({n_tasks[kind]} tasks)" for kind, metric in rank_sums.columns]
    return wide, ranks, rank_sums


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="remix_results.csv")
    parser.add_argument("--cache", default=None, help="the benchmark's folder (cell cache)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--datasets", nargs="*", default=None, help="task names (default: all)")
    parser.add_argument("--methods", nargs="*", default=list(PAPER_METHODS + EXTRA_METHODS))
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--data-home", default=None, help="default: $IMBNN_DATA or imbnn's cache")
    args = parser.parse_args(argv)

    out = Path(args.out)
    cache = Path(args.cache) if args.cache else out.with_name(out.stem + "_cells")
    previous = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=KEY)
    done = {
        (r.task, r.kind, float(r.ratio), int(r.repeat), int(r.fold), r.method)
        for r in previous.itertuples()
    }
    tasks = dict(folds(args.datasets, args.repeats, args.data_home))

    def estimators(name, data):
        # Rows of an earlier --out are kept, not recomputed.
        methods = make_methods(data.n_minority_train, data.seed, args.epochs)
        key = (data.task, data.kind, float(data.ratio), data.repeat, data.fold)
        return {m: methods[m] for m in args.methods if (*key, m) not in done}

    todo = {name: task for name, task in tasks.items() if estimators(name, task)}
    print(f"{len(done)} cells already in {out}; {len(todo)} folds to run", flush=True)
    if todo:
        bench = Benchmark(
            estimators, todo, output=cache, n_jobs=args.n_jobs, record_history=False,
            scoring={"balanced_brier": balanced_brier},
        )
        scores = bench.run()
        fresh = pd.DataFrame(
            {
                **{field: [todo[name][field] for name in scores["dataset"]]
                   for field in ("task", "kind", "ratio", "repeat", "fold")},
                "method": scores["estimator"],
                "g_mean": scores["test_gmean"],
                "balanced_brier": scores["test_balanced_brier"],
                "epochs": scores["n_epochs"],
                "best_epoch": scores["best_epoch"],
                "fit_seconds": scores["fit_time"],
                "n_train": scores["n_train"],
                "n_minority_train": [todo[name].n_minority_train for name in scores["dataset"]],
            }
        )
        pd.concat([previous, fresh], ignore_index=True).to_csv(out, index=False)

    results = pd.read_csv(out)
    wide, ranks, rank_sums = summarise(results, args.repeats)
    pd.set_option("display.width", 200)
    print(f"\n{platform.machine()}, torch {torch.__version__}, OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS')}; {args.repeats} repeat(s) of 2-fold CV, "
          f"{args.epochs} epochs")
    print("\nSum of ranks (lower is better), the paper's five methods:")
    print(rank_sums.to_string())
    print("\nMean g-mean per task:")
    print(wide["g_mean"].round(3).to_string())
    print("\nMean balanced Brier score per task:")
    print(wide["balanced_brier"].round(3).to_string())
    extra = [m for m in EXTRA_METHODS if m in set(results["method"])]
    if extra:
        for name in extra:
            _, _, sums = summarise(results, args.repeats, methods=PAPER_METHODS[:-1] + (name,))
            print(f"\nSum of ranks with {name!r} in place of ReMix:")
            print(sums.to_string())


if __name__ == "__main__":
    main()
