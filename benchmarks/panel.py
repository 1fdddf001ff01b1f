"""The panel: every imbnn network estimator next to standard classifiers on imbalanced tables.

A thin configuration over :class:`imbnn.benchmark.Benchmark` and :mod:`imbnn.datasets`:

- data sets: the 22 imbalanced-learn sets of the shared data (minority = 1), UCI
  COIL 2000 (caravan holders, 6%), UCI Image Segmentation with GRASS down-sampled
  to 5% of the rows, and two synthetic tasks (``make_classification``: 20,000 x 30
  at 1.5% positives, and 2,000 x 20 at 5% positives with 5 informative features and
  2% flipped labels). A set of more than ``--max-rows`` rows (5,000 by default) is
  sub-sampled, stratified and seeded, to that many rows. The UCI ozone, Landsat and
  optdigits files are the imbalanced-learn ``ozone_level``, ``satimage`` and
  ``optical_digits``, so they are not repeated.
- halves: the sets sorted by their number of rows (before the cap; ties by name)
  alternate development (1st, 3rd, ...) and confirmation (2nd, 4th, ...).
- estimators: FeaturelessClassifier, LogisticRegression (plain and
  ``class_weight="balanced"``), scikit-learn's MLPClassifier,
  HistGradientBoostingClassifier, and imbnn's NetClassifier (plain and balanced),
  AUMClassifier, ReMixClassifier and ALMClassifier, each at ``--defaults today``
  (the defaults before the panel study, :data:`TODAY`, given explicitly: ``lr=1e-3``,
  ALM on ``base_loss="bce"``), ``--defaults proposed`` (:data:`PROPOSED`, given
  explicitly) or ``--defaults package`` (the constructors' current defaults),
  ``random_state=0``. Everything but HistGradientBoosting sees
  median-imputed, standardised features. ``realmlp`` (pytabkit's
  RealMLP_TD_Classifier, its own preprocessing) is an optional extra.
- protocol: stratified ``--folds``-fold CV (3 by default) seeded 0, test ROC AUC
  and average precision (AP) per fold, averaged per set.

It prints, per estimator: mean ROC AUC, mean AP, the number of sets where its mean
ROC AUC beats LogisticRegression(class_weight="balanced") (``wins``), its mean rank
(1 = best ROC AUC of the set among the estimators run), and the mean fit time.

    IMBNN_DATA=/work/shared/data OMP_NUM_THREADS=1 taskset -c 1 \\
        python benchmarks/panel.py --defaults today --datasets all --output /work/panel_runs/today
    python benchmarks/panel.py --estimators lr_balanced aum --datasets development --folds 3

Results (one row per cell) are written to ``<output>/panel.csv``; the cell cache is
``<output>/cells``, so an interrupted run resumes where it stopped.
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch

from imbnn.benchmark import Benchmark, load_task
from imbnn.datasets import (
    IMBALANCED_LEARN_DATASETS,
    load_coil2000,
    load_image_segmentation,
    make_imbalanced,
)
from imbnn.estimators import (
    ALMClassifier,
    AUMClassifier,
    FeaturelessClassifier,
    NetClassifier,
    ReMixClassifier,
)

SEED = 0
REFERENCE = "lr_balanced"

NETWORKS = ("net", "net_balanced", "aum", "remix", "alm")
BASELINES = ("featureless", "lr", "lr_balanced", "mlp", "hgb")
EXTRAS = ("realmlp",)
DEFAULT_ESTIMATORS = BASELINES + NETWORKS

#: The proposed defaults, per network estimator, given explicitly (chosen on the
#: development half by benchmarks/panel_study.py; docs/user_guide/defaults.rst). Every
#: other parameter keeps today's default. Configurations may also hold keys that are
#: not estimator parameters, mechanisms realised with what exists (see
#: :func:`network_params`); the chosen defaults need none of them.
_COMMON = dict(lr=1e-2)
#: The defaults the study started from (the constructors' before it), given explicitly
#: so that ``--defaults today`` keeps meaning them after the defaults changed.
#: AUMClassifier's batch and epoch choice before the second round changed them.
AUM_FIRST_ROUND = dict(min_per_class=1, average_best_epochs=None)
TODAY = {
    "net": dict(lr=1e-3),
    "net_balanced": dict(lr=1e-3),
    "aum": dict(lr=1e-3, **AUM_FIRST_ROUND),
    "remix": dict(lr=1e-3),
    "alm": dict(lr=1e-3, base_loss="bce"),
}
PROPOSED = {
    "net": dict(_COMMON),
    "net_balanced": dict(_COMMON),
    "aum": dict(_COMMON, **AUM_FIRST_ROUND),
    "remix": dict(_COMMON),
    "alm": dict(_COMMON, base_loss="weighted_bce"),
}


# ----------------------------------------------------------------------------- data sets


def _segmentation(data_home):
    data = load_image_segmentation(subset="all", data_home=data_home)
    X, y = make_imbalanced(
        data.data, data.target, minority_classes=["GRASS"], minority_proportion=0.05,
        random_state=SEED,
    )
    return X, y


def _synthetic_large(data_home):
    return make_classification(
        n_samples=20000, n_features=30, weights=[0.985], random_state=SEED
    )


def _synthetic_small(data_home):
    return make_classification(
        n_samples=2000, n_features=20, n_informative=5, weights=[0.95], flip_y=0.02,
        random_state=SEED,
    )


def _coil2000(data_home):
    return load_coil2000(subset="all", data_home=data_home, return_X_y=True)


def _imbalanced_learn(name):
    def load(data_home):
        task = load_task(name, data_home=data_home)
        return task.data, task.target

    return load


_LOADERS = {
    **{name: _imbalanced_learn(name) for name in IMBALANCED_LEARN_DATASETS},
    "coil2000": _coil2000,
    "segmentation_grass": _segmentation,
    "synthetic_large": _synthetic_large,
    "synthetic_small": _synthetic_small,
}

#: Every data set of the panel.
DATASETS = tuple(_LOADERS)


def load_dataset(name, *, max_rows=5000, data_home=None):
    """One panel data set: a Bunch of ``data``, ``target`` (minority = 1) and ``n_rows``.

    ``n_rows`` counts the rows before the cap.

    A set of more than ``max_rows`` rows keeps a stratified, seeded sample of
    ``max_rows`` of them (None keeps all).
    """
    if name not in _LOADERS:
        raise ValueError(f"Unknown panel data set {name!r}; available: {', '.join(DATASETS)}.")
    X, y = _LOADERS[name](data_home)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    n_rows = len(y)
    if max_rows is not None and n_rows > max_rows:
        keep, _ = train_test_split(
            np.arange(n_rows), train_size=max_rows, stratify=y, random_state=SEED
        )
        keep = np.sort(keep)
        X, y = X[keep], y[keep]
    return Bunch(data=X, target=y, n_rows=n_rows)


def halves(sizes):
    """The development and confirmation halves of ``{name: n_rows}``.

    Sorted by number of rows (ties by name), the sets alternate: the 1st, 3rd, ...
    are development, the 2nd, 4th, ... confirmation.
    """
    ordered = sorted(sizes, key=lambda name: (sizes[name], name))
    return ordered[0::2], ordered[1::2]


def select_datasets(which, datasets):
    """Names of the sets of ``which`` (development, confirmation, all or a list of names)."""
    if which in ("development", "confirmation", "all"):
        if which == "all":
            return list(datasets)
        development, confirmation = halves({name: datasets[name].n_rows for name in datasets})
        return development if which == "development" else confirmation
    raise ValueError(f"which must be development, confirmation or all; got {which!r}.")


# ----------------------------------------------------------------------------- estimators


def _prepared(estimator):
    return make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(), estimator
    )


def network_params(config, n_train, n_positive):
    """Constructor parameters of a network from a configuration, for one training fold.

    ``config`` holds estimator parameters plus four realised mechanisms:

    - ``patience_steps`` (int): patience counted in optimiser steps. The patience
      in epochs is ``max(patience, ceil(patience_steps / batches_per_epoch))`` with
      ``batches_per_epoch = ceil(n_subtrain / batch_size)`` and ``n_subtrain`` the
      training rows left after the validation split; ``max_epochs`` is raised to at
      least twice that patience so that it cannot cut the patience short.
    - ``train_steps`` (int): no validation split and a fixed budget of optimiser
      steps, ``max_epochs = max(1, round(train_steps / batches_per_epoch))`` with
      ``batches_per_epoch = ceil(n_train / batch_size)``; the last epoch is kept.
    - ``positives_per_batch`` (int ``p``): the batch size that holds about ``p``
      positives, ``ceil(p * n_train / n_positive)`` rows, at least 32; the full
      batch (``batch_size=-1``) where that reaches the training rows left after the
      validation split.
    - ``schedule``: None; ``"cosine"`` (the learning rate follows a cosine from
      ``lr`` down to 0 over ``max_epochs`` epochs, updated every epoch); or
      ``"plateau"`` (divided by 5 when the validation ROC AUC has not improved for
      ``plateau_patience`` epochs, 5 unless given).
    """
    import torch
    from skorch.callbacks import LRScheduler

    params = dict(config)
    patience_steps = params.pop("patience_steps", None)
    train_steps = params.pop("train_steps", None)
    schedule = params.pop("schedule", None)
    plateau_patience = params.pop("plateau_patience", 5)
    positives_per_batch = params.pop("positives_per_batch", None)
    params.setdefault("random_state", SEED)
    if positives_per_batch is not None:
        fraction = params.get("validation_fraction", 0.1)
        n_subtrain = n_train - math.ceil(fraction * n_train)
        batch_size = max(32, math.ceil(positives_per_batch * n_train / max(n_positive, 1)))
        params["batch_size"] = -1 if batch_size >= n_subtrain else batch_size
    if patience_steps is not None:
        fraction = params.get("validation_fraction", 0.1)
        n_subtrain = n_train - math.ceil(fraction * n_train)
        batch_size = params.get("batch_size", 256)
        batch_size = n_subtrain if batch_size == -1 else batch_size
        per_epoch = math.ceil(n_subtrain / batch_size)
        patience = max(params.get("patience", 10), math.ceil(patience_steps / per_epoch))
        params["patience"] = patience
        params["max_epochs"] = max(params.get("max_epochs", 100), 2 * patience)
    if train_steps is not None:
        batch_size = params.get("batch_size", 256)
        batch_size = n_train if batch_size == -1 else batch_size
        params["validation_fraction"] = 0.0
        params["max_epochs"] = max(1, round(train_steps / math.ceil(n_train / batch_size)))
    if schedule == "cosine":
        scheduler = LRScheduler(
            policy=torch.optim.lr_scheduler.CosineAnnealingLR,
            T_max=params.get("max_epochs", 100),
        )
        params["callbacks"] = list(params.get("callbacks") or []) + [("lr_schedule", scheduler)]
    elif schedule == "plateau":
        scheduler = LRScheduler(
            policy=torch.optim.lr_scheduler.ReduceLROnPlateau,
            monitor="valid_auc",
            mode="max",
            factor=0.2,
            patience=plateau_patience,
        )
        params["callbacks"] = list(params.get("callbacks") or []) + [("lr_schedule", scheduler)]
    elif schedule is not None:
        raise ValueError(f"schedule must be None, 'cosine' or 'plateau'; got {schedule!r}.")
    return params


_NETWORK_CLASSES = {
    "net": (NetClassifier, {}),
    "net_balanced": (NetClassifier, {"class_weight": "balanced"}),
    "aum": (AUMClassifier, {}),
    "remix": (ReMixClassifier, {}),
    "alm": (ALMClassifier, {}),
}


def make_estimators(names, *, defaults="today", configs=None, n_train=1000, n_positive=100):
    """The panel's estimators for one data set (its fold size sets the step-based patience).

    Parameters
    ----------
    names : sequence of str
        Any of :data:`DEFAULT_ESTIMATORS` and ``"realmlp"``.
    defaults : {"today", "proposed", "package"}
        The networks' parameters: :data:`TODAY`, :data:`PROPOSED`, or the
        constructors' current defaults.
    configs : dict of str to dict, default=None
        Overrides the configuration of some networks (as :data:`PROPOSED`).
    n_train, n_positive : int
        Training rows (and positives) of a fold.
    """
    if defaults not in ("today", "proposed", "package"):
        raise ValueError(
            f"defaults must be 'today', 'proposed' or 'package'; got {defaults!r}."
        )
    estimators = {}
    for name in names:
        if name in _NETWORK_CLASSES:
            cls, fixed = _NETWORK_CLASSES[name]
            config = {"today": TODAY, "proposed": PROPOSED}.get(defaults, {}).get(name, {})
            if configs and name in configs:
                config = configs[name]
            params = network_params(config, n_train, n_positive)
            estimators[name] = _prepared(cls(**fixed, **params))
        elif name == "featureless":
            estimators[name] = FeaturelessClassifier(random_state=SEED)
        elif name == "lr":
            estimators[name] = _prepared(LogisticRegression(max_iter=1000))
        elif name == "lr_balanced":
            estimators[name] = _prepared(LogisticRegression(class_weight="balanced", max_iter=1000))
        elif name == "mlp":
            estimators[name] = _prepared(MLPClassifier(random_state=SEED))
        elif name == "hgb":
            estimators[name] = HistGradientBoostingClassifier(random_state=SEED)
        elif name == "realmlp":
            from pytabkit import RealMLP_TD_Classifier

            estimators[name] = make_pipeline(
                SimpleImputer(strategy="median", keep_empty_features=True),
                RealMLP_TD_Classifier(random_state=SEED, n_threads=1, device="cpu"),
            )
        else:
            known = DEFAULT_ESTIMATORS + EXTRAS
            raise ValueError(f"Unknown estimator {name!r}; available: {', '.join(known)}.")
    return estimators


# ----------------------------------------------------------------------------- scores


def run_panel(
    datasets,
    estimators=DEFAULT_ESTIMATORS,
    *,
    defaults="today",
    configs=None,
    folds=3,
    max_rows=5000,
    output=None,
    n_jobs=None,
    data_home=None,
    progress=False,
    loaded_datasets=None,
):
    """Cross-validate the panel; one row per cell, with ``test_average_precision``.

    ``datasets`` is development, confirmation, all, or a list of panel set names
    (or of names in ``loaded_datasets``, a dict of Bunches as :func:`load_dataset` gives).
    Each set gets its own estimators (:func:`make_estimators` with its fold size).
    """
    if loaded_datasets is not None:
        loaded, names = loaded_datasets, list(datasets)
    else:
        every = DATASETS if isinstance(datasets, str) else list(datasets)
        loaded = {
            name: load_dataset(name, max_rows=max_rows, data_home=data_home) for name in every
        }
        names = select_datasets(datasets, loaded) if isinstance(datasets, str) else every

    def estimators_for(name, data):
        n_rows = len(data.target)
        n_train = n_rows - math.ceil(n_rows / folds)
        n_positive = int(np.sum(data.target) * (folds - 1) / folds)
        return make_estimators(
            estimators, defaults=defaults, configs=configs, n_train=n_train, n_positive=n_positive
        )

    bench = Benchmark(
        estimators_for,
        {name: Bunch(data=loaded[name].data, target=loaded[name].target) for name in names},
        cv=folds,
        output=output,
        n_jobs=n_jobs,
        random_state=SEED,
        scoring={"average_precision": "average_precision"},
        record_history=False,
        progress=progress,
    )
    scores = bench.run()
    if output is not None:
        scores.to_csv(Path(output) / "panel.csv", index=False)
    return scores


def summarize_panel(scores, reference=REFERENCE):
    """Per estimator: mean ROC AUC, mean AP, wins against ``reference``, mean rank, fit time.

    ``wins`` counts the sets where the estimator's mean ROC AUC over the folds is
    greater than the reference's; ranks (1 = best, ties averaged) are of the mean
    ROC AUC among the estimators of ``scores``, per set.
    """
    per_set = scores.groupby(["dataset", "estimator"], sort=False).agg(
        roc_auc=("test_roc_auc", "mean"),
        average_precision=("test_average_precision", "mean"),
        fit_time=("fit_time", "mean"),
    ).reset_index()
    auc = per_set.pivot(index="dataset", columns="estimator", values="roc_auc")
    ranks = auc.rank(axis=1, ascending=False)
    table = per_set.groupby("estimator", sort=False).agg(
        roc_auc=("roc_auc", "mean"),
        average_precision=("average_precision", "mean"),
        fit_time=("fit_time", "mean"),
        n_sets=("roc_auc", "size"),
    )
    table["wins"] = np.nan
    if reference in auc.columns:
        table["wins"] = (auc.gt(auc[reference], axis=0)).sum().reindex(table.index)
        table.loc[reference, "wins"] = np.nan
    table["mean_rank"] = ranks.mean().reindex(table.index)
    return table.reset_index()[
        ["estimator", "roc_auc", "average_precision", "wins", "mean_rank", "fit_time", "n_sets"]
    ]


def against_today(scores, today):
    """Per network estimator: the sets where its mean ROC AUC is below / above today's default."""
    mine = scores.groupby(["dataset", "estimator"])["test_roc_auc"].mean().unstack()
    base = today.groupby(["dataset", "estimator"])["test_roc_auc"].mean().unstack()
    rows = []
    for estimator in mine.columns.intersection(base.columns):
        if estimator not in NETWORKS:
            continue
        sets = mine.index.intersection(base.index)
        diff = mine.loc[sets, estimator] - base.loc[sets, estimator]
        rows.append({"estimator": estimator, "today": base.loc[sets, estimator].mean(),
                     "proposed": mine.loc[sets, estimator].mean(), "worse": int((diff < 0).sum()),
                     "better": int((diff > 0).sum()), "n_sets": len(sets)})
    return pd.DataFrame(rows)


def format_table(table):
    lines = ["| estimator | ROC AUC | AP | wins vs LR(bal) | mean rank | fit time (s) | sets |",
             "|---|---|---|---|---|---|---|"]
    for row in table.itertuples():
        wins = "-" if pd.isna(row.wins) else f"{int(row.wins)}"
        lines.append(
            f"| {row.estimator} | {row.roc_auc:.3f} | {row.average_precision:.3f} | {wins} | "
            f"{row.mean_rank:.2f} | {row.fit_time:.2f} | {row.n_sets} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--defaults", choices=("today", "proposed", "package"), default="today")
    parser.add_argument("--estimators", nargs="+", default=list(DEFAULT_ESTIMATORS),
                        help=f"any of {', '.join(DEFAULT_ESTIMATORS + EXTRAS)}")
    parser.add_argument("--datasets", nargs="+", default=["all"],
                        help="development, confirmation, all, or panel set names")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--max-rows", type=int, default=5000)
    parser.add_argument("--output", default=None, help="folder for panel.csv and the cell caches")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--list", action="store_true", help="list the sets, their sizes and halves")
    parser.add_argument("--summarize", nargs="+", metavar="CSV",
                        help="only summarise panel.csv files (concatenated), per half")
    parser.add_argument("--today", metavar="CSV",
                        help="with --summarize: today's panel.csv, to count sets worse than today")
    args = parser.parse_args(argv)
    if args.summarize:
        scores = pd.concat([pd.read_csv(path) for path in args.summarize], ignore_index=True)
        scores = scores.drop_duplicates(["dataset", "estimator", "split"], keep="last")
        sizes = {name: load_dataset(name, max_rows=None, data_home=args.data_home).n_rows
                 for name in DATASETS}
        development, confirmation = halves(sizes)
        today = None if args.today is None else pd.read_csv(args.today)
        for title, names in (("development", development), ("confirmation", confirmation),
                             ("all", list(DATASETS))):
            part = scores[scores["dataset"].isin(names)]
            if part.empty:
                continue
            print(f"\n{title} ({part['dataset'].nunique()} sets)\n")
            print(format_table(summarize_panel(part)))
            if today is not None:
                print()
                print(against_today(part, today[today["dataset"].isin(names)]).round(3)
                      .to_string(index=False))
        return 0
    if args.list:
        loaded = {name: load_dataset(name, max_rows=args.max_rows, data_home=args.data_home)
                  for name in DATASETS}
        development, _ = halves({name: loaded[name].n_rows for name in loaded})
        for name in sorted(loaded, key=lambda n: (loaded[n].n_rows, n)):
            data = loaded[name]
            half = "development" if name in development else "confirmation"
            print(f"{name:20s} {data.n_rows:6d} rows, {len(data.target):5d} used, "
                  f"{int(data.target.sum()):4d} positive, {data.data.shape[1]:3d} features, {half}")
        return 0
    datasets = args.datasets[0] if len(args.datasets) == 1 and args.datasets[0] in (
        "development", "confirmation", "all") else args.datasets
    start = time.perf_counter()
    scores = run_panel(
        datasets, args.estimators, defaults=args.defaults, folds=args.folds,
        max_rows=args.max_rows, output=args.output, n_jobs=args.n_jobs,
        data_home=args.data_home, progress=True,
    )
    print(format_table(summarize_panel(scores)))
    print(f"\n{scores['dataset'].nunique()} sets, {args.folds} folds, "
          f"{time.perf_counter() - start:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
