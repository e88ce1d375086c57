"""Reference classification metrics from scikit-learn for Tests/TrainingTests/MetricsTests.swift.

Writes Tests/Fixtures/training/metrics.json: a list of cases, each with labels,
predictions, class count, optional positive-class scores (binary cases, with ties), and
sklearn's accuracy, per-class precision/recall/F1/support (labels=range(C),
zero_division=0), macro and weighted F1, confusion matrix and ROC AUC.

Run: /work/V/bin/python Tests/Fixtures/generate/training.py
"""
import json
import pathlib

import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support, roc_auc_score)

OUT = pathlib.Path(__file__).resolve().parents[1] / "training"


def case(name, labels, predicted, classes, scores=None):
    label_range = list(range(classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=label_range, zero_division=0)
    result = {
        "name": name,
        "classes": classes,
        "labels": [int(x) for x in labels],
        "predicted": [int(x) for x in predicted],
        "accuracy": float(accuracy_score(labels, predicted)),
        "precision": [float(x) for x in precision],
        "recall": [float(x) for x in recall],
        "f1": [float(x) for x in f1],
        "support": [int(x) for x in support],
        "macro_f1": float(f1_score(labels, predicted, labels=label_range, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(labels, predicted, labels=label_range, average="weighted", zero_division=0)),
        "confusion_matrix": confusion_matrix(labels, predicted, labels=label_range).tolist(),
    }
    if scores is not None:
        result["scores"] = [float(x) for x in scores]
        result["auc"] = float(roc_auc_score(labels, scores))
    return result


def main():
    rng = np.random.default_rng(7)
    cases = []
    # Binary with scores rounded to one decimal, so many ties between classes.
    labels = rng.integers(0, 2, 60)
    scores = np.clip(np.round(0.5 * labels + rng.normal(0.25, 0.25, 60), 1), 0, 1)
    cases.append(case("binary-ties", labels, (scores >= 0.5).astype(int), 2, scores))
    # Binary where every score is the same (AUC 0.5).
    labels = np.array([0, 1, 1, 0, 1])
    cases.append(case("binary-all-tied", labels, np.ones(5, dtype=int), 2, np.full(5, 0.3)))
    # Five classes, imbalanced, one class never predicted and one never present.
    labels = rng.choice(5, 80, p=[0.4, 0.3, 0.2, 0.1, 0.0])
    predicted = np.where(rng.random(80) < 0.6, labels, rng.choice([0, 1, 2, 4], 80))
    cases.append(case("multiclass-imbalanced", labels, predicted, 5))
    # Three classes, perfect predictions.
    labels = rng.integers(0, 3, 12)
    cases.append(case("three-perfect", labels, labels.copy(), 3))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "metrics.json").write_text("[\n" + ",\n".join(json.dumps(c) for c in cases) + "\n]\n")


if __name__ == "__main__":
    main()
