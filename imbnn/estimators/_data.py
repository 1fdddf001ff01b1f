"""Tensors in, batches out: the data plumbing under imbnn's estimators.

skorch's default ``Dataset`` + ``DataLoader`` collates one example at a time,
which costs about twice a hand-written loop on small networks. Here every batch
is a slice (or a gather) of tensors that already sit on the training device.
Sparse features stay a scipy CSR matrix on the host, and each batch is densified
on its own: a one-hot matrix of 1e6 x 1e5 never exists densely.
"""

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch.utils.data import Dataset

__all__ = ["TensorData", "ShuffledBatchSampler", "BatchIterator"]


def _as_index(rows, device):
    """Row positions as a long tensor on ``device``; slices stay slices (views, no copy)."""
    if isinstance(rows, slice):
        return rows
    if isinstance(rows, torch.Tensor):
        return rows.to(device, non_blocking=True)
    # from_numpy shares memory; as_tensor on an index array takes a slower path.
    return torch.from_numpy(np.ascontiguousarray(rows, dtype=np.int64)).to(device)


def _take_rows(tensor, rows):
    """``tensor[rows]`` for a slice or a long tensor of row positions.

    ``index_select`` is a third of the cost of advanced indexing at a batch of 256
    rows (torch 2.13, CPU), and a batch is gathered on every training step.
    """
    if isinstance(rows, slice):
        return tensor[rows]
    return tensor.index_select(0, rows)


class TensorData(Dataset):
    """Features, encoded targets, sample weights and row indices of one fit.

    ``X`` is a float tensor on the training device (any number of dimensions:
    ``(n, C, H, W)`` images too) or a scipy CSR matrix whose batches are densified
    one at a time. ``index`` holds each row's position in the data passed to
    ``fit``, so a loss can keep per-example state (for example ALM's multipliers)
    across epochs. Indexing one row gives ``(x, y)`` as a plain torch ``Dataset``.
    """

    def __init__(self, X, y=None, sample_weight=None, index=None, device=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.device = X.device if device is None else torch.device(device)
        # Without an explicit index, row i of the data is row i of fit's data: a batch's
        # index is then its row positions, with no gather.
        self._identity_index = index is None
        self.index = index if index is not None else torch.arange(X.shape[0], device=self.device)

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, row):
        X, info = self.batch(slice(row, row + 1))
        return X[0], None if info["y"] is None else info["y"][0]

    def _rows_of_X(self, rows):
        if sp.issparse(self.X):
            if not isinstance(rows, slice):
                rows = rows.cpu().numpy()
            dense = self.X[rows].toarray()
            return torch.from_numpy(dense).to(self.device)
        return _take_rows(self.X, rows)

    def subset(self, rows):
        """The rows ``rows`` (an integer array or a slice) as a new ``TensorData``."""
        rows = _as_index(rows, self.device)
        X = self.X[rows.cpu().numpy() if isinstance(rows, torch.Tensor) else rows] if sp.issparse(
            self.X
        ) else self.X[rows]
        return TensorData(
            X,
            None if self.y is None else self.y[rows],
            None if self.sample_weight is None else self.sample_weight[rows],
            self.index[rows],
            device=self.device,
        )

    def batch(self, rows):
        """``(X_batch, info)``: skorch's ``(Xi, yi)`` pair, with ``info`` a dict."""
        rows = _as_index(rows, self.device)
        identity = self._identity_index and isinstance(rows, torch.Tensor)
        info = {
            "y": None if self.y is None else _take_rows(self.y, rows),
            "sample_weight": None
            if self.sample_weight is None
            else _take_rows(self.sample_weight, rows),
            "index": rows if identity else _take_rows(self.index, rows),
        }
        return self._rows_of_X(rows), info


class ShuffledBatchSampler:
    """Random batches of ``batch_size`` row positions, reshuffled at every iteration.

    When one batch covers all rows, the single full batch is a slice: a full-batch
    gradient does not depend on the order of rows, and a slice costs no copy.
    """

    def __init__(self, n_samples, batch_size, random_state):
        self.n_samples = n_samples
        self.batch_size = n_samples if batch_size in (-1, None) else batch_size
        self.random_state = random_state

    def __len__(self):
        return max(1, math.ceil(self.n_samples / self.batch_size))

    def __iter__(self):
        if self.batch_size >= self.n_samples:
            yield slice(None)
            return
        # One tensor per epoch; its slices are the batches' index tensors, without copies.
        order = torch.from_numpy(self.random_state.permutation(self.n_samples))
        for start in range(0, self.n_samples, self.batch_size):
            yield order[start : start + self.batch_size]


class BatchIterator:
    """Iterable over the batches of ``data`` chosen by ``sampler``; re-iterable per epoch."""

    def __init__(self, data, sampler):
        self.data = data
        self.sampler = sampler

    def __len__(self):
        return len(self.sampler)

    def __iter__(self):
        for rows in self.sampler:
            yield self.data.batch(rows)


def sequential_slices(n_samples, batch_size):
    """Consecutive slices covering ``range(n_samples)``, for prediction."""
    batch_size = n_samples if batch_size in (-1, None) else max(1, batch_size)
    return [slice(start, start + batch_size) for start in range(0, max(n_samples, 1), batch_size)]


def to_numpy(tensor):
    return tensor.detach().cpu().numpy() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)
