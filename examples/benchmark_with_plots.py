"""A benchmark of the baselines and AUM, with its CSV files and plots.

Runs imbnn's default estimators on the two bundled tasks with 3-fold
cross-validation, caching each fit in ``example_benchmark/`` (a re-run skips
them), prints the test ROC AUC table and saves ``test_auc.png``, ``roc.png`` and
``history.png``. Set IMBNN_EXAMPLE_SMALL=1 for a quick run.
"""

import os

from imbnn.benchmark import Benchmark, default_estimators, summarize
from imbnn.plotting import save_benchmark_plots

SMALL = os.environ.get("IMBNN_EXAMPLE_SMALL") == "1"

estimators = default_estimators(max_epochs=4 if SMALL else 100, lr=0.01)
datasets = ["digits"] if SMALL else ["breast_cancer", "digits"]
bench = Benchmark(
    estimators, datasets, cv=2 if SMALL else 3, output="example_benchmark", progress=not SMALL
)
scores = bench.run()

table = summarize(scores)
print(table.round(3).to_string(index=False))
for path in save_benchmark_plots(scores, bench.history_, bench.roc_, "example_benchmark"):
    print("wrote", path)
