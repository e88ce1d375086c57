"""Reference values and gradients for the losses in Sources/NeuralNetwork/Losses.

Writes Tests/Fixtures/losses/losses.safetensors (inputs, expected losses, expected
gradients) and Tests/Fixtures/losses/losses.json (one record per case with its
configuration and the names of its tensors). Deterministic: fixed seeds, float32
inputs, references computed by PyTorch (cross-entropy, BCE-with-logits, MSE) or by the
float64 reference implementations written below (supervised contrastive, InfoNCE).

Run: /work/V/bin/python Tests/Fixtures/generate/losses.py
"""
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "losses")

tensors = {}
cases = []


def put(name, tensor):
    tensor = tensor.detach().clone().contiguous()
    if tensor.dtype == torch.float64:
        tensor = tensor.float()
    tensors[name] = tensor
    return name


def upstream_for(loss, generator):
    """Seed gradient for backward: ones for a scalar, random for reduction='none'."""
    if loss.dim() == 0:
        return torch.ones((), dtype=loss.dtype)
    return torch.randn(loss.shape, generator=generator, dtype=torch.float64).to(loss.dtype)


# ---------------------------------------------------------------- cross-entropy
generator = torch.Generator().manual_seed(1234)
num_samples, num_classes = 7, 5
ce_logits = torch.randn(num_samples, num_classes, generator=generator) * 2
ce_weights = torch.rand(num_classes, generator=generator) + 0.25
ce_targets_plain = torch.tensor([0, 3, 4, 1, 2, 3, 0])
ce_targets_ignored = torch.tensor([0, -100, 4, 1, -100, 3, 2])
ce_targets_custom_ignore = torch.tensor([0, 3, 4, 1, 3, 2, 1])

ce_configs = [
    ("ce_plain_mean", ce_targets_plain, False, 0.0, -100, "mean"),
    ("ce_plain_sum", ce_targets_plain, False, 0.0, -100, "sum"),
    ("ce_weighted_mean", ce_targets_plain, True, 0.0, -100, "mean"),
    ("ce_weighted_smoothing_mean", ce_targets_plain, True, 0.1, -100, "mean"),
    ("ce_weighted_smoothing_ignore_mean", ce_targets_ignored, True, 0.2, -100, "mean"),
    ("ce_smoothing_ignore_mean", ce_targets_ignored, False, 0.15, -100, "mean"),
    ("ce_smoothing_ignore_sum", ce_targets_ignored, False, 0.15, -100, "sum"),
    ("ce_weighted_smoothing_ignore_none", ce_targets_ignored, True, 0.3, -100, "none"),
    ("ce_weighted_custom_ignore_mean", ce_targets_custom_ignore, True, 0.05, 3, "mean"),
]
put("ce.logits", ce_logits)
put("ce.weights", ce_weights)
for name, targets, weighted, smoothing, ignore_index, reduction in ce_configs:
    logits = ce_logits.clone().requires_grad_(True)
    loss = F.cross_entropy(
        logits, targets, weight=ce_weights if weighted else None,
        ignore_index=ignore_index, label_smoothing=smoothing, reduction=reduction)
    upstream = upstream_for(loss, generator)
    loss.backward(upstream)
    cases.append({
        "name": name, "kind": "crossEntropy",
        "logits": "ce.logits", "weights": "ce.weights" if weighted else None,
        "targets": targets.tolist(), "labelSmoothing": smoothing,
        "ignoreIndex": ignore_index, "reduction": reduction,
        "loss": put(f"{name}.loss", loss), "upstream": put(f"{name}.upstream", upstream),
        "gradLogits": put(f"{name}.grad_logits", logits.grad),
    })

# ---------------------------------------------------------------- BCE with logits
generator = torch.Generator().manual_seed(99)
bce_logits = torch.randn(5, 3, generator=generator) * 3
bce_logits[0, 0] = 40.0   # saturated positive: exp(-x) underflows
bce_logits[1, 2] = -45.0  # saturated negative: a naive log(sigmoid) gives -inf
bce_targets = torch.rand(5, 3, generator=generator)
bce_targets[0] = torch.tensor([1.0, 0.0, 1.0])
bce_targets[1] = torch.tensor([0.0, 1.0, 1.0])
bce_weight = torch.rand(5, 3, generator=generator) + 0.5
bce_pos_weight = torch.tensor([2.0, 0.5, 3.0])
put("bce.logits", bce_logits)
put("bce.targets", bce_targets)
put("bce.weight", bce_weight)
put("bce.pos_weight", bce_pos_weight)
bce_configs = [
    ("bce_plain_mean", False, False, "mean"),
    ("bce_pos_weight_mean", False, True, "mean"),
    ("bce_weight_pos_weight_sum", True, True, "sum"),
    ("bce_pos_weight_none", False, True, "none"),
    ("bce_weight_none", True, False, "none"),
]
for name, weighted, pos_weighted, reduction in bce_configs:
    logits = bce_logits.clone().requires_grad_(True)
    targets = bce_targets.clone().requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(
        logits, targets, weight=bce_weight if weighted else None,
        pos_weight=bce_pos_weight if pos_weighted else None, reduction=reduction)
    upstream = upstream_for(loss, generator)
    loss.backward(upstream)
    cases.append({
        "name": name, "kind": "binaryCrossEntropyWithLogits",
        "logits": "bce.logits", "targets": "bce.targets",
        "weight": "bce.weight" if weighted else None,
        "positiveWeight": "bce.pos_weight" if pos_weighted else None,
        "reduction": reduction,
        "loss": put(f"{name}.loss", loss), "upstream": put(f"{name}.upstream", upstream),
        "gradLogits": put(f"{name}.grad_logits", logits.grad),
        "gradTargets": put(f"{name}.grad_targets", targets.grad),
    })

# ---------------------------------------------------------------- MSE
generator = torch.Generator().manual_seed(7)
mse_predictions = torch.randn(4, 3, generator=generator)
mse_targets = torch.randn(4, 3, generator=generator)
put("mse.predictions", mse_predictions)
put("mse.targets", mse_targets)
for reduction in ["mean", "sum", "none"]:
    name = f"mse_{reduction}"
    predictions = mse_predictions.clone().requires_grad_(True)
    targets = mse_targets.clone().requires_grad_(True)
    loss = F.mse_loss(predictions, targets, reduction=reduction)
    upstream = upstream_for(loss, generator)
    loss.backward(upstream)
    cases.append({
        "name": name, "kind": "meanSquaredError",
        "predictions": "mse.predictions", "targets": "mse.targets", "reduction": reduction,
        "loss": put(f"{name}.loss", loss), "upstream": put(f"{name}.upstream", upstream),
        "gradPredictions": put(f"{name}.grad_predictions", predictions.grad),
        "gradTargets": put(f"{name}.grad_targets", targets.grad),
    })


# ---------------------------------------------------------------- supervised contrastive
def supervised_contrastive_reference(features, labels, temperature, reduction):
    """Khosla et al. 2020, eq. 2 (L^sup_out), written term by term in float64.

    For each anchor i with at least one positive (another sample with its label):
        l_i = -1/|P(i)| sum_{p in P(i)} log( exp(z_i.z_p/t) / sum_{a != i} exp(z_i.z_a/t) )
    Anchors without positives are excluded: 'mean' averages over the included anchors,
    'sum' adds them, 'none' returns l_i with 0 for the excluded ones.
    """
    z = features / features.norm(dim=1, keepdim=True)
    n = z.shape[0]
    per_anchor = []
    included = []
    for i in range(n):
        positives = [p for p in range(n) if p != i and labels[p] == labels[i]]
        if not positives:
            per_anchor.append(torch.zeros((), dtype=z.dtype))
            continue
        others = [a for a in range(n) if a != i]
        log_denominator = torch.logsumexp(torch.stack([z[i] @ z[a] / temperature for a in others]), dim=0)
        terms = [z[i] @ z[p] / temperature - log_denominator for p in positives]
        per_anchor.append(-torch.stack(terms).mean())
        included.append(i)
    per_anchor = torch.stack(per_anchor)
    if reduction == "none":
        return per_anchor
    total = per_anchor[included].sum()
    return total / len(included) if reduction == "mean" else total


def supervised_contrastive_khosla_style(features, labels, temperature):
    """The masked-matrix form of HobbitLong/SupContrast losses.py (one view, base
    temperature equal to temperature), with anchors lacking positives dropped before the
    mean instead of producing 0/0. Used only to cross-check the reference above."""
    z = F.normalize(features, dim=1)
    labels = torch.tensor(labels).view(-1, 1)
    mask = torch.eq(labels, labels.T).to(z.dtype)
    logits = z @ z.T / temperature
    logits = logits - logits.max(dim=1, keepdim=True).values.detach()
    self_mask = 1 - torch.eye(z.shape[0], dtype=z.dtype)
    mask = mask * self_mask
    exp_logits = torch.exp(logits) * self_mask
    log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
    positives = mask.sum(1)
    keep = positives > 0
    mean_log_prob_pos = (mask * log_prob).sum(1)[keep] / positives[keep]
    return -mean_log_prob_pos.mean()


generator = torch.Generator().manual_seed(2020)
supcon_features = torch.randn(8, 6, generator=generator)
supcon_labels = [0, 1, 0, 2, 1, 0, 3, 1]  # classes 2 and 3 have a single member
put("supcon.features", supcon_features)
for name, temperature, reduction in [
    ("supcon_t0.1_mean", 0.1, "mean"),
    ("supcon_t0.5_sum", 0.5, "sum"),
    ("supcon_t0.07_none", 0.07, "none"),
]:
    features = supcon_features.double().requires_grad_(True)
    loss = supervised_contrastive_reference(features, supcon_labels, temperature, reduction)
    if reduction == "mean":
        check = supervised_contrastive_khosla_style(supcon_features.double(), supcon_labels, temperature)
        assert torch.allclose(loss.detach(), check, rtol=1e-10), (loss, check)
    upstream = upstream_for(loss, generator)
    loss.backward(upstream)
    cases.append({
        "name": name, "kind": "supervisedContrastive",
        "features": "supcon.features", "labels": supcon_labels,
        "temperature": temperature, "reduction": reduction,
        "loss": put(f"{name}.loss", loss), "upstream": put(f"{name}.upstream", upstream),
        "gradFeatures": put(f"{name}.grad_features", features.grad),
    })


# ---------------------------------------------------------------- InfoNCE (MoCo)
def info_nce_reference(queries, keys, queue, temperature, reduction):
    """MoCo v1/v2 (He et al. 2020, Algorithm 1): logits = [q.k+, q.queue^T] / t, label 0."""
    positive = (queries * keys).sum(dim=1, keepdim=True)
    negative = queries @ queue.detach().T
    logits = torch.cat([positive, negative], dim=1) / temperature
    labels = torch.zeros(queries.shape[0], dtype=torch.long)
    return F.cross_entropy(logits, labels, reduction=reduction)


generator = torch.Generator().manual_seed(65536)
nce_queries = F.normalize(torch.randn(5, 8, generator=generator), dim=1)
nce_keys = F.normalize(nce_queries + 0.3 * torch.randn(5, 8, generator=generator), dim=1)
nce_queue = F.normalize(torch.randn(16, 8, generator=generator), dim=1)
put("nce.queries", nce_queries)
put("nce.keys", nce_keys)
put("nce.queue", nce_queue)
for name, temperature, reduction in [
    ("infonce_t0.07_mean", 0.07, "mean"),
    ("infonce_t0.2_none", 0.2, "none"),
]:
    queries = nce_queries.double().requires_grad_(True)
    keys = nce_keys.double().requires_grad_(True)
    queue = nce_queue.double().requires_grad_(True)
    loss = info_nce_reference(queries, keys, queue, temperature, reduction)
    upstream = upstream_for(loss, generator)
    loss.backward(upstream)
    assert queue.grad is None
    cases.append({
        "name": name, "kind": "infoNCE",
        "queries": "nce.queries", "keys": "nce.keys", "queue": "nce.queue",
        "temperature": temperature, "reduction": reduction,
        "loss": put(f"{name}.loss", loss), "upstream": put(f"{name}.upstream", upstream),
        "gradQueries": put(f"{name}.grad_queries", queries.grad),
        "gradKeys": put(f"{name}.grad_keys", keys.grad),
    })

os.makedirs(OUT, exist_ok=True)
save_file(tensors, os.path.join(OUT, "losses.safetensors"))
with open(os.path.join(OUT, "losses.json"), "w") as handle:
    json.dump({"generator": "Tests/Fixtures/generate/losses.py", "torch": torch.__version__,
               "cases": cases}, handle, indent=1)
print(f"wrote {len(cases)} loss cases, {len(tensors)} tensors")
