"""skorch callbacks that choose the kept weights more robustly than the single best epoch.

With a few validation positives the validation ROC AUC of one epoch is noisy, so the
epoch of highest validation AUC is partly chosen by chance. These callbacks, passed
through an imbnn network estimator's ``callbacks=`` parameter, either smooth the
validation score over epochs before early stopping sees it, or average the weights of
the best epochs (as stochastic weight averaging, Izmailov et al., UAI 2018, averages
the weights along a training run).
"""

import math

import numpy as np
import torch
from skorch.callbacks import Callback

__all__ = ["SmoothedValidationScore", "BestEpochsWeightAveraging"]


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an int of at least 1; got {value!r}.")


class SmoothedValidationScore(Callback):
    """Replaces the epoch's validation score by its mean over the last ``window`` epochs.

    At the end of each epoch with a validation split, the value of ``monitor`` that
    the validation-score callback has just recorded is kept under
    ``"<monitor>_raw"`` and replaced by the mean of the raw values of this epoch and
    the ``window - 1`` epochs before it (fewer in the first epochs). Early stopping,
    which runs after the user callbacks, then counts its patience on the smoothed
    score and keeps the weights of the epoch that ends the best window; the
    estimator's ``best_epoch_`` and ``best_validation_auc_`` refer to the smoothed
    score. A fit without a validation split is left as it is.

    Parameters
    ----------
    window : int, default=3
        Epochs averaged; 1 leaves the score unchanged.
    monitor : str, default="valid_auc"
        The history key that chooses the epoch: ``"valid_auc"`` when the estimator's
        ``scoring`` is ``"roc_auc"``, ``"valid_score"`` otherwise.

    See Also
    --------
    BestEpochsWeightAveraging : keeps the mean of the best epochs' weights.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbnn.estimators import AUMClassifier, SmoothedValidationScore
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = AUMClassifier(max_epochs=5, callbacks=[SmoothedValidationScore(window=3)],
    ...                     random_state=0).fit(X, y)
    >>> raw = clf.history_[:, "valid_auc_raw"]
    >>> bool(abs(clf.history_[-1, "valid_auc"] - sum(raw[-3:]) / 3) < 1e-12)
    True
    """

    def __init__(self, window=3, monitor="valid_auc"):
        self.window = window
        self.monitor = monitor

    def initialize(self):
        _check_count(self.window, "window")
        return super().initialize()

    def on_epoch_end(self, net, **kwargs):
        """Record the raw score and replace ``monitor`` by the moving mean.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained.
        **kwargs : dict
            skorch's other arguments of the hook, unused.
        """
        last = net.history[-1]
        if self.monitor not in last:
            return
        raw_key = f"{self.monitor}_raw"
        net.history.record(raw_key, last[self.monitor])
        recent = [row[raw_key] for row in list(net.history)[-self.window:] if raw_key in row]
        net.history.record(self.monitor, float(np.mean(recent)))


class BestEpochsWeightAveraging(Callback):
    """Ends the fit with the mean of the weights of the ``k`` epochs of best validation score.

    The callback behind the network estimators' ``average_best_epochs`` parameter,
    which places it before early stopping and turns early stopping's restore of the
    single best epoch off. During the fit it keeps a copy of the module's
    parameters and buffers (its ``state_dict``) at each of the ``k`` epochs of
    highest ``monitor`` so far (ties keep the earlier epoch). At the end of the fit
    the module gets their element-wise mean (integer buffers, such as a batch
    normalisation's batch count, are taken from the best epoch). Early stopping
    still decides when the fit ends. A fit without a validation score keeps its
    last weights.

    Parameters
    ----------
    k : int, default=3
        Epochs averaged (fewer when the fit has fewer epochs).
    monitor : str, default="valid_auc"
        The history key that ranks the epochs, greater is better.

    Attributes
    ----------
    averaged_epochs_ : list of int
        The epochs whose weights were averaged, best first (empty when none was
        scored); set at the end of a fit.
    """

    def __init__(self, k=3, monitor="valid_auc"):
        self.k = k
        self.monitor = monitor

    def initialize(self):
        _check_count(self.k, "k")
        self.saved_ = []
        return super().initialize()

    def on_train_begin(self, net, **kwargs):
        self.saved_ = []
        self.averaged_epochs_ = []

    def on_epoch_end(self, net, **kwargs):
        """Keep a copy of the weights when the epoch is among the ``k`` best so far.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained.
        **kwargs : dict
            skorch's other arguments of the hook, unused.
        """
        last = net.history[-1]
        score = last.get(self.monitor)
        if score is None or not math.isfinite(score):
            return
        if len(self.saved_) == self.k and score <= self.saved_[-1][0]:
            return
        state = {name: value.detach().clone() for name, value in net.module_.state_dict().items()}
        self.saved_.append((float(score), last["epoch"], state))
        # Best first; among equal scores the earlier epoch first, so it is kept.
        self.saved_.sort(key=lambda entry: (-entry[0], entry[1]))
        del self.saved_[self.k:]

    def on_train_end(self, net, **kwargs):
        """Load the mean of the kept weights into the module.

        Parameters
        ----------
        net : skorch.NeuralNet
            The trained network.
        **kwargs : dict
            skorch's other arguments of the hook, unused.
        """
        if not self.saved_:
            return
        states = [state for _, _, state in self.saved_]
        averaged = {}
        for name, best in states[0].items():
            if torch.is_floating_point(best) or torch.is_complex(best):
                averaged[name] = torch.stack([state[name] for state in states]).mean(dim=0)
            else:
                averaged[name] = best
        net.module_.load_state_dict(averaged)
        self.averaged_epochs_ = [epoch for _, epoch, _ in self.saved_]
        self.saved_ = []
