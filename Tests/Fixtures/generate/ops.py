"""PyTorch references for the tensor-core op tests (Tests/TensorsTests/*).

Writes Tests/Fixtures/ops/<area>.safetensors. For every case named below it stores

    <case>/input<i>   the inputs (float32),
    <case>/output     the op's output computed in float64 from those inputs,
    <case>/cotangent  a random upstream gradient shaped like the output,
    <case>/grad<i>    d(sum(output * cotangent)) / d input<i>, float64 autograd
                      (only for inputs that take a gradient).

Inputs that sit next to a kink of the op (relu, abs, clamp, maximum, max) come from a
shuffled grid of distinct values (k + 1/2) / 10, so every value is at least 0.05 from
any multiple of 0.1 and from every other value: finite differences with a step of
1e-2 never cross a kink.

Also writes half.safetensors (Float16 / BFloat16 rounding by torch) and random.json
(reference xoshiro256** streams). Run with: python Tests/Fixtures/generate/ops.py
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops")
rng = np.random.default_rng(20261123)


def contiguous(array, dtype=np.float32):
    """A C-contiguous copy (safetensors writes the raw buffer); keeps 0-D arrays 0-D."""
    return np.array(array, dtype=dtype, order="C", copy=True)


def normal(shape):
    return contiguous(rng.standard_normal(shape))


def positive(shape):
    return rng.uniform(0.5, 2.0, shape).astype(np.float32)


def grid_values(count):
    """`count` distinct values (k + 1/2)/10, centred on zero, shuffled."""
    k = np.arange(count) - count // 2
    values = (k + 0.5) * 0.1
    rng.shuffle(values)
    return values.astype(np.float32)


def mask(shape):
    m = (rng.uniform(0, 1, shape) < 0.4).astype(np.float32)
    return m


class Case:
    def __init__(self, name, inputs, fn, differentiable=None):
        """inputs: list of (shape, kind) with kind in normal|positive|grid|mask|given array."""
        self.name = name
        self.fn = fn
        arrays = []
        grid_shapes = [s for s, k in inputs if isinstance(k, str) and k == "grid"]
        pool = grid_values(sum(int(np.prod(s)) for s in grid_shapes)) if grid_shapes else None
        used = 0
        for shape, kind in inputs:
            if isinstance(kind, np.ndarray):
                arrays.append(kind.astype(np.float32).reshape(shape))
            elif kind == "normal":
                arrays.append(normal(shape))
            elif kind == "positive":
                arrays.append(positive(shape))
            elif kind == "mask":
                arrays.append(mask(shape))
            elif kind == "grid":
                n = int(np.prod(shape))
                arrays.append(pool[used:used + n].reshape(shape))
                used += n
            else:
                raise ValueError(kind)
        self.arrays = arrays
        self.differentiable = differentiable or [not (isinstance(k, str) and k == "mask") for _, k in inputs]


def run(cases, area):
    tensors = {}
    for case in cases:
        inputs = []
        for array, grad in zip(case.arrays, case.differentiable):
            t = torch.tensor(array, dtype=torch.float64)
            t.requires_grad_(grad)
            inputs.append(t)
        out = case.fn(*inputs)
        cotangent = normal(tuple(out.shape))
        (out * torch.tensor(cotangent, dtype=torch.float64)).sum().backward()
        for i, (array, t) in enumerate(zip(case.arrays, inputs)):
            tensors[f"{case.name}/input{i}"] = contiguous(array)
            if t.requires_grad:
                tensors[f"{case.name}/grad{i}"] = contiguous(t.grad.numpy())
        tensors[f"{case.name}/output"] = contiguous(out.detach().numpy())
        tensors[f"{case.name}/cotangent"] = cotangent
    save_file(tensors, os.path.join(OUT, f"{area}.safetensors"), metadata={"generator": "Tests/Fixtures/generate/ops.py"})
    print(area, len(cases), "cases")


# Broadcasting patterns shared by + - * /.
BROADCASTS = [
    ("same", [3, 4], [3, 4]),
    ("scalar", [3, 4], []),
    ("one", [3, 4], [1]),
    ("scalarLeft", [], [3, 4]),
    ("row", [3, 4], [4]),
    ("column", [3, 4], [3, 1]),
    ("leading", [2, 3, 4], [3, 4]),
    ("leadingLeft", [3, 4], [2, 3, 4]),
    ("both", [3, 1], [1, 4]),
    ("both3d", [2, 1, 4], [3, 1]),
    ("middle", [2, 3, 4], [2, 1, 4]),
]


def elementwise_cases():
    cases = []
    binary = {"add": lambda a, b: a + b, "subtract": lambda a, b: a - b,
              "multiply": lambda a, b: a * b, "divide": lambda a, b: a / b}
    for op, fn in binary.items():
        for pattern, sa, sb in BROADCASTS:
            kind_b = "positive" if op == "divide" else "normal"
            cases.append(Case(f"{op}.{pattern}", [(sa, "normal"), (sb, kind_b)], fn))
    cases += [
        Case("addFloat", [([3, 4], "normal")], lambda x: x + 0.7),
        Case("floatAdd", [([3, 4], "normal")], lambda x: 0.7 + x),
        Case("subtractFloat", [([3, 4], "normal")], lambda x: x - 0.7),
        Case("floatSubtract", [([3, 4], "normal")], lambda x: 0.7 - x),
        Case("multiplyFloat", [([3, 4], "normal")], lambda x: x * 1.3),
        Case("floatMultiply", [([3, 4], "normal")], lambda x: 1.3 * x),
        Case("divideFloat", [([3, 4], "normal")], lambda x: x / 1.3),
        Case("floatDivide", [([3, 4], "positive")], lambda x: 1.3 / x),
        Case("negate", [([3, 4], "normal")], lambda x: -x),
        Case("pow.2", [([3, 4], "normal")], lambda x: x ** 2),
        Case("pow.3", [([3, 4], "normal")], lambda x: x ** 3),
        Case("pow.half", [([3, 4], "positive")], lambda x: x ** 0.5),
        Case("pow.minus1.5", [([3, 4], "positive")], lambda x: x ** -1.5),
        Case("maximum.same", [([3, 4], "grid"), ([3, 4], "grid")], torch.maximum),
        Case("maximum.row", [([3, 4], "grid"), ([4], "grid")], torch.maximum),
        Case("clamped.both", [([4, 5], "grid")], lambda x: x.clamp(-0.5, 0.5)),
        Case("clamped.lower", [([4, 5], "grid")], lambda x: x.clamp(min=-0.3)),
        Case("clamped.upper", [([4, 5], "grid")], lambda x: x.clamp(max=0.2)),
        Case("exp", [([3, 4], "normal")], torch.exp),
        Case("log", [([3, 4], "positive")], torch.log),
        Case("sqrt", [([3, 4], "positive")], torch.sqrt),
        Case("tanh", [([3, 4], "normal")], torch.tanh),
        Case("sigmoid", [([3, 4], "normal")], torch.sigmoid),
        Case("relu", [([4, 5], "grid")], torch.relu),
        Case("gelu", [([4, 5], "normal")], F.gelu),
        Case("geluTanh", [([4, 5], "normal")], lambda x: F.gelu(x, approximate="tanh")),
        Case("quickGELU", [([4, 5], "normal")], lambda x: x * torch.sigmoid(1.702 * x)),
        Case("silu", [([4, 5], "normal")], F.silu),
        Case("softplus", [([4, 5], "normal")], F.softplus),
        Case("softplus.threshold1", [([4, 5], "grid")], lambda x: F.softplus(x, threshold=1.0)),
        Case("abs", [([4, 5], "grid")], torch.abs),
        Case("squared", [([3, 4], "normal")], torch.square),
        Case("leakyReLU", [([4, 5], "grid")], lambda x: F.leaky_relu(x, 0.2)),
    ]
    return cases


def reduction_cases():
    return [
        Case("sum.all", [([3, 4], "normal")], lambda x: x.sum()),
        Case("mean.all", [([2, 3, 4], "normal")], lambda x: x.mean()),
        Case("sum.axis0", [([3, 4], "normal")], lambda x: x.sum(0)),
        Case("sum.axisLast", [([2, 3, 4], "normal")], lambda x: x.sum(-1)),
        Case("sum.axis1.keepDims", [([2, 3, 4], "normal")], lambda x: x.sum(1, keepdim=True)),
        Case("sum.axes02", [([2, 3, 4], "normal")], lambda x: x.sum((0, 2))),
        Case("sum.axes02.keepDims", [([2, 3, 4], "normal")], lambda x: x.sum((0, 2), keepdim=True)),
        Case("sum.axes12.rank4", [([2, 3, 4, 2], "normal")], lambda x: x.sum((1, 2))),
        Case("mean.axis1", [([2, 3, 4], "normal")], lambda x: x.mean(1)),
        Case("mean.axes02.keepDims", [([2, 3, 4], "normal")], lambda x: x.mean((0, 2), keepdim=True)),
        Case("variance.axisLast", [([3, 5], "normal")], lambda x: x.var(-1, correction=0)),
        Case("variance.unbiased", [([3, 5], "normal")], lambda x: x.var(1, correction=1)),
        Case("variance.axes02.keepDims", [([2, 3, 4], "normal")], lambda x: x.var((0, 2), correction=0, keepdim=True)),
        Case("max.axis0", [([4, 3], "grid")], lambda x: x.amax(0)),
        Case("max.axisLast.keepDims", [([3, 5], "grid")], lambda x: x.amax(-1, keepdim=True)),
        Case("max.middle", [([2, 4, 3], "grid")], lambda x: x.amax(1)),
        Case("expanded.column", [([3, 1], "normal")], lambda x: x.expand(2, 3, 4)),
        Case("expanded.row", [([4], "normal")], lambda x: x.expand(3, 4)),
        Case("expanded.middle", [([2, 1, 4], "normal")], lambda x: x.expand(2, 3, 4)),
        Case("sumToShape.column", [([2, 3, 4], "normal")], lambda x: x.sum_to_size(3, 1)),
        Case("sumToShape.row", [([2, 3, 4], "normal")], lambda x: x.sum_to_size(4)),
        Case("sumToShape.suffix", [([2, 3, 4], "normal")], lambda x: x.sum_to_size(3, 4)),
        Case("sumToShape.middle", [([2, 3, 4], "normal")], lambda x: x.sum_to_size(2, 1, 4)),
        Case("sumToShape.ones", [([2, 3, 4], "normal")], lambda x: x.sum_to_size(1, 1)),
    ]


def shape_cases():
    def split_case(x):
        a, b = torch.split(x, [1, 3], dim=1)
        return torch.cat([b * 2, a], dim=1)

    def split_last(x):
        a, b, c = torch.split(x, [2, 1, 2], dim=-1)
        return torch.cat([c, a * 3, b], dim=-1)

    def chunk_case(x):
        a, b, c = torch.chunk(x, 3, dim=0)
        return torch.cat([c, a - b], dim=0)

    def chunk_middle(x):
        a, b = torch.chunk(x, 2, dim=1)
        return a * b

    return [
        Case("reshaped", [([2, 3, 4], "normal")], lambda x: x.reshape(6, 4)),
        Case("reshaped.inferred", [([2, 3, 4], "normal")], lambda x: x.reshape(4, -1)),
        Case("unsqueezed.front", [([3, 4], "normal")], lambda x: x.unsqueeze(0) * 2),
        Case("unsqueezed.back", [([3, 4], "normal")], lambda x: x.unsqueeze(-1) * 2),
        Case("squeezed", [([3, 1, 4], "normal")], lambda x: x.squeeze(1) * 2),
        Case("flattened", [([2, 3, 4], "normal")], lambda x: x.flatten(1)),
        Case("permuted.rank2", [([3, 4], "normal")], lambda x: x.permute(1, 0)),
        Case("permuted.rank3", [([2, 3, 4], "normal")], lambda x: x.permute(2, 0, 1)),
        Case("permuted.rank4", [([2, 3, 4, 5], "normal")], lambda x: x.permute(0, 2, 1, 3)),
        Case("permuted.rank4.mixed", [([2, 3, 4, 5], "normal")], lambda x: x.permute(3, 1, 0, 2)),
        Case("transposed", [([2, 3, 4], "normal")], lambda x: x.transpose(-2, -1)),
        Case("transposed.outer", [([2, 3, 4], "normal")], lambda x: x.transpose(0, 2)),
        Case("concat.axis0", [([2, 3], "normal"), ([1, 3], "normal"), ([3, 3], "normal")], lambda a, b, c: torch.cat([a, b, c], 0)),
        Case("concat.axis1", [([2, 2, 3], "normal"), ([2, 4, 3], "normal")], lambda a, b: torch.cat([a, b], 1)),
        Case("concat.axisLast", [([2, 3, 1], "normal"), ([2, 3, 2], "normal")], lambda a, b: torch.cat([a, b], -1)),
        Case("concat.constant", [([2, 3], "normal"), ([2, 2], "mask")], lambda a, b: torch.cat([a, b], 1)),
        Case("stack.axis0", [([3, 4], "normal"), ([3, 4], "normal")], lambda a, b: torch.stack([a, b], 0)),
        Case("stack.axis1", [([3, 4], "normal"), ([3, 4], "normal"), ([3, 4], "normal")], lambda a, b, c: torch.stack([a, b, c], 1)),
        Case("stack.axisLast", [([3, 4], "normal"), ([3, 4], "normal")], lambda a, b: torch.stack([a, b], -1)),
        Case("split.axis1", [([3, 4], "normal")], split_case),
        Case("split.axisLast", [([2, 3, 5], "normal")], split_last),
        Case("chunked.axis0", [([6, 2], "normal")], chunk_case),
        Case("chunked.axis1", [([2, 4, 3], "normal")], chunk_middle),
        Case("slice.axis0", [([4, 3, 2], "normal")], lambda x: x.narrow(0, 1, 2)),
        Case("slice.axis1", [([4, 3, 2], "normal")], lambda x: x.narrow(1, 1, 2)),
        Case("slice.axis2", [([4, 3, 2], "normal")], lambda x: x.narrow(2, 1, 1)),
        Case("indexSelect.axis0", [([3, 4], "normal")], lambda x: x.index_select(0, torch.tensor([2, 0, 2, 1]))),
        Case("indexSelect.axis1", [([2, 4, 3], "normal")], lambda x: x.index_select(1, torch.tensor([1, 1, 3]))),
        Case("indexSelect.axisLast", [([2, 3, 4], "normal")], lambda x: x.index_select(-1, torch.tensor([3, 0, 3, 3, 1]))),
        Case("maskedFill.same", [([3, 4], "normal"), ([3, 4], "mask")], lambda x, m: x.masked_fill(m.bool(), -2.5)),
        Case("maskedFill.row", [([2, 3, 4], "normal"), ([4], "mask")], lambda x, m: x.masked_fill(m.bool(), -2.5)),
        Case("maskedFill.column", [([3, 4], "normal"), ([3, 1], "mask")], lambda x, m: x.masked_fill(m.bool(), 1.5)),
        Case("where.same", [([3, 4], "mask"), ([3, 4], "normal"), ([3, 4], "normal")], lambda c, a, b: torch.where(c.bool(), a, b)),
        Case("where.broadcast", [([3, 1], "mask"), ([1, 4], "normal"), ([3, 4], "normal")], lambda c, a, b: torch.where(c.bool(), a, b)),
        Case("where.rowSide", [([2, 3, 4], "mask"), ([2, 3, 4], "normal"), ([4], "normal")], lambda c, a, b: torch.where(c.bool(), a, b)),
    ]


def matmul_cases():
    def mm(ts, to):
        return lambda a, b: (a.mT if ts else a) @ (b.mT if to else b)

    cases = []
    for ts in (False, True):
        for to in (False, True):
            suffix = ("T" if ts else "N") + ("T" if to else "N")
            sa = [5, 3] if ts else [3, 5]
            sb = [4, 5] if to else [5, 4]
            cases.append(Case(f"matmul2d.{suffix}", [(sa, "normal"), (sb, "normal")], mm(ts, to)))
            cases.append(Case(f"matmul3d.{suffix}", [([2] + sa, "normal"), ([2] + sb, "normal")], mm(ts, to)))
            cases.append(Case(f"matmul4d.{suffix}", [([2, 2] + sa, "normal"), ([2, 2] + sb, "normal")], mm(ts, to)))
            cases.append(Case(f"matmulWeight.{suffix}", [([2, 3] + sa, "normal"), (sb, "normal")], mm(ts, to)))
            cases.append(Case(f"matmulBroadcast.{suffix}", [([2, 1] + sa, "normal"), ([3] + sb, "normal")], mm(ts, to)))
            cases.append(Case(f"matmulLeft2d.{suffix}", [(sa, "normal"), ([2] + sb, "normal")], mm(ts, to)))
    return cases


def softmax_cases():
    def masked(shape, axis_len):
        x = normal(shape)
        m = rng.uniform(0, 1, shape) < 0.3
        # Keep one finite entry per line along the last axis.
        m[..., 0] = False
        x[m] = -np.inf
        return x

    masked_last = masked([4, 6], 6)
    masked_3d = masked([2, 3, 5], 5)
    return [
        Case("softmax.last", [([3, 5], "normal")], lambda x: x.softmax(-1)),
        Case("softmax.middle", [([2, 4, 3], "normal")], lambda x: x.softmax(1)),
        Case("softmax.first", [([4, 3], "normal")], lambda x: x.softmax(0)),
        Case("softmax.masked", [([4, 6], masked_last)], lambda x: x.softmax(-1)),
        Case("softmax.masked3d", [([2, 3, 5], masked_3d)], lambda x: x.softmax(-1)),
        Case("softmax.large", [([2, 5], normal([2, 5]) * 30)], lambda x: x.softmax(-1)),
        Case("logSoftmax.last", [([3, 5], "normal")], lambda x: x.log_softmax(-1)),
        Case("logSoftmax.middle", [([2, 4, 3], "normal")], lambda x: x.log_softmax(1)),
        Case("logSoftmax.large", [([2, 5], normal([2, 5]) * 30)], lambda x: x.log_softmax(-1)),
        Case("layerNorm.affine", [([4, 6], "normal"), ([6], "normal"), ([6], "normal")],
             lambda x, w, b: F.layer_norm(x, (6,), w, b, 1e-5)),
        Case("layerNorm.affine3d", [([2, 3, 8], "normal"), ([8], "normal"), ([8], "normal")],
             lambda x, w, b: F.layer_norm(x, (8,), w, b, 1e-5)),
        Case("layerNorm.plain", [([4, 6], "normal")], lambda x: F.layer_norm(x, (6,), None, None, 1e-5)),
        Case("layerNorm.weightOnly", [([4, 6], "normal"), ([6], "normal")],
             lambda x, w: F.layer_norm(x, (6,), w, None, 1e-5)),
        Case("layerNorm.biasOnly", [([4, 6], "normal"), ([6], "normal")],
             lambda x, b: F.layer_norm(x, (6,), None, b, 1e-5)),
        Case("layerNorm.epsilon", [([3, 6], normal([3, 6]) * 0.01 + 3), ([6], "normal"), ([6], "normal")],
             lambda x, w, b: F.layer_norm(x, (6,), w, b, 1e-3)),
    ]


def half_fixture():
    """Float32 inputs and torch's Float16 / BFloat16 bits for each, plus every Float16
    bit pattern decoded to Float32 by numpy."""
    f16_specials = [
        0.0, -0.0, 1.0, -1.0, 65504.0, 65519.0, 65520.0, 1e6, -1e6,
        1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 1 - 2 ** -12, 2 - 2 ** -11,
        2 ** -14, 2 ** -14 - 2 ** -25, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -26, 1.5 * 2 ** -24,
        2.5 * 2 ** -24, 6.1e-5, 5.9e-8, 1e-9, -2 ** -24, float("inf"), float("-inf"),
    ]
    bf16_specials = [
        0.0, -0.0, 1.0, -1.0, 3.3895313892515355e38, 3.4e38, 1 + 2 ** -8, 1 + 3 * 2 ** -8,
        1 + 2 ** -8 + 2 ** -20, 2 ** -126, 2 ** -133, 2 ** -149, 1e-40, -1e-40,
        float("inf"), float("-inf"), 3.14159265, -2.71828,
    ]
    random = (rng.standard_normal(200) * np.exp(rng.uniform(-12, 12, 200))).astype(np.float32)
    f16_inputs = np.concatenate([np.array(f16_specials, dtype=np.float32), random])
    bf16_inputs = np.concatenate([np.array(bf16_specials, dtype=np.float32), random])
    # Exact ties built from bit patterns: the dropped half is exactly 0x8000 / 0x1000.
    bf16_ties = np.array([0x3F808000, 0x3F818000, 0xBF808000, 0x7F7F8000, 0x00018000, 0x00008000],
                         dtype=np.uint32).view(np.float32)
    bf16_inputs = np.concatenate([bf16_inputs, bf16_ties])
    f16_bits = torch.tensor(f16_inputs).to(torch.float16).view(torch.int16).numpy().view(np.uint16)
    with np.errstate(over="ignore"):
        numpy_bits = f16_inputs.astype(np.float16).view(np.uint16)
    assert (f16_bits == numpy_bits).all(), "torch and numpy disagree on float16 rounding"
    bf16_bits = torch.tensor(bf16_inputs).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    all_patterns = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    decoded = all_patterns.view(np.float16).astype(np.float32)
    save_file({
        "float16/input": f16_inputs,
        "float16/bits": contiguous(f16_bits, np.uint16),
        "bfloat16/input": bf16_inputs,
        "bfloat16/bits": contiguous(bf16_bits, np.uint16),
        "float16/decoded": decoded,
    }, os.path.join(OUT, "half.safetensors"), metadata={"generator": "Tests/Fixtures/generate/ops.py"})
    print("half", len(f16_inputs), len(bf16_inputs))


def random_fixture():
    """xoshiro256** seeded through SplitMix64 (Blackman & Vigna reference code)."""
    mask64 = (1 << 64) - 1

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & mask64

    def stream(seed, count):
        x = seed
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & mask64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask64
            state.append(z ^ (z >> 31))
        s0, s1, s2, s3 = state
        out = []
        for _ in range(count):
            out.append(str(rotl((s1 * 5) & mask64, 7) * 9 & mask64))
            t = (s1 << 17) & mask64
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = rotl(s3, 45)
        return out

    streams = {str(seed): stream(seed, 16) for seed in (0, 1, 42, 2 ** 64 - 1)}
    with open(os.path.join(OUT, "random.json"), "w") as f:
        json.dump({"generator": "Tests/Fixtures/generate/ops.py", "xoshiro256starstar": streams}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    run(elementwise_cases(), "elementwise")
    run(reduction_cases(), "reductions")
    run(shape_cases(), "shape")
    run(matmul_cases(), "matmul")
    run(softmax_cases(), "softmax_layernorm")
    half_fixture()
    random_fixture()
