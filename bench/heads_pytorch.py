"""PyTorch CPU reference for `mmfusion bench train-step`.

Measures, with 2 threads and eager mode, one training step (forward, backward, optimizer
step) of the two heads that `mmfusion bench train-step` times in Swift:

* an HGLNet-shaped fusion head: 4 text layers x 141 tokens x 768 projected to d=64
  (Linear + ReLU + LayerNorm per layer), a 49 x 2048 image grid projected the same way,
  2 shared cross-attention transformer blocks (each a text<-image and an image<-text
  post-norm block, 4 heads, FFN 256, GELU, dropout 0.1) applied to every layer pair,
  ReLU + mean pooling, concatenation, Linear to 2 classes; cross-entropy; AdamW;
* a 2816 -> 384 -> 2 MLP head (ReLU, dropout 0.1) with Adam.

Usage: python bench/heads_pytorch.py [--threads 2] [--batch 128] [--json]
"""
import argparse, json, time
import torch
from torch import nn


class CrossBlock(nn.Module):
    def __init__(self, d=64, heads=4, ff=256, p=0.1):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, dropout=p, batch_first=True)
        self.norm1 = nn.LayerNorm(d)
        self.linear1 = nn.Linear(d, ff)
        self.linear2 = nn.Linear(ff, d)
        self.norm2 = nn.LayerNorm(d)
        self.drop = nn.Dropout(p)

    def forward(self, q, kv):
        a, _ = self.attn(q, kv, kv, need_weights=False)
        x = self.norm1(q + self.drop(a))
        f = self.linear2(self.drop(nn.functional.gelu(self.linear1(x))))
        return self.norm2(x + self.drop(f))


class FusionHead(nn.Module):
    def __init__(self, layers=4, text_dim=768, image_dim=2048, d=64, blocks=2, classes=2):
        super().__init__()
        self.text_proj = nn.ModuleList(nn.Linear(text_dim, d) for _ in range(layers))
        self.text_norm = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.image_proj = nn.Linear(image_dim, d)
        self.image_norm = nn.LayerNorm(d)
        self.text_blocks = nn.ModuleList(CrossBlock(d) for _ in range(blocks))
        self.image_blocks = nn.ModuleList(CrossBlock(d) for _ in range(blocks))
        self.classifier = nn.Linear(layers * 2 * d, classes)

    def forward(self, text, image):
        image0 = self.image_norm(torch.relu(self.image_proj(image)))
        pooled = []
        for l, (proj, norm) in enumerate(zip(self.text_proj, self.text_norm)):
            t = norm(torch.relu(proj(text[:, l])))
            i = image0
            for tb, ib in zip(self.text_blocks, self.image_blocks):
                t, i = tb(t, i), ib(i, t)
            pooled += [torch.relu(t).mean(1), torch.relu(i).mean(1)]
        return self.classifier(torch.cat(pooled, dim=1))


def steps_per_second(step, seconds=10.0, warmup=2):
    for _ in range(warmup):
        step()
    n, start = 0, time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed > seconds and n >= 3:
            return n / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--mlp-batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    figures = []

    head = FusionHead().train()
    opt = torch.optim.AdamW(head.parameters(), lr=1e-4)
    text = torch.randn(args.batch, 4, 141, 768)
    image = torch.randn(args.batch, 49, 2048)
    labels = torch.randint(0, 2, (args.batch,))

    def fusion_step():
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(head(text, image), labels)
        loss.backward()
        opt.step()

    figures.append({"name": f"pytorch fusion-head step (HGLNet-shaped, batch {args.batch})",
                    "value": steps_per_second(fusion_step, args.seconds), "unit": "steps/s"})

    mlp = nn.Sequential(nn.Linear(2816, 384), nn.ReLU(), nn.Dropout(0.1), nn.Linear(384, 2)).train()
    mopt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
    x = torch.randn(args.mlp_batch, 2816)
    y = torch.randint(0, 2, (args.mlp_batch,))

    def mlp_step():
        mopt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(mlp(x), y).backward()
        mopt.step()

    figures.append({"name": f"pytorch MLP-head step (2816-384-2, batch {args.mlp_batch})",
                    "value": steps_per_second(mlp_step, args.seconds), "unit": "steps/s"})
    figures.append({"name": "pytorch parameters (fusion head)", "value": sum(p.numel() for p in head.parameters()), "unit": "count"})
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        for f in figures:
            print(f"{f['name']:<56} {f['value']:10.2f} {f['unit']}")


if __name__ == "__main__":
    main()
