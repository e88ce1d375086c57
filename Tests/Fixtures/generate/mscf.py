"""Reference MSCF in PyTorch, written from the paper's equations (Liu, Bai, Cheng, Gui,
Computer Science 51(9), 2024, section 3), for parity fixtures of the Swift model.

Writes Tests/Fixtures/fusion/mscf_<case>.safetensors for the default model (fast MLM),
the faithful MLM variant and each ablation of Tables 2 and 4 (tiny sizes), with:
  param.<key>            the model's parameters (same keys as the Swift model)
  input.<feature>        the batch features (text.layers, image.grid, text.token_ids)
  encoder_table          [vocab, d_t]: the stand-in frozen text encoder of the faithful
                         case, E_T(ids) = encoder_table[ids] (equation 21)
  upstream               the weight R of the scalar loss sum(logits * R) + Loss_mlm
  output.logits          logits in training mode (dropout 0)
  output.mlm             Loss_mlm (equation 25), absent without MLM
  output.mlm.selected    [B, n] 1 at the positions masked by equation 19
  grad.param.<key>       d (sum(logits * R) + Loss_mlm) / d parameter
  output.eval_logits     logits in evaluation mode
and Tests/Fixtures/fusion/mscf_parameter_counts.json with the parameter count of each
preset (MVSA-Single, MVSA-Multiple) at full size.

Run: /work/V/bin/python Tests/Fixtures/generate/mscf.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "fusion")
SPECIAL = (0, 101 % 20, 102 % 20)   # tiny vocabulary: [PAD]=0, [CLS]=1, [SEP]=2


class MSCF(nn.Module):
    def __init__(self, d_t=768, n=64, channels=2048, m=49, d=768, layers=3, heads=8, ffn=2048,
                 dropout=0.1, rate=0.25, vocab=30522, mask_id=103, special=(0, 101, 102),
                 mlm="fast", classes=3, ablations=()):
        super().__init__()
        ab = set(ablations)
        self.n, self.rate, self.mask_id, self.special, self.mode = n, rate, mask_id, set(special), mlm
        self.cross = "no-cross-attention" not in ab
        self.use_mlm = "no-mlm" not in ab

        def encoder():
            return nn.ModuleList([nn.TransformerEncoderLayer(d, heads, ffn, dropout, batch_first=True)
                                  for _ in range(layers)])
        self.image_projection = nn.Linear(channels, d)   # W_I, b_I (4)
        self.text_projection = nn.Linear(d_t, d)         # W_T, b_T (6)
        self.encoder = encoder()                         # T (12)
        if self.use_mlm and "no-shared-parameters" in ab:
            self.global_encoder = encoder()              # the unshared T of equation 22
        if self.use_mlm and mlm == "fast":
            self.mask_embedding = nn.Parameter(0.02 * torch.randn(d))
        if self.use_mlm:
            self.mlm_head = nn.Linear(d, vocab)          # W_q, b_q (24)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(d, classes)          # W_p, b_p (15)

    @staticmethod
    def run(layers, x):
        for layer in layers:
            x = layer(x)
        return x

    def forward(self, text_layers, grid, token_ids=None, text_encoder=None):
        e_t = text_layers[:, -1]                                           # (5)
        emb_global = grid.mean(dim=1, keepdim=True)                        # (2)
        e_i = torch.cat([emb_global, grid], dim=1)                         # (3)
        emb_i = F.gelu(self.image_projection(e_i))                         # (4)
        emb_t = F.gelu(self.text_projection(e_t))                          # (6)
        parts = []
        if self.cross:
            att = torch.bmm(emb_t, emb_i.transpose(1, 2))                  # (7)
            emb_t2 = torch.bmm(torch.softmax(att, dim=-1), emb_i)          # (8, 9)
            emb_i2 = torch.bmm(torch.softmax(att.transpose(1, 2), dim=-1), emb_t)   # (10, 11)
            parts = [emb_t2, emb_i2]
        emb_f = self.run(self.encoder, torch.cat([emb_t] + parts + [emb_i], dim=1))   # (12)
        pooled = emb_f.max(dim=1).values                                   # (14)
        logits = self.classifier(self.dropout(pooled))                     # (15)
        if not (self.training and self.use_mlm):
            return logits, None, None
        with torch.no_grad():
            s_m = torch.softmax(torch.bmm(emb_i[:, :1], emb_t.transpose(1, 2)).squeeze(1), dim=-1)   # (18)
        b, n = token_ids.shape
        selected = torch.zeros(b, n)
        for i in range(b):
            candidates = [j for j in range(n) if int(token_ids[i, j]) not in self.special]
            if not candidates:
                continue
            k = max(1, int(math.floor(self.rate * len(candidates))))
            scores = s_m[i, candidates]
            top = torch.topk(scores, k).indices                            # (19)
            for t in top.tolist():
                selected[i, candidates[t]] = 1
        if self.mode == "fast":
            mask = selected.unsqueeze(-1)
            emb_tm = emb_t * (1 - mask) + mask * self.mask_embedding
        else:
            masked_ids = torch.where(selected.bool(), torch.full_like(token_ids, self.mask_id), token_ids)  # (20)
            with torch.no_grad():
                encoded = text_encoder(masked_ids)                         # (21)
            emb_tm = F.gelu(self.text_projection(encoded))
        layers = self.global_encoder if hasattr(self, "global_encoder") else self.encoder
        emb_f2 = self.run(layers, torch.cat([emb_tm] + parts + [emb_i], dim=1))   # (22)
        emb_text = emb_f2[:, :n]                                           # (23)
        rows = emb_text[selected.bool()]
        token_logits = self.mlm_head(rows)                                 # (24)
        loss = F.cross_entropy(token_logits, token_ids[selected.bool()])   # (25)
        return logits, loss, selected


TINY = dict(d_t=12, n=8, channels=10, m=4, d=8, layers=2, heads=2, ffn=16, dropout=0.0, rate=0.4,
            vocab=20, mask_id=3, special=SPECIAL, classes=3)
CASES = {
    "full": ("fast", []), "faithful": ("faithful", []), "no_mlm": ("fast", ["no-mlm"]),
    "no_cross_attention": ("fast", ["no-cross-attention"]),
    "no_mlm_no_cross_attention": ("fast", ["no-mlm", "no-cross-attention"]),
    "no_shared_parameters": ("fast", ["no-shared-parameters"]),
}


def make_case(name, mode, ablations):
    torch.manual_seed(4321)
    model = MSCF(**TINY, mlm=mode, ablations=ablations)
    with torch.no_grad():
        for key, p in model.named_parameters():
            if "norm" in key and key.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif "norm" in key and key.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
        if hasattr(model, "mask_embedding"):
            model.mask_embedding.copy_(torch.randn(TINY["d"]))
    batch, n = 3, TINY["n"]
    ids = torch.randint(4, TINY["vocab"], (batch, n))
    ids[:, 0] = SPECIAL[1]
    ids[0, 6] = SPECIAL[2]
    ids[0, 7] = SPECIAL[0]
    ids[1, 7] = SPECIAL[2]
    inputs = {
        "text.layers": torch.randn(batch, 2, n, TINY["d_t"]),
        "image.grid": torch.randn(batch, TINY["m"], TINY["channels"]).abs(),
        "text.token_ids": ids.float(),
    }
    table = torch.randn(TINY["vocab"], TINY["d_t"])
    tensors = {"param." + k: v.detach().clone() for k, v in model.state_dict().items()}
    for k, v in inputs.items():
        tensors["input." + k] = v
    tensors["encoder_table"] = table
    model.train()
    logits, loss, selected = model(inputs["text.layers"], inputs["image.grid"], ids, lambda t: table[t])
    upstream = torch.randn_like(logits)
    total = (logits * upstream).sum() + (loss if loss is not None else 0)
    total.backward()
    tensors["upstream"] = upstream
    tensors["output.logits"] = logits.detach()
    if loss is not None:
        tensors["output.mlm"] = loss.detach().reshape([])
        tensors["output.mlm.selected"] = selected
    for k, p in model.named_parameters():
        tensors["grad.param." + k] = p.grad.detach().clone()
    model.eval()
    with torch.no_grad():
        eval_logits, _, _ = model(inputs["text.layers"], inputs["image.grid"])
    tensors["output.eval_logits"] = eval_logits
    save_file({k: v.contiguous().float() for k, v in tensors.items()}, os.path.join(OUT, f"mscf_{name}.safetensors"))


def parameter_counts():
    counts = {}
    for name, layers in (("mvsa-single", 3), ("mvsa-multiple", 4)):
        model = MSCF(layers=layers)
        counts[name] = sum(p.numel() for p in model.parameters())
    with open(os.path.join(OUT, "mscf_parameter_counts.json"), "w") as f:
        json.dump(counts, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for case, (mode, ablations) in CASES.items():
        make_case(case, mode, ablations)
    parameter_counts()
