"""Per-example base losses of Sangalli et al. (NeurIPS 2021, arXiv:2102.12894).

Weighted and class-balanced cross-entropy, symmetric and asymmetric large-margin and
focal losses, and LDAM. Every one is written with ``softplus``/``logsigmoid``/
``log_softmax`` so that logits of +-100 (or more) give finite values and gradients
in float32.

Binary scores ``(n,)`` are the logit ``z`` of class 1 (the positive, critical class).
"""

import torch
import torch.nn.functional as F

from ..utils._docstring import LOSS_DOCS, Substitution
from ._base import (
    PerExampleLoss,
    _constant_tensor,
    _per_class,
    _require_binary,
    cross_entropy_per_example,
)

__all__ = [
    "AsymmetricFocalLoss",
    "AsymmetricLargeMarginLoss",
    "ClassBalancedBCELoss",
    "FocalLoss",
    "LDAMLoss",
    "LargeMarginLoss",
    "WeightedBCELoss",
]


def _refuse_negative_counts(class_counts):
    if min(class_counts) < 0:
        raise ValueError(f"class_counts must be non-negative; got {list(class_counts)}.")


def _class_counts(class_counts, scores, target):
    """Training class counts if given, else the counts of this batch (at least 1 each)."""
    n_classes = 2 if scores.ndim == 1 else scores.shape[1]
    if class_counts is None:
        counts = torch.bincount(target, minlength=n_classes).to(scores.dtype)
    else:
        counts = _per_class(class_counts, scores, "class_counts")
        # Checked in Python for a list (no device sync in every training step).
        if isinstance(class_counts, (list, tuple)):
            _refuse_negative_counts(class_counts)
        elif (counts < 0).any():
            _refuse_negative_counts(counts.tolist())
    # An absent class has no example to weigh; 1 keeps its weight or margin finite.
    return counts.clamp_min(1)


def _binary_margin_log_loss(z, positive, positive_margin, negative_margin, scale=1.0):
    """``-log sigmoid(scale (z - m+))`` if positive, else ``-log sigmoid(-scale (z + m-))``."""
    return torch.where(
        positive,
        F.softplus(-scale * (z - positive_margin)),
        F.softplus(scale * (z + negative_margin)),
    )


def _margin_cross_entropy(scores, target, margin, scale=1.0):
    """Softmax cross-entropy of ``scale * (scores - margin on the true class's logit)``."""
    one_hot = F.one_hot(target, scores.shape[1]).to(scores.dtype)
    return F.cross_entropy(scale * (scores - one_hot * margin), target, reduction="none")


def _check_non_negative(name, value):
    if not value >= 0:
        raise ValueError(f"{name} must be non-negative; got {value!r}.")


def _check_positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be positive; got {value!r}.")


class WeightedBCELoss(PerExampleLoss):
    """Weighted binary cross-entropy (W-BCE): positives weigh ``c * R``, negatives 1.

    ``R`` is the ratio of negatives to positives in the training data (Sangalli et
    al., NeurIPS 2021; their grid for ``c`` was 1, 1/3 and 2/3). As in that paper
    the weights scale the loss: the result is the (sample-weighted) mean of
    ``weight * bce`` over the batch, not a weighted average as in
    :class:`CrossEntropyLoss` with ``class_weight``, which has the same gradient
    direction but a smaller scale. Binary tasks only.

    Parameters
    ----------
    c : float, default=1.0
        Multiplier of the imbalance ratio.
    class_counts : sequence of 2 int or None, default=None
        Training examples per class (negatives, positives); imbnn's estimators that
        pass it: :class:`~imbnn.estimators.ALMClassifier`. ``None`` uses the
        counts of each batch.
    class_weight : sequence of 2 float or None, default=None
        Further per-class factors, applied as in :class:`CrossEntropyLoss` (a weighted
        average over the batch: they shift the balance, not the scale).

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import WeightedBCELoss
    >>> loss = WeightedBCELoss(c=0.5, class_counts=[90, 10])
    >>> # (1 + 4.5) / 2 * log 2
    >>> round(loss(torch.tensor([0.0, 0.0]), torch.tensor([0, 1])).item(), 4)
    1.9062
    """

    binary_only = True

    def __init__(self, c=1.0, class_counts=None, class_weight=None):
        super().__init__()
        _check_positive("c", c)
        self.c = c
        self.class_counts = class_counts
        self.class_weight = class_weight

    @Substitution(**LOSS_DOCS)
    def forward(self, scores, target, sample_weight=None):
        """The loss of a batch: a scalar tensor, differentiable in ``scores``.

        {loss_call}
        """
        if sample_weight is not None or self.class_weight is not None or not isinstance(
            self.class_counts, (list, tuple)
        ):
            return super().forward(scores, target, sample_weight)
        # The common case (ALMClassifier's base loss): training counts known on the host
        # and no weights, in torch's fused call with each example's class weight (a
        # little faster than its pos_weight). The general path costs about 45 us more
        # per batch of 256 inside a training step (benchmarks/bench_loss_in_step.py).
        scores, target, _ = self._check_inputs(scores, target)
        _require_binary(self, scores)
        _refuse_negative_counts(self.class_counts)
        negatives, positives = (max(count, 1) for count in self.class_counts)
        class_weights = _constant_tensor(
            (1.0, self.c * negatives / positives), scores.dtype, scores.device
        )
        return F.binary_cross_entropy_with_logits(
            scores, target.to(scores.dtype), weight=class_weights.index_select(0, target)
        )

    def _per_example(self, scores, target):
        counts = _class_counts(self.class_counts, scores, target)
        positive_weight = self.c * counts[0] / counts[1]
        per_example = cross_entropy_per_example(scores, target)
        return per_example * torch.where(target == 1, positive_weight, 1.0)


class ClassBalancedBCELoss(PerExampleLoss):
    """Class-balanced cross-entropy (CB-BCE) of Cui et al. (CVPR 2019).

    Class ``k`` with ``n_k`` training examples weighs ``(1 - beta) / (1 - beta**n_k)``,
    the inverse of its "effective number" of examples. ``beta=0`` is plain
    cross-entropy, ``beta -> 1`` inverse-frequency weighting. Binary (sigmoid) and
    multi-class (softmax).

    As published and as used by Sangalli et al. (``beta=0.99``), the weights are
    not normalised: at ``beta=0.99`` both classes of a large data set weigh about
    0.01, which scales the whole loss by about 0.01 (with SGD, a 100 times smaller
    step). ``normalize=True`` divides them by their mean over the classes instead,
    as Cui et al.'s released code does.

    Parameters
    ----------
    beta : float in [0, 1), default=0.99
        The paper's value for Sangalli et al.'s experiments.
    class_counts : sequence of int or None, default=None
        Training examples per class; ``None`` uses the counts of each batch.
    normalize : bool, default=False
    class_weight : sequence of float or None, default=None
        Further per-class factors, applied as in :class:`CrossEntropyLoss` (a weighted
        average over the batch: they shift the balance, not the scale).

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import ClassBalancedBCELoss
    >>> loss = ClassBalancedBCELoss(beta=0.5, class_counts=[2, 1])
    >>> # (2/3 + 1) / 2 * log 2
    >>> round(loss(torch.tensor([0.0, 0.0]), torch.tensor([0, 1])).item(), 4)
    0.5776
    """

    def __init__(self, beta=0.99, class_counts=None, normalize=False, class_weight=None):
        super().__init__()
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1); got {beta!r}.")
        self.beta = beta
        self.class_counts = class_counts
        self.normalize = normalize
        self.class_weight = class_weight

    def _per_example(self, scores, target):
        counts = _class_counts(self.class_counts, scores, target)
        # 1 - beta**n as -expm1(n log beta): exact for beta near 1 and large n.
        effective = (
            -torch.expm1(counts * torch.log(counts.new_tensor(self.beta))) if self.beta > 0 else 1.0
        )
        class_weight = (1 - self.beta) / effective * torch.ones_like(counts)
        if self.normalize:
            class_weight = class_weight / class_weight.mean()
        per_example = cross_entropy_per_example(scores, target)
        per_example = per_example * class_weight[target]
        return per_example


class LargeMarginLoss(PerExampleLoss):
    """Symmetric large-margin cross-entropy (S-LM).

    Binary: ``-log sigmoid(z - m)`` for positives and ``-log(1 - sigmoid(z + m))``
    for negatives, so each class is pushed ``m`` beyond the decision boundary
    (Sangalli et al., NeurIPS 2021; their grid for ``m`` was 0.5, 2, 4). Multi-class:
    the softmax cross-entropy with ``m`` subtracted from the true class's logit
    (additive-margin softmax). The result is the mean weighted by
    ``sample_weight * class_weight[y]``, as in :class:`CrossEntropyLoss`.

    Parameters
    ----------
    margin : float >= 0, default=0.5
        The value most often selected in Sangalli et al.'s CIFAR experiments.
    class_weight : sequence of float or None, default=None

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import LargeMarginLoss
    >>> loss = LargeMarginLoss(margin=1.0)
    >>> round(loss(torch.tensor([1.0]), torch.tensor([1])).item(), 4)  # log 2
    0.6931
    """

    def __init__(self, margin=0.5, class_weight=None):
        super().__init__()
        _check_non_negative("margin", margin)
        self.margin = margin
        self.class_weight = class_weight

    def _per_example(self, scores, target):
        if scores.ndim == 1:
            return _binary_margin_log_loss(scores, target == 1, self.margin, self.margin)
        return _margin_cross_entropy(scores, target, self.margin)


class AsymmetricLargeMarginLoss(LargeMarginLoss):
    """Asymmetric large-margin cross-entropy (A-LM): the margin on positives only.

    ``-log sigmoid(z - m)`` for positives, plain ``-log(1 - sigmoid(z))`` for
    negatives (Sangalli et al., NeurIPS 2021). Binary tasks only.

    Parameters
    ----------
    margin : float >= 0, default=0.5
    class_weight : sequence of 2 float or None, default=None

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import AsymmetricLargeMarginLoss
    >>> loss = AsymmetricLargeMarginLoss(margin=1.0)
    >>> round(loss(torch.tensor([1.0, 0.0]), torch.tensor([1, 0])).item(), 4)  # log 2
    0.6931
    """

    binary_only = True

    def _per_example(self, scores, target):
        return _binary_margin_log_loss(scores, target == 1, self.margin, 0.0)


def _focal_terms(log_p, log_one_minus_p, gamma):
    """``-(1 - p)**gamma * log p``, with ``(1 - p)**gamma`` as ``exp(gamma log(1 - p))``.

    ``pow(1 - p, gamma)`` has an infinite derivative at ``p = 1`` for ``gamma < 1``
    (NaN gradients at large logits); the exponential of a finite log does not.
    """
    return -torch.exp(gamma * log_one_minus_p) * log_p


class FocalLoss(PerExampleLoss):
    """Symmetric focal loss (S-FL) of Lin et al. (ICCV 2017), without the alpha factor.

    ``-(1 - p_y)**gamma * log p_y`` with ``p_y`` the predicted probability of the
    true class (sigmoid for binary scores, softmax for multi-class): well-classified
    examples are down-weighted, so training focuses on the hard ones. ``gamma=0`` is
    the cross-entropy. Sangalli et al.'s grid was 0.5, 1, 2. The result is the mean
    weighted by ``sample_weight * class_weight[y]``.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
        Lin et al.'s default.
    class_weight : sequence of float or None, default=None
        Per-class factors (Lin et al.'s alpha, for the binary case ``[1 - alpha, alpha]``).

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import FocalLoss
    >>> round(FocalLoss(gamma=1.0)(torch.tensor([0.0]), torch.tensor([1])).item(), 4)  # 0.5 log 2
    0.3466
    """

    def __init__(self, gamma=2.0, class_weight=None):
        super().__init__()
        _check_non_negative("gamma", gamma)
        self.gamma = gamma
        self.class_weight = class_weight

    def _per_example(self, scores, target):
        if scores.ndim == 1:
            # Log-probability of the true class and of its complement, from the signed logit.
            signed = torch.where(target == 1, scores, -scores)
            per_example = _focal_terms(F.logsigmoid(signed), F.logsigmoid(-signed), self.gamma)
        else:
            log_p = F.log_softmax(scores, dim=1).gather(1, target[:, None])[:, 0]
            true_class = F.one_hot(target, scores.shape[1]).bool()
            # log(1 - p_y) = logsumexp of the other logits - logsumexp of all: finite gradients.
            log_rest = scores.masked_fill(true_class, float("-inf")).logsumexp(
                1
            ) - scores.logsumexp(1)
            per_example = _focal_terms(log_p, log_rest, self.gamma)
        return per_example


class AsymmetricFocalLoss(FocalLoss):
    """Asymmetric focal loss (A-FL): plain log-loss on positives, focal factor on negatives.

    ``-log sigmoid(z)`` for positives and ``-sigmoid(z)**gamma * log(1 - sigmoid(z))``
    for negatives (Sangalli et al., NeurIPS 2021): easy negatives are down-weighted
    while every positive keeps its full loss. Binary tasks only.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
    class_weight : sequence of 2 float or None, default=None

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import AsymmetricFocalLoss
    >>> loss = AsymmetricFocalLoss(gamma=1.0)
    >>> # (1 + 0.5) / 2 * log 2
    >>> round(loss(torch.tensor([0.0, 0.0]), torch.tensor([1, 0])).item(), 4)
    0.5199
    """

    binary_only = True

    def _per_example(self, scores, target):
        positive = target == 1
        focal_negative = _focal_terms(F.logsigmoid(-scores), F.logsigmoid(scores), self.gamma)
        return torch.where(positive, F.softplus(-scores), focal_negative)


class LDAMLoss(PerExampleLoss):
    """Label-distribution-aware margin loss (LDAM) of Cao et al. (NeurIPS 2019).

    Cross-entropy on ``scale * (scores - Delta_y on the true class)`` with a larger
    margin for rarer classes: ``Delta_k = C / n_k**(1/4)``, ``C`` set so that the
    largest margin is ``max_margin``. Cao et al. compute the scores with a
    normalised last layer (cosine similarities in [-1, 1]) and scale them by
    ``s = 30``; give such a network, or use ``scale=1`` on ordinary logits. For a
    binary score ``z`` (class 1's score minus class 0's) the loss is
    ``softplus(-scale (z - Delta_1))`` for positives and
    ``softplus(scale (z + Delta_0))`` for negatives: the two-logit LDAM. The result
    is the mean weighted by ``sample_weight * class_weight[y]``.

    Parameters
    ----------
    max_margin : float > 0, default=0.5
        Margin of the rarest class (Cao et al.'s and Sangalli et al.'s value).
    scale : float > 0, default=30.0
    class_counts : sequence of int or None, default=None
        Training examples per class; ``None`` uses the counts of each batch.
    class_weight : sequence of float or None, default=None

    Examples
    --------
    >>> import torch
    >>> from imbnn.losses import LDAMLoss
    >>> loss = LDAMLoss(max_margin=0.5, scale=1.0, class_counts=[16, 1])
    >>> round(loss(torch.tensor([0.5]), torch.tensor([1])).item(), 4)  # margin 0.5: log 2
    0.6931
    """

    def __init__(self, max_margin=0.5, scale=30.0, class_counts=None, class_weight=None):
        super().__init__()
        _check_positive("max_margin", max_margin)
        _check_positive("scale", scale)
        self.max_margin = max_margin
        self.scale = scale
        self.class_counts = class_counts
        self.class_weight = class_weight

    def margins(self, scores, target):
        """Each class's margin ``Delta_k`` (from the batch's counts if none were given).

        Parameters
        ----------
        scores : torch.Tensor of shape (n,) or (n, n_classes)
            The batch's scores; only their shape and device are used.
        target : torch.Tensor of shape (n,)
            Class indices, counted when ``class_counts`` was not given.

        Returns
        -------
        torch.Tensor of shape (n_classes,)
            ``max_margin * n_k ** -0.25``, scaled so that the largest is ``max_margin``.
        """
        counts = _class_counts(self.class_counts, scores, target)
        inverse_root = counts**-0.25
        return self.max_margin * inverse_root / inverse_root.max()

    def _per_example(self, scores, target):
        margin = self.margins(scores, target)
        if scores.ndim == 1:
            per_example = _binary_margin_log_loss(
                scores, target == 1, margin[1], margin[0], self.scale
            )
        else:
            per_example = _margin_cross_entropy(scores, target, margin, self.scale)
        return per_example
