"""PyTorch CPU reference for `mmfusion bench fusion-models`.

Times, with 2 threads and eager mode, one training step (forward, cross-entropy +
auxiliary losses, backward, MIB gradient scaling / momentum update and enqueue, Adam) of
the PyTorch references in Tests/Fixtures/generate/bmlhf.py and infig.py, at the sizes the
Swift benchmark uses:

* BMLHF, weibo preset: BERT [CLS] 768, Swin-T 1000, CLIP 512, MLP hidden 384, d_k 384,
  4 heads, 2 classes, batch 64;
* INFIG, mvsa-single preset with 2 classes: 3 cached DeBERTa layers of 64 tokens x 768
  (0-15 padding tokens per post), ResNet grid 49 x 2048, d 768, 12 heads, FFN 3072,
  6 image layers, 3 fusion layers, M 3, j 2, CLIP 512 -> 256, queue 4096, batch 32. The
  fine-grained alignment is vectorised here (the fixture script loops over pairs); the
  reference's transformer dropout is 0 where the Swift preset has 0.1.

Usage: python bench/fusion_models_pytorch.py [--threads 2] [--repetitions 5] [--json]
"""
import argparse, importlib.util, json, os, time
import torch
import torch.nn.functional as F

GENERATE = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "generate")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(GENERATE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_seconds(step, repetitions):
    step()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def bmlhf_step(repetitions):
    ref = load("bmlhf")
    ref.B, ref.DT, ref.DE, ref.DC, ref.H, ref.D, ref.HEADS, ref.C = 64, 768, 1000, 512, 384, 384, 4, 2
    model = ref.BMLHF([])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    inputs = {"text.cls_layers": torch.randn(64, 1, 768), "image.logits": torch.randn(64, 1000),
              "clip.text": torch.randn(64, 512), "clip.image": torch.randn(64, 512)}
    labels = torch.randint(0, 2, (64,))

    def step():
        optimizer.zero_grad()
        logits, out, losses = model(inputs, labels)
        (F.cross_entropy(logits, labels) + sum(losses.values())).backward()
        with torch.no_grad():
            s = torch.softmax(out["views.logits"], dim=2)[torch.arange(64), :, labels].sum(0)
            rho = s / s.sum()
            k = torch.where(rho > 0.25, 1 - torch.tanh(0.8 * rho), torch.ones_like(rho))
            for index, name in enumerate(model.names):
                for p in list(model.views[name].parameters()) + list(model.view_heads[name].parameters()):
                    p.grad.mul_(k[index])
        optimizer.step()

    return median_seconds(step, repetitions), sum(p.numel() for p in model.parameters())


def infig_step(repetitions):
    ref = load("infig")
    b, length = 32, 64
    (ref.B, ref.DT, ref.L, ref.CH, ref.P, ref.D, ref.HEADS, ref.FF, ref.CLIP, ref.CLIP_PROJ, ref.C) = \
        (b, 768, length, 2048, 49, 768, 12, 3072, 512, 256, 2)
    ref.IMAGE_LAYERS, ref.ALIGN, ref.J, ref.FUSION, ref.QUEUE = 6, 3, 2, 3, 4096

    def fine_grained(images, texts, valid):
        images, texts = F.normalize(images, dim=-1), F.normalize(texts, dim=-1)
        sim = torch.einsum("pkd,qld->pkql", images, texts)
        counts = valid.sum(1).clamp(min=1).float()
        masked = sim.masked_fill(~valid[None, None], -1e4)
        i2t = masked.topk(ref.J, dim=3).values * (torch.arange(ref.J)[None, None, None] < valid.sum(1)[None, None, :, None])
        s_p2q = i2t.sum((1, 3)) / (counts.clamp(max=ref.J)[None] * images.shape[1])
        t2i = sim.permute(2, 3, 0, 1).topk(ref.J, dim=3).values.sum(3) * valid[:, :, None]
        s_q2p = t2i.sum(1) / (counts[:, None] * ref.J)
        target = torch.arange(images.shape[0])
        return F.cross_entropy(s_p2q / ref.TAU, target) + F.cross_entropy(s_q2p / ref.TAU, target)

    ref.fine_grained = fine_grained
    model = ref.INFIG([])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    ids = torch.full((b, length), 5.0)
    for p in range(b):
        if p % 16:
            ids[p, length - p % 16:] = 0
    inputs = {"text.layers": torch.randn(b, 3, length, 768), "text.token_ids": ids,
              "image.grid": torch.randn(b, 49, 2048), "clip.text": torch.randn(b, 512), "clip.image": torch.randn(b, 512)}
    labels = torch.randint(0, 2, (b,))

    def step():
        optimizer.zero_grad()
        logits, out, losses = model(inputs)
        (F.cross_entropy(logits, labels) + sum(losses.values())).backward()
        optimizer.step()
        model.momentum_update(out)

    return median_seconds(step, repetitions), sum(p.numel() for p in model.parameters())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    figures = []
    seconds, count = bmlhf_step(args.repetitions)
    figures.append({"name": "BMLHF training step (weibo preset, batch 64)", "value": 1 / seconds, "unit": "steps/s",
                    "detail": f"parameters={count}, threads={args.threads}"})
    seconds, count = infig_step(args.repetitions)
    figures.append({"name": "INFIG training step (mvsa-single preset, batch 32, 64 tokens)", "value": 1 / seconds,
                    "unit": "steps/s", "detail": f"parameters={count}, threads={args.threads}"})
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for f in figures:
            print(f"{f['name']}: {f['value']:.3f} {f['unit']} ({f['detail']})")


if __name__ == "__main__":
    main()
