"""Per-call cost of imbnn's shared loss forward (input checks, weights) against the bare torch loss.

An estimator calls ``loss(scores, target, sample_weight)`` once per mini-batch; at
training batch sizes the fixed cost of each call (argument checks, casts, building
weight tensors) is of the order of the loss itself. Each row times imbnn's loss and
the bare torch function computing the same value, alternately in one process
(median per call), forward only and forward + backward.

Run::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_loss_call.py \
        [--batch 256] [--repeats 9] [--device cpu|cuda]
"""

import argparse
import platform

import torch
import torch.nn.functional as F
from _loss_timing import make_clock, make_synchronize, median_times

from imbnn.losses import CrossEntropyLoss, FocalLoss


def bare_focal(scores, target, gamma=2.0):
    signed = torch.where(target == 1, scores, -scores)
    return (-torch.exp(gamma * F.logsigmoid(-signed)) * F.logsigmoid(signed)).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--inner", type=int, default=300)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    synchronize = make_synchronize(device)
    clock, clock_name = make_clock(device)
    generator = torch.Generator().manual_seed(0)
    n = args.batch
    binary = torch.randn(n, generator=generator).to(device)
    binary_target = (torch.rand(n, generator=generator) < 0.1).long().to(device)
    multi = torch.randn(n, 10, generator=generator).to(device)
    multi_target = torch.randint(0, 10, (n,), generator=generator).to(device)
    sample_weight = (torch.rand(n, generator=generator) + 0.5).to(device)
    class_weight = [1.0 + k for k in range(10)]
    class_weight_tensor = torch.tensor(class_weight, device=device)

    cross_entropy = CrossEntropyLoss()
    weighted_cross_entropy = CrossEntropyLoss(class_weight=class_weight)
    focal = FocalLoss(gamma=2.0)
    cases = {
        "cross-entropy, binary": (
            binary,
            binary_target,
            cross_entropy,
            lambda s, t: F.binary_cross_entropy_with_logits(s, t.to(s.dtype)),
        ),
        "cross-entropy, binary, sample_weight": (
            binary,
            binary_target,
            lambda s, t: cross_entropy(s, t, sample_weight),
            lambda s, t: torch.dot(
                F.binary_cross_entropy_with_logits(s, t.to(s.dtype), reduction="none"),
                sample_weight,
            )
            / sample_weight.sum(),
        ),
        "cross-entropy, 10 classes": (
            multi,
            multi_target,
            cross_entropy,
            lambda s, t: F.cross_entropy(s, t),
        ),
        "cross-entropy, 10 classes, class_weight": (
            multi,
            multi_target,
            weighted_cross_entropy,
            lambda s, t: F.cross_entropy(s, t, weight=class_weight_tensor),
        ),
        "focal, binary": (
            binary,
            binary_target,
            focal,
            bare_focal,
        ),
    }
    print(
        f"{platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
        f"device {device}, batch {n}, median of {args.repeats} x {args.inner} calls, {clock_name}\n"
    )
    print("| loss | pass | bare torch | imbnn | imbnn / bare |")
    print("|---|---|---|---|---|")
    for name, (scores, target, imbnn_loss, bare_loss) in cases.items():
        # Same value on both sides, or the comparison means nothing.
        torch.testing.assert_close(imbnn_loss(scores, target), bare_loss(scores, target))
        leaf = scores.detach().requires_grad_(True)

        def forward(loss):
            return lambda: (loss(leaf, target), synchronize())

        def forward_backward(loss):
            return lambda: (loss(leaf, target).backward(), synchronize())

        for label, wrap in [("forward", forward), ("forward + backward", forward_backward)]:
            times = median_times(
                {"bare": wrap(bare_loss), "imbnn": wrap(imbnn_loss)},
                args.repeats,
                args.inner,
                clock,
            )
            print(
                f"| {name} | {label} | {times['bare'] * 1e6:.1f} µs | "
                f"{times['imbnn'] * 1e6:.1f} µs | {times['imbnn'] / times['bare']:.2f} |"
            )


if __name__ == "__main__":
    main()
