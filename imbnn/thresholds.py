"""Decision thresholds tuned on held-out probabilities, for binary and multi-class models.

A classifier trained on imbalanced data often ranks the classes better than its
default decision (argmax of the probabilities) shows. :class:`TunedThresholdClassifier`
keeps the classifier and replaces that decision by one tuned, on data the classifier
was not fit on, for a chosen metric. Unlike scikit-learn's
:class:`~sklearn.model_selection.TunedThresholdClassifierCV` it accepts multi-class
targets. See the user guide, :doc:`/user_guide/thresholds`.
"""

import math
from numbers import Integral

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, column_or_1d, has_fit_parameter, indexable

from .metrics import get_scorer
from .utils._compat import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    check_estimator_parameters,
    check_method_params,
    check_sample_weight,
    safe_indexing,
    scorer_parts,
)

from ._threshold_search import (
    KEEP_DEFAULT,
    ConfusionMatrixScore,
    Fold,
    argmax_decision,
    normalise,
    search_thresholds,
    thresholds_to_working,
    tune_leaf_decisions,
    working_scores,
)

__all__ = ["TunedThresholdClassifier"]


class TunedThresholdClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Classifier whose per-class decision thresholds are tuned on held-out data.

    The wrapped classifier's probabilities ``p`` (one column per class) are turned
    into a class by one of three rules, tuned to maximise ``scoring`` on out-of-fold
    probabilities (never on the data a model was fit on):

    - ``"absolute"``: predict ``argmax_k (p_k - t_k)``;
    - ``"relative"``: predict ``argmax_k (p_k / t_k)`` (mlr3's threshold rule);
    - ``"tree"``: a depth-limited decision tree fit on the held-out probability
      vectors splits them into regions (its leaves); each leaf then keeps the
      default argmax decision or predicts one class, whichever serves ``scoring``
      (a plain tree, every leaf predicting its majority class, cannot express the
      argmax in few splits and loses accuracy to it).

    The thresholds ``t`` are reported normalised to sum to one: the absolute rule is
    unchanged by adding a constant to all thresholds and the relative rule by scaling
    them, so equal thresholds ``1 / K`` are the default argmax decision. For two
    classes both rules are "predict the second class when ``p_1 > t_1``", and
    ``thresholds_[1]`` is that cut.

    The search is exact for two classes: one sort of the held-out scores, every
    distinct cut considered, for any scorer of predicted labels. For ``K`` classes
    it is coordinate ascent over the classes, each step the exact search over one
    class's threshold, started from the default decision (so the tuned thresholds
    never score below it on the held-out data) and restarted from random thresholds
    while the budget ``max_iter`` lasts.

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``fit`` and ``predict_proba``, fitted when ``cv="prefit"``.
    method : {"relative", "absolute", "tree"}, default="relative"
        The decision rule.
    scoring : str or scorer, default="balanced_accuracy"
        A scorer of predicted labels (a name such as ``"accuracy"``, ``"f1_macro"`` or
        one made with ``sklearn.metrics.make_scorer``). It is the objective of the
        search. The tree's splits are chosen by its impurity criterion, its leaves'
        decisions for ``scoring``.
    cv : int, cross-validation generator, iterable, float or "prefit", default=5
        Where the held-out probabilities come from:

        - an int or a splitter (as in scikit-learn, stratified for an int): a clone
          of ``estimator`` is fit on each training part and predicts its validation
          part; the objective is the mean of the scores on the validation parts;
        - a float in (0, 1): one stratified validation split of that fraction;
        - ``"prefit"``: ``estimator`` is already fitted, and the data given to
          ``fit`` is held-out data used only for tuning (``refit`` must be False).
          A :class:`~sklearn.frozen.FrozenEstimator` with a float ``cv`` works too.
    refit : bool, default=True
        Refit ``estimator`` on all of ``X`` after tuning. With ``refit=False`` and a
        single split, the model fit on the training part is kept.
    max_iter : int, default=100
        Budget of the multi-class search, in exact one-dimensional searches (each
        over one class's threshold, or raising one class's threshold while lowering
        another's). The first climb starts from the default decision and stops at a
        point no such search improves; budget left after it is spent on climbs from
        random thresholds, kept only when they score strictly higher. Each fold's
        own thresholds (``cv_thresholds_``) get the same budget. For the tree, the
        budget in leaf decisions tried.
    max_depth : int or "auto", default="auto"
        Depth of the tree for ``method="tree"``; ``"auto"`` is
        ``ceil(log2(n_classes)) + 2``, room for a leaf per class and two more splits.
    min_samples_leaf : int, default=20
        Fewest held-out examples in a leaf of the tree, so that no leaf's decision
        rests on a handful of examples.
    n_jobs : int, default=None
        Folds fit in parallel (joblib).
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split of a float ``cv``, the random restarts of the
        multi-class search and the tree.

    Attributes
    ----------
    estimator_ : estimator object
        The classifier used by ``predict`` and ``predict_proba``.
    classes_ : ndarray of shape (n_classes,)
    thresholds_ : ndarray of shape (n_classes,) or None
        The tuned, normalised thresholds (None for ``method="tree"``).
    best_score_ : float
        Mean over validation folds of ``scoring`` with the tuned decision. It is the
        optimum found on those folds, hence an optimistic estimate of new data.
    default_score_ : float
        The same mean for the default decision (argmax of the probabilities).
    cv_scores_ : ndarray of shape (n_folds,)
        ``scoring`` of the tuned decision on each validation fold.
    cv_default_scores_ : ndarray of shape (n_folds,)
        ``scoring`` of the default decision on each validation fold.
    cv_thresholds_ : ndarray of shape (n_folds, n_classes) or None
        Thresholds tuned on each validation fold alone.
    thresholds_std_ : ndarray of shape (n_classes,) or None
        Standard deviation of ``cv_thresholds_`` over the folds (zero with one fold):
        a spread as large as the thresholds' distance from ``1 / n_classes`` means the
        held-out data cannot tell the tuned thresholds from the default.
    n_iter_ : int
        One-dimensional searches made for ``thresholds_`` (leaf decisions tried for
        the tree).
    tree_ : DecisionTreeClassifier or None
        The fitted tree of ``method="tree"``.
    leaf_decisions_ : ndarray of shape (n_tree_nodes,) or None
        Per node of ``tree_``: the encoded class its leaf predicts, or -1 where the
        leaf keeps the default argmax decision.
    n_features_in_ : int
        Only when ``estimator_`` has it.
    feature_names_in_ : ndarray of str
        Only when ``estimator_`` has it.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : binary only, on a grid.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from imbnn.thresholds import TunedThresholdClassifier
    >>> X, y = make_classification(n_samples=600, n_classes=3, n_informative=4,
    ...                            weights=[0.8, 0.15], random_state=0)
    >>> clf = TunedThresholdClassifier(LogisticRegression(), scoring="balanced_accuracy")
    >>> clf = clf.fit(X, y)
    >>> clf.thresholds_.round(2)  # the majority class needs a higher probability
    array([0.78, 0.12, 0.09])
    >>> print(f"{clf.default_score_:.2f} -> {clf.best_score_:.2f}")
    0.54 -> 0.66
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "method": [StrOptions({"relative", "absolute", "tree"})],
        "scoring": [str, callable],
        "cv": [
            "cv_object",
            StrOptions({"prefit"}),
            Interval(RealNotInt, 0.0, 1.0, closed="neither"),
        ],
        "refit": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        method="relative",
        scoring="balanced_accuracy",
        cv=5,
        refit=True,
        max_iter=100,
        max_depth="auto",
        min_samples_leaf=20,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.method = method
        self.scoring = scoring
        self.cv = cv
        self.refit = refit
        self.max_iter = max_iter
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fit

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the classifier on each training part and tune the decision on the held-out parts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Anything ``estimator`` accepts (a DataFrame for a pipeline, ...).
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to ``estimator.fit`` and weighting the tuning objective. Examples
            of zero weight take no part in the tuning.
        **fit_params : dict
            Other parameters of ``estimator.fit`` (per-example arrays are split along
            with ``X``).

        Returns
        -------
        self : TunedThresholdClassifier
        """
        if not (
            callable(getattr(self.estimator, "predict_proba", None))
            and hasattr(self.estimator, "fit")
        ):
            raise TypeError(
                f"TunedThresholdClassifier tunes decisions on class probabilities, but "
                f"{self.estimator!r} has no predict_proba method (for SVC set "
                "probability=True; otherwise wrap the estimator in "
                "sklearn.calibration.CalibratedClassifierCV)."
            )
        check_estimator_parameters(self)
        X, y = indexable(X, y)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) == 0:
            raise ValueError("Found array with 0 sample(s); TunedThresholdClassifier needs data.")
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "TunedThresholdClassifier needs at least two classes; y has only one class: "
                f"{self.classes_[0]!r}."
            )
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, y)
        split_params = {}
        if get_config()["enable_metadata_routing"]:
            # As scikit-learn's TunedThresholdClassifierCV: the estimator gets what it
            # requested (a Pipeline its steps' requests), the splitter its groups.
            routed = process_routing(
                self,
                "fit",
                **fit_params,
                **({} if sample_weight is None else {"sample_weight": sample_weight}),
            )
            fit_params = dict(routed.estimator.fit)
            if "splitter" in routed:
                split_params = dict(routed.splitter.split)
        elif sample_weight is not None:
            if not has_fit_parameter(self.estimator, "sample_weight"):
                raise ValueError(
                    f"sample_weight was given but {type(self.estimator).__name__}.fit "
                    "does not accept sample_weight. Pass it through metadata routing "
                    "(sklearn.set_config(enable_metadata_routing=True) and the estimator's "
                    "set_fit_request(sample_weight=True)) for a Pipeline."
                )
            fit_params = {**fit_params, "sample_weight": sample_weight}
        weight = np.ones(len(y)) if sample_weight is None else sample_weight
        scorer = self._scorer()
        metric = ConfusionMatrixScore(scorer, self.classes_, weighted=sample_weight is not None)
        random_state = check_random_state(self.random_state)

        fold_models, validation_parts = self._held_out_probabilities(
            X, y, fit_params, random_state, split_params
        )
        folds, fold_proba = [], []
        for rows, proba in validation_parts:
            keep = weight[rows] > 0
            fold_proba.append(proba[keep])
            folds.append(
                Fold(
                    working_scores(proba[keep], self._rule),
                    y_encoded[rows][keep],
                    weight[rows][keep],
                )
            )
        if not any(len(fold.y) for fold in folds):
            raise ValueError("No validation example has a positive sample weight.")
        folds = [fold for fold in folds if len(fold.y)]
        fold_proba = [proba for proba in fold_proba if len(proba)]

        def fold_scores(predict):
            return np.array(
                [
                    metric.score_predictions(
                        fold.y, predict(proba, fold), None if sample_weight is None else fold.weight
                    )
                    for proba, fold in zip(fold_proba, folds)
                ]
            )

        self.cv_default_scores_ = fold_scores(lambda proba, fold: np.argmax(proba, axis=1))
        self.default_score_ = float(self.cv_default_scores_.mean())

        if self.method == "tree":
            self._fit_tree(folds, fold_proba, metric, random_state)
            self.cv_scores_ = fold_scores(lambda proba, fold: self._tree_decision(proba))
        else:
            self._fit_thresholds(folds, metric, random_state)
            working = thresholds_to_working(self.thresholds_, self.method)
            self.cv_scores_ = fold_scores(lambda proba, fold: argmax_decision(fold.scores, working))
        self.best_score_ = float(self.cv_scores_.mean())

        if isinstance(self.cv, str):  # "prefit"
            self.estimator_ = self.estimator
        elif self.refit:
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        else:
            self.estimator_ = fold_models[0]
        for attribute in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attribute):
                setattr(self, attribute, getattr(self.estimator_, attribute))
        return self

    def _fit_thresholds(self, folds, metric, random_state):
        """Thresholds for the mean score over the folds, and each fold's own."""
        n_classes = len(self.classes_)
        self.tree_ = self.leaf_decisions_ = None
        result = search_thresholds(
            folds, metric, n_classes, self.method, self.max_iter, random_state
        )
        self.thresholds_ = normalise(result.working_thresholds, self.method)
        self.n_iter_ = result.n_iter
        if len(folds) == 1:
            self.cv_thresholds_ = self.thresholds_[None, :]
        else:
            self.cv_thresholds_ = np.array(
                [
                    normalise(
                        search_thresholds(
                            [fold], metric, n_classes, self.method, self.max_iter, random_state
                        ).working_thresholds,
                        self.method,
                    )
                    for fold in folds
                ]
            )
        self.thresholds_std_ = self.cv_thresholds_.std(axis=0)

    def _fit_tree(self, folds, fold_proba, metric, random_state):
        """The tree on the pooled held-out probabilities, then the decision of each leaf."""
        n_classes = len(self.classes_)
        max_depth = (
            math.ceil(math.log2(n_classes)) + 2 if self.max_depth == "auto" else self.max_depth
        )
        self.tree_ = DecisionTreeClassifier(
            max_depth=max_depth,
            min_samples_leaf=self.min_samples_leaf,
            random_state=random_state.randint(np.iinfo(np.int32).max),
        )
        self.tree_.fit(
            np.concatenate(fold_proba),
            np.concatenate([fold.y for fold in folds]),
            sample_weight=np.concatenate([fold.weight for fold in folds]),
        )
        leaf_nodes = np.flatnonzero(self.tree_.tree_.children_left == -1)
        fold_leaves = [np.searchsorted(leaf_nodes, self.tree_.apply(proba)) for proba in fold_proba]
        decisions, _, self.n_iter_ = tune_leaf_decisions(
            folds, fold_leaves, len(leaf_nodes), metric, self.max_iter
        )
        self.leaf_decisions_ = np.full(self.tree_.tree_.node_count, KEEP_DEFAULT)
        self.leaf_decisions_[leaf_nodes] = decisions
        self.thresholds_ = self.cv_thresholds_ = self.thresholds_std_ = None

    def _tree_decision(self, proba):
        """Encoded classes: each leaf's class, or the argmax where the leaf keeps the default."""
        decision = self.leaf_decisions_[self.tree_.apply(proba)]
        return np.where(decision == KEEP_DEFAULT, np.argmax(proba, axis=1), decision)

    @property
    def _rule(self):
        # the tree reads the probabilities themselves
        return "absolute" if self.method == "tree" else self.method

    def _scorer(self):
        scorer = get_scorer(self.scoring) if isinstance(self.scoring, str) else self.scoring
        parts = scorer_parts(scorer)
        if parts is None or parts.response_method != "predict":
            raise ValueError(
                f"scoring={self.scoring!r} is not a scorer of predicted labels; decision "
                "thresholds change only the predicted labels, so use a name such as "
                "'accuracy', 'balanced_accuracy', 'f1_macro' or a scorer made by "
                "sklearn.metrics.make_scorer(metric) with the default response_method."
            )
        return scorer

    def _held_out_probabilities(self, X, y, fit_params, random_state, split_params):
        """Fitted fold models and, per validation part, its rows and probabilities."""
        if isinstance(self.cv, str) and self.cv == "prefit":
            if self.refit:
                raise ValueError("With cv='prefit' the estimator is not refit: set refit=False.")
            try:
                check_is_fitted(self.estimator)
            except NotFittedError as error:
                raise NotFittedError(
                    "With cv='prefit' the estimator must be fitted already, and the data "
                    "given to fit must be held-out data."
                ) from error
            rows = np.arange(len(y))
            return [self.estimator], [(rows, self._aligned_proba(self.estimator, X))]
        if isinstance(self.cv, float):
            splitter = StratifiedShuffleSplit(
                n_splits=1,
                test_size=self.cv,
                random_state=random_state.randint(np.iinfo(np.int32).max),
            )
        else:
            splitter = check_cv(self.cv, y, classifier=True)
        splits = list(splitter.split(X, y, **split_params))
        if not self.refit and len(splits) > 1:
            raise ValueError(
                f"refit=False keeps the model of a single split, but cv gives {len(splits)} "
                "splits; use a float cv (one validation split) or refit=True."
            )
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_predict)(
                clone(self.estimator), X, y, fit_params, train, test, self.classes_
            )
            for train, test in splits
        )
        models = [model for model, _ in results]
        parts = [(test, proba) for (_, proba), (_, test) in zip(results, splits)]
        return models, parts

    @staticmethod
    def _aligned_proba(model, X, classes=None):
        """``model.predict_proba(X)``, one column per class of ``classes`` (zero if unseen)."""
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        if not np.all(np.isfinite(proba)):
            raise ValueError(
                f"{type(model).__name__}.predict_proba returned NaN or infinite probabilities."
            )
        model_classes = np.asarray(model.classes_)
        if classes is None or np.array_equal(model_classes, classes):
            return proba
        aligned = np.zeros((proba.shape[0], len(classes)))
        aligned[:, np.searchsorted(classes, model_classes)] = proba
        return aligned

    # ------------------------------------------------------------------ prediction

    def _full_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self._aligned_proba(self.estimator_, X, self.classes_)

    def _working_decision(self, proba):
        return working_scores(proba, self.method) - thresholds_to_working(
            self.thresholds_, self.method
        )

    def predict(self, X):
        """Classes chosen by the tuned rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self._full_proba(X)
        if self.method == "tree":
            return self.classes_[self._tree_decision(proba)]
        return self.classes_[np.argmax(self._working_decision(proba), axis=1)]

    def predict_proba(self, X):
        """The wrapped classifier's probabilities (the thresholds do not change them).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return self._full_proba(X)

    def _has_thresholds(self):
        return self.method != "tree"

    @available_if(_has_thresholds)
    def decision_function(self, X):
        """Scores whose argmax is the prediction.

        ``p - t`` for the absolute rule and ``log(p / t)`` for the relative one. For
        two classes, one column: the second class's score minus the first's (the
        second class is predicted where it is positive).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        decision = self._working_decision(self._full_proba(X))
        if len(self.classes_) == 2:
            return decision[:, 1] - decision[:, 0]
        return decision

    def get_metadata_routing(self):
        """How ``fit`` routes metadata: to the estimator's fit and the splitter's split.

        ``sample_weight`` is also consumed by the tuner itself, which weighs the
        tuning objective with it.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`.
        """
        router = (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=self.estimator,
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        )
        if not (isinstance(self.cv, str) or isinstance(self.cv, float)):
            router.add(
                splitter=check_cv(self.cv, classifier=True),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.string = inner.input_tags.string
        tags.input_tags.categorical = inner.input_tags.categorical
        return tags


def _fit_and_predict(model, X, y, fit_params, train, test, classes):
    """Fit ``model`` on the rows ``train`` and return it with its probabilities on ``test``."""
    params = check_method_params(X, fit_params, indices=train)
    model.fit(safe_indexing(X, train), safe_indexing(y, train), **params)
    proba = TunedThresholdClassifier._aligned_proba(model, safe_indexing(X, test), classes)
    return model, proba
