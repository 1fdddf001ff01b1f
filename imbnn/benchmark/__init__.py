"""Benchmarks of classifiers on imbalanced tasks: estimators x data sets x splits.

:class:`Benchmark` cross-validates every estimator on every data set, one cell
per split, in parallel through joblib (including a Dask cluster), caching each
finished cell so that a re-run skips it. :func:`summarize` tabulates the scores and
:mod:`imbnn.plotting` draws them. ``imbnn benchmark`` is its command line.
"""

from ._callbacks import SubtrainAUC
from ._defaults import DEFAULT_ESTIMATORS, ESTIMATORS, default_estimators
from ._fingerprint import UnfingerprintableError
from ._runner import Benchmark, read_results, run_benchmark, summarize, unscored_notes
from ._tasks import DEFAULT_TASKS, list_tasks, load_table, load_task

__all__ = [
    "Benchmark",
    "DEFAULT_ESTIMATORS",
    "DEFAULT_TASKS",
    "ESTIMATORS",
    "SubtrainAUC",
    "UnfingerprintableError",
    "default_estimators",
    "list_tasks",
    "load_table",
    "load_task",
    "read_results",
    "run_benchmark",
    "summarize",
    "unscored_notes",
]
