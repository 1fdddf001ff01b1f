"""Parameter text written once and substituted into every estimator's docstring.

As imbalanced-learn's ``Substitution`` does, a class docstring holds placeholders
such as ``{net_parameters}`` on their own line; :class:`Substitution` replaces each
with the shared text, indented like the placeholder. Only the named placeholders are
replaced, so braces elsewhere in a docstring (``{"rate", "count"}``) are left alone.
"""

import textwrap

__all__ = ["Substitution", "NET_DOCS", "LOSS_DOCS"]


class Substitution:
    """Decorator replacing ``{name}`` lines of a docstring with ``texts[name]``.

    Parameters
    ----------
    **texts : str
        Unindented text per placeholder name.
    """

    def __init__(self, **texts):
        self.texts = texts

    def __call__(self, obj):
        if obj.__doc__ is None:
            return obj
        lines = []
        for line in obj.__doc__.splitlines():
            stripped = line.strip()
            name = stripped[1:-1] if stripped.startswith("{") and stripped.endswith("}") else None
            if name in self.texts:
                indent = line[: len(line) - len(line.lstrip())]
                lines.append(textwrap.indent(textwrap.dedent(self.texts[name]).strip("\n"), indent))
            else:
                lines.append(line)
        obj.__doc__ = "\n".join(lines)
        return obj


_MODULE = """
module : torch.nn.Module class or instance, default=None
    The network. A class is instantiated with ``n_features`` and ``n_outputs``
    taken from the data (when its constructor accepts them; ``input_shape`` too
    for N-d input such as ``(n, C, H, W)`` images) and the ``module__<name>``
    parameters. An instance is copied and trained from its current weights.
    ``None`` uses :class:`~imbnn.networks.MLP` with ``hidden_layer_sizes``.
    Binary tasks have one output (the logit of ``classes_[1]``), ``K`` classes
    have ``K``; another output width is an error at fit.
"""

_NET = """
hidden_layer_sizes : tuple of int, default=(100,)
    Hidden layer widths of the default network (``module=None``).
max_epochs : int, default=100
    Most passes over the training rows.
batch_size : int, default=256
    Rows per training batch; -1 trains on the full batch.
lr : float, default=1e-2
    Learning rate of the optimizer. 1e-2 was chosen on a panel of 26 imbalanced
    tables, where it beat 1e-3 for every network but ReMix (see
    :doc:`/user_guide/defaults`).
optimizer : torch.optim.Optimizer class, default=torch.optim.Adam
    Further arguments as ``optimizer__<name>`` (e.g. ``optimizer__weight_decay``).
validation_fraction : float in [0, 1), default=0.1
    Share of every class held out (at least one example of each on both sides) to
    choose the epoch by ``scoring``: early stopping keeps the weights of the best
    epoch. 0 turns validation and early stopping off. When a class has fewer than
    2 examples, validation is switched off with a warning.
patience : int, default=10
    Epochs without a better validation score before training stops.
average_best_epochs : int or None, default=None
    If set, the fit ends with the element-wise mean of the weights of this many
    epochs of best validation score (instead of the single best epoch's), as
    stochastic weight averaging averages along a run (Izmailov et al., UAI
    2018). With a handful of validation positives the single best epoch is partly
    chosen by chance. The fit holds this many copies of the weights. Needs a
    validation split; without one the last weights are kept.
scoring : str or callable, default="roc_auc"
    The validation measure that chooses the epoch; greater is better. A scorer
    name of :func:`imbnn.metrics.get_scorer` (scikit-learn's and imbnn's, e.g.
    ``"average_precision"``, ``"neg_fpr_at_tpr_95"``, ``"neg_log_loss"``) or a
    callable ``scorer(estimator, X, y)``. It is computed on the outputs of the
    validation pass: the scorer gets a stand-in estimator whose
    ``decision_function``, ``predict_proba`` and ``predict`` return them.
    ``valid_auc`` is recorded either way.
min_per_class : int or None, default=None
    If set, training batches are stratified and hold at least this many examples
    of every class (see :class:`~imbnn.samplers.StratifiedBatchSampler`). Ranking
    losses learn nothing from a batch with one class.
random_state : int, RandomState instance or None, default=None
    Seeds the initial weights, the validation split, the batches and dropout.
    Each fit draws from its own generators, so fits in threads are repeatable.
device : str or torch.device, default="cpu"
    Where the network trains, e.g. ``"cuda"``. A device torch cannot use here is
    a ``ValueError`` at fit.
verbose : int, default=0
    1 prints a table per epoch, 2 adds a progress bar per epoch.
callbacks : list of (name, skorch callback) or of callbacks, default=None
    Added to imbnn's own (timer, losses, validation scores, early stopping, log).
warm_start : bool, default=False
    Continue training from the current weights on the next ``fit``.
"""

_KWARGS = """
**kwargs
    Prefixed parameters passed on: ``module__<name>`` to the network's
    constructor, ``optimizer__<name>`` to the optimizer's{extra}. A name that is
    not a parameter is an error at fit that names the closest valid one.
"""

_ATTRIBUTES = """
classes_ : ndarray of shape (n_classes,)
    The class labels.
n_features_in_ : int
    Number of features (columns) seen in ``fit``.
feature_names_in_ : ndarray of str
    Only when ``X`` was a DataFrame with string column names.
net_ : skorch.NeuralNet
    The trained skorch net.
module_ : torch.nn.Module
    The trained network (weights of the best validation epoch).
history_ : skorch.History
    Per epoch: ``train_loss`` and, with validation, ``valid_loss``,
    ``valid_auc`` and, when ``scoring`` is not ``"roc_auc"``, ``valid_score``.
best_epoch_ : int
    Epoch of best validation score, whose weights were kept (the first of the
    averaged epochs with ``average_best_epochs``; the last epoch without
    validation).
best_validation_score_ : float or None
    The validation ``scoring`` of that epoch (None without validation).
best_validation_auc_ : float or None
    The validation ROC AUC of that epoch (None without validation); never NaN.
averaged_epochs_ : list of int or None
    With ``average_best_epochs`` and a validation split, the epochs whose weights
    were averaged, best first; None otherwise.
n_epochs_ : int
    Epochs trained.
validation_indices_ : ndarray or None
    Rows of the training data held out for validation.
"""

def _split_parameters(text):
    """``{name: text}`` of each parameter of a numpydoc parameter list."""
    entries, name = {}, None
    for line in textwrap.dedent(text).strip("\n").splitlines():
        if line and not line.startswith(" "):
            name = line.split(" : ")[0].strip()
            entries[name] = line
        else:
            entries[name] += "\n" + line
    return entries


NET_DOCS = {
    **_split_parameters(_NET),
    "module_parameter": _MODULE,
    "net_parameters": _NET,
    "kwargs": _KWARGS.format(extra=""),
    "kwargs_loss": _KWARGS.format(extra=", ``loss__<name>`` to the loss's"),
    "kwargs_base_loss": _KWARGS.format(extra=", ``base_loss__<name>`` to the base loss's"),
    "net_attributes": _ATTRIBUTES,
}

#: The call convention of every loss's ``forward``.
LOSS_DOCS = {
    "loss_call": """
Parameters
----------
scores : torch.Tensor of shape (n,) or (n, n_classes)
    Real-valued scores (logits); one column for a binary task.
target : torch.Tensor of shape (n,)
    Class indices (0 and 1 for a binary task).
sample_weight : torch.Tensor of shape (n,), default=None
    Example weights; None weighs every example 1.

Returns
-------
torch.Tensor
    A scalar.
""",
}
