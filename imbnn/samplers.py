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

__all__ = ["StratifiedBatchSampler"]


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
