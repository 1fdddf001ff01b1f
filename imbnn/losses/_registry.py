"""Names of the losses selectable as ``NetClassifier(loss="name")``."""

import inspect

import torch

from ._aum import AUMLoss
from ._cross_entropy import CrossEntropyLoss
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
)
from ._soft_metrics import SoftBalancedAccuracyLoss, SoftF1Loss

__all__ = ["LOSSES", "get_loss", "register_loss"]

LOSSES = {
    "cross_entropy": CrossEntropyLoss,
    "aum": AUMLoss,
    # Sangalli et al.'s base losses (methods.md 3.3); "bce" is their name for cross-entropy.
    "bce": CrossEntropyLoss,
    "weighted_bce": WeightedBCELoss,
    "class_balanced_bce": ClassBalancedBCELoss,
    "large_margin": LargeMarginLoss,
    "asymmetric_large_margin": AsymmetricLargeMarginLoss,
    "focal": FocalLoss,
    "asymmetric_focal": AsymmetricFocalLoss,
    "ldam": LDAMLoss,
    "mbauc": MiniBatchAUCLoss,
    # Pairwise ranking and soft-metric losses (methods.md 2).
    "pairwise_logistic": PairwiseLogisticLoss,
    "pairwise_hinge": PairwiseHingeLoss,
    "all_pairs_squared_hinge": AllPairsSquaredHingeLoss,
    "soft_f1": SoftF1Loss,
    "soft_balanced_accuracy": SoftBalancedAccuracyLoss,
}


def register_loss(name, loss_class):
    """Make ``loss_class`` selectable by ``name`` in ``NetClassifier(loss=name)``."""
    if not (isinstance(loss_class, type) and issubclass(loss_class, torch.nn.Module)):
        raise TypeError(f"loss_class must be a torch.nn.Module subclass; got {loss_class!r}.")
    LOSSES[name] = loss_class
    return loss_class


def get_loss(loss, **params):
    """Instantiate a loss from a registered name, a class or an instance.

    Parameters the loss's constructor does not accept are dropped, so that an
    estimator can offer ``class_weight`` to every loss and only those that use
    it receive it. An instance is returned as is.

    Parameters
    ----------
    loss : str, type or torch.nn.Module
    **params : constructor arguments.

    Returns
    -------
    torch.nn.Module
    """
    if isinstance(loss, torch.nn.Module):
        return loss
    if isinstance(loss, str):
        try:
            loss = LOSSES[loss]
        except KeyError:
            raise ValueError(
                f"Unknown loss {loss!r}; registered losses are {sorted(LOSSES)}."
            ) from None
    if not (isinstance(loss, type) and issubclass(loss, torch.nn.Module)):
        raise TypeError(
            f"loss must be a registered name, a torch.nn.Module class or instance; got {loss!r}."
        )
    if loss.__init__ is torch.nn.Module.__init__:
        # Module.__init__ takes **kwargs only to reject them: the loss has no parameters.
        return loss()
    accepted = inspect.signature(loss.__init__).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    kwargs = {k: v for k, v in params.items() if takes_any or k in accepted}
    return loss(**kwargs)
