"""Reference values for Tests/TrainingTests/CalibrationTests.swift.

Temperature scaling as PyTorch users fit it (Guo et al. 2017 reference code: one
temperature parameter, LBFGS on the NLL), run to convergence in float64; ECE and the
reliability bins with numpy (15 equal-width bins (i/15, (i+1)/15]).
Writes Tests/Fixtures/calibration/calibration.json. Run: /work/V/bin/python calibration.py
"""
import json
import os

import numpy as np
import torch

rng = np.random.default_rng(3)
cases = []
for count, classes, sharpness in [(240, 5, 4.0), (150, 3, 0.4), (400, 2, 2.5)]:
    labels = rng.integers(0, classes, count)
    logits = rng.normal(0, 1, (count, classes))
    # Overconfident or underconfident logits: the label's logit is raised, then everything scaled.
    logits[np.arange(count), labels] += 1.2
    logits *= sharpness
    z = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels)
    temperature = torch.nn.Parameter(torch.ones(1, dtype=torch.float64) * 1.5)
    optimizer = torch.optim.LBFGS([temperature], lr=0.1, max_iter=500, tolerance_grad=1e-12,
                                  tolerance_change=1e-15, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / temperature, y)
        loss.backward()
        return loss

    for _ in range(5):
        optimizer.step(closure)
    t = float(temperature.item())
    nll = float(torch.nn.functional.cross_entropy(z / t, y))

    probabilities = torch.softmax(z, dim=1).numpy()
    confidences = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, 16)
    ece, bins = 0.0, []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidences > low) & (confidences <= high)
        n = int(inside.sum())
        acc = float(correct[inside].mean()) if n else 0.0
        conf = float(confidences[inside].mean()) if n else 0.0
        if n:
            ece += n / count * abs(acc - conf)
        bins.append({"count": n, "accuracy": acc, "confidence": conf})
    cases.append({"logits": logits.tolist(), "labels": labels.tolist(), "temperature": t, "nll": nll,
                  "ece": ece, "bins": bins})

path = os.path.join(os.path.dirname(__file__), "..", "calibration", "calibration.json")
with open(path, "w") as handle:
    json.dump({"cases": cases}, handle)
print("wrote", path, [round(c["temperature"], 5) for c in cases])
