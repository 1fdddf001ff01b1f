"""SameOtherAllCV against brute-force definitions, and the SOAK paired t-tests."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_validate

from imbnn.model_selection import SameOtherAllCV, soak_ttest


def _data(seed=0, sizes=(("A", 60), ("B", 90), ("C", 45))):
    rng = np.random.default_rng(seed)
    subset = np.concatenate([np.full(n, name) for name, n in sizes])
    y = rng.permutation(np.arange(len(subset)) % 3 == 0).astype(int)
    X = rng.normal(size=(len(subset), 3)) + y[:, None]
    return X, y, subset


def test_splits_follow_the_definitions():
    X, y, subset = _data()
    cv = SameOtherAllCV(n_splits=3, random_state=0)
    fold = cv.fold_ids(X, y, subset=subset)
    table = cv.split_table(X, y, subset=subset)
    splits = list(cv.split(X, y, subset=subset))
    assert len(splits) == len(table) == cv.get_n_splits(subset=subset) == 3 * 3 * 3
    for (train, test), (_, row) in zip(splits, table.iterrows()):
        s, k = row["test_subset"], row["test_fold"]
        np.testing.assert_array_equal(test, np.flatnonzero((subset == s) & (fold == k)))
        allowed = {"same": subset == s, "other": subset != s, "all": np.ones(len(y), bool)}[
            row["train_subsets"]
        ]
        np.testing.assert_array_equal(train, np.flatnonzero(allowed & (fold != k)))
        assert row["n_train"] == len(train) and row["n_test"] == len(test)
    # Every row is tested exactly once per kind of training set.
    for name in ("same", "other", "all"):
        tested = np.concatenate(
            [test for (_, test), kind in zip(splits, table["train_subsets"]) if kind == name]
        )
        np.testing.assert_array_equal(np.sort(tested), np.arange(len(y)))


def test_folds_are_stratified_by_subset_and_class_and_seeded():
    X, y, subset = _data()
    cv = SameOtherAllCV(n_splits=3, random_state=0)
    fold = cv.fold_ids(X, y, subset=subset)
    for s in np.unique(subset):
        for label in (0, 1):
            rows = (subset == s) & (y == label)
            counts = np.bincount(fold[rows], minlength=3)
            assert counts.max() - counts.min() <= 1, (s, label, counts)
    np.testing.assert_array_equal(
        fold, SameOtherAllCV(3, random_state=0).fold_ids(X, y, subset=subset)
    )
    assert not np.array_equal(fold, SameOtherAllCV(3, random_state=1).fold_ids(X, y, subset=subset))


def test_groups_stay_in_one_fold():
    X, y, subset = _data(sizes=(("A", 120), ("B", 120)))
    groups = np.arange(len(y)) // 4
    fold = SameOtherAllCV(n_splits=3, random_state=0).fold_ids(X, y, groups=groups, subset=subset)
    for group in np.unique(groups):
        assert len(np.unique(fold[groups == group])) == 1


def test_downsampled_training_sets_have_the_smallest_size_and_are_stratified():
    X, y, subset = _data(sizes=(("A", 60), ("B", 240)))
    cv = SameOtherAllCV(n_splits=3, downsample=True, random_state=0)
    table = cv.split_table(X, y, subset=subset)
    splits = list(cv.split(X, y, subset=subset))
    assert len(splits) == cv.get_n_splits(X, subset=subset)
    full = {}
    for (train, test), (_, row) in zip(splits, table.iterrows()):
        key = (row["test_subset"], row["test_fold"])
        if not row["downsampled"]:
            full[key + (row["train_subsets"],)] = train
            continue
        sizes = [len(full[key + (name,)]) for name in ("same", "other", "all")]
        assert len(train) == min(sizes) < len(full[key + (row["train_subsets"],)])
        parent = full[key + (row["train_subsets"],)]
        assert np.isin(train, parent).all()
        # Class proportions kept to within one row per (subset, class) stratum.
        assert abs(y[train].mean() - y[parent].mean()) * len(train) <= 4
    assert (
        table["downsampled"].sum() == 2 * 3 * 2
    )  # two larger training sets per test subset and fold


def test_single_subset_yields_no_other():
    X, y, _ = _data()
    subset = np.full(len(y), "only")
    cv = SameOtherAllCV(n_splits=3, random_state=0)
    table = cv.split_table(X, y, subset=subset)
    assert set(table["train_subsets"]) == {"same", "all"}
    assert len(table) == cv.get_n_splits(subset=subset) == 6


def test_cross_validate_with_metadata_routing_matches_manual_fits():
    X, y, subset = _data()
    cv = SameOtherAllCV(n_splits=3, train_subsets=("same", "other"), random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        result = cross_validate(
            LogisticRegression(), X, y, cv=cv, scoring="roc_auc", params={"subset": subset}
        )
    manual = [
        roc_auc_score(
            y[test], LogisticRegression().fit(X[train], y[train]).decision_function(X[test])
        )
        for train, test in cv.split(X, y, subset=subset)
    ]
    np.testing.assert_allclose(result["test_score"], manual)


@pytest.mark.parametrize(
    "cv, kwargs, message",
    [
        (SameOtherAllCV(), {}, "needs the subset of every row"),
        (
            SameOtherAllCV(n_splits=5),
            {"subset": np.repeat(["A", "B"], [4, 40])},
            "fewer than n_splits",
        ),
        (
            SameOtherAllCV(train_subsets=("same", "nearby")),
            {"subset": np.repeat(["A", "B"], 22)},
            "train_subsets must be",
        ),
        (
            SameOtherAllCV(),
            {"subset": np.repeat(["A", "B"], 10)},
            "X has 44 rows but subset has 20",
        ),
    ],
)
def test_bad_input_is_named(cv, kwargs, message):
    X = np.zeros((44, 2))
    y = np.arange(44) % 2
    with pytest.raises(ValueError, match=message):
        list(cv.split(X, y, **kwargs))


def test_bad_constructor_parameters():
    with pytest.raises(ValueError, match="n_splits"):
        SameOtherAllCV(n_splits=1)


def test_soak_ttest_matches_the_paired_t_formula():
    rng = np.random.default_rng(1)
    rows = []
    for estimator in ("a", "b"):
        for test_subset in ("S", "T"):
            same = rng.uniform(0.7, 0.9, 5)
            for name, values in (
                ("same", same),
                ("other", same - rng.uniform(0, 0.1, 5)),
                ("all", same + rng.normal(0, 0.02, 5)),
            ):
                rows += [
                    {
                        "estimator": estimator,
                        "test_subset": test_subset,
                        "test_fold": k,
                        "train_subsets": name,
                        "downsampled": False,
                        "test_roc_auc": v,
                    }
                    for k, v in enumerate(values)
                ]
    scores = pd.DataFrame(rows)
    # Down-sampled rows must not enter the full-size comparison.
    scores = pd.concat(
        [scores, scores.assign(downsampled=True, test_roc_auc=0.0).query("train_subsets != 'same'")]
    )
    result = soak_ttest(scores)
    assert len(result) == 2 * 2 * 2
    for _, row in result.iterrows():
        sel = scores[
            (scores["estimator"] == row["estimator"])
            & (scores["test_subset"] == row["test_subset"])
            & ~scores["downsampled"]
        ]
        compared = row["comparison"].split("-")[0]
        same = (
            sel[sel["train_subsets"] == "same"].sort_values("test_fold")["test_roc_auc"].to_numpy()
        )
        other = (
            sel[sel["train_subsets"] == compared]
            .sort_values("test_fold")["test_roc_auc"]
            .to_numpy()
        )
        d = other - same
        t = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
        assert row["n_folds"] == 5
        assert row["mean_difference"] == pytest.approx(d.mean())
        assert row["t_statistic"] == pytest.approx(t)
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), len(d) - 1))
    downsampled = soak_ttest(scores, downsampled=True)
    assert (downsampled["mean_compared"] == 0).all()


def test_soak_ttest_needs_its_columns():
    with pytest.raises(ValueError, match="test_fold"):
        soak_ttest(
            pd.DataFrame({"test_subset": ["A"], "train_subsets": ["same"], "test_roc_auc": [1.0]})
        )


def test_split_request_can_switch_groups_off():
    with sklearn.config_context(enable_metadata_routing=True):
        cv = SameOtherAllCV().set_split_request(groups=False)
        assert cv.get_metadata_routing().split.requests == {"groups": False, "subset": True}
