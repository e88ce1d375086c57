"""PyTorch CPU reference for `mmfusion bench train`.

Times training steps (forward, cross-entropy + auxiliary losses, backward, AdamW step) of
each registry model's head on random features of the shapes `mmfusion bench train` uses:
the Weibo preset where a model has one (else its first preset, else its defaults), batch
128, 2 threads, eager mode. The models are the independent PyTorch definitions the parity
fixtures are generated with (Tests/Fixtures/generate/{hglnet,baselines,mscf,sgmft}.py).

The baselines' reference definitions have no dropout layers (the Swift baselines have
dropout 0.1), otherwise the heads are the same.

Usage: python bench/train_pytorch.py [--model ID] [--threads 2] [--batch 128] [--repetitions 10] [--json]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "generate"))
import baselines  # noqa: E402
import hglnet  # noqa: E402
import mscf  # noqa: E402
import sgmft  # noqa: E402

MODELS = ["hglnet", "text-only", "image-only", "concat", "late-fusion", "attention-fusion", "mscf", "sgmft"]


def randn(*shape):
    return torch.randn(*shape)


def build(model_id, batch):
    """The module, a step function returning the loss, its preset name and classes."""
    if model_id == "hglnet":
        classes = 2
        model = hglnet.HGLNet(d_t=768, layers=4, d_n=140, channels=2048, height=7, width=7, d_o=1000, d_f=32, heads=4,
                              d_g=10, dropout=0.5, classes=classes)
        text, cls, grid, logits = randn(batch, 4, 140, 768), randn(batch, 4, 768), randn(batch, 49, 2048), randn(batch, 1000)
        labels = torch.randint(0, classes, (batch,))
        return model, lambda: F.cross_entropy(model(text, cls, grid, logits)[0], labels), "weibo"
    if model_id in ("text-only", "image-only", "concat", "late-fusion", "attention-fusion"):
        baselines.D_T, baselines.C, baselines.HIDDEN, baselines.D, baselines.HEADS, baselines.CLASSES = 768, 2048, 256, 128, 4, 2
        model = {"text-only": lambda: baselines.Unimodal(True), "image-only": lambda: baselines.Unimodal(False),
                 "concat": baselines.Concat, "late-fusion": baselines.Late,
                 "attention-fusion": baselines.AttentionFusion}[model_id]()
        features = {"text.pooled": randn(batch, 768), "image.pooled": randn(batch, 2048),
                    "text.layers": randn(batch, 1, 64, 768), "image.grid": randn(batch, 49, 2048)}
        labels = torch.randint(0, 2, (batch,))
        return model, lambda: F.cross_entropy(model(features), labels), None
    if model_id == "mscf":
        classes = 3
        model = mscf.MSCF(d_t=768, n=64, channels=2048, m=49, d=768, layers=3, heads=8, ffn=2048, dropout=0.1,
                          classes=classes)
        text, grid = randn(batch, 1, 64, 768), randn(batch, 49, 2048)
        token_ids = torch.randint(1000, 30522, (batch, 64))
        labels = torch.randint(0, classes, (batch,))

        def step():
            logits, mlm_loss, _ = model(text, grid, token_ids)
            loss = F.cross_entropy(logits, labels)
            return loss + mlm_loss if mlm_loss is not None else loss
        return model, step, "mvsa-single"
    if model_id == "sgmft":
        classes = 7
        model = sgmft.SGMFT(d_t=1024, d_i=1280, d=1024, heads=8, d_h=4096, hidden=[512, 256, 128, 64], classes=classes,
                            dropout=0.1)
        text, image = randn(batch, 1, 64, 1024), randn(batch, 49, 1280)
        labels = torch.randint(0, classes, (batch,))
        return model, lambda: F.cross_entropy(model(text, image)[0], labels), "weibo"
    raise SystemExit(f"unknown model {model_id}; known: {', '.join(MODELS)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    figures = []
    for model_id in [args.model] if args.model else MODELS:
        model, step, preset = build(model_id, args.batch)
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)

        def once():
            optimizer.zero_grad(set_to_none=True)
            step().backward()
            optimizer.step()
        once()
        times = []
        for _ in range(max(3, args.repetitions // 3)):
            start = time.perf_counter()
            once()
            times.append(time.perf_counter() - start)
        times.sort()
        seconds = times[len(times) // 2]
        name = f"{model_id}{f' [{preset}]' if preset else ''} train step, batch {args.batch}"
        parameters = sum(p.numel() for p in model.parameters())
        figures.append({"name": name, "value": args.batch / seconds, "unit": "samples/s",
                        "detail": f"parameters={parameters} threads={args.threads} torch={torch.__version__}"})
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for f in figures:
            print(f"{f['name']:<48} {f['value']:10.2f} {f['unit']:<10} {f['detail']}")


if __name__ == "__main__":
    main()
