"""FeaturelessClassifier: the baseline that ignores the features."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._compat import check_estimator_parameters, check_sample_weight

__all__ = ["FeaturelessClassifier"]


class FeaturelessClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the most frequent training class, whatever the features.

    mlr3's featureless learner: ``predict`` returns the most frequent class of the
    training labels (ties broken at random with ``random_state``) and
    ``predict_proba`` the training class frequencies, so its ROC AUC is 0.5. It is
    the baseline a learner must beat to show that it uses the features at all;
    scikit-learn's ``DummyClassifier(strategy="prior")`` is the same up to ties.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Breaks ties between equally frequent classes.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_prior_ : ndarray of shape (n_classes,)
        (Weighted) training frequency of each class.
    majority_class_ : object
        The class ``predict`` returns.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from imbnn.estimators import FeaturelessClassifier
    >>> clf = FeaturelessClassifier().fit([[0], [1], [2], [3]], ["a", "b", "b", "b"])
    >>> clf.predict([[5]]), clf.predict_proba([[5]]).tolist()
    (array(['b'], dtype='<U1'), [[0.25, 0.75]])
    """

    _parameter_constraints = {"random_state": ["random_state"]}

    def __init__(self, random_state=None):
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        tags.classifier_tags.poor_score = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Store the class frequencies of ``y``; ``X`` only fixes the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        check_estimator_parameters(self)
        X, y = validate_data(
            self, X, y, accept_sparse=True, ensure_all_finite=False, dtype="numeric", allow_nd=True
        )
        check_classification_targets(y)
        sample_weight = check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        totals = np.bincount(y_encoded, weights=sample_weight, minlength=len(self.classes_))
        if totals.sum() <= 0:
            raise ValueError("FeaturelessClassifier: the sample weights sum to zero.")
        self.class_prior_ = totals / totals.sum()
        most_frequent = np.flatnonzero(self.class_prior_ == self.class_prior_.max())
        self.majority_class_ = self.classes_[
            check_random_state(self.random_state).choice(most_frequent)
        ]
        return self

    def predict_proba(self, X):
        """Training class frequencies for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=True, ensure_all_finite=False, dtype="numeric", allow_nd=True, reset=False
        )
        return np.tile(self.class_prior_, (X.shape[0], 1))

    def predict(self, X):
        """The majority training class for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=True, ensure_all_finite=False, dtype="numeric", allow_nd=True, reset=False
        )
        return np.full(X.shape[0], self.majority_class_, dtype=self.classes_.dtype)
