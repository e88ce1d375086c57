"""Reference INFIG in PyTorch, written from the paper's equations ("Integrating
hierarchical fine-grained and global information for multimodal sentiment analysis with
assistance of CLIP", sections 3.1-3.5), with the decisions of docs/models/infig.md, for
parity fixtures of the Swift model.

Writes Tests/Fixtures/infig/<case>.safetensors for the full model and each ablation (tiny
sizes, dropout 0), with:
  param.<key>              the model's parameters (same keys as the Swift model)
  state.<key>              the training state: queue.text, queue.image, queue.pointer and
                           momentum.<key> (the momentum copies, equal to the online weights)
  input.<feature>          text.layers [B, 3, L, d_t], text.token_ids, image.grid, clip.text, clip.image
  upstream                 R of the scalar sum(logits * R)
  output.logits, output.fused, output.pooling.weights, output.momentum.*_global
  loss.global, loss.fine_grained   the weighted auxiliary losses (training mode)
  grad.param.<key>         d [sum(logits * R) + global + fine_grained] / d parameter
and Tests/Fixtures/infig/steps.safetensors: three SGD steps (lr 0.1) of the full model
on CE + auxiliary losses, each followed by the momentum update (mu 0.9) and the enqueue
of the batch's momentum features into queues of 6 rows (so the pointer wraps):
  step<s>.input.*, step<s>.labels, step<s>.queue.text, step<s>.queue.image, step<s>.pointer
  final.param.<key>, final.momentum.<key>
and Tests/Fixtures/infig/parameter_counts.json: the trainable parameter count of each preset
at full size (DeBERTa 768, ResNet grid 49 x 2048, d 768, 12 heads, FFN 3072, 6 image layers,
CLIP 512 -> 256; 3 or 4 fusion layers; 3, 7 or 2 classes).

Run: /work/V/bin/python Tests/Fixtures/generate/infig.py
"""
import copy
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "infig")
B, DT, L, CH, P, D, HEADS, FF, CLIP, CLIP_PROJ, C = 4, 10, 5, 6, 4, 8, 2, 16, 6, 4, 3
IMAGE_LAYERS, ALIGN, J, FUSION, QUEUE, TAU = 3, 2, 2, 2, 6, 0.07


def encoder_layer():
    return nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation="gelu", batch_first=True)


class ImageEncoder(nn.Module):
    """ResNet grid -> Linear -> [CLS] + positions -> N_i transformer layers (section 3.1)."""

    def __init__(self):
        super().__init__()
        self.projection = nn.Linear(CH, D)
        self.class_token = nn.Parameter(torch.randn(1, 1, D) * 0.02)
        self.positions = nn.Parameter(torch.randn(1, 1 + P, D) * 0.02)
        self.layers = nn.ModuleList([encoder_layer() for _ in range(IMAGE_LAYERS)])

    def forward(self, grid):
        x = torch.cat([self.class_token.expand(grid.shape[0], 1, D), self.projection(grid)], 1) + self.positions
        states = []
        for layer in self.layers:
            x = layer(x)
            states.append(x)
        return states


class Head(nn.Module):
    """Equations 8-11."""

    def __init__(self):
        super().__init__()
        self.score = nn.Linear(D, 1)
        self.representation = nn.Linear(D, D)
        self.classifier = nn.Linear(D, C)

    def forward(self, f, pad):
        g = self.score(f).squeeze(-1).masked_fill(pad, float("-inf")).softmax(1)
        k = F.gelu(self.representation((g.unsqueeze(-1) * f).sum(1)))
        return F.gelu(self.classifier(k)), k, g


def fine_grained(images, texts, valid):
    """Equations 3-5 for one layer, pair by pair with torch.topk."""
    images, texts = F.normalize(images, dim=-1), F.normalize(texts, dim=-1)
    s_p2q = torch.zeros(B, B)
    s_q2p = torch.zeros(B, B)
    rows_p2q, rows_q2p = [], []
    for p in range(B):
        row = []
        for q in range(B):
            t = texts[q][valid[q]]
            sim = images[p] @ t.T                                    # [n_i, n_valid]
            j_text = min(J, t.shape[0])
            row.append(sim.topk(j_text, dim=1).values.sum() / (j_text * images.shape[1]))
        rows_p2q.append(torch.stack(row))
    for q in range(B):
        row = []
        t = texts[q][valid[q]]
        for p in range(B):
            sim = t @ images[p].T                                    # [n_valid, n_i]
            j_image = min(J, images.shape[1])
            row.append(sim.topk(j_image, dim=1).values.sum() / (j_image * t.shape[0]))
        rows_q2p.append(torch.stack(row))
    s_p2q, s_q2p = torch.stack(rows_p2q), torch.stack(rows_q2p)
    target = torch.arange(B)
    return F.cross_entropy(s_p2q / TAU, target) + F.cross_entropy(s_q2p / TAU, target)


class INFIG(nn.Module):
    def __init__(self, ablations):
        super().__init__()
        self.ab = set(ablations)
        self.use_global = "no-gam" not in self.ab
        self.use_fine = "no-hfam" not in self.ab
        use_clip = self.use_global and "no-clip" not in self.ab
        self.align = 1 if "hfam-last-layer" in self.ab else ALIGN
        self.text_projection = nn.Linear(DT, D)
        self.image_encoder = ImageEncoder()
        if use_clip:
            self.clip_text_projection = nn.Linear(CLIP, CLIP_PROJ)
            self.clip_image_projection = nn.Linear(CLIP, CLIP_PROJ)
        self.use_clip = use_clip
        self.fusion = nn.ModuleList([encoder_layer() for _ in range(1 if "one-fusion-layer" in self.ab else FUSION)])
        self.head = Head()
        names = ["text_projection", "image_encoder"] + (["clip_text_projection", "clip_image_projection"] if use_clip else [])
        self.momentum = {n: copy.deepcopy(getattr(self, n)) for n in names}
        for module in self.momentum.values():
            for p in module.parameters():
                p.requires_grad_(False)
        width = D + (CLIP_PROJ if use_clip else 0)
        self.queue_text = F.normalize(torch.randn(QUEUE, width), dim=1)
        self.queue_image = F.normalize(torch.randn(QUEUE, width), dim=1)
        self.pointer = 0

    def global_features(self, modules, image_states, text_last, inputs):
        i_cls, t_cls = image_states[-1][:, 0], modules["text_projection"](text_last)[:, 0]
        if self.use_clip:
            i_cls = torch.cat([i_cls, modules["clip_image_projection"](inputs["clip.image"])], 1)
            t_cls = torch.cat([t_cls, modules["clip_text_projection"](inputs["clip.text"])], 1)
        return F.normalize(i_cls, dim=1), F.normalize(t_cls, dim=1)

    def forward(self, inputs):
        needed = self.align if self.use_fine else 1
        raw = inputs["text.layers"][:, -needed:]
        pad = inputs["text.token_ids"] == 0
        image_states = self.image_encoder(inputs["image.grid"])
        text_states = [self.text_projection(raw[:, m]) for m in range(needed)]
        out, losses = {}, {}
        if self.use_global:
            online = {"text_projection": self.text_projection, "image_encoder": self.image_encoder}
            if self.use_clip:
                online.update(clip_text_projection=self.clip_text_projection, clip_image_projection=self.clip_image_projection)
            i_g, t_g = self.global_features(online, image_states, raw[:, -1], inputs)
            with torch.no_grad():
                m_image_states = self.momentum["image_encoder"](inputs["image.grid"])
                i_m, t_m = self.global_features(self.momentum, m_image_states, raw[:, -1], inputs)
            l_i2t = F.cross_entropy(torch.cat([(i_g * t_m).sum(1, keepdim=True), i_g @ self.queue_text.T], 1) / TAU,
                                    torch.zeros(B, dtype=torch.long))
            l_t2i = F.cross_entropy(torch.cat([(t_g * i_m).sum(1, keepdim=True), t_g @ self.queue_image.T], 1) / TAU,
                                    torch.zeros(B, dtype=torch.long))
            losses["global"] = 0.3 * 0.5 * (l_i2t + l_t2i)
            out["momentum.image_global"], out["momentum.text_global"] = i_m, t_m
        valid = ~pad[:, 1:]
        if self.use_fine:
            total = 0
            for m in range(self.align):
                image = image_states[len(image_states) - self.align + m][:, 1:]
                text = text_states[len(text_states) - self.align + m][:, 1:]
                total = total + fine_grained(image, text, valid)
            losses["fine_grained"] = 0.2 * total / (2 * self.align)
        key_pad = torch.cat([torch.zeros(B, P, dtype=torch.bool), pad[:, 1:]], 1)
        f = torch.cat([image_states[-1][:, 1:], text_states[-1][:, 1:]], 1)
        for layer in self.fusion:
            f = layer(f, src_key_padding_mask=key_pad)
        logits, k, g = self.head(f, key_pad)
        out["fused"], out["pooling.weights"] = k, g
        return logits, out, losses

    def momentum_update(self, out):
        with torch.no_grad():
            for name, copy_module in self.momentum.items():
                for pm, p in zip(copy_module.parameters(), getattr(self, name).parameters()):
                    pm.mul_(0.9).add_(p.detach() * 0.1)
            for row in range(B):
                self.queue_text[(self.pointer + row) % QUEUE] = out["momentum.text_global"][row]
                self.queue_image[(self.pointer + row) % QUEUE] = out["momentum.image_global"][row]
            self.pointer = (self.pointer + B) % QUEUE

    def training_state(self):
        state = {"queue.text": self.queue_text.clone(), "queue.image": self.queue_image.clone(),
                 "queue.pointer": torch.tensor([float(self.pointer)])}
        for name, module in self.momentum.items():
            for key, value in module.state_dict().items():
                state[f"momentum.{name}.{key}"] = value.detach().clone()
        return state


def parameters(model):
    return {k: v.detach().clone().contiguous() for k, v in model.named_parameters()}


def make_inputs(generator):
    ids = torch.randint(2, 30, (B, L), generator=generator).float()
    ids[:, 0] = 1
    ids[1, 3:] = 0          # two padding tokens
    ids[2, 2:] = 0          # one valid token after [CLS]: fewer than j
    return {
        "text.layers": torch.randn(B, 3, L, DT, generator=generator),
        "text.token_ids": ids,
        "image.grid": torch.randn(B, P, CH, generator=generator),
        "clip.text": torch.randn(B, CLIP, generator=generator),
        "clip.image": torch.randn(B, CLIP, generator=generator),
    }


CASES = {"full": [], "no_gam": ["no-gam"], "no_hfam": ["no-hfam"], "no_clip": ["no-clip"],
         "hfam_last_layer": ["hfam-last-layer"], "one_fusion_layer": ["one-fusion-layer"]}


def case(name, ablations, seed):
    torch.manual_seed(seed)
    model = INFIG(ablations)
    generator = torch.Generator().manual_seed(seed + 1)
    inputs = make_inputs(generator)
    upstream = torch.randn(B, C, generator=generator)
    tensors = {f"param.{k}": v for k, v in parameters(model).items()}
    tensors.update({f"state.{k}": v for k, v in model.training_state().items()})
    logits, out, losses = model(inputs)
    ((logits * upstream).sum() + sum(losses.values())).backward()
    tensors.update({f"input.{k}": v for k, v in inputs.items()})
    tensors["upstream"] = upstream
    tensors["output.logits"] = logits.detach()
    tensors.update({f"output.{k}": v.detach().contiguous() for k, v in out.items()})
    tensors.update({f"loss.{k}": v.detach().reshape(1) for k, v in losses.items()})
    tensors.update({f"grad.param.{k}": p.grad.detach().clone() for k, p in model.named_parameters()})
    save_file(tensors, os.path.join(OUT, f"{name}.safetensors"))


def steps():
    torch.manual_seed(50)
    model = INFIG([])
    generator = torch.Generator().manual_seed(51)
    tensors = {f"param.{k}": v for k, v in parameters(model).items()}
    tensors.update({f"state.{k}": v for k, v in model.training_state().items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(3):
        inputs = make_inputs(generator)
        labels = torch.randint(0, C, (B,), generator=generator)
        tensors.update({f"step{step}.input.{k}": v for k, v in inputs.items()})
        tensors[f"step{step}.labels"] = labels.float()
        optimizer.zero_grad()
        logits, out, losses = model(inputs)
        (F.cross_entropy(logits, labels) + sum(losses.values())).backward()
        optimizer.step()
        model.momentum_update(out)
        tensors[f"step{step}.queue.text"] = model.queue_text.clone()
        tensors[f"step{step}.queue.image"] = model.queue_image.clone()
        tensors[f"step{step}.pointer"] = torch.tensor([float(model.pointer)])
    tensors.update({f"final.param.{k}": v for k, v in parameters(model).items()})
    tensors.update({f"final.{k}": v for k, v in model.training_state().items() if k.startswith("momentum.")})
    save_file(tensors, os.path.join(OUT, "steps.safetensors"))


def parameter_counts():
    global DT, CH, P, D, HEADS, FF, CLIP, CLIP_PROJ, C, IMAGE_LAYERS, FUSION, QUEUE
    DT, CH, P, D, HEADS, FF, CLIP, CLIP_PROJ, IMAGE_LAYERS, QUEUE = 768, 2048, 49, 768, 12, 3072, 512, 256, 6, 16
    counts = {}
    for preset, classes, fusion in [("mvsa-single", 3, 3), ("mvsa-multiple", 3, 3), ("tumemo", 7, 3), ("hfm", 2, 4)]:
        C, FUSION = classes, fusion
        counts[preset] = sum(p.numel() for p in INFIG([]).parameters())
    with open(os.path.join(OUT, "parameter_counts.json"), "w") as f:
        json.dump(counts, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for index, (name, ablations) in enumerate(CASES.items()):
        case(name, ablations, 20 + index)
    steps()
    parameter_counts()
