"""SOAK: Same/Other/All K-fold cross-validation over the subsets of a data set.

Source: Hocking et al., "SOAK: Same/Other/All K-fold cross-validation for estimating
similarity of patterns in data subsets", Statistical Analysis and Data Mining 2026
(arXiv:2410.08643); the R reference is mlr3resampling's ``ResamplingSameOtherSizesCV``.
"""

from itertools import product
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.model_selection import BaseCrossValidator, StratifiedGroupKFold, StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils.validation import column_or_1d

from .datasets._imbalance import _allocate
from .utils._compat import UNCHANGED, Interval, RequestMethod, num_samples, validate_params

__all__ = ["SameOtherAllCV", "soak_ttest"]

_TRAIN_SUBSETS = ("same", "other", "all")


class SameOtherAllCV(BaseCrossValidator):
    """Same/Other/All K-fold cross-validation (SOAK) over the subsets of a data set.

    Each row belongs to a ``subset`` (for example a region, an image, or
    "balanced"/"unbalanced"). Folds are assigned once over the whole data,
    stratified by subset and class (and grouped when ``groups`` is given). For every
    test subset and fold the test set is that subset's rows in that fold, and the
    training set is the rows of the other folds from

    - ``"same"``: the test subset;
    - ``"other"``: every other subset;
    - ``"all"``: every subset.

    Comparing the test scores answers whether a model trained on one subset
    predicts another (Other vs Same) and whether pooling subsets helps (All vs
    Same); :func:`soak_ttest` gives the paired t-tests. With ``downsample=True``
    each training set larger than the smallest of its test subset and fold is also
    given down-sampled (stratified) to that smallest size, so that the comparison
    can be made at equal training size.

    The subsets are passed to :meth:`split` as ``subset=``. ``cross_validate`` and
    friends pass it there when scikit-learn's metadata routing is enabled
    (``sklearn.set_config(enable_metadata_routing=True)`` and ``params={"subset":
    subset}``); :meth:`split_table` says which split is which.

    Parameters
    ----------
    n_splits : int, default=3
        Number of folds (at least 2).
    train_subsets : sequence of {"same", "other", "all"}, default=("same", "other", "all")
        Training sets to yield for each test subset and fold.
    downsample : bool, default=False
        Also yield the larger training sets down-sampled to the smallest one's size.
    random_state : int, RandomState instance or None, default=None
        Seeds the fold assignment and the down-sampling. Unlike soakpy, nothing
        draws from a global generator: an int makes every call give the same splits.

    Examples
    --------
    >>> import numpy as np
    >>> from imbnn.model_selection import SameOtherAllCV
    >>> y = np.tile([0, 1], 12)
    >>> subset = np.repeat(["A", "B"], 12)
    >>> cv = SameOtherAllCV(n_splits=3, random_state=0)
    >>> cv.get_n_splits(subset=subset)
    18
    >>> table = cv.split_table(np.zeros((24, 1)), y, subset=subset)
    >>> table.loc[:2, ["test_subset", "test_fold", "train_subsets", "n_train", "n_test"]]
      test_subset  test_fold train_subsets  n_train  n_test
    0           A          0          same        8       4
    1           A          0         other        8       4
    2           A          0           all       16       4
    """

    __metadata_request__split = {"subset": True, "groups": True}

    @validate_params(
        {
            "n_splits": [Interval(Integral, 2, None, closed="left")],
            "train_subsets": ["array-like"],
            "downsample": ["boolean"],
            "random_state": ["random_state"],
        },
        prefer_skip_nested_validation=True,
    )
    def __init__(
        self, n_splits=3, *, train_subsets=_TRAIN_SUBSETS, downsample=False, random_state=None
    ):
        self.n_splits = n_splits
        self.train_subsets = train_subsets
        self.downsample = downsample
        self.random_state = random_state

    def set_split_request(self, *, groups=UNCHANGED, subset=UNCHANGED):
        """Whether metadata routing passes ``groups`` and ``subset`` to :meth:`split`.

        Both are requested by default (``True``); only needed to switch one off
        (``False``) or to take it under another name (a string).

        Parameters
        ----------
        groups : bool, str or None, default=UNCHANGED
        subset : bool, str or None, default=UNCHANGED

        Returns
        -------
        self
        """
        # scikit-learn generates this method for splitters; written out here so that
        # its documentation is imbnn's own.
        return RequestMethod("split", ["groups", "subset"]).__get__(self, type(self))(
            groups=groups, subset=subset
        )

    def get_n_splits(self, X=None, y=None, groups=None, subset=None):
        """Number of splits: those with an empty training set are not counted.

        Parameters
        ----------
        X, y, groups : ignored unless needed to count
            The count depends only on the subsets, except with ``downsample=True``
            where it depends on the training set sizes (then ``X`` is needed).
        subset : array-like of shape (n_samples,)

        Returns
        -------
        int
        """
        if subset is None:
            raise ValueError(_MISSING_SUBSET)
        if self.downsample:
            X = np.zeros((len(subset), 0)) if X is None else X
            return sum(1 for _ in self._iter_splits(X, y, groups, subset))
        names = np.unique(column_or_1d(subset))
        count = 0
        for name in self._checked_train_subsets():
            if name == "other" and len(names) < 2:
                continue
            count += len(names) * self.n_splits
        return count

    def split(self, X, y=None, groups=None, subset=None):
        """Yield ``(train, test)`` row indices, in the order of :meth:`split_table`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Classes to stratify by (with the subsets); None stratifies by subset only.
        groups : array-like of shape (n_samples,), default=None
            Rows of a group stay in one fold.
        subset : array-like of shape (n_samples,)
            The subset of each row.

        Yields
        ------
        train : ndarray
        test : ndarray
        """
        for _, train, test in self._iter_splits(X, y, groups, subset):
            yield train, test

    def split_with_info(self, X, y=None, groups=None, subset=None):
        """Like :meth:`split`, but each split comes with its row of :meth:`split_table`.

        Parameters
        ----------
        X, y, groups, subset
            As for :meth:`split`.

        Yields
        ------
        info : dict
            ``test_subset``, ``test_fold``, ``train_subsets``, ``downsampled``,
            ``n_train``, ``n_test``.
        train : ndarray
        test : ndarray
        """
        yield from self._iter_splits(X, y, groups, subset)

    def split_table(self, X, y=None, groups=None, subset=None):
        """One row per split (in the order of :meth:`split`) saying what it is.

        Parameters
        ----------
        X, y, groups, subset
            As for :meth:`split`.

        Returns
        -------
        pandas.DataFrame
            Columns ``split``, ``test_subset``, ``test_fold``, ``train_subsets``,
            ``downsampled``, ``n_train``, ``n_test``.
        """
        rows = [info for info, _, _ in self._iter_splits(X, y, groups, subset)]
        return pd.DataFrame(rows, columns=_INFO_COLUMNS).rename_axis(None)

    def fold_ids(self, X, y=None, groups=None, subset=None):
        """The fold (0 to ``n_splits - 1``) of every row.

        Parameters
        ----------
        X, y, groups, subset
            As for :meth:`split`.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        subset, y, groups = self._check_inputs(X, y, groups, subset)
        return self._assign_folds(subset, y, groups, check_random_state(self.random_state))

    # ------------------------------------------------------------------ internals

    def _checked_train_subsets(self):
        names = list(self.train_subsets)
        unknown = set(names) - set(_TRAIN_SUBSETS)
        if unknown or not names:
            raise ValueError(
                f"train_subsets must be a non-empty selection of {_TRAIN_SUBSETS}; got {names}."
            )
        return names

    def _check_inputs(self, X, y, groups, subset):
        if subset is None:
            raise ValueError(_MISSING_SUBSET)
        n_samples = num_samples(X)
        subset = column_or_1d(subset)
        for name, values in (("subset", subset), ("y", y), ("groups", groups)):
            if values is not None and len(values) != n_samples:
                raise ValueError(f"X has {n_samples} rows but {name} has {len(values)}.")
        y = None if y is None else column_or_1d(y)
        groups = None if groups is None else column_or_1d(groups)
        return subset, y, groups

    def _assign_folds(self, subset, y, groups, rng):
        # One stratum per (subset, class): every fold gets each subset's classes in proportion.
        strata = _strata(subset, y)
        seed = rng.randint(np.iinfo(np.int32).max)
        dummy = np.zeros(len(subset))
        if groups is None:
            _check_stratum_sizes(strata, self.n_splits)
            splitter = StratifiedKFold(self.n_splits, shuffle=True, random_state=seed)
            folds = splitter.split(dummy, strata)
        else:
            splitter = StratifiedGroupKFold(self.n_splits, shuffle=True, random_state=seed)
            folds = splitter.split(dummy, strata, groups)
        fold = np.empty(len(subset), dtype=np.int64)
        for k, (_, test) in enumerate(folds):
            fold[test] = k
        return fold

    def _iter_splits(self, X, y, groups, subset):
        train_subsets = self._checked_train_subsets()
        subset, y, groups = self._check_inputs(X, y, groups, subset)
        rng = check_random_state(self.random_state)
        fold = self._assign_folds(subset, y, groups, rng)
        strata = _strata(subset, y)
        split_number = 0
        for test_subset, k in product(np.unique(subset), range(self.n_splits)):
            test = np.flatnonzero((subset == test_subset) & (fold == k))
            other_folds = fold != k
            candidates = {
                "same": other_folds & (subset == test_subset),
                "other": other_folds & (subset != test_subset),
                "all": other_folds,
            }
            trains = {
                name: np.flatnonzero(candidates[name])
                for name in train_subsets
                if candidates[name].any()
            }
            versions = [(name, rows, False) for name, rows in trains.items()]
            if self.downsample and trains:
                smallest = min(len(rows) for rows in trains.values())
                versions += [
                    (name, _stratified_subsample(rows, strata[rows], smallest, rng), True)
                    for name, rows in trains.items()
                    if len(rows) > smallest
                ]
            for name, train, downsampled in versions:
                info = {
                    "split": split_number,
                    "test_subset": test_subset,
                    "test_fold": k,
                    "train_subsets": name,
                    "downsampled": downsampled,
                    "n_train": len(train),
                    "n_test": len(test),
                }
                split_number += 1
                yield info, train, test


_INFO_COLUMNS = [
    "split",
    "test_subset",
    "test_fold",
    "train_subsets",
    "downsampled",
    "n_train",
    "n_test",
]

_MISSING_SUBSET = (
    "SameOtherAllCV needs the subset of every row: call split(X, y, subset=subset), or with "
    "cross_validate enable metadata routing (sklearn.set_config(enable_metadata_routing=True)) "
    "and pass params={'subset': subset}."
)


def _strata(subset, y):
    if y is None:
        return np.unique(subset, return_inverse=True)[1]
    pairs = np.column_stack(
        [np.unique(subset, return_inverse=True)[1], np.unique(y, return_inverse=True)[1]]
    )
    return np.unique(pairs, axis=0, return_inverse=True)[1].ravel()


def _check_stratum_sizes(strata, n_splits):
    smallest = np.bincount(strata).min()
    if smallest < n_splits:
        raise ValueError(
            f"A (subset, class) combination has only {smallest} rows, fewer than n_splits="
            f"{n_splits}: every fold needs each combination. Use fewer folds or merge subsets."
        )


def _stratified_subsample(rows, strata, size, rng):
    """``size`` of ``rows``, each stratum kept in proportion (largest remainders first)."""
    labels, counts = np.unique(strata, return_counts=True)
    keep = [
        rng.choice(rows[strata == label], size=n, replace=False)
        for label, n in zip(labels, _allocate(size, counts))
    ]
    return np.sort(np.concatenate(keep))


def soak_ttest(scores, *, score="test_roc_auc", by=("dataset", "estimator"), downsampled=False):
    """Paired t-tests of SOAK results: Other vs Same and All vs Same, per test subset.

    Folds pair the scores: for each group of ``by``, test subset and comparison, the
    fold-wise differences ``score(other) - score(same)`` (or all - same) are tested
    against 0 with :func:`scipy.stats.ttest_rel` (two-sided).

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per split, with columns ``test_subset``, ``test_fold``,
        ``train_subsets``, ``score`` and those of ``by`` (as :func:`imbnn.benchmark.run_benchmark`
        returns with a :class:`SameOtherAllCV`); ``downsampled`` if present.
    score : str, default="test_roc_auc"
    by : sequence of str, default=("dataset", "estimator")
        Columns naming the compared groups; those absent from ``scores`` are ignored.
    downsampled : bool, default=False
        Compare the full-size training sets (False) or the down-sampled ones with the
        (never down-sampled) Same sets (True).

    Returns
    -------
    pandas.DataFrame
        Columns: the ``by`` columns, ``test_subset``, ``comparison`` ("other-same" or
        "all-same"), ``n_folds``, ``mean_same``, ``mean_compared``,
        ``mean_difference``, ``t_statistic``, ``p_value`` (NaN when fewer than 2
        folds pair up or the differences are all equal).

    Examples
    --------
    >>> import pandas as pd
    >>> from imbnn.model_selection import soak_ttest
    >>> scores = pd.DataFrame({
    ...     "test_subset": "A", "test_fold": [0, 1, 2] * 2,
    ...     "train_subsets": ["same"] * 3 + ["other"] * 3,
    ...     "test_roc_auc": [0.90, 0.92, 0.91, 0.80, 0.85, 0.81]})
    >>> row = soak_ttest(scores).iloc[0]
    >>> print(row["comparison"], round(row["mean_difference"], 3), round(row["p_value"], 3))
    other-same -0.09 0.012
    """
    required = {"test_subset", "test_fold", "train_subsets", score}
    missing = required - set(scores.columns)
    if missing:
        raise ValueError(f"scores lacks the column(s) {sorted(missing)}.")
    by = [column for column in by if column in scores.columns]
    frame = scores
    if "downsampled" in frame.columns:
        # Same is never down-sampled: it is the reference of both comparisons.
        same = frame["train_subsets"] == "same"
        frame = frame[same | (frame["downsampled"].astype(bool) == downsampled)]
    rows = []
    for keys, group in frame.groupby(by + ["test_subset"], sort=True, dropna=False):
        table = group.pivot_table(
            index="test_fold", columns="train_subsets", values=score, aggfunc="mean"
        )
        if "same" not in table.columns:
            continue
        for compared in ("other", "all"):
            if compared not in table.columns:
                continue
            pairs = table[["same", compared]].dropna()
            difference = pairs[compared] - pairs["same"]
            if len(pairs) >= 2 and difference.std() > 0:
                result = stats.ttest_rel(pairs[compared], pairs["same"])
                t_statistic, p_value = float(result.statistic), float(result.pvalue)
            else:
                t_statistic = p_value = np.nan
            keys = keys if isinstance(keys, tuple) else (keys,)
            rows.append(
                {
                    **dict(zip(by + ["test_subset"], keys)),
                    "comparison": f"{compared}-same",
                    "n_folds": len(pairs),
                    "mean_same": pairs["same"].mean(),
                    "mean_compared": pairs[compared].mean(),
                    "mean_difference": difference.mean(),
                    "t_statistic": t_statistic,
                    "p_value": p_value,
                }
            )
    columns = by + [
        "test_subset",
        "comparison",
        "n_folds",
        "mean_same",
        "mean_compared",
        "mean_difference",
        "t_statistic",
        "p_value",
    ]
    return pd.DataFrame(rows, columns=columns)
