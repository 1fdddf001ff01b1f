"""skorch callbacks behind imbnn's early stopping and loss checks."""

import math

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from skorch.callbacks import Callback

__all__ = ["ValidationAUC", "StopOnNonFiniteLoss", "roc_auc_of_scores"]


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


class ValidationAUC(Callback):
    """Records ``valid_auc`` each epoch from the validation pass's own predictions.

    It reuses the outputs skorch computes for ``valid_loss`` instead of a second
    forward pass over the validation data.
    """

    def on_epoch_begin(self, net, **kwargs):
        self.outputs_ = []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training and y_pred is not None:
            self.outputs_.append(y_pred.detach())

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        if dataset_valid is None or not self.outputs_:
            return
        scores = torch.cat(self.outputs_).float().cpu()
        net.history.record("valid_auc", roc_auc_of_scores(dataset_valid.y.cpu().numpy(), scores))
        self.outputs_ = []


class StopOnNonFiniteLoss(Callback):
    """Stops the fit with a ``ValueError`` naming the epoch when the training loss is NaN or inf."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            epoch = net.history[-1, "epoch"]
            raise ValueError(
                f"The training loss of {type(net).__name__} became {loss} at epoch {epoch}. "
                "Lower the learning rate (lr), standardise the features, or check the loss."
            )
