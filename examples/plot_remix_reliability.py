"""
Reliability of the minority class: baseline network vs ReMix
============================================================

**The problem.** COIL 2000 (UCI Insurance Company Benchmark) asks which customers hold a caravan
insurance policy: 6% of them do. A network trained on it with plain
cross-entropy (the baseline) and the same network trained with ReMix
(:class:`~imbnn.estimators.ReMixClassifier`: class-balanced batches, MixUp,
soft labels), each at its estimator's default learning rate (1e-2 and 1e-3), are
fit on the official training file and evaluated on the official evaluation file.

**What to look at.** The reliability diagrams show, per class, the observed frequency of the class
against the predicted probability. The top row counts the test examples as they
are; the bottom row weights them so that both classes count equally, the view of
the balanced Brier score that the ReMix paper (Bellinger, Corizzo and Japkowicz,
arXiv:2012.02312) reports.

**What it shows.** ReMix learns from
balanced batches, so its probabilities aim at balanced classes: in the bottom row
its curves lie nearer the diagonal than the baseline's, which under-states the
minority everywhere, and its balanced Brier score and g-mean are better. In the
top row, at the true 6% prior, ReMix over-states the minority's probability and
its plain Brier score is worse than the baseline's: choose the view, and the
method, by the use the probabilities are put to. COIL 2000 is a hard task (test
ROC AUC 0.64 to 0.69), so neither model is close to the diagonal.

Needs COIL 2000 (in ``IMBNN_DATA``, or downloaded on first use); where the
documentation was built without it, this page shows the code without its output. Set
``IMBNN_EXAMPLE_SMALL=1`` for a quick run (a subsample and few epochs).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn.datasets import load_coil2000
from imbnn.estimators import NetClassifier, ReMixClassifier
from imbnn.metrics import balanced_brier_score
from imbnn.plotting import plot_reliability_diagram

small = os.environ.get("IMBNN_EXAMPLE_SMALL") == "1"
X_train, y_train = load_coil2000(subset="train", return_X_y=True)
X_test, y_test = load_coil2000(subset="test", return_X_y=True)
if small:
    keep = np.random.RandomState(0).choice(len(y_train), 1500, replace=False)
    X_train, y_train = X_train[keep], y_train[keep]

# The ReMix paper's tabular network: three hidden layers, dropout 0.1, Adam,
# batch 64. A fixed number of epochs: early stopping on the validation ROC AUC
# would keep an early epoch whose probabilities are not trained yet.
network = dict(
    hidden_layer_sizes=(64, 64, 64),
    module__dropout=0.1,
    batch_size=64,
    max_epochs=3 if small else 10,
    validation_fraction=0.0,
    random_state=0,
)
models = {
    "baseline": NetClassifier(**network),
    "ReMix": ReMixClassifier(alpha=0.3, resampling="sampler", **network),
}
probabilities = {}
for name, model in models.items():
    pipeline = make_pipeline(StandardScaler(), model).fit(X_train, y_train)
    probabilities[name] = pipeline.predict_proba(X_test)
    predicted = pipeline.classes_[probabilities[name].argmax(axis=1)]
    print(
        f"{name:8s} ROC AUC {roc_auc_score(y_test, probabilities[name][:, 1]):.3f}  "
        f"g-mean {geometric_mean_score(y_test, predicted):.3f}  "
        f"balanced Brier {balanced_brier_score(y_test, probabilities[name]):.3f}  "
        f"Brier {brier_score_loss(y_test, probabilities[name][:, 1]):.3f}"
    )

figure, axes = plt.subplots(2, 2, figsize=(7, 7), constrained_layout=True)
plot_reliability_diagram(y_test, probabilities, n_bins=8, strategy="quantile", axes=axes[0])
plot_reliability_diagram(
    y_test, probabilities, n_bins=8, strategy="quantile", class_balanced=True, axes=axes[1]
)
for row, view in enumerate(("as observed", "class-balanced")):
    axes[row, 0].set_title(f"no policy, {view}")
    axes[row, 1].set_title(f"caravan policy (6%), {view}")
figure.suptitle("COIL 2000 test set: reliability per class")
plt.show()
