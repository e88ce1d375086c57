"""PyTorch reference outputs and gradients for the convolution, pooling, interpolation and
inference batch-norm kernels (Tests/TensorsTests/{Convolution,Pooling,Interpolation}Tests.swift).

Writes Tests/Fixtures/kernels/kernels.safetensors (float32 tensors named
"case<i>.<name>") and Tests/Fixtures/kernels/index.json (for each case i: its op,
hyper-parameters and tensor names). Every case holds its inputs, the forward output `y`,
an upstream gradient `gy` and the gradients of sum(y * gy) with respect to each
differentiable input (`d<name>`).

Run: /work/V/bin/python Tests/Fixtures/generate/kernels.py (torch 2.x CPU, deterministic).
"""
import json
import pathlib

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = pathlib.Path(__file__).resolve().parent.parent / "kernels"
torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)  # references in float64, stored as float32

stored = {}
cases = []


def add(tensors):
    prefix = f"case{len(cases)}."
    for name, t in tensors.items():
        stored[prefix + name] = t.detach().to(torch.float32).contiguous()
    return sorted(tensors)


def run(op, params, inputs, forward, differentiable):
    leaves = {}
    for name, t in inputs.items():
        t = t.to(torch.float32).to(torch.float64)  # exactly the stored float32 values
        if name in differentiable:
            t.requires_grad_(True)
        leaves[name] = t
    y = forward(**leaves)
    gy = torch.randn_like(y)
    gy = gy.to(torch.float32).to(torch.float64)
    (y * gy).sum().backward()
    tensors = dict(leaves)
    tensors["y"] = y
    tensors["gy"] = gy
    for name in differentiable:
        tensors["d" + name] = leaves[name].grad
    cases.append({"op": op, "params": params, "tensors": add(tensors)})


def conv(n, cin, cout, size, kernel, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True):
    x = torch.randn(n, cin, *size)
    w = torch.randn(cout, cin // groups, *kernel) * 0.5
    inputs = {"x": x, "w": w}
    if bias:
        inputs["b"] = torch.randn(cout)
    params = {"stride": list(stride), "padding": list(padding), "dilation": list(dilation), "groups": groups}

    def forward(x, w, b=None):
        return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    run("conv2d", params, inputs, forward, list(inputs))


# Convolution grid: stride, padding, dilation, groups (incl. depthwise), 1x1, 7x7/2,
# odd sizes, asymmetric hyper-parameters, K blocking and output-panel edges.
conv(2, 3, 4, (7, 7), (3, 3), padding=(1, 1))
conv(2, 4, 5, (9, 11), (3, 3), stride=(2, 2), padding=(1, 1))
conv(1, 3, 4, (10, 9), (3, 3), padding=(2, 2), dilation=(2, 2))
conv(2, 4, 6, (8, 7), (3, 3), padding=(1, 1), groups=2)
conv(2, 6, 6, (7, 8), (3, 3), padding=(1, 1), groups=6)
conv(1, 5, 5, (9, 9), (5, 5), stride=(2, 2), padding=(2, 2), groups=5, bias=False)
conv(2, 8, 5, (6, 5), (1, 1), bias=False)
conv(2, 6, 7, (9, 9), (1, 1), stride=(2, 2))
conv(1, 3, 8, (15, 15), (7, 7), stride=(2, 2), padding=(3, 3))
conv(2, 4, 3, (8, 9), (3, 5), stride=(2, 1), padding=(0, 2), dilation=(1, 2))
conv(1, 320, 70, (5, 4), (1, 1))
conv(1, 40, 130, (5, 5), (3, 3), padding=(1, 1))
conv(1, 36, 20, (6, 6), (2, 2), stride=(2, 2), groups=4)


def pool(op, n, c, size, params, forward):
    run(op, params, {"x": torch.randn(n, c, *size)}, forward, ["x"])


def maxpool(kernel, stride, padding, size):
    pool("maxPool2d", 2, 3, size, {"kernel": list(kernel), "stride": list(stride) if stride else None, "padding": list(padding)},
         lambda x: F.max_pool2d(x, kernel, stride=stride, padding=padding))


def avgpool(kernel, stride, padding, include, size):
    pool("avgPool2d", 2, 3, size,
         {"kernel": list(kernel), "stride": list(stride) if stride else None, "padding": list(padding), "countIncludePad": include},
         lambda x: F.avg_pool2d(x, kernel, stride=stride, padding=padding, count_include_pad=include))


maxpool((3, 3), (2, 2), (1, 1), (9, 11))
maxpool((2, 2), None, (0, 0), (7, 8))
maxpool((3, 2), (2, 1), (1, 0), (6, 5))
avgpool((3, 3), (2, 2), (1, 1), True, (9, 11))
avgpool((3, 3), (2, 2), (1, 1), False, (9, 11))
avgpool((2, 2), None, (0, 0), True, (7, 8))
avgpool((3, 2), (1, 2), (1, 1), False, (5, 6))
for size, out in [((10, 7), (3, 4)), ((5, 5), (7, 7)), ((6, 9), (1, 1)), ((7, 7), (7, 7)), ((13, 11), (5, 3))]:
    pool("adaptiveAvgPool2d", 2, 3, size, {"outputSize": list(out)},
         lambda x, out=out: F.adaptive_avg_pool2d(x, out))
for size, out in [((5, 7), (12, 9)), ((13, 11), (4, 6)), ((6, 6), (1, 3)), ((4, 5), (4, 5)), ((3, 8), (7, 2))]:
    for align in (False, True):
        pool("interpolateBilinear", 2, 3, size, {"size": list(out), "alignCorners": align},
             lambda x, out=out, align=align: F.interpolate(x, size=out, mode="bilinear", align_corners=align, antialias=False))

# Inference batch norm (running statistics), with and without the affine parameters.
for affine in (True, False):
    c = 5
    inputs = {"x": torch.randn(2, c, 3, 4), "mean": torch.randn(c), "var": torch.rand(c) + 0.5}
    if affine:
        inputs["w"] = torch.randn(c)
        inputs["b"] = torch.randn(c)

    def forward(x, mean, var, w=None, b=None):
        return F.batch_norm(x, mean, var, w, b, training=False, eps=1e-5)

    run("batchNorm2dInference", {"epsilon": 1e-5}, inputs, forward, ["x"] + (["w", "b"] if affine else []))

OUT.mkdir(parents=True, exist_ok=True)
save_file(stored, str(OUT / "kernels.safetensors"))
(OUT / "index.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")
scalars = sum(t.numel() for t in stored.values())
print(f"{len(cases)} cases, {scalars} scalars ({scalars * 4 / 1024:.0f} KiB)")
