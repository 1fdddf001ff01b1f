"""The benchmark runner: estimators x data sets x splits, cached cell by cell, in parallel."""

import hashlib
import json
import os
import re
from contextlib import contextmanager, nullcontext
from numbers import Integral
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import Bunch
from tqdm.auto import tqdm

from ._cell import HISTORY_COLUMNS, estimator_signature, run_cell
from ._tasks import load_task

__all__ = ["Benchmark", "run_benchmark", "summarize", "read_results"]

_SPLIT_COLUMNS = ["test_subset", "test_fold", "train_subsets", "downsampled"]
_SCORE_COLUMNS = [
    "test_roc_auc",
    "test_aum",
    "test_accuracy",
    "test_balanced_accuracy",
    "test_gmean",
    "test_fpr_default",
    "test_tpr_default",
    "fit_time",
    "score_time",
    "best_epoch",
    "n_epochs",
    "best_validation_auc",
]
_BACKENDS = ("loky", "threading", "multiprocessing", "sequential", "dask")
# Bump when the content of a cell's result changes, so that old caches are recomputed.
_CELL_FORMAT = 1


class Benchmark:
    """Cross-validate every estimator on every data set, one cell per split.

    A cell is one (data set, estimator, split): a clone of the estimator is fitted
    on the split's training rows and scored on its test rows (ROC AUC, AUM,
    accuracy, balanced accuracy, g-mean, the false/true positive rates of the
    default decision, fit and scoring time, and for imbnn's networks the chosen
    epoch). Cells run in parallel through joblib, so any joblib back end runs them,
    including Dask ``distributed`` for a cluster. With ``output`` each finished cell
    is saved at once; a re-run on the same folder skips the cells already done
    (an interrupted run loses nothing finished), and recomputes a cell whose
    estimator parameters, data or split changed.

    Parameters
    ----------
    estimators : dict of str to estimator
        Names and (unfitted) scikit-learn classifiers or pipelines.
    datasets : dict of str to data set, or list of task names
        Each value is ``(X, y)``, a Bunch/dict with ``data`` and ``target`` (and
        optionally ``subset`` and ``groups``, passed to the splitter), or the name
        of a task of :func:`~imbnn.benchmark.list_tasks`.
    cv : int or splitter, default=3
        An int uses :class:`~sklearn.model_selection.StratifiedKFold` with shuffling
        seeded by ``random_state``. A :class:`~imbnn.model_selection.SameOtherAllCV`
        gets each data set's ``subset`` and adds its split description (test subset,
        fold, train subsets) to the results.
    output : str or path-like, default=None
        Folder for the cell cache (``cells/``) and the tables ``results.csv``,
        ``history.csv`` and ``roc.csv``. None keeps everything in memory.
    n_jobs : int, default=None
        Cells run at once (joblib's meaning: None is 1, -1 all cores or Dask workers).
    backend : {"loky", "threading", "multiprocessing", "sequential", "dask"}, default=None
        joblib back end; None uses joblib's default (loky) or the one of an
        enclosing ``joblib.parallel_config``. "dask" sends cells to a Dask
        ``distributed`` cluster: the one of ``scheduler``, else the current client,
        else a new ``LocalCluster`` with ``n_jobs`` single-threaded workers.
    scheduler : str or distributed.Client, default=None
        For ``backend="dask"``: a scheduler address (``"tcp://host:8786"``) or a client.
    n_threads : int or None, default=1
        torch and BLAS threads inside each cell. A fixed count makes a cell's
        results the same in every back end; None leaves the libraries' defaults.
    random_state : int, default=0
        Seeds the default splitter. Estimators keep their own ``random_state``.
    record_history : bool, default=True
        For skorch-based estimators, also record the subtrain AUC per epoch
        (one extra forward pass per epoch) and keep the per-epoch history.
    on_error : {"raise", "record"}, default="raise"
        "record" keeps going when a cell fails, stores the traceback in an ``error``
        column and does not cache the cell, so that a re-run retries it.
    progress : bool, default=True
        Show a progress bar of the cells.

    Attributes
    ----------
    scores_ : pandas.DataFrame
        One row per cell (see :meth:`run`).
    history_ : pandas.DataFrame
        One row per cell and epoch: ``dataset``, ``estimator``, ``split``,
        ``epoch``, ``train_loss``, ``valid_loss``, ``train_auc``, ``valid_auc``, ``dur``.
    roc_ : pandas.DataFrame
        ROC curve points of binary tasks: ``dataset``, ``estimator``, ``split``,
        ``fpr``, ``tpr``, ``threshold``.
    n_cached_ : int
        Cells found finished in ``output`` and not recomputed.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from imbnn.benchmark import Benchmark, summarize
    >>> from imbnn.estimators import FeaturelessClassifier
    >>> bench = Benchmark(
    ...     {"featureless": FeaturelessClassifier(),
    ...      "logistic": make_pipeline(StandardScaler(), LogisticRegression())},
    ...     {"breast_cancer": load_breast_cancer(return_X_y=True)}, cv=3, progress=False)
    >>> scores = bench.run()
    >>> scores.shape[0]
    6
    >>> table = summarize(scores)
    >>> table["estimator"].tolist(), bool(table["mean"].iloc[1] > 0.98)
    (['featureless', 'logistic'], True)
    """

    def __init__(
        self,
        estimators,
        datasets,
        *,
        cv=3,
        output=None,
        n_jobs=None,
        backend=None,
        scheduler=None,
        n_threads=1,
        random_state=0,
        record_history=True,
        on_error="raise",
        progress=True,
    ):
        self.estimators = estimators
        self.datasets = datasets
        self.cv = cv
        self.output = output
        self.n_jobs = n_jobs
        self.backend = backend
        self.scheduler = scheduler
        self.n_threads = n_threads
        self.random_state = random_state
        self.record_history = record_history
        self.on_error = on_error
        self.progress = progress

    # ------------------------------------------------------------------ grid

    def _check(self):
        if not isinstance(self.estimators, dict) or not self.estimators:
            raise ValueError("estimators must be a non-empty dict of name -> estimator.")
        for name, estimator in self.estimators.items():
            if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
                raise TypeError(
                    f"estimators[{name!r}] is not a scikit-learn estimator: {estimator!r}."
                )
        if self.backend is not None and self.backend not in _BACKENDS:
            raise ValueError(f"backend must be one of {_BACKENDS} or None; got {self.backend!r}.")
        if self.on_error not in ("raise", "record"):
            raise ValueError(f"on_error must be 'raise' or 'record'; got {self.on_error!r}.")
        if self.n_threads is not None and (
            not isinstance(self.n_threads, Integral) or self.n_threads < 1
        ):
            raise ValueError(f"n_threads must be a positive int or None; got {self.n_threads!r}.")

    def _datasets(self):
        datasets = self.datasets
        if isinstance(datasets, (list, tuple)):
            datasets = {name: name for name in datasets}
        if not isinstance(datasets, dict) or not datasets:
            raise ValueError(
                "datasets must be a non-empty dict of name -> data, or a list of task names."
            )
        return {name: _as_dataset(name, value) for name, value in datasets.items()}

    def _splitter(self):
        if isinstance(self.cv, Integral):
            return StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        return check_cv(self.cv, classifier=True)

    def _splits(self, splitter, data):
        X, y = data.data, data.target
        if hasattr(splitter, "split_with_info"):
            if data.get("subset") is None:
                raise ValueError(
                    f"{type(splitter).__name__} needs the subset of every row: give the data set "
                    "as a dict/Bunch with a 'subset' entry."
                )
            yield from splitter.split_with_info(X, y, data.get("groups"), subset=data.subset)
            return
        for number, (train, test) in enumerate(splitter.split(X, y, data.get("groups"))):
            yield {"split": number, "n_train": len(train), "n_test": len(test)}, train, test

    def grid(self):
        """The cells to run, without running them.

        Returns
        -------
        pandas.DataFrame
            One row per (data set, estimator, split) with the split's description.
        """
        self._check()
        return pd.DataFrame([cell["info"] for cell in self._cells(self._datasets())])

    def _cells(self, datasets):
        splitter = self._splitter()
        for dataset_name, data in datasets.items():
            digest = joblib.hash((data.data, data.target))
            for info, train, test in self._splits(splitter, data):
                for estimator_name, estimator in self.estimators.items():
                    key = {"dataset": dataset_name, "estimator": estimator_name, **info}
                    fingerprint = joblib.hash(
                        (
                            _CELL_FORMAT,
                            estimator_signature(estimator),
                            digest,
                            train,
                            test,
                            self.record_history,
                        )
                    )
                    yield {
                        "info": key,
                        "dataset": dataset_name,
                        "estimator_name": estimator_name,
                        "estimator": estimator,
                        "train": train,
                        "test": test,
                        "fingerprint": fingerprint,
                    }

    # ------------------------------------------------------------------ running

    def run(self):
        """Run the cells not finished yet, then gather every cell's results.

        Returns
        -------
        pandas.DataFrame
            ``scores_``: one row per cell with ``dataset``, ``estimator``,
            ``split`` (and ``test_subset``, ``test_fold``, ``train_subsets``,
            ``downsampled`` with SOAK), ``n_train``, ``n_test``, ``test_roc_auc``,
            ``test_aum`` (rate AUM of the ranking scores; it depends on their scale,
            0 for constant scores), ``test_accuracy``, ``test_balanced_accuracy``,
            ``test_gmean``, ``test_fpr_default``, ``test_tpr_default`` (binary: rates
            of ``predict``), ``fit_time``, ``score_time``, ``best_epoch``,
            ``n_epochs``, ``best_validation_auc`` (NaN for estimators without them).
        """
        self._check()
        datasets = self._datasets()
        cells = list(self._cells(datasets))
        cache = _CellCache(self.output)
        results = {}
        todo = []
        for cell in cells:
            found = cache.load(cell)
            if found is None:
                todo.append(cell)
            else:
                results[cache.name(cell)] = found
        self.n_cached_ = len(cells) - len(todo)
        bar = tqdm(
            total=len(cells),
            initial=self.n_cached_,
            disable=not self.progress,
            desc="imbnn benchmark",
            unit="cell",
            dynamic_ncols=True,
        )
        # One fit per (data set, estimator, training rows), scored on every test set of that
        # training set.
        fits = {}
        for cell in todo:
            fits.setdefault(
                (cell["dataset"], cell["estimator_name"], joblib.hash(cell["train"])), []
            ).append(cell)
        with bar, self._parallel_context(datasets):
            parallel = joblib.Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
            outputs = parallel(
                joblib.delayed(_run_fit_task)(
                    [cache.name(cell) for cell in group],
                    group[0]["estimator"],
                    datasets[group[0]["dataset"]].data,
                    datasets[group[0]["dataset"]].target,
                    group[0]["train"],
                    [cell["test"] for cell in group],
                    self.n_threads,
                    self.record_history,
                    self.on_error,
                )
                for group in fits.values()
            )
            by_name = {cache.name(cell): cell for cell in todo}
            for names, cell_results in outputs:
                for name, result in zip(names, cell_results):
                    cell = by_name[name]
                    result = {"info": cell["info"], "fingerprint": cell["fingerprint"], **result}
                    if result["error"] is None:
                        cache.save(cell, result)
                    results[name] = result
                bar.set_postfix_str(f"{cell['dataset']} / {cell['estimator_name']}", refresh=False)
                bar.update(len(names))
        ordered = [results[cache.name(cell)] for cell in cells]
        self.scores_, self.history_, self.roc_ = _tables(ordered)
        if self.output is not None:
            folder = Path(self.output)
            self.scores_.to_csv(folder / "results.csv", index=False)
            self.history_.to_csv(folder / "history.csv", index=False)
            self.roc_.to_csv(folder / "roc.csv", index=False)
        return self.scores_

    @contextmanager
    def _parallel_context(self, datasets):
        if self.backend != "dask":
            with joblib.parallel_config(backend=self.backend) if self.backend else nullcontext():
                yield
            return
        client, owned = _dask_client(self.scheduler, self.n_jobs)
        try:
            # Ship each data set to the workers once instead of once per cell.
            arrays = [value for data in datasets.values() for value in (data.data, data.target)]
            with joblib.parallel_config(backend="dask", client=client, scatter=arrays):
                yield
        finally:
            if owned:
                cluster = client.cluster
                client.close()
                if cluster is not None:
                    cluster.close()


def _run_fit_task(names, estimator, X, y, train, tests, n_threads, record_history, on_error):
    return names, run_cell(
        estimator,
        X,
        y,
        train,
        tests,
        n_threads=n_threads,
        record_history=record_history,
        on_error=on_error,
    )


def _dask_client(scheduler, n_jobs):
    """The Dask client to use and whether this run created it (and must close it)."""
    try:
        from distributed import Client, LocalCluster, get_client
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ImportError(
            "backend='dask' needs dask's distributed scheduler: pip install 'imbnn[distributed]'."
        ) from error
    if isinstance(scheduler, Client):
        return scheduler, False
    if scheduler is not None:
        return Client(scheduler), True
    try:
        return get_client(), False
    except ValueError:
        n_workers = joblib.cpu_count() if n_jobs in (None, -1) else max(1, int(n_jobs))
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, dashboard_address=None)
        return Client(cluster), True


def _as_dataset(name, value):
    if isinstance(value, str):
        return load_task(value)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"datasets[{name!r}] must be (X, y); got a tuple of {len(value)}.")
        return Bunch(data=value[0], target=np.asarray(value[1]))
    if isinstance(value, dict) and "data" in value and "target" in value:
        data = Bunch(**value)
        data.target = np.asarray(data.target)
        return data
    raise TypeError(
        f"datasets[{name!r}] must be (X, y), a Bunch with data and target, or a task name."
    )


class _CellCache:
    """One JSON file per finished cell under ``<output>/cells``; nothing when output is None."""

    def __init__(self, output):
        self.folder = None if output is None else Path(output) / "cells"
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def name(cell):
        info = cell["info"]
        readable = "__".join(
            re.sub(r"[^A-Za-z0-9_.-]+", "-", str(part))
            for part in (info["dataset"], info["estimator"], f"split{info['split']:04d}")
        )
        # Different names can sanitise alike: a hash of the exact names keeps files apart.
        exact = hashlib.sha1(
            repr((info["dataset"], info["estimator"], info["split"])).encode()
        ).hexdigest()
        return f"{readable}__{exact[:8]}"

    def _path(self, cell):
        return self.folder / f"{self.name(cell)}.json"

    def load(self, cell):
        if self.folder is None:
            return None
        path = self._path(cell)
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            return None  # absent, or cut short by a crash while writing: run it again
        if result.get("fingerprint") != cell["fingerprint"]:
            return None
        return result

    def save(self, cell, result):
        if self.folder is None:
            return
        path = self._path(cell)
        temporary = path.with_suffix(".json.part")
        temporary.write_text(json.dumps(result, default=_json_default, allow_nan=True))
        os.replace(temporary, path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a cell file")


def _tables(results):
    score_rows, history_rows, roc_rows = [], [], []
    for result in results:
        key = result["info"]
        ids = {"dataset": key["dataset"], "estimator": key["estimator"], "split": key["split"]}
        score_rows.append({**key, **result["scores"], "error": result.get("error")})
        history_rows += [{**ids, **row} for row in result["history"]]
        roc = result.get("roc")
        if roc:
            roc_rows += [
                {**ids, "fpr": fpr, "tpr": tpr, "threshold": threshold}
                for fpr, tpr, threshold in zip(roc["fpr"], roc["tpr"], roc["threshold"])
            ]
    scores = pd.DataFrame(score_rows)
    ordered = ["dataset", "estimator", "split"] + [c for c in _SPLIT_COLUMNS if c in scores.columns]
    ordered += ["n_train", "n_test"] + _SCORE_COLUMNS
    for column in ordered:
        if column not in scores.columns:
            scores[column] = np.nan
    if scores["error"].isna().all():
        scores = scores.drop(columns="error")
    scores = scores[ordered + [c for c in scores.columns if c not in ordered]]
    history = pd.DataFrame(
        history_rows, columns=["dataset", "estimator", "split"] + HISTORY_COLUMNS
    )
    roc = pd.DataFrame(
        roc_rows, columns=["dataset", "estimator", "split", "fpr", "tpr", "threshold"]
    )
    return scores, history, roc


def run_benchmark(estimators, datasets, **params):
    """Run a :class:`Benchmark` and return its scores (one row per cell).

    Parameters
    ----------
    estimators, datasets
        See :class:`Benchmark`.
    **params
        The other parameters of :class:`Benchmark` (``cv``, ``output``, ``n_jobs``,
        ``backend``, ...).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from imbnn.benchmark import run_benchmark
    >>> from imbnn.estimators import FeaturelessClassifier
    >>> scores = run_benchmark({"featureless": FeaturelessClassifier()},
    ...                        {"cancer": load_breast_cancer(return_X_y=True)}, progress=False)
    >>> scores["test_roc_auc"].tolist()
    [0.5, 0.5, 0.5]
    """
    return Benchmark(estimators, datasets, **params).run()


def summarize(scores, score="test_roc_auc", by=None):
    """Mean and spread of a score over the splits, per data set and estimator.

    Parameters
    ----------
    scores : pandas.DataFrame
        As returned by :func:`run_benchmark`.
    score : str, default="test_roc_auc"
    by : list of str, default=None
        Grouping columns; by default ``dataset``, ``estimator`` and, when present,
        ``test_subset``, ``train_subsets`` and ``downsampled``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``mean``, ``std`` (sample standard deviation over
        splits), ``min``, ``max`` and ``n_splits``.
    """
    if score not in scores.columns:
        raise ValueError(f"scores has no column {score!r}.")
    if by is None:
        by = ["dataset", "estimator"] + [
            c for c in ("test_subset", "train_subsets", "downsampled") if c in scores.columns
        ]
    grouped = scores.groupby(by, sort=False)[score]
    table = grouped.agg(["mean", "std", "min", "max", "count"]).rename(
        columns={"count": "n_splits"}
    )
    return table.reset_index()


def read_results(output):
    """Read the tables a benchmark wrote to ``output``.

    Parameters
    ----------
    output : str or path-like

    Returns
    -------
    Bunch
        ``scores``, ``history`` and ``roc`` DataFrames.
    """
    folder = Path(output)
    missing = [
        name for name in ("results.csv", "history.csv", "roc.csv") if not (folder / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}: run the benchmark with output={folder}."
        )
    return Bunch(
        scores=pd.read_csv(folder / "results.csv"),
        history=pd.read_csv(folder / "history.csv"),
        roc=pd.read_csv(folder / "roc.csv"),
    )
