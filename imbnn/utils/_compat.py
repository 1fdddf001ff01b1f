"""The one place where imbnn imports private names of scikit-learn and skorch.

scikit-learn's parameter-validation helpers (``Interval``, ``StrOptions``...),
``_check_sample_weight`` and ``_safe_indexing`` are what its own estimators and
imbalanced-learn use, but they are private: their location and signature may change
between releases. Importing them here only, as imbalanced-learn does with
``sklearn-compat``, keeps every such dependency in one file, to be adapted when the
supported version range moves.
"""

from sklearn.utils import _safe_indexing
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

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "RealNotInt",
    "StrOptions",
    "validate_parameter_constraints",
    "validate_params",
    "_check_method_params",
    "_check_sample_weight",
    "_num_samples",
    "_safe_indexing",
]
