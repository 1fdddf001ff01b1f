"""Peak memory of a fit on sparse rows: the matrix is never densified as a whole.

A scipy CSR matrix of ``--rows`` x ``--features`` with ``--nnz`` non-zeros (random
positions, 1% positives whose features shift) is given to ``NetClassifier``; each
training batch is densified on its own. The fit runs in a fresh process, whose peak
resident memory is read from ``getrusage`` and compared with the CSR matrix and
with what the dense float32 matrix would take.

Run: python benchmarks/bench_sparse_memory.py [--rows 1000000] [--features 100000]
     [--nnz 10000000] [--batch-size 256] [--module linear]
"""

import argparse
import json
import resource
import subprocess
import sys
import time


def child(args):
    import numpy as np
    import scipy.sparse as sp
    import torch

    from imbnn import NetClassifier
    from imbnn.networks import LinearNet

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, args.rows, args.nnz)
    columns = rng.integers(0, args.features, args.nnz)
    y = (rng.random(args.rows) < 0.01).astype(np.int64)
    # Positives have larger values in the first tenth of the columns: something to learn.
    values = rng.random(args.nnz, dtype=np.float32) + (
        y[rows] * (columns < args.features // 10)
    ).astype(np.float32)
    X = sp.csr_matrix((values, (rows, columns)), shape=(args.rows, args.features))
    csr_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    module = LinearNet if args.module == "linear" else None
    start = time.perf_counter()
    clf = NetClassifier(
        module, max_epochs=1, batch_size=args.batch_size, validation_fraction=0.0, lr=1e-2,
        random_state=0,
    ).fit(X, y)
    seconds = time.perf_counter() - start
    proba = clf.predict_proba(X[:10000])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({
        "csr_bytes": csr_bytes, "dense_bytes": args.rows * args.features * 4,
        "peak_before_fit": before, "peak": peak, "fit_seconds": seconds,
        "finite": bool(np.isfinite(proba).all()),
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--nnz", type=int, default=10_000_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--module", choices=["linear", "mlp"], default="linear")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    command = [sys.executable, __file__, "--child"] + sys.argv[1:]
    result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    gib = 2**30
    print(f"# {args.rows:,} x {args.features:,} CSR, {args.nnz:,} non-zeros, batch "
          f"{args.batch_size}, module {args.module}, 1 epoch")
    print("| CSR matrix (GiB) | dense float32 (GiB) | peak RSS before fit (GiB) | peak RSS (GiB) "
          "| peak / dense | fit (s) |")
    print("|---|---|---|---|---|---|")
    print(f"| {result['csr_bytes'] / gib:.3f} | {result['dense_bytes'] / gib:.1f} | "
          f"{result['peak_before_fit'] / gib:.3f} | {result['peak'] / gib:.3f} | "
          f"{result['peak'] / result['dense_bytes']:.5f} | {result['fit_seconds']:.0f} |")
    assert result["finite"]


if __name__ == "__main__":
    main()
