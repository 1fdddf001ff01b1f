"""AUMClassifier: a network trained on the AUM loss, with calibrated probabilities."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import StrOptions

from ..losses import AUMLoss
from ._base import BaseNetClassifier

__all__ = ["AUMClassifier"]


class AUMClassifier(BaseNetClassifier):
    """Neural-network classifier trained on the Area Under Min(FPR, FNR).

    AUM (Hillman & Hocking, JMLR 2023) is a sort-based surrogate of the ROC curve:
    minimising it raises the ROC AUC directly. Multi-class tasks use the
    one-vs-rest AUM of each class's output, averaged over classes (imbnn's extension).

    AUM is unchanged by adding a constant to all scores and scales with them, so the
    network's scores locate no threshold and carry no probability scale.
    ``decision_function`` returns them raw; ``predict_proba`` maps them to
    probabilities with a logistic regression fitted on the validation split's scores
    (Platt scaling; on the training scores when ``validation_fraction=0``), and
    ``predict`` takes the most probable class.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        See :class:`~imbnn.estimators.BaseNetClassifier`.
    variant : {"rate", "count"}, default="rate"
        ``"rate"`` integrates min(FPR, FNR) (independent of batch size; best with
        LeNet5 on MNIST in the paper); ``"count"`` integrates min(FP, FN).
    min_per_class : int or None, default=1
        Each training batch holds at least this many examples of every class:
        AUM is zero, with no gradient, on a batch with one class.
    **kwargs
        The parameters of :class:`~imbnn.estimators.BaseNetClassifier`. Its
        ``scoring`` must be a ranking measure (``"roc_auc"``,
        ``"average_precision"``, ``"neg_fpr_at_tpr_95"``, ...): the probabilities
        exist only after training.

    Attributes
    ----------
    calibrator_ : LogisticRegression
        Maps the network's scores to probabilities.
    classes_, n_features_in_, feature_names_in_, module_, history_, best_epoch_, n_epochs_
        As in :class:`~imbnn.estimators.NetClassifier`.

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

    def __init__(self, module=None, *, variant="rate", min_per_class=1, **kwargs):
        super().__init__(module, min_per_class=min_per_class, **kwargs)
        self.variant = variant

    def _build_loss(self):
        return AUMLoss(variant=self.variant)

    def _after_fit(self, X, y_encoded, sample_weight):
        rows = self.validation_indices_
        if rows is None:
            rows = np.arange(len(y_encoded))
        scores = self._raw_scores(X[rows])
        features = scores.reshape(len(rows), -1)
        weight = None if sample_weight is None else sample_weight[rows]
        self.calibrator_ = LogisticRegression(C=1e4, max_iter=1000)
        self.calibrator_.fit(features, y_encoded[rows], sample_weight=weight)

    def predict_proba(self, X):
        """Probabilities calibrated on held-out scores (see the class description).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return super().predict_proba(X)

    def _fit(self, X, y, sample_weight, continuing):
        # A calibrator of an earlier fit does not fit the scores of this one.
        vars(self).pop("calibrator_", None)
        return super()._fit(X, y, sample_weight, continuing)

    def _probabilities_from_scores(self, scores):
        if not hasattr(self, "calibrator_"):
            raise ValueError(
                "AUMClassifier's scores have no probability scale before the calibration that "
                "ends fit, so a validation scoring that needs probabilities or predictions "
                "cannot choose the epoch; use a ranking measure such as 'roc_auc', "
                "'average_precision' or 'neg_fpr_at_tpr_95'."
            )
        probabilities = self.calibrator_.predict_proba(scores.reshape(len(scores), -1))
        if probabilities.shape[1] == len(self.classes_):
            return probabilities
        # The held-out rows lacked some class: give it probability 0.
        full = np.zeros((len(scores), len(self.classes_)))
        full[:, self.calibrator_.classes_] = probabilities
        return full
