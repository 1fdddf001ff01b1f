"""Named benchmark tasks: imbalanced binary problems built from bundled or real data."""

import numpy as np
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

__all__ = ["list_tasks", "load_task", "DEFAULT_TASKS"]

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
    SOAK experiment of the AUM slides.

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
