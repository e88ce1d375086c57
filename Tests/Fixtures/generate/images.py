"""Writes the image decoding and preprocessing fixtures under Tests/Fixtures/images/.

Run from anywhere: python Tests/Fixtures/generate/images.py
Needs numpy, pillow, torch and transformers (CLIPImageProcessorPil), plus a C compiler
and libjpeg headers for the YCCK JPEG (ycck_jpeg.c, beside this script).

Outputs:
  *.jpg *.png *.gif *.webp *.bmp    test images in every format and variant, and corrupt files
  reference/<name>.rgb              the decoded pixels Pillow gives (raw uint8, HWC)
  reference/<name>.f32              preprocessed tensors (raw little-endian float32, CHW)
  index.json                        what each file is, its size and its reference

Decoded reference = ImageOps.exif_transpose(image), then convert("RGB"); images with alpha
(RGBA, LA, PA, or a "transparency" entry) go through convert("RGBA") and are composited on
white as round((c * a + 255 * (255 - a)) / 255) = (c*a + 255*(255-a) + 127) // 255.
16-bit PNGs are written by the small PNG writer below and their reference is the high byte
of each sample (Pillow reads 16-bit RGB that way; its 16-bit gray "I;16" conversion to RGB
clips instead of scaling, which is not a reference worth matching).

Preprocessing references:
  - ImageNet: torchvision's Resize(256) / CenterCrop(224) / ToTensor / Normalize on the PIL
    image, mirrored here line for line from torchvision.transforms.functional (resize computes
    the long side as int(size * long / short) and calls PIL resize with BILINEAR; center crop
    offsets are int(round((extent - crop) / 2)); ToTensor divides by 255).
  - CLIP and the custom configurations: transformers' CLIPImageProcessorPil itself.
"""
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

# This folder holds tokenizers.py, which would shadow the tokenizers package that
# transformers imports.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np
import torch
from PIL import Image, ImageOps
from transformers import CLIPImageProcessorPil

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "images"
REFERENCE = OUT / "reference"

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

index = {"decode": [], "preprocess": []}


def photo(width, height, seed):
    """A deterministic photo-like RGB array: smooth colour fields, discs, edges and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    channels = []
    for c in range(3):
        phase = rng.uniform(0, 6.28)
        channels.append(128 + 90 * np.sin(x / width * rng.uniform(2, 7) + phase)
                        * np.cos(y / height * rng.uniform(2, 7) - phase))
    image = np.stack(channels, -1)
    for _ in range(6):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(0.05, 0.25) * min(width, height)
        image[(x - cx) ** 2 + (y - cy) ** 2 < radius ** 2] = rng.uniform(0, 255, 3)
    image[:, : width // 7] = image[:, : width // 7] * 0.4
    image += rng.normal(0, 10, image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def composite_on_white(rgba):
    rgba = rgba.astype(np.uint32)
    alpha = rgba[..., 3:4]
    return ((rgba[..., :3] * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def pil_reference(path):
    image = Image.open(path)
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return composite_on_white(np.asarray(image.convert("RGBA")))
    return np.asarray(image.convert("RGB"))


def add_decode_case(name, reference, max_difference=0, mean_difference=0.0, note=""):
    reference = np.ascontiguousarray(reference, dtype=np.uint8)
    (REFERENCE / (name + ".rgb")).write_bytes(reference.tobytes())
    index["decode"].append({
        "file": name, "reference": "reference/" + name + ".rgb",
        "width": int(reference.shape[1]), "height": int(reference.shape[0]),
        "max_difference": max_difference, "mean_difference": mean_difference, "note": note,
    })


def save_pil(image, name, **options):
    path = OUT / name
    image.save(path, **options)
    return path


# ---------------------------------------------------------------- small writers

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, samples, color_type, bit_depth, interlaced=False):
    """samples: HxWxC array of uint8 or uint16 (big-endian in the file); Adam7 if interlaced."""
    height, width = samples.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = sub.astype(dtype).reshape(sub.shape[0], -1)
        raw += b"".join(b"\x00" + row.tobytes() for row in rows)
    data = b"\x89PNG\r\n\x1a\n"
    data += png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0))
    data += png_chunk(b"IDAT", zlib.compress(raw, 9))
    data += png_chunk(b"IEND", b"")
    Path(path).write_bytes(data)


def write_bmp(path, rgb, bits, top_down, seed=0):
    """Uncompressed 24- or 32-bit BMP (BITMAPINFOHEADER); 32-bit gets a random 4th byte."""
    height, width = rgb.shape[:2]
    step = bits // 8
    stride = (bits * width + 31) // 32 * 4
    rng = np.random.default_rng(seed)
    body = bytearray()
    for y in range(height):
        row = rgb[y if top_down else height - 1 - y]
        line = bytearray()
        for x in range(width):
            line += bytes((row[x, 2], row[x, 1], row[x, 0]))
            if step == 4:
                line.append(int(rng.integers(0, 256)))
        line += b"\x00" * (stride - len(line))
        body += line
    header = struct.pack("<IiiHHIIiiII", 40, width, -height if top_down else height, 1, bits, 0, len(body), 2835, 2835, 0, 0)
    offset = 14 + len(header)
    Path(path).write_bytes(b"BM" + struct.pack("<IHHI", offset + len(body), 0, 0, offset) + header + bytes(body))


def exif_big_endian(orientation):
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


# ---------------------------------------------------------------- decoding fixtures

def make_decoding_fixtures():
    small = photo(61, 47, 1)
    tall = photo(33, 65, 2)
    wide = photo(240, 160, 3)

    # JPEG. Pillow 13 bundles libjpeg-turbo 3.x; the system decoder may differ by a level
    # on a few pixels, so JPEG cases allow a small difference.
    jpeg_max, jpeg_mean = 2, 0.05
    for name, image, options in [
        ("jpeg_baseline_61x47.jpg", Image.fromarray(small), {"quality": 90}),
        ("jpeg_progressive_240x160.jpg", Image.fromarray(wide), {"quality": 85, "progressive": True}),
        ("jpeg_gray_33x65.jpg", Image.fromarray(tall).convert("L"), {"quality": 90}),
        ("jpeg_444_33x65.jpg", Image.fromarray(tall), {"quality": 92, "subsampling": 0}),
        ("jpeg_cmyk_61x47.jpg", Image.fromarray(small).convert("CMYK"), {"quality": 95}),
    ]:
        path = save_pil(image, name, **options)
        add_decode_case(name, pil_reference(path), jpeg_max, jpeg_mean)

    # YCCK (Adobe transform 2), written through libjpeg: inverted CMYK as Photoshop stores it.
    cmyk = np.asarray(Image.fromarray(small).convert("CMYK"))
    with tempfile.TemporaryDirectory() as scratch:
        tool = Path(scratch) / "ycck_jpeg"
        subprocess.run(["cc", "-O1", "-o", str(tool), str(HERE / "ycck_jpeg.c"), "-ljpeg"], check=True)
        raw = Path(scratch) / "pixels.cmyk"
        raw.write_bytes((255 - cmyk).astype(np.uint8).tobytes())
        subprocess.run([str(tool), "61", "47", str(raw), str(OUT / "jpeg_ycck_61x47.jpg")], check=True)
    add_decode_case("jpeg_ycck_61x47.jpg", pil_reference(OUT / "jpeg_ycck_61x47.jpg"), jpeg_max, jpeg_mean)

    # EXIF orientations 1-8 (little-endian TIFF, as Pillow writes it), plus one big-endian.
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        name = f"jpeg_exif_orientation{orientation}_61x47.jpg"
        path = save_pil(Image.fromarray(small), name, quality=90, exif=exif)
        add_decode_case(name, pil_reference(path), jpeg_max, jpeg_mean)
    plain = (OUT / "jpeg_baseline_61x47.jpg").read_bytes()
    name = "jpeg_exif_big_endian_orientation6_61x47.jpg"
    (OUT / name).write_bytes(plain[:2] + exif_big_endian(6) + plain[2:])
    add_decode_case(name, pil_reference(OUT / name), jpeg_max, jpeg_mean)

    # PNG: exact.
    palette_image = Image.fromarray(small).quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    transparency = bytes([0 if i % 5 == 0 else 255 - 8 * i for i in range(32)])
    rgba = np.dstack([tall, np.linspace(0, 255, 33 * 65).reshape(65, 33).astype(np.uint8)])
    gray_alpha = np.dstack([tall[..., 0], tall[..., 1]])
    for name, image, options in [
        ("png_rgb_61x47.png", Image.fromarray(small), {}),
        ("png_rgba_33x65.png", Image.fromarray(rgba, "RGBA"), {}),
        ("png_palette_trns_61x47.png", palette_image, {"transparency": transparency}),
        ("png_gray_33x65.png", Image.fromarray(tall[..., 1]), {}),
        ("png_gray_alpha_33x65.png", Image.fromarray(gray_alpha, "LA"), {}),
        ("png_bilevel_61x47.png", Image.fromarray(small[..., 0]).convert("1"), {}),
    ]:
        path = save_pil(image, name, **options)
        add_decode_case(name, pil_reference(path))

    write_png(OUT / "png_interlaced_61x47.png", small, color_type=2, bit_depth=8, interlaced=True)
    add_decode_case("png_interlaced_61x47.png", pil_reference(OUT / "png_interlaced_61x47.png"))
    path = save_pil(Image.fromarray(tall).quantize(colors=16, dither=Image.Dither.NONE), "png_palette_4bit_33x65.png", bits=4)
    add_decode_case("png_palette_4bit_33x65.png", pil_reference(path))

    rng = np.random.default_rng(16)
    rgb16 = small.astype(np.uint16) * 257 + rng.integers(0, 257, small.shape).astype(np.uint16)
    write_png(OUT / "png_rgb16_61x47.png", rgb16, color_type=2, bit_depth=16)
    add_decode_case("png_rgb16_61x47.png", (rgb16 >> 8).astype(np.uint8), note="reference: high byte of each sample")
    gray16 = tall[..., 2].astype(np.uint16) * 256 + rng.integers(0, 256, tall.shape[:2]).astype(np.uint16)
    write_png(OUT / "png_gray16_33x65.png", gray16[..., None], color_type=0, bit_depth=16)
    add_decode_case("png_gray16_33x65.png", np.repeat((gray16 >> 8).astype(np.uint8)[..., None], 3, axis=2),
                    note="reference: high byte of each sample")
    alpha16 = np.linspace(0, 65535, 33 * 65).reshape(65, 33).astype(np.uint16)
    write_png(OUT / "png_rgba16_33x65.png", np.dstack([tall.astype(np.uint16) * 257, alpha16]), color_type=6, bit_depth=16)
    add_decode_case("png_rgba16_33x65.png", composite_on_white(np.dstack([tall, (alpha16 >> 8).astype(np.uint8)])),
                    note="reference: high byte of each sample, composited on white")

    # GIF (first frame): exact. Pillow interlaces GIFs of 16 rows and more by default.
    gif_image = Image.fromarray(small).quantize(colors=64, dither=Image.Dither.NONE)
    path = save_pil(gif_image, "gif_interlaced_61x47.gif")
    add_decode_case("gif_interlaced_61x47.gif", pil_reference(path))
    path = save_pil(gif_image, "gif_plain_61x47.gif", interlace=False)
    add_decode_case("gif_plain_61x47.gif", pil_reference(path))
    gif_transparent = Image.fromarray(tall).quantize(colors=16, dither=Image.Dither.NONE)
    path = save_pil(gif_transparent, "gif_transparent_33x65.gif", transparency=3)
    add_decode_case("gif_transparent_33x65.gif", pil_reference(path))
    frames = [Image.fromarray(tall).quantize(colors=16), Image.fromarray(255 - tall).quantize(colors=16)]
    frames[0].save(OUT / "gif_animated_33x65.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    add_decode_case("gif_animated_33x65.gif", pil_reference(OUT / "gif_animated_33x65.gif"))

    # WebP: lossless exact; lossy within the decoder's rounding.
    path = save_pil(Image.fromarray(small), "webp_lossless_61x47.webp", lossless=True)
    add_decode_case("webp_lossless_61x47.webp", pil_reference(path))
    path = save_pil(Image.fromarray(small), "webp_lossy_61x47.webp", quality=80)
    add_decode_case("webp_lossy_61x47.webp", pil_reference(path), 2, 0.05)
    path = save_pil(Image.fromarray(rgba, "RGBA"), "webp_alpha_lossless_33x65.webp", lossless=True)
    add_decode_case("webp_alpha_lossless_33x65.webp", pil_reference(path))
    frames = [Image.fromarray(tall), Image.fromarray(255 - tall)]
    frames[0].save(OUT / "webp_animated_33x65.webp", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    add_decode_case("webp_animated_33x65.webp", pil_reference(OUT / "webp_animated_33x65.webp"))

    # BMP: exact.
    path = save_pil(Image.fromarray(small), "bmp_24_61x47.bmp")
    add_decode_case("bmp_24_61x47.bmp", pil_reference(path))
    path = save_pil(Image.fromarray(tall).quantize(colors=50, dither=Image.Dither.NONE), "bmp_8_palette_33x65.bmp")
    add_decode_case("bmp_8_palette_33x65.bmp", pil_reference(path))
    path = save_pil(Image.fromarray(small[..., 0]).convert("1"), "bmp_1_61x47.bmp")
    add_decode_case("bmp_1_61x47.bmp", pil_reference(path))
    write_bmp(OUT / "bmp_24_top_down_33x65.bmp", tall, 24, top_down=True)
    add_decode_case("bmp_24_top_down_33x65.bmp", pil_reference(OUT / "bmp_24_top_down_33x65.bmp"))
    write_bmp(OUT / "bmp_32_61x47.bmp", small, 32, top_down=False, seed=32)
    add_decode_case("bmp_32_61x47.bmp", pil_reference(OUT / "bmp_32_61x47.bmp"))

    # A PNG whose name says JPEG: the format comes from the bytes.
    shutil.copy(OUT / "png_rgb_61x47.png", OUT / "png_named_as.jpg")
    add_decode_case("png_named_as.jpg", pil_reference(OUT / "png_named_as.jpg"))


def make_corrupt_fixtures():
    (OUT / "corrupt_empty.jpg").write_bytes(b"")
    (OUT / "corrupt_text.jpg").write_bytes(b"<html><body>404 Not Found</body></html>\n")
    baseline = (OUT / "jpeg_baseline_61x47.jpg").read_bytes()
    (OUT / "corrupt_truncated.jpg").write_bytes(baseline[: len(baseline) * 6 // 10])
    progressive = (OUT / "jpeg_progressive_240x160.jpg").read_bytes()
    (OUT / "corrupt_truncated_progressive.jpg").write_bytes(progressive[: len(progressive) // 2])
    rng = np.random.default_rng(404)
    (OUT / "corrupt_random_after_jpeg_header.jpg").write_bytes(
        b"\xff\xd8\xff\xe0" + rng.integers(0, 256, 600).astype(np.uint8).tobytes())
    png = (OUT / "png_rgb_61x47.png").read_bytes()
    (OUT / "corrupt_truncated.png").write_bytes(png[: len(png) // 2])
    damaged = bytearray(png)
    damaged[len(png) // 2] ^= 0x5A
    (OUT / "corrupt_crc.png").write_bytes(bytes(damaged))
    gif = (OUT / "gif_plain_61x47.gif").read_bytes()
    (OUT / "corrupt_truncated.gif").write_bytes(gif[: len(gif) // 2])
    webp = (OUT / "webp_lossy_61x47.webp").read_bytes()
    (OUT / "corrupt_truncated.webp").write_bytes(webp[: len(webp) // 2])
    bmp = (OUT / "bmp_24_61x47.bmp").read_bytes()
    (OUT / "corrupt_truncated.bmp").write_bytes(bmp[: len(bmp) // 2])

    # Decompression bombs: valid headers declaring 100000 x 100000 (PNG), 60000 x 60000 (JPEG)
    # and 65535 x 65535 (GIF) pixels, with almost no data behind them.
    bomb = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
    bomb += png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + png_chunk(b"IEND", b"")
    (OUT / "bomb_100000x100000.png").write_bytes(bomb)
    jpeg = bytearray(baseline)
    sof = jpeg.find(b"\xff\xc0")
    jpeg[sof + 5: sof + 9] = struct.pack(">HH", 60000, 60000)
    (OUT / "bomb_60000x60000.jpg").write_bytes(bytes(jpeg))
    (OUT / "bomb_65535x65535.gif").write_bytes(b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00" + b";")
    # A 10 x 10 canvas whose one frame claims 65535 x 65535 pixels.
    frame_bomb = b"GIF89a" + struct.pack("<HH", 10, 10) + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
    frame_bomb += b"," + struct.pack("<HHHH", 0, 0, 65535, 65535) + b"\x00" + b"\x02\x02\x4c\x01\x00;"
    (OUT / "bomb_frame_65535x65535.gif").write_bytes(frame_bomb)


# ---------------------------------------------------------------- preprocessing fixtures

def torchvision_imagenet(image, resize=256, crop=224):
    """torchvision Resize(resize) + CenterCrop(crop) + ToTensor + Normalize(ImageNet) on a PIL image."""
    width, height = image.size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = resize, int(resize * long / short)
    new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
    image = image.resize((new_width, new_height), Image.BILINEAR)
    top = int(round((new_height - crop) / 2.0))
    left = int(round((new_width - crop) / 2.0))
    image = image.crop((left, top, left + crop, top + crop))
    tensor = torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).contiguous().float().div(255)
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return tensor.sub(mean).div(std)


def add_preprocess_case(name, image_file, config, tensor):
    array = tensor.detach().numpy().astype("<f4")
    (REFERENCE / (name + ".f32")).write_bytes(array.tobytes())
    index["preprocess"].append({"name": name, "image": image_file, "config": config,
                                "reference": "reference/" + name + ".f32", "shape": list(array.shape)})


def clip_processor_tensor(image, **options):
    processor = CLIPImageProcessorPil(**options)
    return processor(images=image, return_tensors="pt")["pixel_values"][0]


def make_preprocessing_fixtures():
    # The benchmark photo: 500 x 375 like a typical social-media JPEG.
    Image.fromarray(photo(500, 375, 7)).save(OUT / "photo_500x375.jpg", quality=88)
    image = Image.open(OUT / "photo_500x375.jpg").convert("RGB")
    add_preprocess_case("photo_imagenet", "photo_500x375.jpg", "imagenet", torchvision_imagenet(image))
    add_preprocess_case("photo_clip", "photo_500x375.jpg", "clip", clip_processor_tensor(image))

    # Small configurations through the Hugging Face processor: every filter, down- and
    # upscaling, exact sizes (two where the height shrinks more than twice as much as the
    # width, so Pillow runs the vertical pass first), and padding where the crop is larger
    # than the image.
    filters = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}
    cases = [("png_rgb_61x47.png", code, {"shortest_edge": 40}, {"height": 32, "width": 32}, True)
             for code in filters]
    cases += [
        ("jpeg_progressive_240x160.jpg", 3, {"shortest_edge": 30}, {"height": 24, "width": 28}, True),
        ("png_gray_33x65.png", 3, {"shortest_edge": 50}, {"height": 48, "width": 40}, True),
        ("png_gray_33x65.png", 2, {"height": 30, "width": 50}, {"height": 30, "width": 50}, False),
        ("png_rgba_33x65.png", 3, {"height": 21, "width": 44}, {"height": 16, "width": 35}, True),
        ("bmp_24_61x47.bmp", 2, {"shortest_edge": 20}, {"height": 32, "width": 24}, True),
        ("webp_lossless_61x47.webp", 1, {"shortest_edge": 47}, {"height": 47, "width": 47}, True),
    ]
    for image_file, code, size, crop, center_crop in cases:
        source = Image.fromarray(pil_reference(OUT / image_file))
        config = {"do_resize": True, "size": size, "resample": code, "do_center_crop": center_crop,
                  "crop_size": crop, "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
                  "image_mean": [0.5, 0.4, 0.3], "image_std": [0.2, 0.25, 0.3], "do_convert_rgb": True}
        tensor = clip_processor_tensor(source, **{k: v for k, v in config.items()})
        label = "x".join(str(v) for v in size.values())
        add_preprocess_case(f"{Path(image_file).stem}_{filters[code]}_{label}", image_file, config, tensor)

    # ConvNextImageProcessor's crop_pct (Hugging Face ResNet checkpoints): shortest edge to
    # int(32 / 0.875) = 36, then a 32 x 32 center crop.
    from transformers import ConvNextImageProcessorPil
    config = {"size": {"shortest_edge": 32}, "crop_pct": 0.875, "resample": 3,
              "image_mean": IMAGENET_MEAN, "image_std": IMAGENET_STD}
    processor = ConvNextImageProcessorPil(**config)
    tensor = processor(images=Image.fromarray(pil_reference(OUT / "jpeg_444_33x65.jpg")), return_tensors="pt")["pixel_values"][0]
    add_preprocess_case("jpeg_444_33x65_convnext_crop_pct", "jpeg_444_33x65.jpg", config, tensor)

    # torchvision rounding: Resize(40) makes 61x47 into 51x40; CenterCrop(36) then starts at
    # round(7.5) = 8 (Python rounds half to even), where floor division gives 7.
    source = Image.fromarray(pil_reference(OUT / "png_rgb_61x47.png"))
    config = {"size": {"shortest_edge": 40}, "resample": 2, "crop_size": {"height": 36, "width": 36},
              "center_crop_rounding": "half_to_even", "image_mean": IMAGENET_MEAN, "image_std": IMAGENET_STD}
    add_preprocess_case("png_rgb_61x47_torchvision_40_36", "png_rgb_61x47.png", config,
                        torchvision_imagenet(source, resize=40, crop=36))


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    REFERENCE.mkdir(parents=True)
    make_decoding_fixtures()
    make_corrupt_fixtures()
    make_preprocessing_fixtures()
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {len(list(OUT.rglob('*')))} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
