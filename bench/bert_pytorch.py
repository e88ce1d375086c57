"""BERT-base forward throughput of Hugging Face transformers on the CPU, measured as
`mmfusion bench bert` measures ours: 12 layers, width 768, 12 heads, feed-forward 3072,
random weights, batch 8 x 128 tokens, eval mode, no_grad, 2 threads, median of N runs
after one warm-up.

Run: /work/V/bin/python bench/bert_pytorch.py [--repetitions N] [--threads N]
"""
import argparse
import statistics
import time

import torch
from transformers import BertConfig, BertModel


def forward_flops(config, batch, length):
    tokens, h, i = batch * length, config.hidden_size, config.intermediate_size
    per_layer = 2 * tokens * (4 * h * h + 2 * h * i) + 2 * 2 * batch * length * length * h
    return config.num_hidden_layers * per_layer + 2 * batch * h * h


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = BertConfig()
    model = BertModel(config).eval()
    batch, length = 8, 128
    ids = torch.randint(0, config.vocab_size, (batch, length))
    times = []
    with torch.no_grad():
        model(input_ids=ids)
        for _ in range(args.repetitions):
            start = time.perf_counter()
            model(input_ids=ids)
            times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    detail = f"batch {batch} x {length}, threads={args.threads}, median of {args.repetitions}, {seconds * 1000:.1f} ms/batch"
    print(f"{'PyTorch BERT-base forward':48} {batch / seconds:10.2f} seq/s      {detail}")
    print(f"{'PyTorch BERT-base forward':48} {forward_flops(config, batch, length) / seconds / 1e9:10.2f} GFLOP/s    "
          f"{detail} (torch {torch.__version__}, attention {model.config._attn_implementation})")


if __name__ == "__main__":
    main()
