"""ALMClassifier: a base loss plus an augmented-Lagrangian constraint on FPR at high TPR."""

import math
from numbers import Real

import numpy as np
import torch
from skorch.callbacks import Callback

from ..losses import positive_hinge_sums
from ..losses._namespaces import NUMPY, TORCH, numpy_views, use_numpy as _numpy_kernel
from ..losses._pairwise import _DENSE_MAX_ROWS
from ..utils._compat import Interval
from ..utils._docstring import NET_DOCS, Substitution
from ._base import BaseNetClassifier
from ._callbacks import scores_of_outputs
from ._net import build_loss
from ._skorch_net import ImbnnNet

__all__ = ["ALMClassifier"]

# Validation AUC drop (since the previous epoch) that raises the penalty (Sangalli et al.).
_AUC_DROP = 0.05


def penalty_limit(mu, rho):
    """The cap of the penalty schedule: ``mu rho**5`` below ``mu = 1e-3``, else ``mu rho**3``.

    Sangalli et al.'s released configuration (NeurIPS 2021, their published code).
    """
    return mu * rho**5 if mu < 1e-3 else mu * rho**3


def _dense_constraint_terms(
    xp, scores, positive_rows, negative_rows, weight, multiplier, mu, delta, scale
):
    """ALM's terms of one batch, their ``q`` and their gradient, from the n+ x n- pairs.

    Returns ``value = scale sum_j w_j (mu/2 q_j**2 + lambda_j q_j)`` with
    ``q_j = sum_k w_k max(0, delta - (s_j - s_k))`` over the negatives ``k``,
    ``q``, and the gradient of ``value`` with respect to ``scores``, formed directly
    (``dq_j/ds_j = -sum of the active negatives' weights``, ``dq_j/ds_k = w_k`` when
    active) instead of through an autograd graph of the pair matrix.

    It uses only operators that numpy arrays and torch tensors share, and the array
    namespace ``xp`` (``NUMPY`` or ``TORCH`` of :mod:`imbnn.losses._namespaces`), so
    one code serves both: ALMClassifier hands it numpy views of CPU tensors, whose
    call overhead at a batch's size is a fraction of torch's (bench_alm.py), and the
    tensors themselves on other devices. ``positive_rows`` and ``negative_rows``
    partition the batch's rows; ``weight`` is None or per-row weights;
    ``multiplier`` the positives' ``lambda_j``; ``scale`` the normalisation
    ``1 / (n+ n-)``.
    """
    gap = scores[negative_rows][None, :] - (scores[positive_rows] - delta)[:, None]
    # Pairs that violate the margin (a pair on the kink is inactive: relu'(0) = 0), as 0/1
    # so that the sums over pairs are matrix products.
    active = xp.as_dtype(gap > 0, gap)
    hinge = gap * active
    if weight is None:
        q = hinge.sum(1)
        active_totals = active.sum(1)
        positive_weight = scale
    else:
        weight = xp.as_dtype(weight, gap)
        negative_weight = weight[negative_rows]
        q = hinge @ negative_weight
        active_totals = active @ negative_weight
        positive_weight = scale * weight[positive_rows]
    # The multipliers may have a wider dtype than the scores: the sums below keep it.
    value = (q * (positive_weight * (multiplier + 0.5 * mu * q))).sum()
    # d value / d q_j, spread over the active pairs of each positive j.
    slope = positive_weight * (multiplier + mu * q)
    # The two row sets cover the batch: every entry is written below.
    gradient = xp.empty_like(scores, slope.dtype)
    gradient[positive_rows] = -slope * active_totals
    negative_gradient = slope @ xp.as_dtype(active, slope)
    gradient[negative_rows] = (
        negative_gradient if weight is None else negative_gradient * negative_weight
    )
    return value, q, gradient


def _kernel_arrays(use_numpy, *tensors):
    """Detached tensors, as numpy views (no copy) when ``use_numpy``."""
    if use_numpy:
        return numpy_views(*tensors)
    return [None if tensor is None else tensor.detach() for tensor in tensors]


def _backward(loss, gradients):
    """``loss.backward()``, with ``gradients`` (``(tensor, gradient)`` pairs) added to it.

    One backward pass of ``loss + sum(tensor . gradient)``: the pairs' terms need
    neither a graph of their own nor an autograd node (each would cost a few
    microseconds per training step).
    """
    if not gradients:
        loss.backward()
        return
    tensors, tensor_gradients = zip(*gradients)
    torch.autograd.backward((loss, *tensors), (None, *tensor_gradients))


def _as_tensor(array):
    """A tensor sharing the memory of a numpy array; tensors are returned as they are."""
    return torch.from_numpy(array) if isinstance(array, np.ndarray) else array


class _PenaltySchedule(Callback):
    """Records the epoch's penalty ``alm_mu`` and updates it from the epoch's validation AUC.

    Placed after imbnn's ``ValidationScores`` callback, whose ``valid_auc`` it reads.
    """

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        net.history.record("alm_mu", net.mu_)
        auc = row.get("valid_auc")
        net._update_penalty(row["epoch"], None if auc is None or math.isnan(auc) else float(auc))


class _ALMNet(ImbnnNet):
    """The skorch net of ALM: the base loss plus the constraint terms, and the multipliers.

    Parameters
    ----------
    critical_indices : ndarray of int
        Encoded classes that carry constraints.
    delta, mu, rho : float
        As in :class:`ALMClassifier`.
    """

    def __init__(self, module, *, critical_indices, delta, mu, rho, **kwargs):
        super().__init__(module, **kwargs)
        self.critical_indices = critical_indices
        self.delta = delta
        self.mu = mu
        self.rho = rho

    def initialize(self):
        super().initialize()
        # A new fit starts the constraint's state afresh; warm starts keep it.
        self.multipliers_ = None
        self.mu_ = float(self.mu)
        self.mu_frozen_ = False
        self.previous_valid_auc_ = None
        self.critical_indices_ = np.asarray(self.critical_indices)
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        n_rows = len(X)
        if self.multipliers_ is None or len(self.multipliers_) != n_rows:
            # One multiplier per row of the fit data, addressed by the batches' row indices.
            self.multipliers_ = torch.zeros(n_rows, dtype=torch.float32, device=self.device)

    def _constraint_terms(self, scores, info):
        """The batch's ALM terms; updates the multipliers, ``lambda_j += mu q_j``.

        Returns ``(penalty, value, gradients)``. ``penalty`` holds the terms that
        autograd differentiates (the sort path of large batches), or None.
        ``value`` is the total of the other terms (a float, 0.0 without any) and
        ``gradients`` their gradient as ``(tensor, gradient)`` pairs for
        :func:`_backward`: handed to backward as they are, these terms cost no
        autograd node. No term comes from a critical class without positives or
        negatives in the batch. The multipliers change only after every term has
        read them.
        """
        tensor_weight = info["sample_weight"]
        # Below _DENSE_MAX_ROWS the terms are a few dozen operations on tiny arrays,
        # where numpy's call overhead is a fraction of torch's.
        dense = scores.shape[0] <= _DENSE_MAX_ROWS
        use_numpy = _numpy_kernel(scores, _DENSE_MAX_ROWS)
        xp = NUMPY if use_numpy else TORCH
        target, index, weight, multipliers = _kernel_arrays(
            use_numpy, info["y"], info["index"], tensor_weight, self.multipliers_
        )
        penalty, value, gradients, updates = None, 0.0, [], []
        for k in self.critical_indices_.tolist():
            if scores.ndim == 1:
                # The binary logit scores class 1; class 0 is critical with the opposite sign.
                critical_scores = scores if k == 1 else -scores
            else:
                critical_scores = scores[:, k]
            positive = target == k
            positive_rows = xp.flat_nonzero(positive)
            if weight is None:
                positive_total = len(positive_rows)
                negative_total = len(target) - positive_total
            else:
                positive_total = float(weight[positive_rows].sum())
                negative_total = float(weight.sum()) - positive_total
            if positive_total <= 0 or negative_total <= 0:
                continue
            rows = index[positive_rows]
            multiplier = multipliers[rows]
            normaliser = positive_total * negative_total
            if dense:
                (critical_array,) = _kernel_arrays(use_numpy, critical_scores)
                term_value, q, gradient = _dense_constraint_terms(
                    xp,
                    critical_array,
                    positive_rows,
                    xp.flat_nonzero(~positive),
                    weight,
                    multiplier,
                    self.mu_,
                    self.delta,
                    1.0 / normaliser,
                )
                value += float(term_value)
                gradients.append(
                    (critical_scores, _as_tensor(gradient).to(critical_scores.dtype))
                )
            else:
                # O(n log n) in time and O(n) in memory for large (e.g. full) batches.
                q = positive_hinge_sums(
                    critical_scores,
                    positive,
                    margin=self.delta,
                    power=1,
                    sample_weight=tensor_weight,
                )[positive_rows]
                positive_weight = 1.0 if weight is None else weight[positive_rows]
                term = (positive_weight * q * (0.5 * self.mu_ * q + multiplier)).sum() / normaliser
                penalty = term if penalty is None else penalty + term
                q = q.detach()
            updates.append((rows, q))
        for rows, q in updates:
            xp.add_at(multipliers, rows, self.mu_ * q)
        return penalty, value, gradients

    def train_step_single(self, batch, **fit_params):
        if not self.module_.training:
            self.module_.train()
        X, info = batch
        y_pred = self.module_(X)
        scores = scores_of_outputs(y_pred)
        loss = self.criterion_(scores, info["y"], sample_weight=info["sample_weight"])
        # The terms use the multipliers from before this batch, which they then update.
        penalty, value, gradients = self._constraint_terms(scores, info)
        if penalty is not None:
            loss = loss + penalty
        _backward(loss, gradients)
        if gradients:
            loss = loss.detach() + value
        return {"loss": loss, "y_pred": y_pred}

    def _update_penalty(self, epoch, valid_auc):
        """The paper's per-epoch schedule of ``mu`` (see the class description)."""
        if self.mu_frozen_:
            return
        if epoch > 1 and valid_auc is not None and valid_auc >= 1.0:
            self.mu_frozen_ = True
            return
        if epoch == 2:
            raise_penalty = True
        else:
            previous = self.previous_valid_auc_
            raise_penalty = (
                epoch > 2
                and valid_auc is not None
                and previous is not None
                and valid_auc < previous - _AUC_DROP
            )
        if raise_penalty:
            limit = penalty_limit(self.mu, self.rho)
            self.mu_ = min(self.mu_ * self.rho, limit)
            # Relative tolerance: mu rho**k by repeated products vs by a power.
            if self.mu_ >= limit * (1 - 1e-9):
                self.mu_ = limit
                self.mu_frozen_ = True
        self.previous_valid_auc_ = valid_auc


@Substitution(**NET_DOCS)
class ALMClassifier(BaseNetClassifier):
    """Neural network trained on a base loss under ALM's AUC constraint (Sangalli et al. 2021).

    Sangalli, Erdil, Hoetker, Donati and Konukoglu, "Constrained Optimization to
    Train Neural Networks on Critical and Under-Represented Classes", NeurIPS 2021
    (arXiv:2102.12894). Screening models run at a high true-positive rate (TPR),
    where imbalanced data gives high false-positive rates (FPR). ALM adds one
    equality constraint per positive (critical) training example ``j``::

        q_j = sum_{k negative} max(0, delta - (s_j - s_k)) = 0

    (every negative scores at least ``delta`` below it) and solves the constrained
    problem with an augmented Lagrangian. On each training batch the objective is::

        base_loss + sum_{j positive in the batch} (mu/2 q_j**2 + lambda_j q_j) / (n+ n-)

    with ``q_j`` taken against the batch's negatives and ``n+``, ``n-`` the batch's
    class counts. The low-scoring positives, the high-TPR end of the ROC curve,
    violate the constraint most, so their negatives are pushed down first.

    - ``lambda_j`` is a multiplier of training example ``j``, kept by its row index,
      starting at 0 and, after every training batch, raised to
      ``lambda_j + mu q_j`` with that batch's ``q_j`` (never on validation data).
    - ``mu`` follows the paper's schedule per epoch: multiplied by ``rho`` after the
      second epoch, later only when the validation AUC fell by more than 0.05 since
      the previous epoch; frozen at the cap :func:`penalty_limit` or when the
      validation AUC is 1. Without validation (``validation_fraction=0``) only
      the increase after epoch 2 happens.
    - A batch without positives or negatives has no constraint term. At strong
      imbalance most random batches have no positive: ``min_per_class=1`` gives
      every batch one (Sangalli et al. used plain random batches).

    The terms of all positives of a batch are summed, as in the paper's equations
    (the released code's current version keeps only the last positive's term).
    Sample weights weigh each positive's term and each negative inside ``q_j``, and
    the normalisation uses the weighted class totals.

    Multi-class tasks (imbnn's extension; the paper's two multi-class variants are
    not implemented): the binary constraint is applied one-vs-rest to each class
    in ``critical_classes``, on that class's logit.

    Parameters
    ----------
    {module_parameter}
    base_loss : "auto", str, torch.nn.Module class or instance, default="auto"
        ``"auto"`` is ``"weighted_bce"`` on binary tasks and ``"bce"`` (plain
        cross-entropy) on multi-class ones, where W-BCE is not defined. Otherwise a
        name in :data:`imbnn.losses.LOSSES` (the paper's: ``"bce"``,
        ``"weighted_bce"``, ``"class_balanced_bce"``, ``"large_margin"``,
        ``"asymmetric_large_margin"``, ``"focal"``, ``"asymmetric_focal"``,
        ``"ldam"``, ``"mbauc"``), a loss class or a loss instance. Its parameters as
        ``base_loss__<name>``; losses accepting ``class_counts`` get the training
        class counts. W-BCE is the binary default because it raised ALM's mean test
        ROC AUC on imbnn's panel of 26 imbalanced tables from 0.864 to 0.896 (with
        ``lr=1e-2``; see :doc:`/user_guide/defaults`); the paper's comparisons use
        each base loss in turn.
    delta : float >= 0, default=0.25
        Margin of the constraint, in units of the network's scores. Sangalli et
        al. chose it per setting among 0, 0.1, 0.25, 0.5 and 1.0; 0.25 is the value
        they chose most often for CIFAR-10 and CIFAR-100 (their released
        configuration tables).
    mu : float > 0, default=1e-4
        Initial penalty ``mu_0``. The paper's grid was ``1e-2`` to ``1e-9`` and its
        scale is tied to the normalisation by ``n+ n-`` above; the default is
        imbnn's choice in the middle of that grid, to be tuned by
        cross-validation with ``delta`` (``benchmarks/reproduce_alm.py`` chose
        ``mu=1e-2, delta=1.0`` on validation data for LeNet-5 on Fashion-MNIST).
    rho : float >= 1, default=2.0
        Growth factor of the penalty (the paper's value).
    critical_classes : array-like of labels or None, default=None
        The classes whose examples carry constraints. ``None``: the greater label
        of a binary task (its positive class); the least frequent class of a
        multi-class task.
    {hidden_layer_sizes}
    {max_epochs}
    {batch_size}
    {lr}
    {optimizer}
    {validation_fraction}
    {patience}
    average_best_epochs : int or None, default=3
        The fit ends with the element-wise mean of the weights of this many epochs
        of best validation score, instead of the single best epoch's: with a
        handful of validation positives the best epoch is partly chosen by chance.
        3 was chosen on a panel of imbalanced tables (see
        :doc:`/user_guide/defaults`); None keeps the best epoch. The fit holds
        this many copies of the weights. Needs a validation split; without one the
        last weights are kept.
    {scoring}
    {min_per_class}
    {random_state}
    {device}
    {verbose}
    {callbacks}
    {warm_start}
    {kwargs_base_loss}

    Attributes
    ----------
    {net_attributes}
    multipliers_ : torch.Tensor of shape (n_samples,)
        ``lambda_j`` of every row of the data given to ``fit`` (0 for the rows that
        carry no constraint and for the validation rows).
    mu_ : float
        The penalty reached at the end of training.
    critical_classes_ : ndarray
        The labels of the classes with constraints.

    The history's ``train_loss`` is the base loss plus the constraint terms, its
    ``valid_loss`` the base loss only, and ``alm_mu`` the penalty of each epoch.

    See Also
    --------
    imbnn.metrics.fpr_at_tpr : the paper's measure, FPR at TPR 0.90, 0.95, 0.98.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbnn.estimators import ALMClassifier
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = ALMClassifier(delta=0.5, mu=1e-3, max_epochs=10, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape, float(clf.multipliers_.min()) >= 0
    ((2, 2), True)
    """

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "base_loss": [str, type, torch.nn.Module],
        "delta": [Interval(Real, 0, None, closed="left")],
        "mu": [Interval(Real, 0, None, closed="neither")],
        "rho": [Interval(Real, 1, None, closed="left")],
        "critical_classes": ["array-like", None],
    }

    _prefixes = BaseNetClassifier._prefixes + ("base_loss",)
    _net_class = _ALMNet

    def __init__(
        self,
        module=None,
        *,
        base_loss="auto",
        delta=0.25,
        mu=1e-4,
        rho=2.0,
        critical_classes=None,
        hidden_layer_sizes=(100,),
        max_epochs=100,
        batch_size=256,
        lr=1e-2,
        optimizer=torch.optim.Adam,
        validation_fraction=0.1,
        patience=10,
        average_best_epochs=3,
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
        self.base_loss = base_loss
        self.delta = delta
        self.mu = mu
        self.rho = rho
        self.critical_classes = critical_classes

    # ------------------------------------------------------------------ set-up

    def _build_loss(self):
        base_loss = self.base_loss
        if isinstance(base_loss, str) and base_loss == "auto":
            base_loss = "weighted_bce" if len(self.classes_) == 2 else "bce"
        return build_loss(
            base_loss,
            self._params_for("base_loss"),
            class_counts=self.class_counts_,
            owner="base_loss",
        )

    def _critical_indices(self):
        """Encoded classes that carry constraints, from ``critical_classes``."""
        if self.critical_classes is None:
            if len(self.classes_) == 2:
                return np.array([1])
            return np.array([int(np.argmin(self.class_counts_))])
        labels = np.atleast_1d(np.asarray(self.critical_classes))
        unknown = [label for label in labels.tolist() if label not in self.classes_.tolist()]
        if unknown or len(labels) == 0:
            raise ValueError(
                f"critical_classes must be labels of y; got {labels.tolist()}, "
                f"the classes are {self.classes_.tolist()}."
            )
        return np.unique(np.searchsorted(self.classes_, labels))

    def _method_callbacks(self, validation):
        return [("alm_penalty", _PenaltySchedule())]

    def _net_parameters(self):
        critical = self._critical_indices()
        self.critical_classes_ = self.classes_[critical]
        return {"critical_indices": critical, "delta": self.delta, "mu": self.mu, "rho": self.rho}

    def _after_fit(self, X, y_encoded, sample_weight):
        self.multipliers_ = self.net_.multipliers_
        self.mu_ = self.net_.mu_
