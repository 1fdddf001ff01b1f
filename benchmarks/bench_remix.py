"""Cost of a ReMix fit next to a plain NetClassifier fit with the same network, epochs and batches.

Target: ReMix costs at most 1.2 times the plain fit. Both fits run
the same number of epochs (no validation, no early stopping) on the same data;
the fits alternate, in a new random order every round, so that a slow-down of
the shared machine hits all of them alike. The ratio of the fastest epochs
(every epoch of every round is a sample, so the least disturbed by other
processes) is the steadiest figure; the ratios of the fastest and the median
whole fits are printed beside it.

    OMP_NUM_THREADS=1 python benchmarks/bench_remix.py
    OMP_NUM_THREADS=1 python benchmarks/bench_remix.py --repeats 3 --n-samples 5000  # quick
"""

import argparse
import math
import platform
import time
import timeit

import numpy as np
import torch
from sklearn.datasets import make_classification

from imbnn.estimators import NetClassifier, ReMixClassifier
from imbnn.estimators._remix import _balanced_resample


def _fit_seconds(estimator, X, y):
    """Seconds of the whole fit, and of each epoch (skorch's ``dur``)."""
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start, list(estimator.history_[:, "dur"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--n-features", type=int, default=50)
    parser.add_argument("--n-classes", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    X, y = make_classification(
        n_samples=args.n_samples,
        n_features=args.n_features,
        n_informative=10,
        n_classes=args.n_classes,
        weights=[0.95] + [0.05 / (args.n_classes - 1)] * (args.n_classes - 1),
        random_state=0,
    )
    X = X.astype(np.float32)
    # The paper's tabular network: three hidden layers, dropout 0.1.
    common = dict(
        hidden_layer_sizes=(256, 128, 64),
        module__dropout=0.1,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        validation_fraction=0.0,
        random_state=0,
        device=args.device,
    )
    candidates = {
        "NetClassifier": lambda: NetClassifier(**common),
        'ReMix resampling="batch"': lambda: ReMixClassifier(resampling="batch", **common),
        'ReMix resampling="sampler"': lambda: ReMixClassifier(resampling="sampler", **common),
        "MixUp (resampling=None)": lambda: ReMixClassifier(resampling=None, **common),
    }
    for make in candidates.values():  # warm-up: first-call costs of torch
        make().set_params(max_epochs=1).fit(X[:2000], y[:2000])
    seconds = {name: [] for name in candidates}
    epoch_seconds = {name: [] for name in candidates}
    order = np.random.RandomState(0)
    names = list(candidates)
    for _ in range(args.repeats):
        for name in order.permutation(names):
            fit, epochs = _fit_seconds(candidates[name](), X, y)
            seconds[name].append(fit)
            epoch_seconds[name] += epochs

    print(
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{args.threads} thread(s), device {args.device}"
    )
    print(
        f"n={args.n_samples}, d={args.n_features}, classes={args.n_classes}, "
        f"batch={args.batch_size}, epochs={args.epochs}, repeats={args.repeats}"
    )
    # ReMix's extra work on one batch, timed alone (best of 5 rounds of 500 calls).
    fitted = ReMixClassifier(**common).set_params(max_epochs=1).fit(X[:2000], y[:2000])
    rows = np.random.RandomState(0).permutation(len(y))[: args.batch_size]
    X_batch = torch.as_tensor(X[rows], device=args.device)
    info = {"y": torch.as_tensor(y[rows], device=args.device), "sample_weight": None}
    extra = {
        "resample the batch": lambda: _balanced_resample(rows, y[rows], fitted.batch_random_state_),
        "mix the batch": lambda: fitted._mix_batch(X_batch, info),
    }
    extra_seconds = {
        name: min(timeit.repeat(work, number=500, repeat=5)) / 500 for name, work in extra.items()
    }

    fastest, median = np.min(seconds["NetClassifier"]), np.median(seconds["NetClassifier"])
    fastest_epoch = np.min(epoch_seconds["NetClassifier"])
    print(
        f"{'fit':32s} {'epoch min s':>11s} {'ratio':>6s} {'fit min s':>9s} {'ratio':>6s} "
        f"{'fit median s':>12s} {'ratio':>6s}"
    )
    for name, values in seconds.items():
        epoch = np.min(epoch_seconds[name])
        print(
            f"{name:32s} {epoch:11.3f} {epoch / fastest_epoch:6.3f} "
            f"{np.min(values):9.3f} {np.min(values) / fastest:6.3f} "
            f"{np.median(values):12.3f} {np.median(values) / median:6.3f}"
        )
    per_batch = fastest / (args.epochs * math.ceil(len(y) / args.batch_size))
    print(f"\nplain fit, per batch (fastest fit): {per_batch * 1e6:8.1f} us")
    for name, value in extra_seconds.items():
        print(f"ReMix extra, {name:21s} {value * 1e6:8.1f} us")
    total = per_batch + sum(extra_seconds.values())
    print(f"estimated ReMix/plain ratio (batch mode): {total / per_batch:.3f}")


if __name__ == "__main__":
    main()
