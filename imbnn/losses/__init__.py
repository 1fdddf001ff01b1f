"""Losses for imbalanced classification, as :class:`torch.nn.Module` objects.

All share one call convention (see :class:`ImbalancedLoss`): ``loss(scores, target,
sample_weight=None)``. The registry maps the names accepted by
``NetClassifier(loss=...)`` to loss classes.
"""

from ._aum import AUMLoss, aum_with_gradient
from ._base import ImbalancedLoss
from ._cross_entropy import CrossEntropyLoss
from ._registry import LOSSES, get_loss, register_loss

__all__ = [
    "AUMLoss",
    "CrossEntropyLoss",
    "ImbalancedLoss",
    "LOSSES",
    "aum_with_gradient",
    "get_loss",
    "register_loss",
]
