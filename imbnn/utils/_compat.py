"""The one place where imbnn imports private names of scikit-learn and skorch.

scikit-learn's parameter-validation helpers (``Interval``, ``StrOptions``...),
``_check_sample_weight`` and ``_safe_indexing`` are what its own estimators and
imbalanced-learn use, but they are private: their location and signature may change
between releases. Importing them here only, as imbalanced-learn does with
``sklearn-compat``, keeps every such dependency in one file, to be adapted when the
supported version range moves.
"""

from collections import namedtuple

from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import _safe_indexing
from sklearn.utils._metadata_requests import UNCHANGED, RequestMethod
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    _num_samples,
)

# Public names for the private helpers, so that the rest of imbnn imports no
# underscore name at all.
check_sample_weight = _check_sample_weight
check_method_params = _check_method_params
num_samples = _num_samples
safe_indexing = _safe_indexing

def check_estimator_parameters(estimator):
    """Validate ``estimator``'s parameters against its ``_parameter_constraints``.

    What ``BaseEstimator._validate_params`` (a private method) does, through the
    validation function scikit-learn exposes.
    """
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )


def parameter_names(estimator_class):
    """The constructor's parameter names, as ``get_params`` reads them (sorted)."""
    return estimator_class._get_param_names()


ScorerParts = namedtuple("ScorerParts", "score_func sign kwargs response_method")


def scorer_parts(scorer):
    """The metric, sign, keyword arguments and response method of a ``make_scorer`` scorer.

    scikit-learn keeps them in private attributes; imbnn's threshold search needs
    them to compute a scorer's value from confusion matrices. Returns None for any
    other callable.
    """
    if not isinstance(scorer, _BaseScorer):
        return None
    return ScorerParts(
        scorer._score_func, scorer._sign, dict(scorer._kwargs), scorer._response_method
    )


__all__ = [
    "ScorerParts",
    "UNCHANGED",
    "RequestMethod",
    "scorer_parts",
    "HasMethods",
    "Interval",
    "Options",
    "RealNotInt",
    "StrOptions",
    "validate_parameter_constraints",
    "validate_params",
    "check_estimator_parameters",
    "parameter_names",
    "check_method_params",
    "check_sample_weight",
    "num_samples",
    "safe_indexing",
]
