"""NetClassifier: a network trained on any loss of imbnn's zoo or any loss module."""

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight

from ..losses import get_loss
from ._base import BaseNetClassifier

__all__ = ["NetClassifier"]


class NetClassifier(BaseNetClassifier):
    """Neural-network classifier trained on a chosen loss.

    With the default ``loss="cross_entropy"`` this is the logistic baseline of the
    papers, and with ``class_weight="balanced"`` the weighted-logistic one.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        See :class:`~imbnn.estimators.BaseNetClassifier`.
    loss : str, torch.nn.Module class or instance, default="cross_entropy"
        A name registered in :data:`imbnn.losses.LOSSES` (``"cross_entropy"``,
        ``"aum"``, ...), a loss class (instantiated with ``loss__<name>`` keyword
        arguments, plus ``class_weight`` when it accepts one) or a loss instance.
        A loss is called as ``loss(scores, target, sample_weight=None)``.
    class_weight : None, "balanced" or dict, default=None
        Weights per class (keys are the labels of ``y``), passed to losses that
        accept ``class_weight``. ``"balanced"`` uses ``n_samples / (n_classes *
        count)`` as in scikit-learn.
    **kwargs
        The parameters of :class:`~imbnn.estimators.BaseNetClassifier`
        (``hidden_layer_sizes``, ``max_epochs``, ``batch_size``, ``lr``,
        ``optimizer``, ``validation_fraction``, ``patience``, ``scoring``, ``min_per_class``,
        ``random_state``, ``device``, ``verbose``, ...).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.
    module_ : torch.nn.Module
        The trained network (best validation epoch).
    history_ : skorch.History
        Per epoch: ``train_loss``, and with validation ``valid_loss``, ``valid_auc``
        and, when ``scoring`` is not ``"roc_auc"``, ``valid_score``.
    best_epoch_ : int
        Epoch whose weights were kept (the last one without validation).
    best_validation_score_ : float or None
        The validation ``scoring`` of that epoch (None without validation).
    best_validation_auc_ : float or None
        The validation ROC AUC of that epoch (None without validation).
    n_epochs_ : int
        Epochs trained.
    validation_indices_ : ndarray or None
        Rows of the training data held out for validation.

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

    prefixes_ = BaseNetClassifier.prefixes_ + ["loss"]

    def __init__(self, module=None, *, loss="cross_entropy", class_weight=None, **kwargs):
        super().__init__(module, **kwargs)
        self.loss = loss
        self.class_weight = class_weight

    def _class_weight_vector(self):
        """``class_weight`` as one float per encoded class, or None."""
        if self.class_weight is None:
            return None
        y = np.repeat(self.classes_, self.class_counts_)
        return compute_class_weight(self.class_weight, classes=self.classes_, y=y).astype(
            np.float32
        )

    def _build_loss(self):
        params = self.get_params_for("loss")
        # Losses that weigh by class frequency (W-BCE, CB-BCE, LDAM) use the training
        # counts rather than each batch's.
        params.setdefault("class_counts", self.class_counts_.tolist())
        weight = self._class_weight_vector()
        if weight is not None:
            params.setdefault("class_weight", weight.tolist())
        return get_loss(self.loss, **params)
