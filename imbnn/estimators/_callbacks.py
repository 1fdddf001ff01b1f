"""skorch callbacks behind imbnn's early stopping and loss checks."""

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from skorch.callbacks import Callback, EarlyStopping

__all__ = [
    "StopEarly",
    "TrainingStopped",
    "ValidationScores", "StopOnNonFiniteLoss", "roc_auc_of_scores", "scores_of_outputs"]


def roc_auc_of_scores(y_encoded, scores):
    """ROC AUC of raw network outputs: binary on the single logit, else one-vs-rest macro.

    Softmax is monotone per row but not per column, so multi-class scores are turned
    into probabilities first, as scikit-learn's ``roc_auc_score`` expects.
    """
    scores = torch.as_tensor(scores)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    y_encoded = np.asarray(y_encoded)
    if len(np.unique(y_encoded)) < 2:
        return float("nan")
    if scores.ndim == 1:
        return roc_auc_score(y_encoded, scores.double().cpu().numpy())
    probabilities = torch.softmax(scores.double(), dim=1).cpu().numpy()
    labels = np.arange(probabilities.shape[1])
    return roc_auc_score(y_encoded, probabilities, multi_class="ovr", labels=labels)


def _non_finite_error(net, where):
    epoch = len(net.history)
    return ValueError(
        f"The network's {where} became NaN or infinite at epoch {epoch}: the fit "
        "diverged. Lower the learning rate (lr), standardise the features, or check the "
        "loss."
    )


def scores_of_outputs(outputs):
    """Network outputs as scores: ``(n,)`` for a binary task, ``(n, K)`` otherwise."""
    return outputs[:, 0] if outputs.ndim == 2 and outputs.shape[1] == 1 else outputs


class _ValidationOutputs(ClassifierMixin, BaseEstimator):
    """The network as a scikit-learn scorer sees it during training: the validation outputs.

    A scorer calls ``decision_function``, ``predict_proba`` or ``predict`` on the
    validation rows; this answers with the outputs of the validation pass that
    skorch has already computed, whatever ``X`` it is given.
    """

    def __init__(self, classes, scores, to_probabilities):
        self.classes_ = classes
        self.scores = scores
        self.to_probabilities = to_probabilities

    def decision_function(self, X):
        return self.scores

    def predict_proba(self, X):
        return self.to_probabilities(self.scores)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class ValidationScores(Callback):
    """Records ``valid_auc`` (and ``valid_score``) each epoch from the validation pass's outputs.

    It reuses the outputs skorch computes for ``valid_loss`` instead of a second
    forward pass over the validation data. With a ``scorer`` (a scikit-learn
    scorer: ``scorer(estimator, X, y)``, greater is better) it also records that
    scorer's value as ``valid_score``. Non-finite outputs stop the fit with a
    ``ValueError`` that names the epoch.

    Parameters
    ----------
    classes : ndarray
        The estimator's ``classes_``.
    to_probabilities : callable
        Maps score arrays to class probabilities, for scorers that need them.
    scorer : callable or None, default=None
    """

    def __init__(self, classes, to_probabilities, scorer=None):
        self.classes = classes
        self.to_probabilities = to_probabilities
        self.scorer = scorer

    def on_epoch_begin(self, net, **kwargs):
        self.outputs_ = []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training and y_pred is not None:
            self.outputs_.append(y_pred.detach())

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        if dataset_valid is None or not self.outputs_:
            return
        scores = torch.cat(self.outputs_).float().cpu()
        self.outputs_ = []
        if not torch.isfinite(scores).all():
            raise _non_finite_error(net, "outputs on the validation rows")
        y_encoded = dataset_valid.y.cpu().numpy()
        net.history.record("valid_auc", roc_auc_of_scores(y_encoded, scores))
        if self.scorer is not None:
            scores = scores_of_outputs(scores).double().numpy()
            outputs = _ValidationOutputs(self.classes, scores, self.to_probabilities)
            rows = np.empty((len(y_encoded), 0))
            value = float(self.scorer(outputs, rows, self.classes[y_encoded]))
            if not math.isfinite(value):
                raise ValueError(
                    f"The validation scoring {self.scorer!r} gave {value} at epoch "
                    f"{len(net.history)}, so it cannot choose the epoch; use a scoring that "
                    "is defined on every validation split, such as 'roc_auc'."
                )
            net.history.record("valid_score", value)
        self.outputs_ = []


class StopOnNonFiniteLoss(Callback):
    """Stops the fit with a ``ValueError`` naming the epoch when the training loss is NaN or inf."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise _non_finite_error(net, "training loss")


class TrainingStopped(Exception):
    """Raised by :class:`StopEarly` to end the epochs of a fit that stopped improving."""


class StopEarly(EarlyStopping):
    """skorch's ``EarlyStopping``, ending the fit with :class:`TrainingStopped`.

    skorch's callback stops training by raising ``KeyboardInterrupt``, which skorch's
    own ``fit`` catches; imbnn lets a real Ctrl-C propagate, so its early stop needs
    an exception of its own.
    """

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            if self.misses_ >= self.patience:
                raise TrainingStopped from None
            raise
