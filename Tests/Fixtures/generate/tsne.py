"""Reference values for Tests/TrainingTests/TSNETests.swift, from scikit-learn's own
t-SNE internals: the joint probabilities (`_joint_probabilities`, binary search on the
perplexity) and the exact KL gradient (`_kl_divergence`, degrees of freedom 1).
Writes Tests/Fixtures/tsne/tsne.json. Run: /work/V/bin/python tsne.py
"""
import json
import os

import numpy as np
from scipy.spatial.distance import squareform
from sklearn.manifold import _t_sne
from sklearn.metrics import pairwise_distances

rng = np.random.default_rng(11)
points = rng.normal(0, 1, (12, 5))
perplexity = 3.0
distances = pairwise_distances(points, squared=True)
joint = _t_sne._joint_probabilities(distances, perplexity, 0)  # condensed
embedding = rng.normal(0, 1, (12, 2))
kl, gradient = _t_sne._kl_divergence(embedding.ravel(), joint, 1, 12, 2)
kl12, gradient12 = _t_sne._kl_divergence(embedding.ravel(), joint * 12, 1, 12, 2)
out = {
    "points": points.tolist(), "perplexity": perplexity, "joint": squareform(joint).tolist(),
    "embedding": embedding.tolist(), "gradient": gradient.tolist(), "gradient_exaggerated": gradient12.tolist(),
}
path = os.path.join(os.path.dirname(__file__), "..", "tsne", "tsne.json")
with open(path, "w") as handle:
    json.dump(out, handle, indent=1)
print("wrote", path)
