"""Shared conventions of imbnn's loss modules.

Every loss is a :class:`torch.nn.Module` whose ``forward`` takes

- ``scores``: float logits, shape ``(n,)`` for a binary task (the score of the
  positive class) or ``(n, K)`` for ``K`` classes;
- ``target``: integer class indices, shape ``(n,)`` (0/1 for a binary task);
- ``sample_weight``: optional non-negative weights, shape ``(n,)``;

and returns a scalar tensor on the device and in the dtype of ``scores``.
"""

import functools

import torch
import torch.nn.functional as F

__all__ = [
    "ImbalancedLoss",
    "PerExampleLoss",
    "weighted_mean",
    "as_weights",
    "with_gradient",
    "cross_entropy_per_example",
]


class ImbalancedLoss(torch.nn.Module):
    """Base class of imbnn's losses: documents and checks the call convention.

    Every loss is called as ``loss(scores, target, sample_weight=None)``: ``scores``
    of shape ``(n,)`` (binary) or ``(n, n_classes)``, ``target`` the class indices,
    ``sample_weight`` optional example weights; it returns a scalar tensor.
    Subclasses check their inputs with the shared checks, which name the problem
    (wrong shape, rows that do not match).

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import AUMLoss, ImbalancedLoss
    >>> loss = AUMLoss()
    >>> isinstance(loss, ImbalancedLoss)
    True
    >>> float(loss(torch.tensor([2.0, -1.0, 0.5]), torch.tensor([1, 0, 0])))
    0.0
    """

    def _check_inputs(self, scores, target, sample_weight=None):
        if scores.ndim not in (1, 2):
            raise ValueError(
                f"{type(self).__name__} expects scores of shape (n,) or (n, n_classes); "
                f"got shape {tuple(scores.shape)}."
            )
        if scores.ndim == 2 and scores.shape[1] == 1:
            scores = scores[:, 0]
        if target.shape[0] != scores.shape[0]:
            raise ValueError(
                f"{type(self).__name__}: scores have {scores.shape[0]} rows but "
                f"target has {target.shape[0]}."
            )
        if sample_weight is not None and sample_weight.shape[0] != scores.shape[0]:
            raise ValueError(
                f"{type(self).__name__}: sample_weight has {sample_weight.shape[0]} rows "
                f"but scores have {scores.shape[0]}."
            )
        return scores, target.long(), sample_weight


def as_weights(sample_weight, scores):
    """Weights as a tensor on the device and in the dtype of ``scores`` (ones if None)."""
    if sample_weight is None:
        return torch.ones(scores.shape[0], dtype=scores.dtype, device=scores.device)
    return torch.as_tensor(sample_weight, dtype=scores.dtype, device=scores.device)


class _ValueAndGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, scores, compute, *args):
        value, gradient = compute(scores, *args)
        ctx.save_for_backward(gradient)
        ctx.n_args = len(args)
        return value

    @staticmethod
    def backward(ctx, grad_output):
        (gradient,) = ctx.saved_tensors
        return (grad_output * gradient, None) + (None,) * ctx.n_args


def with_gradient(compute, scores, *args):
    """``value`` of ``compute(scores, *args) -> (value, gradient)``, with that gradient.

    ``compute`` runs without autograd (in a :class:`torch.autograd.Function`), for
    losses whose exact gradient is cheaper to compute alongside the value (in
    sorted order, or block by block) than by autograd, or that autograd gets wrong
    (AUM at ties). The gradient is a constant to autograd: no second derivative.
    """
    return _ValueAndGradient.apply(scores, compute, *args)


def weighted_mean(per_example_loss, sample_weight):
    """Weighted average ``sum(w * l) / sum(w)``; the plain mean when weights are None.

    A weight of 2 then counts like a duplicated example, as in scikit-learn.
    """
    if sample_weight is None:
        return per_example_loss.mean()
    weight = sample_weight
    if weight.dtype != per_example_loss.dtype:
        weight = weight.to(per_example_loss.dtype)
    # An all-zero weight batch contributes nothing (0 / tiny), instead of 0/0 = NaN.
    # Normalising the weights first leaves one operation (the dot) for autograd.
    total = weight.sum().clamp_min(torch.finfo(weight.dtype).tiny)
    return torch.dot(per_example_loss, weight / total)


@functools.lru_cache(maxsize=256)
def _constant_tensor(values, dtype, device):
    return torch.tensor(values, dtype=dtype, device=device).flatten()


def _per_class(values, scores, name):
    """A per-class sequence as a tensor on the device and in the dtype of ``scores``.

    A list or tuple is converted once per dtype and device (a loss is called once
    per mini-batch with the same class weights); treat the result as read-only.
    """
    tensor = None
    if isinstance(values, (list, tuple)):
        try:
            tensor = _constant_tensor(tuple(values), scores.dtype, scores.device)
        except TypeError:  # unhashable entries: converted every call
            pass
    if tensor is None:
        tensor = torch.as_tensor(values, dtype=scores.dtype, device=scores.device).flatten()
    n_classes = 2 if scores.ndim == 1 else scores.shape[1]
    if tensor.shape[0] != n_classes:
        raise ValueError(
            f"{name} has {tensor.numel()} entries but the scores have {n_classes} classes."
        )
    return tensor


def _example_weights(scores, target, sample_weight, class_weight):
    """``sample_weight * class_weight[target]``, or None when neither is given."""
    if class_weight is None:
        return sample_weight
    per_example = _per_class(class_weight, scores, "class_weight").index_select(0, target)
    return per_example if sample_weight is None else per_example * sample_weight


def _require_binary(loss, scores):
    if scores.ndim != 1:
        raise ValueError(
            f"{type(loss).__name__} is defined for binary tasks (scores of shape (n,)); got "
            f"scores of shape {tuple(scores.shape)}. For several classes use its symmetric "
            "version or another loss."
        )


def cross_entropy_per_example(scores, target):
    """Logistic loss of each example for ``(n,)`` scores, softmax cross-entropy for ``(n, K)``."""
    if scores.ndim == 1:
        return F.binary_cross_entropy_with_logits(scores, target.to(scores.dtype), reduction="none")
    return F.cross_entropy(scores, target, reduction="none")


class PerExampleLoss(ImbalancedLoss):
    """A loss that is the mean of a per-example term weighted by ``sample_weight * class_weight[y]``.

    Subclasses give :meth:`_per_example`; ``binary_only`` losses refuse
    multi-class scores with an error that names the loss.
    """

    binary_only = False

    def _per_example(self, scores, target):
        raise NotImplementedError

    def forward(self, scores, target, sample_weight=None):
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        if self.binary_only:
            _require_binary(self, scores)
        return weighted_mean(
            self._per_example(scores, target),
            _example_weights(scores, target, sample_weight, self.class_weight),
        )
