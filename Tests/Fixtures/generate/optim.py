"""Reference trajectories for the optimizers, gradient clipping and LR schedules in
Sources/NeuralNetwork/Optimizers.

Writes Tests/Fixtures/optim/optim.safetensors + optim.json:
- a 4 -> 8 -> 3 MLP (Linear, ReLU, Linear) trained for 5 steps with cross-entropy on a
  fixed batch by each optimizer configuration, with two parameter groups of different
  learning rate and weight decay; the head group's gradients are multiplied by its
  gradient scale before each step (how mmfusion's per-group gradient scale works); the
  parameters after every step are recorded;
- torch.nn.utils.clip_grad_norm_ on a set of gradients for norm types 2, 1 and inf;
and Tests/Fixtures/optim/schedules.json: learning rates per step of torch's StepLR and
CosineAnnealingLR and transformers' linear / cosine warm-up schedules, for two
parameter groups with different base learning rates.

Run: /work/V/bin/python Tests/Fixtures/generate/optim.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "optim")
STEPS = 5

tensors = {}


def put(name, tensor):
    tensors[name] = tensor.detach().float().clone().contiguous()
    return name


# ---------------------------------------------------------------- the MLP and its data
generator = torch.Generator().manual_seed(4242)
initial = {
    "w1": torch.randn(8, 4, generator=generator) * 0.5,
    "b1": torch.randn(8, generator=generator) * 0.1,
    "w2": torch.randn(3, 8, generator=generator) * 0.5,
    "b2": torch.randn(3, generator=generator) * 0.1,
}
inputs = torch.randn(6, 4, generator=generator)
targets = torch.tensor([0, 2, 1, 1, 0, 2])
for key, value in initial.items():
    put(f"mlp.{key}", value)
put("mlp.inputs", inputs)


def forward(parameters):
    hidden = torch.relu(inputs @ parameters["w1"].T + parameters["b1"])
    logits = hidden @ parameters["w2"].T + parameters["b2"]
    return F.cross_entropy(logits, targets)


# Group settings shared by every configuration: (name, keys, lr, weight decay, grad scale).
GROUPS = [
    ("encoder", ["w1", "b1"], 0.05, 0.01, 1.0),
    ("head", ["w2", "b2"], 0.1, 0.02, 0.5),
]
CONFIGS = [
    ("sgd_nesterov", "sgd", {"momentum": 0.9, "dampening": 0.0, "nesterov": True}),
    ("sgd_dampening", "sgd", {"momentum": 0.8, "dampening": 0.1, "nesterov": False}),
    ("adam", "adam", {"betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}),
    ("adam_amsgrad", "adam", {"betas": (0.8, 0.99), "eps": 1e-6, "amsgrad": True}),
    ("adamw", "adamw", {"betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}),
]


def make_optimizer(kind, groups, options):
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.0, foreach=False, **options)
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.0, foreach=False, **options)
    return torch.optim.AdamW(groups, lr=0.0, foreach=False, **options)


runs = []
for name, kind, options in CONFIGS:
    parameters = {key: value.clone().requires_grad_(True) for key, value in initial.items()}
    groups = [{"params": [parameters[key] for key in keys], "lr": lr, "weight_decay": decay}
              for _, keys, lr, decay, _ in GROUPS]
    optimizer = make_optimizer(kind, groups, options)
    losses = []
    for step in range(STEPS):
        optimizer.zero_grad()
        loss = forward(parameters)
        loss.backward()
        for (_, keys, _, _, scale) in GROUPS:
            for key in keys:
                parameters[key].grad.mul_(scale)
        optimizer.step()
        losses.append(loss.item())
        for key, value in parameters.items():
            put(f"{name}.step{step + 1}.{key}", value)
    options = dict(options)
    if "betas" in options:
        options["betas"] = list(options["betas"])
    runs.append({"name": name, "optimizer": kind, "options": options, "losses": losses})

# ---------------------------------------------------------------- gradient clipping
generator = torch.Generator().manual_seed(31)
clip_grads = [torch.randn(3, 4, generator=generator), torch.randn(5, generator=generator) * 3]
for index, grad in enumerate(clip_grads):
    put(f"clip.grad{index}", grad)
clips = []
for norm_type, max_norm in [(2.0, 1.5), (1.0, 4.0), (math.inf, 2.5), (2.0, 100.0)]:
    parameters = [torch.zeros_like(grad, requires_grad=True) for grad in clip_grads]
    for parameter, grad in zip(parameters, clip_grads):
        parameter.grad = grad.clone()
    total = torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=norm_type)
    label = "inf" if math.isinf(norm_type) else str(int(norm_type))
    clips.append({
        "normType": "inf" if math.isinf(norm_type) else norm_type, "maxNorm": max_norm,
        "totalNorm": total.item(),
        "clipped": [put(f"clip.norm{label}.max{max_norm}.grad{index}", parameter.grad)
                    for index, parameter in enumerate(parameters)],
    })

os.makedirs(OUT, exist_ok=True)
save_file(tensors, os.path.join(OUT, "optim.safetensors"))
with open(os.path.join(OUT, "optim.json"), "w") as handle:
    json.dump({
        "generator": "Tests/Fixtures/generate/optim.py", "torch": torch.__version__,
        "steps": STEPS, "targets": targets.tolist(),
        "groups": [{"name": group_name, "parameters": keys, "learningRate": lr,
                    "weightDecay": decay, "gradientScale": scale}
                   for group_name, keys, lr, decay, scale in GROUPS],
        "runs": runs, "clipping": clips,
    }, handle, indent=1)

# ---------------------------------------------------------------- LR schedules
BASE_LRS = [0.1, 0.02]


def learning_rates(make_scheduler, steps):
    dummy = [torch.zeros(1, requires_grad=True) for _ in BASE_LRS]
    optimizer = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(dummy, BASE_LRS)])
    scheduler = make_scheduler(optimizer)
    sequence = []
    for _ in range(steps):
        sequence.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return sequence


schedules = [
    {"kind": "step", "stepSize": 3, "gamma": 0.5,
     "learningRates": learning_rates(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5), 14)},
    {"kind": "cosineAnnealing", "maximumSteps": 10, "minimumLearningRate": 0.001,
     "learningRates": learning_rates(
         lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 34)},
    {"kind": "linearWarmupLinearDecay", "warmupSteps": 4, "totalSteps": 12,
     "learningRates": learning_rates(lambda o: get_linear_schedule_with_warmup(o, 4, 12), 15)},
    {"kind": "linearWarmupCosineDecay", "warmupSteps": 3, "totalSteps": 11, "cycles": 0.5,
     "learningRates": learning_rates(lambda o: get_cosine_schedule_with_warmup(o, 3, 11), 14)},
    {"kind": "linearWarmupCosineDecay", "warmupSteps": 2, "totalSteps": 10, "cycles": 1.5,
     "learningRates": learning_rates(
         lambda o: get_cosine_schedule_with_warmup(o, 2, 10, num_cycles=1.5), 12)},
    {"kind": "constant",
     "learningRates": learning_rates(lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor=1.0), 4)},
]
with open(os.path.join(OUT, "schedules.json"), "w") as handle:
    json.dump({"generator": "Tests/Fixtures/generate/optim.py", "baseLearningRates": BASE_LRS,
               "schedules": schedules}, handle, indent=1)
print(f"wrote {len(runs)} optimizer runs, {len(clips)} clipping cases, {len(schedules)} schedules")
