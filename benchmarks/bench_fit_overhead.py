"""Cost of an imbnn fit against a hand-written torch loop, and of each method against NetClassifier.

Both sides of every ratio train the same network (the default MLP(100)), with Adam,
the same epochs and batch size, no validation (validation_fraction=0), shuffle every
epoch and read every batch's loss, as skorch's history does. The fits alternate in
one process after a warm-up, and the table gives the median ratio over the repeats.
Two tables: the whole fit (input checks, the network's construction, AUM's
calibration included), and its epochs alone (the training steps), timed by a
callback at the start and end of each epoch and by the same clock around the
loop's epochs. Pin it to one core for stable figures:

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_fit_overhead.py

Run: python benchmarks/bench_fit_overhead.py [--epochs 3] [--repeats 7]
     [--n-samples 20000] [--n-features 30] [--batch-sizes 256 4096]
"""

import argparse
import os
import time

import numpy as np
import torch
from skorch.callbacks import Callback

from imbnn import ALMClassifier, AUMClassifier, NetClassifier, ReMixClassifier
from imbnn.losses import CrossEntropyLoss, _aum
from imbnn.networks import MLP


def _clock():
    return time.thread_time() if torch.get_num_threads() == 1 else time.perf_counter()


class EpochClock(Callback):
    """Adds up the seconds spent inside the fit's epochs (``seconds``)."""

    def __init__(self):
        self.seconds = 0.0

    def on_epoch_begin(self, net, **kwargs):
        self._start = _clock()

    def on_epoch_end(self, net, **kwargs):
        self.seconds += _clock() - self._start


def hand_written_fit(X, y, batch_size, epochs, seed, epoch_clock):
    """The loop a torch user writes: shuffled index slices, Adam, the loss read per batch."""
    torch.manual_seed(seed)
    module = MLP(n_features=X.shape[1], n_outputs=1, hidden_layer_sizes=(100,))
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    loss_function = CrossEntropyLoss()
    X_tensor, y_tensor = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.RandomState(seed)
    n = len(y)
    losses = []
    module.train()
    for _ in range(epochs):
        start = _clock()
        if batch_size >= n:
            batches = [slice(None)]
        else:
            order = torch.from_numpy(rng.permutation(n))
            batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
        for rows in batches:
            optimizer.zero_grad()
            loss = loss_function(module(X_tensor[rows])[:, 0], y_tensor[rows])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        epoch_clock.seconds += _clock() - start
    return module


ESTIMATORS = {
    "NetClassifier": lambda **kw: NetClassifier(**kw),
    "AUMClassifier": lambda **kw: AUMClassifier(min_per_class=None, **kw),
    "ReMixClassifier": lambda **kw: ReMixClassifier(**kw),
    "ALMClassifier": lambda **kw: ALMClassifier(**kw),
}
# With numba installed, AUMClassifier also runs with AUMLoss's numpy kernel (the
# path without numba), alternated with the others in the same run.
NUMPY_AUM = "AUM, numpy kernel"
if _aum._aum_loop_compiled is not None:
    ESTIMATORS[NUMPY_AUM] = ESTIMATORS["AUMClassifier"]


def fit_side(name, estimator, X, y):
    """``estimator.fit(X, y)``, on AUMLoss's numpy kernel for the NUMPY_AUM side."""
    if name != NUMPY_AUM:
        return estimator.fit(X, y)
    compiled = _aum._aum_loop_compiled
    _aum._aum_loop_compiled = None
    try:
        return estimator.fit(X, y)
    finally:
        _aum._aum_loop_compiled = compiled


def timed(function):
    """Seconds of ``function()``: the thread's CPU time when torch runs on one thread.

    On a shared machine the wall clock also counts other processes; with one torch
    thread every cycle of the fit is this thread's, so its CPU time is the fit's cost.
    """
    start = _clock()
    function()
    return _clock() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--n-features", type=int, default=30)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 4096])
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") == "1":
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n_samples, args.n_features), dtype=np.float32)
    y = (X[:, :5].sum(axis=1) + rng.standard_normal(args.n_samples) > 3).astype(np.int64)
    print(
        f"# torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
        f"{args.n_samples} x {args.n_features} float32 ({y.mean():.1%} positive), "
        f"{args.epochs} epochs, MLP(100), Adam, {args.repeats} repeats, median ratios"
    )
    others = [name for name in ESTIMATORS if name != "NetClassifier"]
    header = ("| batch size | hand-written loop (s) | "
              + " | ".join(f"{name} (s)" for name in ESTIMATORS)
              + " | Net / loop | " + " | ".join(f"{name} / Net" for name in others) + " |")
    rule = "|---" * (2 + len(ESTIMATORS) + 1 + len(others)) + "|"
    tables = {"whole fit": [], "epochs only (training steps)": []}
    for batch_size in args.batch_sizes:
        def fits(seed):
            clocks = {"loop": EpochClock()}
            sides = {"loop": lambda: hand_written_fit(X, y, batch_size, args.epochs, seed, clocks["loop"])}
            for name, make in ESTIMATORS.items():
                clocks[name] = EpochClock()
                estimator = make(
                    max_epochs=args.epochs, batch_size=batch_size, validation_fraction=0.0,
                    random_state=seed, callbacks=[clocks[name]],
                )
                sides[name] = lambda name=name, estimator=estimator: fit_side(name, estimator, X, y)
            return sides, clocks

        for side in fits(0)[0].values():  # warm-up
            side()
        names = ["loop", *ESTIMATORS]
        times = {name: [] for name in names}
        epoch_times = {name: [] for name in names}
        for repeat in range(args.repeats):
            # Alternate the order so that no side always runs first.
            sides, clocks = fits(repeat)
            sides = list(sides.items())
            for name, side in sides if repeat % 2 == 0 else sides[::-1]:
                times[name].append(timed(side))
                epoch_times[name].append(clocks[name].seconds)
        for table, measured in zip(tables.values(), (times, epoch_times)):
            measured = {name: np.array(values) for name, values in measured.items()}
            net = measured["NetClassifier"]
            ratios = [
                np.median(net / measured["loop"]),
                *(np.median(measured[name] / net) for name in others),
            ]
            medians = [np.median(values) for values in measured.values()]
            table.append(f"| {batch_size} | " + " | ".join(f"{m:.3f}" for m in medians) + " | "
                         + " | ".join(f"{r:.3f}" for r in ratios) + " |")
    for title, rows in tables.items():
        print(f"\n{title}\n\n{header}\n{rule}")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
