"""imbnn's classifiers: scikit-learn estimators, most of them skorch networks."""

from ._alm import ALMClassifier
from ._aum import AUMClassifier
from ._aum_linear import AUMLinearClassifier
from ._base import BaseNetClassifier
from ._featureless import FeaturelessClassifier
from ._net import NetClassifier
from ._remix import ReMixClassifier
from ._weight_averaging import SmoothedValidationScore

__all__ = [
    "ALMClassifier",
    "AUMClassifier",
    "AUMLinearClassifier",
    "BaseNetClassifier",
    "FeaturelessClassifier",
    "NetClassifier",
    "ReMixClassifier",
    "SmoothedValidationScore",
]
