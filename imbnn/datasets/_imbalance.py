"""Imbalanced tasks derived from multi-class data sets, as the papers build them."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array, column_or_1d

from ..utils._compat import Interval, StrOptions, validate_params

__all__ = ["make_imbalanced", "make_imbalanced_subsets"]


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "minority_classes": ["array-like", None],
        "minority_proportion": [Interval(Real, 0, 1, closed="neither"), None],
        "imbalance_ratio": [Interval(Real, 1, None, closed="left"), None],
        "minority_ratio": [Interval(Real, 0, 1, closed="right"), None],
        "class_fractions": [dict, None],
        "binary": ["boolean"],
        "rounding": [StrOptions({"floor", "nearest"})],
        "min_minority": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state", np.random.Generator],
        "return_indices": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_imbalanced(
    X,
    y,
    *,
    minority_classes=None,
    minority_proportion=None,
    imbalance_ratio=None,
    minority_ratio=None,
    class_fractions=None,
    binary=True,
    rounding="floor",
    min_minority=None,
    random_state=None,
    return_indices=False,
):
    """Down-sample some classes of a data set to make an imbalanced task.

    The rows of ``minority_classes`` are sub-sampled without replacement; every other
    row is kept. Give the size of the result by exactly one of

    - ``minority_proportion`` ``p``: with ``binary=True`` the minority classes
      together make up ``p`` of the result (MNIST "even vs odd with 1% even"); with
      ``binary=False`` each minority class makes up ``p``;
    - ``imbalance_ratio`` ``r``: majority rows per minority row, i.e. the majority
      (``binary=True``) or the largest majority class (``binary=False``) has ``r``
      times as many rows as the minority (each minority class);
    - ``minority_ratio`` ``q``: minority rows per majority row, ``N+ / N-`` as the
      ReMix paper gives its imbalance levels (``q = 1 / r``, computed as
      ``q * N-``);
    - ``class_fractions`` ``{label: f}`` (instead of ``minority_classes``): each
      listed class keeps the fraction ``f`` of its rows (drawn even at ``f = 1``,
      in label order), every other class all of them; "class c of Fashion-MNIST
      kept at 90, 80, ..., 10, 5 %".

    Sizes are rounded down (``rounding="nearest"``: to the nearest integer, halves
    to even, as Python's ``round``), then raised to ``min_minority`` when given (per minority
    class with ``binary=False``, in total with ``binary=True``), so that even a
    strong imbalance leaves rows to split into folds. With ``binary=True`` the
    minority rows kept are spread
    over the original classes in proportion to their counts (largest remainders
    first), as in the SOAK experiment's table of digit counts.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Original labels (e.g. the digits 0-9).
    minority_classes : array-like
        Labels of ``y`` whose rows are down-sampled (e.g. ``[0, 2, 4, 6, 8]``).
    minority_proportion : float in (0, 1), default=None
    imbalance_ratio : float >= 1, default=None
    minority_ratio : float in (0, 1], default=None
    class_fractions : dict of label to float in (0, 1], default=None
    binary : bool, default=True
        If True, return ``y`` as 1 for the minority classes and 0 for the others;
        if False keep the original labels.
    rounding : {"floor", "nearest"}, default="floor"
    min_minority : int >= 1, default=None
    random_state : int, RandomState or Generator instance, or None, default=None
        Seeds the sub-sample. A Generator is used as it is (two calls with one
        Generator draw different rows).
    return_indices : bool, default=False
        Also return the kept rows' positions in ``X``.

    Returns
    -------
    X_imbalanced : ndarray of shape (n_kept, n_features)
        The kept rows, in their original order.
    y_imbalanced : ndarray of shape (n_kept,)
    indices : ndarray of shape (n_kept,)
        Only with ``return_indices=True``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from imbnn.datasets import make_imbalanced
    >>> X, y = load_digits(return_X_y=True)
    >>> X_even_odd, y_even = make_imbalanced(
    ...     X, y, minority_classes=[0, 2, 4, 6, 8], minority_proportion=0.05, random_state=0)
    >>> int(y_even.sum()), len(y_even)
    (47, 953)
    """
    sizes = (minority_proportion, imbalance_ratio, minority_ratio, class_fractions)
    if sum(value is not None for value in sizes) != 1:
        raise ValueError(
            "Give exactly one of minority_proportion, imbalance_ratio, minority_ratio and "
            "class_fractions."
        )
    if (minority_classes is None) == (class_fractions is None):
        raise ValueError(
            "Give minority_classes with minority_proportion, imbalance_ratio or "
            "minority_ratio; class_fractions names its classes itself."
        )
    if class_fractions is not None:
        bad = {label: f for label, f in class_fractions.items() if not 0 < f <= 1}
        if bad or not class_fractions:
            raise ValueError(f"class_fractions must map labels to fractions in (0, 1]; got {bad}.")
        minority_classes = list(class_fractions)
    X = check_array(X, accept_sparse="csr", dtype=None, ensure_all_finite=False)
    y = column_or_1d(y)
    if len(y) != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)} labels.")
    minority_classes = np.unique(np.asarray(minority_classes))
    labels, counts = np.unique(y, return_counts=True)
    missing = np.setdiff1d(minority_classes, labels)
    if len(missing):
        raise ValueError(f"minority_classes {missing.tolist()} do not occur in y.")
    is_minority_label = np.isin(labels, minority_classes)
    if is_minority_label.all() and class_fractions is None:
        raise ValueError("Every class of y is in minority_classes: no majority rows would be left.")
    majority_counts = counts[~is_minority_label]
    minority_counts = counts[is_minority_label]

    if class_fractions is not None:
        fractions = [class_fractions[label] for label in labels[is_minority_label]]
        per_class = np.array(
            [
                max(_round(f * count, rounding), min_minority or 0)
                for f, count in zip(fractions, minority_counts)
            ]
        )
        available = minority_counts.min()
        wanted_total = per_class.max()
    elif binary:
        # The minority classes form one class of size n: n / (n + N) = p, or N / n = r.
        if minority_proportion is not None:
            wanted = minority_proportion * majority_counts.sum() / (1 - minority_proportion)
        elif imbalance_ratio is not None:
            wanted = majority_counts.sum() / imbalance_ratio
        else:
            wanted = minority_ratio * majority_counts.sum()
        per_class = _allocate(max(_round(wanted, rounding), min_minority or 0), minority_counts)
        available = minority_counts.sum()
    else:
        # Each of the k minority classes has size n: n / (k n + N) = p, or max(N_j) / n = r.
        k = len(minority_counts)
        if minority_proportion is not None:
            if k * minority_proportion >= 1:
                raise ValueError(
                    f"{k} minority classes of proportion {minority_proportion} each leave no "
                    "room for the majority classes."
                )
            wanted = minority_proportion * majority_counts.sum() / (1 - k * minority_proportion)
        elif imbalance_ratio is not None:
            wanted = majority_counts.max() / imbalance_ratio
        else:
            wanted = minority_ratio * majority_counts.max()
        per_class = np.full(k, max(_round(wanted, rounding), min_minority or 0))
        available = minority_counts.min()
        wanted_total = per_class[0]
    if per_class.min(initial=1) < 0 or per_class.sum() < 1:
        raise ValueError(
            "The requested imbalance leaves no minority row; ask for a larger proportion."
        )
    if np.any(per_class > minority_counts):
        needed = per_class.sum() if binary else wanted_total
        raise ValueError(
            f"The requested imbalance needs {needed} minority rows "
            f"{'in total' if binary else 'per class'} but only {available} exist; make_imbalanced "
            "only down-samples."
        )

    rng = (
        random_state
        if isinstance(random_state, np.random.Generator)
        else check_random_state(random_state)
    )
    keep = np.zeros(len(y), dtype=bool)
    keep[~np.isin(y, minority_classes)] = True
    for label, size in zip(labels[is_minority_label], per_class):
        rows = np.flatnonzero(y == label)
        keep[rng.choice(rows, size=size, replace=False)] = True
    indices = np.flatnonzero(keep)
    y_out = np.isin(y[indices], minority_classes).astype(np.int64) if binary else y[indices]
    result = (X[indices], y_out)
    return result + (indices,) if return_indices else result


def _round(wanted, rounding):
    if rounding == "nearest":
        return int(round(wanted))
    return int(np.floor(wanted + 1e-9))


def _allocate(total, counts):
    """Split ``total`` over classes in proportion to ``counts`` (largest remainders first)."""
    counts = np.asarray(counts, dtype=np.int64)
    exact = total * counts / counts.sum()
    sizes = np.floor(exact).astype(np.int64)
    remainder = total - sizes.sum()
    # Stable order: equal remainders go to the earlier (smaller-label) class first.
    order = np.argsort(-(exact - sizes), kind="stable")
    sizes[order[:remainder]] += 1
    return sizes


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "minority_classes": ["array-like"],
        "minority_proportion": [Interval(Real, 0, 1, closed="neither")],
        "n_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_imbalanced_subsets(
    X, y, *, minority_classes, minority_proportion, n_samples=None, random_state=None
):
    """Two subsets of a data set, one balanced as it is and one made imbalanced, for SOAK.

    The task of the SOAK experiments (Hocking et al., arXiv:2410.08643; Hocking's AUM
    talk, 2025), for :class:`~imbnn.model_selection.SameOtherAllCV`: the rows are
    split at random into two halves, half of each original class in each (the odd
    row of a class goes to the balanced half); in the "unbalanced" half the
    ``minority_classes`` are down-sampled by :func:`make_imbalanced` to make up
    ``minority_proportion`` of it. The label is 1 for the minority classes, 0 for
    the others.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Original labels (e.g. the digits 0-9).
    minority_classes : array-like
        Labels of ``y`` that make the positive class (e.g. ``[0, 2, 4, 6, 8]``).
    minority_proportion : float in (0, 1)
        Their share of the unbalanced half (e.g. 0.01).
    n_samples : int, default=None
        First keep this many rows drawn at random (a smaller version of the task).
    random_state : int, RandomState instance or None, default=None
        An int seeds the halving, and separately the down-sampling, with that seed.

    Returns
    -------
    Bunch
        ``data`` (the balanced half's rows, then the unbalanced half's, each in
        their original order), ``target`` (1 = minority classes), ``subset``
        ("balanced" or "unbalanced" per row), ``original_target`` (the labels of
        ``y``) and ``indices`` (the rows' positions in ``X``): ready for
        :class:`~imbnn.benchmark.Benchmark` with a ``SameOtherAllCV``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from imbnn.datasets import make_imbalanced_subsets
    >>> X, y = load_digits(return_X_y=True)
    >>> task = make_imbalanced_subsets(
    ...     X, y, minority_classes=[0, 2, 4, 6, 8], minority_proportion=0.05, random_state=0)
    >>> [(name, int((task.subset == name).sum()), int(task.target[task.subset == name].sum()))
    ...  for name in ("balanced", "unbalanced")]
    [('balanced', 901, 447), ('unbalanced', 475, 23)]
    """
    X = check_array(X, accept_sparse="csr", dtype=None, ensure_all_finite=False)
    y = column_or_1d(y)
    if len(y) != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)} labels.")
    rng = check_random_state(random_state)
    indices = np.arange(len(y))
    if n_samples is not None:
        if n_samples > len(y):
            raise ValueError(f"n_samples={n_samples} is more than the {len(y)} rows of X.")
        indices = np.sort(rng.choice(len(y), n_samples, replace=False))
    labels = y[indices]
    unbalanced = np.zeros(len(indices), dtype=bool)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        unbalanced[rng.choice(rows, len(rows) // 2, replace=False)] = True
    # An int seeds the down-sampling afresh, so that it does not depend on how many
    # draws the halving took; a RandomState goes on with its stream.
    _, _, kept = make_imbalanced(
        indices[unbalanced].reshape(-1, 1),
        labels[unbalanced],
        minority_classes=minority_classes,
        minority_proportion=minority_proportion,
        random_state=random_state if isinstance(random_state, Integral) else rng,
        return_indices=True,
    )
    rows = indices[np.concatenate([np.flatnonzero(~unbalanced), np.flatnonzero(unbalanced)[kept]])]
    n_balanced = int((~unbalanced).sum())
    subset = np.array(["balanced"] * n_balanced + ["unbalanced"] * len(kept))
    return Bunch(
        data=X[rows],
        target=np.isin(y[rows], np.asarray(minority_classes)).astype(np.int64),
        subset=subset,
        original_target=y[rows],
        indices=rows,
    )
