"""Each fast path of the exact losses against brute force, on both sides of its switch.

The paths: the integer (radix) sort of float scores, AUM's kernel on numpy views
and on torch tensors, its no-ties gradient and its general gradient at ties, and the dense O(n+ n-) small-batch form of the pairwise
losses against their O(n log n) / chunked large-batch forms.
"""

import numpy as np
import pytest
import torch

from imbnn.losses import (
    AllPairsSquaredHingeLoss,
    AUMLoss,
    PairwiseHingeLoss,
    PairwiseLogisticLoss,
    aum_with_gradient,
)
from imbnn.losses import _aum, _pairwise, _sort
from imbnn.losses._namespaces import NUMPY, TORCH, numpy_views
from imbnn.losses._sort import sort_descending, sort_order


SORT_PATHS = {  # (_PAD_MIN_ROWS, _RADIX_MIN_ROWS)
    "comparison": (10**9, 10**9),  # torch's float sort
    "radix": (0, 0),  # the integer sort at every size
    "padded": (0, 5000),  # integer keys padded to 5000 rows
}


@pytest.fixture(params=sorted(SORT_PATHS))
def sort_path(request, monkeypatch):
    """Run a test with torch's float sort, and the integer sort (padded or not) at every size."""
    pad, radix = SORT_PATHS[request.param]
    monkeypatch.setattr(_sort, "_PAD_MIN_ROWS", pad)
    monkeypatch.setattr(_sort, "_RADIX_MIN_ROWS", radix)
    return request.param


AUM_KERNELS = ["compiled", "numpy", "torch"]
COMPILED_AUM_LOOP = _aum._aum_loop_compiled  # None without numba


def use_aum_kernel(monkeypatch, kernel):
    """AUM at every size by its numba loop, its kernel on numpy views, or on the tensors."""
    if kernel == "compiled" and COMPILED_AUM_LOOP is None:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_aum, "_aum_loop_compiled", COMPILED_AUM_LOOP if kernel == "compiled" else None)
    monkeypatch.setattr(_aum, "_NUMPY_MAX_ROWS", -1 if kernel == "torch" else 10**9)


@pytest.fixture(params=AUM_KERNELS)
def aum_kernel(request, monkeypatch):
    """Run a test with each of AUM's kernels at every size."""
    use_aum_kernel(monkeypatch, request.param)
    return request.param


# --------------------------------------------------------------------- the integer sort


SPECIAL = [0.0, -0.0, 1e-45, -1e-45, 1e-310, -1e-310, 3.5, -3.5, float("inf"), -float("inf")]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", [50, 12_000, 2**15 + 3])
def test_integer_sort_equals_torch_sort(dtype, n, sort_path):
    # 12_000 and 2**15 + 3 rows take the padded and the plain integer sort at the real switches.
    generator = torch.Generator().manual_seed(n)
    scores = torch.randn(n, generator=generator, dtype=dtype) * 10
    scores[: len(SPECIAL)] = torch.tensor(SPECIAL, dtype=dtype)
    scores[len(SPECIAL) : 2 * len(SPECIAL)] = torch.tensor(SPECIAL, dtype=dtype)  # ties
    scores[-20:] = torch.round(scores[-20:])
    values, order = sort_descending(scores)
    expected, _ = torch.sort(scores, descending=True)
    # Bit for bit, except that -0.0 and 0.0 (equal) may come in either order.
    assert torch.equal(values, expected)
    int_dtype = torch.int64 if dtype == torch.float64 else torch.int32
    nonzero = expected != 0
    assert torch.equal(values.view(int_dtype)[nonzero], expected.view(int_dtype)[nonzero])
    assert torch.equal(scores[order], values)
    assert torch.equal(torch.sort(order).values, torch.arange(n))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("stable", [False, True])
def test_integer_sort_order_equals_torch_sort(dtype, stable, monkeypatch):
    monkeypatch.setattr(_sort, "_RADIX_MIN_ROWS", 0)  # sort_order pads nothing
    generator = torch.Generator().manual_seed(7)
    keys = torch.round(torch.randn(500, generator=generator, dtype=dtype) * 3)
    keys[: len(SPECIAL)] = torch.tensor(SPECIAL, dtype=dtype)
    keys[len(SPECIAL) : 2 * len(SPECIAL)] = torch.tensor(SPECIAL, dtype=dtype)
    order = sort_order(keys, stable=stable)
    assert torch.equal(keys[order], torch.sort(keys).values)
    if stable:  # equal keys, -0.0 and 0.0 included, in input order
        assert torch.equal(order, torch.sort(keys, stable=True).indices)


def test_integer_sort_is_used_on_large_cpu_float_batches():
    scores = torch.randn(2**15)
    assert _sort._PAD_MIN_ROWS <= 10**4 and _sort._RADIX_MIN_ROWS <= 2**15
    values, order = sort_descending(scores)
    assert torch.equal(values, torch.sort(scores, descending=True).values)
    assert torch.equal(scores[order], values)


# --------------------------------------------------------------------- AUM


def numpy_aum(scores, labels, weights, variant):
    """AUM by np.unique over thresholds: the sum over gaps of min(FP, FN) (Hillman & Hocking)."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(labels) == 1
    weights = np.asarray(weights, dtype=np.float64)
    if variant == "rate":
        totals = np.array([weights[~positive].sum(), weights[positive].sum()])
        totals[totals == 0] = 1
        weights = weights / np.where(positive, totals[1], totals[0])
    thresholds, group = np.unique(-scores, return_inverse=True)
    fp_group = np.bincount(group, weights * ~positive, minlength=len(thresholds))
    fn_group = np.bincount(group, weights * positive, minlength=len(thresholds))
    fp = np.cumsum(fp_group)
    fn = fn_group[::-1].cumsum()[::-1] - fn_group
    return float(np.sum(np.diff(thresholds) * np.minimum(fp, fn)[:-1]))


def finite_difference_gradient(scores, labels, weights, variant, step):
    """Mean of the two one-sided differences: exact below every gap (AUM is piecewise linear)."""
    base = numpy_aum(scores, labels, weights, variant)
    gradient = np.empty(len(scores))
    for i in range(len(scores)):
        up, down = scores.copy(), scores.copy()
        up[i] += step
        down[i] -= step
        right = numpy_aum(up, labels, weights, variant) - base
        left = base - numpy_aum(down, labels, weights, variant)
        gradient[i] = (left + right) / (2 * step)
    return gradient


def aum_data(n, ties, seed, weighted):
    rng = np.random.default_rng(seed)
    if ties:  # about 20 distinct values, and -0.0 tied with 0.0
        scores = np.round(rng.normal(size=n) * 3) / 2
        scores[:3] = [0.0, -0.0, 0.0]
    else:
        scores = rng.permutation(np.arange(n, dtype=np.float64)) / 4 - n / 8
    labels = (rng.uniform(size=n) < 0.3).astype(int)
    labels[:2] = [0, 1]
    weights = rng.uniform(0.1, 3.0, size=n) if weighted else np.ones(n)
    return scores, labels, weights


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("variant", ["rate", "count"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_aum_paths_match_finite_differences(ties, weighted, variant, dtype, sort_path, aum_kernel):
    n = 120
    seed = int(ties) + 2 * int(weighted)
    scores, labels, weights = aum_data(n, ties, seed=seed, weighted=weighted)
    x = torch.tensor(scores, dtype=dtype, requires_grad=True)
    weight = torch.tensor(weights, dtype=dtype) if weighted else None
    loss = AUMLoss(variant)(x, torch.tensor(labels), sample_weight=weight)
    loss.backward()
    # Scores are multiples of 1/4 (float32-exact); weights enter the reference in float32 too.
    weights = np.asarray(torch.tensor(weights, dtype=dtype), dtype=np.float64)
    expected = numpy_aum(scores, labels, weights, variant)
    expected_gradient = finite_difference_gradient(scores, labels, weights, variant, step=1e-3)
    tolerance = 1e-5 if dtype == torch.float32 else 1e-10
    scale = 1.0 if variant == "rate" else n
    assert loss.dtype == dtype and x.grad.dtype == dtype
    assert loss.item() == pytest.approx(expected, abs=tolerance * scale * n)
    np.testing.assert_allclose(x.grad.numpy(), expected_gradient, atol=tolerance * scale)


@pytest.mark.parametrize("xp", [NUMPY, TORCH], ids=["numpy", "torch"])
def test_aum_no_ties_path_and_tied_path_agree_without_ties(xp):
    # The general (tied) gradient must reduce to the no-ties formula when every group has one score.
    generator = torch.Generator().manual_seed(3)
    scores = torch.randn(500, generator=generator, dtype=torch.float64)
    positive = torch.rand(500, generator=generator) < 0.2
    weight = torch.rand(500, generator=generator, dtype=torch.float64) + 0.1
    _, gradient = aum_with_gradient(scores, positive, weight)
    s, order = torch.sort(scores, descending=True)
    negative_step, positive_step, fn_total = _aum._class_steps(TORCH, positive, weight, "rate")
    steps = torch.tensor([negative_step, positive_step], dtype=torch.float64)
    step = steps[positive[order].long()] * weight[order]
    fp_step = torch.where(positive[order], 0.0, step)
    d = step.cumsum(0) - fn_total
    arrays = [torch.diff(s), d, step, fp_step]
    if xp is NUMPY:
        arrays = numpy_views(*arrays)
    tied = torch.as_tensor(_aum._tied_gradient(xp, *arrays, fn_total))
    torch.testing.assert_close(gradient[order], tied, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [2, 255, 256, 257])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("kernel", ["compiled", "numpy"])
def test_aum_kernels_agree_with_the_torch_kernel(n, ties, kernel, monkeypatch):
    # Around a mini-batch's size, with and without ties, weighted and not, both variants.
    generator = torch.Generator().manual_seed(n)
    scores = torch.randn(n, generator=generator)
    if ties:
        scores = torch.round(scores * 2) / 2
    positive = torch.rand(n, generator=generator) < 0.3
    positive[:2] = torch.tensor([False, True])
    weight = torch.rand(n, generator=generator) + 0.1
    for variant in ("rate", "count"):
        for w in (None, weight):
            results = {}
            for path in (kernel, "torch"):
                use_aum_kernel(monkeypatch, path)
                results[path] = aum_with_gradient(scores, positive, w, variant)
            (value_np, gradient_np), (value_torch, gradient_torch) = results.values()
            assert value_np.dtype == value_torch.dtype == torch.float32
            assert value_np.shape == value_torch.shape == ()
            # float32 sums in another order: a few ulps of n terms apart.
            torch.testing.assert_close(value_np, value_torch, rtol=1e-5, atol=1e-6)
            torch.testing.assert_close(gradient_np, gradient_torch, rtol=0, atol=1e-5)


def test_aum_kernel_switch_follows_device_dtype_and_size():
    assert _aum._NUMPY_MAX_ROWS >= 4096  # a mini-batch runs on numpy views
    from imbnn.losses._namespaces import use_numpy

    assert use_numpy(torch.zeros(256), _aum._NUMPY_MAX_ROWS)
    assert use_numpy(torch.zeros(256, dtype=torch.float64), _aum._NUMPY_MAX_ROWS)
    assert not use_numpy(torch.zeros(256, dtype=torch.bfloat16), _aum._NUMPY_MAX_ROWS)
    assert not use_numpy(torch.zeros(_aum._NUMPY_MAX_ROWS + 1), _aum._NUMPY_MAX_ROWS)
    scores = torch.tensor([0.5, 0.5, -1.0], dtype=torch.bfloat16, requires_grad=True)
    AUMLoss()(scores, torch.tensor([1, 0, 0])).backward()  # the torch kernel, in bfloat16
    assert scores.grad.dtype == torch.bfloat16


def test_aum_large_batch_matches_autograd_without_ties_and_float64_with_ties(aum_kernel):
    # Above the integer sort's switch: without ties autograd through a sort is exact.
    generator = torch.Generator().manual_seed(4)
    n = 2**15 + 100
    scores = torch.randperm(n, generator=generator).double() / 8
    target = (torch.rand(n, generator=generator) < 0.1).long()
    x = scores.clone().requires_grad_(True)
    AUMLoss()(x, target).backward()
    y = scores.clone().requires_grad_(True)
    s, order = torch.sort(y, descending=True)
    positive = (target[order] == 1).double()
    fp = torch.cumsum(1 - positive, 0) / (1 - positive).sum()
    fn = 1 - torch.cumsum(positive, 0) / positive.sum()
    naive = ((s[:-1] - s[1:]) * torch.minimum(fp, fn)[:-1]).sum()
    naive.backward()
    torch.testing.assert_close(x.grad, y.grad, rtol=0, atol=1e-12)
    # With ties (float32 radix path vs float64 comparison path), value and gradient agree.
    tied = torch.round(torch.randn(n, generator=generator) * 20) / 4
    x32 = tied.clone().requires_grad_(True)
    x64 = tied.double().requires_grad_(True)
    loss32, loss64 = AUMLoss()(x32, target), AUMLoss()(x64, target)
    loss32.backward(), loss64.backward()
    assert loss32.item() == pytest.approx(loss64.item(), rel=1e-5)
    torch.testing.assert_close(x32.grad.double(), x64.grad, rtol=0, atol=1e-7)


# --------------------------------------------------------------------- pairwise losses


def naive_pairwise(scores, target, weight, pair_loss):
    positive, negative = target == 1, target == 0
    gap = scores[positive][:, None] - scores[negative][None, :]
    pair_weight = weight[positive][:, None] * weight[negative][None, :]
    return (pair_weight * pair_loss(gap)).sum() / pair_weight.sum()


PAIR = {
    "pairwise_hinge": (PairwiseHingeLoss, lambda gap: torch.relu(1.0 - gap)),
    "all_pairs_squared_hinge": (AllPairsSquaredHingeLoss, lambda gap: torch.relu(1.0 - gap) ** 2),
    "pairwise_logistic": (PairwiseLogisticLoss, lambda gap: torch.nn.functional.softplus(-gap)),
    # blocks of at most 64 pairs: selected rows on every device
    "pairwise_logistic_chunked": (
        lambda: PairwiseLogisticLoss(chunk_pairs=64),
        lambda gap: torch.nn.functional.softplus(-gap),
    ),
}


@pytest.fixture(params=["selected rows", "masked matrix"])
def row_path(request, monkeypatch):
    """Small batches as on the CPU (positive rows selected) and as on an accelerator (masked)."""
    devices = ("cpu",) if request.param == "selected rows" else ()
    monkeypatch.setattr(_pairwise, "_SELECT_ROWS_ON", devices)
    return request.param


@pytest.mark.parametrize("name", sorted(PAIR))
@pytest.mark.parametrize("offset", [-1, 0, 1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pairwise_losses_at_and_around_the_dense_switch(name, offset, weighted, dtype, row_path):
    make, pair_loss = PAIR[name]
    n = _pairwise._DENSE_MAX_ROWS + offset
    generator = torch.Generator().manual_seed(offset + 10)
    scores = torch.round(torch.randn(n, generator=generator, dtype=torch.float64) * 4) / 4
    target = (torch.rand(n, generator=generator) < 0.2).long()
    weight = torch.rand(n, generator=generator, dtype=torch.float64) + 0.5
    x = scores.to(dtype).requires_grad_(True)
    value = make()(x, target, weight.to(dtype) if weighted else None)
    (grad,) = torch.autograd.grad(value, x)
    y = scores.clone().requires_grad_(True)
    expected = naive_pairwise(y, target, weight if weighted else torch.ones_like(weight), pair_loss)
    (expected_grad,) = torch.autograd.grad(expected, y)
    assert value.dtype == dtype and grad.dtype == dtype
    tolerance = 1e-5 if dtype == torch.float32 else 1e-12
    assert value.item() == pytest.approx(expected.item(), rel=tolerance, abs=tolerance)
    torch.testing.assert_close(grad.double(), expected_grad, rtol=0, atol=tolerance / 10)


@pytest.mark.parametrize("name", ["pairwise_hinge", "all_pairs_squared_hinge"])
@pytest.mark.parametrize("weighted", [False, True])
def test_hinge_sort_path_with_integer_sort_matches_brute_force(
    name, weighted, sort_path, monkeypatch
):
    # Above the dense switch, the hinge losses sort: ties at the kink (gap = margin, -0.0
    # against 0.0 included) must count as inactive with either sort.
    monkeypatch.setattr(_pairwise, "_DENSE_MAX_ROWS", 0)
    make, pair_loss = PAIR[name]
    generator = torch.Generator().manual_seed(40)
    scores = torch.round(torch.randn(300, generator=generator, dtype=torch.float64) * 2) / 2
    scores[:4] = torch.tensor([-0.0, -1.0, 0.0, 1.0], dtype=torch.float64)
    target = (torch.rand(300, generator=generator) < 0.3).long()
    target[:4] = torch.tensor([1, 0, 1, 0])
    weight = torch.rand(300, generator=generator, dtype=torch.float64) + 0.5
    x = scores.clone().requires_grad_(True)
    value = make()(x, target, weight if weighted else None)
    (grad,) = torch.autograd.grad(value, x)
    y = scores.clone().requires_grad_(True)
    expected = naive_pairwise(y, target, weight if weighted else torch.ones(300), pair_loss)
    (expected_grad,) = torch.autograd.grad(expected, y)
    assert value.item() == pytest.approx(expected.item(), rel=1e-12)
    torch.testing.assert_close(grad, expected_grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PAIR))
@pytest.mark.parametrize("label", [0, 1])
def test_pairwise_without_pairs_is_zero_even_with_infinite_scores(name, label, row_path):
    scores = torch.tensor([float("inf"), 1.0, -float("inf")], requires_grad=True)
    value = PAIR[name][0]()(scores, torch.full((3,), label))
    value.backward()
    assert value.item() == 0.0 and torch.equal(scores.grad, torch.zeros(3))


@pytest.mark.parametrize("name", sorted(PAIR))
def test_pairwise_zero_total_weight_of_a_class_gives_zero(name, row_path):
    scores = torch.tensor([0.5, -1.0, 2.0, 0.0], requires_grad=True)
    weight = torch.tensor([0.0, 1.0, 0.0, 2.0])  # both positives weigh 0
    value = PAIR[name][0]()(scores, torch.tensor([1, 0, 1, 0]), weight)
    value.backward()
    assert value.item() == 0.0 and torch.equal(scores.grad, torch.zeros(4))


@pytest.mark.parametrize("name", sorted(PAIR))
def test_pairwise_multiclass_small_batch_paths_agree(name, row_path):
    generator = torch.Generator().manual_seed(30)
    scores = torch.randn(40, 3, generator=generator, dtype=torch.float64)
    target = torch.randint(0, 3, (40,), generator=generator)
    make, pair_loss = PAIR[name]
    value = make()(scores, target)
    expected = torch.stack(
        [
            naive_pairwise(scores[:, k], (target == k).long(), torch.ones(40), pair_loss)
            for k in range(3)
        ]
    ).mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-12)


# --------------------------------------------------------------------- cross-entropy


@pytest.mark.parametrize("n_classes", [2, 4])
def test_unweighted_cross_entropy_fast_path_equals_the_weighted_path(n_classes):
    from sklearn.metrics import log_loss

    from imbnn.losses import CrossEntropyLoss

    generator = torch.Generator().manual_seed(31)
    shape = (50,) if n_classes == 2 else (50, n_classes)
    scores = torch.randn(shape, generator=generator, dtype=torch.float64)
    target = torch.randint(0, n_classes, (50,), generator=generator)
    x = scores.clone().requires_grad_(True)
    fast = CrossEntropyLoss()(x, target)
    (fast_grad,) = torch.autograd.grad(fast, x)
    y = scores.clone().requires_grad_(True)
    general = CrossEntropyLoss()(y, target, torch.ones(50, dtype=torch.float64))
    (general_grad,) = torch.autograd.grad(general, y)
    probability = torch.sigmoid(scores) if n_classes == 2 else torch.softmax(scores, 1)
    assert fast.item() == pytest.approx(log_loss(target, probability.numpy()), rel=1e-12)
    assert fast.item() == pytest.approx(general.item(), rel=1e-12)
    torch.testing.assert_close(fast_grad, general_grad, rtol=1e-12, atol=1e-15)


def test_class_weight_list_is_converted_once_and_checked_every_call():
    from imbnn.losses import CrossEntropyLoss

    loss = CrossEntropyLoss(class_weight=[1.0, 3.0])
    scores, target = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([1, 0, 1])
    expected = (3 * np.logaddexp(0, -0.5) + np.logaddexp(0, -1.0) + 3 * np.logaddexp(0, -2.0)) / 7
    assert loss(scores, target).item() == pytest.approx(expected, rel=1e-6)
    assert loss(scores.double(), target).item() == pytest.approx(expected, rel=1e-12)
    loss.class_weight = [1.0, 3.0, 2.0]  # a new value is seen at once
    with pytest.raises(ValueError, match="class_weight has 3 entries but the scores have 2"):
        loss(scores, target)


@pytest.mark.parametrize(
    "infinite, finite, labels",
    [
        ([np.inf, 0.0], [1.0, 0.0], [1, 0]),  # ranked right: AUM 0, not inf * 0
        ([np.inf, 0.0], [1.0, 0.0], [0, 1]),
        ([0.0, -np.inf], [0.0, -1.0], [1, 0]),
        ([np.inf, np.inf, 0.0], [1.0, 1.0, 0.0], [0, 1, 0]),  # a tie of infinities
        ([np.inf, 2.0, -np.inf, -np.inf], [3.0, 2.0, -1.0, -1.0], [1, 0, 1, 0]),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_aum_of_infinite_scores(infinite, finite, labels, aum_kernel):
    # Infinite scores rank like finite ones in the same order and ties: the gradient is
    # theirs (checked by finite differences), and the AUM is 0 where theirs is 0, infinite
    # otherwise.
    finite = np.array(finite)
    weights = np.ones(len(labels))
    value, gradient = aum_with_gradient(torch.tensor(infinite), torch.tensor(labels).bool())
    expected = numpy_aum(finite, labels, weights, "rate")
    assert value.item() == (0.0 if expected == 0 else np.inf)
    np.testing.assert_allclose(
        gradient.numpy(), finite_difference_gradient(finite, labels, weights, "rate", 1e-3), atol=1e-9
    )


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_aum_of_nan_scores_is_nan(aum_kernel):
    scores = torch.tensor([np.nan, 0.5, np.nan, 1.0, -2.0])
    value, gradient = aum_with_gradient(scores, torch.tensor([1, 0, 0, 1, 0]).bool())
    assert np.isnan(value.item()) and gradient.shape == (5,)
