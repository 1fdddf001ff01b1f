"""An exact descending sort of float scores, by their bits when that is faster.

torch sorts integers on the CPU with a radix sort (from 2**15 elements), several
times faster than its comparison sort of floats. The bits of an IEEE float, read as
a signed integer with the magnitude bits of negative numbers flipped, are ordered as
the floats are, so sorting those integers sorts the floats exactly; mapping the
sorted integers back gives the sorted floats bit for bit. ``-0.0`` sorts just
before ``0.0`` (the two compare equal, so either order is a valid sort) and NaN at
one end; losses that detect ties compare the sorted floats, never the integers.
"""

import torch

__all__ = ["sort_descending", "sort_order"]

# Below this many rows torch sorts integers with the comparison sort too: no gain.
_RADIX_MIN_ROWS = 2**15
# From this many rows, padding the keys to _RADIX_MIN_ROWS for the radix sort pays
# (the break-even on a 2-core x86-64 CPU, torch 2.13).
_PAD_MIN_ROWS = 9000
_SAME_SIZE_INT = {torch.float32: torch.int32, torch.float64: torch.int64}


def _flip_negatives_(bits, magnitude_mask):
    """The order-preserving map of float bits to integers (its own inverse), in place.

    In place: at 10**7 scores every fresh 40 MB buffer costs page faults.
    """
    mask = bits >> (bits.element_size() * 8 - 1)
    return bits.bitwise_xor_(mask.bitwise_and_(magnitude_mask))


def _use_integers(scores):
    """The integer dtype to sort ``scores`` by, or None where torch's own sort is as fast."""
    if scores.shape[0] < _RADIX_MIN_ROWS or scores.device.type != "cpu" or scores.ndim != 1:
        return None
    return _SAME_SIZE_INT.get(scores.dtype)


def sort_order(keys, stable=False):
    """``torch.sort(keys, stable=stable).indices`` of a 1-d float tensor.

    ``-0.0`` is made ``0.0`` first, so that equal keys stay equal (and a stable
    sort keeps them in input order) as in torch's float sort.
    """
    int_dtype = _use_integers(keys)
    if int_dtype is None:
        return torch.sort(keys, stable=stable)[1]
    bits = (keys + 0.0).view(int_dtype)  # -0.0 + 0.0 = 0.0
    return torch.sort(_flip_negatives_(bits, torch.iinfo(int_dtype).max), stable=stable)[1]


def sort_descending(scores):
    """``torch.sort(scores, descending=True)`` of a 1-d float tensor: values and indices.

    From ``_PAD_MIN_ROWS`` rows the keys are padded to ``2**15`` with the largest
    integer, which sorts after every score (the sort is stable), so that torch takes
    its radix sort: at 10**4 rows, sorting 2**15 integers is faster than 10**4 floats.
    """
    n = scores.shape[0]
    int_dtype = _SAME_SIZE_INT.get(scores.dtype)
    if n < _PAD_MIN_ROWS or int_dtype is None or scores.device.type != "cpu" or scores.ndim != 1:
        return torch.sort(scores, descending=True)
    magnitude_mask = torch.iinfo(int_dtype).max
    keys = torch.empty(max(n, _RADIX_MIN_ROWS), dtype=int_dtype)
    keys[n:] = magnitude_mask
    keys[:n] = scores.contiguous().view(int_dtype)
    # Bitwise not reverses the order: an ascending integer sort gives descending scores.
    _flip_negatives_(keys[:n], magnitude_mask).bitwise_not_()
    sorted_keys, order = torch.sort(keys, stable=True)
    sorted_keys, order = sorted_keys[:n], order[:n]
    values = _flip_negatives_(sorted_keys.bitwise_not_(), magnitude_mask).view(scores.dtype)
    return values, order
