"""Cost of the pairwise losses: small batches and O(n log n) against the naive O(n+ n-) loss.

Each comparison is measured side by side in one run (interleaved repetitions, the
median kept), float32 scores, 10% positives:

1. at a training batch (``--batch``, default 256 rows), forward + backward of each
   pairwise loss of imbnn against the naive loss (the ``n+ x n-`` matrix of pair
   losses from boolean-mask indexing, forward + backward by autograd);
2. forward + backward of :class:`imbnn.losses.AllPairsSquaredHingeLoss` at
   ``n = 10**6`` divided by the time of one ``torch.sort`` of the same scores;
3. the naive squared hinge divided by imbnn's, at ``n = 10**3 ... 10**4``.

Run::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_pairwise.py \
        [--threads 1] [--repeats 7] [--device cpu|cuda]
"""

import argparse
import functools
import platform

import torch
import torch.nn.functional as F
from _loss_timing import make_clock, make_synchronize, median_times

from imbnn.losses import AllPairsSquaredHingeLoss, PairwiseHingeLoss, PairwiseLogisticLoss


def naive(pair_loss):
    def loss(scores, target):
        gap = scores[target == 1][:, None] - scores[target == 0][None, :]
        return pair_loss(gap).mean()

    return loss


naive_squared_hinge = naive(lambda gap: torch.relu(1.0 - gap) ** 2)
SMALL = {
    "all_pairs_squared_hinge": (AllPairsSquaredHingeLoss(), naive_squared_hinge),
    "pairwise_hinge": (PairwiseHingeLoss(), naive(lambda gap: torch.relu(1.0 - gap))),
    "pairwise_logistic": (PairwiseLogisticLoss(), naive(lambda gap: F.softplus(-gap))),
}


SYNCHRONIZE = [lambda: None]


def forward_backward(loss, scores, target, sample_weight=None):
    def run():
        x = scores.detach().requires_grad_(True)
        value = loss(x, target) if sample_weight is None else loss(x, target, sample_weight)
        value.backward()
        SYNCHRONIZE[0]()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--positive-fraction", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    SYNCHRONIZE[0] = make_synchronize(device)
    clock, clock_name = make_clock(device)
    timed = functools.partial(median_times, clock=clock)
    generator = torch.Generator().manual_seed(0)

    def data(n):
        scores = torch.randn(n, generator=generator).to(device)
        target = (torch.rand(n, generator=generator) < args.positive_fraction).long().to(device)
        target[:2] = torch.tensor([0, 1])
        return scores, target

    loss = AllPairsSquaredHingeLoss()
    print(
        f"torch {torch.__version__}, {platform.machine()}, {args.threads} thread(s), "
        f"device {device}, {args.positive_fraction:.0%} positives, median of {args.repeats}, "
        f"{clock_name}"
    )

    print(f"\nbatch of {args.batch} rows, forward + backward (median per call)\n")
    print("| loss | naive | imbnn | imbnn / naive |")
    print("|---|---|---|---|")
    scores, target = data(args.batch)
    for name, (imbnn_loss, naive_loss) in SMALL.items():
        times = timed(
            {
                "naive": forward_backward(naive_loss, scores, target),
                "imbnn": forward_backward(imbnn_loss, scores, target),
            },
            args.repeats,
            inner=200,
        )
        print(
            f"| {name} | {times['naive'] * 1e6:.0f} µs | {times['imbnn'] * 1e6:.0f} µs | "
            f"{times['imbnn'] / times['naive']:.2f} |"
        )

    n = 10**6
    scores, target = data(n)
    weight = (torch.rand(n, generator=generator) + 0.5).to(device)
    times = timed(
        {
            "sort": lambda: (torch.sort(scores), SYNCHRONIZE[0]()),
            "loss": forward_backward(loss, scores, target),
            "weighted": forward_backward(loss, scores, target, weight),
        },
        args.repeats,
    )
    print("\nn = 10^6, all-pairs squared hinge forward + backward against one torch.sort\n")
    print("| | one torch.sort | imbnn | ratio |")
    print("|---|---|---|---|")
    for key, label in [("loss", "unit weights"), ("weighted", "sample weights")]:
        print(
            f"| {label} | {times['sort'] * 1e3:.0f} ms | {times[key] * 1e3:.0f} ms | "
            f"{times[key] / times['sort']:.2f} |"
        )

    print("\nall-pairs squared hinge, naive O(n+ n-) against O(n log n), forward + backward\n")
    print("| n | naive | imbnn | naive / imbnn |")
    print("|---|---|---|---|")
    for n in (1000, 2000, 5000, 10000):
        scores, target = data(n)
        times = timed(
            {
                "naive": forward_backward(naive_squared_hinge, scores, target),
                "loss": forward_backward(loss, scores, target),
            },
            args.repeats,
        )
        print(
            f"| {n:,} | {times['naive'] * 1e3:.2f} ms | {times['loss'] * 1e3:.2f} ms | "
            f"{times['naive'] / times['loss']:.1f} |"
        )


if __name__ == "__main__":
    main()
