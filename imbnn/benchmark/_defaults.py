"""The estimators ``imbnn benchmark`` compares: the papers' baselines and AUM."""

from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..estimators import AUMClassifier, FeaturelessClassifier, NetClassifier
from ..networks import LinearNet

__all__ = ["default_estimators", "DEFAULT_ESTIMATORS"]

#: Names of :func:`default_estimators`, in the order they are compared.
DEFAULT_ESTIMATORS = ("featureless", "cross_entropy", "cross_entropy_balanced", "aum")


def default_estimators(
    names=DEFAULT_ESTIMATORS,
    *,
    network="mlp",
    max_epochs=100,
    lr=1e-3,
    batch_size=256,
    random_state=0,
):
    """The featureless baseline, cross-entropy (plain and class-weighted) and AUM networks.

    Every network sees imputed (median) and standardised features and chooses its
    epoch on a stratified 20% validation split.

    Parameters
    ----------
    names : sequence of str, default=DEFAULT_ESTIMATORS
        Any of ``"featureless"``, ``"cross_entropy"``, ``"cross_entropy_balanced"``, ``"aum"``.
    network : {"mlp", "linear"}, default="mlp"
        One hidden layer of 100 units, or a linear model.
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
    >>> list(default_estimators(["featureless", "aum"]))
    ['featureless', 'aum']
    """
    if network not in ("mlp", "linear"):
        raise ValueError(f"network must be 'mlp' or 'linear'; got {network!r}.")
    common = dict(
        max_epochs=max_epochs,
        lr=lr,
        batch_size=batch_size,
        validation_fraction=0.2,
        patience=20,
        random_state=random_state,
    )
    if network == "linear":
        common["module"] = LinearNet

    def prepared(estimator):
        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(), estimator
        )

    makers = {
        "featureless": lambda: FeaturelessClassifier(random_state=random_state),
        "cross_entropy": lambda: prepared(NetClassifier(**common)),
        "cross_entropy_balanced": lambda: prepared(
            NetClassifier(class_weight="balanced", **common)
        ),
        "aum": lambda: prepared(AUMClassifier(**common)),
    }
    unknown = [name for name in names if name not in makers]
    if unknown:
        raise ValueError(f"Unknown estimator(s) {unknown}; available: {', '.join(makers)}.")
    return {name: makers[name]() for name in names}
