"""Cost of ALM: an ALMClassifier fit vs the same fit of its base loss (target: at most 1.3 times).

Both fits train the same network on the same batches for the same number of
epochs (early stopping off), one with ``NetClassifier(loss="bce")``, one with
``ALMClassifier(base_loss="bce")``; the ratio of their times is measured side by
side in one run (interleaved repetitions; median and fastest kept). ALM's extra
work per batch (up to 256 rows) is the n+ x n matrix of the batch's pairs with the
terms' gradient formed directly, the gather and update of the multipliers: a fixed
number of small tensor operations, timed alone first. It weighs most next to a
small network, so both a small MLP on tabular rows and LeNet-5 on images are
timed, each with ordinary random batches (at 1% a batch of 64 often has no
positive, and then ALM adds nothing) and with ``min_per_class=1`` (every batch
carries the constraint).

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
from imbnn.estimators._alm import _backward
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
    fastest_base, fastest_alm = (min(times[key]) for key in ("base", "alm"))
    print(
        f"{name}\n    median: base {base:6.2f} s  ALM {alm:6.2f} s  ratio {alm / base:.2f}"
        f"   fastest: base {fastest_base:6.2f} s  ALM {fastest_alm:6.2f} s"
        f"  ratio {fastest_alm / fastest_base:.2f}",
        flush=True,
    )


def constraint_work_per_batch(batch_size, n_positives, repeats=3000):
    """Microseconds that ALM adds to a batch's step: its terms, their backward, the update.

    Timed as the difference between a backward pass through a stand-in base loss
    with and without ALM's terms (one backward call each, as in a fit).
    """
    # The terms live on the fitted estimator's skorch net; a one-epoch fit builds it.
    rng = np.random.default_rng(0)
    clf = ALMClassifier(delta=0.5, mu=1e-3, max_epochs=1, validation_fraction=0.0)
    clf.fit(rng.normal(size=(64, 3)).astype(np.float32), np.arange(64) % 2)
    net = clf.net_
    net.multipliers_ = torch.zeros(20_000)
    target = torch.zeros(batch_size, dtype=torch.long)
    target[:n_positives] = 1
    info = {"y": target, "index": torch.randperm(20_000)[:batch_size], "sample_weight": None}
    weights = torch.randn(batch_size, requires_grad=True)

    def base_step():
        scores = weights * 2.0
        scores.sum().backward()

    def alm_step():
        # as ALM's training step: the terms update the multipliers themselves
        scores = weights * 2.0
        penalty, _, gradients = net._constraint_terms(scores, info)
        loss = scores.sum() if penalty is None else scores.sum() + penalty
        _backward(loss, gradients)

    times = {base_step: [], alm_step: []}
    for _ in range(10):
        for step in times:
            start = time.perf_counter()
            for _ in range(repeats // 10):
                step()
            times[step].append(time.perf_counter() - start)
    extra = statistics.median(times[alm_step]) - statistics.median(times[base_step])
    return extra / (repeats // 10) * 1e6


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

    for batch_size, n_positives in ((256, 3), (64, 1)):
        print(
            f"ALM's own work on a batch of {batch_size} with {n_positives} positive(s): "
            f"{constraint_work_per_batch(batch_size, n_positives):.0f} us",
            flush=True,
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
