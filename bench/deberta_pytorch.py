"""DeBERTa-v3-base forward throughput of Hugging Face transformers on the CPU, measured as
`mmfusion bench deberta` measures ours: 12 layers, width 768, 12 heads, feed-forward 3072,
256 relative position buckets (p2c + c2p, shared keys), random weights, batch 8 x 128 tokens,
eval mode, no_grad, 2 threads, median of N runs after one warm-up.

Run: /work/V/bin/python bench/deberta_pytorch.py [--repetitions N] [--threads N]
"""
import argparse
import statistics
import time

import torch
from transformers import DebertaV2Config, DebertaV2Model

V3_BASE = dict(vocab_size=128100, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
               intermediate_size=3072, hidden_act="gelu", max_position_embeddings=512, type_vocab_size=0,
               layer_norm_eps=1e-7, relative_attention=True, max_relative_positions=-1, position_buckets=256,
               pos_att_type=["p2c", "c2p"], share_att_key=True, norm_rel_ebd="layer_norm",
               position_biased_input=False, pad_token_id=0)


def forward_flops(config, batch, length):
    tokens, h, i = batch * length, config.hidden_size, config.intermediate_size
    span = 2 * config.position_buckets
    per_layer = (2 * tokens * (4 * h * h + 2 * h * i) + 2 * 2 * batch * length * length * h
                 + 2 * (2 * span * h * h + 2 * tokens * span * h))
    return config.num_hidden_layers * per_layer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = DebertaV2Config(**V3_BASE)
    model = DebertaV2Model(config).eval()
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
    print(f"{'PyTorch DeBERTa-v3-base forward':48} {batch / seconds:10.2f} seq/s      {detail}")
    print(f"{'PyTorch DeBERTa-v3-base forward':48} {forward_flops(config, batch, length) / seconds / 1e9:10.2f} GFLOP/s    "
          f"{detail} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
