"""Differentiable versions of F1 and balanced accuracy, computed from probabilities.

The counts of the confusion matrix are replaced by sums of predicted probabilities
(sigmoid for binary scores, softmax for multi-class), so the metric itself becomes
the loss: ``1 - soft metric``. Both are batch-level losses: they are not means of
per-example terms, so a batch's value depends on its class mix.
"""

import torch

from ..utils._docstring import LOSS_DOCS, Substitution
from ._base import ImbalancedLoss, as_weights

__all__ = ["SoftBalancedAccuracyLoss", "SoftF1Loss"]


def _probabilities_and_one_hot(scores, target):
    """``(n, K)`` probabilities and one-hot labels; a binary task as its two columns."""
    if scores.ndim == 1:
        positive = torch.sigmoid(scores)
        # sigmoid(-z) rather than 1 - sigmoid(z): exact for large positive z.
        probability = torch.stack([torch.sigmoid(-scores), positive], dim=1)
        n_classes = 2
    else:
        probability = torch.softmax(scores, dim=1)
        n_classes = scores.shape[1]
    one_hot = torch.nn.functional.one_hot(target, n_classes).to(scores.dtype)
    return probability, one_hot


class SoftF1Loss(ImbalancedLoss):
    """``1 - soft F1``: F1 computed from probabilities instead of hard predictions.

    With ``p`` the predicted probability of a class and ``y`` its 0/1 label,
    ``tp = sum w p y``, ``fp = sum w p (1 - y)``, ``fn = sum w (1 - p) y`` and the loss
    is ``1 - 2 tp / (2 tp + fp + fn + eps)``. For binary scores this is
    the F1 of the positive class; for multi-class scores the macro average over
    one-vs-rest classes. Only classes with examples in the batch are averaged: the
    F1 of a class absent from the batch is undefined, so a binary batch without
    positives has loss 0 (and gradient 0).

    Parameters
    ----------
    eps : float, default=1e-7
        Keeps the ratio finite when a class has neither predictions nor examples.

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import SoftF1Loss
    >>> SoftF1Loss()(torch.tensor([0.0, 0.0]), torch.tensor([0, 1])).item()  # tp=fp=fn=0.5
    0.5
    """

    def __init__(self, eps=1e-7):
        super().__init__()
        self.eps = eps

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        weight = as_weights(sample_weight, scores).detach()[:, None]
        probability, one_hot = _probabilities_and_one_hot(scores, target)
        true_positive = (weight * probability * one_hot).sum(0)
        false_positive = (weight * probability * (1 - one_hot)).sum(0)
        false_negative = (weight * (1 - probability) * one_hot).sum(0)
        soft_f1 = (
            2 * true_positive / (2 * true_positive + false_positive + false_negative + self.eps)
        )
        present = (weight * one_hot).sum(0) > 0
        if scores.ndim == 1:
            present[0] = False  # binary F1 is the positive class's
        if not bool(present.any()):
            return scores[:0].sum()
        return 1 - soft_f1[present].mean()


class SoftBalancedAccuracyLoss(ImbalancedLoss):
    """``1 - soft balanced accuracy``: the mean over classes of each class's soft recall.

    The soft recall of class ``k`` is ``sum_{i: y_i = k} w_i p_ik / sum_{i: y_i = k} w_i``
    with ``p_ik`` the predicted probability of class ``k`` (sigmoid or
    softmax). The mean runs over the classes present in the batch, so a batch with
    one class is still defined: one minus that class's soft recall.

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import SoftBalancedAccuracyLoss
    >>> loss = SoftBalancedAccuracyLoss()
    >>> round(loss(torch.tensor([0.0, 100.0, 100.0]), torch.tensor([0, 1, 1])).item(), 4)
    0.25
    """

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        weight = as_weights(sample_weight, scores).detach()[:, None]
        probability, one_hot = _probabilities_and_one_hot(scores, target)
        class_total = (weight * one_hot).sum(0)
        present = class_total > 0
        if not bool(present.any()):  # every weight is zero
            return scores[:0].sum()
        recall = (weight * probability * one_hot).sum(0)[present] / class_total[present]
        return 1 - recall.mean()
