"""The skorch net that an imbnn estimator builds and trains in ``fit``.

imbnn's estimators are plain scikit-learn estimators; each ``fit`` makes one of
these nets, a :class:`skorch.NeuralNet` customised only through skorch's
documented hooks: ``get_dataset`` and ``get_iterator`` (tensor slices instead of
per-example collation), ``get_loss`` (the single loss call ``loss(scores, target,
sample_weight)``), ``train_step`` / ``train_step_single`` (methods that change the
batch or add terms, as ReMix and ALM do) and callbacks. The held-out rows are
chosen by the estimator and applied through the public ``train_split`` parameter.
"""

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback

from ._callbacks import scores_of_outputs
from ._data import BatchIterator, TensorData, sequential_slices, to_numpy

__all__ = ["ImbnnNet", "HeldOutRows"]

# Smallest batch used for prediction: inference needs no gradient, so larger
# chunks than the training batch are cheaper and fit in memory.
_MIN_PREDICTION_BATCH = 4096
# Most values of a densified chunk of sparse rows at prediction (64 MiB of float32).
_MAX_DENSE_VALUES = 2**24


class HeldOutRows:
    """skorch ``train_split``: the given rows are the validation set, the rest trains.

    Parameters
    ----------
    rows : ndarray of int
        Positions of the validation rows in the data given to ``fit``.
    """

    def __init__(self, rows):
        self.rows = rows

    def __call__(self, dataset, y=None, **fit_params):
        keep = np.ones(len(dataset), dtype=bool)
        keep[self.rows] = False
        return dataset.subset(np.flatnonzero(keep)), dataset.subset(self.rows)


class ImbnnNet(NeuralNet):
    """A skorch net on :class:`~imbnn.estimators._data.TensorData`, with imbnn's batches.

    Parameters
    ----------
    module : torch.nn.Module
        The initialised network.
    criterion : torch.nn.Module
        The loss, called as ``criterion(scores, target, sample_weight=...)``.
    training_batches : callable
        ``training_batches(y_encoded)`` gives the batch sampler of an epoch: an
        iterable of row positions (or slices) with ``__len__``.
    prediction_batch_size : int
        Rows per forward pass at prediction; -1 for one pass.
    **kwargs
        skorch's parameters (``optimizer``, ``lr``, ``max_epochs``, ``train_split``,
        ``callbacks``, ``device``, ``verbose``, ``optimizer__*``...).
    """

    def __init__(self, module, *, criterion, training_batches, prediction_batch_size, **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.training_batches = training_batches
        self.prediction_batch_size = prediction_batch_size

    def get_default_callbacks(self):
        # The estimator passes the whole callback list, in order, as ``callbacks``.
        return []

    def initialize_callbacks(self):
        super().initialize_callbacks()
        self._listeners = {}
        return self

    def _listeners_of(self, method_name):
        """The callbacks that implement ``method_name``, in order (cached per fit)."""
        listeners = self._listeners.get(method_name)
        if listeners is None:
            no_op = getattr(Callback, method_name, None)
            listeners = [
                callback
                for _, callback in self.callbacks_
                if getattr(type(callback), method_name, None) is not no_op
            ]
            self._listeners[method_name] = listeners
        return listeners

    def notify(self, method_name, **cb_kwargs):
        """Call ``method_name`` on the net and on the callbacks that implement it.

        skorch calls every callback three times per batch; most inherit the no-op of
        :class:`skorch.callbacks.Callback`. Skipping those, in the same order, saves
        a fifth of a small network's training step.
        """
        getattr(self, method_name)(self, **cb_kwargs)
        for callback in self._listeners_of(method_name):
            getattr(callback, method_name)(self, **cb_kwargs)

    def _has_listeners(self, method_name):
        key = ("any", method_name)
        if key not in self._listeners:
            self._listeners[key] = bool(self._listeners_of(method_name)) or (
                getattr(type(self), method_name) is not getattr(NeuralNet, method_name)
            )
        return self._listeners[key]

    def train_step(self, batch, **fit_params):
        """One optimiser step: zero the gradients, the batch's loss and backward, step.

        skorch's own step wraps this in a closure, for optimisers such as LBFGS that
        evaluate the loss several times, and announces ``on_grad_computed`` to every
        callback; here the closure is kept only for those optimisers and the
        announcement only when some callback listens (gradient clipping, say).
        """
        if isinstance(self.optimizer_, torch.optim.LBFGS):
            return super().train_step(batch, **fit_params)
        self.optimizer_.zero_grad()
        step = self.train_step_single(batch, **fit_params)
        if self._has_listeners("on_grad_computed"):
            self.notify(
                "on_grad_computed",
                named_parameters=list(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
        self.optimizer_.step()
        return step

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop, recording each batch in the epoch's history row directly.

        skorch's ``History.record_batch`` looks the current batch up again for every
        value (two per batch); here the epoch's batch list is looked up once. The
        history holds the same entries (``<prefix>_loss``, ``<prefix>_batch_size``,
        ``<prefix>_batch_count``), which skorch's scoring callbacks read.
        """
        if iterator is None:
            return
        batches = self.history[-1]["batches"]
        loss_key, size_key = prefix + "_loss", prefix + "_batch_size"
        count = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            record = batches[-1]
            record[loss_key] = step["loss"].item()
            record[size_key] = batch[0].shape[0]
            self.notify("on_batch_end", batch=batch, training=training, **step)
            count += 1
        self.history.record(prefix + "_batch_count", count)

    def get_dataset(self, X, y=None):
        if isinstance(X, TensorData):
            return X
        raise TypeError(
            f"{type(self).__name__} trains on the prepared data of an imbnn estimator's fit; "
            f"got {type(X).__name__}. Call the estimator's fit or predict instead."
        )

    def get_iterator(self, dataset, training=False):
        if training:
            sampler = self.training_batches(to_numpy(dataset.y))
        else:
            size = self.prediction_batch_size
            size = -1 if size == -1 else max(size, _MIN_PREDICTION_BATCH)
            if sp.issparse(dataset.X):
                # Each chunk is densified: bound it to _MAX_DENSE_VALUES, not the whole matrix.
                width = max(1, int(np.prod(dataset.X.shape[1:])))
                size = int(np.clip(_MAX_DENSE_VALUES // width, 1, _MIN_PREDICTION_BATCH))
            sampler = sequential_slices(len(dataset), size)
        return BatchIterator(dataset, sampler)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The batch's loss; ``y_true`` is its info dict (``y``, ``sample_weight``, ``index``)."""
        return self.criterion_(
            scores_of_outputs(y_pred), y_true["y"], sample_weight=y_true["sample_weight"]
        )

    def train_step_single(self, batch, **fit_params):
        # skorch switches every module to training mode on each batch; once per epoch
        # is enough, since only the validation pass switches it back.
        if not self.module_.training:
            self.module_.train()
        X, info = batch
        y_pred = self.module_(X)
        loss = self.get_loss(y_pred, info, X=X, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}
