"""
The default benchmark, with its CSV files and plots
===================================================

**The problem.** Compare the baselines and AUM on the two bundled tasks, keep
every fit, and plot the results: what the command ``imbnn benchmark`` does, here
through the Python API (:class:`~imbnn.benchmark.Benchmark`,
:func:`~imbnn.benchmark.default_estimators`).

**What to look at.** The table of test ROC AUC per task and estimator, and the
four figures :func:`~imbnn.plotting.save_benchmark_plots` writes: the test AUC
per fold, the test ROC curves (whole, and zoomed on TPR >= 0.9) and the subtrain
and validation AUC per epoch.
Each fit is cached in ``example_benchmark/``, so a second run skips the fits
already done.

**What it shows.** Every network is far above the featureless baseline; with a
few dozen positives the folds spread too much to order the networks (the
benchmarks page gives the full-size table).

Set ``IMBNN_EXAMPLE_SMALL=1`` for a quick run.
"""

import os

import matplotlib.pyplot as plt

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
paths = save_benchmark_plots(scores, bench.history_, bench.roc_, "example_benchmark")
for path in paths:
    print("wrote", path)

# %%
# The figures as written to ``example_benchmark/``.
for path in paths:
    figure, axis = plt.subplots(figsize=(9, 6))
    axis.imshow(plt.imread(path))
    axis.set_axis_off()
plt.show()
