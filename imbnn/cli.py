"""The ``imbnn`` command line: ``imbnn benchmark`` (also ``python -m imbnn benchmark``)."""

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _parser():
    from .benchmark import DEFAULT_ESTIMATORS, DEFAULT_TASKS, list_tasks

    parser = argparse.ArgumentParser(
        prog="imbnn", description="imbnn: neural networks for imbalanced data."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = commands.add_parser(
        "benchmark",
        help="cross-validate the baselines and AUM on imbalanced tasks",
        description=(
            "Cross-validate the featureless baseline, cross-entropy networks (plain and "
            "class-weighted) and AUM on imbalanced tasks; print the test ROC AUC (mean and "
            "standard deviation over folds), write per-fold CSV files and PNG plots. Finished "
            "cells are cached in the output folder: a re-run skips them."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    bench.add_argument(
        "--datasets",
        nargs="+",
        default=list(DEFAULT_TASKS),
        metavar="NAME",
        help=f"tasks to run; one of: {', '.join(list_tasks())}",
    )
    bench.add_argument(
        "--estimators",
        nargs="+",
        default=list(DEFAULT_ESTIMATORS),
        metavar="NAME",
        help=f"estimators to compare; any of: {', '.join(DEFAULT_ESTIMATORS)}",
    )
    bench.add_argument("--folds", type=int, default=3, help="number of cross-validation folds")
    bench.add_argument(
        "--output", default="imbnn_results", help="folder for the CSV files, plots and cache"
    )
    bench.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="fits run at once (-1: all cores or Dask workers; default 1, with dask -1)",
    )
    bench.add_argument(
        "--backend",
        choices=["loky", "threading", "sequential", "dask"],
        default=None,
        help="joblib back end (default: loky when --n-jobs > 1)",
    )
    bench.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address for --backend dask (default: a local cluster)",
    )
    bench.add_argument(
        "--network",
        choices=["mlp", "linear"],
        default="mlp",
        help="one hidden layer of 100 units, or a linear model",
    )
    bench.add_argument("--max-epochs", type=int, default=100)
    bench.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    bench.add_argument("--batch-size", type=int, default=256, help="-1 for full batch")
    bench.add_argument("--random-state", type=int, default=0, help="seeds folds and networks")
    bench.add_argument(
        "--data-home", default=None, help="folder of the real data sets (else $IMBNN_DATA)"
    )
    bench.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None):
    """Run the ``imbnn`` command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "benchmark":
        parser.print_help()
        return 2
    return _benchmark(args, parser)


def _benchmark(args, parser):
    from .benchmark import Benchmark, default_estimators, list_tasks, load_task, summarize

    unknown = [name for name in args.datasets if name not in list_tasks()]
    if unknown:
        parser.error(f"unknown data set(s) {unknown}; choose from {', '.join(list_tasks())}")
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    try:
        estimators = default_estimators(
            args.estimators,
            network=args.network,
            max_epochs=args.max_epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            random_state=args.random_state,
        )
    except ValueError as error:
        parser.error(str(error))
    start = time.perf_counter()
    try:
        datasets = {name: load_task(name, data_home=args.data_home) for name in args.datasets}
    except FileNotFoundError as error:
        print(f"imbnn benchmark: {error}", file=sys.stderr)
        return 1
    for name, task in datasets.items():
        print(
            f"{name}: {task.data.shape[0]} rows, {task.data.shape[1]} features, "
            f"{int(task.target.sum())} positive. {task.DESCR}"
        )
    output = Path(args.output)
    n_jobs = args.n_jobs if args.n_jobs is not None else (-1 if args.backend == "dask" else 1)
    bench = Benchmark(
        estimators,
        datasets,
        cv=args.folds,
        output=output,
        n_jobs=n_jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        random_state=args.random_state,
        progress=not args.quiet,
    )
    scores = bench.run()
    if bench.n_cached_:
        print(
            f"{bench.n_cached_} of {len(scores)} results (data set, estimator, fold) were "
            f"already in {output}/cells and were not recomputed."
        )
    table = summarize(scores)
    table["test ROC AUC"] = [
        f"{m:.3f} +- {s:.3f}" for m, s in zip(table["mean"], table["std"].fillna(0))
    ]
    shown = table.pivot(index="estimator", columns="dataset", values="test ROC AUC")
    shown = shown.loc[
        list(dict.fromkeys(scores["estimator"])), list(dict.fromkeys(scores["dataset"]))
    ]
    print(f"\nTest ROC AUC, mean +- standard deviation over {args.folds} folds:\n")
    print(shown.to_string())
    print(
        f"\nPer-fold results: {output / 'results.csv'} (epochs: history.csv, ROC curves: roc.csv)"
    )
    if not args.no_plots:
        try:
            from .plotting import save_benchmark_plots

            written = save_benchmark_plots(scores, bench.history_, bench.roc_, output)
            print("Plots: " + ", ".join(str(path) for path in written))
        except ImportError:
            print("Plots skipped: matplotlib is not installed (pip install 'imbnn[plot]').")
    print(f"Finished in {time.perf_counter() - start:.1f} s.")
    return 0
