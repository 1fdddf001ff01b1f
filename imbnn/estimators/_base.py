"""The scikit-learn estimator that every imbnn network classifier specialises.

A :class:`BaseNetClassifier` is an ordinary scikit-learn estimator: ``__init__``
stores the parameters as given, and ``fit`` validates the data, builds the network
and trains it with a skorch net (:class:`~imbnn.estimators._skorch_net.ImbnnNet`)
kept as the fitted attribute ``net_``. Subclasses choose the loss
(:meth:`_build_loss`), may choose another net class (``_net_class``, for methods
that change the training step) and may add post-hoc steps (:meth:`_after_fit`).
"""

import copy
import difflib
import inspect
import threading
from contextlib import contextmanager, nullcontext
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_consistent_length, check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog, ProgressBar
from skorch.utils import noop

from ..metrics import check_scoring
from ..networks import MLP
from ..samplers import StratifiedBatchSampler
from ..utils._compat import (
    Interval,
    Options,
    check_sample_weight,
    parameter_names,
    validate_parameter_constraints,
)
from ..utils._docstring import NET_DOCS, Substitution
from ._callbacks import (
    StopEarly,
    StopOnNonFiniteLoss,
    TrainingStopped,
    ValidationScores,
    scores_of_outputs,
)
from ._data import ShuffledBatchSampler, TensorData, to_numpy
from ._skorch_net import HeldOutRows, ImbnnNet
from ._validation import stratified_validation_split
from ._weight_averaging import BestEpochsWeightAveraging

__all__ = ["BaseNetClassifier"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)

# Layers that draw from torch's process-wide generator in forward (there is no
# per-call generator for them). A fit of a network holding one runs with that
# generator seeded and restored under a lock, one such fit at a time.
_GLOBAL_RNG_LAYERS = (
    torch.nn.Dropout,
    torch.nn.Dropout1d,
    torch.nn.Dropout2d,
    torch.nn.Dropout3d,
    torch.nn.AlphaDropout,
    torch.nn.FeatureAlphaDropout,
    torch.nn.RReLU,
)
_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def _seeded_global_rng(seed, device):
    """torch's global generator seeded with ``seed`` inside the block, restored after.

    Module constructors (``nn.Linear``'s initial weights) and dropout layers draw
    from the process-wide generator; the lock keeps fits in other threads from
    drawing from it at the same time, so each fit sees only its own seed.
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices):
        # Only the generators in use: torch.manual_seed also seeds every accelerator
        # back end, a few milliseconds per fit.
        torch.default_generator.manual_seed(seed)
        if devices:
            torch.cuda.manual_seed(seed)
        yield


def _closest(name, candidates):
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _accepted_arguments(callable_):
    """Keyword names ``callable_`` accepts, or None when it takes ``**kwargs``."""
    parameters = inspect.signature(callable_).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return None
    return {name for name in parameters if name != "self"}


@Substitution(**NET_DOCS)
class BaseNetClassifier(ClassifierMixin, BaseEstimator):
    """Base of imbnn's neural-network classifiers (not to be used directly).

    It validates input with scikit-learn's utilities (dense, sparse CSR/CSC or N-d
    arrays; labels of any type), builds the network, holds out a stratified
    validation split, trains with skorch, records the validation scores per epoch,
    stops early and keeps the best epoch's weights, and seeds everything from
    ``random_state``.

    Parameters
    ----------
    {module_parameter}
    {net_parameters}
    {kwargs}

    Attributes
    ----------
    {net_attributes}

    See Also
    --------
    NetClassifier : the subclass for any loss of the zoo.

    Examples
    --------
    A new method needs only its loss (and, to change the training step, its own
    skorch net class as ``_net_class``):

    >>> from sklearn.datasets import make_classification
    >>> from imbnn.estimators import BaseNetClassifier
    >>> from imbnn.losses import FocalLoss
    >>> class FocalNetClassifier(BaseNetClassifier):
    ...     def _build_loss(self):
    ...         return FocalLoss(gamma=1.0)
    >>> X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    >>> FocalNetClassifier(max_epochs=5, random_state=0).fit(X, y).predict(X[:3]).shape
    (3,)
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
        "average_best_epochs": [None, Interval(Integral, 1, None, closed="left")],
        "scoring": [str, callable],
        "min_per_class": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
    }
    # Prefixes of the ``prefix__name`` parameters passed on to a component.
    _prefixes = ("module", "optimizer")
    _net_class = ImbnnNet

    def __init__(
        self,
        module=None,
        *,
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
        self.module = module
        self.hidden_layer_sizes = hidden_layer_sizes
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.average_best_epochs = average_best_epochs
        self.scoring = scoring
        self.min_per_class = min_per_class
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        for name, value in kwargs.items():
            setattr(self, name, value)

    # ------------------------------------------------------------------ parameters

    @classmethod
    def _declared_parameter_names(cls):
        # scikit-learn reads the signature on every call; a fit asks a dozen times.
        if "_declared_names" not in cls.__dict__:
            cls._declared_names = frozenset(parameter_names(cls))
        return cls._declared_names

    def _extra_parameter_names(self):
        """Names given through ``**kwargs``: stored as attributes, not fitted (no ``_`` end)."""
        declared = self._declared_parameter_names()
        return sorted(
            name
            for name in vars(self)
            if name not in declared and not name.startswith("_") and not name.endswith("_")
        )

    def get_params(self, deep=True):
        """Parameters of this estimator, the prefixed ones (``module__*``...) included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained estimators.

        Returns
        -------
        dict
        """
        params = super().get_params(deep=deep)
        params.update({name: getattr(self, name) for name in self._extra_parameter_names()})
        return params

    def set_params(self, **params):
        """Set parameters, the prefixed ones (``module__*``, ``optimizer__*``...) included.

        Parameters
        ----------
        **params : dict

        Returns
        -------
        self
        """
        prefixed = {
            name: value
            for name, value in params.items()
            if name.split("__", 1)[0] in self._prefixes and "__" in name
        }
        for name, value in prefixed.items():
            setattr(self, name, value)
        rest = {name: value for name, value in params.items() if name not in prefixed}
        if rest:
            super().set_params(**rest)
        return self

    def _params_for(self, prefix):
        """The ``prefix__name`` parameters as ``{name: value}``."""
        start = prefix + "__"
        return {
            name[len(start) :]: getattr(self, name)
            for name in self._extra_parameter_names()
            if name.startswith(start)
        }

    def _check_parameters(self):
        """Validate every parameter before training; errors name the closest valid one."""
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        declared = parameter_names(type(self))
        unknown = [
            f"{name!r}{_closest(name, declared)}"
            for name in self._extra_parameter_names()
            if "__" not in name or name.split("__", 1)[0] not in self._prefixes
        ]
        if unknown:
            raise ValueError(
                f"{type(self).__name__} got unknown parameter(s): {'; '.join(unknown)} "
                f"Prefixed parameters start with {', '.join(p + '__' for p in self._prefixes)}."
            )
        self._check_prefixed("module", self.module, "network")
        self._check_prefixed("optimizer", self.optimizer, "optimizer")
        # An unknown scorer name is refused before training, with or without validation.
        self._validation_scorer()

    def _check_prefixed(self, prefix, component, what):
        params = self._params_for(prefix)
        if not params:
            return
        if component is None and prefix == "module":
            component = MLP
        if not isinstance(component, type):
            raise ValueError(
                f"{prefix}__ parameters {sorted(params)} were given, but the {what} is an "
                f"instance ({type(component).__name__}); pass its class instead, or set "
                "them on the instance."
            )
        accepted = _accepted_arguments(component)
        if accepted is None:
            return
        for name in sorted(params):
            if name not in accepted:
                raise ValueError(
                    f"{prefix}__{name}: {component.__name__} has no parameter {name!r}"
                    f"{_closest(name, accepted)}. Its parameters are {sorted(accepted)}."
                )

    def _torch_device(self):
        """``device`` as a ``torch.device`` that torch can use here, or a clear error."""
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError) as error:
            raise ValueError(f"device={self.device!r} is not a torch device name: {error}") from None
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError(
                    f"device={self.device!r}, but torch cannot use CUDA on this machine "
                    "(torch.cuda.is_available() is False); use device='cpu'."
                )
            if device.index is not None and device.index >= torch.cuda.device_count():
                raise ValueError(
                    f"device={self.device!r}, but only {torch.cuda.device_count()} CUDA "
                    "device(s) are visible."
                )
        elif device.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError(f"device={self.device!r}, but MPS is not available; use 'cpu'.")
        elif device.type not in ("cpu", "cuda", "mps"):
            try:
                torch.empty(0, device=device)
            except (RuntimeError, AssertionError) as error:
                raise ValueError(f"device={self.device!r} cannot be used: {error}") from None
        return device

    # ------------------------------------------------------------------ components

    def _build_loss(self):
        """The loss module; subclasses must implement it."""
        raise NotImplementedError

    def _build_module(self, input_shape, device, seed):
        module = MLP if self.module is None else self.module
        if isinstance(module, torch.nn.Module):
            # Never train the user's instance in place: fit must not change parameters.
            return copy.deepcopy(module).to(device)
        kwargs = self._params_for("module")
        accepted = _accepted_arguments(module)
        inferred = {"n_features": int(np.prod(input_shape)), "n_outputs": self.n_outputs_}
        if len(input_shape) > 1:
            inferred["input_shape"] = tuple(input_shape)
        if self.module is None:
            inferred["hidden_layer_sizes"] = tuple(self.hidden_layer_sizes)
        for name, value in inferred.items():
            if (accepted is None or name in accepted) and name not in kwargs:
                kwargs[name] = value
        with _seeded_global_rng(seed, device):
            return module(**kwargs).to(device)

    def _check_module_outputs(self, module, data):
        """A forward pass on two rows: a module that does not fit the task is a clear error."""
        X, _ = data.batch(slice(0, 2))
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                outputs = module(X)
        except RuntimeError as error:
            raise ValueError(
                f"The module {type(module).__name__} cannot process rows of shape "
                f"{tuple(X.shape[1:])}: {error}"
            ) from None
        finally:
            module.train(was_training)
        width = 1 if outputs.ndim == 1 else int(np.prod(outputs.shape[1:]))
        if outputs.ndim > 2 or width != self.n_outputs_ or outputs.shape[0] != X.shape[0]:
            task = "a binary task" if self.n_outputs_ == 1 else f"{self.n_outputs_} classes"
            raise ValueError(
                f"The module's outputs have shape {tuple(outputs.shape)} for {X.shape[0]} rows; "
                f"{task} needs {self.n_outputs_} output(s) per row, shape "
                f"({X.shape[0]}, {self.n_outputs_}). Set the module's output width to "
                f"{self.n_outputs_}."
            )

    def _callback_list(self, validation):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("finite_loss", StopOnNonFiniteLoss()),
        ]
        if validation:
            callbacks += [
                ("valid_loss", PassthroughScoring(name="valid_loss")),
                (
                    "valid_auc",
                    ValidationScores(
                        self.classes_, self._probabilities_from_scores, self._validation_scorer()
                    ),
                ),
            ]
        callbacks += self._method_callbacks(validation)
        for position, callback in enumerate(self.callbacks or []):
            if not isinstance(callback, tuple):
                callback = (f"user_callback_{position}", callback)
            callbacks.append(callback)
        if self.verbose and self.verbose > 1:
            callbacks.append(("progress_bar", ProgressBar()))
        if self.verbose:
            # The log before early stopping, which ends the epoch loop: every epoch is printed.
            callbacks.append(("print_log", PrintLog()))
        if validation:
            averaging = self.average_best_epochs is not None
            if averaging:
                callbacks.append(
                    (
                        "average_best_epochs",
                        BestEpochsWeightAveraging(self.average_best_epochs, monitor=self._monitor),
                    )
                )
            callbacks += [
                (
                    "early_stopping",
                    StopEarly(
                        monitor=self._monitor,
                        lower_is_better=False,
                        patience=self.patience,
                        threshold=0.0,
                        threshold_mode="abs",
                        # The averaged weights are loaded at the end of training instead.
                        load_best=not averaging,
                        sink=noop,
                    ),
                ),
            ]
        return callbacks

    def _method_callbacks(self, validation):
        """Callbacks of a method: after the validation scores, before early stopping."""
        return []

    @property
    def _monitor(self):
        """The history key that chooses the epoch."""
        return "valid_auc" if self.scoring == "roc_auc" else "valid_score"

    def _validation_scorer(self):
        """The scorer behind ``valid_score``, or None when the epoch is chosen by ``valid_auc``."""
        if self.scoring == "roc_auc":
            return None
        return check_scoring(self, scoring=self.scoring)

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

    def _net_parameters(self):
        """Keyword arguments of ``_net_class`` beyond skorch's own, for methods that add some."""
        return {}

    def _make_net(self, module, criterion, validation_rows, device):
        net = self._net_class(
            module,
            criterion=criterion,
            training_batches=self._training_batches,
            prediction_batch_size=self.batch_size,
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=None if validation_rows is None else HeldOutRows(validation_rows),
            callbacks=self._callback_list(validation_rows is not None),
            predict_nonlinearity=None,
            # Unpickling a fitted estimator is already a trusted load (pickle runs code);
            # torch's weights-only default would refuse imbnn's own module classes.
            torch_load_kwargs={"weights_only": False},
            device=device,
            verbose=self.verbose,
            **{f"optimizer__{k}": v for k, v in self._params_for("optimizer").items()},
            **self._net_parameters(),
        )
        return net.initialize()

    # ------------------------------------------------------------------ scikit-learn API

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.sparse = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Train the network (from new initial weights unless ``warm_start``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or (n_samples, ...)
            Numeric features of any float or int dtype, a DataFrame, a scipy CSR/CSC
            matrix (densified one batch at a time) or N-d rows such as images
            ``(n, C, H, W)`` for a module that takes them. NaN, inf and values
            beyond float32's range are refused.
        y : array-like of shape (n_samples,)
            Class labels of any type (strings, ints, bools), at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted average.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        return self._fit(X, y, sample_weight, classes=None, continuing=continuing, epochs=None)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch on ``X, y`` from the current weights, as ``MLPClassifier`` does.

        The first call builds the network; it needs ``classes`` when ``y`` does not
        hold every class. There is no validation split: every row trains.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows of this epoch.
        y : array-like of shape (n_samples,)
            Their labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes, required on the first call when ``y`` lacks some;
            ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        continuing = self.__sklearn_is_fitted__()
        return self._fit(X, y, sample_weight, classes=classes, continuing=continuing, epochs=1)

    def _validate_X(self, X, reset):
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float32, np.float64],
            allow_nd=True,
            reset=reset,
        )
        values = X.data if sp.issparse(X) else X
        if values.size and np.abs(values).max() > _FLOAT32_MAX:
            raise ValueError(
                f"X has values up to {np.abs(values).max():.3g}, beyond float32's range "
                f"({_FLOAT32_MAX:.3g}), in which networks compute. Rescale the features, "
                "for example with sklearn.preprocessing.StandardScaler."
            )
        if sp.issparse(X):
            return X.tocsr().astype(np.float32)
        return np.asarray(X, dtype=np.float32)

    def _encode_labels(self, y, classes, first):
        check_classification_targets(y)
        labels, encoded = np.unique(y, return_inverse=True)
        if first:
            known = labels if classes is None else np.unique(np.asarray(classes))
            if len(known) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes in y; got 1 class: "
                    f"{known.tolist()[0]!r}."
                )
            self.classes_ = known
            if classes is None:
                return encoded
        unknown = np.setdiff1d(labels, self.classes_)
        if len(unknown):
            raise ValueError(
                f"y has label(s) {unknown.tolist()} that are not among the classes "
                f"{self.classes_.tolist()} of the first fit; pass all classes to the first "
                "partial_fit as classes=..."
            )
        return np.searchsorted(self.classes_, labels)[encoded]

    def _fit(self, X, y, sample_weight, classes, continuing, epochs):
        self._check_parameters()
        device = self._torch_device()
        X = self._validate_X(X, reset=not continuing)
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        y_encoded = self._encode_labels(y, classes, first=not continuing)
        if continuing and epochs is None:
            seen = np.unique(y_encoded)
            if len(seen) != len(self.classes_):
                raise ValueError(
                    f"warm_start fit got classes {self.classes_[seen].tolist()}, but the model "
                    f"was trained on {self.classes_.tolist()}."
                )
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
            weighted = np.bincount(y_encoded, weights=sample_weight, minlength=len(self.classes_)) > 0
            if weighted.sum() < 2:
                raise ValueError(
                    f"{type(self).__name__} needs positive sample weight in at least 2 classes; "
                    f"only class(es) {self.classes_[weighted].tolist()} have any."
                )
        if not continuing:
            # Weighted counts: a row of weight 2 counts as two rows for the losses that
            # weigh by class frequency, as its two copies would.
            counts = np.bincount(y_encoded, weights=sample_weight, minlength=len(self.classes_))
            self.class_counts_ = counts if sample_weight is not None else counts.astype(int)
            self.n_outputs_ = 1 if len(self.classes_) == 2 else len(self.classes_)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if not (continuing and epochs == 1):
            # partial_fit keeps drawing its batches from the first call's generator.
            self.batch_random_state_ = np.random.RandomState(seed)
        validation_rows = (
            None
            if epochs == 1
            else stratified_validation_split(
                y_encoded, self.validation_fraction, seed, owner=type(self).__name__
            )
        )
        data = TensorData(
            X if sp.issparse(X) else torch.as_tensor(X, device=device),
            torch.as_tensor(y_encoded, dtype=torch.long, device=device),
            None if sample_weight is None else torch.as_tensor(sample_weight, device=device),
            device=device,
        )
        if continuing:
            net = self.net_
            net.set_params(
                train_split=None if validation_rows is None else HeldOutRows(validation_rows),
                callbacks=self._callback_list(validation_rows is not None),
            )
            net.initialize_callbacks()
        else:
            module = self._build_module(X.shape[1:], device, seed)
            self._check_module_outputs(module, data)
            net = self._make_net(module, self._build_loss(), validation_rows, device)
        self.validation_indices_ = validation_rows
        self._before_training(net, data, continuing)
        stochastic = any(isinstance(layer, _GLOBAL_RNG_LAYERS) for layer in net.module_.modules())
        with _seeded_global_rng(seed + 1, device) if stochastic else nullcontext():
            # skorch's fit/partial_fit end training quietly on Ctrl-C and keep the
            # half-trained weights; a scikit-learn fit lets KeyboardInterrupt propagate.
            net.notify("on_train_begin", X=data, y=None)
            try:
                net.fit_loop(data, epochs=epochs)
            except TrainingStopped:
                pass
            net.notify("on_train_end", X=data, y=None)
        self.net_ = net
        self.module_ = net.module_
        self.history_ = net.history_
        self.criterion_ = net.criterion_
        self.optimizer_ = net.optimizer_
        self._record_epochs(validation_rows is not None)
        self._after_fit(X, y_encoded, sample_weight)
        return self

    def _record_epochs(self, validated):
        history = self.history_
        self.n_epochs_ = len(history)
        averaging = dict(self.net_.callbacks_).get("average_best_epochs")
        self.averaged_epochs_ = None if averaging is None else averaging.averaged_epochs_
        if validated:
            values = np.asarray(history[:, self._monitor], dtype=float)
            best = int(np.argmax(values))
            self.best_epoch_ = int(history[best, "epoch"])
            self.best_validation_score_ = float(values[best])
            self.best_validation_auc_ = float(history[best, "valid_auc"])
        else:
            self.best_epoch_ = self.n_epochs_
            self.best_validation_score_ = None
            self.best_validation_auc_ = None

    def _before_training(self, net, data, continuing):
        """Called with the initialised net before training; for per-fit state."""

    def _after_fit(self, X, y_encoded, sample_weight):
        """Called at the end of ``fit`` with the validated data; for post-hoc steps."""

    def _validated_X(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def _raw_scores(self, X):
        """Network scores of validated rows ``X`` as a float64 numpy array."""
        device = self.net_.device
        data = TensorData(X if sp.issparse(X) else torch.as_tensor(X, device=device), device=device)
        outputs = self.net_.forward(data, training=False)
        return to_numpy(scores_of_outputs(outputs)).astype(np.float64)

    def decision_function(self, X):
        """Network scores: the logit of ``classes_[1]`` (binary) or one column per class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Greater means more likely ``classes_[1]`` (or the column's class).
        """
        return self._raw_scores(self._validated_X(X))

    def predict_proba(self, X):
        """Class probabilities: sigmoid (binary) or softmax of the network's scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to score.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            One column per class of ``classes_``.
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to classify.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Labels of ``classes_``.
        """
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

