"""Reference HGLNet in PyTorch, written from the paper's equations (Wu, Zhao, Xu,
ICASSP 2023, section 3), for parity fixtures of the Swift model.

Writes Tests/Fixtures/fusion/hglnet_<case>.safetensors for the full model and each
ablation (tiny sizes), with:
  param.<key>          the model's parameters and buffers (same keys as the Swift model)
  input.<feature>      the batch features (text.layers, text.cls_layers, image.grid, image.logits)
  upstream             the weight R of the scalar loss sum(logits * R)
  output.logits        logits in training mode (batch-norm statistics from the batch, dropout 0)
  output.gga.weights   [B, N, 2] GGA weights (w1, w2) per layer
  grad.param.<key>     d sum(logits * R) / d parameter, for every parameter
  output.eval_logits   logits in evaluation mode after that step (running statistics)
and Tests/Fixtures/fusion/hglnet_parameter_counts.json with the parameter count of
each Table 2 preset at full size.

Run: /work/V/bin/python Tests/Fixtures/generate/hglnet.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "fusion")


class GGA(nn.Module):
    """Equations 4-7."""

    def __init__(self, d_t, d_o, d_g):
        super().__init__()
        self.d_g = d_g
        self.text_reduce = nn.Linear(d_t, d_g)
        self.image_reduce = nn.Linear(d_o, d_g)
        self.text_gate = nn.Linear(2 * d_g, d_g)   # W1
        self.image_gate = nn.Linear(2 * d_g, d_g)  # W2

    def forward(self, e_cls, v_g):
        e = self.text_reduce(e_cls)
        v = self.image_reduce(v_g)
        f_concat = torch.cat([e, v], dim=-1)
        e_cls1 = torch.sigmoid(self.text_gate(f_concat))          # (4)
        v_g1 = torch.sigmoid(self.image_gate(f_concat))           # (4)
        w1p = (e * torch.sigmoid(e_cls1)).sum(-1) / math.sqrt(self.d_g)   # (5)
        w2p = (v_g1 * torch.sigmoid(v)).sum(-1) / math.sqrt(self.d_g)     # (5)
        denominator = torch.exp(w1p) + torch.exp(w2p)
        w1 = torch.exp(w1p) / denominator                          # (6)
        w2 = torch.exp(w2p) / denominator                          # (7)
        return w1, w2, f_concat


class TextAlign(nn.Module):
    """Equation 8 without the weight: LN(ReLU(E W_e))."""

    def __init__(self, d_t, d_f):
        super().__init__()
        self.linear = nn.Linear(d_t, d_f)
        self.norm = nn.LayerNorm(d_f)

    def forward(self, tokens):
        return self.norm(F.relu(self.linear(tokens)))


class ImageAlign(nn.Module):
    """Equation 9 without the weight: LN(ReLU(Flatten(BN(Conv1x1(V))) W_v)); the 1x1
    convolution maps C channels to d_n, W_v maps the H*W positions to d_f."""

    def __init__(self, channels, d_n, height, width, d_f):
        super().__init__()
        self.height, self.width = height, width
        self.conv = nn.Conv2d(channels, d_n, kernel_size=1)
        self.bn = nn.BatchNorm2d(d_n)
        self.linear = nn.Linear(height * width, d_f)
        self.norm = nn.LayerNorm(d_f)

    def forward(self, grid_tokens):
        b, hw, c = grid_tokens.shape
        grid = grid_tokens.transpose(1, 2).reshape(b, c, self.height, self.width)
        flat = torch.flatten(self.bn(self.conv(grid)), start_dim=2)   # [B, d_n, H*W]
        return self.norm(F.relu(self.linear(flat)))


class CRSA(nn.Module):
    """One DCRSA branch, equations 10-12: h heads of size d_f, the other modality added to
    every head's output."""

    def __init__(self, d_f, heads, residual):
        super().__init__()
        self.d_f, self.heads, self.residual = d_f, heads, residual
        self.query = nn.Linear(d_f, heads * d_f)
        self.key = nn.Linear(d_f, heads * d_f)
        self.value = nn.Linear(d_f, heads * d_f)
        self.output = nn.Linear(heads * d_f, d_f)   # W_O

    def forward(self, x, y):
        b, lq, _ = x.shape
        lk = y.shape[1]
        q = self.query(x).view(b, lq, self.heads, self.d_f)
        k = self.key(y).view(b, lk, self.heads, self.d_f)
        v = self.value(y).view(b, lk, self.heads, self.d_f)
        attention = torch.softmax(torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(self.d_f), dim=-1)
        heads = torch.einsum("bhqk,bkhd->bqhd", attention, v)
        if self.residual:
            heads = heads + y.unsqueeze(2)            # (10): + V'_l (or E'_l)
        return self.output(heads.reshape(b, lq, self.heads * self.d_f))   # (11), (12)


class CRT(nn.Module):
    """Equations 13-16."""

    def __init__(self, d_f, heads, ffn, residual):
        super().__init__()
        self.text_to_image = CRSA(d_f, heads, residual)
        self.image_to_text = CRSA(d_f, heads, residual)
        self.text_norm = nn.LayerNorm(d_f)
        self.image_norm = nn.LayerNorm(d_f)
        self.ffn_in = nn.Linear(2 * d_f, ffn)
        self.ffn_out = nn.Linear(ffn, 2 * d_f)
        self.output_norm = nn.LayerNorm(2 * d_f)

    def forward(self, e, v):
        output1 = self.text_norm(e + self.text_to_image(e, v))     # (13)
        output2 = self.image_norm(v + self.image_to_text(v, e))    # (14)
        o_f = torch.cat([output1, output2], dim=-1)                # (15)
        return self.output_norm(o_f + self.ffn_out(F.relu(self.ffn_in(o_f))))   # (16)


class HGLNet(nn.Module):
    def __init__(self, d_t=768, layers=4, d_n=140, channels=2048, height=7, width=7, d_o=1000,
                 d_f=32, heads=4, d_g=10, ffn=0, crts=2, dropout=0.5, classes=2, ablations=()):
        super().__init__()
        ab = set(ablations)
        self.use_text = "no-text" not in ab
        self.use_image = "no-image" not in ab
        self.layers = 1 if "no-hierarchy" in ab else layers
        bimodal = self.use_text and self.use_image
        use_gga = bimodal and "no-gga" not in ab
        use_crt = bimodal and "no-crt" not in ab
        ffn = ffn or 8 * d_f
        if use_gga:
            self.gga = GGA(d_t, d_o, d_g)
        if self.use_text:
            self.text_align = TextAlign(d_t, d_f)
        if self.use_image:
            self.image_align = ImageAlign(channels, d_n, height, width, d_f)
        if use_crt:
            self.crt = nn.ModuleList([CRT(d_f, heads, ffn, "no-residual" not in ab)
                                      for _ in range(min(crts, self.layers))])
        if bimodal:
            size = self.layers * (2 * d_f + (2 * d_g if use_gga else 0))
        else:
            size = self.layers * d_f if self.use_text else d_f
        self.drop = nn.Dropout(dropout)
        self.classifier = nn.Linear(size, classes)

    def forward(self, text_layers, cls_layers, grid, image_global):
        gate_weights = []
        if not self.use_text:
            o = F.relu(self.image_align(grid)).mean(dim=1)
            return self.classifier(self.drop(o)), None
        v_aligned = self.image_align(grid) if self.use_image else None
        outputs, globals_ = [], []
        available = text_layers.shape[1]
        for index in range(self.layers):
            layer = available - self.layers + index
            e = self.text_align(text_layers[:, layer])
            if v_aligned is None:
                outputs.append(F.relu(e).mean(dim=1))
                continue
            v = v_aligned
            if hasattr(self, "gga"):
                w1, w2, f_concat = self.gga(cls_layers[:, layer], image_global)
                e = e * w1[:, None, None]      # (8)
                v = v * w2[:, None, None]      # (9)
                gate_weights.append(torch.stack([w1, w2], dim=-1))
                globals_.append(f_concat)
            if hasattr(self, "crt"):
                fused = self.crt[index * len(self.crt) // self.layers](e, v)
            else:
                fused = torch.cat([e, v], dim=-1)
            outputs.append(F.relu(fused).mean(dim=1))    # ReLU + GAP
        o = torch.cat(outputs + globals_, dim=-1)       # (17)
        weights = torch.stack(gate_weights, dim=1) if gate_weights else None
        return self.classifier(self.drop(o)), weights


TINY = dict(d_t=16, layers=4, d_n=5, channels=8, height=2, width=2, d_o=10, d_f=8, heads=2, d_g=4,
            ffn=0, crts=2, dropout=0.0, classes=3)
CASES = {
    "full": [], "no_text": ["no-text"], "no_image": ["no-image"], "no_hierarchy": ["no-hierarchy"],
    "no_gga": ["no-gga"], "no_crt": ["no-crt"], "no_residual": ["no-residual"],
}


def make_case(name, ablations):
    torch.manual_seed(1234)
    model = HGLNet(**TINY, ablations=ablations)
    # Non-trivial affine and batch-norm parameters so every term is checked.
    with torch.no_grad():
        for key, p in model.named_parameters():
            if key.endswith("norm.weight") or key.endswith("bn.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif key.endswith("norm.bias") or key.endswith("bn.bias"):
                p.copy_(0.1 * torch.randn_like(p))
        if hasattr(model, "image_align"):
            model.image_align.bn.running_mean.copy_(0.1 * torch.randn(TINY["d_n"]))
            model.image_align.bn.running_var.copy_(1 + 0.3 * torch.rand(TINY["d_n"]))
    batch, available = 3, 5
    inputs = {
        "text.layers": torch.randn(batch, available, TINY["d_n"], TINY["d_t"]),
        "text.cls_layers": torch.randn(batch, available, TINY["d_t"]),
        "image.grid": torch.randn(batch, TINY["height"] * TINY["width"], TINY["channels"]).abs(),
        "image.logits": 2 * torch.randn(batch, TINY["d_o"]),
    }
    tensors = {"param." + k: v.detach().clone() for k, v in model.state_dict().items()}
    for k, v in inputs.items():
        tensors["input." + k] = v
    model.train()
    logits, weights = model(inputs["text.layers"], inputs["text.cls_layers"], inputs["image.grid"], inputs["image.logits"])
    upstream = torch.randn_like(logits)
    (logits * upstream).sum().backward()
    tensors["upstream"] = upstream
    tensors["output.logits"] = logits.detach()
    if weights is not None:
        tensors["output.gga.weights"] = weights.detach()
    for k, p in model.named_parameters():
        tensors["grad.param." + k] = p.grad.detach().clone()
    model.eval()
    with torch.no_grad():
        eval_logits, _ = model(inputs["text.layers"], inputs["text.cls_layers"], inputs["image.grid"], inputs["image.logits"])
    tensors["output.eval_logits"] = eval_logits
    save_file({k: v.contiguous().float() for k, v in tensors.items()},
              os.path.join(OUT, f"hglnet_{name}.safetensors"))


def parameter_counts():
    presets = {
        "weibo": dict(d_n=140, d_f=32, heads=4, classes=2),
        "yelp": dict(d_n=300, d_f=64, heads=8, classes=5),
        "cmcd-i": dict(d_n=300, d_f=64, heads=4, classes=18),
    }
    counts = {}
    for name, sizes in presets.items():
        model = HGLNet(**sizes)
        counts[name] = sum(p.numel() for p in model.parameters())
    with open(os.path.join(OUT, "hglnet_parameter_counts.json"), "w") as f:
        json.dump(counts, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for case, ablations in CASES.items():
        make_case(case, ablations)
    parameter_counts()
