"""Cross-entropy with optional class weights: the logistic baselines of the papers."""

import torch
import torch.nn.functional as F

from ._base import ImbalancedLoss, weighted_mean

__all__ = ["CrossEntropyLoss"]


class CrossEntropyLoss(ImbalancedLoss):
    """Binary or multi-class cross-entropy on logits, with class and sample weights.

    For ``(n,)`` scores this is the binary logistic loss
    (:func:`torch.nn.functional.binary_cross_entropy_with_logits`); for ``(n, K)``
    scores the softmax cross-entropy. The result is the weighted mean
    ``sum(w_i * l_i) / sum(w_i)`` with ``w_i = class_weight[y_i] * sample_weight_i``.

    Parameters
    ----------
    class_weight : sequence of float or None
        One weight per class (index = encoded class). ``None`` weighs all classes 1.

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import CrossEntropyLoss
    >>> loss = CrossEntropyLoss()
    >>> round(loss(torch.tensor([0.0, 0.0]), torch.tensor([0, 1])).item(), 4)
    0.6931
    """

    def __init__(self, class_weight=None):
        super().__init__()
        self.class_weight = class_weight

    def forward(self, scores, target, sample_weight=None):
        scores, target, sample_weight = self._check_inputs(scores, target, sample_weight)
        if scores.ndim == 1:
            per_example = F.binary_cross_entropy_with_logits(
                scores, target.to(scores.dtype), reduction="none"
            )
        else:
            per_example = F.cross_entropy(scores, target, reduction="none")
        weight = sample_weight
        if self.class_weight is not None:
            class_weight = torch.as_tensor(
                self.class_weight, dtype=scores.dtype, device=scores.device
            )
            weight = class_weight[target] if weight is None else weight * class_weight[target]
        return weighted_mean(per_example, weight)
