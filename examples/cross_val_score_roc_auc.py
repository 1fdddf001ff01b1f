"""
Cross-validate an AUM network with cross_val_score
==================================================

**The problem.** Score a network on an imbalanced task the way any scikit-learn
model is scored: :func:`~sklearn.model_selection.cross_val_score` on a
``Pipeline``. The task is scikit-learn's breast cancer data with the malignant
tumours down-sampled to 10% (about 35 positives).

**What to look at.** The ROC AUC per fold of the AUM network and of the
featureless baseline, and the AUM itself through imbnn's scorer ``"neg_aum"``,
handed to scikit-learn as an object by :func:`~imbnn.metrics.get_scorer` (lower
AUM is better, so the scorer is its negative, as scikit-learn's
``"neg_log_loss"`` is).

**What it shows.** The network ranks the tumours well above the baseline's 0.5 on
every fold; with a dozen positives per test fold the per-fold scores spread over
about two points (0.98 to 1.0), which is why a single split says little.

Set ``IMBNN_EXAMPLE_SMALL=1`` for a quick run.
"""

import os

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn import AUMClassifier, FeaturelessClassifier
from imbnn.datasets import make_imbalanced
from imbnn.metrics import get_scorer

SMALL = os.environ.get("IMBNN_EXAMPLE_SMALL") == "1"

X, y = load_breast_cancer(return_X_y=True)
# Malignant tumours (label 0 in scikit-learn) become a 10% positive class.
X, y = make_imbalanced(X, y, minority_classes=[0], minority_proportion=0.1, random_state=0)
cv = StratifiedKFold(n_splits=3 if SMALL else 5, shuffle=True, random_state=0)

aum = make_pipeline(
    StandardScaler(), AUMClassifier(max_epochs=5 if SMALL else 100, lr=0.01, random_state=0)
)
for name, model in {"AUM network": aum, "featureless": FeaturelessClassifier()}.items():
    auc = cross_val_score(model, X, y, cv=cv, scoring="roc_auc")
    print(f"{name:>12}: ROC AUC per fold {auc.round(3).tolist()}, mean {auc.mean():.3f}")
neg_aum = cross_val_score(aum, X, y, cv=cv, scoring=get_scorer("neg_aum"))
print(f" AUM network: AUM per fold {(-neg_aum).round(3).tolist()}")
