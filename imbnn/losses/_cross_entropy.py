"""Cross-entropy with optional class weights: the logistic baselines of the papers."""

import torch.nn.functional as F

from ..utils._docstring import LOSS_DOCS, Substitution
from ._base import PerExampleLoss, cross_entropy_per_example

__all__ = ["CrossEntropyLoss"]


class CrossEntropyLoss(PerExampleLoss):
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

    def _per_example(self, scores, target):
        return cross_entropy_per_example(scores, target)

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        if sample_weight is not None or self.class_weight is not None:
            return super().forward(scores, target, sample_weight)
        scores, target, _ = self._check_inputs(scores, target)
        # Unweighted: torch's fused mean, the same value as the mean of the per-example terms.
        if scores.ndim == 1:
            return F.binary_cross_entropy_with_logits(scores, target.to(scores.dtype))
        return F.cross_entropy(scores, target)
