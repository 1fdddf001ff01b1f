"""Decision thresholds tuned on validation data, imbalanced Fashion-MNIST, against a reference run.

The reference, an earlier threshold-tuning study of this set-up, trains a small
CNN on imbalanced subsets of Fashion-MNIST, tunes decision thresholds on a 20%
validation split for accuracy, and compares the tuned and the default (argmax /
0.5) test accuracy. Its 10-class result for categorical cross-entropy is 0.890 tuned
vs 0.887 default (best of its three rules, "relative").

Tasks (per-class fractions kept, applied to the training and to the test images):

- ``ten``: class c of the 10 kept at 90, 80, ..., 10, 5 %;
- ``three``: T-shirt, trouser, pullover at 90/7/3, 80/15/5, 70/20/10, 60/30/10;
- ``binary``: T-shirt vs trouser at 90/10, 80/20, 70/30, 60/40.

For the 3-class and binary tasks the largest class keeps all its 6,000 training
(1,000 test) images and the others are sub-sampled to the stated ratio.

The network is imbnn's ``LeNet5`` (two convolutions, three dense layers), smaller
than the reference's three-convolution Keras CNN, trained with Adam and early stopping on
an inner 10% of the training part. One network per task and loss is trained on the
80% training part; each rule is tuned on the 20% validation part with
``TunedThresholdClassifier(..., cv="prefit", refit=False, scoring="accuracy")``.

A thin configuration on :class:`imbnn.benchmark.Benchmark` and :mod:`imbnn.datasets`:
each (task, split, seed) is a data set whose split 0 tests on the validation part
and split 1 on the test images, from the same training rows, so that each network is
fitted once and its probabilities on both parts are kept (``keep_predictions``).
``--cache`` keeps the finished fits, so that an interrupted run resumes. The class
sub-sampling is :func:`imbnn.datasets.make_imbalanced`.

Run (about 10 minutes of one CPU core for ``--tasks ten``; ``--small``, a minute or
two, checks the script)::

    OMP_NUM_THREADS=1 python benchmarks/reproduce_fashion_mnist_thresholds.py --tasks ten
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from imbnn.benchmark import Benchmark
from imbnn.datasets import load_fashion_mnist, make_imbalanced
from imbnn.estimators import NetClassifier
from imbnn.networks import LeNet5
from imbnn.thresholds import TunedThresholdClassifier

from bench_thresholds import StoredProbabilities  # noqa: E402  (this folder)

TEN_FRACTIONS = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
THREE_SPLITS = [(90, 7, 3), (80, 15, 5), (70, 20, 10), (60, 30, 10)]
BINARY_SPLITS = [(90, 10), (80, 20), (70, 30), (60, 40)]
METHODS = ["relative", "absolute", "tree"]
# the reference's numbers (its tables; "best" is its best rule per row)
SEED_TEN = {
    "cross_entropy": ("relative", 0.890, 0.887),
    "pairwise_hinge": ("absolute", 0.895, 0.880),
    "soft_balanced_accuracy": ("absolute", 0.821, 0.812),
    "soft_f1": ("relative", 0.852, 0.849),
}


def subsample(X, y, classes, fractions, rng):
    """Rows of ``classes``, each class sub-sampled to its fraction.

    The tasks' classes are Fashion-MNIST's first labels (0..k-1), so the labels stay.
    """
    keep = np.isin(y, classes)
    return make_imbalanced(
        X[keep],
        y[keep],
        class_fractions=dict(zip(classes, fractions)),
        binary=False,
        rounding="nearest",
        random_state=rng,
    )


def ratio_fractions(ratio):
    """Per-class fractions so the largest class keeps everything and the others follow ``ratio``."""
    largest = max(ratio)
    return [share / largest for share in ratio]


def tasks(names):
    for name in names:
        if name == "ten":
            yield "ten", "10 classes at 90..10,5%", list(range(10)), TEN_FRACTIONS
        elif name == "three":
            for split in THREE_SPLITS:
                yield "three", "/".join(map(str, split)), [0, 1, 2], ratio_fractions(split)
        elif name == "binary":
            for split in BINARY_SPLITS:
                yield "binary", "/".join(map(str, split)), [0, 1], ratio_fractions(split)


def proba_file(folder, loss, classes, fractions, seed):
    return (
        folder / f"{loss}_{len(classes)}_{'-'.join(f'{f:.2f}' for f in fractions)}_seed{seed}.npz"
    )


def benchmark_task(data, classes, fractions, args, seed):
    """One data set of the benchmark: the task's training, validation and test rows."""
    rng = np.random.default_rng(seed)
    X_all, y_all, X_test_all, y_test_all = data
    X, y = subsample(X_all, y_all, classes, fractions, rng)
    X_test, y_test = subsample(X_test_all, y_test_all, classes, fractions, rng)
    if args.train_fraction < 1:
        X, _, y, _ = train_test_split(
            X, y, train_size=args.train_fraction, stratify=y, random_state=seed
        )
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    train = np.arange(len(y_train))
    validation = len(y_train) + np.arange(len(y_val))
    test = len(y_train) + len(y_val) + np.arange(len(y_test))
    return Bunch(
        data=np.concatenate([X_train, X_val, X_test]),
        target=np.concatenate([y_train, y_val, y_test]),
        cv=[(train, validation), (train, test)],
        seed=seed,
    )


def train_networks(data, jobs, args):
    """Train one CNN per data set and loss through the benchmark; their probabilities.

    ``jobs`` maps a data set name to ``(classes, fractions, seed)``. Returns, per
    ``(name, loss)``, the validation and test probabilities and the fit's figures.
    """
    datasets = {
        name: benchmark_task(data, classes, fractions, args, seed)
        for name, (classes, fractions, seed) in jobs.items()
    }

    def estimators(name, task):
        return {
            loss: NetClassifier(
                module=LeNet5,
                loss=loss,
                max_epochs=args.max_epochs,
                patience=args.patience,
                batch_size=128,
                lr=1e-3,
                validation_fraction=0.1,
                random_state=task.seed,
            )
            for loss in args.losses
        }

    bench = Benchmark(
        estimators,
        datasets,
        output=args.cache,
        n_threads=args.threads,
        record_history=False,
        keep_predictions=True,
    )
    scores = bench.run().set_index(["dataset", "estimator", "split"])
    predictions = bench.predictions_.set_index(["dataset", "estimator", "split"])
    networks = {}
    for name, task in datasets.items():
        (_, validation), (_, test) = task.cv
        classes = jobs[name][0]
        for loss in args.losses:
            fit = scores.loc[(name, loss, 1)]
            networks[name, loss] = {
                "proba_validation": _proba(predictions.loc[(name, loss, 0)], classes),
                "y_validation": task.target[validation],
                "proba_test": _proba(predictions.loc[(name, loss, 1)], classes),
                "y_test": task.target[test],
                "n_train": int(fit["n_train"]),
                "epochs": int(fit["n_epochs"]),
                "best_epoch": int(fit["best_epoch"]),
                "fit_seconds": float(fit["fit_time"]),
            }
    return networks


def _proba(rows, classes):
    # The table has a column per class of every task: this task's columns.
    return rows[[f"proba_{label}" for label in classes]].to_numpy()


def run_task(network, seed):
    """Tune every rule on a network's validation probabilities; its accuracies."""
    y_val, y_test = network["y_validation"], network["y_test"]
    # the rules are tuned and applied through the public estimator, on the network's
    # stored probabilities (rows 0..n_val-1 validation, then the test rows)
    stored = StoredProbabilities(
        np.concatenate([network["proba_validation"], network["proba_test"]])
    )
    validation_rows = np.arange(len(y_val))[:, None]
    test_rows = len(y_val) + np.arange(len(y_test))[:, None]
    default_test = accuracy_score(y_test, stored.predict_proba(test_rows).argmax(axis=1))
    rows = {}
    for method in METHODS:
        start = time.perf_counter()
        tuned = TunedThresholdClassifier(
            stored, method=method, scoring="accuracy", cv="prefit", refit=False, random_state=seed
        ).fit(validation_rows, y_val)
        rows[method] = {
            "tuned_test": accuracy_score(y_test, tuned.predict(test_rows)),
            "default_test": default_test,
            "tuned_validation": tuned.best_score_,
            "default_validation": tuned.default_score_,
            "thresholds": None if tuned.thresholds_ is None else tuned.thresholds_.tolist(),
            "tune_seconds": time.perf_counter() - start,
        }
    return {
        "n_train": int(network["n_train"]),
        "n_validation": len(y_val),
        "n_test": len(y_test),
        "epochs": int(network["epochs"]),
        "best_epoch": int(network["best_epoch"]),
        "fit_seconds": float(network["fit_seconds"]),
        "methods": rows,
    }


def print_summary(results):
    """Mean change over seeds per task, loss and rule, and how often tuning lowered accuracy."""
    groups = {}
    for result in results:
        for method, row in result["methods"].items():
            key = (result["task"], result["split"], result["loss"], method)
            groups.setdefault(key, []).append((row["tuned_test"], row["default_test"]))
    print(
        "\n| task | split | loss | rule | seeds | tuned test acc. (mean) | default (mean) | mean change | seeds lowered |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (task, split, loss, method), pairs in groups.items():
        tuned, default = np.array(pairs).T
        print(
            f"| {task} | {split} | {loss} | {method} | {len(pairs)} | {tuned.mean():.4f} | {default.mean():.4f} | "
            f"{(tuned - default).mean():+.4f} | {int(np.sum(tuned < default))} |"
        )


def print_tables(results):
    for result in results:
        header = f"\n{result['task']} {result['split']} | loss {result['loss']} | seed {result['seed']} | "
        header += f"train {result['n_train']}, validation {result['n_validation']}, test {result['n_test']}"
        header += f" | {result['epochs']} epochs (best {result['best_epoch']}), fit {result['fit_seconds']:.0f} s"
        print(header)
        print(
            "| rule | tuned test acc. | default test acc. | change | tuned val. | default val. | cut on p_1 |"
        )
        print("|---|---|---|---|---|---|---|")
        for method, row in result["methods"].items():
            cut = (
                f"{row['thresholds'][1]:.3f}"
                if result["task"] == "binary" and row["thresholds"]
                else ""
            )
            print(
                f"| {method} | {row['tuned_test']:.4f} | {row['default_test']:.4f} | "
                f"{row['tuned_test'] - row['default_test']:+.4f} | {row['tuned_validation']:.4f} | "
                f"{row['default_validation']:.4f} | {cut} |"
            )
        if result["task"] == "ten" and result["loss"] in SEED_TEN:
            best, tuned, default = SEED_TEN[result["loss"]]
            print(
                f"reference ({result['loss']}): best rule {best}, "
                f"tuned {tuned:.3f} / default {default:.3f}"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", default=["ten"], choices=["ten", "three", "binary"])
    parser.add_argument("--losses", nargs="+", default=["cross_entropy"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument(
        "--train-fraction",
        type=float,
        default=1.0,
        help="keep this stratified fraction of each task's training images (CPU budget)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="the benchmark's folder: finished fits are kept there, so a re-run resumes",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="a quick check of the script: 5%% of the training images, 2 epochs",
    )
    parser.add_argument(
        "--save-proba",
        type=Path,
        default=None,
        help="save each network's validation and test probabilities (.npz) in this folder",
    )
    parser.add_argument(
        "--from-proba",
        action="store_true",
        help="do not train: re-tune on the probabilities saved in --save-proba by an earlier run",
    )
    args = parser.parse_args(argv)
    if args.small:
        args.train_fraction, args.max_epochs, args.patience = 0.05, 2, 2
    torch.set_num_threads(args.threads)

    if args.from_proba and args.save_proba is None:
        parser.error("--from-proba needs --save-proba")
    # One network per (task, split, seed) and loss: a data set of the benchmark each.
    jobs = {
        f"{task}|{split}|{seed}": (classes, fractions, seed)
        for task, split, classes, fractions in tasks(args.tasks)
        for seed in args.seeds
    }
    if args.from_proba:
        networks = {
            (name, loss): dict(np.load(proba_file(args.save_proba, loss, classes, fractions, seed)))
            for name, (classes, fractions, seed) in jobs.items()
            for loss in args.losses
        }
    else:
        X, y = load_fashion_mnist(subset="train", return_X_y=True, download_if_missing=False)
        X_test, y_test = load_fashion_mnist(
            subset="test", return_X_y=True, download_if_missing=False
        )
        networks = train_networks((X, y, X_test, y_test), jobs, args)
    results = []
    for task, split, classes, fractions in tasks(args.tasks):
        for loss in args.losses:
            for seed in args.seeds:
                network = networks[f"{task}|{split}|{seed}", loss]
                if args.save_proba is not None and not args.from_proba:
                    saved = proba_file(args.save_proba, loss, classes, fractions, seed)
                    saved.parent.mkdir(parents=True, exist_ok=True)
                    np.savez_compressed(saved, **network)
                result = run_task(network, seed)
                result.update(task=task, split=split, loss=loss, seed=seed)
                results.append(result)
                print_tables([result])
                if args.out:
                    args.out.write_text(json.dumps(results, indent=1))
    print_summary(results)


if __name__ == "__main__":
    main()
