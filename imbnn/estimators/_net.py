"""NetClassifier: a network trained on any loss of imbnn's zoo or any loss module."""

import numpy as np
import torch
from sklearn.utils.class_weight import compute_class_weight

from ..losses import get_loss, loss_parameters
from ..utils._compat import StrOptions
from ..utils._docstring import NET_DOCS, Substitution
from ._base import BaseNetClassifier

__all__ = ["NetClassifier", "build_loss"]


def build_loss(loss, params, *, class_counts, class_weight=None, owner="loss"):
    """The loss module of a fit: ``loss`` with its parameters and the training class counts.

    Losses that weigh by class frequency (W-BCE, CB-BCE, LDAM) receive the training
    counts rather than each batch's. ``class_weight`` goes to losses that take it;
    for any other loss it is an error rather than silently ignored.
    """
    params = dict(params)
    if isinstance(loss, torch.nn.Module):
        if class_weight is not None:
            raise ValueError(
                f"class_weight cannot be applied to the loss instance {type(loss).__name__}; "
                f"pass the loss class or name, or set its weights on the instance."
            )
        return get_loss(loss, **params)
    accepted = loss_parameters(loss)
    if accepted is None or "class_counts" in accepted:
        params.setdefault("class_counts", np.asarray(class_counts).tolist())
    if class_weight is not None:
        if accepted is not None and "class_weight" not in accepted:
            name = loss if isinstance(loss, str) else loss.__name__
            raise ValueError(
                f"class_weight was given, but the {owner} {name!r} does not take class "
                "weights. Use a loss that does (for example 'cross_entropy' or "
                "'focal'), or pass sample_weight to fit."
            )
        params.setdefault("class_weight", class_weight.tolist())
    return get_loss(loss, **params)


@Substitution(**NET_DOCS)
class NetClassifier(BaseNetClassifier):
    """Neural-network classifier trained on a chosen loss.

    With the default ``loss="cross_entropy"`` this is the logistic baseline of the
    papers, and with ``class_weight="balanced"`` the weighted-logistic one.

    Parameters
    ----------
    {module_parameter}
    loss : str, torch.nn.Module class or instance, default="cross_entropy"
        A name registered in :data:`imbnn.losses.LOSSES` (``"cross_entropy"``,
        ``"aum"``, ``"focal"``...), a loss class (instantiated with the
        ``loss__<name>`` parameters, plus the training class counts and
        ``class_weight`` when its constructor takes them) or a loss instance. A loss
        is called as ``loss(scores, target, sample_weight=None)``.
    class_weight : None, "balanced" or dict, default=None
        Weights per class (keys are the labels of ``y``), for losses that take
        ``class_weight``; with any other loss it is an error. ``"balanced"`` uses
        ``n_samples / (n_classes * count)`` as in scikit-learn.
    {net_parameters}
    {kwargs_loss}

    Attributes
    ----------
    {net_attributes}

    See Also
    --------
    AUMClassifier : a network trained on AUM, a surrogate of the ROC curve.
    imbnn.losses.LOSSES : the losses selectable by name.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbnn.estimators import NetClassifier
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = NetClassifier(class_weight="balanced", max_epochs=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "loss": [str, type, torch.nn.Module],
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }
    _prefixes = BaseNetClassifier._prefixes + ("loss",)

    def __init__(
        self,
        module=None,
        *,
        loss="cross_entropy",
        class_weight=None,
        hidden_layer_sizes=(100,),
        max_epochs=100,
        batch_size=256,
        lr=1e-2,
        optimizer=torch.optim.Adam,
        validation_fraction=0.1,
        patience=10,
        average_best_epochs=None,
        scoring="roc_auc",
        min_per_class=None,
        random_state=None,
        device="cpu",
        verbose=0,
        callbacks=None,
        warm_start=False,
        **kwargs,
    ):
        super().__init__(
            module,
            hidden_layer_sizes=hidden_layer_sizes,
            max_epochs=max_epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            validation_fraction=validation_fraction,
            patience=patience,
            average_best_epochs=average_best_epochs,
            scoring=scoring,
            min_per_class=min_per_class,
            random_state=random_state,
            device=device,
            verbose=verbose,
            callbacks=callbacks,
            warm_start=warm_start,
            **kwargs,
        )
        self.loss = loss
        self.class_weight = class_weight

    def _class_weight_vector(self):
        """``class_weight`` as one float per encoded class, or None."""
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, str):  # "balanced", from the (weighted) counts
            counts = np.asarray(self.class_counts_, dtype=np.float64)
            return (counts.sum() / (len(counts) * np.maximum(counts, 1e-12))).astype(np.float32)
        return compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_
        ).astype(np.float32)

    def _build_loss(self):
        return build_loss(
            self.loss,
            self._params_for("loss"),
            class_counts=self.class_counts_,
            class_weight=self._class_weight_vector(),
            owner="loss",
        )
