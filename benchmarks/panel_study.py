"""The study behind the proposed defaults: network configurations on the panel's development half.

Each named configuration (:data:`STUDIES`) gives the five network estimators of
``benchmarks/panel.py`` explicit parameters; it runs on the panel's sets with the
panel's folds and row cap, and its cells are cached in ``<output>/<configuration>``.
The summary compares every (configuration, estimator) with today's defaults and
with LogisticRegression(class_weight="balanced") from a panel run of the same sets
(``--reference``, the ``panel.csv`` of ``panel.py --defaults today``).

    IMBNN_DATA=/work/shared/data OMP_NUM_THREADS=1 taskset -c 1 python benchmarks/panel_study.py \\
        --configs lr2 steps vf2 --datasets development --folds 5 --max-rows 10000 \\
        --output /work/panel_runs/study --reference /work/panel_runs/today_f5/panel.csv
"""

import argparse
import importlib.util
import sys
from pathlib import Path

import pandas as pd
import torch

from imbnn.estimators import SmoothedValidationScore
from imbnn.networks import MLP

_PANEL = Path(__file__).resolve().with_name("panel.py")
_spec = importlib.util.spec_from_file_location("panel", _PANEL)
panel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(panel)


class OutputStandardisedMLP(torch.nn.Module):
    """imbnn's MLP whose scores are standardised over the batch in training.

    AUM scales with the scores, so a network can lower it by shrinking every score
    towards 0 without ranking better. A batch normalisation without affine
    parameters on the output removes that direction: in training the batch's scores
    have mean 0 and variance 1; in prediction the running statistics apply one
    increasing affine map, which changes no ranking.
    """

    def __init__(self, n_features, n_outputs=1, hidden_layer_sizes=(100,), dropout=0.0):
        super().__init__()
        self.network = MLP(n_features, n_outputs, hidden_layer_sizes, dropout=dropout)
        self.standardise = torch.nn.BatchNorm1d(n_outputs, affine=False)

    def forward(self, X):
        return self.standardise(self.network(X))


def _all(common, **per_estimator):
    """The same configuration for every network, with per-estimator additions."""
    configs = {name: dict(common) for name in panel.NETWORKS}
    for name, extra in per_estimator.items():
        configs[name].update(extra)
    configs["aum"] = {**panel.AUM_FIRST_ROUND, **configs["aum"]}  # as the study ran
    return configs


def _aum(**params):
    """An AUM configuration of the study, on AUM's settings of the time (first round)."""
    return {"aum": {**panel.AUM_FIRST_ROUND, **params}}


def _current(**params):
    """The third round's networks at their current defaults, explicit, plus ``params``.

    ``lr=1e-2`` (ReMix ``lr=1e-3``), ALM on ``base_loss="weighted_bce"``, plain batches.
    """
    current = {
        "net": dict(lr=1e-2),
        "net_balanced": dict(lr=1e-2),
        "remix": dict(lr=1e-3),
        "alm": dict(lr=1e-2, base_loss="weighted_bce"),
    }
    return {name: {**config, "min_per_class": None, **params} for name, config in current.items()}


#: AUM's and ALM's defaults at the fourth round, explicit.
_FOURTH_DEFAULTS = {
    "aum": dict(lr=1e-2, min_per_class=16, average_best_epochs=5),
    "alm": dict(lr=1e-2, base_loss="weighted_bce", average_best_epochs=3),
}


def _changed(defaults, estimators=None, **change):
    """``change`` on the explicit ``defaults`` of ``estimators`` (all of them when None)."""
    return {name: {**defaults[name], **change} for name in estimators or defaults}


def _fourth(estimators=None, **change):
    """A fourth-round configuration: ``change`` on AUM's and ALM's current defaults."""
    return _changed(_FOURTH_DEFAULTS, estimators, **change)


#: The fourth round's changes shared by AUM and ALM.
_FOURTH = {
    "default": {},
    "lr3e-3": dict(lr=3e-3),
    "lr3e-2": dict(lr=3e-2),
    "adamw2": dict(optimizer=torch.optim.AdamW, optimizer__weight_decay=1e-2),
    "adamw1": dict(optimizer=torch.optim.AdamW, optimizer__weight_decay=1e-1),
    "drop": dict(module__dropout=0.2),
    "w256": dict(hidden_layer_sizes=(256,)),
    "plateau": dict(schedule="plateau", plateau_patience=3),
    "avg10": dict(average_best_epochs=10),
    "p20_avg10": dict(patience=20, average_best_epochs=10),
}

#: The five networks' package defaults at the fifth round, explicit.
_PACKAGE_DEFAULTS = {
    "net": dict(lr=1e-2, min_per_class=None, average_best_epochs=None),
    "net_balanced": dict(lr=1e-2, min_per_class=None, average_best_epochs=None),
    "aum": dict(lr=1e-2, min_per_class=16, average_best_epochs=5),
    "remix": dict(lr=1e-3, min_per_class=None, average_best_epochs=None),
    "alm": dict(lr=1e-2, base_loss="weighted_bce", min_per_class=None, average_best_epochs=3),
}


def _fifth(**change):
    """A fifth-round configuration: ``change`` on every network's package defaults."""
    return _changed(_PACKAGE_DEFAULTS, **change)


_WB = {"alm": {"base_loss": "weighted_bce"}}
_STEPS = dict(lr=1e-2, patience_steps=200)

#: Configurations of the study, by name (see panel.network_params for the mechanisms).
STUDIES = {
    # learning rate (patience 10 epochs, validation 0.1 as today)
    "lr3e-3": _all(dict(lr=3e-3), **_WB),
    "lr2": _all(dict(lr=1e-2), **_WB),
    "lr2_bce": _all(dict(lr=1e-2)),  # ALM's base loss left at bce
    "aum_lr3e-2": _aum(lr=3e-2),
    "aum_lr1e-1": _aum(lr=1e-1),
    # patience counted in optimiser steps (at least 200 steps without improvement)
    "steps": _all(_STEPS, **_WB),
    # how the epoch is chosen: a larger validation split, another scoring
    "vf2": _all(dict(lr=1e-2, validation_fraction=0.2), **_WB),
    "ap": _all(dict(lr=1e-2, scoring="average_precision"), **_WB),
    # no validation: a fixed budget of optimiser steps, cosine to zero
    "fixed1000": _all(dict(lr=1e-2, train_steps=1000, schedule="cosine"), **_WB),
    "fixed1000_wd": _all(
        dict(lr=1e-2, train_steps=1000, schedule="cosine", optimizer=torch.optim.AdamW,
             optimizer__weight_decay=1e-2), **_WB
    ),
    "fixed_e100": _all(dict(lr=1e-2, validation_fraction=0.0, max_epochs=100, schedule="cosine"),
                       **_WB),
    # schedules with early stopping
    "plateau": _all(dict(lr=1e-2, schedule="plateau", plateau_patience=3), **_WB),
    # batch size
    "b64": _all(dict(lr=1e-2, batch_size=64), **_WB),
    # network
    "w256x2_drop": _all(
        dict(lr=1e-2, hidden_layer_sizes=(256, 256), module__dropout=0.2), **_WB
    ),
    "drop": _all(dict(lr=1e-2, module__dropout=0.2), **_WB),
    # AUM-specific
    "aum_count": _aum(lr=1e-2, variant="count"),
    "aum_mpc4": _aum(lr=1e-2, min_per_class=4),
    "aum_full": _aum(lr=1e-2, batch_size=-1, patience=20),
    "aum_drop": _aum(lr=1e-2, module__dropout=0.2),
    "aum_vf2_p20": _aum(lr=1e-2, validation_fraction=0.2, patience=20),
    "aum_outnorm": _aum(lr=1e-2, module=OutputStandardisedMLP),
    "aum_outnorm_lr3e-3": _aum(lr=3e-3, module=OutputStandardisedMLP),
    # Second round, AUM only (docs/user_guide/defaults.rst, "Second round: AUM"); every
    # configuration gives lr=1e-2, the current default, explicitly.
    "aum2_default": _aum(lr=1e-2),
    # positives in a batch: the stratified sampler's top-up, the batch size, or a batch
    # size tied to the positives (panel.network_params)
    "aum2_mpc4": _aum(lr=1e-2, min_per_class=4),
    "aum2_mpc8": _aum(lr=1e-2, min_per_class=8),
    "aum2_mpc16": _aum(lr=1e-2, min_per_class=16),
    "aum2_b1024": _aum(lr=1e-2, batch_size=1024),
    "aum2_b64": _aum(lr=1e-2, batch_size=64),
    "aum2_ppb8": _aum(lr=1e-2, positives_per_batch=8),
    "aum2_ppb32": _aum(lr=1e-2, positives_per_batch=32),
    # the epoch choice with few validation positives
    "aum2_smooth3": _aum(lr=1e-2, callbacks=[SmoothedValidationScore(3)]),
    "aum2_smooth5": _aum(lr=1e-2, callbacks=[SmoothedValidationScore(5)]),
    "aum2_avg3": _aum(lr=1e-2, average_best_epochs=3),
    "aum2_avg5": _aum(lr=1e-2, average_best_epochs=5),
    # formed from the results above by the round's written rule: the count variant with
    # the best candidate (aum2_avg5), and the best batch candidate (aum2_mpc16) with
    # the best epoch-choice candidate (aum2_avg5), in both variants
    "aum2_count_best": _aum(lr=1e-2, variant="count", average_best_epochs=5),
    "aum2_combo": _aum(lr=1e-2, min_per_class=16, average_best_epochs=5),
    "aum2_combo_count": _aum(lr=1e-2, variant="count", min_per_class=16, average_best_epochs=5),
    # Third round (docs/user_guide/defaults.rst, "Third round: averaging the best epochs
    # for every network"): the four other networks at their current defaults, given
    # explicitly, with and without the mean weights of the best epochs
    "net3_default": _current(average_best_epochs=None),
    "net3_avg3": _current(average_best_epochs=3),
    "net3_avg5": _current(average_best_epochs=5),
    # formed from the three above by the round's written rule: min_per_class=16 with the
    # estimator's average_best_epochs of higher mean development ROC AUC (Net 5, Net
    # balanced 3, ALM 3)
    "net3_mpc16": {
        "net": {**_current()["net"], "min_per_class": 16, "average_best_epochs": 5},
        "net_balanced": {**_current()["net_balanced"], "min_per_class": 16,
                         "average_best_epochs": 3},
        "alm": {**_current()["alm"], "min_per_class": 16, "average_best_epochs": 3},
    },
    # the round's choice by its rule, for its single confirmation run (Net balanced:
    # nothing chosen)
    "net3_chosen": {
        "net": {**_current()["net"], "min_per_class": 16, "average_best_epochs": 5},
        "remix": {**_current()["remix"], "average_best_epochs": 5},
        "alm": {**_current()["alm"], "average_best_epochs": 3},
    },
    # after the confirmation, not a candidate: what NetClassifier's confirmed configuration
    # would do to NetClassifier(class_weight="balanced"), which shares its defaults
    "net3_balanced_as_net": {
        "net_balanced": {**_current()["net_balanced"], "min_per_class": 16,
                         "average_best_epochs": 5},
    },
    # AUMClassifier at its shipped defaults (the second round's confirmed configuration)
    "aum3_shipped": {"aum": dict(lr=1e-2, min_per_class=16, average_best_epochs=5)},
    # Fourth round (docs/user_guide/defaults.rst, "Fourth round: AUM and ALM against the
    # rest of the bar"): one change each to AUM's and ALM's current defaults
    **{f"c4_{name}": _fourth(**change) for name, change in _FOURTH.items()},
    "c4_neg_aum": _fourth(estimators=("aum",), scoring="neg_aum"),
    "c4_count": _fourth(estimators=("aum",), variant="count"),
    # formed by the round's rule from the results of those above: ALM's two qualifying
    # candidates of highest mean ROC AUC from different families (epoch choice:
    # c4_p20_avg10; regularisation: c4_adamw2). AUM has one qualifying candidate
    # (c4_w256), so no combination.
    "c4_combo": _fourth(estimators=("alm",), **_FOURTH["p20_avg10"], **_FOURTH["adamw2"]),
    # the round's choices by its rule, for its single confirmation run
    "c4_chosen": {
        **_fourth(estimators=("aum",), **_FOURTH["w256"]),
        **_fourth(estimators=("alm",), **_FOURTH["p20_avg10"], **_FOURTH["adamw2"]),
    },
    # Fifth round (docs/user_guide/defaults.rst, "Fifth round: what RealMLP's input
    # handling teaches"): RealMLP's smooth clipping, and its PBLD embeddings after it
    "r5_default": _fifth(),
    "r5_clip": _fifth(module__clip=3.0),
    "r5_pbld": _fifth(module__clip=3.0, module__embedding="periodic"),
    # ALM-specific
    "alm_mu": {"alm": dict(lr=1e-2, base_loss="weighted_bce", mu=1e-2, delta=1.0)},
}


def compare(study, reference):
    """Per (configuration, estimator): the panel summary plus sets worse/better than today.

    ``reference`` has the panel's rows at today's defaults (networks and LR balanced)
    on the same sets and folds.
    """
    today = reference.groupby(["dataset", "estimator"])["test_roc_auc"].mean().unstack()
    rows = []
    for config, scores in study.groupby("config", sort=False):
        sets = scores["dataset"].unique()
        base = reference[reference["dataset"].isin(sets)]
        reference_rows = base[base["estimator"] == panel.REFERENCE]
        both = pd.concat([scores.drop(columns="config"), reference_rows])
        table = panel.summarize_panel(both).set_index("estimator")
        auc = scores.groupby(["dataset", "estimator"])["test_roc_auc"].mean().unstack()
        for estimator in auc.columns:
            diff = auc[estimator] - today.loc[auc.index, estimator]
            rows.append(
                {
                    "config": config,
                    "estimator": estimator,
                    "roc_auc": table.loc[estimator, "roc_auc"],
                    "today": today.loc[auc.index, estimator].mean(),
                    "lr_balanced": table.loc[panel.REFERENCE, "roc_auc"],
                    "average_precision": table.loc[estimator, "average_precision"],
                    "wins": table.loc[estimator, "wins"],
                    "worse_than_today": int((diff < 0).sum()),
                    "better_than_today": int((diff > 0).sum()),
                    "fit_time": table.loc[estimator, "fit_time"],
                    "n_sets": len(auc),
                }
            )
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=list(STUDIES), help=", ".join(STUDIES))
    parser.add_argument("--estimators", nargs="+", default=list(panel.NETWORKS))
    parser.add_argument("--datasets", nargs="+", default=["development"])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=10000)
    parser.add_argument("--output", required=True)
    parser.add_argument("--reference", required=True, help="panel.csv of today's defaults")
    parser.add_argument("--summary-only", action="store_true", help="only read the cached cells")
    args = parser.parse_args(argv)
    unknown = [name for name in args.configs if name not in STUDIES]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; available: {', '.join(STUDIES)}")
    datasets = args.datasets[0] if len(args.datasets) == 1 and args.datasets[0] in (
        "development", "confirmation", "all") else args.datasets
    tables = []
    for config in args.configs:
        folder = Path(args.output) / config
        if args.summary_only:
            if not (folder / "panel.csv").is_file():
                continue
            scores = pd.read_csv(folder / "panel.csv")
        else:
            estimators = [name for name in args.estimators if name in STUDIES[config]]
            scores = panel.run_panel(
                datasets, estimators, configs=STUDIES[config], folds=args.folds,
                max_rows=args.max_rows, output=folder, progress=True,
            )
        tables.append(scores.assign(config=config))
    table = compare(pd.concat(tables, ignore_index=True), pd.read_csv(args.reference))
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
