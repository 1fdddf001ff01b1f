"""The ``imbnn`` command line: ``imbnn benchmark`` (also ``python -m imbnn benchmark``)."""

import argparse
import shlex
import signal
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _parser():
    from . import __version__
    from .benchmark import DEFAULT_ESTIMATORS, DEFAULT_TASKS, ESTIMATORS, list_tasks

    parser = argparse.ArgumentParser(
        prog="imbnn", description="imbnn: neural networks for imbalanced data."
    )
    parser.add_argument("--version", action="version", version=f"imbnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = commands.add_parser(
        "benchmark",
        help="cross-validate imbnn's networks and baselines on imbalanced tasks",
        description=(
            "Cross-validate the featureless baseline, imbnn's networks (cross-entropy plain "
            "and class-weighted, AUM, ReMix, ALM, each also threshold-tuned) and "
            "scikit-learn baselines on imbalanced tasks or on your own table; print the test "
            "ROC AUC (mean and standard deviation over folds), write per-fold CSV files and "
            "PNG plots. Finished cells are cached in the output folder: a re-run (also after "
            "Ctrl-C) skips them, and the folder's tables keep every earlier run's results."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    bench.add_argument(
        "--datasets",
        nargs="+",
        default=None,
        metavar="NAME",
        help=f"tasks to run (default: {' '.join(DEFAULT_TASKS)} without --data); any of: "
        f"{', '.join(list_tasks())}",
    )
    bench.add_argument(
        "--data",
        default=None,
        metavar="FILE",
        help="your own CSV or parquet table (with --target): categorical columns are one-hot "
        "encoded and missing values imputed inside each fold's pipeline",
    )
    bench.add_argument("--target", default=None, metavar="COLUMN", help="the column to predict")
    bench.add_argument(
        "--positive",
        default=None,
        metavar="LABEL",
        help="the positive class of a two-class --target (default: the minority class)",
    )
    bench.add_argument(
        "--estimators",
        nargs="+",
        default=list(DEFAULT_ESTIMATORS),
        metavar="NAME",
        help=f"estimators to compare; any of: {', '.join(ESTIMATORS)}",
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
        help="imbnn's networks: one hidden layer of 100 units, or a linear model",
    )
    bench.add_argument("--max-epochs", type=int, default=100)
    bench.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    bench.add_argument("--batch-size", type=int, default=256, help="-1 for full batch")
    bench.add_argument("--random-state", type=int, default=0, help="seeds folds and estimators")
    bench.add_argument(
        "--data-home", default=None, help="folder of the real data sets (else $IMBNN_DATA)"
    )
    bench.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None):
    """Run the ``imbnn`` command line; returns the exit status.

    Argument errors print one line (``imbnn: error: ...``, after argparse's usage
    line for the options it checks itself) and exit with status 2; Ctrl-C prints
    the command that resumes the run and returns 130 (further Ctrl-C are then
    ignored while the process exits).

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "benchmark":
        parser.print_help()
        return 2
    try:
        return _benchmark(args, parser)
    except KeyboardInterrupt:
        # The command is ending: further Ctrl-C (an impatient user) must not turn the
        # exit into a traceback, so they are ignored from here on.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print(
            f"imbnn: interrupted. To resume, run the same command: imbnn {shlex.join(argv)}",
            file=sys.stderr,
            flush=True,
        )
        return 130


def _error(message):
    print(f"imbnn: error: {message}", file=sys.stderr)
    return 2


def _load(args, parser):
    """The data sets of the command line, or an error message."""
    from .benchmark import DEFAULT_TASKS, list_tasks, load_table, load_task

    if (args.data is None) != (args.target is None):
        parser.error("--data and --target go together: --data FILE --target COLUMN")
    if args.positive is not None and args.data is None:
        parser.error("--positive needs --data FILE --target COLUMN")
    names = args.datasets
    if names is None:
        names = [] if args.data is not None else list(DEFAULT_TASKS)
    unknown = [name for name in names if name not in list_tasks()]
    if unknown:
        parser.error(f"unknown data set(s) {unknown}; choose from {', '.join(list_tasks())}")
    datasets = {}
    if args.data is not None:
        table = load_table(args.data, args.target, positive=args.positive)
        datasets[Path(args.data).name.split(".")[0]] = table
    for name in names:
        datasets[name] = load_task(name, data_home=args.data_home)
    return datasets


def _describe(name, task):
    import numpy as np

    labels, counts = np.unique(task.target, return_counts=True)
    if len(labels) == 2 and set(labels.tolist()) <= {0, 1}:
        classes = f"{int(task.target.sum())} positive"
    else:
        classes = ", ".join(f"{count} {label}" for label, count in zip(labels, counts))
    n_rows, n_features = task.data.shape
    return f"{name}: {n_rows} rows, {n_features} features, {classes}. {task.DESCR}"


def _check_folds(datasets, folds):
    """An error message when a data set's smallest class has fewer rows than folds."""
    import numpy as np

    for name, task in datasets.items():
        labels, counts = np.unique(task.target, return_counts=True)
        smallest = int(counts.min())
        label = labels[counts.argmin()]
        label = label.item() if hasattr(label, "item") else label
        if folds > smallest:
            return (
                f"--folds {folds} is more than the {smallest} rows of the smallest class "
                f"({label!r}) of {name}: some test folds would have none and "
                f"no ROC AUC. Use --folds {smallest} or fewer."
            )
    return None


def _benchmark(args, parser):
    from .benchmark import Benchmark, default_estimators, summarize, unscored_notes

    if args.folds < 2:
        parser.error("--folds must be at least 2")
    if args.max_epochs < 1:
        parser.error("--max-epochs must be at least 1")
    if args.lr <= 0:
        parser.error("--lr must be positive")
    if args.batch_size < 1 and args.batch_size != -1:
        parser.error("--batch-size must be positive, or -1 for full batch")
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
        datasets = _load(args, parser)
    except FileNotFoundError as error:
        if args.data is not None and str(args.data) in str(error):
            return _error(str(error))
        # A real data set that is neither in the data home nor downloadable.
        print(f"imbnn benchmark: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        return _error(str(error))
    for name, task in datasets.items():
        print(_describe(name, task))
    problem = _check_folds(datasets, args.folds)
    if problem:
        return _error(problem)
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
    try:
        bench.grid()
    except ValueError as error:
        return _error(str(error))
    import warnings

    with warnings.catch_warnings():
        # The table below reports folds without a score, in words.
        warnings.filterwarnings("ignore", message="Some test folds have no score")
        try:
            scores = bench.run()
        except ImportError as error:  # e.g. --backend dask without dask installed
            return _error(str(error))
    if bench.n_cached_:
        print(
            f"{bench.n_cached_} of {len(scores)} results (data set, estimator, fold) were "
            f"already in {output}/cells and were not recomputed."
        )
    _print_table(scores, summarize(scores), args.folds)
    for note in unscored_notes(scores):
        print(f"Note: {note}.")
    earlier = bench.n_folder_cells_ - len(scores)
    print(
        f"\nPer-fold results: {output / 'results.csv'} ({bench.n_folder_cells_} rows"
        + (f", {earlier} from earlier runs on other data sets or estimators" if earlier else "")
        + "; epochs: history.csv, ROC curves: roc.csv)"
    )
    if not args.no_plots:
        try:
            from .benchmark import read_results
            from .plotting import save_benchmark_plots

            tables = read_results(output)
            written = save_benchmark_plots(tables.scores, tables.history, tables.roc, output)
            print("Plots: " + ", ".join(str(path) for path in written))
        except ImportError:
            print("Plots skipped: matplotlib is not installed (pip install 'imbnn[plot]').")
    print(f"Finished in {time.perf_counter() - start:.1f} s.")
    return 0


def _print_table(scores, table, folds):
    table = table.copy()
    table["test ROC AUC"] = [
        f"{m:.3f} +- {s:.3f}" + ("" if k == n else f" ({k} of {n})")
        for m, s, k, n in zip(
            table["mean"], table["std"].fillna(0), table["n_scored"], table["n_splits"]
        )
    ]
    shown = table.pivot(index="estimator", columns="dataset", values="test ROC AUC")
    shown = shown.loc[
        list(dict.fromkeys(scores["estimator"])), list(dict.fromkeys(scores["dataset"]))
    ]
    partial = (table["n_scored"] < table["n_splits"]).any()
    print(
        f"\nTest ROC AUC, mean +- standard deviation over {folds} folds"
        + (" (over the folds scored, where some have no score: see the notes)" if partial else "")
        + ":\n"
    )
    print(shown.to_string())
