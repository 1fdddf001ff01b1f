"""The array operations a sort-based kernel needs, on torch tensors and on numpy arrays.

A kernel written against one of these namespaces runs unchanged on both. On a CPU
mini-batch the numpy namespace is the faster one: numpy's call overhead is about a
third of torch's at a few hundred elements, and its SIMD argsort of float32 and
float64 beats torch's sort up to about 10**5 elements (2-core x86-64 CPU with
AVX-512, torch 2.13, numpy 2.4). The numpy arrays are views of the CPU tensors, so
moving between the two costs no copy.

Operations shared by name and meaning (``where``, ``minimum`` with ``out=``,
``negative``, ``concatenate``, ``full_like``) are the library's own
functions; the rest are small adapters. Besides the AUM kernel, ALMClassifier's
dense constraint terms use them.
"""

import numpy as np
import torch

from ._sort import sort_descending as _torch_sort_descending

__all__ = ["NUMPY", "TORCH", "numpy_views", "use_numpy"]

# The float dtypes numpy handles like torch (numpy has no bfloat16).
_NUMPY_DTYPES = (torch.float32, torch.float64)


def use_numpy(scores, max_rows):
    """Whether a kernel should run on numpy views of ``scores`` (CPU, float32/64, few rows)."""
    return scores.device.type == "cpu" and scores.dtype in _NUMPY_DTYPES and scores.shape[0] <= max_rows


def numpy_views(*tensors):
    """Detached CPU tensors as numpy arrays sharing their memory (None stays None)."""
    return [None if tensor is None else tensor.detach().numpy() for tensor in tensors]


class _Torch:
    where = staticmethod(torch.where)
    minimum = staticmethod(torch.minimum)
    negative = staticmethod(torch.negative)
    concatenate = staticmethod(torch.cat)
    full_like = staticmethod(torch.full_like)
    sort_descending = staticmethod(_torch_sort_descending)

    @staticmethod
    def cumsum(values):
        return values.cumsum(0)  # torch accumulates float32 in float64 on the CPU

    @staticmethod
    def take(values, indices):
        # index_select is torch's cheapest random gather (advanced indexing costs more).
        return values.index_select(0, indices)

    @staticmethod
    def untake(values, indices):
        """``out`` with ``out[indices] = values`` (``scatter_`` costs half of ``index_put_``)."""
        return torch.empty_like(values).scatter_(0, indices, values)

    @staticmethod
    def by_class(is_positive, positive_value, negative_value, like):
        """``positive_value`` where ``is_positive``, else ``negative_value``, like ``like``."""
        return torch.full_like(like, negative_value).masked_fill_(is_positive, positive_value)

    @staticmethod
    def relu_(values):
        return values.clamp_min_(0)

    @staticmethod
    def relu(values):
        return torch.relu(values)

    @staticmethod
    def all(values):
        return bool(values.all())

    @staticmethod
    def isnan(value):
        return bool(torch.isnan(value))

    @staticmethod
    def group_numbers(new_group):
        """0 for the first element, then the number of group starts up to each element (int32)."""
        group = torch.zeros(new_group.shape[0] + 1, dtype=torch.int32, device=new_group.device)
        torch.cumsum(new_group, 0, dtype=torch.int32, out=group[1:])
        return group

    @staticmethod
    def flat_nonzero(mask):
        return torch.nonzero(mask).flatten()

    @staticmethod
    def as_dtype(values, like):
        """``values`` in the dtype of ``like`` (no copy when it has it)."""
        return values.to(like.dtype)

    @staticmethod
    def empty_like(values, dtype):
        return torch.empty_like(values, dtype=dtype)

    @staticmethod
    def add_at(values, rows, increments):
        """``values[rows] += increments`` in place, repeated rows adding up."""
        values.index_add_(0, rows, increments.to(values.dtype))

    @staticmethod
    def class_totals(is_positive, weight):
        """The negatives' and the positives' total weight (counts when ``weight`` is None)."""
        if weight is None:
            positive_total = int(torch.count_nonzero(is_positive))  # 7 times faster than sum
            return is_positive.shape[0] - positive_total, positive_total
        # One synchronisation for the two totals.
        total, positive_total = torch.stack(
            [weight.sum(), torch.dot(weight, is_positive.to(weight.dtype))]
        ).tolist()
        return total - positive_total, positive_total


class _Numpy:
    where = staticmethod(np.where)
    minimum = staticmethod(np.minimum)
    negative = staticmethod(np.negative)
    concatenate = staticmethod(np.concatenate)
    full_like = staticmethod(np.full_like)

    @staticmethod
    def sort_descending(scores):
        # Ties may come in any order: the kernels' results do not depend on it.
        order = np.negative(scores).argsort()  # the method skips numpy's Python wrapper
        return scores[order], order

    @staticmethod
    def cumsum(values):
        """The running sum, accumulated in float64 and stored in the input's dtype, as torch does.

        A float32 running sum of 10**4 terms would lose about 4 digits.
        """
        return values.cumsum(dtype=np.float64).astype(values.dtype, copy=False)

    @staticmethod
    def take(values, indices):
        return values[indices]

    @staticmethod
    def untake(values, indices):
        out = np.empty_like(values)
        out[indices] = values
        return out

    @staticmethod
    def by_class(is_positive, positive_value, negative_value, like):
        scalar = like.dtype.type  # numpy scalars of like's dtype keep the result's dtype
        return np.where(is_positive, scalar(positive_value), scalar(negative_value))

    @staticmethod
    def relu_(values):
        return np.maximum(values, 0, out=values)

    @staticmethod
    def relu(values):
        return np.maximum(values, 0)

    @staticmethod
    def all(values):
        return bool(values.all())

    @staticmethod
    def isnan(value):
        return bool(np.isnan(value))

    @staticmethod
    def group_numbers(new_group):
        group = np.zeros(new_group.shape[0] + 1, dtype=np.int32)
        np.cumsum(new_group, dtype=np.int32, out=group[1:])
        return group

    @staticmethod
    def flat_nonzero(mask):
        return mask.nonzero()[0]

    @staticmethod
    def as_dtype(values, like):
        return values.astype(like.dtype, copy=False)

    @staticmethod
    def empty_like(values, dtype):
        return np.empty_like(values, dtype=dtype)

    @staticmethod
    def add_at(values, rows, increments):
        np.add.at(values, rows, increments)

    @staticmethod
    def class_totals(is_positive, weight):
        if weight is None:
            positive_total = int(np.count_nonzero(is_positive))
            return is_positive.shape[0] - positive_total, positive_total
        total = float(weight.sum())
        positive_total = float(weight[is_positive].sum())
        return total - positive_total, positive_total


TORCH = _Torch()
NUMPY = _Numpy()
