"""Names of the losses selectable as ``NetClassifier(loss="name")``."""

import difflib
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

__all__ = ["LOSSES", "get_loss", "loss_parameters", "register_loss"]

LOSSES = {
    "cross_entropy": CrossEntropyLoss,
    "aum": AUMLoss,
    # Sangalli et al.'s base losses (NeurIPS 2021); "bce" is their name for cross-entropy.
    "bce": CrossEntropyLoss,
    "weighted_bce": WeightedBCELoss,
    "class_balanced_bce": ClassBalancedBCELoss,
    "large_margin": LargeMarginLoss,
    "asymmetric_large_margin": AsymmetricLargeMarginLoss,
    "focal": FocalLoss,
    "asymmetric_focal": AsymmetricFocalLoss,
    "ldam": LDAMLoss,
    "mbauc": MiniBatchAUCLoss,
    # Pairwise ranking and soft-metric losses.
    "pairwise_logistic": PairwiseLogisticLoss,
    "pairwise_hinge": PairwiseHingeLoss,
    "all_pairs_squared_hinge": AllPairsSquaredHingeLoss,
    "soft_f1": SoftF1Loss,
    "soft_balanced_accuracy": SoftBalancedAccuracyLoss,
}


def register_loss(name, loss_class):
    """Make ``loss_class`` selectable by ``name`` in ``NetClassifier(loss=name)``.

    Parameters
    ----------
    name : str
        The name, a new key of :data:`LOSSES` (an existing one is replaced).
    loss_class : type
        A :class:`torch.nn.Module` subclass called as
        ``loss(scores, target, sample_weight=None)``.

    Returns
    -------
    type
        ``loss_class``, so that the function can decorate the class.

    Examples
    --------
    >>> from imbnn.losses import LOSSES, FocalLoss, register_loss
    >>> register_loss("my_focal", FocalLoss) is FocalLoss
    True
    >>> "my_focal" in LOSSES
    True
    >>> del LOSSES["my_focal"]
    """
    if not (isinstance(loss_class, type) and issubclass(loss_class, torch.nn.Module)):
        raise TypeError(f"loss_class must be a torch.nn.Module subclass; got {loss_class!r}.")
    LOSSES[name] = loss_class
    return loss_class


def _loss_class(loss):
    """The loss class behind a registered name or a class; a clear error otherwise."""
    if isinstance(loss, str):
        try:
            return LOSSES[loss]
        except KeyError:
            close = difflib.get_close_matches(loss, LOSSES, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Unknown loss {loss!r}.{hint} Registered losses are {sorted(LOSSES)}."
            ) from None
    if not (isinstance(loss, type) and issubclass(loss, torch.nn.Module)):
        raise TypeError(
            f"loss must be a registered name, a torch.nn.Module class or instance; got {loss!r}."
        )
    return loss


def loss_parameters(loss):
    """Names of the constructor parameters of a loss name or class; None if it takes ``**kwargs``.

    Parameters
    ----------
    loss : str or type

    Returns
    -------
    set of str or None

    Examples
    --------
    >>> sorted(loss_parameters("focal"))
    ['class_weight', 'gamma']
    """
    loss = _loss_class(loss)
    if loss.__init__ is torch.nn.Module.__init__:
        # Module.__init__ takes **kwargs only to reject them: the loss has no parameters.
        return set()
    accepted = inspect.signature(loss.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return None
    return {name for name in accepted if name != "self"}


def get_loss(loss, **params):
    """Instantiate a loss from a registered name, a class or an instance.

    Every keyword must be a parameter of the loss's constructor: a misspelled one
    is an error that names the closest valid name (see :func:`loss_parameters`).
    An instance is returned as is, and then no keyword may be given.

    Parameters
    ----------
    loss : str, type or torch.nn.Module
    **params : constructor arguments.

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> from imbnn.losses import get_loss
    >>> get_loss("focal", gamma=1.0).gamma
    1.0
    """
    if isinstance(loss, torch.nn.Module):
        if params:
            raise ValueError(
                f"The loss {type(loss).__name__} is an instance, so the parameters "
                f"{sorted(params)} cannot be applied to it; pass the class or the name instead."
            )
        return loss
    loss = _loss_class(loss)
    accepted = loss_parameters(loss)
    if accepted is not None:
        unknown = sorted(set(params) - accepted)
        if unknown:
            close = difflib.get_close_matches(unknown[0], accepted, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{loss.__name__} got unknown parameter(s) {unknown}.{hint} "
                f"Its parameters are {sorted(accepted)}."
            )
    return loss(**params)
