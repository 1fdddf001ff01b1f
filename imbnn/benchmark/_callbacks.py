"""A skorch callback the benchmark adds to network estimators: subtrain AUC per epoch."""

from skorch.callbacks import Callback

from ..estimators._callbacks import roc_auc_of_scores

__all__ = ["SubtrainAUC"]


class SubtrainAUC(Callback):
    """Records ``train_auc``: the ROC AUC on the subtrain rows at the end of each epoch.

    The AUC of the outputs seen during the epoch would mix weights from before and
    after each step; one extra forward pass (no gradient) scores the epoch's final
    weights, as the validation AUC does. :class:`Benchmark` adds it to imbnn's
    network estimators when ``record_history=True``; add it yourself to any skorch
    classifier through its ``callbacks``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbnn.benchmark import SubtrainAUC
    >>> from imbnn.estimators import NetClassifier
    >>> X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    >>> net = NetClassifier(max_epochs=2, callbacks=[SubtrainAUC()], random_state=0).fit(X, y)
    >>> len(net.history_[:, "train_auc"])
    2
    """

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        if dataset_train is None or getattr(dataset_train, "y", None) is None:
            return
        outputs = net.forward(dataset_train, training=False)
        net.history.record(
            "train_auc", roc_auc_of_scores(dataset_train.y.cpu().numpy(), outputs.float().cpu())
        )
