"""imbnn: scikit-learn compatible neural-network classifiers for imbalanced data."""

__version__ = "0.1.0.dev0"

from . import losses, metrics, networks, samplers  # noqa: E402  (metrics registers scorers)
from .estimators import (  # noqa: E402
    AUMClassifier,
    FeaturelessClassifier,
    NetClassifier,
)

__all__ = [
    "AUMClassifier",
    "FeaturelessClassifier",
    "NetClassifier",
    "losses",
    "metrics",
    "networks",
    "samplers",
    "__version__",
]

from . import benchmark, datasets, model_selection  # noqa: E402

__all__ += ["benchmark", "datasets", "model_selection"]

from . import thresholds  # noqa: E402
from .thresholds import TunedThresholdClassifier  # noqa: E402

__all__ += ["thresholds", "TunedThresholdClassifier"]
