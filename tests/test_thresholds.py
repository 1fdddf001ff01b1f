"""TunedThresholdClassifier against independent computations.

The independent references are scikit-learn's metrics on explicit predictions,
brute-force enumeration of every cut, exhaustive threshold grids, scikit-learn's own
TunedThresholdClassifierCV for two classes, and out-of-fold probabilities computed
here with scikit-learn's splitters.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    f1_score,
    fbeta_score,
    get_scorer,
    make_scorer,
    matthews_corrcoef,
    precision_score,
    recall_score,
)
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbnn._threshold_search import (
    ConfusionMatrixScore,
    Fold,
    argmax_decision,
    line_search,
    search_thresholds,
    working_scores,
)
from imbnn.thresholds import TunedThresholdClassifier

# --------------------------------------------------------------------------- helpers


def random_probabilities(rng, n_samples, n_classes, weights, signal=1.5):
    """Noisy softmax probabilities that favour the true class, and the labels."""
    y = rng.choice(n_classes, size=n_samples, p=weights)
    logits = rng.normal(size=(n_samples, n_classes)) * 1.5
    logits[np.arange(n_samples), y] += signal
    proba = np.exp(logits)
    return proba / proba.sum(axis=1, keepdims=True), y


def out_of_fold(estimator, X, y, cv):
    """Validation probabilities of each fold, fit here independently of imbnn."""
    parts = []
    for train, test in cv.split(X, y):
        model = clone(estimator).fit(X[train], y[train])
        parts.append((test, model.predict_proba(X[test])))
    return parts


@pytest.fixture(scope="module")
def binary_task():
    return make_classification(
        n_samples=1000, n_features=6, weights=[0.9], flip_y=0.05, class_sep=0.8, random_state=0
    )


@pytest.fixture(scope="module")
def small_binary_task():
    return make_classification(
        n_samples=150, n_features=6, weights=[0.8], flip_y=0.05, class_sep=0.8, random_state=1
    )


@pytest.fixture(scope="module")
def three_class_task():
    return make_classification(
        n_samples=900,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.75, 0.2],
        flip_y=0.05,
        random_state=0,
    )


# ------------------------------------------------------------- scores of confusion matrices

SCORERS = [
    "accuracy",
    "balanced_accuracy",
    make_scorer(balanced_accuracy_score, adjusted=True),
    "f1_macro",
    "f1_micro",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "matthews_corrcoef",
    make_scorer(fbeta_score, beta=2.0, average="macro"),
    make_scorer(precision_score, average="macro", zero_division=1.0),
    make_scorer(cohen_kappa_score),  # no closed form: scored from the matrix cells
    "jaccard_macro",
]


@pytest.mark.parametrize("scoring", SCORERS, ids=str)
@pytest.mark.parametrize("weighted", [False, True])
def test_scores_from_confusion_statistics_equal_scikit_learn(scoring, weighted, rng):
    """Every cut of a line search is scored as scikit-learn scores its predictions."""
    proba, y = random_probabilities(rng, 120, 4, [0.55, 0.25, 0.15, 0.05])
    weight = rng.uniform(0.2, 3.0, size=len(y)) if weighted else np.ones(len(y))
    scorer = get_scorer(scoring)
    metric = ConfusionMatrixScore(scorer, np.arange(4), weighted=weighted)
    fold = Fold(working_scores(proba, "absolute"), y, weight)
    for thresholds in ([0.0, 0.0, 0.0, 0.0], [0.9, 0.0, 0.0, 0.0], [0.0, 0.3, 0.9, -0.2]):
        prediction = argmax_decision(fold.scores, np.array(thresholds))
        ours = metric.scores(fold.statistics(prediction, metric))[0]
        kwargs = {"sample_weight": weight} if weighted else {}
        expected = scorer._sign * scorer._score_func(y, prediction, **scorer._kwargs, **kwargs)
        assert ours == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("scoring", ["f1", "precision", "recall", "matthews_corrcoef", "accuracy"])
def test_binary_closed_forms_equal_scikit_learn(scoring, rng):
    proba, y = random_probabilities(rng, 80, 2, [0.8, 0.2])
    labels = np.array([0, 1])
    metric = ConfusionMatrixScore(get_scorer(scoring), labels, weighted=False)
    assert metric.closed_form is not None
    fold = Fold(proba, y, np.ones(len(y)))
    for cut in (0.05, 0.3, 0.5, 0.8, 1.1):
        prediction = (proba[:, 1] > cut).astype(int)
        expected = get_scorer(scoring)._score_func(y, prediction)
        assert metric.scores(fold.statistics(prediction, metric))[0] == pytest.approx(expected)


# ------------------------------------------------------------------ exact line searches


def brute_force_coordinate(scores, y, thresholds, k, score_function):
    """Best score over every cut of class k's threshold, by enumeration of crossings."""
    shifted = scores - thresholds
    crossings = (shifted[:, [k]] - shifted + thresholds[k]).ravel()  # u_k where k ties class m
    crossings = np.unique(crossings)
    cuts = np.concatenate(
        [[crossings[0] - 1], (crossings[:-1] + crossings[1:]) / 2, [crossings[-1] + 1]]
    )
    best = -np.inf
    for cut in cuts:
        trial = thresholds.copy()
        trial[k] = cut
        best = max(best, score_function(y, np.argmax(scores - trial, axis=1)))
    return best


@pytest.mark.parametrize("method", ["absolute", "relative"])
@pytest.mark.parametrize(
    "scoring", ["balanced_accuracy", "f1_macro", make_scorer(cohen_kappa_score)], ids=str
)
def test_line_search_is_exact(method, scoring, rng):
    proba, y = random_probabilities(rng, 30, 3, [0.6, 0.3, 0.1])
    scorer = get_scorer(scoring)
    metric = ConfusionMatrixScore(scorer, np.arange(3), weighted=False)
    fold = Fold(working_scores(proba, method), y, np.ones(len(y)))
    thresholds = np.array([0.0, 0.1, -0.2])
    for k in range(3):
        step, score = line_search([fold], thresholds, np.eye(3)[k], metric)
        moved = thresholds + step * np.eye(3)[k]
        achieved = scorer._score_func(y, argmax_decision(fold.scores, moved), **scorer._kwargs)
        assert score == pytest.approx(achieved)
        brute = brute_force_coordinate(
            fold.scores, y, thresholds, k, lambda t, p: scorer._score_func(t, p, **scorer._kwargs)
        )
        assert score == pytest.approx(brute)


def grid_best(scores, y, grid, score_name):
    """Best score over all (0, a, b) thresholds on the grid, computed with plain numpy."""
    a, b = np.meshgrid(grid, grid, indexing="ij")
    thresholds = np.stack([np.zeros(a.size), a.ravel(), b.ravel()], axis=1)  # (m, 3)
    predictions = np.argmax(scores[None, :, :] - thresholds[:, None, :], axis=2)  # (m, n)
    correct = predictions == y[None, :]
    if score_name == "accuracy":
        return correct.mean(axis=1).max()
    recalls = [correct[:, y == c].mean(axis=1) for c in range(3)]
    return np.mean(recalls, axis=0).max()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("method", ["absolute", "relative"])
@pytest.mark.parametrize("score_name", ["accuracy", "balanced_accuracy"])
def test_three_classes_reach_the_optimum_of_an_exhaustive_grid(seed, method, score_name):
    rng = np.random.default_rng(seed)
    proba, y = random_probabilities(rng, int(rng.integers(40, 90)), 3, [0.6, 0.3, 0.1], signal=1.0)
    scores = working_scores(proba, method)
    metric = ConfusionMatrixScore(get_scorer(score_name), np.arange(3), weighted=False)
    result = search_thresholds(
        [Fold(scores, y, np.ones(len(y)))], metric, 3, method, 100, np.random.RandomState(0)
    )
    # grids on the working scale: probability differences lie in [-1, 1]; log-ratios of
    # the relative rule cover thresholds from 1/400 to 400 times each other
    grid = np.linspace(-1.0, 1.0, 201) if method == "absolute" else np.linspace(-6.0, 6.0, 241)
    best = grid_best(scores, y, grid, score_name)
    reference = accuracy_score if score_name == "accuracy" else balanced_accuracy_score
    achieved = reference(y, argmax_decision(scores, result.working_thresholds))
    assert achieved == pytest.approx(result.score)
    assert achieved >= best - 1e-12


# ------------------------------------------------------------------------ two classes


@pytest.mark.parametrize(
    "scoring, method",
    [
        ("balanced_accuracy", "relative"),
        ("f1", "absolute"),
        ("accuracy", "relative"),
        ("matthews_corrcoef", "absolute"),
    ],
)
def test_binary_search_is_the_exact_optimum_over_every_cut(small_binary_task, scoring, method):
    """The mean out-of-fold score over every distinct cut, enumerated by brute force."""
    X, y = small_binary_task
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    tuned = TunedThresholdClassifier(
        LogisticRegression(), method=method, scoring=scoring, cv=cv
    ).fit(X, y)
    parts = out_of_fold(LogisticRegression(), X, y, cv)
    score_function = get_scorer(scoring)._score_func
    positives = np.unique(np.concatenate([proba[:, 1] for _, proba in parts]))
    cuts = np.concatenate([[0.0], (positives[:-1] + positives[1:]) / 2])
    fold_means = [
        np.mean([score_function(y[test], (proba[:, 1] > cut).astype(int)) for test, proba in parts])
        for cut in cuts
    ]
    assert tuned.best_score_ == pytest.approx(max(fold_means))
    at_tuned = np.mean(
        [
            score_function(y[test], (proba[:, 1] > tuned.thresholds_[1]).astype(int))
            for test, proba in parts
        ]
    )
    assert tuned.best_score_ == pytest.approx(at_tuned)
    # the default decision is the argmax of the same probabilities
    default = np.mean([score_function(y[test], proba.argmax(axis=1)) for test, proba in parts])
    assert tuned.default_score_ == pytest.approx(default)
    assert tuned.best_score_ >= tuned.default_score_


@pytest.mark.parametrize("scoring", ["balanced_accuracy", "f1"])
def test_binary_agrees_with_scikit_learn_tuned_threshold_classifier(binary_task, scoring):
    X, y = binary_task
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    reference = TunedThresholdClassifierCV(
        LogisticRegression(), scoring=scoring, cv=cv, store_cv_results=True
    ).fit(X, y)
    ours = TunedThresholdClassifier(LogisticRegression(), scoring=scoring, cv=cv).fit(X, y)
    grid_step = np.diff(reference.cv_results_["thresholds"][:2])[0]
    assert abs(ours.thresholds_[1] - reference.best_threshold_) <= 2 * grid_step
    assert ours.best_score_ >= reference.best_score_ - 1e-3  # its score is interpolated
    # scikit-learn's threshold scored exactly on the same folds is never better
    score_function = get_scorer(scoring)._score_func
    at_reference = np.mean(
        [
            score_function(y[test], (proba[:, 1] >= reference.best_threshold_).astype(int))
            for test, proba in out_of_fold(LogisticRegression(), X, y, cv)
        ]
    )
    assert ours.best_score_ >= at_reference - 1e-12
    # the final models are the same refit, and predict applies the threshold to p_1
    np.testing.assert_allclose(ours.predict_proba(X), reference.predict_proba(X))
    np.testing.assert_array_equal(
        ours.predict(X), (ours.predict_proba(X)[:, 1] > ours.thresholds_[1]).astype(int)
    )


def test_binary_rules_are_one_cut_on_the_positive_probability(binary_task):
    X, y = binary_task
    for method in ("relative", "absolute"):
        tuned = TunedThresholdClassifier(LogisticRegression(), method=method).fit(X, y)
        assert tuned.thresholds_.sum() == pytest.approx(1.0)
        p1 = tuned.predict_proba(X)[:, 1]
        np.testing.assert_array_equal(tuned.predict(X), (p1 > tuned.thresholds_[1]).astype(int))
        decision = tuned.decision_function(X)
        assert decision.shape == (len(y),)
        np.testing.assert_array_equal(tuned.predict(X), (decision > 0).astype(int))
    assert tuned.n_iter_ == 1  # one exact search


# ------------------------------------------------------------------------ multi-class


@pytest.mark.parametrize("method", ["relative", "absolute"])
def test_multiclass_rule_and_invariance(three_class_task, method):
    X, y = three_class_task
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    tuned = TunedThresholdClassifier(LogisticRegression(), method=method, cv=4).fit(
        X_train, y_train
    )
    thresholds = tuned.thresholds_
    assert thresholds.sum() == pytest.approx(1.0)
    proba = tuned.predict_proba(X_test)
    rule = (lambda t: proba / t) if method == "relative" else (lambda t: proba - t)
    expected = rule(thresholds).argmax(axis=1)
    np.testing.assert_array_equal(tuned.predict(X_test), expected)
    # the equivalent thresholds (scaled, or shifted) give the same decisions
    other = thresholds * 7.0 if method == "relative" else thresholds + 3.0
    np.testing.assert_array_equal(rule(other).argmax(axis=1), expected)
    np.testing.assert_array_equal(tuned.decision_function(X_test).argmax(axis=1), expected)
    assert tuned.best_score_ >= tuned.default_score_
    assert tuned.best_score_ > tuned.default_score_ + 0.01  # the minority classes gain recall


def test_scores_are_out_of_fold_means(three_class_task):
    X, y = three_class_task
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    tuned = TunedThresholdClassifier(LogisticRegression(), method="absolute", cv=cv).fit(X, y)
    parts = out_of_fold(LogisticRegression(), X, y, cv)
    fold_scores = [
        balanced_accuracy_score(y[test], (proba - tuned.thresholds_).argmax(axis=1))
        for test, proba in parts
    ]
    np.testing.assert_allclose(tuned.cv_scores_, fold_scores)
    assert tuned.best_score_ == pytest.approx(np.mean(fold_scores))
    defaults = [balanced_accuracy_score(y[test], proba.argmax(axis=1)) for test, proba in parts]
    np.testing.assert_allclose(tuned.cv_default_scores_, defaults)
    assert tuned.cv_thresholds_.shape == (3, 3)
    np.testing.assert_allclose(tuned.thresholds_std_, tuned.cv_thresholds_.std(axis=0))
    # each fold's own thresholds do at least as well on that fold as the common ones
    own = [
        balanced_accuracy_score(y[test], (proba - thresholds).argmax(axis=1))
        for (test, proba), thresholds in zip(parts, tuned.cv_thresholds_)
    ]
    assert np.all(np.array(own) >= np.array(fold_scores) - 1e-12)


def test_never_tuned_on_training_predictions():
    """A 1-nearest-neighbour model is perfect on its own training rows, not on held-out ones."""
    X, y = make_classification(
        n_samples=300, n_classes=3, n_informative=3, flip_y=0.2, random_state=0
    )
    tuned = TunedThresholdClassifier(KNeighborsClassifier(n_neighbors=1), scoring="accuracy").fit(
        X, y
    )
    assert balanced_accuracy_score(y, tuned.estimator_.predict(X)) == 1.0
    assert tuned.default_score_ < 0.9
    assert tuned.best_score_ < 0.9


@pytest.mark.parametrize(
    "scoring", ["accuracy", "balanced_accuracy", make_scorer(cohen_kappa_score)], ids=str
)
def test_tree_rule_is_a_tree_on_out_of_fold_probabilities(three_class_task, scoring):
    X, y = three_class_task
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    tuned = TunedThresholdClassifier(
        LogisticRegression(), method="tree", scoring=scoring, cv=cv, random_state=0
    ).fit(X, y)
    parts = out_of_fold(LogisticRegression(), X, y, cv)
    proba = np.concatenate([p for _, p in parts])
    labels = np.concatenate([y[test] for test, _ in parts])
    reference = DecisionTreeClassifier(
        max_depth=4,
        min_samples_leaf=20,
        random_state=tuned.tree_.random_state,  # depth ceil(log2(3)) + 2
    ).fit(proba, labels)
    np.testing.assert_array_equal(reference.tree_.threshold, tuned.tree_.tree_.threshold)
    assert tuned.thresholds_ is None and tuned.cv_thresholds_ is None
    assert not hasattr(tuned, "decision_function")

    def decide(probabilities, decisions):
        leaf_decision = decisions[reference.apply(probabilities)]
        return np.where(leaf_decision < 0, probabilities.argmax(axis=1), leaf_decision)

    decisions = tuned.leaf_decisions_
    np.testing.assert_array_equal(tuned.predict(X), decide(tuned.predict_proba(X), decisions))
    scorer = get_scorer(scoring)

    def score_function(y_true, y_pred):
        return scorer._score_func(y_true, y_pred, **scorer._kwargs)

    def mean_score(decisions):
        return np.mean([score_function(y[test], decide(p, decisions)) for test, p in parts])

    assert tuned.best_score_ == pytest.approx(mean_score(decisions))
    assert tuned.default_score_ == pytest.approx(mean_score(np.full_like(decisions, -1)))
    assert tuned.best_score_ > tuned.default_score_
    # no single leaf's decision can be changed for a higher score (the ascent converged)
    leaves = np.flatnonzero(reference.tree_.children_left == -1)
    assert tuned.n_iter_ >= len(leaves)
    for leaf in leaves:
        for option in range(-1, 3):
            changed = decisions.copy()
            changed[leaf] = option
            assert mean_score(changed) <= tuned.best_score_ + 1e-12


def test_class_missing_from_a_training_part():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.repeat([0, 1, 2], [30, 24, 6])
    X[y == 1] += 2.0
    X[y == 2] -= 2.0
    rows = np.arange(60)
    splits = [
        (rows[y != 2], rows[y == 2]),
        (rows[::2], rows[1::2]),
    ]  # first training part lacks class 2
    tuned = TunedThresholdClassifier(LogisticRegression(), cv=splits, scoring="accuracy").fit(X, y)
    assert tuned.cv_thresholds_.shape == (2, 3)
    assert set(tuned.predict(X)) <= {0, 1, 2}


# ------------------------------------------------------------------- validation modes


def test_single_validation_split_and_refit_false(binary_task):
    X, y = binary_task
    tuned = TunedThresholdClassifier(
        KNeighborsClassifier(n_neighbors=15), cv=0.25, refit=False, random_state=0
    ).fit(X, y)
    assert tuned.estimator_.n_samples_fit_ == 750  # the model of the training part, not refit
    assert tuned.cv_thresholds_.shape == (1, 2)
    np.testing.assert_array_equal(tuned.thresholds_std_, 0.0)
    again = TunedThresholdClassifier(
        KNeighborsClassifier(n_neighbors=15), cv=0.25, refit=False, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(again.thresholds_, tuned.thresholds_)


def test_prefit_tunes_on_the_given_held_out_data(three_class_task):
    X, y = three_class_task
    X_fit, X_held, y_fit, y_held = train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_fit, y_fit)
    coef = model.coef_.copy()
    tuned = TunedThresholdClassifier(model, cv="prefit", refit=False, scoring="accuracy").fit(
        X_held, y_held
    )
    assert tuned.estimator_ is model
    np.testing.assert_array_equal(model.coef_, coef)
    achieved = accuracy_score(
        y_held, (model.predict_proba(X_held) / tuned.thresholds_).argmax(axis=1)
    )
    assert tuned.best_score_ == pytest.approx(achieved)
    assert tuned.default_score_ == pytest.approx(accuracy_score(y_held, model.predict(X_held)))
    # a frozen model with one validation split works the same way
    frozen = TunedThresholdClassifier(FrozenEstimator(model), cv=0.5, random_state=0).fit(
        X_held, y_held
    )
    np.testing.assert_array_equal(frozen.estimator_.estimator.coef_, coef)

    with pytest.raises(ValueError, match="refit=False"):
        TunedThresholdClassifier(model, cv="prefit").fit(X_held, y_held)
    with pytest.raises(NotFittedError, match="fitted already"):
        TunedThresholdClassifier(LogisticRegression(), cv="prefit", refit=False).fit(X_held, y_held)


def test_refit_false_with_several_folds_is_refused(binary_task):
    with pytest.raises(ValueError, match="single split"):
        TunedThresholdClassifier(LogisticRegression(), cv=3, refit=False).fit(*binary_task)


@pytest.mark.parametrize(
    "n_classes, scoring",
    [(3, "balanced_accuracy"), (3, "f1_macro"), (2, make_scorer(cohen_kappa_score))],
    ids=str,
)
def test_sample_weights_act_as_repeated_rows(n_classes, scoring):
    X, y = make_classification(
        n_samples=400,
        n_features=5,
        n_informative=3,
        n_classes=n_classes,
        weights=[0.7, 0.2][: n_classes - 1],
        random_state=0,
    )
    X_fit, X_held, y_fit, y_held = train_test_split(X, y, stratify=y, random_state=1)
    model = LogisticRegression().fit(X_fit, y_fit)
    counts = np.random.default_rng(0).integers(0, 4, size=len(y_held))
    params = dict(cv="prefit", refit=False, method="absolute", scoring=scoring)
    weighted = TunedThresholdClassifier(model, **params).fit(X_held, y_held, sample_weight=counts)
    repeated = TunedThresholdClassifier(model, **params).fit(
        np.repeat(X_held, counts, axis=0), np.repeat(y_held, counts)
    )
    np.testing.assert_allclose(weighted.thresholds_, repeated.thresholds_)
    assert weighted.best_score_ == pytest.approx(repeated.best_score_)
    assert weighted.best_score_ > weighted.default_score_


# ------------------------------------------------------------------------- ecosystem


def test_in_pipeline_and_grid_search(three_class_task):
    X, y = three_class_task
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    search = GridSearchCV(
        TunedThresholdClassifier(make_pipeline(StandardScaler(), LogisticRegression()), cv=3),
        {"method": ["relative", "tree"], "estimator__logisticregression__C": [0.1, 1.0]},
        scoring="balanced_accuracy",
        cv=2,
    ).fit(frame, y)
    assert search.best_params_["method"] in {"relative", "tree"}
    np.testing.assert_array_equal(search.best_estimator_.feature_names_in_, frame.columns)
    pipeline = make_pipeline(
        StandardScaler(), TunedThresholdClassifier(LogisticRegression(), cv=3)
    ).fit(frame, y)
    tuned = pipeline[-1]
    scaled = pipeline[0].transform(frame)
    expected = (tuned.estimator_.predict_proba(scaled) / tuned.thresholds_).argmax(axis=1)
    np.testing.assert_array_equal(pipeline.predict(frame), expected)


class NaNProbabilities(LogisticRegression):
    def predict_proba(self, X):
        proba = super().predict_proba(X)
        proba[0, 0] = np.nan
        return proba


def test_errors_name_the_problem(binary_task):
    X, y = binary_task
    with pytest.raises(TypeError, match="no predict_proba"):
        TunedThresholdClassifier(SVC()).fit(X, y)
    with pytest.raises(ValueError, match="not a scorer of predicted labels"):
        TunedThresholdClassifier(LogisticRegression(), scoring="roc_auc").fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        TunedThresholdClassifier(LogisticRegression()).fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        TunedThresholdClassifier(LogisticRegression()).fit(X, np.linspace(0, 1, len(y)))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        TunedThresholdClassifier(LogisticRegression()).fit(X_nan, y)
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        TunedThresholdClassifier(KNeighborsClassifier()).fit(X, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="NaN or infinite probabilities"):
        TunedThresholdClassifier(NaNProbabilities(), cv=3).fit(X, y)
    tuned = TunedThresholdClassifier(LogisticRegression(), cv=3).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        tuned.predict(X[:, :3])
    with pytest.raises(NotFittedError):
        TunedThresholdClassifier(LogisticRegression()).predict(X)


# -------------------------------------------------------------- scikit-learn's checks

EXPECTED_FAILURES = {
    "check_classifiers_train": (
        "the check asserts predict == argmax(predict_proba); the tuned thresholds change "
        "exactly that (scikit-learn lists the same failure for TunedThresholdClassifierCV)"
    ),
}


@parametrize_with_checks(
    [
        TunedThresholdClassifier(LogisticRegression(), method="relative", cv=3),
        TunedThresholdClassifier(LogisticRegression(), method="absolute", cv=3),
        TunedThresholdClassifier(LogisticRegression(), method="tree", cv=3, random_state=0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES,
)
def test_scikit_learn_common_checks(estimator, check):
    check(estimator)


@pytest.mark.data
def test_example_runs_in_small_mode(data_home, monkeypatch, capsys):
    import runpy

    pytest.importorskip("matplotlib")
    from conftest import REPO_ROOT

    monkeypatch.setenv("IMBNN_DATA", str(data_home))
    monkeypatch.setenv("IMBNN_EXAMPLE_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runpy.run_path(str(REPO_ROOT / "examples" / "plot_tuned_thresholds.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "test tuned" in out and "out-of-fold balanced accuracy" in out
