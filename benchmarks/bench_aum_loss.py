"""AUMLoss forward + backward against one torch.sort of the same scores.

Issue 2's target: at n = 1e6 float32 scores, forward plus backward costs at most 2.5
times one sort (a sort is the floor of any sort-based loss). The reference C++
implementation takes 0.62 s at n = 1e6 (Hillman & Hocking, JMLR 2023, Fig. 8).

Run: python benchmarks/bench_aum_loss.py [--sizes 1e4 1e5 1e6 1e7] [--repeats 5]
"""

import argparse
import platform
import time

import numpy as np
import torch

from imbnn.losses import AUMLoss


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5, 1e6, 1e7])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    loss_function = AUMLoss()
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {args.device}")
    print("| n | torch.sort (s) | AUMLoss forward+backward (s) | ratio |")
    print("|---|---|---|---|")
    for size in args.sizes:
        n = int(size)
        scores = torch.randn(n, generator=generator).to(args.device)
        labels = (torch.rand(n, generator=generator) < 0.1).long().to(args.device)

        def sort_once():
            torch.sort(scores)
            if args.device != "cpu":
                torch.cuda.synchronize()

        def aum_once():
            leaf = scores.detach().requires_grad_(True)
            loss_function(leaf, labels).backward()
            if args.device != "cpu":
                torch.cuda.synchronize()

        sort_once(), aum_once()  # warm-up
        # Interleave the two so that both see the same machine state.
        sort_times, aum_times = [], []
        for _ in range(args.repeats):
            sort_times.append(best_time(sort_once, 1))
            aum_times.append(best_time(aum_once, 1))
        sort_time, aum_time = min(sort_times), min(aum_times)
        print(f"| {n:.0e} | {sort_time:.4f} | {aum_time:.4f} | {aum_time / sort_time:.2f} |")


if __name__ == "__main__":
    main()
