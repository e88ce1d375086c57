"""Reference baselines in PyTorch for parity fixtures of the Swift FusionModels baselines:
text-only, image-only, concat (early fusion), late-fusion, attention-fusion.

Writes Tests/Fixtures/fusion/baseline_<id>.safetensors (tiny sizes, dropout 0) with
param.<key>, input.<feature>, upstream R, output.logits (training mode), grad.param.<key>
(gradients of sum(logits * R)) and, for late-fusion, output.masked_logits: the logits with
sample 0 missing its image and sample 1 missing its text (masks input.text_present and
input.image_present).

Run: /work/V/bin/python Tests/Fixtures/generate/baselines.py
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "fusion")
D_T, C, HIDDEN, D, HEADS, CLASSES = 16, 8, 12, 8, 2, 3


class MLP(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.hidden = nn.Linear(size, HIDDEN)
        self.classifier = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        return self.classifier(F.relu(self.hidden(x)))


class Unimodal(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text
        self.mlp = MLP(D_T if text else C)

    def forward(self, f):
        return self.mlp(f["text.pooled"] if self.text else f["image.pooled"])


class Concat(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = MLP(D_T + C)

    def forward(self, f):
        return self.mlp(torch.cat([f["text.pooled"], f["image.pooled"]], dim=1))


class Late(nn.Module):
    def __init__(self):
        super().__init__()
        self.text_head = MLP(D_T)
        self.image_head = MLP(C)

    def forward(self, f, text_present=None, image_present=None):
        t, i = self.text_head(f["text.pooled"]), self.image_head(f["image.pooled"])
        if text_present is None:
            return (t + i) / 2
        mt, mi = text_present[:, None], image_present[:, None]
        return (t * mt + i * mi) / torch.clamp(mt + mi, min=1)


class AttentionFusion(nn.Module):
    def __init__(self):
        super().__init__()
        self.text_projection = nn.Linear(D_T, D)
        self.image_projection = nn.Linear(C, D)
        self.attention = nn.MultiheadAttention(D, HEADS, batch_first=True)
        self.norm = nn.LayerNorm(D)
        self.classifier = nn.Linear(D, CLASSES)

    def forward(self, f):
        t = self.text_projection(f["text.layers"][:, -1])
        i = self.image_projection(f["image.grid"])
        attended, _ = self.attention(t, i, i)
        return self.classifier(self.norm(t + attended).mean(dim=1))


def main():
    os.makedirs(OUT, exist_ok=True)
    models = {"text-only": lambda: Unimodal(True), "image-only": lambda: Unimodal(False),
              "concat": Concat, "late-fusion": Late, "attention-fusion": AttentionFusion}
    for index, (name, make) in enumerate(models.items()):
        torch.manual_seed(100 + index)
        model = make()
        with torch.no_grad():
            for key, p in model.named_parameters():
                if key.startswith("norm."):
                    p.copy_((1 if key.endswith("weight") else 0) + 0.2 * torch.randn_like(p))
                elif key.endswith("in_proj_bias") or key.endswith("out_proj.bias"):
                    p.copy_(0.1 * torch.randn_like(p))
        batch = 3
        features = {
            "text.pooled": torch.randn(batch, D_T), "image.pooled": torch.randn(batch, C),
            "text.layers": torch.randn(batch, 2, 5, D_T), "image.grid": torch.randn(batch, 4, C),
        }
        tensors = {"param." + k: v.detach().clone() for k, v in model.state_dict().items()}
        tensors.update({"input." + k: v for k, v in features.items()})
        model.train()
        logits = model(features)
        upstream = torch.randn_like(logits)
        (logits * upstream).sum().backward()
        tensors["upstream"] = upstream
        tensors["output.logits"] = logits.detach()
        for k, p in model.named_parameters():
            tensors["grad.param." + k] = p.grad.detach().clone()
        if name == "late-fusion":
            text_present = torch.tensor([1.0, 0.0, 1.0])
            image_present = torch.tensor([0.0, 1.0, 1.0])
            with torch.no_grad():
                tensors["output.masked_logits"] = model(features, text_present, image_present)
            tensors["input.text_present"] = text_present
            tensors["input.image_present"] = image_present
        save_file({k: v.contiguous().float() for k, v in tensors.items()},
                  os.path.join(OUT, f"baseline_{name}.safetensors"))


if __name__ == "__main__":
    main()
