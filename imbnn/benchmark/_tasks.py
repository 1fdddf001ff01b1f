"""Named benchmark tasks: imbalanced binary problems built from bundled or real data."""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.utils import Bunch

from ..datasets import (
    IMBALANCED_LEARN_DATASETS,
    load_coil2000,
    load_fashion_mnist,
    load_imbalanced_learn,
    load_mnist,
    load_ozone,
    load_usps,
    make_imbalanced,
)

__all__ = ["list_tasks", "load_task", "load_table", "DEFAULT_TASKS"]

#: The tasks ``imbnn benchmark`` runs without options: data shipped with scikit-learn.
DEFAULT_TASKS = ("breast_cancer", "digits")

# Every task is derived with this seed, so that a task is the same in every run
# (the benchmark's cache recognises finished cells by their data).
_TASK_SEED = 0
_EVEN = [0, 2, 4, 6, 8]


def _breast_cancer(data_home):
    X, y = load_breast_cancer(return_X_y=True)
    # scikit-learn codes malignant as 0; make it the 10% positive class.
    X, y = make_imbalanced(
        X, y, minority_classes=[0], minority_proportion=0.1, random_state=_TASK_SEED
    )
    return X, y, "Wisconsin breast cancer (scikit-learn), malignant (1) down-sampled to 10%."


def _digits(data_home):
    X, y = load_digits(return_X_y=True)
    X, y = make_imbalanced(
        X, y, minority_classes=_EVEN, minority_proportion=0.1, random_state=_TASK_SEED
    )
    return X, y, "scikit-learn's 8 x 8 digits, even (1) vs odd (0), even down-sampled to 10%."


def _even_odd(loader, title):
    def load(data_home):
        X, y = loader(subset="all", data_home=data_home, return_X_y=True)
        X, y = make_imbalanced(
            X, y, minority_classes=_EVEN, minority_proportion=0.01, random_state=_TASK_SEED
        )
        return (
            X,
            y,
            f"{title} (train and test parts), even labels (1) vs odd, even down-sampled to 1%.",
        )

    return load


def _ozone(data_home):
    X, y = load_ozone(data_home=data_home, return_X_y=True)
    return X, y, "UCI ozone (8-hour), ozone days (1) 6.3%; features contain NaN."


def _coil2000(data_home):
    X, y = load_coil2000(subset="all", data_home=data_home, return_X_y=True)
    return X, y, "UCI COIL 2000, caravan policy holders (1) 6%."


def _imbalanced_learn(name):
    def load(data_home):
        X, y = load_imbalanced_learn(name, data_home=data_home, return_X_y=True)
        return (
            X,
            (y == 1).astype(np.int64),
            f"imbalanced-learn benchmark set {name}, minority as 1.",
        )

    return load


_TASKS = {
    "breast_cancer": _breast_cancer,
    "digits": _digits,
    "mnist": _even_odd(load_mnist, "MNIST"),
    "fashion_mnist": _even_odd(load_fashion_mnist, "Fashion-MNIST"),
    "usps": _even_odd(load_usps, "USPS zip digits"),
    "ozone": _ozone,
    "coil2000": _coil2000,
    **{name: _imbalanced_learn(name) for name in IMBALANCED_LEARN_DATASETS},
}


def list_tasks():
    """Names of the tasks :func:`load_task` knows, the bundled defaults first.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from imbnn.benchmark import list_tasks
    >>> list_tasks()[:3]
    ['breast_cancer', 'digits', 'mnist']
    """
    return list(_TASKS)


def load_task(name, *, data_home=None):
    """A named binary imbalanced task (label 1 is the minority class).

    ``breast_cancer`` and ``digits`` ship with scikit-learn; the others read the
    real data sets through :mod:`imbnn.datasets` (``data_home`` as there). The
    image tasks are even vs odd labels with even down-sampled to 1%, as in the
    SOAK experiment of Hocking's AUM talk (2025).

    Parameters
    ----------
    name : str
        One of :func:`list_tasks`.
    data_home : str or path-like, default=None

    Returns
    -------
    Bunch
        ``data``, ``target`` and ``DESCR``.

    Examples
    --------
    >>> from imbnn.benchmark import load_task
    >>> task = load_task("digits")
    >>> task.data.shape, int(task.target.sum())
    ((1006, 64), 100)
    """
    if name not in _TASKS:
        raise ValueError(f"Unknown task {name!r}; available: {', '.join(_TASKS)}.")
    X, y, description = _TASKS[name](data_home)
    return Bunch(data=X, target=y, DESCR=description)


def load_table(path, target, *, positive=None):
    """A task from a CSV or parquet file: every column but ``target`` is a feature.

    Numeric and boolean columns stay numbers; the others (strings, categories) are
    left as they are for the benchmark's pipelines to one-hot encode, and missing
    values for them to impute (:func:`imbnn.benchmark.default_estimators`). Rows
    without a target are dropped. A two-class target becomes 1 for ``positive``
    (by default the minority class) and 0 for the other; a target of more classes
    keeps its labels.

    Parameters
    ----------
    path : str or path-like
        ``.csv`` (also ``.csv.gz``, ...) or ``.parquet`` / ``.pq``.
    target : str
        The column to predict.
    positive : str, default=None
        The label of the positive class of a binary target, as written in the file.

    Returns
    -------
    Bunch
        ``data`` (DataFrame), ``target`` (ndarray), ``DESCR`` and ``positive`` (the
        label coded 1, None for more than two classes).

    Raises
    ------
    FileNotFoundError, ValueError
        With a one-line message naming the file, the column or the labels.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> from imbnn.benchmark import load_table
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.csv")
    >>> pd.DataFrame({"x": [1, 2, 3, 4], "kind": list("abab"),
    ...               "label": ["no", "no", "no", "yes"]}).to_csv(path, index=False)
    >>> task = load_table(path, "label")
    >>> task.target.tolist(), task.positive
    ([0, 0, 0, 1], 'yes')
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--data {path}: no such file.")
    suffixes = "".join(path.suffixes).lower()
    try:
        if suffixes.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except ImportError as error:
        raise ValueError(
            f"reading {path} needs a parquet engine: pip install pyarrow ({error})."
        ) from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ValueError(f"{path} is not a readable table: {str(error).splitlines()[0]}") from None
    if target not in frame.columns:
        shown = ", ".join(map(str, frame.columns[:20])) + (" ..." if frame.shape[1] > 20 else "")
        raise ValueError(f"{path} has no column {target!r}; its columns: {shown}.")
    labels = frame[target]
    keep = labels.notna().to_numpy()
    frame, labels = frame[keep].reset_index(drop=True), labels[keep].reset_index(drop=True)
    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise ValueError(f"{path} has no feature column besides {target!r}.")
    for column in X.columns[X.dtypes == bool]:
        X[column] = X[column].astype(np.float64)
    counts = labels.astype(str).value_counts()
    if len(counts) < 2:
        only = counts.index[0] if len(counts) else "none"
        raise ValueError(
            f"target column {target!r} of {path} has one class ({only!r}): a benchmark "
            "needs two or more."
        )
    dropped = int((~keep).sum())
    note = f", {dropped} rows without a target dropped" if dropped else ""
    if len(counts) > 2:
        if positive is not None:
            raise ValueError(
                f"--positive needs a two-class target; {target!r} has {len(counts)} classes."
            )
        return Bunch(
            data=X,
            target=labels.to_numpy(),
            positive=None,
            DESCR=f"{path.name}: {target!r} with {len(counts)} classes{note}.",
        )
    if positive is None:
        positive = counts.index[-1] if counts.iloc[-1] < counts.iloc[0] else sorted(counts.index)[1]
    elif str(positive) not in counts.index:
        raise ValueError(
            f"--positive {positive!r} is not a class of {target!r}; its classes: "
            f"{', '.join(map(repr, counts.index))}."
        )
    y = (labels.astype(str) == str(positive)).to_numpy().astype(np.int64)
    return Bunch(
        data=X,
        target=y,
        positive=str(positive),
        DESCR=f"{path.name}: {target!r} == {str(positive)!r} as 1{note}.",
    )
