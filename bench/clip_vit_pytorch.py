"""CLIP ViT-B/32 image-tower throughput of Hugging Face transformers on the CPU, measured as
`mmfusion bench clip-vit` measures ours: `CLIPVisionModelWithProjection` with
openai/clip-vit-base-patch32's vision config (224 pixels, patch 32, 12 layers, width 768,
12 heads, feed-forward 3072, quick GELU, projection 512), random weights, batch 8, eval mode,
no_grad, 2 threads, median of N runs after one warm-up.

Run: /work/V/bin/python bench/clip_vit_pytorch.py [--repetitions N] [--threads N]
"""
import argparse
import statistics
import time

import torch
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection


def forward_flops(config, batch, projection):
    grid = config.image_size // config.patch_size
    tokens, d, i = grid * grid + 1, config.hidden_size, config.intermediate_size
    patch = 2 * batch * (tokens - 1) * d * config.num_channels * config.patch_size ** 2
    per_layer = 2 * batch * tokens * (4 * d * d + 2 * d * i) + 2 * 2 * batch * tokens * tokens * d
    return patch + config.num_hidden_layers * per_layer + 2 * batch * d * projection


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = CLIPVisionConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                              image_size=224, patch_size=32, hidden_act="quick_gelu", projection_dim=512)
    model = CLIPVisionModelWithProjection(config).eval()
    batch = 8
    pixels = torch.randn(batch, 3, 224, 224)
    times = []
    with torch.no_grad():
        model(pixel_values=pixels)
        for _ in range(args.repetitions):
            start = time.perf_counter()
            model(pixel_values=pixels)
            times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    detail = f"batch {batch} x 224², threads={args.threads}, median of {args.repetitions}, {seconds * 1000:.1f} ms/batch"
    name = "PyTorch CLIP ViT-B/32 image forward"
    print(f"{name:48} {batch / seconds:10.2f} images/s   {detail}")
    print(f"{name:48} {forward_flops(config, batch, config.projection_dim) / seconds / 1e9:10.2f} GFLOP/s    "
          f"{detail} (torch {torch.__version__}, attention {model.config._attn_implementation})")


if __name__ == "__main__":
    main()
