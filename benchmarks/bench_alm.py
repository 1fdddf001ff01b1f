"""Cost of ALM: an ALMClassifier fit vs the same fit of its base loss (target: at most 1.3 times).

Both fits train the same network on the same batches for the same number of
epochs (early stopping off), one with ``NetClassifier(loss="bce")``, one with
``ALMClassifier(base_loss="bce")``; the ratio of their times is measured side by
side in one run (interleaved repetitions, median kept). ALM's extra work per
batch is one sort of the batch's scores (:func:`imbnn.losses.positive_hinge_sums`),
the gather and update of the multipliers, and O(batch) arithmetic; it is
largest next to a small network, so both a small MLP on tabular rows and LeNet-5
on images are timed, each with ordinary random batches (most have no positive at
1%, and then ALM adds nothing) and with ``min_per_class=1`` (every batch carries
the constraint).

Run::

    OMP_NUM_THREADS=1 python benchmarks/bench_alm.py [--repeats 3]
"""

import argparse
import platform
import statistics
import time

import numpy as np
import torch
from sklearn.datasets import make_classification

from imbnn.estimators import ALMClassifier, NetClassifier
from imbnn.networks import LeNet5


def timed_fit(estimator, X, y):
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def compare(name, X, y, repeats, **params):
    common = dict(validation_fraction=0.0, random_state=0, **params)
    fits = {
        "base": lambda: NetClassifier(loss="bce", **common),
        "alm": lambda: ALMClassifier(base_loss="bce", delta=0.5, mu=1e-3, **common),
    }
    times = {key: [] for key in fits}
    for _ in range(repeats):
        for key, make in fits.items():
            times[key].append(timed_fit(make(), X, y))
    base, alm = (statistics.median(times[key]) for key in ("base", "alm"))
    print(f"{name:48s} base {base:7.2f} s   ALM {alm:7.2f} s   ratio {alm / base:.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {platform.machine()}, {args.threads} thread(s), "
        f"median of {args.repeats}"
    )

    X, y = make_classification(
        n_samples=20_000, n_features=50, n_informative=10, weights=[0.99], random_state=0
    )
    X = X.astype(np.float32)
    for min_per_class in (None, 1):
        compare(
            f"MLP (100,), 20000 x 50, 1% pos, batch 256, min_per_class={min_per_class}",
            X,
            y,
            args.repeats,
            hidden_layer_sizes=(100,),
            batch_size=256,
            max_epochs=10,
            min_per_class=min_per_class,
        )

    rng = np.random.default_rng(0)
    images = rng.uniform(size=(6000, 784)).astype(np.float32)
    labels = (rng.uniform(size=6000) < 0.01).astype(int)
    images[labels == 1, :392] += 0.5  # something to learn
    for min_per_class in (None, 1):
        compare(
            f"LeNet5, 6000 images, 1% pos, batch 64, min_per_class={min_per_class}",
            images,
            labels,
            args.repeats,
            module=LeNet5,
            batch_size=64,
            max_epochs=2,
            min_per_class=min_per_class,
        )


if __name__ == "__main__":
    main()
