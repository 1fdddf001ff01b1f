"""The benchmark runner: estimators x data sets x splits, cached cell by cell, in parallel."""

import sys
import warnings
from contextlib import contextmanager, nullcontext
from numbers import Integral
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import Bunch
from tqdm.auto import tqdm

from ._cache import TABLE_FILES, CellCache, write_tables
from ._cell import (
    HISTORY_COLUMNS,
    ROC_COLUMNS,
    SCORE_COLUMNS,
    _INTERRUPTED,
    interrupt_guard,
    limited_threads,
    run_cell,
    start_run,
)
from ._fingerprint import array_digest, describe, digest, environment
from ._tasks import load_task

__all__ = ["Benchmark", "run_benchmark", "summarize", "read_results"]

_SPLIT_COLUMNS = ["test_subset", "test_fold", "train_subsets", "downsampled"]
_BACKENDS = ("loky", "threading", "multiprocessing", "sequential", "dask")
# What a cell file holds and how its fingerprint is made: a change of either makes
# every earlier cell's fingerprint differ, so no format number needs a manual bump.
_SCHEMA = {
    "scores": SCORE_COLUMNS,
    "history": HISTORY_COLUMNS,
    "roc": ROC_COLUMNS,
    "fingerprint": [
        "schema",
        "environment",
        "estimator",
        "data",
        "train",
        "test",
        "record_history",
        "n_threads",
        "keep_predictions",
    ],
}


class Benchmark:
    """Cross-validate every estimator on every data set, one cell per split.

    A cell is one (data set, estimator, split): a clone of the estimator is fitted
    on the split's training rows and scored on its test rows (ROC AUC, AUM,
    accuracy, balanced accuracy, g-mean, the false/true positive rates of the
    default decision, fit and scoring time, and for imbnn's networks the chosen
    epoch). Cells run in parallel through joblib, so any joblib back end runs them,
    including Dask ``distributed`` for a cluster.

    With ``output`` each finished cell is saved at once; a re-run on the same
    folder skips the cells already done and recomputes a cell whose fingerprint
    changed: any parameter of the estimator (the configuration and weights of
    torch modules and losses given as instances, nested estimators, classes and
    functions by module and name), the data, the split, the thread count, or the
    versions of imbnn (its source, for a development version), torch, scikit-learn,
    skorch and numpy. A parameter that cannot be fingerprinted (a lambda, a closure)
    is refused with an error naming it. Ctrl-C stops the run at once and never
    saves the fit it cut short; killed processes lose only their fits in progress;
    several processes may share a folder (every file is written under a name of
    its own and moved into place atomically). A damaged cell file is recomputed
    with a warning naming it.

    Parameters
    ----------
    estimators : dict of str to estimator, or callable
        Names and (unfitted) scikit-learn classifiers or pipelines; or a function
        ``estimators(name, data)`` of each data set's name and Bunch returning such a
        dict, for configurations that depend on the data (a seed per repeat, class
        counts).
    datasets : dict of str to data set, or list of task names
        Each value is ``(X, y)``, a Bunch/dict with ``data`` and ``target`` (and
        optionally ``subset`` and ``groups``, passed to the splitter, ``cv``, a
        splitter or list of (train, test) index pairs for this data set alone, and
        any other entries an ``estimators`` function reads), or the name of a task
        of :func:`~imbnn.benchmark.list_tasks`.
    cv : int or splitter, default=3
        An int uses :class:`~sklearn.model_selection.StratifiedKFold` with shuffling
        seeded by ``random_state``. A :class:`~imbnn.model_selection.SameOtherAllCV`
        gets each data set's ``subset`` and adds its split description (test subset,
        fold, train subsets) to the results.
    output : str or path-like, default=None
        Folder for the cell cache (``cells/``) and the tables ``results.csv``,
        ``history.csv`` and ``roc.csv``. The tables hold every (data set,
        estimator) pair the folder has results for: a run replaces the rows of
        its own pairs and keeps the others. None keeps everything in memory.
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
    scoring : dict of str to scorer, default=None
        More test scores, each stored as ``test_<name>``: a scorer name of
        scikit-learn or imbnn (``"average_precision"``, ``"neg_fpr_at_tpr_95"``) or
        a callable ``scorer(estimator, X, y)`` (``sklearn.metrics.make_scorer``).
    record_history : bool, default=True
        For skorch-based estimators, also record the subtrain AUC per epoch
        (one extra forward pass per epoch) and keep the per-epoch history.
    keep_predictions : bool, default=False
        Also keep every test row's ``predict_proba`` (in the cell files and in
        ``predictions_``), for analyses on the probabilities themselves: decision
        thresholds tuned on a validation split given as a second test set of the
        same training rows (both are scored from one fit), calibration curves.
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
    predictions_ : pandas.DataFrame
        With ``keep_predictions=True``: one row per cell and test row, ``dataset``,
        ``estimator``, ``split``, ``row`` (its position in the data set), then
        ``proba_<class>`` per class, in the order of the split's test rows.
    n_cached_ : int
        Cells found finished in ``output`` and not recomputed.
    n_folder_cells_ : int
        Rows of the folder's ``results.csv`` after the run (with ``output``).

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
        scoring=None,
        record_history=True,
        keep_predictions=False,
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
        self.scoring = scoring
        self.record_history = record_history
        self.keep_predictions = keep_predictions
        self.on_error = on_error
        self.progress = progress

    # ------------------------------------------------------------------ grid

    def _check(self):
        if not callable(self.estimators):
            _check_estimators(self.estimators)
        if self.scoring is not None and not isinstance(self.scoring, dict):
            raise TypeError(
                "scoring must be a dict of name -> scorer (a scorer name such as "
                f"'average_precision', or a callable(estimator, X, y)); got {self.scoring!r}."
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

    def _splitter(self, data=None):
        cv = self.cv if data is None or data.get("cv") is None else data.cv
        if isinstance(cv, Integral):
            return StratifiedKFold(n_splits=cv, shuffle=True, random_state=self.random_state)
        return check_cv(cv, classifier=True)

    def _estimators_for(self, name, data):
        if not callable(self.estimators):
            return self.estimators
        estimators = self.estimators(name, data)
        _check_estimators(estimators, f"estimators({name!r}, data)")
        return estimators

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
            One row per (data set, estimator, split) with the split's description
            and, with ``output``, the cell's ``fingerprint`` (the cache reuses a cell
            only while it is unchanged).

        Raises
        ------
        UnfingerprintableError
            With ``output``, for an estimator parameter the cache cannot identify
            (a lambda, a closure): the message names it and the fix.
        """
        self._check()
        with_fingerprints = self.output is not None
        rows = [
            {**cell["info"], **({"fingerprint": cell["fingerprint"]} if with_fingerprints else {})}
            for cell in self._cells(self._datasets(), fingerprints=with_fingerprints)
        ]
        return pd.DataFrame(rows)

    def _cells(self, datasets, fingerprints=False):
        if fingerprints:
            # Computed once per run, estimator and data set: a cell only adds its split.
            scoring = {
                name: describe(scorer, f"scoring[{name!r}]")
                for name, scorer in (self.scoring or {}).items()
            }
            context = digest(
                [
                    _SCHEMA,
                    environment(),
                    scoring,
                    self.record_history,
                    self.n_threads,
                    bool(self.keep_predictions),
                ]
            )
            described = {}
        for dataset_name, data in datasets.items():
            estimators = self._estimators_for(dataset_name, data)
            splitter = self._splitter(data)
            if fingerprints:
                data_digest = _data_digest(data)
                for name, estimator in estimators.items():
                    # The same object is described once, however many data sets use it.
                    if id(estimator) not in described:
                        described[id(estimator)] = (
                            estimator,
                            digest(describe(estimator, f"estimators[{name!r}]")),
                        )
            for info, train, test in self._splits(splitter, data):
                split_digest = (
                    digest([array_digest(np.asarray(train)), array_digest(np.asarray(test))])
                    if fingerprints
                    else None
                )
                for estimator_name, estimator in estimators.items():
                    key = {"dataset": dataset_name, "estimator": estimator_name, **info}
                    fingerprint = (
                        digest(
                            [context, described[id(estimator)][1], data_digest, split_digest]
                        )
                        if fingerprints
                        else None
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

        A Ctrl-C (SIGINT) stops the run at once in every back end. Cells finished
        before it are saved; the fit it interrupted is not, even when the estimator
        caught the interrupt and returned (skorch ends a fit early on Ctrl-C), and a
        re-run resumes where it stopped with the same results as a run never
        interrupted.

        Returns
        -------
        pandas.DataFrame
            ``scores_``: one row per cell with ``dataset``, ``estimator``,
            ``split`` (and ``test_subset``, ``test_fold``, ``train_subsets``,
            ``downsampled`` with SOAK), ``n_train``, ``n_test``, ``n_test_positive``
            (binary tasks), ``test_roc_auc``, ``test_aum`` (rate AUM of the ranking
            scores; it depends on their scale, 0 for constant scores),
            ``test_accuracy``, ``test_balanced_accuracy``, ``test_gmean``,
            ``test_fpr_default``, ``test_tpr_default`` (binary: rates of ``predict``),
            ``fit_time``, ``score_time``, ``best_epoch``, ``n_epochs``,
            ``best_validation_auc`` (NaN for estimators without them). ROC AUC and
            AUM are NaN for a test set without both classes (all classes, for
            multi-class tasks): :func:`summarize` counts the folds scored.

        Raises
        ------
        KeyboardInterrupt
            On Ctrl-C, after a message on standard error saying how to resume.
        """
        self._check()
        start_run()
        datasets = self._datasets()
        cache = CellCache(self.output)
        cells = list(self._cells(datasets, fingerprints=cache.folder is not None))
        results = {}
        todo = []
        for cell in cells:
            found = cache.load(cell["info"], cell["fingerprint"])
            if self.keep_predictions and found is not None and not _has_predictions(found, cell):
                found = None  # an edited file: recompute it rather than fail later
            if found is None:
                todo.append(cell)
            else:
                results[cache.name(cell["info"])] = found
        self.n_cached_ = len(cells) - len(todo)
        # One fit per (data set, estimator, training rows), scored on every test set of that
        # training set.
        fits = {}
        for cell in todo:
            fits.setdefault(
                (cell["dataset"], cell["estimator_name"], array_digest(np.asarray(cell["train"]))),
                [],
            ).append(cell)
        try:
            with interrupt_guard():
                self._run_fits(fits, datasets, cache, results, len(cells))
        except KeyboardInterrupt:
            saved = self.n_cached_ + self.n_saved_
            where = (
                f"; {saved} of {len(cells)} cells are saved in {cache.folder}. Run the same "
                "command again to resume: finished cells are not recomputed"
                if cache.folder is not None
                else " (output=None: nothing was saved)"
            )
            print(f"\nimbnn benchmark: interrupted{where}.", file=sys.stderr, flush=True)
            raise
        ordered = [results[cache.name(cell["info"])] for cell in cells]
        self.scores_, self.history_, self.roc_ = _tables(ordered)
        if self.keep_predictions:
            self.predictions_ = _prediction_table(ordered, [cell["test"] for cell in cells])
        _warn_unscored(self.scores_)
        if self.output is not None:
            merged = write_tables(
                Path(self.output),
                {
                    "results.csv": self.scores_,
                    "history.csv": self.history_,
                    "roc.csv": self.roc_,
                },
            )
            self.n_folder_cells_ = len(merged["results.csv"])
        return self.scores_

    def _run_fits(self, fits, datasets, cache, results, n_cells):
        self.n_saved_ = 0
        bar = tqdm(
            total=n_cells,
            initial=self.n_cached_,
            disable=not self.progress,
            desc="imbnn benchmark",
            unit="cell",
            dynamic_ncols=True,
        )
        with bar, self._parallel_context(datasets), limited_threads(self.n_threads):
            parallel = joblib.Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
            outputs = parallel(
                joblib.delayed(_run_fit_task)(
                    [cache.name(cell["info"]) for cell in group],
                    group[0]["estimator"],
                    datasets[group[0]["dataset"]].data,
                    datasets[group[0]["dataset"]].target,
                    group[0]["train"],
                    [cell["test"] for cell in group],
                    self.n_threads,
                    self.record_history,
                    self.on_error,
                    self.scoring,
                    bool(self.keep_predictions),
                )
                for group in fits.values()
            )
            by_name = {cache.name(cell["info"]): cell for group in fits.values() for cell in group}
            for names, cell_results in outputs:
                if _INTERRUPTED.is_set():
                    # A result that arrives after Ctrl-C may come from a cut fit: drop it.
                    raise KeyboardInterrupt
                for name, result in zip(names, cell_results):
                    cell = by_name[name]
                    result = {"info": cell["info"], "fingerprint": cell["fingerprint"], **result}
                    if result["error"] is None:
                        cache.save(cell["info"], result)
                        self.n_saved_ += 1
                    results[name] = result
                bar.set_postfix_str(f"{cell['dataset']} / {cell['estimator_name']}", refresh=False)
                bar.update(len(names))

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


def _data_digest(data):
    parts = []
    for key in ("data", "target", "subset", "groups"):
        value = data.get(key)
        if value is None:
            parts.append(None)
        elif isinstance(value, np.ndarray) and value.dtype != object:
            parts.append(array_digest(value))
        else:
            parts.append(joblib.hash(value))  # DataFrames, sparse matrices, lists
    return digest(parts)


def _warn_unscored(scores):
    notes = unscored_notes(scores)
    if notes:
        warnings.warn(
            "Some test folds have no score: " + "; ".join(notes) + ".",
            RuntimeWarning,
            stacklevel=3,
        )


def unscored_notes(scores, score="test_roc_auc"):
    """One line per (data set, estimator) with folds that have no ``score``, and why.

    Parameters
    ----------
    scores : pandas.DataFrame
    score : str, default="test_roc_auc"

    Returns
    -------
    list of str
        E.g. ``"aum on breast_cancer: 39 of 50 folds scored; 11 test folds had no positive"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from imbnn.benchmark import unscored_notes
    >>> scores = pd.DataFrame({"dataset": "d", "estimator": "e", "n_test": 10,
    ...                        "n_test_positive": [3, 0], "test_roc_auc": [0.8, np.nan]})
    >>> unscored_notes(scores)
    ['e on d: 1 of 2 folds scored; 1 test folds had no positive']
    """
    if score not in scores.columns or not scores[score].isna().any():
        return []
    notes = []
    for (dataset, estimator), rows in scores.groupby(["dataset", "estimator"], sort=False):
        missing = rows[rows[score].isna()]
        if not len(missing):
            continue
        reasons = []
        if "error" in missing.columns and missing["error"].notna().any():
            failed = missing["error"].notna()
            reasons.append(f"{int(failed.sum())} failed (see the error column)")
            missing = missing[~failed]
        positives = missing.get("n_test_positive")
        if not len(missing):
            pass
        elif positives is not None and "n_test" in missing.columns:
            no_positive = int((positives == 0).sum())
            no_negative = int((positives == missing["n_test"]).sum())
            other = len(missing) - no_positive - no_negative
            if no_positive:
                reasons.append(f"{no_positive} test folds had no positive")
            if no_negative:
                reasons.append(f"{no_negative} test folds had no negative")
            if other:
                reasons.append(f"{other} failed or lacked a class")
        else:
            reasons.append(f"{len(missing)} lacked a class or failed")
        n_scored = int(rows[score].notna().sum())
        notes.append(
            f"{estimator} on {dataset}: {n_scored} of {len(rows)} folds scored; "
            + ", ".join(reasons)
        )
    return notes


def _run_fit_task(
    names, estimator, X, y, train, tests, n_threads, record_history, on_error, scoring,
    keep_predictions,
):
    return names, run_cell(
        estimator,
        X,
        y,
        train,
        tests,
        n_threads=n_threads,
        record_history=record_history,
        on_error=on_error,
        scoring=scoring,
        keep_predictions=keep_predictions,
    )


def _check_estimators(estimators, where="estimators"):
    if not isinstance(estimators, dict) or not estimators:
        raise ValueError(
            f"{where} must be a non-empty dict of name -> estimator"
            + (" (or a function of a data set's name and Bunch returning one)." if where ==
               "estimators" else ".")
        )
    for name, estimator in estimators.items():
        if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
            raise TypeError(f"{where}[{name!r}] is not a scikit-learn estimator: {estimator!r}.")


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


def _has_predictions(result, cell):
    predictions = result.get("predictions")
    return (
        isinstance(predictions, dict)
        and isinstance(predictions.get("proba"), list)
        and len(predictions["proba"]) == len(cell["test"])
    )


def _prediction_table(results, tests):
    """One row per cell and test row: its ids, its row number and its class probabilities."""
    frames = []
    for result, test in zip(results, tests):
        key = result["info"]
        predictions = result["predictions"]
        frame = pd.DataFrame(
            np.asarray(predictions["proba"], dtype=np.float64).reshape(len(test), -1),
            columns=[f"proba_{label}" for label in predictions["classes"]],
        )
        frame.insert(0, "row", np.asarray(test))
        for position, column in enumerate(("dataset", "estimator", "split")):
            frame.insert(position, column, key[column])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


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
    ordered += ["n_train", "n_test"] + SCORE_COLUMNS
    for column in ordered:
        if column not in scores.columns:
            scores[column] = np.nan
    if scores["error"].isna().all():
        scores = scores.drop(columns="error")
    scores = scores[ordered + [c for c in scores.columns if c not in ordered]]
    history = pd.DataFrame(
        history_rows, columns=["dataset", "estimator", "split"] + HISTORY_COLUMNS
    )
    roc = pd.DataFrame(roc_rows, columns=["dataset", "estimator", "split"] + ROC_COLUMNS)
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

    Splits without the score (a test fold without a positive has no ROC AUC) are
    left out of the mean and counted: ``n_scored`` of ``n_splits``
    (:func:`~imbnn.benchmark.unscored_notes` says why).

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
        The ``by`` columns, ``mean``, ``std`` (sample standard deviation over the
        splits scored), ``min``, ``max``, ``n_scored`` and ``n_splits``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from imbnn.benchmark import summarize
    >>> scores = pd.DataFrame({"dataset": "d", "estimator": "e",
    ...                        "test_roc_auc": [0.8, 0.9, np.nan]})
    >>> summarize(scores)[["mean", "n_scored", "n_splits"]].round(2).values.tolist()
    [[0.85, 2.0, 3.0]]
    """
    if score not in scores.columns:
        raise ValueError(f"scores has no column {score!r}.")
    if by is None:
        by = ["dataset", "estimator"] + [
            c for c in ("test_subset", "train_subsets", "downsampled") if c in scores.columns
        ]
    grouped = scores.groupby(by, sort=False)[score]
    table = grouped.agg(["mean", "std", "min", "max", "count", "size"]).rename(
        columns={"count": "n_scored", "size": "n_splits"}
    )
    return table.reset_index()


# The columns read_results requires, and those that must be numeric where present.
_REQUIRED = {
    "results.csv": ["dataset", "estimator", "split"],
    "history.csv": ["dataset", "estimator", "split", "epoch"],
    "roc.csv": ["dataset", "estimator", "split"] + ROC_COLUMNS,
}
_NUMERIC = {
    "results.csv": ["split", "n_train", "n_test"] + SCORE_COLUMNS,
    "history.csv": ["split"] + HISTORY_COLUMNS,
    "roc.csv": ["split"] + ROC_COLUMNS,
}


def read_results(output):
    """Read the tables a benchmark wrote to ``output``, checking their columns and types.

    Parameters
    ----------
    output : str or path-like

    Returns
    -------
    Bunch
        ``scores``, ``history`` and ``roc`` DataFrames.

    Raises
    ------
    FileNotFoundError
        When a table is missing.
    ValueError
        When a table lacks a column or holds a non-number in a numeric column; the
        message names the file, the column and the first bad row.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> from imbnn import FeaturelessClassifier
    >>> from imbnn.benchmark import Benchmark, read_results
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> folder = tempfile.mkdtemp()
    >>> _ = Benchmark({"featureless": FeaturelessClassifier()}, {"toy": (X, y)},
    ...               cv=2, output=folder, progress=False).run()
    >>> read_results(folder).scores[["dataset", "estimator", "split"]].shape
    (2, 3)
    """
    folder = Path(output)
    missing = [name for name in TABLE_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}: run the benchmark with output={folder}."
        )
    tables = {}
    for name in TABLE_FILES:
        path = folder / name
        try:
            frame = pd.read_csv(path)
        except (ValueError, pd.errors.ParserError) as error:
            raise ValueError(f"{path} is not a readable CSV table: {error}") from None
        absent = [column for column in _REQUIRED[name] if column not in frame.columns]
        if absent:
            raise ValueError(
                f"{path} lacks the column(s) {absent}: it was not written by imbnn's benchmark "
                "(or was edited). Run the benchmark again on this folder to rewrite it."
            )
        for column in _NUMERIC[name]:
            if column not in frame.columns or pd.api.types.is_numeric_dtype(frame[column]):
                continue
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = values.isna() & frame[column].notna()
            if not bad.any():
                frame[column] = values
                continue
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{path}: column {column!r} must hold numbers; row {row + 2} holds "
                f"{frame[column].iloc[row]!r}. Run the benchmark again on this folder to "
                "rewrite it."
            )
        tables[name] = frame
    return Bunch(
        scores=tables["results.csv"], history=tables["history.csv"], roc=tables["roc.csv"]
    )
