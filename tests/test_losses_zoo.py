"""The loss zoo against brute force, finite differences, torch's and scikit-learn's functions."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score, f1_score, roc_curve
from sklearn.model_selection import GridSearchCV

from imbnn.estimators import NetClassifier
from imbnn.losses import (
    LOSSES,
    AllPairsSquaredHingeLoss,
    AsymmetricFocalLoss,
    AsymmetricLargeMarginLoss,
    ClassBalancedBCELoss,
    CrossEntropyLoss,
    FocalLoss,
    LargeMarginLoss,
    LDAMLoss,
    MiniBatchAUCLoss,
    PairwiseHingeLoss,
    PairwiseLogisticLoss,
    SoftBalancedAccuracyLoss,
    SoftF1Loss,
    WeightedBCELoss,
    get_loss,
    positive_hinge_sums,
)
from imbnn.losses import _pairwise
from imbnn.metrics import fpr_at_tpr, get_scorer

# Every loss of this zoo, with the class counts that fix its class weights (so that
# duplicating rows changes nothing but the rows).
ZOO = {
    "weighted_bce": lambda: WeightedBCELoss(c=1 / 3, class_counts=[30, 10]),
    "class_balanced_bce": lambda: ClassBalancedBCELoss(beta=0.9, class_counts=[30, 10]),
    "large_margin": lambda: LargeMarginLoss(margin=0.5),
    "asymmetric_large_margin": lambda: AsymmetricLargeMarginLoss(margin=2.0),
    "focal": lambda: FocalLoss(gamma=0.5),
    "asymmetric_focal": lambda: AsymmetricFocalLoss(gamma=2.0),
    "ldam": lambda: LDAMLoss(scale=3.0, class_counts=[30, 10]),
    "mbauc": MiniBatchAUCLoss,
    "pairwise_logistic": lambda: PairwiseLogisticLoss(chunk_pairs=5),
    "pairwise_hinge": lambda: PairwiseHingeLoss(margin=1.0),
    "all_pairs_squared_hinge": lambda: AllPairsSquaredHingeLoss(margin=1.0),
    "soft_f1": SoftF1Loss,
    "soft_balanced_accuracy": SoftBalancedAccuracyLoss,
}
MULTICLASS = {
    "class_balanced_bce": lambda: ClassBalancedBCELoss(beta=0.9, class_counts=[30, 10, 5]),
    "large_margin": lambda: LargeMarginLoss(margin=0.5),
    "focal": lambda: FocalLoss(gamma=0.5),
    "ldam": lambda: LDAMLoss(scale=3.0, class_counts=[30, 10, 5]),
    "mbauc": MiniBatchAUCLoss,
    "pairwise_logistic": lambda: PairwiseLogisticLoss(chunk_pairs=5),
    "pairwise_hinge": PairwiseHingeLoss,
    "all_pairs_squared_hinge": AllPairsSquaredHingeLoss,
    "soft_f1": SoftF1Loss,
    "soft_balanced_accuracy": SoftBalancedAccuracyLoss,
}
BINARY_ONLY = ["weighted_bce", "asymmetric_large_margin", "asymmetric_focal"]
# Losses over pairs (or over the positive class's F1): nothing to rank in a one-class batch.
PAIR_LOSSES = ["mbauc", "pairwise_logistic", "pairwise_hinge", "all_pairs_squared_hinge"]


@pytest.fixture(params=["dense", "sort"])
def hinge_path(request, monkeypatch):
    """Run a test with the hinge sums' dense n+ x n path and again with the sort path."""
    monkeypatch.setattr(_pairwise, "_DENSE_MAX_ROWS", 10**9 if request.param == "dense" else 0)
    return request.param


def batch(n=24, n_classes=2, seed=0, dtype=torch.float64, scale=2.0):
    """Distinct scores (no ties, so finite differences apply) and labels with every class."""
    generator = torch.Generator().manual_seed(seed)
    shape = (n,) if n_classes == 2 else (n, n_classes)
    scores = scale * torch.randn(shape, generator=generator, dtype=dtype)
    target = torch.randint(0, n_classes, (n,), generator=generator)
    target[:n_classes] = torch.arange(n_classes)
    return scores, target


def value_and_grad(loss, scores, target, sample_weight=None):
    scores = scores.detach().clone().requires_grad_(True)
    value = loss(scores, target, sample_weight=sample_weight)
    (grad,) = torch.autograd.grad(value, scores)
    return value.detach(), grad


# --------------------------------------------------------------------- common properties


def test_every_loss_is_registered_by_name():
    for name in ZOO:
        assert name in LOSSES
    assert LOSSES["bce"] is CrossEntropyLoss


@pytest.mark.parametrize("name", sorted(ZOO))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_matches_finite_differences(name, n_classes, hinge_path):
    if n_classes > 2 and name not in MULTICLASS:
        pytest.skip("binary-only loss")
    loss = (ZOO if n_classes == 2 else MULTICLASS)[name]()
    scores, target = batch(n=12, n_classes=n_classes, seed=1)
    weight = torch.rand(12, generator=torch.Generator().manual_seed(2), dtype=torch.float64) + 0.5
    scores.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda s: loss(s, target, sample_weight=weight), (scores,))


@pytest.mark.parametrize("name", sorted(ZOO))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_integer_weights_equal_duplicated_rows(name, n_classes, hinge_path):
    if n_classes > 2 and name not in MULTICLASS:
        pytest.skip("binary-only loss")
    loss = (ZOO if n_classes == 2 else MULTICLASS)[name]()
    scores, target = batch(n=15, n_classes=n_classes, seed=3)
    counts = torch.randint(0, 4, (15,), generator=torch.Generator().manual_seed(4))
    counts[:n_classes] = 1  # keep every class
    value, grad = value_and_grad(loss, scores, target, sample_weight=counts.double())
    repeated = torch.repeat_interleave(torch.arange(15), counts)
    expected, expected_grad_rows = value_and_grad(loss, scores[repeated], target[repeated])
    expected_grad = torch.zeros_like(scores).index_add_(0, repeated, expected_grad_rows)
    assert value.item() == pytest.approx(expected.item(), rel=1e-10, abs=1e-12)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ZOO))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_extreme_logits_in_float32_stay_finite(name, n_classes, hinge_path):
    if n_classes > 2 and name not in MULTICLASS:
        pytest.skip("binary-only loss")
    loss = (ZOO if n_classes == 2 else MULTICLASS)[name]()
    scores, target = batch(n=40, n_classes=n_classes, seed=5, dtype=torch.float32)
    scores = 100.0 * torch.sign(scores)  # confidently right and wrong, at +-100
    value, grad = value_and_grad(loss, scores, target)
    assert value.dtype == torch.float32 and grad.dtype == torch.float32
    assert torch.isfinite(value) and torch.isfinite(grad).all()
    # and float32 agrees with float64 on the same input
    value64, grad64 = value_and_grad(loss, scores.double(), target)
    assert value.item() == pytest.approx(value64.item(), rel=1e-5, abs=1e-6)
    torch.testing.assert_close(grad.double(), grad64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ZOO))
@pytest.mark.parametrize("label", [0, 1])
def test_one_class_batch_is_defined_and_keeps_the_graph(name, label, hinge_path):
    loss = ZOO[name]()
    scores = torch.tensor([0.3, -1.2, 2.0, 0.0], requires_grad=True)
    value = loss(scores, torch.full((4,), label))
    assert value.requires_grad and torch.isfinite(value)
    value.backward()
    assert torch.isfinite(scores.grad).all()
    if name in PAIR_LOSSES or (name == "soft_f1" and label == 0):
        assert value.item() == 0.0
        assert torch.equal(scores.grad, torch.zeros(4))


@pytest.mark.parametrize("name", ["mbauc", "pairwise_hinge", "all_pairs_squared_hinge", "soft_f1"])
def test_zero_loss_with_infinite_scores_keeps_a_finite_gradient(name):
    scores = torch.tensor([float("inf"), 1.0], requires_grad=True)
    value = ZOO[name]()(scores, torch.tensor([0, 0]))
    value.backward()
    assert value.item() == 0.0 and torch.equal(scores.grad, torch.zeros(2))


@pytest.mark.parametrize("name", BINARY_ONLY)
def test_binary_only_losses_refuse_multiclass_scores(name):
    scores, target = batch(n_classes=3)
    with pytest.raises(ValueError, match="binary"):
        ZOO[name]()(scores, target)


@pytest.mark.cuda
@pytest.mark.parametrize("name", sorted(ZOO))
def test_cuda_matches_cpu(name):
    loss = ZOO[name]()
    scores, target = batch(n=50, seed=6, dtype=torch.float32)
    value, grad = value_and_grad(loss, scores, target)
    value_cuda, grad_cuda = value_and_grad(loss.to("cuda"), scores.cuda(), target.cuda())
    assert value_cuda.device.type == "cuda"
    assert value_cuda.item() == pytest.approx(value.item(), rel=1e-5, abs=1e-6)
    torch.testing.assert_close(grad_cuda.cpu(), grad, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------- base losses: values


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_weighted_bce_is_torch_bce_with_pos_weight():
    scores, target = batch(n=30, seed=7)
    ratio = 270 / 30
    expected = F.binary_cross_entropy_with_logits(
        scores, target.double(), pos_weight=torch.tensor(ratio / 3, dtype=torch.float64)
    )
    value = WeightedBCELoss(c=1 / 3, class_counts=[270, 30])(scores, target)
    assert value.item() == pytest.approx(expected.item(), rel=1e-12)
    # without counts: the batch's own ratio
    n_positive = int(target.sum())
    batch_ratio = (30 - n_positive) / n_positive
    expected = F.binary_cross_entropy_with_logits(
        scores, target.double(), pos_weight=torch.tensor(batch_ratio, dtype=torch.float64)
    )
    assert WeightedBCELoss()(scores, target).item() == pytest.approx(expected.item(), rel=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("counts", [[270, 30], [5, 0]])
def test_weighted_bce_fused_path_matches_the_per_example_formula(dtype, counts):
    # Without weights and with host counts, W-BCE takes torch's fused call; its value
    # and gradient are those of the per-example formula (numpy) and of the general path.
    scores, target = batch(n=40, seed=11)
    z, y = scores.numpy(), target.numpy()
    negatives, positives = max(counts[0], 1), max(counts[1], 1)
    weight = np.where(y == 1, 0.4 * negatives / positives, 1.0)
    softplus = np.logaddexp(0, np.where(y == 1, -z, z))
    expected = float(np.mean(weight * softplus))
    expected_gradient = weight * np.where(y == 1, sigmoid(z) - 1, sigmoid(z)) / len(z)
    loss = WeightedBCELoss(c=0.4, class_counts=counts)
    fused = scores.to(dtype).clone().requires_grad_(True)
    general = scores.to(dtype).clone().requires_grad_(True)
    value = loss(fused, target)
    reference = loss(general, target, sample_weight=torch.ones(40, dtype=dtype))  # general path
    value.backward(), reference.backward()
    tolerance = 1e-6 if dtype == torch.float32 else 1e-12
    assert value.dtype == dtype
    assert value.item() == pytest.approx(expected, rel=tolerance)
    assert reference.item() == pytest.approx(expected, rel=tolerance)
    np.testing.assert_allclose(fused.grad.double().numpy(), expected_gradient, rtol=0, atol=tolerance)
    torch.testing.assert_close(fused.grad, general.grad, rtol=0, atol=tolerance)


@pytest.mark.parametrize("sample_weight", [None, torch.ones(4)])
def test_weighted_bce_refuses_negative_counts_on_both_paths(sample_weight):
    with pytest.raises(ValueError, match="class_counts must be non-negative"):
        WeightedBCELoss(class_counts=[-1, 3])(torch.zeros(4), torch.tensor([0, 1, 0, 1]), sample_weight)


@pytest.mark.parametrize("beta", [0.0, 0.9, 0.999])
def test_class_balanced_weights_are_inverse_effective_numbers(beta):
    scores, target = batch(n=30, n_classes=3, seed=8)
    counts = np.array([500, 40, 3])
    weights = (1 - beta) / (1 - beta**counts)
    per_example = F.cross_entropy(scores, target, reduction="none").numpy()
    expected = np.mean(weights[target.numpy()] * per_example)
    assert ClassBalancedBCELoss(beta, class_counts=counts)(scores, target).item() == pytest.approx(
        expected
    )
    normalised = ClassBalancedBCELoss(beta, class_counts=counts, normalize=True)(scores, target)
    expected = np.mean(weights[target.numpy()] / weights.mean() * per_example)
    assert normalised.item() == pytest.approx(expected)


def test_class_balanced_beta_099_as_published_scales_the_loss_by_about_001():
    scores, target = batch(n=30, seed=9)
    plain = F.binary_cross_entropy_with_logits(scores, target.double())
    value = ClassBalancedBCELoss(0.99, class_counts=[5000, 2000])(scores, target)
    assert value.item() == pytest.approx(0.01 * plain.item(), rel=1e-6)


def numpy_margin_loss(z, y, positive_margin, negative_margin, scale=1.0):
    z = np.asarray(z, dtype=np.float64)
    positive = -np.log(sigmoid(scale * (z - positive_margin)))
    negative = -np.log(1 - sigmoid(scale * (z + negative_margin)))
    return np.where(np.asarray(y) == 1, positive, negative).mean()


def test_large_margin_losses_match_their_formulas():
    scores, target = batch(n=30, seed=10)
    z, y = scores.numpy(), target.numpy()
    assert LargeMarginLoss(0.5)(scores, target).item() == pytest.approx(
        numpy_margin_loss(z, y, 0.5, 0.5)
    )
    assert AsymmetricLargeMarginLoss(2.0)(scores, target).item() == pytest.approx(
        numpy_margin_loss(z, y, 2.0, 0.0)
    )
    plain = F.binary_cross_entropy_with_logits(scores, target.double()).item()
    assert LargeMarginLoss(0.0)(scores, target).item() == pytest.approx(plain)
    assert AsymmetricLargeMarginLoss(0.0)(scores, target).item() == pytest.approx(plain)


def test_focal_losses_match_their_formulas():
    scores, target = batch(n=30, seed=11)
    p, y = sigmoid(scores.numpy()), target.numpy()
    gamma = 1.5
    symmetric = np.where(y == 1, -((1 - p) ** gamma) * np.log(p), -(p**gamma) * np.log(1 - p))
    asymmetric = np.where(y == 1, -np.log(p), -(p**gamma) * np.log(1 - p))
    assert FocalLoss(gamma)(scores, target).item() == pytest.approx(symmetric.mean())
    assert AsymmetricFocalLoss(gamma)(scores, target).item() == pytest.approx(asymmetric.mean())
    # gamma = 0 is torch's cross-entropy, binary and multi-class
    plain = F.binary_cross_entropy_with_logits(scores, target.double()).item()
    assert FocalLoss(0.0)(scores, target).item() == pytest.approx(plain)
    assert AsymmetricFocalLoss(0.0)(scores, target).item() == pytest.approx(plain)
    scores3, target3 = batch(n=30, n_classes=3, seed=12)
    assert FocalLoss(0.0)(scores3, target3).item() == pytest.approx(
        F.cross_entropy(scores3, target3).item()
    )
    p_true = torch.softmax(scores3, 1).gather(1, target3[:, None])[:, 0].numpy()
    expected = np.mean(-((1 - p_true) ** gamma) * np.log(p_true))
    assert FocalLoss(gamma)(scores3, target3).item() == pytest.approx(expected)


def test_focal_gradient_is_finite_where_pow_would_give_nan():
    # d/dz (1 - p)**0.5 is infinite at p = 1; the loss must still give a finite gradient.
    for scores, target in [
        (torch.tensor([40.0, -40.0]), torch.tensor([1, 0])),
        (torch.tensor([[60.0, 0.0, -5.0]]), torch.tensor([0])),
    ]:
        _, grad = value_and_grad(FocalLoss(gamma=0.5), scores, target)
        assert torch.isfinite(grad).all()


def test_ldam_margins_and_value_follow_cao_et_al():
    counts = np.array([625, 16, 1])
    loss = LDAMLoss(max_margin=0.5, scale=30.0, class_counts=counts)
    scores, target = batch(n=20, n_classes=3, seed=13, scale=0.3)
    margins = 1 / counts**0.25
    margins = 0.5 * margins / margins.max()  # [0.1, 0.25, 0.5]
    np.testing.assert_allclose(loss.margins(scores, target).numpy(), margins)
    shifted = 30.0 * (scores.numpy() - np.eye(3)[target.numpy()] * margins)
    log_softmax = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    expected = -log_softmax[np.arange(20), target.numpy()].mean()
    assert loss(scores, target).item() == pytest.approx(expected)


@pytest.mark.parametrize(
    "make",
    [
        lambda k: LargeMarginLoss(0.7),
        lambda k: FocalLoss(1.0),
        lambda k: LDAMLoss(scale=5.0, class_counts=[20, 3][:k]),
        lambda k: ClassBalancedBCELoss(0.9, class_counts=[20, 3][:k]),
        lambda k: MiniBatchAUCLoss(),
        lambda k: SoftBalancedAccuracyLoss(),
    ],
)
def test_binary_logit_is_the_two_column_case(make):
    # A single logit z is the two-class network with logits (0, z).
    scores, target = batch(n=20, seed=14)
    two_columns = torch.stack([torch.zeros_like(scores), scores], dim=1)
    binary, grad = value_and_grad(make(2), scores, target)
    multi, grad_multi = value_and_grad(make(2), two_columns, target)
    assert binary.item() == pytest.approx(multi.item(), rel=1e-10)
    torch.testing.assert_close(grad, grad_multi[:, 1])


def test_class_weight_is_accepted_and_weighs_the_mean():
    scores, target = batch(n=20, seed=15)
    class_weight = torch.tensor([1.0, 4.0], dtype=torch.float64)
    for name in ["large_margin", "focal", "asymmetric_focal", "asymmetric_large_margin", "ldam"]:
        loss = get_loss(name, class_weight=[1.0, 4.0])
        assert list(loss.class_weight) == [1.0, 4.0]
        same = get_loss(name)(scores, target, sample_weight=class_weight[target])
        assert loss(scores, target).item() == pytest.approx(same.item())


def test_class_counts_must_match_the_classes():
    scores, target = batch(n=10, n_classes=3)
    with pytest.raises(ValueError, match="class_counts has 2 entries"):
        LDAMLoss(class_counts=[5, 5])(scores, target)
    with pytest.raises(ValueError, match="beta"):
        ClassBalancedBCELoss(beta=1.0)


# --------------------------------------------------------------------- pairwise losses


def naive_pairwise(scores, target, weight, pair_loss):
    """Every (positive, negative) pair as an explicit n+ x n- matrix."""
    positive, negative = target == 1, target == 0
    gap = scores[positive][:, None] - scores[negative][None, :]
    pair_weight = weight[positive][:, None] * weight[negative][None, :]
    return (pair_weight * pair_loss(gap)).sum() / pair_weight.sum()


NAIVE = {
    "pairwise_logistic": lambda gap: F.softplus(-gap),
    # relu's derivative at 0 is 0, imbnn's convention at the hinge's kink
    "pairwise_hinge": lambda gap: torch.relu(1.0 - gap),
    "all_pairs_squared_hinge": lambda gap: torch.relu(1.0 - gap) ** 2,
    "mbauc": None,
}


@pytest.mark.parametrize("name", ["pairwise_logistic", "pairwise_hinge", "all_pairs_squared_hinge"])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_pairwise_losses_match_all_pairs_brute_force(name, ties, weighted, hinge_path):
    generator = torch.Generator().manual_seed(16)
    n = 300
    scores = torch.randn(n, generator=generator, dtype=torch.float64) * 2
    if ties:  # many exact ties, also at gaps equal to the margin 1
        scores = torch.round(scores * 2) / 2
    target = (torch.rand(n, generator=generator) < 0.2).long()
    weight = (
        torch.rand(n, generator=generator, dtype=torch.float64) + 0.5
        if weighted
        else torch.ones(n, dtype=torch.float64)
    )
    value, grad = value_and_grad(ZOO[name](), scores, target, weight if weighted else None)
    expected, expected_grad = value_and_grad(
        lambda s, t, sample_weight=None: naive_pairwise(s, t, weight, NAIVE[name]), scores, target
    )
    assert abs(value.item() - expected.item()) < 1e-6 * max(1.0, abs(expected.item()))
    torch.testing.assert_close(grad, expected_grad, rtol=0, atol=1e-6)


def test_all_pairs_squared_hinge_matches_naive_to_1e6_at_large_n():
    generator = torch.Generator().manual_seed(17)
    n = 3000
    scores = torch.randn(n, generator=generator, dtype=torch.float64) * 5 + 20
    target = (torch.rand(n, generator=generator) < 0.1).long()
    weight = torch.ones(n, dtype=torch.float64)
    value, grad = value_and_grad(AllPairsSquaredHingeLoss(), scores, target)
    expected, expected_grad = value_and_grad(
        lambda s, t, sample_weight=None: naive_pairwise(
            s, t, weight, NAIVE["all_pairs_squared_hinge"]
        ),
        scores,
        target,
    )
    assert abs(value.item() - expected.item()) < 1e-6
    assert (grad - expected_grad).abs().max().item() < 1e-6


def test_hinge_float32_at_extreme_scores_matches_float64():
    # Scores far from 0 and a large batch: centring and float64 sums avoid cancellation.
    generator = torch.Generator().manual_seed(18)
    scores = torch.randn(100_000, generator=generator) * 50 + 1000
    target = (torch.rand(100_000, generator=generator) < 0.1).long()
    for loss in (PairwiseHingeLoss(), AllPairsSquaredHingeLoss()):
        value32, grad32 = value_and_grad(loss, scores, target)
        value64, grad64 = value_and_grad(loss, scores.double(), target)
        assert value32.item() == pytest.approx(value64.item(), rel=1e-6)
        assert ((grad32.double() - grad64).abs().max() / grad64.abs().max()).item() < 1e-6


def test_hinge_losses_never_form_the_pair_matrix():
    # 10^5 x 10^5 pairs would need 80 GB; the sort-based losses need O(n).
    n = 200_000
    scores = torch.randn(n, generator=torch.Generator().manual_seed(19))
    target = torch.arange(n) % 2
    for loss in (PairwiseHingeLoss(), AllPairsSquaredHingeLoss()):
        value, grad = value_and_grad(loss, scores, target)
        assert torch.isfinite(value) and grad.shape == (n,)


def test_pairwise_logistic_works_in_bounded_chunks(monkeypatch):
    sizes = []
    softplus = F.softplus

    def recording_softplus(x, *args, **kwargs):
        sizes.append(x.numel())
        return softplus(x, *args, **kwargs)

    monkeypatch.setattr(F, "softplus", recording_softplus)
    scores, target = batch(n=200, seed=20)
    n_pairs = int(target.sum()) * int((target == 0).sum())
    chunked = PairwiseLogisticLoss(chunk_pairs=500)
    value, grad = value_and_grad(chunked, scores, target)
    assert len(sizes) > 1 and max(sizes) <= 500
    monkeypatch.setattr(F, "softplus", softplus)
    whole, whole_grad = value_and_grad(PairwiseLogisticLoss(chunk_pairs=n_pairs), scores, target)
    assert value.item() == pytest.approx(whole.item(), rel=1e-12)
    torch.testing.assert_close(grad, whole_grad)


def test_pairwise_losses_multiclass_is_mean_of_one_vs_rest_columns():
    scores, target = batch(n=40, n_classes=3, seed=21)
    for name in ["pairwise_logistic", "pairwise_hinge", "all_pairs_squared_hinge"]:
        loss = ZOO[name]()
        expected = np.mean([loss(scores[:, k], (target == k).long()).item() for k in range(3)])
        assert loss(scores, target).item() == pytest.approx(expected)


def test_positive_hinge_sums_is_alm_constraint_with_its_gradient(hinge_path):
    generator = torch.Generator().manual_seed(22)
    scores = torch.round(torch.randn(60, generator=generator, dtype=torch.float64) * 4) / 4
    positive = torch.rand(60, generator=generator) < 0.3
    weight = torch.rand(60, generator=generator, dtype=torch.float64) + 0.5
    upstream = torch.randn(60, generator=generator, dtype=torch.float64)
    for power in (1, 2):
        x = scores.clone().requires_grad_(True)
        r = positive_hinge_sums(x, positive, margin=0.25, power=power, sample_weight=weight)
        (grad,) = torch.autograd.grad((r * upstream).sum(), x)
        y = scores.clone().requires_grad_(True)
        hinge = torch.relu(0.25 - (y[:, None] - y[None, :])) ** power * weight[None, :]
        expected = torch.where(positive, (hinge * ~positive[None, :]).sum(1), 0.0)
        (expected_grad,) = torch.autograd.grad((expected * upstream).sum(), y)
        torch.testing.assert_close(r, expected, rtol=0, atol=1e-12)
        torch.testing.assert_close(grad, expected_grad, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="power"):
        positive_hinge_sums(scores, positive, power=3)


def test_mini_batch_auc_matches_brute_force():
    scores, target = batch(n=40, seed=23)
    weight = torch.rand(40, generator=torch.Generator().manual_seed(24), dtype=torch.float64) + 0.5
    p = torch.sigmoid(scores)
    expected = naive_pairwise(p, target, weight, lambda gap: (1 - gap) ** 2)
    assert MiniBatchAUCLoss()(scores, target, weight).item() == pytest.approx(
        expected.item(), rel=1e-12
    )


# --------------------------------------------------------------------- soft metrics


def test_soft_metrics_at_saturated_scores_are_sklearns_hard_metrics():
    rng = np.random.default_rng(25)
    y = rng.integers(0, 2, 50)
    predicted = np.where(rng.uniform(size=50) < 0.8, y, 1 - y)
    scores = torch.tensor(np.where(predicted == 1, 60.0, -60.0))
    target = torch.tensor(y)
    assert SoftF1Loss()(scores, target).item() == pytest.approx(
        1 - f1_score(y, predicted), abs=1e-6
    )
    assert SoftBalancedAccuracyLoss()(scores, target).item() == pytest.approx(
        1 - balanced_accuracy_score(y, predicted), abs=1e-6
    )
    y3 = rng.integers(0, 3, 60)
    predicted3 = np.where(rng.uniform(size=60) < 0.7, y3, rng.integers(0, 3, 60))
    scores3 = torch.tensor(60.0 * np.eye(3)[predicted3])
    assert SoftF1Loss()(scores3, torch.tensor(y3)).item() == pytest.approx(
        1 - f1_score(y3, predicted3, average="macro"), abs=1e-6
    )
    assert SoftBalancedAccuracyLoss()(scores3, torch.tensor(y3)).item() == pytest.approx(
        1 - balanced_accuracy_score(y3, predicted3), abs=1e-6
    )


def test_soft_f1_matches_its_formula_on_probabilities():
    scores, target = batch(n=30, seed=26)
    p, y = sigmoid(scores.numpy()), target.numpy()
    tp, fp, fn = (p * y).sum(), (p * (1 - y)).sum(), ((1 - p) * y).sum()
    expected = 1 - 2 * tp / (2 * tp + fp + fn + 1e-7)
    assert SoftF1Loss()(scores, target).item() == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------- with the estimator


@pytest.fixture(scope="module")
def small_task():
    X, y = make_classification(n_samples=160, n_features=6, weights=[0.8], random_state=0)
    return X.astype(np.float32), y


@pytest.mark.parametrize("name", sorted(ZOO))
def test_net_classifier_trains_on_every_loss_by_name(small_task, name):
    X, y = small_task
    clf = NetClassifier(
        loss=name, max_epochs=15, lr=0.02, min_per_class=2, hidden_layer_sizes=(8,), random_state=0
    )
    clf.fit(X, y)
    # Better than chance: every loss of the zoo ranks the minority above the majority.
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, clf.decision_function(X)) > 0.75


def test_grid_search_over_loss_names(small_task):
    X, y = small_task
    grid = GridSearchCV(
        NetClassifier(max_epochs=5, hidden_layer_sizes=(8,), min_per_class=2, random_state=0),
        {"loss": ["pairwise_hinge", "focal", "soft_f1"]},
        scoring=get_scorer("neg_fpr_at_tpr_90"),
        cv=2,
    ).fit(X, y)
    assert grid.best_params_["loss"] in {"pairwise_hinge", "focal", "soft_f1"}
    assert -1.0 <= grid.best_score_ <= 0.0


# --------------------------------------------------------------------- FPR at TPR


def brute_force_fpr_at_tpr(y, scores, target_tpr):
    """Smallest FPR over thresholds and random mixes of neighbouring thresholds reaching the TPR."""
    fpr, tpr, _ = roc_curve(y, scores, drop_intermediate=False)
    best = np.inf
    for i in range(len(tpr)):
        if tpr[i] >= target_tpr:
            best = min(best, fpr[i])
        if i and tpr[i - 1] < target_tpr <= tpr[i]:
            t = (target_tpr - tpr[i - 1]) / (tpr[i] - tpr[i - 1])
            best = min(best, fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))
    return best


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("target_tpr", [0.9, 0.95, 0.98, 1.0])
def test_fpr_at_tpr_is_the_lowest_fpr_reaching_the_tpr(seed, target_tpr):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    scores = np.round(rng.normal(size=200) + y, 1)  # ties: diagonal ROC segments
    assert fpr_at_tpr(y, scores, tpr=target_tpr) == pytest.approx(
        brute_force_fpr_at_tpr(y, scores, target_tpr)
    )


def test_fpr_at_tpr_labels_weights_and_errors():
    y = np.array(["no", "yes", "no", "yes", "no"])
    scores = np.array([0.1, 0.9, 0.95, 0.5, 0.3])
    # positives at 0.9 and 0.5: TPR 1 needs the threshold 0.5, passing 1 negative of 3
    assert fpr_at_tpr(y, scores, tpr=1.0) == pytest.approx(1 / 3)
    assert fpr_at_tpr(y == "no", -scores, tpr=1.0, pos_label=True) == pytest.approx(1.0)
    weighted = fpr_at_tpr(y, scores, tpr=1.0, sample_weight=[1, 1, 2, 1, 1])
    assert weighted == pytest.approx(2 / 4)
    with pytest.raises(ValueError, match="both classes"):
        fpr_at_tpr([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="tpr"):
        fpr_at_tpr([0, 1], [0.1, 0.2], tpr=1.5)
    with pytest.raises(ValueError, match="NaN|infinity"):
        fpr_at_tpr([0, 1], [np.nan, 0.2])
