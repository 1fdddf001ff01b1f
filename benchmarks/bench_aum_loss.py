"""AUMLoss forward + backward against one torch.sort and against a naive autograd AUM.

Three sides, timed alternately in one process (interleaved repetitions, the median
of each kept), on float32 scores with 10% positives:

- ``torch.sort``: one sort of the scores, the floor of any sort-based loss (imbnn
  sorts the scores' bits as integers on the CPU, which can beat it);
- ``naive``: an independent autograd AUM written below (one sort, cumulative sums,
  and autograd through the sort, as the public torch code does). Its value is
  right but its gradient is WRONG at ties: autograd gives each tied score the
  derivative of one arbitrary order of the group (and exactly 0 to every score
  when all are equal), not the mean of the one-sided directional derivatives;
- ``imbnn``: :class:`imbnn.losses.AUMLoss`, exact at ties.

Run (one pinned core)::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_aum_loss.py \
        [--sizes 256 1e3 1e4 1e5 1e6 1e7] [--repeats 7] [--device cpu|cuda]
"""

import argparse
import platform

import torch
import torch.nn.functional as F
from _loss_timing import make_clock, make_synchronize, median_times

from imbnn.losses import AUMLoss


def naive_aum(scores, target):
    """Rate AUM by one sort and cumulative sums; autograd differentiates through the sort."""
    sorted_scores, order = torch.sort(scores, descending=True)
    positive = target[order] == 1
    fp = torch.cumsum(~positive, 0) / (~positive).sum()
    fn = 1 - torch.cumsum(positive, 0) / positive.sum()
    gaps = sorted_scores[:-1] - sorted_scores[1:]
    return (gaps * torch.minimum(fp, fn)[:-1]).sum()


def _format(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[256, 1e3, 1e4, 1e5, 1e6, 1e7])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    synchronize = make_synchronize(device)
    clock, clock_name = make_clock(device)
    generator = torch.Generator().manual_seed(0)
    loss_function = AUMLoss()
    print(
        f"{platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
        f"device {device}, float32, 10% positives, median of {args.repeats}, {clock_name}\n"
    )
    print("| n | torch.sort | naive | imbnn | imbnn/sort | imbnn/naive |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        n = int(size)
        scores = torch.randn(n, generator=generator).to(device)
        target = (torch.rand(n, generator=generator) < 0.1).long().to(device)
        target[:2] = torch.tensor([0, 1])

        def sort_once():
            torch.sort(scores)
            synchronize()

        def forward_backward(loss):
            def run():
                leaf = scores.detach().requires_grad_(True)
                loss(leaf, target).backward()
                synchronize()

            return run

        functions = {
            "sort": sort_once,
            "naive": forward_backward(naive_aum),
            "imbnn": forward_backward(loss_function),
        }
        inner = max(1, int(2e4 // n))  # calls per timing: at least ~1 ms of work at small n
        times = median_times(functions, args.repeats, inner, clock)
        print(
            f"| {n if n < 1000 else f'{n:.0e}'} | {_format(times['sort'])} | "
            f"{_format(times['naive'])} | "
            f"{_format(times['imbnn'])} | {times['imbnn'] / times['sort']:.2f} | "
            f"{times['imbnn'] / times['naive']:.2f} |"
        )
    print_floors(int(min(args.sizes)), loss_function, device, generator, args.repeats, clock)


def print_floors(n, loss_function, device, generator, repeats, clock):
    """AUMLoss at ``n`` rows against ``sum().backward()`` and fused cross-entropy."""
    scores = torch.randn(n, generator=generator).to(device)
    target = (torch.rand(n, generator=generator) < 0.1).long().to(device)
    target[:2] = torch.tensor([0, 1])
    target_float = target.to(scores.dtype)
    functions = {
        "sum().backward()": lambda: scores.detach().requires_grad_(True).sum().backward(),
        "fused cross-entropy": lambda: F.binary_cross_entropy_with_logits(
            scores.detach().requires_grad_(True), target_float
        ).backward(),
        "imbnn": lambda: loss_function(scores.detach().requires_grad_(True), target).backward(),
    }
    times = median_times(functions, repeats, max(1, int(2e4 // n)), clock)
    print(f"\nAt {n} rows, forward and backward: " + ", ".join(
        f"{name} {_format(seconds)}" for name, seconds in times.items()
    ) + f"; imbnn / cross-entropy {times['imbnn'] / times['fused cross-entropy']:.2f}")


if __name__ == "__main__":
    main()
