"""Pillow / torchvision-style reference for `mmfusion bench images`: decode the 500x375
fixture JPEG with Pillow, then torchvision's ImageNet transform (Resize(256) bilinear,
CenterCrop(224), ToTensor, Normalize) and Hugging Face's CLIPImageProcessorPil, one thread.
The torchvision steps are written out with Pillow and torch (as torchvision.transforms.functional
does on PIL images) so the script needs no torchvision.

Usage: python bench/images_pytorch.py [--repetitions 10]   (from the repository root)
"""
import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

PHOTO = Path("Tests/Fixtures/images/photo_500x375.jpg")
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def median_ms(fn, repetitions):
    fn()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def imagenet(image):
    width, height = image.size
    if width <= height:
        size = (256, int(256 * height / width))
    else:
        size = (int(256 * width / height), 256)
    image = image.resize(size, Image.BILINEAR)
    top, left = int(round((size[1] - 224) / 2.0)), int(round((size[0] - 224) / 2.0))
    image = image.crop((left, top, left + 224, top + 224))
    tensor = torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).float().div(255)
    return tensor.sub(MEAN).div(STD)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    repetitions = args.repetitions * 10
    data = PHOTO.read_bytes()
    decode = lambda: Image.open(io.BytesIO(data)).convert("RGB")
    image = decode()
    figures = [
        ("Pillow JPEG decode", median_ms(decode, repetitions)),
        ("torchvision-style ImageNet preprocess", median_ms(lambda: imagenet(image), repetitions)),
    ]
    try:
        sys.path = [entry for entry in sys.path if not entry.endswith("Fixtures/generate")]
        from transformers import CLIPImageProcessorPil
        processor = CLIPImageProcessorPil()
        figures.append(("CLIPImageProcessorPil preprocess",
                        median_ms(lambda: processor(images=image, return_tensors="pt"), repetitions)))
    except ImportError:
        pass
    figures.append(("Pillow decode + ImageNet preprocess", median_ms(lambda: imagenet(decode()), repetitions)))
    for name, value in figures:
        print(f"{name:48s} {value:10.2f} ms/image   500x375, 1 thread, median of {repetitions}")


if __name__ == "__main__":
    main()
