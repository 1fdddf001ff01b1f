"""
Categorical columns, one-hot encoded: sparse input in a Pipeline
================================================================

**The problem.** COIL 2000 (the UCI Insurance Company Benchmark) describes 5,822
customers by 85 coded columns (customer subtype, age band, number of policies of
each kind, ...) and asks which of them hold a caravan insurance policy: 6% do.
The codes are categories, not quantities, so the usual encoding is one column per
level: :class:`~sklearn.preprocessing.OneHotEncoder` turns the 85 columns into
several hundred 0/1 columns, returned as a sparse matrix. The same holds for text:
:class:`~sklearn.feature_extraction.text.TfidfVectorizer` returns a sparse matrix
too. imbnn's networks take such a matrix as it comes out of the encoder, so the
encoding can live in a :class:`~sklearn.pipeline.Pipeline` and be cross-validated
with the model.

**What to look at.** The encoder's output (its shape and density), then the test
ROC AUC and the ROC curves of a class-weighted network and of a class-weighted
logistic regression, both on the same one-hot columns, fitted on the official
training file and tested on the official evaluation file (4,000 customers).

**What it shows.** The two are close (COIL 2000 is a hard task, ROC AUC about
0.7): the network needs no densified copy of the data and no other change to the
pipeline.

Needs COIL 2000 (in ``IMBNN_DATA``, or downloaded on first use); where the
documentation was built without it, this page shows the code without its output.
"""

import os

import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import RocCurveDisplay, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from imbnn import NetClassifier
from imbnn.datasets import load_coil2000

small = os.environ.get("IMBNN_EXAMPLE_SMALL") == "1"

X_train, y_train = load_coil2000(subset="train", return_X_y=True)
X_test, y_test = load_coil2000(subset="test", return_X_y=True)

# %%
# One column per level of every coded column: a sparse matrix.
encoder = OneHotEncoder(handle_unknown="ignore")
encoded = encoder.fit_transform(X_train)
print(
    f"{X_train.shape[1]} columns -> {encoded.shape[1]} one-hot columns, "
    f"{encoded.nnz / (encoded.shape[0] * encoded.shape[1]):.1%} non-zero ({type(encoded).__name__})"
)

# %%
# The same encoder before a network and before a logistic regression.
models = {
    "weighted cross-entropy network": make_pipeline(
        OneHotEncoder(handle_unknown="ignore"),
        NetClassifier(
            class_weight="balanced", hidden_layer_sizes=(32,), lr=1e-3,
            max_epochs=5 if small else 50, random_state=0,
        ),
    ),
    "weighted logistic regression": make_pipeline(
        OneHotEncoder(handle_unknown="ignore"),
        LogisticRegression(class_weight="balanced", C=0.1, max_iter=2000),
    ),
}
figure, axis = plt.subplots(figsize=(5.5, 5), constrained_layout=True)
for name, model in models.items():
    model.fit(X_train, y_train)
    scores = model.predict_proba(X_test)[:, 1]
    print(f"{name}: test ROC AUC {roc_auc_score(y_test, scores):.3f}")
    RocCurveDisplay.from_predictions(y_test, scores, name=name, ax=axis)
axis.plot([0, 1], [0, 1], ":", color="grey", linewidth=0.8)
axis.set_title("COIL 2000, test customers")
plt.show()
