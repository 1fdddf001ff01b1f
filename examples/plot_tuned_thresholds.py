"""
Default vs tuned decisions of a network on ten imbalanced classes
=================================================================

**The problem.** The UCI handwritten digits (optdigits) made imbalanced: digit
``c`` keeps 90, 80, ..., 10, 5 % of its images, in the training and in the test
file. A small network trained with cross-entropy learns these priors, and its
default decision (the digit of largest probability) gives the rare digits 7, 8
and 9 too few predictions. scikit-learn's threshold tuners are binary only;
:class:`~imbnn.thresholds.TunedThresholdClassifier` tunes one threshold per
class (here the relative rule, predict ``argmax_k p_k / t_k``) for balanced
accuracy on out-of-fold probabilities (3-fold cross-validation), then refits the
network on all the training images.

**What to look at.** The two confusion matrices of the test images, normalised
per true digit: the diagonal is the recall of each digit. Below the figure's
code, the printed thresholds (1/10 each would be the default decision) and their
spread over the folds.

**What it shows.** Tuning raises the recall of the rare digits at little cost to
the frequent ones, and with it the test balanced accuracy; the thresholds of the
rare digits are the smallest. The thresholds are tuned on out-of-fold
predictions, never on the training predictions, which would tell nothing about
new data.

Needs optdigits (in ``IMBNN_DATA``, or downloaded on first use); where the
documentation was built without it, this page shows the code without its output. Run with
``--small`` (or ``IMBNN_EXAMPLE_SMALL=1``) for a quick run: fewer epochs and a
subsample.
"""

import os
import sys

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn.datasets import load_optdigits
from imbnn.estimators import NetClassifier
from imbnn.thresholds import TunedThresholdClassifier

small = "--small" in sys.argv or os.environ.get("IMBNN_EXAMPLE_SMALL") == "1"
fractions = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
rng = np.random.default_rng(0)


def imbalanced(X, y, scale=1.0):
    """Digit c keeps fractions[c] (times ``scale``) of its rows."""
    rows = [
        rng.choice(
            np.flatnonzero(y == digit), max(int(f * scale * np.sum(y == digit)), 4), replace=False
        )
        for digit, f in enumerate(fractions)
    ]
    rows = np.sort(np.concatenate(rows))
    return X[rows], y[rows]


X_train, y_train = imbalanced(
    *load_optdigits(subset="train", return_X_y=True), scale=0.5 if small else 1.0
)
X_test, y_test = imbalanced(*load_optdigits(subset="test", return_X_y=True))
print(f"training images per digit: {np.bincount(y_train)}")

network = make_pipeline(
    StandardScaler(),
    NetClassifier(hidden_layer_sizes=(64,), max_epochs=8 if small else 60, lr=3e-3, random_state=0),
)
tuned = TunedThresholdClassifier(
    network, method="relative", scoring="balanced_accuracy", cv=3, random_state=0
).fit(X_train, y_train)
default_prediction = tuned.estimator_.predict(X_test)  # the same refit network, argmax decision
tuned_prediction = tuned.predict(X_test)

print(
    f"out-of-fold balanced accuracy: default {tuned.default_score_:.3f}, tuned {tuned.best_score_:.3f}"
)
print("thresholds (1/10 = default):", np.round(tuned.thresholds_, 3))
print("spread over the folds:     ", np.round(tuned.thresholds_std_, 3))
for name, prediction in (("default", default_prediction), ("tuned", tuned_prediction)):
    print(
        f"test {name:7s}: balanced accuracy {balanced_accuracy_score(y_test, prediction):.3f}, "
        f"accuracy {accuracy_score(y_test, prediction):.3f}"
    )

figure, axes = plt.subplots(1, 2, figsize=(11, 5), constrained_layout=True)
for axis, name, prediction in zip(
    axes, ("default argmax", "tuned thresholds"), (default_prediction, tuned_prediction)
):
    ConfusionMatrixDisplay.from_predictions(
        y_test, prediction, normalize="true", values_format=".2f", colorbar=False, ax=axis
    )
    axis.set_title(f"{name}: balanced accuracy {balanced_accuracy_score(y_test, prediction):.3f}")
figure.suptitle("optdigits, digit c kept at 90, 80, ..., 10, 5 %: recall per true digit")
plt.show()
