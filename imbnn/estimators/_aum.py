"""AUMClassifier: a network trained on the AUM loss, with monotone calibrated probabilities."""

import numpy as np
import torch

from ..losses import AUMLoss
from ..utils._compat import StrOptions
from ..utils._docstring import NET_DOCS, Substitution
from ._base import BaseNetClassifier
from ._calibration import MonotoneCalibrator

__all__ = ["AUMClassifier", "calibration_rows"]


def calibration_rows(validation_rows, y_encoded, sample_weight, n_classes):
    """Rows to calibrate on: the validation rows, or all rows when a class lacks weight there.

    A handful of validation positives, or positives of zero weight, cannot fit a
    probability map; the training rows' scores are optimistic but rank the same way.
    """
    if validation_rows is not None:
        weight = np.ones(len(validation_rows)) if sample_weight is None else sample_weight[validation_rows]
        per_class = np.bincount(y_encoded[validation_rows], weights=weight, minlength=n_classes)
        if (per_class > 0).all():
            return validation_rows
    return np.arange(len(y_encoded))


@Substitution(**NET_DOCS)
class AUMClassifier(BaseNetClassifier):
    """Neural-network classifier trained on the Area Under Min(FPR, FNR).

    AUM (Hillman & Hocking, JMLR 2023) is a sort-based surrogate of the ROC curve:
    minimising it raises the ROC AUC directly. Multi-class tasks use the
    one-vs-rest AUM of each class's output, averaged over classes (imbnn's extension).

    AUM is unchanged by adding a constant to all scores and scales with them, so the
    network's scores locate no threshold and carry no probability scale. After
    training, a logistic map with a positive slope per class (Platt scaling kept
    monotone) is fitted on the validation rows' scores (on all training rows when
    there is no validation split or a class has no weight in it).
    ``decision_function`` returns the calibrated logit, ``predict_proba`` its
    probabilities and ``predict`` the class they favour: all three rank rows as the
    network's scores do, which :meth:`raw_decision_function` returns.

    Parameters
    ----------
    {module_parameter}
    variant : {"rate", "count"}, default="rate"
        ``"rate"`` integrates min(FPR, FNR) (independent of batch size; best with
        LeNet5 on MNIST in the paper); ``"count"`` integrates min(FP, FN).
    {hidden_layer_sizes}
    {max_epochs}
    {batch_size}
    {lr}
    {optimizer}
    {validation_fraction}
        The validation rows also calibrate the probabilities.
    {patience}
    average_best_epochs : int or None, default=5
        The fit ends with the element-wise mean of the weights of this many epochs
        of best validation score, instead of the single best epoch's: with a
        handful of validation positives the best epoch is partly chosen by chance.
        Chosen with ``min_per_class=16`` on a panel of imbalanced tables (see
        :doc:`/user_guide/defaults`); None keeps the best epoch. The fit holds
        this many copies of the weights. Needs a validation split; without one the
        last weights are kept.
    scoring : str or callable, default="roc_auc"
        The validation measure that chooses the epoch. It must be a ranking
        measure (``"roc_auc"``, ``"average_precision"``, ``"neg_fpr_at_tpr_95"``...):
        probabilities exist only after the calibration that ends fit.
    min_per_class : int or None, default=16
        Each training batch holds at least this many examples of every class (a
        class short of them in a batch is topped up with its rows drawn at random):
        AUM is zero, with no gradient, on a batch with one class, and its gradient
        on a batch with one or two positives is mostly noise. 16 was chosen with
        ``average_best_epochs=5`` on binary tables; with many classes a batch grows
        to at least ``16 * n_classes`` rows. None draws plain shuffled batches.
    {random_state}
    {device}
    {verbose}
    {callbacks}
    {warm_start}
    {kwargs}

    Attributes
    ----------
    {net_attributes}
    calibrator_ : MonotoneCalibrator
        Maps the network's scores to calibrated logits and probabilities.

    See Also
    --------
    NetClassifier : ``NetClassifier(class_weight="balanced")`` is the weighted
        logistic baseline AUM is compared with.
    imbnn.metrics.aum_score : the AUM of any classifier's scores.

    References
    ----------
    .. [1] J. Hillman and T. D. Hocking, "Optimizing ROC Curves with a Sort-Based
       Surrogate Loss for Binary Classification and Changepoint Detection", Journal
       of Machine Learning Research 24(70), 2023.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbnn.estimators import AUMClassifier
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = AUMClassifier(max_epochs=20, random_state=0).fit(X, y)
    >>> clf.decision_function(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    """

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "variant": [StrOptions({"rate", "count"})],
    }

    def __init__(
        self,
        module=None,
        *,
        variant="rate",
        hidden_layer_sizes=(100,),
        max_epochs=100,
        batch_size=256,
        lr=1e-2,
        optimizer=torch.optim.Adam,
        validation_fraction=0.1,
        patience=10,
        average_best_epochs=5,
        scoring="roc_auc",
        min_per_class=16,
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
        self.variant = variant

    def _build_loss(self):
        return AUMLoss(variant=self.variant)

    def _fit(self, X, y, sample_weight, classes, continuing, epochs):
        # A calibrator of an earlier fit does not fit the scores of this one.
        vars(self).pop("calibrator_", None)
        return super()._fit(X, y, sample_weight, classes, continuing, epochs)

    def _after_fit(self, X, y_encoded, sample_weight):
        rows = calibration_rows(self.validation_indices_, y_encoded, sample_weight, len(self.classes_))
        scores = self._raw_scores(X[rows])
        weight = None if sample_weight is None else sample_weight[rows]
        try:
            self.calibrator_ = MonotoneCalibrator(len(self.classes_)).fit(
                scores, y_encoded[rows], weight
            )
        except ValueError as error:
            raise ValueError(
                f"AUMClassifier's probability calibration failed after training: {error}"
            ) from None

    def raw_decision_function(self, X):
        """The network's scores, before calibration: ``(n,)`` binary, ``(n, K)`` otherwise.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            AUM's scores; only their order is meaningful.
        """
        return self._raw_scores(self._validated_X(X))

    def decision_function(self, X):
        """Calibrated logits: a monotone (increasing) map of the network's scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Positive where ``classes_[1]`` is the more probable class (binary).
        """
        scores = self.raw_decision_function(X)
        return self.calibrator_.decision_function(scores)

    def predict_proba(self, X):
        """Probabilities calibrated on held-out scores (see the class description).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to score.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            One column per class of ``classes_``.
        """
        return self._probabilities_from_scores(self.raw_decision_function(X))

    def _probabilities_from_scores(self, scores):
        if not hasattr(self, "calibrator_"):
            raise ValueError(
                "AUMClassifier's scores have no probability scale before the calibration that "
                "ends fit, so a validation scoring that needs probabilities or predictions "
                "cannot choose the epoch; use a ranking measure such as 'roc_auc', "
                "'average_precision' or 'neg_fpr_at_tpr_95'."
            )
        return self.calibrator_.predict_proba(scores)
