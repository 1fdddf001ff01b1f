"""Losses for imbalanced classification, as :class:`torch.nn.Module` objects.

All share one call convention (see :class:`ImbalancedLoss`): ``loss(scores, target,
sample_weight=None)``. The registry maps the names accepted by
``NetClassifier(loss=...)`` to loss classes.
"""

from ._aum import AUMLoss, aum_with_gradient
from ._base import ImbalancedLoss
from ._cross_entropy import CrossEntropyLoss
from ._registry import LOSSES, get_loss, loss_parameters, register_loss
from ._binary import (
    AsymmetricFocalLoss,
    AsymmetricLargeMarginLoss,
    ClassBalancedBCELoss,
    FocalLoss,
    LDAMLoss,
    LargeMarginLoss,
    WeightedBCELoss,
)
from ._pairwise import (
    AllPairsSquaredHingeLoss,
    MiniBatchAUCLoss,
    PairwiseHingeLoss,
    PairwiseLogisticLoss,
    positive_hinge_sums,
)
from ._soft_metrics import SoftBalancedAccuracyLoss, SoftF1Loss

__all__ = [
    "AUMLoss",
    "CrossEntropyLoss",
    "ImbalancedLoss",
    "LOSSES",
    "aum_with_gradient",
    "get_loss",
    "register_loss",
    "AllPairsSquaredHingeLoss",
    "AsymmetricFocalLoss",
    "AsymmetricLargeMarginLoss",
    "ClassBalancedBCELoss",
    "FocalLoss",
    "LDAMLoss",
    "LargeMarginLoss",
    "MiniBatchAUCLoss",
    "PairwiseHingeLoss",
    "PairwiseLogisticLoss",
    "SoftBalancedAccuracyLoss",
    "SoftF1Loss",
    "WeightedBCELoss",
    "positive_hinge_sums",
]
