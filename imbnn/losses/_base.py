"""Shared conventions of imbnn's loss modules.

Every loss is a :class:`torch.nn.Module` whose ``forward`` takes

- ``scores``: float logits, shape ``(n,)`` for a binary task (the score of the
  positive class) or ``(n, K)`` for ``K`` classes;
- ``target``: integer class indices, shape ``(n,)`` (0/1 for a binary task);
- ``sample_weight``: optional non-negative weights, shape ``(n,)``;

and returns a scalar tensor on the device and in the dtype of ``scores``.
"""

import torch

__all__ = ["ImbalancedLoss", "weighted_mean", "as_weights"]


class ImbalancedLoss(torch.nn.Module):
    """Base class of imbnn's losses: documents and checks the call convention."""

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


def weighted_mean(per_example_loss, sample_weight):
    """Weighted average ``sum(w * l) / sum(w)``; the plain mean when weights are None.

    A weight of 2 then counts like a duplicated example, as in scikit-learn.
    """
    if sample_weight is None:
        return per_example_loss.mean()
    weight = sample_weight.to(per_example_loss.dtype)
    total = weight.sum()
    # An all-zero weight batch contributes nothing, instead of 0/0 = NaN.
    return (per_example_loss * weight).sum() / torch.where(total > 0, total, torch.ones_like(total))
