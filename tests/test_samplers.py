"""Batch samplers: class counts per batch checked by counting, reproducibility, DataLoader use."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from imbnn.samplers import ClassBalancedBatchSampler, StratifiedBatchSampler


def _labels(counts):
    return np.concatenate([np.full(count, label) for label, count in enumerate(counts)])


@pytest.mark.parametrize(
    "counts, batch_size",
    [([990, 10], 64), ([500, 30, 5], 60), ([300, 40, 7, 3], 10), ([50, 50], 7)],
)
def test_class_balanced_batches_have_equal_class_counts(counts, batch_size):
    y = _labels(counts)
    sampler = ClassBalancedBatchSampler(y, batch_size, random_state=0)
    batches = list(sampler)
    assert len(batches) == len(sampler) == int(np.ceil(len(y) / batch_size))
    n_classes = len(counts)
    low, high = batch_size // n_classes, -(-batch_size // n_classes)
    extra = np.zeros(n_classes)
    for batch in batches:
        assert len(batch) == batch_size
        per_class = np.bincount(y[batch], minlength=n_classes)
        assert per_class.min() >= low and per_class.max() <= high
        extra += per_class - low
    # The leftover places go to random classes, so over many batches every class gets some.
    if batch_size % n_classes:
        assert (extra > 0).all()


def test_class_balanced_reuses_minority_and_spreads_majority():
    y = _labels([900, 20])
    batches = list(ClassBalancedBatchSampler(y, 40, random_state=1))
    drawn = np.concatenate(batches)
    minority_draws = np.bincount(drawn[y[drawn] == 1], minlength=920)[900:]
    # 23 batches x 20 minority places over 20 minority rows: each row 23 times (shuffled cycles).
    assert minority_draws.sum() == 23 * 20
    assert minority_draws.min() == minority_draws.max() == 23
    majority = drawn[y[drawn] == 0]
    # 460 majority places out of 900 rows: no majority row is repeated in the epoch.
    assert len(majority) == len(np.unique(majority)) == 460


def test_class_balanced_n_batches_and_reproducibility():
    y = _labels([100, 9, 3])
    first = list(ClassBalancedBatchSampler(y, 12, n_batches=5, random_state=3))
    second = list(ClassBalancedBatchSampler(y, 12, n_batches=5, random_state=3))
    other = list(ClassBalancedBatchSampler(y, 12, n_batches=5, random_state=4))
    assert len(first) == 5
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    # A second pass over the same sampler is a new epoch: different batches.
    sampler = ClassBalancedBatchSampler(y, 12, random_state=3)
    assert not all(np.array_equal(a, b) for a, b in zip(list(sampler), list(sampler)))


def test_class_balanced_works_as_dataloader_batch_sampler():
    y = _labels([200, 8])
    X = torch.arange(len(y), dtype=torch.float32)[:, None]
    loader = DataLoader(
        TensorDataset(X, torch.as_tensor(y)),
        batch_sampler=ClassBalancedBatchSampler(y, 16, random_state=0),
    )
    batches = list(loader)
    assert len(batches) == 13
    for features, labels in batches:
        assert labels.shape == (16,) and int(labels.sum()) == 8
        # The loader delivered exactly the rows the sampler chose (feature = row number).
        assert np.array_equal(y[features[:, 0].long().numpy()], labels.numpy())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y": [0, 1], "batch_size": 0}, "batch_size"),
        ({"y": [0, 1], "batch_size": 2, "n_batches": 0}, "n_batches"),
        ({"y": [], "batch_size": 2}, "empty"),
    ],
)
def test_class_balanced_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ClassBalancedBatchSampler(**kwargs)


def test_stratified_batches_keep_proportions_and_minimum():
    y = _labels([950, 50])
    batches = list(StratifiedBatchSampler(y, 100, min_per_class=3, random_state=0))
    assert len(batches) == 10
    positives = [int((y[b] == 1).sum()) for b in batches]
    assert positives == [5] * 10
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    sparse = list(StratifiedBatchSampler(_labels([995, 5]), 100, min_per_class=2, random_state=0))
    assert min(int((_labels([995, 5])[b] == 1).sum()) for b in sparse) == 2
