"""
Fit, rank, and read the probabilities of an imbalanced task
===========================================================

**The problem.** scikit-learn's handwritten digits, even (positive) against odd,
with the even digits down-sampled to 5%: about 35 positives among 700 training
rows. Three networks are fitted as any scikit-learn classifier is, in a
``Pipeline`` after a ``StandardScaler``: plain cross-entropy, class-weighted
cross-entropy and :class:`~imbnn.estimators.AUMClassifier`.

**What to look at.** Two different questions per model: does it rank the test
rows well (ROC AUC), and are its probabilities usable as they are (Brier score,
and the mean probability against the true positive rate of 4.9%)? Also the epoch
each fit kept, chosen on its validation split.

**What it shows.** All three rank the digits about equally well. Their
probabilities differ: AUM fixes neither the threshold nor the scale of its
scores, so :class:`~imbnn.estimators.AUMClassifier` calibrates its
``predict_proba`` on the validation split, and its mean probability matches the
positive rate; class weights make the network over-state the minority (mean
probability about twice the positive rate), which is the price of their better
recall at the default threshold of 0.5.

Set ``IMBNN_EXAMPLE_SMALL=1`` for a quick run.
"""

import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn import AUMClassifier, NetClassifier
from imbnn.datasets import make_imbalanced

SMALL = os.environ.get("IMBNN_EXAMPLE_SMALL") == "1"
EPOCHS = 5 if SMALL else 100

X, y = load_digits(return_X_y=True)
X, y = make_imbalanced(
    X, y, minority_classes=[0, 2, 4, 6, 8], minority_proportion=0.05, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, test_size=0.3, random_state=0)
print(f"{len(y_train)} training rows, {y_train.sum()} positive ({y_train.mean():.1%})")

models = {
    "AUM": AUMClassifier(max_epochs=EPOCHS, lr=0.01, validation_fraction=0.2, random_state=0),
    "cross-entropy": NetClassifier(
        max_epochs=EPOCHS, lr=0.01, validation_fraction=0.2, random_state=0
    ),
    "weighted cross-entropy": NetClassifier(
        class_weight="balanced", max_epochs=EPOCHS, lr=0.01, validation_fraction=0.2, random_state=0
    ),
}
for name, model in models.items():
    pipeline = make_pipeline(StandardScaler(), model).fit(X_train, y_train)
    probability = pipeline.predict_proba(X_test)[:, 1]
    print(
        f"{name:>22}: test ROC AUC {roc_auc_score(y_test, probability):.3f}, "
        f"Brier score {brier_score_loss(y_test, probability):.4f}, "
        f"mean probability {probability.mean():.3f} (positive rate {y_test.mean():.3f}), "
        f"epoch kept {model.best_epoch_} of {model.n_epochs_}"
    )
    assert np.all((probability >= 0) & (probability <= 1))
