"""PyTorch CPU reference for `mmfusion bench attention`: torch.nn.MultiheadAttention
(batch_first) forward (no_grad) and forward+backward at the same shapes, 2 threads.

Usage: python bench/attention_pytorch.py [--threads 2] [--repetitions 10]
"""
import argparse, time, statistics
import torch

SHAPES = [
    ("self 8x128x768 h12", 8, 128, None, 768, 12),
    ("cross 128x141<-49 d64 h4", 128, 141, 49, 64, 4),
]


def median_seconds(fn, repetitions):
    fn()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name, b, lq, lk, e, h in SHAPES:
        layer = torch.nn.MultiheadAttention(e, h, batch_first=True).eval()
        q = torch.randn(b, lq, e)
        kv = torch.randn(b, lk, e) if lk else q

        def forward():
            with torch.no_grad():
                layer(q, kv, kv, need_weights=False)

        qt = q.clone().requires_grad_(True)
        kvt = kv if lk else qt

        def train():
            layer.zero_grad(set_to_none=True)
            out, _ = layer(qt, kvt, kvt, need_weights=False)
            out.sum().backward()

        f = median_seconds(forward, args.repetitions)
        t = median_seconds(train, args.repetitions)
        print(f"pytorch attention forward, {name:<30} {1 / f:10.2f} calls/s   {f * 1000:.2f} ms")
        print(f"pytorch attention forward+backward, {name:<21} {1 / t:10.2f} calls/s   {t * 1000:.2f} ms")


if __name__ == "__main__":
    main()
