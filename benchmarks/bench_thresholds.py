"""Multi-class threshold search vs a search over 2,000 random threshold vectors.

A common way to tune 10 per-class thresholds is to score 2,000 random vectors (numpy
``random``, here uniform on [0, 1]^K) on the validation probabilities and keeping the
best. ``TunedThresholdClassifier`` climbs by exact one-dimensional searches instead.
Both are run side by side on the same validation probabilities, for both rules and
two scorers, and the chosen thresholds are scored on a separate test set.

The random search is given its fastest form (numpy argmax and a bincount score per
vector, no scikit-learn call), so the time ratio is conservative. The imbnn side is
timed through the public estimator (``cv="prefit"`` on a model that returns stored
probabilities), scorer set-up and result checks included.

Data: (1) a synthetic 10-class problem with class fractions (90, 80, ...,
10, 5 %), probabilities of a logistic regression; (2) Fashion-MNIST with the same
fractions, probabilities of a logistic regression on 50 principal components (when
the data is available through ``imbnn.datasets``).

Run::

    OMP_NUM_THREADS=1 python benchmarks/bench_thresholds.py --repeats 5
"""

import argparse
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbnn.thresholds import TunedThresholdClassifier

FRACTIONS = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


class StoredProbabilities(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose ``X`` is row numbers into stored probabilities."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y):
        return self

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return np.arange(self.proba.shape[1])

    def predict_proba(self, X):
        return self.proba[np.asarray(X)[:, 0].astype(int)]


def fast_score(name, y, prediction, n_classes):
    correct = prediction == y
    if name == "accuracy":
        return correct.mean()
    return np.mean(
        np.bincount(y, weights=correct, minlength=n_classes) / np.bincount(y, minlength=n_classes)
    )


def random_search(proba, y, method, scoring, n_vectors, rng):
    """The random search: score ``n_vectors`` random threshold vectors, keep the best."""
    n_classes = proba.shape[1]
    best_score, best = -np.inf, None
    for _ in range(n_vectors):
        thresholds = rng.random(n_classes)
        decision = proba / thresholds if method == "relative" else proba - thresholds
        score = fast_score(scoring, y, decision.argmax(axis=1), n_classes)
        if score > best_score:
            best_score, best = score, thresholds
    return best, best_score


def apply(proba, thresholds, method):
    return (proba / thresholds if method == "relative" else proba - thresholds).argmax(axis=1)


def synthetic(seed):
    n_per_class = (FRACTIONS * 3000).astype(int)
    X, y = make_classification(
        n_samples=int(n_per_class.sum() / 0.98),
        n_features=20,
        n_informative=10,
        n_classes=10,
        n_clusters_per_class=1,
        weights=list(n_per_class / n_per_class.sum()),
        flip_y=0.02,
        class_sep=1.0,
        random_state=seed,
    )
    return X, y, make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))


def fashion_mnist(seed):
    from imbnn.datasets import load_fashion_mnist

    X, y = load_fashion_mnist(subset="train", return_X_y=True, download_if_missing=False)
    rng = np.random.default_rng(seed)
    rows = np.concatenate(
        [
            rng.choice(np.flatnonzero(y == c), int(f * 2000), replace=False)
            for c, f in enumerate(FRACTIONS)
        ]
    )
    return (
        X[rows],
        y[rows],
        make_pipeline(PCA(50, random_state=seed), LogisticRegression(max_iter=300)),
    )


def bench(name, X, y, model, args):
    X_fit, X_rest, y_fit, y_rest = train_test_split(X, y, test_size=0.6, stratify=y, random_state=0)
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
    )
    model.fit(X_fit, y_fit)
    proba_val, proba_test = model.predict_proba(X_val), model.predict_proba(X_test)
    rows = np.arange(len(y_val))[:, None]
    print(
        f"\n### {name}: fit {len(y_fit)}, validation {len(y_val)}, test {len(y_test)}, 10 classes\n"
    )
    print(
        "| rule | scoring | search | time (s) | validation | test | default val. / test |\n"
        "|---|---|---|---|---|---|---|"
    )
    scorers = {"accuracy": accuracy_score, "balanced_accuracy": balanced_accuracy_score}
    for method in ("relative", "absolute"):
        for scoring in ("accuracy", "balanced_accuracy"):
            score = scorers[scoring]
            default = (score(y_val, proba_val.argmax(1)), score(y_test, proba_test.argmax(1)))
            lines = []
            random_times, random_val, random_test = [], [], []
            ours_times, ours_val, ours_test = {}, {}, {}
            for repeat in range(args.repeats):
                start = time.perf_counter()
                thresholds, _ = random_search(
                    proba_val, y_val, method, scoring, args.vectors, np.random.default_rng(repeat)
                )
                random_times.append(time.perf_counter() - start)
                random_val.append(score(y_val, apply(proba_val, thresholds, method)))
                random_test.append(score(y_test, apply(proba_test, thresholds, method)))
                for budget in args.budgets:
                    start = time.perf_counter()
                    tuned = TunedThresholdClassifier(
                        StoredProbabilities(proba_val),
                        method=method,
                        scoring=scoring,
                        cv="prefit",
                        refit=False,
                        max_iter=budget,
                        random_state=repeat,
                    ).fit(rows, y_val)
                    ours_times.setdefault(budget, []).append(time.perf_counter() - start)
                    ours_val.setdefault(budget, []).append(tuned.best_score_)
                    ours_test.setdefault(budget, []).append(
                        score(y_test, apply(proba_test, tuned.thresholds_, method))
                    )
            lines.append(
                f"| {method} | {scoring} | {args.vectors} random vectors | {np.median(random_times):.3f} | "
                f"{np.mean(random_val):.4f} | {np.mean(random_test):.4f} | {default[0]:.4f} / {default[1]:.4f} |"
            )
            for budget in args.budgets:
                lines.append(
                    f"| {method} | {scoring} | imbnn, max_iter={budget} | {np.median(ours_times[budget]):.3f} "
                    f"({np.median(random_times) / np.median(ours_times[budget]):.1f}x faster) | "
                    f"{np.mean(ours_val[budget]):.4f} | {np.mean(ours_test[budget]):.4f} | |"
                )
            print("\n".join(lines), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--vectors", type=int, default=2000)
    parser.add_argument("--budgets", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--no-fashion-mnist", action="store_true")
    args = parser.parse_args()
    print(f"{args.repeats} repeats (random seeds); times are medians, scores means over repeats.")
    bench("Synthetic (make_classification), logistic regression", *synthetic(0), args)
    if not args.no_fashion_mnist:
        try:
            data = fashion_mnist(0)
        except (ImportError, FileNotFoundError) as error:
            print(f"\nFashion-MNIST skipped: {error}")
        else:
            bench("Fashion-MNIST, PCA(50) + logistic regression", *data, args)


if __name__ == "__main__":
    main()
