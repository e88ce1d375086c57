"""Reference BMLHF in PyTorch, written from the paper's equations (Wu, Chen, Gao, Ji,
Jing: "Balanced multi-modal learning with hierarchical fusion for fake news detection",
sections 3.1-3.5), with the decisions of docs/models/bmlhf.md, for parity fixtures of the
Swift model.

Writes Tests/Fixtures/bmlhf/<case>.safetensors for the full model and each ablation
(tiny sizes), with:
  param.<key>            the model's parameters (same keys as the Swift model)
  input.<feature>        text.cls_layers, image.logits, clip.text, clip.image
  labels                 the class labels (as float)
  upstream               R of the scalar sum(logits * R)
  output.logits, output.fused, output.views.logits, output.intra.*_weights
  loss.supcon, loss.view_heads   the weighted auxiliary losses
  grad.param.<key>       d [sum(logits * R) + supcon + view_heads] / d parameter
and Tests/Fixtures/bmlhf/mib_steps.safetensors: three Adam steps (lr 0.01, weight decay
0.001) of the full model on CE + auxiliary losses with MIB scaling, per step s:
  step<s>.ratios, step<s>.coefficients   rho and k of equations 3, 4
  step<s>.grad.<key>                      the gradients after scaling
  final.param.<key>                       the parameters after the third step
and Tests/Fixtures/bmlhf/parameter_counts.json: the parameter count of each preset at full
size (BERT 768, Swin-T 1000, CLIP 512, MLP hidden 384, d_k 384, 4 heads, 2 classes).

Run: /work/V/bin/python Tests/Fixtures/generate/bmlhf.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "bmlhf")
VIEWS = ["text_pattern", "image_pattern", "text_semantic", "image_semantic"]
B, DT, DE, DC, H, D, HEADS, C = 6, 10, 12, 8, 14, 8, 2, 3


class MLP(nn.Module):
    """g^u: two-layer MLP with ReLU (section 3.1)."""

    def __init__(self, n_in):
        super().__init__()
        self.hidden = nn.Linear(n_in, H)
        self.output = nn.Linear(H, D)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))


class CrossLayer(nn.Module):
    """x attends to y (one token each), post-norm residual blocks."""

    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(D, HEADS, batch_first=True)
        self.norm1 = nn.LayerNorm(D)
        self.linear1 = nn.Linear(D, 4 * D)
        self.linear2 = nn.Linear(4 * D, D)
        self.norm2 = nn.LayerNorm(D)

    def forward(self, x, y):
        x, y = x.unsqueeze(1), y.unsqueeze(1)
        h = self.norm1(x + self.attention(x, y, y, need_weights=False)[0])
        return self.norm2(h + self.linear2(F.relu(self.linear1(h)))).squeeze(1)


class Cross(nn.Module):
    """Equations 6, 7."""

    def __init__(self):
        super().__init__()
        self.first = CrossLayer()
        self.second = CrossLayer()

    def forward(self, a, b):
        return self.first(a, b), self.second(b, a)


class Intra(nn.Module):
    """Equations 8-11: softmax over the views of w2^T tanh(W1 x + b1) + b2."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(D, D)
        self.score = nn.Linear(D, 1)

    def forward(self, views):
        scores = torch.cat([self.score(torch.tanh(self.hidden(v))) for v in views], dim=1)
        weights = torch.softmax(scores, dim=1)
        return sum(weights[:, i:i + 1] * v for i, v in enumerate(views)), weights


class Inter(nn.Module):
    """Equations 12-14 per post: G = tanh(x l^T / sqrt(2m)), x' = ReLU(x + sum_j W_ij G_ij)."""

    def __init__(self, m):
        super().__init__()
        bound = 1 / math.sqrt(2 * m)
        self.weight = nn.Parameter(torch.empty(m, 2 * m).uniform_(-bound, bound))

    def forward(self, x, joint):
        g = torch.tanh(torch.einsum("bi,bj->bij", x, joint) / math.sqrt(joint.shape[1]))
        return F.relu(x + (g * self.weight).sum(-1))


def supcon(features, labels, tau):
    """Khosla et al. L^sup_out on L2-normalised features, anchors with positives averaged."""
    z = F.normalize(features, dim=1)
    n = z.shape[0]
    sim = z @ z.T / tau
    eye = torch.eye(n, dtype=torch.bool)
    positive = (labels[:, None] == labels[None, :]) & ~eye
    log_prob = sim - torch.logsumexp(sim.masked_fill(eye, float("-inf")), dim=1, keepdim=True)
    counts = positive.sum(1)
    keep = counts > 0
    per_anchor = -(log_prob * positive).sum(1)[keep] / counts[keep]
    return per_anchor.mean()


class BMLHF(nn.Module):
    def __init__(self, ablations):
        super().__init__()
        self.ab = set(ablations)
        use_pattern = "semantic-only" not in self.ab
        use_semantic = "pattern-only" not in self.ab
        self.names = (["text_pattern", "image_pattern"] if use_pattern else []) + \
                     (["text_semantic", "image_semantic"] if use_semantic else [])
        sizes = {"text_pattern": DT, "image_pattern": DE, "text_semantic": DC, "image_semantic": DC}
        self.views = nn.ModuleDict({n: MLP(sizes[n]) for n in self.names})
        self.view_heads = nn.ModuleDict({n: nn.Linear(D, C, bias=False) for n in self.names})
        self.view_head_bias = nn.Parameter(torch.randn(C) * 0.3)
        whole = "no-hf" not in self.ab
        cross = whole and "no-cross" not in self.ab
        self.stages = whole and "no-fusion" not in self.ab
        intra = self.stages and use_pattern and use_semantic and "no-intra" not in self.ab
        inter = self.stages and "no-inter" not in self.ab
        self.cross_pattern = Cross() if cross and use_pattern else None
        self.cross_semantic = Cross() if cross and use_semantic else None
        self.intra_text = Intra() if intra else None
        self.intra_image = Intra() if intra else None
        m = D if intra else D * (len(self.names) // 2)
        self.inter_text = Inter(m) if inter else None
        self.inter_image = Inter(m) if inter else None
        fused = 2 * m if self.stages else D * len(self.names)
        self.classifier_hidden = nn.Linear(fused, D)
        self.classifier = nn.Linear(D, C)

    def forward(self, inputs, labels):
        raw = {"text_pattern": inputs["text.cls_layers"][:, -1], "image_pattern": inputs["image.logits"],
               "text_semantic": inputs["clip.text"], "image_semantic": inputs["clip.image"]}
        z = {n: self.views[n](raw[n]) for n in self.names}
        view_logits = torch.stack([self.view_heads[n](z[n]) + self.view_head_bias / len(self.names)
                                   for n in self.names], dim=1)
        out = {"views.logits": view_logits}
        x = dict(z)
        if self.cross_pattern is not None:
            x["text_pattern"], x["image_pattern"] = self.cross_pattern(z["text_pattern"], z["image_pattern"])
        if self.cross_semantic is not None:
            x["text_semantic"], x["image_semantic"] = self.cross_semantic(z["text_semantic"], z["image_semantic"])
        text_views = [x[n] for n in self.names if n.startswith("text")]
        image_views = [x[n] for n in self.names if n.startswith("image")]
        if not self.stages:
            fused = torch.cat([x[n] for n in self.names], dim=1)
        else:
            if self.intra_text is not None:
                text, out["intra.text_weights"] = self.intra_text(text_views)
                image, out["intra.image_weights"] = self.intra_image(image_views)
            else:
                text, image = torch.cat(text_views, 1), torch.cat(image_views, 1)
            if self.inter_text is not None:
                joint = torch.cat([text, image], 1)
                text, image = self.inter_text(text, joint), self.inter_image(image, joint)
            fused = torch.cat([text, image], 1)
        out["fused"] = fused
        logits = self.classifier(F.relu(self.classifier_hidden(fused)))
        losses = {"view_heads": F.cross_entropy(view_logits.sum(1), labels)}
        if "no-supcon" not in self.ab:
            losses["supcon"] = 0.5 * supcon(fused, labels, 0.5)
        return logits, out, losses


def state(model):
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def make_inputs(generator):
    return {
        "text.cls_layers": torch.randn(B, 2, DT, generator=generator),
        "image.logits": torch.randn(B, DE, generator=generator),
        "clip.text": torch.randn(B, DC, generator=generator),
        "clip.image": torch.randn(B, DC, generator=generator),
    }


CASES = {"full": [], "no_mib": ["no-mib"], "no_fusion": ["no-fusion"], "no_cross": ["no-cross"], "no_hf": ["no-hf"],
         "no_intra": ["no-intra"], "no_inter": ["no-inter"], "no_supcon": ["no-supcon"],
         "pattern_only": ["pattern-only"], "semantic_only": ["semantic-only"]}


def case(name, ablations, seed):
    torch.manual_seed(seed)
    model = BMLHF(ablations)
    generator = torch.Generator().manual_seed(seed + 1)
    inputs = make_inputs(generator)
    labels = torch.tensor([0, 1, 2, 0, 1, 1])
    upstream = torch.randn(B, C, generator=generator)
    logits, out, losses = model(inputs, labels)
    total = (logits * upstream).sum() + sum(losses.values())
    total.backward()
    tensors = {f"param.{k}": v for k, v in state(model).items()}
    tensors.update({f"input.{k}": v for k, v in inputs.items()})
    tensors["labels"] = labels.float()
    tensors["upstream"] = upstream
    tensors["output.logits"] = logits.detach()
    tensors.update({f"output.{k}": v.detach().contiguous() for k, v in out.items()})
    tensors.update({f"loss.{k}": v.detach().reshape(1) for k, v in losses.items()})
    tensors.update({f"grad.param.{k}": p.grad.detach().clone() for k, p in model.named_parameters()})
    save_file(tensors, os.path.join(OUT, f"{name}.safetensors"))
    return model


def mib_steps():
    torch.manual_seed(40)
    model = BMLHF([])
    generator = torch.Generator().manual_seed(41)
    tensors = {f"param.{k}": v for k, v in state(model).items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.001)
    for step in range(3):
        inputs = make_inputs(generator)
        labels = torch.randint(0, C, (B,), generator=generator)
        for k, v in inputs.items():
            tensors[f"step{step}.input.{k}"] = v
        tensors[f"step{step}.labels"] = labels.float()
        optimizer.zero_grad()
        logits, out, losses = model(inputs, labels)
        (F.cross_entropy(logits, labels) + sum(losses.values())).backward()
        with torch.no_grad():
            s = torch.softmax(out["views.logits"], dim=2)[torch.arange(B), :, labels].sum(0)   # (2)
            rho = s / s.sum()                                                                  # (3)
            k = torch.where(rho > 1 / len(model.names), 1 - torch.tanh(0.8 * rho), torch.ones_like(rho))  # (4)
            for index, name in enumerate(model.names):
                for p in list(model.views[name].parameters()) + list(model.view_heads[name].parameters()):
                    p.grad.mul_(k[index])                                                      # (5)
        tensors[f"step{step}.ratios"] = rho.clone()
        tensors[f"step{step}.coefficients"] = k.clone()
        for key, p in model.named_parameters():
            tensors[f"step{step}.grad.{key}"] = p.grad.detach().clone()
        optimizer.step()
    tensors.update({f"final.param.{k}": v for k, v in state(model).items()})
    save_file(tensors, os.path.join(OUT, "mib_steps.safetensors"))


def parameter_counts():
    global DT, DE, DC, H, D, HEADS, C
    DT, DE, DC, H, D, HEADS, C = 768, 1000, 512, 384, 384, 4, 2
    count = sum(p.numel() for p in BMLHF([]).parameters())
    with open(os.path.join(OUT, "parameter_counts.json"), "w") as f:
        json.dump({"weibo": count, "twitter": count, "fakeddit": count}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for index, (name, ablations) in enumerate(CASES.items()):
        case(name, ablations, 10 + index)
    mib_steps()
    parameter_counts()
