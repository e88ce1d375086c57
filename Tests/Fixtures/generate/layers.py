"""Parity fixtures for the NeuralNetwork layers (Tests/NeuralNetworkTests/*ParityTests.swift).

Each case builds a layer in PyTorch with a fixed seed, runs it on a fixed input, back-propagates
a fixed random upstream gradient, and writes one safetensors file under Tests/Fixtures/layers/:

    param.<state_dict key>        the layer's parameters and buffers before the forward
    input, input.<name>           the inputs (integer ids and masks stored as float32)
    output, output.<name>         the outputs
    upstream                      the gradient fed to backward (same shape as output)
    grad.input, grad.input.<name> gradients with respect to the inputs
    grad.param.<key>              gradients with respect to each parameter
    after.<key>                   buffers after the forward (BatchNorm running statistics)

Run from the repository root:  python Tests/Fixtures/generate/layers.py
"""
import math
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "layers")
torch.set_default_dtype(torch.float32)


def save(name, tensors):
    # Floats are stored as float32; BatchNorm's num_batches_tracked stays int64, as in a
    # PyTorch checkpoint.
    tensors = {k: (v if v.dtype == torch.int64 and k.startswith(("param.", "after.")) else v.to(torch.float32))
                  .detach().contiguous() for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, name + ".safetensors"))


def params(module):
    return {"param." + k: v.clone() for k, v in module.state_dict().items()}


def grads(module):
    return {"grad.param." + k: p.grad for k, p in module.named_parameters()}


def randomize(module, generator):
    """Non-trivial values for every floating parameter (LayerNorm/BatchNorm start at 1/0)."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=generator) * 0.5)


def linear():
    torch.manual_seed(1)
    layer = torch.nn.Linear(7, 5)
    x = torch.randn(3, 4, 7, requires_grad=True)
    y = layer(x)
    g = torch.randn(y.shape)
    y.backward(g)
    save("linear", {**params(layer), "input": x, "output": y, "upstream": g,
                    "grad.input": x.grad, **grads(layer)})


def embedding():
    torch.manual_seed(2)
    layer = torch.nn.Embedding(11, 6)
    ids = torch.tensor([[1, 3, 3, 10], [0, 5, 3, 1]])
    y = layer(ids)
    g = torch.randn(y.shape)
    y.backward(g)
    save("embedding", {**params(layer), "input": ids.float(), "output": y, "upstream": g, **grads(layer)})


def layer_norm():
    torch.manual_seed(3)
    generator = torch.Generator().manual_seed(3)
    layer = torch.nn.LayerNorm(8, eps=1e-5)
    randomize(layer, generator)
    x = (torch.randn(2, 3, 8) * 2 + 0.5).requires_grad_()
    y = layer(x)
    g = torch.randn(y.shape)
    y.backward(g)
    save("layer_norm", {**params(layer), "input": x, "output": y, "upstream": g,
                        "grad.input": x.grad, **grads(layer)})


def batch_norm(name, module, shape, seed):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    layer = module
    randomize(layer, generator)
    with torch.no_grad():
        layer.running_mean.copy_(torch.randn(layer.running_mean.shape, generator=generator) * 0.1)
        layer.running_var.copy_(torch.rand(layer.running_var.shape, generator=generator) + 0.5)
    before = params(layer)
    layer.train()
    x = (torch.randn(*shape) * 1.5 + 0.3).requires_grad_()
    y = layer(x)
    g = torch.randn(y.shape)
    y.backward(g)
    after = {"after." + k: v.clone() for k, v in layer.state_dict().items()}
    layer.eval()
    x_eval = torch.randn(*shape)
    with torch.no_grad():
        y_eval = layer(x_eval)
    save(name, {**before, "input": x, "output": y, "upstream": g, "grad.input": x.grad, **grads(layer),
                **after, "input.eval": x_eval, "output.eval": y_eval})


def attention(name, self_attention, seed):
    torch.manual_seed(seed)
    e, h, b = 8, 2, 2
    lq, lk = (5, 5) if self_attention else (3, 6)
    layer = torch.nn.MultiheadAttention(e, h, dropout=0.1, batch_first=True)
    with torch.no_grad():
        layer.in_proj_bias.copy_(torch.randn(3 * e) * 0.3)
        layer.out_proj.bias.copy_(torch.randn(e) * 0.3)
    layer.eval()
    q = torch.randn(b, lq, e, requires_grad=True)
    if self_attention:
        k = v = q
    else:
        k = torch.randn(b, lk, e, requires_grad=True)
        v = torch.randn(b, lk, e, requires_grad=True)
    padding = torch.zeros(b, lk, dtype=torch.bool)
    padding[1, -2:] = True
    additive = torch.randn(lq, lk) * 0.5
    additive[0, 1] = -math.inf
    # The padding mask goes in as an additive float mask (-inf at padding), the same
    # meaning as a boolean one, so both masks have one type.
    padding_additive = torch.zeros(b, lk).masked_fill(padding, -math.inf)
    out, weights = layer(q, k, v, key_padding_mask=padding_additive, attn_mask=additive,
                         need_weights=True, average_attn_weights=True)
    _, per_head = layer(q, k, v, key_padding_mask=padding_additive, attn_mask=additive,
                        need_weights=True, average_attn_weights=False)
    g = torch.randn(out.shape)
    out.backward(g)
    tensors = {**params(layer), "input": q, "mask.padding": padding.float(), "mask.additive": additive,
               "output": out, "output.weights": weights, "output.weights_per_head": per_head,
               "upstream": g, "grad.input": q.grad, **grads(layer)}
    if not self_attention:
        tensors.update({"input.key": k, "input.value": v, "grad.input.key": k.grad, "grad.input.value": v.grad})
    save(name, tensors)


def transformer(name, norm_first, activation, seed):
    torch.manual_seed(seed)
    e, h, f, b, length = 8, 2, 16, 2, 5
    layer = torch.nn.TransformerEncoderLayer(e, h, dim_feedforward=f, dropout=0.1, activation=activation,
                                             batch_first=True, norm_first=norm_first)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key in ["norm1", "norm2"]:
            norm = getattr(layer, key)
            norm.weight.add_(torch.randn(e, generator=generator) * 0.3)
            norm.bias.add_(torch.randn(e, generator=generator) * 0.3)
        layer.self_attn.in_proj_bias.copy_(torch.randn(3 * e, generator=generator) * 0.3)
    layer.eval()
    x = torch.randn(b, length, e, requires_grad=True)
    padding = torch.zeros(b, length, dtype=torch.bool)
    padding[0, -1] = True
    y = layer(x, src_key_padding_mask=padding)
    g = torch.randn(y.shape)
    y.backward(g)
    save(name, {**params(layer), "input": x, "mask.padding": padding.float(), "output": y, "upstream": g,
                "grad.input": x.grad, **grads(layer)})


def conv2d(name, seed, input_shape, **options):
    torch.manual_seed(seed)
    layer = torch.nn.Conv2d(**options)
    x = torch.randn(*input_shape, requires_grad=True)
    y = layer(x)
    g = torch.randn(y.shape)
    y.backward(g)
    save(name, {**params(layer), "input": x, "output": y, "upstream": g, "grad.input": x.grad, **grads(layer)})


def sequential():
    torch.manual_seed(9)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.GELU(), torch.nn.Linear(6, 3))
    x = torch.randn(5, 4, requires_grad=True)
    y = model(x)
    g = torch.randn(y.shape)
    y.backward(g)
    save("sequential", {**params(model), "input": x, "output": y, "upstream": g,
                        "grad.input": x.grad, **grads(model)})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    linear()
    embedding()
    layer_norm()
    batch_norm("batch_norm_1d", torch.nn.BatchNorm1d(4, momentum=0.1), (6, 4), 4)
    batch_norm("batch_norm_1d_sequence", torch.nn.BatchNorm1d(3, momentum=None), (4, 3, 5), 5)
    batch_norm("batch_norm_2d", torch.nn.BatchNorm2d(4, momentum=0.2), (3, 4, 5, 5), 6)
    attention("attention_self", True, 7)
    attention("attention_cross", False, 8)
    transformer("transformer_post_norm_relu", False, "relu", 10)
    transformer("transformer_pre_norm_gelu", True, "gelu", 11)
    sequential()
    conv2d("conv2d", 12, (2, 3, 6, 6), in_channels=3, out_channels=5, kernel_size=3, padding=1)
    conv2d("conv2d_grouped", 13, (2, 4, 7, 9), in_channels=4, out_channels=6, kernel_size=(3, 2),
           stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2, bias=False)
