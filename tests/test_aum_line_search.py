"""The exact AUM line search against direct evaluations of AUM and ROC AUC."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from imbnn import _aum_line_search
from imbnn._aum_line_search import aum_line_search
from imbnn.metrics import aum_score

TOL = 1e-9


def direct_aum(scores, slopes, y, step, weight=None, variant="rate"):
    return aum_score(y, scores + step * slopes, variant=variant, sample_weight=weight)


def random_problem(seed, n=40, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.r_[np.zeros(n - n // 4, int), np.ones(n // 4, int)])
    scores = rng.normal(size=n)
    slopes = rng.normal(size=n) + 1.5 * (y - 0.5)  # a direction that mostly helps
    if ties:
        scores = np.round(scores * 2) / 2
        slopes = np.round(slopes * 2) / 2
    return scores, slopes, y


def full_walk(scores, slopes, y, weight=None, variant="rate"):
    return aum_line_search(
        scores, slopes, y == 1, weight, variant=variant, method="linear", max_crossings=np.inf,
        return_path=True,
    )


def assert_path_is_aum(scores, slopes, y, weight=None, variant="rate"):
    """AUM at every breakpoint, midpoint and beyond the last; ROC AUC on each piece."""
    result = full_walk(scores, slopes, y, weight, variant)
    steps = result.steps
    assert np.all(np.diff(steps) > 0)
    for k, step in enumerate(steps):
        assert result.aum_values[k] == pytest.approx(
            direct_aum(scores, slopes, y, step, weight, variant), abs=TOL
        )
        after = steps[k + 1] if k + 1 < len(steps) else step + 1.0
        middle = (step + after) / 2
        assert result.aum_values[k] + result.slopes[k] * (middle - step) == pytest.approx(
            direct_aum(scores, slopes, y, middle, weight, variant), abs=TOL
        )
        assert result.auc_values[k] == pytest.approx(
            roc_auc_score(y, scores + middle * slopes, sample_weight=weight), abs=TOL
        )
    return result


def brute_force_first_min(scores, slopes, y, weight=None, variant="rate"):
    """First local minimum of AUM over s >= 0, from every pairwise crossing (O(n^2))."""
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = (scores[None, :] - scores[:, None]) / (slopes[:, None] - slopes[None, :])
    candidates = np.unique(np.r_[0.0, crossing[np.isfinite(crossing) & (crossing > 0)]])
    values = np.array([direct_aum(scores, slopes, y, s, weight, variant) for s in candidates])
    for k in range(len(candidates) - 1):
        if values[k + 1] > values[k] + 1e-12:
            return candidates[k], values[k]
    return candidates[-1], values[-1]


@pytest.mark.parametrize("variant", ["rate", "count"])
@pytest.mark.parametrize("seed", range(3))
def test_path_equals_direct_evaluation_along_random_directions(seed, variant):
    scores, slopes, y = random_problem(seed, n=30)
    result = assert_path_is_aum(scores, slopes, y, variant=variant)
    # Every pair of lines with different slopes crosses once at some s, once at most.
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = (scores[None, :] - scores[:, None]) / (slopes[:, None] - slopes[None, :])
    assert result.n_crossings == int((crossing > 0).sum() // 2)


def test_path_with_sample_weights():
    scores, slopes, y = random_problem(7, n=30)
    weight = np.random.default_rng(7).uniform(0.1, 3, size=len(y))
    for variant in ("rate", "count"):
        assert_path_is_aum(scores, slopes, y, weight, variant)


@pytest.mark.parametrize("variant", ["rate", "count"])
@pytest.mark.parametrize("seed", range(6))
def test_first_min_is_the_first_local_minimum_of_a_direct_evaluation(seed, variant):
    scores, slopes, y = random_problem(seed + 10, n=30)
    slopes = slopes + np.random.default_rng(seed).normal(size=len(y))  # rougher paths
    result = aum_line_search(scores, slopes, y == 1, variant=variant)
    expected_step, expected_aum = brute_force_first_min(scores, slopes, y, variant=variant)
    assert result.step == pytest.approx(expected_step, rel=1e-9, abs=1e-12)
    assert result.aum == pytest.approx(expected_aum, abs=TOL)
    assert result.aum == pytest.approx(direct_aum(scores, slopes, y, result.step, variant=variant))


def test_first_min_against_a_dense_grid():
    scores, slopes, y = random_problem(3, n=60)
    result = aum_line_search(scores, slopes, y == 1)
    grid = np.linspace(0, 3 * result.step, 3001)
    values = np.array([direct_aum(scores, slopes, y, s) for s in grid])
    first_rise = np.flatnonzero(np.diff(values) > 1e-12)[0]
    assert grid[first_rise - 1] <= result.step <= grid[first_rise + 1]
    assert result.aum <= values[: first_rise + 1].min() + TOL


def test_duplicate_rows_stay_tied_and_count_twice():
    scores, slopes, y = random_problem(5, n=20)
    rows = np.r_[np.arange(20), np.arange(0, 20, 3)]  # every third line twice
    result = assert_path_is_aum(scores[rows], slopes[rows], y[rows])
    weight = np.bincount(rows, minlength=20).astype(float)
    weighted = full_walk(scores, slopes, y, weight)
    np.testing.assert_allclose(result.steps, weighted.steps, rtol=1e-12)
    np.testing.assert_allclose(result.aum_values, weighted.aum_values, atol=TOL)
    np.testing.assert_allclose(result.auc_values, weighted.auc_values, atol=TOL)
    first = aum_line_search(scores[rows], slopes[rows], y[rows] == 1)
    assert first.step == pytest.approx(
        brute_force_first_min(scores[rows], slopes[rows], y[rows])[0], rel=1e-9
    )


def test_equal_scores_at_step_zero_are_ordered_by_slope():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(12, int), np.ones(6, int)]
    for scores in (np.zeros(18), np.repeat([0.0, 1.0, 2.0], 6)):
        slopes = rng.normal(size=18)
        result = assert_path_is_aum(scores, slopes, y)
        # At s = 0 the tied lines have AUM 0 among themselves: only distinct values count.
        assert result.aum_values[0] == pytest.approx(aum_score(y, scores))


def test_several_lines_crossing_at_one_point():
    # Eight lines through (s=1, score=0.5), three other lines; all values exact in binary.
    through = np.array([-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0])
    slopes = np.r_[through, [0.25, -0.75, 1.5]]
    scores = np.r_[0.5 - through, [0.0, 2.0, -3.0]]
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0])
    result = assert_path_is_aum(scores, slopes, y)
    assert np.sum(np.isclose(result.steps, 1.0, rtol=0, atol=1e-12)) == 1  # one breakpoint
    for variant in ("rate", "count"):
        first = aum_line_search(scores, slopes, y == 1, variant=variant)
        assert first.step == pytest.approx(
            brute_force_first_min(scores, slopes, y, variant=variant)[0], rel=1e-9
        )


def test_parallel_lines_never_cross():
    y = np.array([0, 0, 1, 1, 0, 1])
    scores = np.array([0.0, 1.0, 2.0, -1.0, 0.5, 3.0])
    slopes = np.array([1.0, 1.0, 1.0, 1.0, -2.0, -2.0])
    result = assert_path_is_aum(scores, slopes, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = (scores[None, :] - scores[:, None]) / (slopes[:, None] - slopes[None, :])
    assert result.n_crossings == int((np.isfinite(crossing) & (crossing > 0)).sum() // 2) == 6
    identical = assert_path_is_aum(np.zeros(6), np.ones(6), y)
    assert identical.n_crossings == 0 and identical.aum_values.tolist() == [0.0]


def test_rounded_ties_everywhere():
    for seed in range(3):
        scores, slopes, y = random_problem(seed, n=30, ties=True)
        assert_path_is_aum(scores, slopes, y)
        first = aum_line_search(scores, slopes, y == 1)
        assert first.aum == pytest.approx(direct_aum(scores, slopes, y, first.step), abs=TOL)
        assert first.aum <= brute_force_first_min(scores, slopes, y)[1] + TOL


def test_a_separating_direction_reaches_zero_aum_without_ties():
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(30, int), np.ones(5, int)]
    scores = rng.normal(size=35)
    slopes = np.where(y == 1, 1.0, -1.0) + 0.1 * rng.normal(size=35)
    result = aum_line_search(scores, slopes, y == 1)
    assert result.aum == 0.0 or result.aum < 1e-12
    assert direct_aum(scores, slopes, y, result.step) == pytest.approx(0.0, abs=1e-12)
    # The step is inside the zero stretch, not at a crossing: the AUC there is exactly 1.
    assert roc_auc_score(y, scores + result.step * slopes) == 1.0


def test_an_ascent_direction_gives_step_zero():
    scores, slopes, y = random_problem(2)
    result = aum_line_search(scores, -np.where(y == 1, 1.0, -1.0), y == 1)
    assert result.step == 0.0 and result.slopes[0] > 0
    assert result.aum == pytest.approx(aum_score(y, scores))


def test_linear_keeps_the_least_aum_of_the_first_n_crossings():
    scores, slopes, y = random_problem(4, n=50)
    result = aum_line_search(scores, slopes, y == 1, method="linear", return_path=True)
    # The walk stops after the breakpoint at which it reached n crossings.
    assert result.n_crossings >= 50 and len(result.steps) - 1 <= result.n_crossings
    values = [direct_aum(scores, slopes, y, s) for s in result.steps]
    assert result.aum == pytest.approx(min(values), abs=TOL)
    assert result.step == result.steps[int(np.argmin(result.aum_values))]


def test_grid_is_the_least_aum_on_its_grid():
    scores, slopes, y = random_problem(6)
    result = aum_line_search(scores, slopes, y == 1, method="grid")
    values = [direct_aum(scores, slopes, y, s) for s in result.steps]
    np.testing.assert_allclose(result.aum_values, values, atol=1e-12)
    assert result.aum == min(values) < values[0]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="one length"):
        aum_line_search([0.0, 1.0], [1.0], [True, False])
    with pytest.raises(ValueError, match="method must be one of"):
        aum_line_search([0.0, 1.0], [1.0, 0.0], [True, False], method="exact")


@pytest.mark.skipif(_aum_line_search._walk_compiled is None, reason="numba is not installed")
@pytest.mark.parametrize("method", ["first_min", "linear"])
def test_compiled_walk_equals_the_pure_one(method, monkeypatch):
    scores, slopes, y = random_problem(8, n=200, ties=True)
    weight = np.random.default_rng(8).integers(1, 4, size=len(y)).astype(float)
    compiled = aum_line_search(scores, slopes, y == 1, weight, method=method, return_path=True)
    monkeypatch.setattr(_aum_line_search, "_walk_compiled", None)
    pure = aum_line_search(scores, slopes, y == 1, weight, method=method, return_path=True)
    assert (compiled.step, compiled.aum, compiled.n_crossings) == (
        pure.step, pure.aum, pure.n_crossings
    )
    for field in ("steps", "aum_values", "slopes", "auc_values"):
        np.testing.assert_array_equal(getattr(compiled, field), getattr(pure, field))
