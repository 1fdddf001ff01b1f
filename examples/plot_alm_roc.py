"""
False positives at high TPR: BCE vs BCE + ALM
=============================================

**The problem.** A screening model must catch almost every positive, so it runs
at a high true positive rate (TPR), and what matters is how many negatives it lets
through there: the false-positive rate (FPR) at TPR 0.90, 0.95 or 0.98. ALM
(Sangalli et al., "Constrained Optimization to Train Neural Networks on Critical
and Under-Represented Classes", NeurIPS 2021, arXiv:2102.12894;
:class:`~imbnn.estimators.ALMClassifier`) adds to a base loss one constraint per
positive training example, "outscore every negative by ``delta``", enforced by an
augmented Lagrangian whose multipliers grow on the positives that still score
low: the high-TPR end of the ROC curve.

Here a LeNet-5 learns Fashion-MNIST shirts (positive) against T-shirts/tops
(negative) from 6,000 T-shirts and 60 shirts (1:100), with plain binary
cross-entropy and with the same cross-entropy under ALM, from the same initial
weights.

**What to look at.** The left panel shows the whole ROC curves on the test images
(1,000 of each class); the right panel zooms on TPR >= 0.9, with the FPR at TPR
0.90, 0.95 and 0.98 marked: a dot further left is a model that lets fewer
T-shirts through at that recall.

**What it shows.** In the small mode that builds this page ALM's curve lies left
of BCE's at high TPR (FPR at TPR 0.95: 0.58 against 0.66). At full size (all the
training images, 20 epochs) the draw differs: ALM lets slightly more T-shirts
through at TPR 0.90 and 0.95 (0.62 against 0.59 at 0.95) and fewer only at 0.98
(0.75 against 0.82). One seed is one draw: over 10 seeds (the benchmarks page,
``benchmarks/reproduce_alm.py``) ALM lowers the FPR at TPR 0.95 by 1 to 4 points
on this task when the networks train a fixed number of epochs, less than the
spread between seeds of a single fit, and not at all when the epoch is chosen by
early stopping on a dozen validation positives. Compare ALM with its base loss on
held-out data before relying on it.

Needs Fashion-MNIST (in ``IMBNN_DATA``, or downloaded on first use); where the
documentation was built without it, this page shows the code without its output. Set
``IMBNN_EXAMPLE_SMALL=1`` for a quick run (a subsample and few epochs).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from imbnn.datasets import load_fashion_mnist, make_imbalanced
from imbnn.estimators import ALMClassifier, NetClassifier
from imbnn.metrics import fpr_at_tpr
from imbnn.networks import LeNet5

small = os.environ.get("IMBNN_EXAMPLE_SMALL") == "1"
NEGATIVE, POSITIVE = 0, 6  # T-shirt/top, Shirt

X, y = load_fashion_mnist(subset="train", return_X_y=True)
keep = np.flatnonzero((y == NEGATIVE) | (y == POSITIVE))
if small:
    keep = np.random.RandomState(0).choice(keep, 6000, replace=False)
# 1 shirt per 100 T-shirts; y_train is 1 for shirts.
X_train, y_train = make_imbalanced(
    X[keep], y[keep], minority_classes=[POSITIVE], imbalance_ratio=100, random_state=0
)
X_test, y_test = load_fashion_mnist(subset="test", return_X_y=True)
test = np.flatnonzero((y_test == NEGATIVE) | (y_test == POSITIVE))
X_test, y_test = X_test[test], (y_test[test] == POSITIVE).astype(int)

network = dict(
    module=LeNet5,
    batch_size=64,
    lr=2e-3,
    max_epochs=6 if small else 20,
    patience=6,
    validation_fraction=0.2,
    random_state=0,
)
models = {
    "BCE": NetClassifier(loss="bce", **network),
    "BCE + ALM": ALMClassifier(base_loss="bce", delta=1.0, mu=1e-2, **network),
}

figure, (full, zoom) = plt.subplots(1, 2, figsize=(10, 4.5))
for colour, (name, model) in zip(["C0", "C3"], models.items()):
    model.fit(X_train, y_train)
    scores = model.decision_function(X_test)
    fpr, tpr, _ = roc_curve(y_test, scores)
    auc = roc_auc_score(y_test, scores)
    at = {level: fpr_at_tpr(y_test, scores, tpr=level) for level in (0.90, 0.95, 0.98)}
    label = f"{name}: AUC {auc:.3f}, FPR@TPR.95 {at[0.95]:.3f}"
    print(label, {f"FPR@TPR{level}": round(value, 3) for level, value in at.items()})
    for ax in (full, zoom):
        ax.plot(fpr, tpr, color=colour, label=label)
    zoom.plot(list(at.values()), list(at), "o", color=colour, mec="black")

full.plot([0, 1], [0, 1], ":", color="grey", linewidth=0.8)
full.set_title("test ROC curves")
zoom.set_ylim(0.9, 1.001)
zoom.set_xlim(0, 1)
for level in (0.90, 0.95, 0.98):
    zoom.axhline(level, color="grey", linewidth=0.6, linestyle="--")
zoom.set_title("zoom on TPR >= 0.9 (dots: FPR at TPR .90, .95, .98)")
for ax in (full, zoom):
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right", fontsize="small")
figure.tight_layout()
plt.show()
