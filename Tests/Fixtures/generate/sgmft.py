"""Reference SG-MFT in PyTorch, written from the paper's equations (Similarity Guided
Multimodal Fusion Transformer for Semantic Location Prediction in Social Media, section 3),
for parity fixtures of the Swift model.

Writes Tests/Fixtures/fusion/sgmft_<case>.safetensors for the full model and each
ablation (tiny sizes), with:
  param.<key>          the model's parameters (same keys as the Swift model)
  input.<feature>      the batch features (text.layers [B, N, L_t, d_t], image.grid [B, L_i, d_i])
  upstream             the weight R of the scalar loss sum(logits * R)
  output.logits        logits in training mode (dropout 0)
  output.modality_similarity, output.element_similarity   P^m and P^e (when SIM is on)
  grad.param.<key>     d sum(logits * R) / d parameter, for every parameter
  output.eval_logits   logits in evaluation mode
and Tests/Fixtures/fusion/sgmft_parameter_counts.json with the parameter count of the
paper's Weibo preset at full size.

Run: /work/V/bin/python Tests/Fixtures/generate/sgmft.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "fusion")


def multi_head(q, k, v, heads):
    """Equations 8 and 9 for every head, concatenated (before W^s / W^c)."""
    b, lq, d = q.shape
    lk = k.shape[1]
    dk = d // heads
    outputs = []
    for j in range(heads):
        qj, kj, vj = (x[..., j * dk:(j + 1) * dk] for x in (q, k, v))
        weights = torch.softmax(qj @ kj.transpose(1, 2) / math.sqrt(dk), dim=-1)
        outputs.append(weights @ vj)
    return torch.cat(outputs, dim=-1)


class FeedForward(nn.Module):
    """Equations 15 and 16 (with W3) or the conventional FFN + residual + LayerNorm."""

    def __init__(self, d, d_h, similarity_aware):
        super().__init__()
        self.input = nn.Linear(d, d_h)                     # W1, b1
        if similarity_aware:
            self.similarity = nn.Linear(d, d_h, bias=False)  # W3
        self.output = nn.Linear(d_h, d)                    # W2, b2
        self.norm = nn.LayerNorm(d)

    def forward(self, x, x_inter=None):
        h = self.input(x)
        if x_inter is not None:
            h = h + self.similarity(x_inter)               # (15)
        return self.norm(self.output(F.relu(h)) + x)       # (16)


class SIM(nn.Module):
    """Equations 6-16."""

    def __init__(self, d, heads, d_h, image_wise):
        super().__init__()
        self.heads, self.image_wise = heads, image_wise
        for name in ["text_query", "text_key", "text_value", "image_query", "image_key", "image_value",
                     "text_self_output", "text_cross_output", "image_self_output", "image_cross_output"]:
            setattr(self, name, nn.Linear(d, d))
        self.text_norm = nn.LayerNorm(d)
        self.image_norm = nn.LayerNorm(d)
        self.text_ffn = FeedForward(d, d_h, not image_wise)
        self.image_ffn = FeedForward(d, d_h, image_wise)

    def forward(self, f_t, f_i, p_m, p_e):
        q_t, k_t, v_t = self.text_query(f_t), self.text_key(f_t), self.text_value(f_t)      # (6)
        q_i, k_i, v_i = self.image_query(f_i), self.image_key(f_i), self.image_value(f_i)  # (7)
        sa_t = self.text_self_output(multi_head(q_t, k_t, v_t, self.heads))     # (8, 10)
        ca_t = self.text_cross_output(multi_head(q_t, k_i, v_i, self.heads))    # (9, 11)
        sa_i = self.image_self_output(multi_head(q_i, k_i, v_i, self.heads))
        ca_i = self.image_cross_output(multi_head(q_i, k_t, v_t, self.heads))
        p = p_m[:, None, :]
        x_t = ca_t * p + sa_t * (1 - p)                    # (12)
        x_i = ca_i * p + sa_i * (1 - p)
        x_t_c = self.text_norm(x_t + f_t)                  # (13)
        x_i_c = self.image_norm(x_i + f_i)
        if self.image_wise:
            x_inter = torch.bmm(p_e, x_t_c)
            return self.text_ffn(x_t_c), self.image_ffn(x_i_c, x_inter)
        x_inter = torch.bmm(p_e, x_i_c)                    # (14)
        return self.text_ffn(x_t_c, x_inter), self.image_ffn(x_i_c)


class SGMFT(nn.Module):
    def __init__(self, d_t, d_i, d, heads, d_h, hidden, classes, dropout=0.0, ablations=()):
        super().__init__()
        self.heads = heads
        self.no_sim, self.no_sfm = "no-sim" in ablations, "no-sfm" in ablations
        self.image_wise = "image-wise-ffn" in ablations
        self.text_projection = nn.Linear(d_t, d)
        self.image_projection = nn.Linear(d_i, d)
        if not self.no_sim:
            self.sim = SIM(d, heads, d_h, self.image_wise)
        self.fusion = next((a for a in ablations if a in ("no-sfm", "asymmetric-co-attention", "merge-attention",
                                                           "co-attention")), "sfm")
        mha = lambda: nn.MultiheadAttention(d, heads, batch_first=True)
        if self.fusion in ("asymmetric-co-attention", "co-attention"):
            self.sfm_text_self = mha()
        if self.fusion == "co-attention":
            self.sfm_image_self = mha()
        if self.fusion == "merge-attention":
            self.sfm_merge = mha()
        if self.fusion in ("sfm", "asymmetric-co-attention", "co-attention"):
            self.sfm_text = mha()
        if self.fusion in ("sfm", "co-attention"):
            self.sfm_image = mha()
        sizes = [d] + list(hidden) + [classes]
        self.classifier = nn.ModuleList([nn.Linear(sizes[k], sizes[k + 1]) for k in range(5)])
        self.drop = nn.Dropout(dropout)

    def forward(self, text_layers, image_tokens):
        f_t = self.text_projection(text_layers[:, -1])
        f_i = self.image_projection(image_tokens)
        p_m = p_e = None
        if not self.no_sim:
            s_m = f_t.mean(1) * f_i.mean(1)                 # (1) on the sequence means
            p_m = torch.softmax(s_m, dim=-1)                # (3)
            if self.image_wise:
                p_e = torch.softmax(f_i @ f_t.transpose(1, 2), dim=-1)
            else:
                p_e = torch.softmax(f_t @ f_i.transpose(1, 2), dim=-1)   # (2, 4)
            f_t, f_i = self.sim(f_t, f_i, p_m, p_e)
        if self.fusion in ("sfm", "co-attention"):
            if self.fusion == "co-attention":               # Table 3: self-attention per stream first
                f_t = self.sfm_text_self(f_t, f_t, f_t, need_weights=False)[0]
                f_i = self.sfm_image_self(f_i, f_i, f_i, need_weights=False)[0]
            a, _ = self.sfm_text(f_t, f_i, f_i, need_weights=False)
            b, _ = self.sfm_image(f_i, f_t, f_t, need_weights=False)
            m = a.mean(1) + b.mean(1)                       # (17)
        elif self.fusion == "asymmetric-co-attention":      # Table 3 (mPLUG): text only
            t = self.sfm_text_self(f_t, f_t, f_t, need_weights=False)[0]
            m = self.sfm_text(t, f_i, f_i, need_weights=False)[0].mean(1)
        elif self.fusion == "merge-attention":              # Table 3: one attention over [T; I]
            z = torch.cat([f_t, f_i], dim=1)
            m = self.sfm_merge(z, z, z, need_weights=False)[0].mean(1)
        else:
            m = f_t.mean(1) + f_i.mean(1)
        for k, layer in enumerate(self.classifier):         # (18)
            m = layer(m)
            if k < 4:
                m = self.drop(F.relu(m))
        return m, p_m, p_e


TINY = dict(d_t=12, d_i=10, d=8, heads=2, d_h=16, hidden=[8, 6, 6, 4], classes=3)
CASES = {
    "full": [], "no_sim": ["no-sim"], "no_sfm": ["no-sfm"], "no_sim_no_sfm": ["no-sim", "no-sfm"],
    "image_wise_ffn": ["image-wise-ffn"], "asymmetric_co_attention": ["asymmetric-co-attention"],
    "merge_attention": ["merge-attention"], "co_attention": ["co-attention"],
}


def make_case(name, ablations):
    torch.manual_seed(4321)
    model = SGMFT(**TINY, ablations=ablations)
    with torch.no_grad():
        for key, p in model.named_parameters():
            if key.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif key.endswith("norm.bias") or key.endswith("in_proj_bias") or key.endswith("out_proj.bias"):
                p.copy_(0.1 * torch.randn_like(p))
    batch = 3
    inputs = {
        "text.layers": torch.randn(batch, 2, 5, TINY["d_t"]),
        "image.grid": torch.randn(batch, 4, TINY["d_i"]),
    }
    tensors = {"param." + k: v.detach().clone() for k, v in model.state_dict().items()}
    for k, v in inputs.items():
        tensors["input." + k] = v
    model.train()
    logits, p_m, p_e = model(inputs["text.layers"], inputs["image.grid"])
    upstream = torch.randn_like(logits)
    (logits * upstream).sum().backward()
    tensors["upstream"] = upstream
    tensors["output.logits"] = logits.detach()
    if p_m is not None:
        tensors["output.modality_similarity"] = p_m.detach()
        tensors["output.element_similarity"] = p_e.detach()
    for k, p in model.named_parameters():
        tensors["grad.param." + k] = p.grad.detach().clone()
    model.eval()
    with torch.no_grad():
        eval_logits, _, _ = model(inputs["text.layers"], inputs["image.grid"])
    tensors["output.eval_logits"] = eval_logits
    save_file({k: v.contiguous().float() for k, v in tensors.items()},
              os.path.join(OUT, f"sgmft_{name}.safetensors"))


def parameter_counts():
    presets = {"weibo": dict(d_t=1024, d_i=1280, d=1024, heads=8, d_h=4096, hidden=[512, 256, 128, 64], classes=7)}
    counts = {}
    for name, sizes in presets.items():
        model = SGMFT(**sizes)
        counts[name] = sum(p.numel() for p in model.parameters())
    with open(os.path.join(OUT, "sgmft_parameter_counts.json"), "w") as f:
        json.dump(counts, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for case, ablations in CASES.items():
        make_case(case, ablations)
    parameter_counts()
