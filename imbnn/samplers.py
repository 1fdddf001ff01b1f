"""Mini-batch samplers for imbalanced data, usable with any :class:`torch.utils.data.DataLoader`.

At 1% positives a random batch of 64 has no positive about half the time, and
ranking losses (AUM, pairwise, ALM) learn nothing from such a batch.
imbalanced-learn resamples a data set once; these samplers work per epoch.
"""

import math

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import column_or_1d
from torch.utils.data import Sampler

__all__ = ["StratifiedBatchSampler", "ClassBalancedBatchSampler"]


class StratifiedBatchSampler(Sampler):
    """Shuffled batches that keep the class proportions and at least ``min_per_class`` of each.

    Each epoch, the examples of every class are shuffled and dealt round-robin
    over the ``ceil(n / batch_size)`` batches, so each batch holds about the
    class proportions of the data. A class with fewer than ``min_per_class``
    examples in a batch is topped up there by examples of that class drawn at
    random (with replacement across batches). Every example appears at least
    once per epoch.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    batch_size : int
        Target batch size (the top-up can add a few examples).
    min_per_class : int, default=1
        Minimum number of examples of each class in every batch.
    random_state : int, RandomState instance or None
        Seeds the shuffles; two samplers with the same int yield the same batches.

    Examples
    --------
    >>> import numpy as np
    >>> from imbnn.samplers import StratifiedBatchSampler
    >>> y = np.array([0] * 95 + [1] * 5)
    >>> batches = list(StratifiedBatchSampler(y, batch_size=10, min_per_class=2, random_state=0))
    >>> len(batches), min(int((y[b] == 1).sum()) for b in batches)
    (10, 2)
    """

    def __init__(self, y, batch_size, min_per_class=1, random_state=None):
        self.y = column_or_1d(y)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1; got {batch_size}.")
        if min_per_class < 0:
            raise ValueError(f"min_per_class must be non-negative; got {min_per_class}.")
        self.batch_size = batch_size
        self.min_per_class = min_per_class
        self.random_state = check_random_state(random_state)
        _, self._class_of = np.unique(self.y, return_inverse=True)
        self._members = [np.flatnonzero(self._class_of == k) for k in range(self._class_of.max() + 1)]

    def __len__(self):
        return max(1, math.ceil(len(self.y) / self.batch_size))

    def __iter__(self):
        n_batches = len(self)
        rng = self.random_state
        batches = [[] for _ in range(n_batches)]
        start = int(rng.randint(n_batches))
        for members in self._members:
            shuffled = rng.permutation(members)
            # Deal round-robin from a shared running offset so batch sizes stay even.
            slots = (start + np.arange(len(shuffled))) % n_batches
            start = (start + len(shuffled)) % n_batches
            for b in range(n_batches):
                chosen = shuffled[slots == b]
                missing = self.min_per_class - len(chosen)
                if missing > 0:
                    chosen = np.concatenate([chosen, rng.choice(members, missing, replace=True)])
                batches[b].append(chosen)
        for b in rng.permutation(n_batches):
            yield rng.permutation(np.concatenate(batches[b]))


class ClassBalancedBatchSampler(Sampler):
    """Batches holding (nearly) the same number of examples of every class.

    Each batch of ``batch_size`` has ``batch_size // n_classes`` examples of every
    class; the remaining ``batch_size % n_classes`` places go to classes chosen at
    random for that batch. Within a class, examples are taken in a shuffled order
    and the order is reshuffled whenever the class runs out, so a minority class
    is repeated (oversampled) and the examples of a majority class are not
    repeated within an epoch unless the epoch needs more of them than there are.

    Use it as ``DataLoader(dataset, batch_sampler=ClassBalancedBatchSampler(y, 64))``.
    It is the batch source of :class:`~imbnn.estimators.ReMixClassifier` with
    ``balanced_batches=True``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    batch_size : int
        Examples per batch.
    n_batches : int or None, default=None
        Batches per epoch (per iteration over the sampler). ``None`` gives
        ``ceil(n_samples / batch_size)``, the number of an ordinary epoch, so an
        epoch costs the same as with shuffled batches; the majority classes are
        then only partly seen in each epoch, the minority ones several times.
    random_state : int, RandomState instance or None
        Seeds the shuffles; two samplers with the same int yield the same batches.

    See Also
    --------
    StratifiedBatchSampler : batches with the class proportions of the data.

    Examples
    --------
    >>> import numpy as np
    >>> from imbnn.samplers import ClassBalancedBatchSampler
    >>> y = np.array([0] * 95 + [1] * 5)
    >>> batches = list(ClassBalancedBatchSampler(y, batch_size=10, random_state=0))
    >>> len(batches), [int((y[b] == 1).sum()) for b in batches[:3]]
    (10, [5, 5, 5])
    """

    def __init__(self, y, batch_size, n_batches=None, random_state=None):
        self.y = column_or_1d(y)
        if len(self.y) == 0:
            raise ValueError("y is empty; a batch sampler needs at least one example.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1; got {batch_size}.")
        if n_batches is not None and n_batches < 1:
            raise ValueError(f"n_batches must be at least 1 or None; got {n_batches}.")
        self.batch_size = batch_size
        self.n_batches = n_batches
        self.random_state = check_random_state(random_state)
        _, self._class_of = np.unique(self.y, return_inverse=True)
        self._members = [np.flatnonzero(self._class_of == k) for k in range(self._class_of.max() + 1)]

    def __len__(self):
        if self.n_batches is not None:
            return self.n_batches
        return max(1, math.ceil(len(self.y) / self.batch_size))

    def __iter__(self):
        rng = self.random_state
        n_batches, n_classes = len(self), len(self._members)
        per_class, remainder = divmod(self.batch_size, n_classes)
        counts = np.full((n_batches, n_classes), per_class)
        for b in range(n_batches):
            counts[b, rng.choice(n_classes, remainder, replace=False)] += 1
        # Per class, the epoch's draws in one stream of back-to-back shuffles.
        streams = []
        for members, needed in zip(self._members, counts.sum(axis=0)):
            n_shuffles = math.ceil(needed / len(members))
            stream = np.concatenate([rng.permutation(members) for _ in range(max(n_shuffles, 1))])
            streams.append(np.split(stream[:needed], np.cumsum(counts[:, len(streams)])[:-1]))
        for b in range(n_batches):
            yield rng.permutation(np.concatenate([stream[b] for stream in streams]))
