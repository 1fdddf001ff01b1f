"""Cost of an imbnn fit against a hand-written torch training loop.

Issue 2's target: a fit of the default network costs at most 1.15 times a
hand-written loop with the same network, optimizer, epochs and batch size, on
60,000 x 784 float32 data, at batch size 256 and at full batch. Both sides train
without validation (validation_fraction=0), shuffle every epoch and read the loss
of every batch, as skorch's history does; they alternate, and the best of the
repeats is kept.

Run: python benchmarks/bench_fit_overhead.py [--epochs 3] [--repeats 3]
"""

import argparse
import time

import numpy as np
import torch

from imbnn import NetClassifier
from imbnn.losses import CrossEntropyLoss
from imbnn.networks import MLP


def hand_written_fit(X, y, batch_size, epochs, seed):
    torch.manual_seed(seed)
    module = MLP(n_features=X.shape[1], n_outputs=1, hidden_layer_sizes=(100,))
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    loss_function = CrossEntropyLoss()
    X_tensor, y_tensor = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.RandomState(seed)
    n = len(y)
    losses = []
    for _ in range(epochs):
        module.train()
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
    return module


def imbnn_fit(X, y, batch_size, epochs, seed):
    return NetClassifier(
        max_epochs=epochs, batch_size=batch_size, validation_fraction=0.0, random_state=seed
    ).fit(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=60_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.random((args.n_samples, 784), dtype=np.float32)
    y = (X[:, :10].sum(axis=1) > 5.2).astype(np.int64)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.n_samples} x 784 float32, {args.epochs} epochs, MLP(100), Adam")
    print("| batch size | hand-written loop (s) | imbnn NetClassifier.fit (s) | ratio |")
    print("|---|---|---|---|")
    for batch_size in (256, -1):
        hand_times, imbnn_times = [], []
        for repeat in range(args.repeats):
            start = time.perf_counter()
            hand_written_fit(X, y, args.n_samples if batch_size == -1 else batch_size, args.epochs, repeat)
            hand_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            imbnn_fit(X, y, batch_size, args.epochs, repeat)
            imbnn_times.append(time.perf_counter() - start)
        hand, ours = min(hand_times), min(imbnn_times)
        label = "full (60,000)" if batch_size == -1 else str(batch_size)
        print(f"| {label} | {hand:.2f} | {ours:.2f} | {ours / hand:.3f} |")


if __name__ == "__main__":
    main()
