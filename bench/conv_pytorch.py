"""PyTorch reference for `mmfusion bench conv`: ResNet-50's convolution shapes at batch 8.

Runs each distinct convolution of torchvision's ResNet-50 (v1.5: stride on the 3x3) in
eval mode under no_grad on channels-last tensors with 2 threads, and prints the median
milliseconds and GFLOP/s per shape plus the whole network's convolution time (each shape
times the number of times it occurs). Usage: python bench/conv_pytorch.py [--repetitions N]
"""
import argparse
import os
import statistics
import time

import torch

# (name, in_channels, out_channels, kernel, stride, padding, input size, occurrences)
RESNET50_CONVOLUTIONS = [
    ("stem 7x7/2 3->64", 3, 64, 7, 2, 3, 224, 1),
    ("layer1 1x1 64->64", 64, 64, 1, 1, 0, 56, 1),
    ("layer1 reduce 1x1 256->64", 256, 64, 1, 1, 0, 56, 2),
    ("layer1 3x3 64", 64, 64, 3, 1, 1, 56, 3),
    ("layer1 expand/down 1x1 64->256", 64, 256, 1, 1, 0, 56, 4),
    ("layer2 1x1 256->128", 256, 128, 1, 1, 0, 56, 1),
    ("layer2 3x3/2 128", 128, 128, 3, 2, 1, 56, 1),
    ("layer2 expand 1x1 128->512", 128, 512, 1, 1, 0, 28, 4),
    ("layer2 downsample 1x1/2 256->512", 256, 512, 1, 2, 0, 56, 1),
    ("layer2 reduce 1x1 512->128", 512, 128, 1, 1, 0, 28, 3),
    ("layer2 3x3 128", 128, 128, 3, 1, 1, 28, 3),
    ("layer3 1x1 512->256", 512, 256, 1, 1, 0, 28, 1),
    ("layer3 3x3/2 256", 256, 256, 3, 2, 1, 28, 1),
    ("layer3 expand 1x1 256->1024", 256, 1024, 1, 1, 0, 14, 6),
    ("layer3 downsample 1x1/2 512->1024", 512, 1024, 1, 2, 0, 28, 1),
    ("layer3 reduce 1x1 1024->256", 1024, 256, 1, 1, 0, 14, 5),
    ("layer3 3x3 256", 256, 256, 3, 1, 1, 14, 5),
    ("layer4 1x1 1024->512", 1024, 512, 1, 1, 0, 14, 1),
    ("layer4 3x3/2 512", 512, 512, 3, 2, 1, 14, 1),
    ("layer4 expand 1x1 512->2048", 512, 2048, 1, 1, 0, 7, 3),
    ("layer4 downsample 1x1/2 1024->2048", 1024, 2048, 1, 2, 0, 14, 1),
    ("layer4 reduce 1x1 2048->512", 2048, 512, 1, 1, 0, 7, 2),
    ("layer4 3x3 512", 512, 512, 3, 1, 1, 7, 2),
]
BATCH = 8


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    total = 0.0
    total_cpu = 0.0
    total_flops = 0.0
    policy = os.environ.get("OMP_WAIT_POLICY", "default")
    print(f"torch {torch.__version__}, threads={torch.get_num_threads()}, OMP_WAIT_POLICY={policy}, channels_last, batch {BATCH}")
    with torch.no_grad():
        for name, cin, cout, k, s, p, size, occurrences in RESNET50_CONVOLUTIONS:
            conv = torch.nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=False).eval()
            conv = conv.to(memory_format=torch.channels_last)
            x = torch.randn(BATCH, cin, size, size).to(memory_format=torch.channels_last)
            for _ in range(2):
                conv(x)
            times = []
            cpu_times = []
            for _ in range(args.repetitions):
                start, cpu_start = time.perf_counter(), time.process_time()
                y = conv(x)
                cpu_times.append(time.process_time() - cpu_start)
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            cpu_seconds = statistics.median(cpu_times)
            out = y.shape[2]
            flops = 2.0 * BATCH * out * out * cout * cin * k * k
            total += seconds * occurrences
            total_cpu += cpu_seconds * occurrences
            total_flops += flops * occurrences
            print(f"{name:40s} {seconds * 1e3:9.2f} ms {flops / seconds / 1e9:8.1f} GFLOP/s  x{occurrences}  cpu {cpu_seconds * 1e3:.2f} ms")
    print(f"{'ResNet-50 conv total (53 convs)':40s} {total * 1e3:9.2f} ms {total_flops / total / 1e9:8.1f} GFLOP/s")
    print(f"{'ResNet-50 conv total CPU time':40s} {total_cpu * 1e3:9.2f} ms {total_flops / total_cpu / 1e9:8.1f} GFLOP per CPU-second")


if __name__ == "__main__":
    main()
