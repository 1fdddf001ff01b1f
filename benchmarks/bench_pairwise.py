"""Cost of the all-pairs squared hinge: O(n log n) loss vs one sort, and vs the naive O(n+ n-) loss.

Two ratios, each measured side by side in one run (interleaved repetitions, the
median kept):

1. forward + backward of :class:`imbnn.losses.AllPairsSquaredHingeLoss` at
   ``n = 10**6`` divided by the time of one ``torch.sort`` of the same scores
   (target: at most 3);
2. the naive loss (the ``n+ x n-`` matrix of pair hinges, forward + backward by
   autograd) divided by the O(n log n) loss, at ``n = 10**3 ... 10**4``.

Run::

    OMP_NUM_THREADS=1 python benchmarks/bench_pairwise.py [--threads 1] [--repeats 7]
"""

import argparse
import platform
import statistics
import time

import torch

from imbnn.losses import AllPairsSquaredHingeLoss


def naive_squared_hinge(scores, target, margin=1.0):
    gap = scores[target == 1][:, None] - scores[target == 0][None, :]
    return (torch.relu(margin - gap) ** 2).mean()


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def median_times(functions, repeats):
    """Interleaved repetitions of each function (so that load changes hit all alike)."""
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            times[name].append(timed(function))
    return {name: statistics.median(values) for name, values in times.items()}


def forward_backward(loss, scores, target, sample_weight=None):
    def run():
        x = scores.detach().requires_grad_(True)
        value = loss(x, target) if sample_weight is None else loss(x, target, sample_weight)
        value.backward()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--positive-fraction", type=float, default=0.1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    loss = AllPairsSquaredHingeLoss()
    print(
        f"torch {torch.__version__}, {platform.machine()}, {args.threads} thread(s), "
        f"{args.positive_fraction:.0%} positives, median of {args.repeats}"
    )

    n = 10**6
    scores = torch.randn(n, generator=generator)
    target = (torch.rand(n, generator=generator) < args.positive_fraction).long()
    weight = torch.rand(n, generator=generator) + 0.5
    times = median_times(
        {
            "sort": lambda: torch.sort(scores),
            "loss": forward_backward(loss, scores, target),
            "weighted": forward_backward(loss, scores, target, weight),
        },
        args.repeats,
    )
    print(f"\nn = 10^6: one torch.sort {times['sort'] * 1e3:.0f} ms")
    print(
        f"  squared hinge forward+backward        {times['loss'] * 1e3:6.0f} ms  "
        f"ratio to sort {times['loss'] / times['sort']:.2f}"
    )
    print(
        f"  with sample weights                   {times['weighted'] * 1e3:6.0f} ms  "
        f"ratio to sort {times['weighted'] / times['sort']:.2f}"
    )

    print("\nnaive O(n+ n-) vs O(n log n), forward+backward")
    print(f"{'n':>7} {'naive ms':>10} {'imbnn ms':>10} {'naive / imbnn':>14}")
    for n in (1000, 2000, 5000, 10000):
        scores = torch.randn(n, generator=generator)
        target = (torch.rand(n, generator=generator) < args.positive_fraction).long()
        times = median_times(
            {
                "naive": forward_backward(naive_squared_hinge, scores, target),
                "loss": forward_backward(loss, scores, target),
            },
            args.repeats,
        )
        print(
            f"{n:>7} {times['naive'] * 1e3:>10.2f} {times['loss'] * 1e3:>10.2f} "
            f"{times['naive'] / times['loss']:>14.1f}"
        )


if __name__ == "__main__":
    main()
