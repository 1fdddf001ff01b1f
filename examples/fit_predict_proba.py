"""Fit AUM and cross-entropy networks on an imbalanced task; read their probabilities.

The task: scikit-learn's digits, even (positive, down-sampled to 5%) against odd.
AUMClassifier's scores rank the test rows; its ``predict_proba`` is calibrated on
the validation split, since AUM fixes neither the threshold nor the scale of the
scores. Set IMBNN_EXAMPLE_SMALL=1 for a quick run.
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
