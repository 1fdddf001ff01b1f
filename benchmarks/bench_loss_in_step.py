"""What a loss costs inside a training step, against the same loss timed alone.

A hand-written loop (MLP(100) on 20,000 x 30 float32, Adam, batch 256) is timed by
phase: the network's forward, the loss, backward, the optimiser step. Each side is a
loss; the loop runs the same batches for every side, alternating sides over the
repeats, and the table gives the median microseconds per step of each phase. Sides:
cross-entropy, W-BCE on its fused path (no weights) and on its general path (unit
sample weights), and AUMLoss with its compiled pass (numba installed), its kernel on
numpy views and on the tensors.

The second table times two pieces of a step alone, as a repeated call sees them:
a batch's rows gathered by advanced indexing and by ``index_select``, and the
Platt calibration of AUMClassifier on 20,000 scores.

Run (one pinned core)::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_loss_in_step.py [--repeats 7]
"""

import argparse
import time
import timeit

import numpy as np
import torch

from imbnn.estimators._calibration import MonotoneCalibrator
from imbnn.losses import AUMLoss, CrossEntropyLoss, WeightedBCELoss, _aum
from imbnn.networks import MLP

PHASES = ("forward", "loss", "backward", "step")


_COMPILED = _aum._aum_loop_compiled


def _aum_on(limit, compiled=None):
    """AUMLoss on its compiled pass (``compiled``), numpy kernel or torch kernel (``limit=-1``)."""
    loss = AUMLoss()

    def call(scores, target):
        _aum._NUMPY_MAX_ROWS = limit
        _aum._aum_loop_compiled = compiled
        return loss(scores, target)

    return call


def sides(class_counts):
    weighted_bce = WeightedBCELoss(class_counts=class_counts)
    return {
        "cross-entropy": CrossEntropyLoss(),
        "W-BCE, fused": weighted_bce,
        "W-BCE, general": lambda s, t: weighted_bce(s, t, sample_weight=torch.ones_like(s)),
        **({"AUM, compiled pass": _aum_on(_aum._NUMPY_MAX_ROWS, _COMPILED)} if _COMPILED else {}),
        "AUM, numpy kernel": _aum_on(_aum._NUMPY_MAX_ROWS),
        "AUM, torch kernel": _aum_on(-1),
    }


def loop(X, y, loss, steps, batch_size):
    """Microseconds per step of each phase (thread CPU time)."""
    torch.manual_seed(0)
    module = MLP(n_features=X.shape[1], n_outputs=1, hidden_layer_sizes=(100,))
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-2)
    order = torch.from_numpy(np.random.RandomState(0).permutation(len(y)))
    clock = time.thread_time_ns
    totals = np.zeros(len(PHASES))
    for i in range(steps):
        start = (i * batch_size) % (len(y) - batch_size)
        rows = order[start : start + batch_size]
        t0 = clock()
        optimizer.zero_grad()
        scores = module(X.index_select(0, rows))[:, 0]
        t1 = clock()
        value = loss(scores, y.index_select(0, rows))
        t2 = clock()
        value.backward()
        t3 = clock()
        optimizer.step()
        value.item()
        t4 = clock()
        totals += (t1 - t0, t2 - t1, t3 - t2, t4 - t3)
    return totals / steps / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X_np = rng.standard_normal((20_000, 30), dtype=np.float32)
    y_np = (X_np[:, :5].sum(axis=1) + rng.standard_normal(20_000) > 3).astype(np.int64)
    X, y = torch.from_numpy(X_np), torch.from_numpy(y_np)
    limit = _aum._NUMPY_MAX_ROWS
    losses = sides(np.bincount(y_np).tolist())
    for loss in losses.values():  # warm-up
        loop(X, y, loss, 50, 256)
    times = {name: [] for name in losses}
    for repeat in range(args.repeats):
        items = list(losses.items())
        for name, loss in items if repeat % 2 == 0 else items[::-1]:
            times[name].append(loop(X, y, loss, args.steps, 256))
    _aum._NUMPY_MAX_ROWS = limit
    print(f"# torch {torch.__version__}, one thread, MLP(100), Adam, batch 256, "
          f"{args.steps} steps, median of {args.repeats} (µs per step)\n")
    print("| loss | " + " | ".join(PHASES) + " | total |")
    print("|---" * (len(PHASES) + 2) + "|")
    for name, runs in times.items():
        median = np.median(np.array(runs), axis=0)
        print(f"| {name} | " + " | ".join(f"{v:.0f}" for v in median) + f" | {median.sum():.0f} |")

    rows = torch.randperm(20_000)[:256]
    scores = rng.standard_normal(20_000)
    labels = (scores + rng.standard_normal(20_000) > 2.5).astype(int)
    pieces = {
        "gather 256 rows, X[rows]": (lambda: X[rows], 20_000),
        "gather 256 rows, X.index_select(0, rows)": (lambda: X.index_select(0, rows), 20_000),
        "Platt calibration, 20,000 scores": (lambda: MonotoneCalibrator(2).fit(scores, labels), 20),
    }
    print("\n| piece, timed alone | µs per call |\n|---|---|")
    for name, (call, number) in pieces.items():
        seconds = min(timeit.repeat(call, number=number, repeat=5)) / number
        print(f"| {name} | {seconds * 1e6:.1f} |")


if __name__ == "__main__":
    main()
