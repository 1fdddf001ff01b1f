"""Paired summaries of reproduce_alm.py's CSVs: ALM minus its base loss, per ratio and loss.

    python benchmarks/summarise_alm.py alm_fixed.csv
    python benchmarks/summarise_alm.py alm_results.csv --select alm_mu01.csv

The first form prints, per (task, ratio, base loss), the mean test AUC and FPR at
TPR 0.95 without and with ALM, their paired differences in points (mean (std)
over seeds), how many seeds ALM lowered the FPR in, and the median epoch kept.
With ``--select``, the ALM rows of both CSVs are candidates and, per setting, the
one of higher mean validation AUC is kept (the paper tuned per setting); the base
rows come from the first CSV.
"""

import argparse

import pandas as pd


def paired(base, alm):
    base, alm = base.set_index("seed"), alm.set_index("seed")
    difference = {c: (alm[c] - base[c]) * 100 for c in ("test_auc", "fpr_at_tpr_95")}
    return {
        "base AUC": f"{base.test_auc.mean() * 100:.1f}",
        "ALM AUC": f"{alm.test_auc.mean() * 100:.1f}",
        "dAUC": f"{difference['test_auc'].mean():+.1f} ({difference['test_auc'].std():.1f})",
        "base FPR@TPR.95": f"{base.fpr_at_tpr_95.mean() * 100:.1f}",
        "ALM FPR@TPR.95": f"{alm.fpr_at_tpr_95.mean() * 100:.1f}",
        "dFPR@TPR.95": (
            f"{difference['fpr_at_tpr_95'].mean():+.1f} ({difference['fpr_at_tpr_95'].std():.1f})"
        ),
        "lower in": f"{(difference['fpr_at_tpr_95'] < 0).sum()} of {len(alm)}",
        "kept epoch (base / ALM)": f"{base.best_epoch.median():g} / {alm.best_epoch.median():g}",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--select", default=None, help="a second CSV of ALM rows to choose from")
    args = parser.parse_args()
    results = pd.read_csv(args.csv)
    candidates = [results[results.alm == 1]]
    if args.select:
        other = pd.read_csv(args.select)
        candidates.append(other[other.alm == 1])
    rows = []
    for (task, ratio, loss), base in results[results.alm == 0].groupby(
        ["task", "ratio", "base_loss"]
    ):
        options = [
            c[(c.task == task) & (c.ratio == ratio) & (c.base_loss == loss)] for c in candidates
        ]
        options = [o for o in options if len(o)]
        if not options:
            continue
        chosen = max(options, key=lambda o: o.valid_auc.mean())
        row = {"task": task, "ratio": f"1:{ratio}", "base loss": loss}
        if args.select:
            row["kept mu"] = f"{chosen.mu.iloc[0]:g}"
        rows.append({**row, **paired(base, chosen)})
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
