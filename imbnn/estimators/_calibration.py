"""Monotone probability calibration of ranking scores (AUM has no probability scale).

AUM is unchanged when a constant is added to every score and scales with them, so
a network trained on it needs a map from scores to probabilities. Platt's logistic
map (Platt, 1999) fitted freely can get a negative slope on a handful of validation
positives, and then ``predict_proba`` ranks backwards. Here the slope is kept
strictly positive (optimised as ``exp(theta)``), so probabilities always rank as the
scores do, and Platt's smoothed targets keep the map finite on separable scores.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

__all__ = ["MonotoneCalibrator"]

# Bounds of log(slope) in standardised units: slopes from 2e-9 to 5e8 per standard
# deviation of the scores; beyond them probabilities are constant or a step anyway.
_LOG_SLOPE_BOUNDS = (-20.0, 20.0)


def _platt_fit(z, is_positive, weight):
    """(log slope, intercept) of a positive-slope logistic map of standardised scores ``z``."""
    n_pos, n_neg = weight[is_positive].sum(), weight[~is_positive].sum()
    # Platt's targets: (N+ + 1) / (N+ + 2) and 1 / (N- + 2), with weighted counts.
    target = np.where(is_positive, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    total = weight.sum()

    def loss_and_gradient(params):
        log_slope, intercept = params
        slope = np.exp(log_slope)
        logit = slope * z + intercept
        loss = -(weight * (target * log_expit(logit) + (1 - target) * log_expit(-logit))).sum()
        residual = weight * (expit(logit) - target)
        gradient = np.array([(residual * z).sum() * slope, residual.sum()])
        return loss / total, gradient / total

    prior = np.log((n_pos + 1) / (n_neg + 1))
    newton = _newton_platt(z, target, weight / total, prior)
    if newton is not None and newton[0] > 0:
        slope, intercept = newton
        if _LOG_SLOPE_BOUNDS[0] <= np.log(slope) <= _LOG_SLOPE_BOUNDS[1]:
            return np.array([np.log(slope), intercept])
    # The free optimum has a slope <= 0 (the scores rank backwards on these rows):
    # the constrained one lies at a small positive slope, found by bounded L-BFGS.
    result = minimize(
        loss_and_gradient, x0=[0.0, prior], jac=True, method="L-BFGS-B",
        bounds=[_LOG_SLOPE_BOUNDS, (None, None)],
    )
    if not np.all(np.isfinite(result.x)):
        raise ValueError(
            f"Calibration failed: the logistic map of the scores did not converge ({result.message})."
        )
    return result.x


def _newton_platt(z, target, weight, intercept, max_iter=50):
    """(slope, intercept) minimising the weighted log-loss against soft ``target``, by Newton.

    Platt's smoothed targets keep the loss strictly convex with a finite minimum, so
    a few Newton steps (each O(n), with step halving) replace a quasi-Newton fit.
    Each trial point costs one logistic pass: the loss is written with one
    ``log_expit``, and the probabilities of an accepted point are those of its
    loss. Returns None when it does not converge.
    """
    weighted_misses = weight * (1 - target)

    def loss_and_probability(params):
        logit = params[0] * z + params[1]
        log_p = log_expit(logit)
        # -(t log p + (1 - t) log(1 - p)), with log(1 - p) = log p - logit.
        return weighted_misses @ logit - weight @ log_p, log_p

    params = np.array([0.0, intercept])
    current, log_p = loss_and_probability(params)
    for _ in range(max_iter):
        p = np.exp(log_p)
        residual = weight * (p - target)
        gradient = np.array([residual @ z, residual.sum()])
        curvature = weight * p * (1 - p)
        curvature_z = curvature * z
        hessian = np.array(
            [[curvature_z @ z, curvature_z.sum()], [curvature_z.sum(), curvature.sum()]]
        )
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return None
        scale = 1.0
        while scale > 1e-8:
            candidate = params - scale * step
            value, candidate_log_p = loss_and_probability(candidate)
            if value <= current:
                break
            scale /= 2
        else:
            return params
        converged = abs(current - value) <= 1e-12 * max(1.0, abs(value))
        params, current, log_p = candidate, value, candidate_log_p
        if converged or np.abs(gradient).max() < 1e-10:
            return params
    return None


class MonotoneCalibrator:
    """Per-class logistic maps with positive slopes, from scores to probabilities.

    Binary scores ``(n,)`` get one map ``p = sigmoid(a s + b)`` with ``a > 0``.
    Multi-class scores ``(n, K)`` get one one-vs-rest map per column, normalised to
    sum to 1 over classes; the calibrated logit of class ``k`` is ``a_k s_k + b_k``.

    Parameters
    ----------
    n_classes : int
        Number of classes of the task (2 for binary scores).
    """

    def __init__(self, n_classes):
        self.n_classes = n_classes

    def fit(self, scores, y_encoded, sample_weight=None):
        """Fit the maps on held-out ``scores`` of rows of encoded class ``y_encoded``.

        Raises a ``ValueError`` naming the class when a class has no (weighted) row:
        callers fall back to other rows before that.
        """
        scores = np.asarray(scores, dtype=np.float64)
        y_encoded = np.asarray(y_encoded)
        weight = np.ones(len(y_encoded)) if sample_weight is None else np.asarray(sample_weight, float)
        columns = scores.reshape(len(scores), -1)
        binary = columns.shape[1] == 1
        # Weighted statistics: a row of weight 2 calibrates like two copies of it.
        self.center_ = np.average(columns, axis=0, weights=weight)
        scale = np.sqrt(np.average((columns - self.center_) ** 2, axis=0, weights=weight))
        self.scale_ = np.where(scale > 0, scale, 1.0)
        standardised = (columns - self.center_) / self.scale_
        self.log_slope_ = np.empty(columns.shape[1])
        self.intercept_ = np.empty(columns.shape[1])
        for column in range(columns.shape[1]):
            label = 1 if binary else column
            is_positive = y_encoded == label
            for side, name in ((is_positive, "this class"), (~is_positive, "the other classes")):
                if weight[side].sum() <= 0:
                    raise ValueError(
                        f"Calibration failed: encoded class {label} has no row of {name} with "
                        "positive sample weight among the calibration rows."
                    )
            self.log_slope_[column], self.intercept_[column] = _platt_fit(
                standardised[:, column], is_positive, weight
            )
        return self

    def decision_function(self, scores):
        """Calibrated logits: ``(n,)`` for binary scores, ``(n, K)`` otherwise."""
        scores = np.asarray(scores, dtype=np.float64)
        columns = scores.reshape(len(scores), -1)
        logits = np.exp(self.log_slope_) * (columns - self.center_) / self.scale_ + self.intercept_
        return logits[:, 0] if scores.ndim == 1 else logits

    def predict_proba(self, scores):
        """Probabilities of shape ``(n, n_classes)``."""
        logits = self.decision_function(scores)
        if logits.ndim == 1:
            positive = expit(logits)
            return np.column_stack([1 - positive, positive])
        probabilities = expit(logits)
        return probabilities / probabilities.sum(axis=1, keepdims=True)
