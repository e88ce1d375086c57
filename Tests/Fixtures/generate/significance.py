"""Reference values for Tests/TrainingTests/SignificanceTests.swift (scipy, scikit-learn).

Writes Tests/Fixtures/significance/significance.json. Run: /work/V/bin/python significance.py
"""
import json
import os

import numpy as np
from scipy import special, stats
from sklearn.metrics import accuracy_score, f1_score

out = {}
out["chi2_survival"] = [
    {"x": x, "k": k, "p": float(stats.chi2.sf(x, k))}
    for x, k in [(0.5, 1), (3.841458820694124, 1), (10.0, 1), (2.0, 2), (7.5, 3), (25.0, 4), (60.0, 10), (0.01, 5), (150.0, 3)]
]
out["gamma_p"] = [{"a": a, "x": x, "p": float(special.gammainc(a, x))} for a, x in [(0.5, 0.2), (2.5, 1.0), (10, 12), (3, 30)]]
out["beta"] = [{"a": a, "b": b, "x": x, "p": float(special.betainc(a, b, x))}
               for a, b, x in [(0.5, 0.5, 0.3), (2, 3, 0.4), (10, 0.5, 0.9), (1.5, 0.5, 0.05)]]
out["t_quantile"] = [{"p": p, "df": df, "q": float(stats.t.ppf(p, df))}
                     for p, df in [(0.975, 1), (0.975, 2), (0.975, 4), (0.975, 9), (0.975, 29), (0.95, 3), (0.025, 5)]]

summaries = [[0.81, 0.83, 0.79, 0.84, 0.82], [0.5, 0.7], [0.901, 0.899, 0.902, 0.9, 0.905, 0.898, 0.903, 0.9, 0.899, 0.904]]
out["summaries"] = []
for values in summaries:
    v = np.array(values)
    mean, std = v.mean(), v.std(ddof=1)
    low, high = stats.t.interval(0.95, len(v) - 1, loc=mean, scale=std / np.sqrt(len(v)))
    out["summaries"].append({"values": values, "mean": mean, "std": std, "lower": low, "upper": high})

rng = np.random.default_rng(7)
kruskal_cases = [
    [[0.81, 0.83, 0.79, 0.84, 0.82], [0.85, 0.86, 0.84, 0.88, 0.87], [0.80, 0.79, 0.81, 0.78, 0.80]],
    [[1, 2, 2, 3, 3, 3], [2, 3, 4, 4, 5], [1, 1, 2]],  # ties
    [list(map(float, rng.normal(0, 1, 7))), list(map(float, rng.normal(0.3, 1, 9)))],
]
out["kruskal"] = []
for groups in kruskal_cases:
    h, p = stats.kruskal(*groups)
    out["kruskal"].append({"groups": [[float(x) for x in g] for g in groups], "h": float(h), "p": float(p)})

out["mcnemar"] = []
for b, c in [(3, 9), (0, 0), (5, 5), (1, 12), (30, 12), (40, 40), (100, 70)]:
    n = b + c
    if n < 25:
        p = 1.0 if n == 0 else min(1.0, 2 * stats.binom.cdf(min(b, c), n, 0.5))
        stat, exact = float(min(b, c)), True
    else:
        stat = max(abs(b - c) - 1, 0) ** 2 / n
        p, exact = float(stats.chi2.sf(stat, 1)), False
    out["mcnemar"].append({"b": b, "c": c, "statistic": stat, "p": float(p), "exact": exact})

# Paired bootstrap: the observed differences against scikit-learn.
labels = rng.integers(0, 4, 300)
pred_a = np.where(rng.random(300) < 0.8, labels, rng.integers(0, 4, 300))
pred_b = np.where(rng.random(300) < 0.6, labels, rng.integers(0, 4, 300))
out["bootstrap"] = {
    "labels": labels.tolist(), "a": pred_a.tolist(), "b": pred_b.tolist(),
    "accuracy_difference": accuracy_score(labels, pred_a) - accuracy_score(labels, pred_b),
    "macro_f1_difference": f1_score(labels, pred_a, average="macro") - f1_score(labels, pred_b, average="macro"),
}

path = os.path.join(os.path.dirname(__file__), "..", "significance", "significance.json")
with open(path, "w") as handle:
    json.dump(out, handle, indent=1)
print("wrote", path)
