"""The held-out split that chooses the epoch (or iteration) of imbnn's estimators.

A stratified split by proportion gives a class with 3 examples in 300 rows no
validation example at 10%, and then the validation ROC AUC is undefined at every
epoch. Imbalanced data lives at that edge, so the split keeps at least one example
of every class on each side, and refuses (validation off, with a warning that says
why) only when a class has fewer than two examples.
"""

import warnings

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["stratified_validation_split"]


def stratified_validation_split(y_encoded, fraction, random_state, *, owner="imbnn"):
    """Rows to hold out for validation, or None when validation is off or impossible.

    Each class ``c`` with ``n_c`` rows gives ``round(fraction * n_c)`` of them,
    clipped to ``[1, n_c - 1]``: every class is on both sides.

    Parameters
    ----------
    y_encoded : ndarray of int of shape (n_samples,)
        Classes encoded as ``0 .. n_classes - 1``, each present.
    fraction : float in [0, 1)
        Share of each class held out; 0 turns validation off.
    random_state : int, RandomState instance or None
        Chooses the rows.
    owner : str, default="imbnn"
        The estimator's name, for the warning.

    Returns
    -------
    ndarray of int, sorted, or None

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 297 + [1] * 3)
    >>> rows = stratified_validation_split(y, 0.1, random_state=0)
    >>> np.bincount(y[rows]).tolist()
    [30, 1]
    """
    if fraction == 0:
        return None
    y_encoded = np.asarray(y_encoded)
    counts = np.bincount(y_encoded)
    if counts.min() < 2:
        rare = np.flatnonzero(counts < 2).tolist()
        warnings.warn(
            f"{owner}: encoded class(es) {rare} have fewer than 2 examples, so no "
            "validation split can hold one of each class on both sides; training without "
            "validation and early stopping. Set validation_fraction=0 to silence this.",
            UserWarning,
            stacklevel=3,
        )
        return None
    rng = check_random_state(random_state)
    held_out = []
    for label, count in enumerate(counts):
        n_valid = int(np.clip(np.round(fraction * count), 1, count - 1))
        rows = np.flatnonzero(y_encoded == label)
        held_out.append(rng.choice(rows, size=n_valid, replace=False))
    return np.sort(np.concatenate(held_out))
