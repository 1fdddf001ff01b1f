"""imbnn: scikit-learn compatible neural-network classifiers for imbalanced data."""

__version__ = "0.1.0.dev0"

# imbnn.metrics registers imbnn's scorers by name with scikit-learn when imported.
from . import (
    benchmark,
    datasets,
    estimators,
    losses,
    metrics,
    model_selection,
    networks,
    samplers,
    thresholds,
)
from .estimators import (
    ALMClassifier,
    AUMClassifier,
    AUMLinearClassifier,
    FeaturelessClassifier,
    NetClassifier,
    ReMixClassifier,
)
from .thresholds import TunedThresholdClassifier

# imbnn.plotting is not imported here: it needs the optional matplotlib ("imbnn[plot]").
__all__ = [
    "ALMClassifier",
    "AUMClassifier",
    "AUMLinearClassifier",
    "FeaturelessClassifier",
    "NetClassifier",
    "ReMixClassifier",
    "TunedThresholdClassifier",
    "benchmark",
    "datasets",
    "estimators",
    "losses",
    "metrics",
    "model_selection",
    "networks",
    "samplers",
    "thresholds",
    "__version__",
]
