"""The skorch-based estimator that every imbnn network classifier specialises."""

import copy
import inspect
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, validate_parameter_constraints
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, EpochTimer, PassthroughScoring, PrintLog, ProgressBar
from skorch.utils import noop

from ..networks import MLP
from ..samplers import StratifiedBatchSampler
from ._callbacks import StopOnNonFiniteLoss, ValidationScores
from ._data import BatchIterator, ShuffledBatchSampler, TensorData, sequential_slices, to_numpy

__all__ = ["BaseNetClassifier"]

# Smallest batch used for prediction: inference needs no gradient, so larger
# chunks than the training batch are cheaper and fit in memory.
_MIN_PREDICTION_BATCH = 4096


@contextmanager
def _seeded_torch(seed, device):
    """Seed torch inside the block without changing the caller's global random state."""
    if seed is None:
        yield
        return
    device = torch.device(device)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class BaseNetClassifier(ClassifierMixin, NeuralNet):
    """Base of imbnn's neural-network classifiers: scikit-learn's contract on skorch's loop.

    Subclasses choose the loss (:meth:`_build_loss`) and may override skorch's hooks
    (``get_loss``, ``train_step_single``) or :meth:`_training_batches`. The base

    - validates input with scikit-learn's utilities and encodes labels of any type;
    - builds the network (an :class:`~imbnn.networks.MLP` when ``module`` is None);
    - trains on tensor slices instead of per-example collation;
    - holds out a stratified validation split, records the validation ROC AUC per
      epoch, stops early and restores the best epoch's weights;
    - seeds everything from ``random_state``.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        The network. A class is instantiated with ``n_features`` and ``n_outputs``
        taken from the data (when its constructor accepts them) and any
        ``module__<name>`` keyword arguments. ``None`` uses
        :class:`~imbnn.networks.MLP` with ``hidden_layer_sizes``. Binary tasks have one
        output (the logit of the greater class), ``K`` classes have ``K``.
    hidden_layer_sizes : tuple of int, default=(100,)
        Hidden layer widths of the default network.
    max_epochs : int, default=100
    batch_size : int, default=256
        Examples per training batch; -1 trains on the full batch.
    lr : float, default=1e-3
        Learning rate.
    optimizer : torch.optim.Optimizer class, default=torch.optim.Adam
        Further arguments as ``optimizer__<name>`` (e.g. ``optimizer__momentum``).
    validation_fraction : float in [0, 1), default=0.1
        Fraction of the training data held out (stratified, shuffled) to choose the
        epoch by the validation ``scoring``. 0 disables validation and early stopping.
    patience : int, default=10
        Epochs without a better validation score before training stops.
    scoring : str or callable, default="roc_auc"
        The validation measure that chooses the epoch (early stopping and the
        weights kept). ``"roc_auc"``, or any scorer name of
        :func:`sklearn.metrics.get_scorer` (imbnn's included, e.g.
        ``"neg_fpr_at_tpr_95"``, ``"average_precision"``, ``"neg_log_loss"``) or a
        callable ``scorer(estimator, X, y)``; greater is better. It is computed on the
        outputs of the validation pass: the scorer gets a stand-in estimator whose
        ``decision_function``, ``predict_proba`` (sigmoid or softmax of the scores)
        and ``predict`` return them. ``valid_auc`` is recorded either way.
    min_per_class : int or None, default=None
        If set, training batches are stratified and hold at least this many
        examples of every class (see :class:`~imbnn.samplers.StratifiedBatchSampler`).
        Ranking losses learn nothing from a batch with one class.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split, the batches and dropout.
    device : str or torch.device, default="cpu"
        For example ``"cuda"``.
    verbose : int, default=0
        1 prints a table per epoch, 2 adds a progress bar per epoch.
    callbacks : list of skorch callbacks or None, default=None
        Added to imbnn's own (timer, losses, validation AUC, early stopping, log).
    warm_start : bool, default=False
        Continue training from the current weights on the next ``fit``.
    **kwargs
        skorch's prefixed parameters: ``module__*``, ``optimizer__*``, ``callbacks__*``.
    """

    _parameter_constraints = {
        "module": [None, type, torch.nn.Module],
        "hidden_layer_sizes": ["array-like"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [type],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "scoring": [str, callable],
        "min_per_class": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
    }

    # skorch parameters that imbnn fixes: kept as class attributes so that they are
    # not constructor parameters (skorch treats every instance attribute as one).
    criterion = None
    iterator_train = None
    iterator_valid = None
    dataset = None
    train_split = None
    predict_nonlinearity = None
    compile = False
    use_caching = False
    torch_load_kwargs = None
    history_ = None
    initialized_ = False
    virtual_params_ = {}

    def __init__(
        self,
        module=None,
        *,
        hidden_layer_sizes=(100,),
        max_epochs=100,
        batch_size=256,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        validation_fraction=0.1,
        patience=10,
        scoring="roc_auc",
        min_per_class=None,
        random_state=None,
        device="cpu",
        verbose=0,
        callbacks=None,
        warm_start=False,
        **kwargs,
    ):
        # skorch's NeuralNet.__init__ also sets fitted state (history_ and so on);
        # scikit-learn's contract is that __init__ only stores parameters.
        self.module = module
        self.hidden_layer_sizes = hidden_layer_sizes
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.scoring = scoring
        self.min_per_class = min_per_class
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        vars(self).update(kwargs)

    def __setattr__(self, name, value):
        # Constructor parameters (module=instance, loss=instance) are stored as they are;
        # skorch would otherwise treat a torch Module assigned here as a trained component.
        if name in type(self)._parameter_constraints:
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    @property
    def _params_to_validate(self):
        return {key for key in vars(self) if "__" in key}

    # ------------------------------------------------------------------ skorch hooks

    def _build_loss(self):
        """The loss module; subclasses must implement it."""
        raise NotImplementedError

    def initialize_criterion(self):
        loss = self._build_loss()
        if isinstance(loss, torch.nn.Module):
            loss = loss.to(self.device)
        self.criterion_ = loss
        return self

    def initialize_module(self):
        module = MLP if self.module is None else self.module
        kwargs = self.get_params_for("module")
        if isinstance(module, torch.nn.Module):
            # Never train the user's instance in place: fit must not change parameters.
            self.module_ = copy.deepcopy(module)
            return self
        accepted = inspect.signature(module).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
        inferred = {"n_features": self.n_features_in_, "n_outputs": self.n_outputs_}
        if self.module is None:
            inferred["hidden_layer_sizes"] = tuple(self.hidden_layer_sizes)
        for name, value in inferred.items():
            if (takes_any or name in accepted) and name not in kwargs:
                kwargs[name] = value
        self.module_ = module(**kwargs)
        return self

    def get_default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("finite_loss", StopOnNonFiniteLoss()),
        ]
        if getattr(self, "validation_indices_", None) is not None:
            callbacks += [
                ("valid_loss", PassthroughScoring(name="valid_loss")),
                ("valid_auc", ValidationScores(self._validation_scorer())),
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor=self._monitor,
                        lower_is_better=False,
                        patience=self.patience,
                        threshold=0.0,
                        threshold_mode="abs",
                        load_best=True,
                        sink=noop,
                    ),
                ),
            ]
        if self.verbose and self.verbose > 1:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("print_log", PrintLog()))
        return callbacks

    @property
    def _monitor(self):
        """The history key that chooses the epoch."""
        return "valid_auc" if self.scoring == "roc_auc" else "valid_score"

    def _validation_scorer(self):
        """The scorer behind ``valid_score``, or None when the epoch is chosen by ``valid_auc``."""
        if self.scoring == "roc_auc":
            return None
        return check_scoring(self, scoring=self.scoring)

    def get_dataset(self, X, y=None):
        if isinstance(X, TensorData):
            return X
        return TensorData(self._as_tensor(X))

    def get_split_datasets(self, X, y=None, **fit_params):
        data = X
        if self.validation_indices_ is None:
            return data, None
        keep = np.ones(len(data), dtype=bool)
        keep[self.validation_indices_] = False
        return data.subset(np.flatnonzero(keep)), data.subset(self.validation_indices_)

    def get_iterator(self, dataset, training=False):
        if training:
            sampler = self._training_batches(to_numpy(dataset.y))
        else:
            batch_size = (
                -1 if self.batch_size == -1 else max(self.batch_size, _MIN_PREDICTION_BATCH)
            )
            sampler = sequential_slices(len(dataset), batch_size)
        return BatchIterator(dataset, sampler)

    def _training_batches(self, y):
        """The batch sampler of the training data: iterating it once gives one epoch's batches.

        Parameters
        ----------
        y : ndarray of shape (n_train,)
            Encoded classes of the training rows.
        """
        batch_size = len(y) if self.batch_size == -1 else self.batch_size
        # A full batch holds every class already, and as a slice it costs no copy.
        if self.min_per_class and batch_size < len(y):
            return StratifiedBatchSampler(
                y,
                batch_size,
                min_per_class=self.min_per_class,
                random_state=self.batch_random_state_,
            )
        return ShuffledBatchSampler(len(y), batch_size, self.batch_random_state_)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The loss of a batch; ``y_true`` is the batch's info dict (``y``, ``sample_weight``, ``index``)."""
        return self.criterion_(
            self._scores(y_pred), y_true["y"], sample_weight=y_true["sample_weight"]
        )

    # ------------------------------------------------------------------ scikit-learn API

    def __sklearn_is_fitted__(self):
        return bool(self.initialized_) and hasattr(self, "classes_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    def _validate_hyperparameters(self):
        # skorch's own _validate_params checks prefixed keyword arguments; this checks values.
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        # An unknown scorer name is refused before training, with or without validation.
        self._validation_scorer()

    def fit(self, X, y, sample_weight=None):
        """Train the network (from new initial weights unless ``warm_start``).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric features of any float or int dtype; NaN and inf are refused.
        y : array-like of shape (n_samples,)
            Class labels of any type (strings, ints, bools), at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted average.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, continuing=self.warm_start)

    def partial_fit(self, X, y=None, classes=None, sample_weight=None, **fit_params):
        """Train ``max_epochs`` more epochs from the current weights (a first call is ``fit``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : ignored
            Accepted for scikit-learn's partial_fit convention; the classes are
            those of the first call's ``y``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        if isinstance(X, TensorData):  # skorch's own fit/partial_fit on prepared data
            return NeuralNet.partial_fit(self, X, y, classes=classes, **fit_params)
        return self._fit(X, y, sample_weight, continuing=True)

    def _fit(self, X, y, sample_weight, continuing):
        self._validate_hyperparameters()
        continuing = continuing and self.__sklearn_is_fitted__()
        X, y = validate_data(self, X, y, dtype="numeric", reset=not continuing)
        check_classification_targets(y)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got 1 class: {classes[0]!r}."
            )
        if continuing and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"warm_start fit got classes {classes.tolist()}, but the model was trained "
                f"on {self.classes_.tolist()}."
            )
        self.classes_ = classes
        self.class_counts_ = np.bincount(y_encoded)
        self.n_outputs_ = 1 if len(classes) == 2 else len(classes)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
            weighted = np.bincount(y_encoded, weights=sample_weight, minlength=len(classes)) > 0
            if weighted.sum() < 2:
                raise ValueError(
                    f"{type(self).__name__} needs positive sample weight in at least 2 classes; "
                    f"only class(es) {classes[weighted].tolist()} have any."
                )
        seed = (
            None
            if self.random_state is None
            else int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        )
        self.batch_random_state_ = np.random.RandomState(seed)
        self.validation_indices_ = self._validation_indices(y_encoded, seed)
        data = TensorData(
            self._as_tensor(X),
            torch.as_tensor(y_encoded, dtype=torch.long, device=self.device),
            None if sample_weight is None else self._as_tensor(sample_weight),
        )
        with _seeded_torch(seed, self.device):
            if not continuing:
                self.initialize()
            NeuralNet.partial_fit(self, data, None)
        history = self.history_
        self.n_epochs_ = len(history)
        if self.validation_indices_ is not None:
            values = np.asarray(history[:, self._monitor], dtype=float)
            best = int(np.nanargmax(values)) if np.isfinite(values).any() else len(values) - 1
            self.best_epoch_ = int(history[best, "epoch"])
            self.best_validation_score_ = float(values[best])
            self.best_validation_auc_ = float(history[best, "valid_auc"])
        else:
            self.best_epoch_ = self.n_epochs_
            self.best_validation_score_ = None
            self.best_validation_auc_ = None
        self._after_fit(X, y_encoded, sample_weight)
        return self

    def _after_fit(self, X, y_encoded, sample_weight):
        """Called at the end of ``fit`` with the validated data; for post-hoc steps."""

    def _validation_indices(self, y_encoded, seed):
        """Rows held out for validation (stratified), or None when validation is off or impossible."""
        if self.validation_fraction == 0:
            return None
        n_samples = len(y_encoded)
        n_classes = int(y_encoded.max()) + 1
        n_valid = int(np.ceil(self.validation_fraction * n_samples))
        if (
            np.bincount(y_encoded).min() < 2
            or n_valid < n_classes
            or n_samples - n_valid < n_classes
        ):
            warnings.warn(
                f"{type(self).__name__}: too few examples per class for a stratified validation "
                f"split of {self.validation_fraction}; training without validation and early "
                "stopping.",
                UserWarning,
            )
            return None
        _, valid = train_test_split(
            np.arange(n_samples), test_size=n_valid, stratify=y_encoded, random_state=seed
        )
        return np.sort(valid)

    def _as_tensor(self, array):
        return torch.as_tensor(np.asarray(array, dtype=np.float32), device=self.device)

    def _scores(self, outputs):
        """Network outputs as scores: ``(n,)`` for a binary task, ``(n, K)`` otherwise."""
        return outputs[:, 0] if outputs.ndim == 2 and outputs.shape[1] == 1 else outputs

    def _validated_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype="numeric", reset=False)

    def _raw_scores(self, X):
        """Scores of validated rows ``X`` as a float64 numpy array."""
        outputs = self.forward(TensorData(self._as_tensor(X)), training=False)
        return to_numpy(self._scores(outputs)).astype(np.float64)

    def decision_function(self, X):
        """Raw network scores: the logit of ``classes_[1]`` (binary) or one column per class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._raw_scores(self._validated_X(X))

    def predict_proba(self, X):
        """Class probabilities: sigmoid (binary) or softmax of the network's scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return self._probabilities_from_scores(self.decision_function(X))

    def _probabilities_from_scores(self, scores):
        scores = torch.as_tensor(scores, dtype=torch.float64)
        if scores.ndim == 1:
            positive = torch.sigmoid(scores).numpy()
            return np.column_stack([1 - positive, positive])
        return torch.softmax(scores, dim=1).numpy()

    def predict(self, X):
        """The class of highest probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy of ``predict`` on ``X`` (scikit-learn's default classifier score).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        return ClassifierMixin.score(self, X, y, sample_weight=sample_weight)
