"""Reproduce the binary experiments of ALM (Sangalli et al., NeurIPS 2021) on (Fashion-)MNIST.

Sangalli, Erdil, Hoetker, Donati and Konukoglu, "Constrained Optimization to
Train Neural Networks on Critical and Under-Represented Classes" (arXiv:2102.12894),
Table 1: AUC and FPR at TPR 0.98 / 0.95 / 0.90 of base losses with and without the
ALM constraint, CIFAR-10 automobile (negative) vs truck (positive) at 1:100 and
1:200, ResNet-10, 10 seeds.

Here, on a shared 2-core CPU (so smaller than the paper, and said so):

- tasks: Fashion-MNIST T-shirt/top (negative) vs Shirt (positive), and MNIST 4
  (negative) vs 9 (positive): two similar classes each. Training data: all
  training-split negatives (about 6000) and positives down-sampled to 1:100 or
  1:200 (:func:`imbnn.datasets.make_imbalanced`, redrawn per seed); 20% of it held
  out, stratified, for validation (disjoint from training, unlike the released
  code). Test data: the test split's images of both classes (about 1000 each);
- network: LeNet-5 (:class:`imbnn.networks.LeNet5`; for LDAM with a cosine last
  layer, ``module__head="cosine"``, as Cao et al.), Adam (learning rate ``--lr``), batch 64, at most
  ``--max-epochs`` epochs, early stopping after ``--patience`` epochs without a
  better validation AUC, keeping the best-validation-AUC epoch (the paper: SGD,
  ResNet-10, 100 epochs, patience 30); ``--scoring`` chooses the epoch by another
  validation measure, ``--validation-fraction 0`` trains a fixed number of epochs;
- base losses: BCE, W-BCE (c = 1/3), symmetric focal (gamma = 0.5) and LDAM, each
  alone and with ALM (``--mu``, ``--delta``: one setting for all, where the paper
  tuned them per setting). The defaults ``mu=1e-2, delta=1.0`` were chosen by mean
  validation AUC among (1e-4, 0.25), (1e-3, 0.5) and (1e-2, 1.0) on two pilot seeds
  (100 and 101, not among the reported ones) of Fashion-MNIST 1:100 with BCE;
- ``--seeds`` seeds (the paper: 10).

A thin configuration on :class:`imbnn.benchmark.Benchmark`: each (task, ratio,
seed) is a data set whose one split is its training and test rows, with the
estimators of that seed (``--diagnose`` too). Finished fits are cached in ``--cache`` at once (an
interrupted run resumes), and appended to the CSV ``--out`` at the end; running
the script again on the same CSV skips the fits already there. ``--table`` prints, from
one or more CSVs, the paper's table form (mean and standard deviation over seeds),
the paired differences ALM minus base loss (same seed: same data, same initial
weights) with the seeds in which ALM lowered FPR at TPR 0.95, and the count of
settings that meet the paper's claim. ``--select`` adds ALM runs of other settings
(``mu``, ``delta``) and keeps, per setting, the one of higher mean validation AUC.

    IMBNN_DATA=../shared/data OMP_NUM_THREADS=1 python benchmarks/reproduce_alm.py --out alm.csv
    python benchmarks/reproduce_alm.py --table alm.csv
    python benchmarks/reproduce_alm.py --table alm.csv --select alm_mu01.csv
    IMBNN_DATA=../shared/data python benchmarks/reproduce_alm.py --diagnose --tasks fashion_shirt_vs_tshirt --ratios 100 --seeds 0 --losses BCE
"""

import argparse
import csv
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import binomtest
from sklearn.metrics import make_scorer
from sklearn.utils import Bunch

from imbnn.benchmark import Benchmark
from imbnn.datasets import load_fashion_mnist, load_mnist, make_imbalanced
from imbnn.estimators import ALMClassifier, NetClassifier
from imbnn.losses import loss_parameters
from imbnn.metrics import fpr_at_tpr
from imbnn.networks import LeNet5

TASKS = {
    # name: (loader, negative class, positive class)
    "fashion_shirt_vs_tshirt": (load_fashion_mnist, 0, 6),
    "mnist_9_vs_4": (load_mnist, 4, 9),
}
BASE_LOSSES = {
    "BCE": ("bce", {}),
    "W-BCE": ("weighted_bce", {"c": 1 / 3}),
    "S-FL": ("focal", {"gamma": 0.5}),
    "LDAM": ("ldam", {"max_margin": 0.5, "scale": 30.0}),
}
TPRS = (0.98, 0.95, 0.90)
FIELDS = [
    "task",
    "ratio",
    "seed",
    "base_loss",
    "alm",
    "mu",
    "delta",
    "n_train_positive",
    "n_train_negative",
    "epochs",
    "best_epoch",
    "valid_auc",
    "test_auc",
    "fpr_at_tpr_98",
    "fpr_at_tpr_95",
    "fpr_at_tpr_90",
    "seconds",
    "scoring",
]


def load_task(name, ratio, seed):
    loader, negative, positive = TASKS[name]
    splits = {}
    for subset in ("train", "test"):
        X, y = loader(subset=subset, return_X_y=True)
        keep = np.flatnonzero((y == negative) | (y == positive))
        splits[subset] = X[keep], y[keep]
    X, y = splits["train"]
    # binary=True: y_train is 1 for the positive class, 0 for the negative one.
    X_train, y_train = make_imbalanced(
        X, y, minority_classes=[positive], imbalance_ratio=ratio, random_state=seed
    )
    X_test, y_test = splits["test"]
    return X_train, y_train, X_test, (y_test == positive).astype(int)


def make_estimator(base_loss, alm, args, seed, class_counts):
    loss_name, loss_params = BASE_LOSSES[base_loss]
    common = dict(
        module=LeNet5,
        # LDAM on a cosine last layer, as Cao et al. and Sangalli et al.
        module__head="cosine" if base_loss == "LDAM" else "linear",
        batch_size=64,
        lr=args.lr,
        max_epochs=args.max_epochs,
        patience=args.patience,
        validation_fraction=args.validation_fraction,
        scoring=args.scoring,
        # the single best epoch, as the paper and the ALM arm's base network
        # (ALMClassifier averages its 3 best by default)
        average_best_epochs=None,
        random_state=seed,
    )
    if alm:
        prefixed = {f"base_loss__{key}": value for key, value in loss_params.items()}
        return ALMClassifier(
            base_loss=loss_name, mu=args.mu, delta=args.delta, **prefixed, **common
        )
    prefixed = {f"loss__{key}": value for key, value in loss_params.items()}
    # The class counts of the whole training data, as ALMClassifier's losses get them,
    # for the losses that take them (the others refuse an unknown parameter).
    if "class_counts" in (loss_parameters(loss_name) or ()):
        prefixed["loss__class_counts"] = class_counts
    return NetClassifier(loss=loss_name, **prefixed, **common)


def benchmark_task(task, ratio, seed):
    """One data set of the benchmark: training and test rows together, the test rows its split."""
    X_train, y_train, X_test, y_test = load_task(task, ratio, seed)
    train = np.arange(len(y_train))
    test = len(y_train) + np.arange(len(y_test))
    return Bunch(
        data=np.concatenate([X_train, X_test]),
        target=np.concatenate([y_train, y_test]),
        cv=[(train, test)],
        task=task,
        ratio=ratio,
        seed=seed,
        class_counts=np.bincount(y_train).tolist(),
    )


def run(args):
    """Every fit not in ``--out`` yet, through the benchmark (its cell cache resumes a run)."""
    done = done_keys(args.out)
    tasks = {
        f"{task}|{ratio}|{seed}": benchmark_task(task, ratio, seed)
        for task in args.tasks
        for ratio in args.ratios
        for seed in args.seeds
        if any((task, ratio, seed, loss, alm) not in done for loss in args.losses for alm in (0, 1))
    }

    def estimators(name, data):
        return {
            f"{base_loss}|{alm}": make_estimator(base_loss, alm, args, data.seed, data.class_counts)
            for base_loss in args.losses
            for alm in (0, 1)
            if (data.task, data.ratio, data.seed, base_loss, alm) not in done
        }

    if not tasks:
        return
    out = Path(args.out)
    cache = Path(args.cache) if args.cache else out.with_name(out.stem + "_cells")
    scoring = {
        f"fpr_at_tpr_{round(tpr * 100)}": make_scorer(
            fpr_at_tpr, response_method="decision_function", tpr=tpr
        )
        for tpr in TPRS
    }
    scores = Benchmark(
        estimators,
        tasks,
        output=cache,
        n_threads=args.threads,
        record_history=False,
        scoring=scoring,
    ).run()
    rows = []
    for cell in scores.itertuples(index=False):
        data = tasks[cell.dataset]
        base_loss, alm = cell.estimator.split("|")
        alm = int(alm)
        row = {
            "task": data.task,
            "ratio": data.ratio,
            "seed": data.seed,
            "base_loss": base_loss,
            "alm": alm,
            "mu": args.mu if alm else "",
            "delta": args.delta if alm else "",
            "n_train_positive": data.class_counts[1],
            "n_train_negative": data.class_counts[0],
            "epochs": int(cell.n_epochs),
            "best_epoch": int(cell.best_epoch),
            "valid_auc": (
                "" if np.isnan(cell.best_validation_auc) else round(cell.best_validation_auc, 5)
            ),
            "test_auc": round(cell.test_roc_auc, 5),
            "seconds": round(cell.fit_time, 1),
            "scoring": args.scoring if args.validation_fraction > 0 else "",
        }
        for tpr in TPRS:
            name = f"fpr_at_tpr_{round(tpr * 100)}"
            row[name] = round(getattr(cell, f"test_{name}"), 5)
        rows.append(row)
    write_header = not Path(args.out).exists()
    with open(args.out, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if write_header:
            writer.writeheader()
        writer.writerows(rows)


def subtrain_fpr_at_tpr_95(estimator, X, y):
    """FPR at TPR 0.95 on the rows a network trained on, its validation rows left out.

    A scorer for a split whose test rows are its training rows in the same order, so
    that the fitted network's ``validation_indices_`` index them.
    """
    trained = np.setdiff1d(np.arange(len(y)), estimator.validation_indices_)
    return fpr_at_tpr(y[trained], estimator.decision_function(X[trained]), tpr=0.95)


def diagnose(task, ratio, seed, base_loss, args):
    """Does the constraint act? FPR at TPR 0.95 on the training rows, without and with ALM.

    Prints, for one seed, the validation AUC of the kept epoch, the FPR at TPR 0.95
    on the rows the network trained on (validation rows excluded) and on the test
    rows: ALM should lower the first if it works as specified; whether the test
    FPR follows is the question the table answers. The benchmark scores each fit on
    the test rows (split 0) and on its own training rows (split 1, the same fit).
    """
    data = benchmark_task(task, ratio, seed)
    train, test = data.cv[0]
    data.cv = [(train, test), (train, train)]
    estimators = {
        base_loss + (" + ALM" if alm else ""): make_estimator(
            base_loss, alm, args, seed, data.class_counts
        )
        for alm in (False, True)
    }
    scoring = {
        "fpr_at_tpr_95": make_scorer(fpr_at_tpr, response_method="decision_function", tpr=0.95),
        "subtrain_fpr_at_tpr_95": subtrain_fpr_at_tpr_95,
    }
    scores = Benchmark(
        estimators,
        {task: data},
        n_threads=args.threads,
        record_history=False,
        scoring=scoring,
        progress=False,
    ).run()
    for name, rows in scores.groupby("estimator", sort=False):
        on_test, on_train = rows.set_index("split").loc[0], rows.set_index("split").loc[1]
        print(
            f"{name}: kept epoch {int(on_test.best_epoch)}, "
            f"validation AUC {on_test.best_validation_auc:.3f}, "
            f"FPR@TPR.95 on the training rows {on_train.test_subtrain_fpr_at_tpr_95:.3f}, "
            f"test AUC {on_test.test_roc_auc:.3f}, "
            f"test FPR@TPR.95 {on_test.test_fpr_at_tpr_95:.3f}",
            flush=True,
        )


def done_keys(path):
    if not Path(path).exists():
        return set()
    frame = pd.read_csv(path)
    return {
        (r.task, int(r.ratio), int(r.seed), r.base_loss, int(r.alm)) for r in frame.itertuples()
    }


METRICS = ["test_auc", "fpr_at_tpr_98", "fpr_at_tpr_95", "fpr_at_tpr_90"]
METRIC_NAMES = ["AUC", "FPR@TPR.98", "FPR@TPR.95", "FPR@TPR.90"]
SETTING = ["task", "ratio", "base_loss"]


def markdown(frame):
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += [
        "| " + " | ".join(str(cell) for cell in row) + " |" for row in frame.itertuples(False)
    ]
    return "\n".join(lines)


def read_results(paths):
    return pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)


def select_alm_rows(frame, alternatives):
    """Per setting, keep the ALM configuration (``mu``, ``delta``) of highest mean validation AUC.

    The candidates are the ALM rows of ``frame`` and of ``alternatives``; the base
    rows are those of ``frame``. This is the paper's per-setting tuning, on the
    validation split only.
    """
    candidates = pd.concat([frame[frame.alm == 1], alternatives[alternatives.alm == 1]])
    validation_auc = candidates.groupby(SETTING + ["mu", "delta"]).valid_auc.mean()
    best = validation_auc.groupby(SETTING).idxmax()
    chosen = candidates.set_index(SETTING + ["mu", "delta"]).loc[list(best)].reset_index()
    return pd.concat([frame[frame.alm == 0], chosen], ignore_index=True)


def seed_differences(frame):
    """ALM minus its base loss per setting and seed (same data, same initial weights), in points."""
    keys = SETTING + ["seed"]
    base = frame[frame.alm == 0].set_index(keys)
    alm = frame[frame.alm == 1].set_index(keys)
    if base.index.has_duplicates or alm.index.has_duplicates:
        raise ValueError("one base and one ALM row per setting and seed expected; pass --select")
    both = base.index.intersection(alm.index)
    difference = (alm.loc[both, METRICS] - base.loc[both, METRICS]) * 100
    difference["lower"] = difference.fpr_at_tpr_95 < 0
    # Near AUC 1 both networks often reach TPR 0.95 with no false positive at all.
    difference["equal"] = difference.fpr_at_tpr_95 == 0
    difference["base_epoch"] = base.loc[both, "best_epoch"]
    difference["alm_epoch"] = alm.loc[both, "best_epoch"]
    difference["mu"] = alm.loc[both, "mu"]
    return difference


def sign_test(difference):
    """Paired fits in which ALM lowered / raised FPR@TPR.95, and the two-sided sign test's p."""
    lower = int(difference.lower.sum())
    higher = int((difference.fpr_at_tpr_95 > 0).sum())
    return lower, higher, binomtest(lower, lower + higher, 0.5).pvalue if lower + higher else 1.0


def paired_differences(frame):
    """Per setting: mean (std) of the paired differences, seeds lower / equal, kept epochs."""
    difference = seed_differences(frame)
    rows = []
    for (task, ratio, base_loss), group in difference.groupby(SETTING):
        row = {"task": task, "ratio": f"1:{ratio}", "base loss": base_loss}
        row["mu"] = f"{group.mu.iloc[0]:g}"
        for metric, name in zip(METRICS, METRIC_NAMES):
            row[f"d{name}"] = f"{group[metric].mean():+.1f} ({group[metric].std(ddof=1):.1f})"
        row["FPR@TPR.95 lower / equal"] = (
            f"{group.lower.sum()} / {group.equal.sum()} of {len(group)}"
        )
        row["kept epoch (base / ALM)"] = (
            f"{group.base_epoch.median():g} / {group.alm_epoch.median():g}"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def print_table(frame):
    for (task, ratio), group in frame.groupby(["task", "ratio"]):
        print(
            f"\n{task}, 1:{ratio} ({group.seed.nunique()} seeds; mean (std) in %; "
            "AUC higher is better, FPR lower is better)"
        )
        print(f"| model | {' | '.join(METRIC_NAMES)} |")
        print("|---|---|---|---|---|")
        for base_loss in BASE_LOSSES:
            for alm in (0, 1):
                rows = group[(group.base_loss == base_loss) & (group.alm == alm)]
                if rows.empty:
                    continue
                cells = [
                    f"{100 * rows[m].mean():.1f} ({100 * rows[m].std(ddof=1):.1f})" for m in METRICS
                ]
                name = base_loss + (" + ALM" if alm else "")
                print(f"| {name} | {' | '.join(cells)} |")
    print("\nALM minus base, paired by seed, in points (mean (std)):")
    print(markdown(paired_differences(frame)))
    # The paper's claim, counted per setting: lower mean FPR@TPR.95, mean AUC not lower.
    means = frame.groupby(SETTING + ["alm"])[METRICS].mean().unstack("alm").dropna()
    lower_fpr = means[("fpr_at_tpr_95", 1)] < means[("fpr_at_tpr_95", 0)]
    auc_kept = means[("test_auc", 1)] >= means[("test_auc", 0)] - 0.005
    print(
        f"\nALM lowers mean FPR@TPR.95 in {int(lower_fpr.sum())} of {len(means)} settings, "
        f"with mean AUC within 0.005 or higher in {int((lower_fpr & auc_kept).sum())} of them."
    )
    # Pooled over seeds and settings: is ALM's FPR@TPR.95 lower more often than chance?
    difference = seed_differences(frame)
    groups = [(task, rows) for task, rows in difference.groupby("task")] + [("all", difference)]
    for name, rows in groups:
        lower, higher, p_value = sign_test(rows)
        print(
            f"{name}: ALM's FPR@TPR.95 lower in {lower}, higher in {higher} of {len(rows)} "
            f"paired fits (two-sided sign test p = {p_value:.2g})"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="alm_results.csv")
    parser.add_argument(
        "--cache", default=None, help="the benchmark's cell cache (default: --out stem + _cells)"
    )
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--ratios", nargs="+", type=int, default=[100, 200])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--losses", nargs="+", default=list(BASE_LOSSES), choices=list(BASE_LOSSES))
    parser.add_argument("--mu", type=float, default=1e-2)
    parser.add_argument("--delta", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--patience", type=int, default=6)
    parser.add_argument(
        "--validation-fraction",
        type=float,
        default=0.2,
        help="0: no validation, every fit trains --max-epochs epochs and keeps the last",
    )
    parser.add_argument(
        "--scoring",
        default="roc_auc",
        help="the validation measure that chooses the epoch (the paper: roc_auc)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--table",
        nargs="*",
        metavar="CSV",
        default=None,
        help="only print the tables, from these CSVs (concatenated) or, with none, from --out",
    )
    parser.add_argument(
        "--select",
        nargs="+",
        metavar="CSV",
        default=None,
        help="with --table: CSVs of other ALM settings; per setting, the ALM rows of "
        "highest mean validation AUC are kept",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="for the first task, ratio, seed and loss: FPR@TPR.95 on the training rows",
    )
    args = parser.parse_args()
    if args.table is not None:
        frame = read_results(args.table or [args.out])
        if args.select:
            frame = select_alm_rows(frame, read_results(args.select))
        print_table(frame)
        return
    torch.set_num_threads(args.threads)
    if args.diagnose:
        diagnose(args.tasks[0], args.ratios[0], args.seeds[0], args.losses[0], args)
        return
    print(
        f"torch {torch.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{args.threads} thread(s)"
    )
    if Path(args.out).exists() and list(pd.read_csv(args.out, nrows=0).columns) != FIELDS:
        raise SystemExit(f"{args.out} has other columns than this script writes; use a new --out.")
    run(args)


if __name__ == "__main__":
    main()
