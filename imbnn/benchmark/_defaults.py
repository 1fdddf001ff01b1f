"""The estimators ``imbnn benchmark`` compares, by name: imbnn's networks and baselines.

:data:`ESTIMATORS` is the registry: one line per name, each a function of the
shared settings (network, epochs, learning rate, batch size, seed) that returns a
fresh estimator. Every network family also comes threshold-tuned (``<name>_tuned``).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..estimators import (
    ALMClassifier,
    AUMClassifier,
    AUMLinearClassifier,
    FeaturelessClassifier,
    NetClassifier,
    ReMixClassifier,
)
from ..networks import LinearNet
from ..thresholds import TunedThresholdClassifier

__all__ = ["default_estimators", "DEFAULT_ESTIMATORS", "ESTIMATORS", "FAMILIES", "preprocessor"]


@dataclass(frozen=True)
class Settings:
    """What the estimators of one benchmark share."""

    network: str = "mlp"
    max_epochs: int = 100
    lr: float = 1e-3
    batch_size: int = 256
    random_state: int = 0


def numeric_columns(X):
    """The numeric columns of a DataFrame; every column of an array."""
    if hasattr(X, "select_dtypes"):
        return list(X.select_dtypes(include=["number", "bool"]).columns)
    return list(range(np.shape(X)[1]))


def categorical_columns(X):
    """The other columns of a DataFrame (strings, categories); none of an array."""
    if hasattr(X, "select_dtypes"):
        return list(X.select_dtypes(exclude=["number", "bool"]).columns)
    return []


def preprocessor():
    """Median-imputed, standardised numeric columns and one-hot categorical ones.

    Inside every pipeline, so each fold learns its medians, scales and categories
    from its training rows only. Arrays are all numeric; a DataFrame's string and
    categorical columns are imputed with their most frequent value and one-hot
    encoded (categories unseen in training encode as zeros).

    Returns
    -------
    sklearn.compose.ColumnTransformer

    Examples
    --------
    >>> import pandas as pd
    >>> from imbnn.benchmark._defaults import preprocessor
    >>> X = pd.DataFrame({"size": [1.0, None, 3.0], "colour": ["red", "blue", None]})
    >>> preprocessor().fit_transform(X).shape
    (3, 3)
    """
    numeric = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
    )
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [("numeric", numeric, numeric_columns), ("categorical", categorical, categorical_columns)],
        sparse_threshold=0.0,
    )


def _network(kind, **params):
    def make(settings):
        common = dict(
            max_epochs=settings.max_epochs,
            lr=settings.lr,
            batch_size=settings.batch_size,
            validation_fraction=0.2,
            patience=20,
            random_state=settings.random_state,
        )
        if settings.network == "linear":
            common["module"] = LinearNet
        return make_pipeline(preprocessor(), kind(**common, **params))

    return make


def _prepared(kind, **params):
    def make(settings):
        return make_pipeline(preprocessor(), kind(**params, random_state=settings.random_state))

    return make


def _tuned(maker):
    """The estimator with its decision threshold tuned for balanced accuracy.

    A quarter of the training rows (stratified) is held out to tune the threshold of
    the model fit on the rest (:class:`imbnn.TunedThresholdClassifier`).
    """

    def make(settings):
        return TunedThresholdClassifier(
            maker(settings),
            scoring="balanced_accuracy",
            cv=0.25,
            refit=False,
            random_state=settings.random_state,
        )

    return make


#: The families that also come threshold-tuned as ``<name>_tuned``.
FAMILIES = {
    "featureless": _prepared(FeaturelessClassifier),
    "cross_entropy": _network(NetClassifier),
    "cross_entropy_balanced": _network(NetClassifier, class_weight="balanced"),
    "aum": _network(AUMClassifier),
    "remix": _network(ReMixClassifier),
    "alm": _network(ALMClassifier),
    # AUM with an exact line search: no learning rate, so none of the network settings.
    "aum_linear": _prepared(AUMLinearClassifier),
}
_BASELINES = {
    "logistic": _prepared(LogisticRegression, max_iter=1000),
    "logistic_balanced": _prepared(LogisticRegression, max_iter=1000, class_weight="balanced"),
    "hgb": _prepared(HistGradientBoostingClassifier),
    "mlp": _prepared(MLPClassifier, early_stopping=True, max_iter=200),
}
#: Every estimator by name: a function of the shared :class:`Settings` that makes it.
ESTIMATORS = {
    **FAMILIES,
    **{f"{name}_tuned": _tuned(maker) for name, maker in FAMILIES.items()},
    **_BASELINES,
}

#: Names of :func:`default_estimators`, in the order they are compared.
DEFAULT_ESTIMATORS = (
    "featureless",
    "cross_entropy",
    "cross_entropy_balanced",
    "aum",
    "remix",
    "alm",
    "logistic_balanced",
    "hgb",
)


def default_estimators(
    names=DEFAULT_ESTIMATORS,
    *,
    network="mlp",
    max_epochs=100,
    lr=1e-3,
    batch_size=256,
    random_state=0,
):
    """The estimators of :data:`ESTIMATORS` by name, with shared settings.

    Every estimator sees median-imputed, standardised numeric features and one-hot
    encoded categorical ones (:func:`preprocessor`, fitted on each training fold);
    every network chooses its epoch on a stratified 20% validation split.

    Parameters
    ----------
    names : sequence of str, default=DEFAULT_ESTIMATORS
        Any of :data:`ESTIMATORS`: the featureless baseline, ``cross_entropy``,
        ``cross_entropy_balanced`` (class-weighted), ``aum``, ``remix``, ``alm``,
        each also as ``<name>_tuned`` (decision threshold tuned for balanced
        accuracy on a held-out quarter of the training rows), and scikit-learn's
        ``logistic``, ``logistic_balanced``, ``hgb`` (histogram gradient boosting)
        and ``mlp``.
    network : {"mlp", "linear"}, default="mlp"
        For imbnn's networks: one hidden layer of 100 units, or a linear model.
    max_epochs : int, default=100
    lr : float, default=1e-3
        Adam's learning rate.
    batch_size : int, default=256
        -1 for full batch.
    random_state : int, default=0

    Returns
    -------
    dict of str to estimator

    Examples
    --------
    >>> from imbnn.benchmark import default_estimators
    >>> list(default_estimators(["featureless", "aum_tuned"]))
    ['featureless', 'aum_tuned']
    """
    if network not in ("mlp", "linear"):
        raise ValueError(f"network must be 'mlp' or 'linear'; got {network!r}.")
    if isinstance(names, str):
        names = [names]
    unknown = [name for name in names if name not in ESTIMATORS]
    if unknown:
        raise ValueError(f"Unknown estimator(s) {unknown}; available: {', '.join(ESTIMATORS)}.")
    settings = Settings(network, max_epochs, lr, batch_size, random_state)
    return {name: ESTIMATORS[name](settings) for name in names}
