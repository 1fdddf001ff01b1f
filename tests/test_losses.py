"""AUM and cross-entropy losses against brute force, finite differences and torch/scikit-learn."""

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss

from imbnn.losses import LOSSES, AUMLoss, CrossEntropyLoss, aum_with_gradient, get_loss, register_loss


def brute_force_aum(scores, labels, weights=None, variant="rate"):
    """Integrate min(FP(c), FN(c)) by counting errors at the midpoint of every gap."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    weights = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=np.float64)
    negative_total = weights[labels == 0].sum()
    positive_total = weights[labels == 1].sum()
    if negative_total == 0 or positive_total == 0:
        return 0.0
    if variant == "rate":
        weights = np.where(labels == 1, weights / positive_total, weights / negative_total)
    cuts = np.unique(-scores)
    total = 0.0
    for low, high in zip(cuts[:-1], cuts[1:]):
        c = (low + high) / 2
        false_positive = weights[(labels == 0) & (scores + c > 0)].sum()
        false_negative = weights[(labels == 1) & (scores + c < 0)].sum()
        total += (high - low) * min(false_positive, false_negative)
    return total


def brute_force_gradient(scores, labels, weights=None, variant="rate", step=1e-4):
    """Mean of the one-sided finite differences (exact: AUM is piecewise linear)."""
    scores = np.asarray(scores, dtype=np.float64)
    base = brute_force_aum(scores, labels, weights, variant)
    gradient = np.empty(len(scores))
    for i in range(len(scores)):
        up, down = scores.copy(), scores.copy()
        up[i] += step
        down[i] -= step
        right = (brute_force_aum(up, labels, weights, variant) - base) / step
        left = (base - brute_force_aum(down, labels, weights, variant)) / step
        gradient[i] = (left + right) / 2
    return gradient


def aum_and_grad(scores, labels, weights=None, variant="rate", dtype=torch.float64):
    scores = torch.tensor(scores, dtype=dtype, requires_grad=True)
    weight = None if weights is None else torch.tensor(weights, dtype=dtype)
    loss = AUMLoss(variant)(scores, torch.tensor(labels), sample_weight=weight)
    loss.backward()
    return loss, scores.grad


@pytest.mark.parametrize(
    "labels, scores, variant, expected_aum, expected_gradient",
    [
        # values from the reference C++ code of the R package aum (Hillman & Hocking, JMLR 2023).
        ([0, 0, 1, 1], [2, -3.5, -1, 1.5], "rate", 1.5, [0.5, 0, -0.5, 0]),
        ([0, 1, 0, 1], [1, 0, 0, -1], "rate", None, [0.5, -0.25, 0.25, -0.5]),
        ([0, 1, 0, 1], [1, 0, 0, -1], "count", None, [1, -0.5, 0.5, -1]),
        ([0, 1], [0, 0], "count", 0.0, [0.5, -0.5]),
        ([0, 1], [10, -10], "count", 20.0, [1, -1]),
    ],
)
def test_aum_published_check_values(labels, scores, variant, expected_aum, expected_gradient):
    loss, gradient = aum_and_grad(scores, labels, variant=variant)
    if expected_aum is not None:
        assert loss.item() == pytest.approx(expected_aum, abs=1e-12)
    np.testing.assert_allclose(gradient.numpy(), expected_gradient, atol=1e-12)


@pytest.mark.parametrize("variant", ["rate", "count"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_aum_matches_brute_force_with_many_ties(variant, weighted, seed):
    rng = np.random.default_rng(seed)
    n = 30
    scores = rng.integers(-3, 4, size=n).astype(float)  # about 7 distinct values: many ties
    labels = rng.integers(0, 2, size=n)
    labels[:2] = [0, 1]
    weights = rng.uniform(0.1, 3.0, size=n) if weighted else None
    loss, gradient = aum_and_grad(scores, labels, weights, variant)
    assert loss.item() == pytest.approx(brute_force_aum(scores, labels, weights, variant), abs=1e-6)
    np.testing.assert_allclose(
        gradient.numpy(), brute_force_gradient(scores, labels, weights, variant), atol=1e-6
    )


def test_aum_all_scores_equal_still_has_a_gradient():
    # Autograd through a sort gives exactly zero here, so training could never start.
    labels = [0, 0, 0, 1, 1]
    _, gradient = aum_and_grad([0.0] * 5, labels)
    np.testing.assert_allclose(gradient.numpy(), brute_force_gradient([0.0] * 5, labels), atol=1e-9)
    assert (gradient[:3] > 0).all() and (gradient[3:] < 0).all()


def test_aum_float32_matches_float64():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=1000)
    labels = (rng.uniform(size=1000) < 0.1).astype(int)
    loss32, grad32 = aum_and_grad(scores, labels, dtype=torch.float32)
    loss64, grad64 = aum_and_grad(scores, labels, dtype=torch.float64)
    assert loss32.dtype == torch.float32 and grad32.dtype == torch.float32
    assert loss32.item() == pytest.approx(loss64.item(), rel=1e-5)
    np.testing.assert_allclose(grad32.numpy(), grad64.numpy(), atol=1e-6)


@pytest.mark.parametrize("variant", ["rate", "count"])
@pytest.mark.parametrize("label", [0, 1])
def test_aum_one_class_batch_is_zero_with_zero_gradient(variant, label):
    scores = torch.tensor([0.3, -1.0, 2.0], requires_grad=True)
    loss = AUMLoss(variant)(scores, torch.full((3,), label))
    assert loss.item() == 0.0 and loss.requires_grad
    loss.backward()
    assert torch.equal(scores.grad, torch.zeros(3))


def test_aum_invariances():
    rng = np.random.default_rng(2)
    scores = torch.tensor(rng.normal(size=50))
    labels = torch.tensor(rng.integers(0, 2, size=50))
    loss = AUMLoss()
    base = loss(scores, labels).item()
    assert loss(scores + 7.5, labels).item() == pytest.approx(base, rel=1e-9)
    assert loss(3.0 * scores, labels).item() == pytest.approx(3.0 * base, rel=1e-9)


def test_aum_multiclass_is_mean_of_one_vs_rest():
    rng = np.random.default_rng(3)
    scores = rng.integers(-2, 3, size=(40, 3)).astype(float)
    labels = rng.integers(0, 3, size=40)
    tensor = torch.tensor(scores, requires_grad=True)
    loss = AUMLoss()(tensor, torch.tensor(labels))
    loss.backward()
    expected = np.mean([brute_force_aum(scores[:, k], labels == k) for k in range(3)])
    assert loss.item() == pytest.approx(expected, abs=1e-9)
    expected_grad = np.column_stack(
        [brute_force_gradient(scores[:, k], (labels == k).astype(int)) / 3 for k in range(3)]
    )
    np.testing.assert_allclose(tensor.grad.numpy(), expected_grad, atol=1e-6)


def test_aum_with_gradient_rejects_unknown_variant():
    with pytest.raises(ValueError, match="variant"):
        aum_with_gradient(torch.zeros(2), torch.tensor([True, False]), variant="area")
    with pytest.raises(ValueError, match="variant"):
        AUMLoss("area")


def test_losses_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="rows"):
        AUMLoss()(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="shape"):
        CrossEntropyLoss()(torch.zeros(3, 2, 2), torch.zeros(3))


def test_cross_entropy_binary_matches_scikit_learn_log_loss():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=20)
    labels = rng.integers(0, 2, size=20)
    weights = rng.uniform(0.5, 2.0, size=20)
    class_weight = [0.3, 2.0]
    loss = CrossEntropyLoss(class_weight=class_weight)(
        torch.tensor(logits), torch.tensor(labels), sample_weight=torch.tensor(weights)
    )
    combined = weights * np.asarray(class_weight)[labels]
    probability = 1 / (1 + np.exp(-logits))
    expected = log_loss(labels, probability, sample_weight=combined)
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_cross_entropy_multiclass_matches_torch():
    rng = np.random.default_rng(5)
    logits = torch.tensor(rng.normal(size=(15, 4)))
    labels = torch.tensor(rng.integers(0, 4, size=15))
    class_weight = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)
    ours = CrossEntropyLoss(class_weight=class_weight.tolist())(logits, labels)
    # torch also normalises by the sum of the weights of the targets.
    theirs = torch.nn.functional.cross_entropy(logits, labels, weight=class_weight)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-9)


def test_cross_entropy_refuses_a_class_weight_of_the_wrong_length():
    logits = torch.zeros(4, 3)
    with pytest.raises(ValueError, match="class_weight has 2 entries but the scores have 3"):
        CrossEntropyLoss(class_weight=[1.0, 2.0])(logits, torch.tensor([0, 1, 2, 0]))


def test_cross_entropy_stable_at_extreme_logits():
    logits = torch.tensor([100.0, -100.0, 100.0], requires_grad=True)
    loss = CrossEntropyLoss()(logits, torch.tensor([0, 1, 1]))
    loss.backward()
    assert loss.item() == pytest.approx(200 / 3, rel=1e-5)
    assert torch.isfinite(logits.grad).all()


def test_registry():
    assert get_loss("aum", variant="count").variant == "count"
    # A keyword the loss does not take is an error naming the closest valid one.
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['class_weight'\]"):
        get_loss("aum", class_weight=[1, 2])
    with pytest.raises(ValueError, match="Did you mean 'gamma'"):
        get_loss("focal", gama=0.0)
    assert get_loss("focal", gamma=0.0).gamma == 0.0
    with pytest.raises(ValueError, match="Did you mean 'focal'"):
        get_loss("focall")
    with pytest.raises(ValueError, match="is an instance"):
        get_loss(AUMLoss(), variant="count")
    assert get_loss("cross_entropy", class_weight=[1, 2]).class_weight == [1, 2]
    instance = AUMLoss()
    assert get_loss(instance) is instance
    with pytest.raises(ValueError, match="Unknown loss 'nope'"):
        get_loss("nope")
    with pytest.raises(TypeError, match="loss must be"):
        get_loss(42)

    class Custom(torch.nn.Module):
        def forward(self, scores, target, sample_weight=None):
            return scores.sum()

    register_loss("custom_for_test", Custom)
    try:
        assert isinstance(get_loss("custom_for_test"), Custom)
    finally:
        del LOSSES["custom_for_test"]


@pytest.mark.cuda
def test_aum_on_cuda_matches_cpu():
    rng = np.random.default_rng(6)
    scores = rng.integers(-3, 4, size=200).astype(np.float32)
    labels = rng.integers(0, 2, size=200)
    cpu_loss, cpu_grad = aum_and_grad(scores, labels, dtype=torch.float32)
    tensor = torch.tensor(scores, device="cuda", requires_grad=True)
    loss = AUMLoss()(tensor, torch.tensor(labels, device="cuda"))
    loss.backward()
    assert loss.item() == pytest.approx(cpu_loss.item(), rel=1e-5)
    np.testing.assert_allclose(tensor.grad.cpu().numpy(), cpu_grad.numpy(), atol=1e-6)
