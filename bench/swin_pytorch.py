"""Swin-T forward throughput of Hugging Face transformers on the CPU, the reference for
`mmfusion bench swin-t`: `SwinModel` with the swin_tiny_patch4_window7_224 config
(embed 96, depths 2-2-6-2, heads 3-6-12-24, window 7), random weights, eval mode,
no_grad, eager attention, 2 threads, batch 8 at 224x224; median images/s over the timed
repetitions after two warm-up runs.

Run:  /work/V/bin/python bench/swin_pytorch.py [--repetitions 5] [--threads 2] [--batch 8]
"""
import argparse
import time

import torch
from transformers import SwinConfig, SwinModel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--attention", default="eager", help="eager or sdpa")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = SwinConfig()
    config._attn_implementation = args.attention
    model = SwinModel(config).eval()
    images = torch.randn(args.batch, 3, 224, 224)
    times = []
    with torch.no_grad():
        for _ in range(2):
            model(images)
        for _ in range(args.repetitions):
            start = time.perf_counter()
            model(images)
            times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    print(f"PyTorch {torch.__version__} transformers SwinModel swin-tiny forward (eval, no_grad, {args.attention}) "
          f"{args.batch / median:10.2f} images/s  batch={args.batch} 224x224 threads={args.threads} "
          f"median of {args.repetitions}")


if __name__ == "__main__":
    main()
