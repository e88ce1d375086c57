"""Parity fixtures for the Swin Transformer (Tests/EncodersTests/SwinTests.swift).

One tiny random-weight Swin (image 64, patch 2, embed 6, depths 2-2-2-2, heads 1-2-3-4,
window 4, shift 2, MLP ratio 4, 5 classes): stages at 32x32, 16x16, 8x8 and 4x4 tokens,
so stages 1-3 run shifted windows with the attention mask and stage 4 clamps its window
to the 4x4 map without a shift. Weights are drawn so that every term matters (the
relative position bias tables are not left at zero, layer norms are not identity).

Written under Tests/Fixtures/swin/:

    hf_model/           SwinModel.save_pretrained (config.json + model.safetensors, float32)
    hf_classifier/      SwinForImageClassification.save_pretrained (keys under `swin.`, `classifier`)
    timm_swin.safetensors  the same weights under timm's names (swin_transformer.py: fused
                        attn.qkv, downsample at the start of the next stage, head.fc), float16
                        storage of float16-rounded weights
    io.safetensors      inputs and outputs, all float32:
        images [2, 3, 64, 64]           ImageNet-scale random inputs
        tokens [2, 16, 48]              last_hidden_state (after the final layer norm)
        pooled [2, 48]                  pooler_output
        logits [2, 5]                   SwinForImageClassification logits
        stage.stem, stage.stage1 … stage.stage4   reshaped hidden states before each
                                        downsampling, NCHW (output_hidden_states_before_downsampling)
        odd_images [2, 3, 57, 53]       a size that needs padding (patch 2 and windows)
        odd_tokens [2, 16, 48], odd_pooled [2, 48]
        timm_logits, timm_pooled   timm's own model on the float16-rounded weights

timm imports torchvision at module load for its data pipeline (not used by the model);
a stub module stands in for it here, since torchvision would pull a CUDA torch.

Run from the repository root:  python Tests/Fixtures/generate/swin.py
(pip install timm --no-deps)
"""
import importlib.abc
import importlib.machinery
import os
import shutil
import sys
import types

# This folder holds a tokenizers.py of its own; keep it from shadowing the package.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from transformers import SwinConfig, SwinForImageClassification, SwinModel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "swin")


class _AnyMeta(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _AnyMeta(name, (), {})

    def __hash__(cls):
        return id(cls)


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _AnyMeta(name, (), {})


class _TorchvisionStub(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname == "torchvision" or fullname.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return _StubModule(spec.name)

    def exec_module(self, module):
        module.__path__ = []


def timm_names(hf_state, depths):
    """HF SwinForImageClassification checkpoint keys (as save_pretrained writes them) -> timm keys."""
    out = {}
    prefix = "swin."
    get = lambda k: hf_state[prefix + k]
    out["patch_embed.proj.weight"] = get("embeddings.patch_embeddings.projection.weight")
    out["patch_embed.proj.bias"] = get("embeddings.patch_embeddings.projection.bias")
    out["patch_embed.norm.weight"] = get("embeddings.norm.weight")
    out["patch_embed.norm.bias"] = get("embeddings.norm.bias")
    for s, depth in enumerate(depths):
        for b in range(depth):
            hf = f"encoder.layers.{s}.blocks.{b}."
            tm = f"layers.{s}.blocks.{b}."
            for p in ("weight", "bias"):
                out[tm + "norm1." + p] = get(hf + "layernorm_before." + p)
                out[tm + "norm2." + p] = get(hf + "layernorm_after." + p)
                out[tm + "attn.qkv." + p] = torch.cat(
                    [get(hf + f"attention.self.{n}.{p}") for n in ("query", "key", "value")], 0)
                out[tm + "attn.proj." + p] = get(hf + "attention.output.dense." + p)
                out[tm + "mlp.fc1." + p] = get(hf + "intermediate.dense." + p)
                out[tm + "mlp.fc2." + p] = get(hf + "output.dense." + p)
            out[tm + "attn.relative_position_bias_table"] = get(hf + "attention.self.relative_position_bias_table")
        if s + 1 < len(depths):
            # HF: downsample at the end of stage s; timm: at the start of stage s + 1.
            out[f"layers.{s + 1}.downsample.reduction.weight"] = get(f"encoder.layers.{s}.downsample.reduction.weight")
            out[f"layers.{s + 1}.downsample.norm.weight"] = get(f"encoder.layers.{s}.downsample.norm.weight")
            out[f"layers.{s + 1}.downsample.norm.bias"] = get(f"encoder.layers.{s}.downsample.norm.bias")
    out["norm.weight"] = get("layernorm.weight")
    out["norm.bias"] = get("layernorm.bias")
    out["head.fc.weight"] = hf_state["classifier.weight"]
    out["head.fc.bias"] = hf_state["classifier.bias"]
    return out


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    config = SwinConfig(image_size=64, patch_size=2, embed_dim=6, depths=[2, 2, 2, 2], num_heads=[1, 2, 3, 4],
                        window_size=4, mlp_ratio=4.0, num_labels=5, drop_path_rate=0.0)
    classifier = SwinForImageClassification(config).eval()
    with torch.no_grad():
        for name, p in classifier.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("relative_position_bias_table"):
                p.copy_(0.5 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) / p.shape[-1] ** 0.5 if p.dim() == 2 else 0.2 * torch.randn_like(p))
        # Round to float16 so the float16-stored timm copy holds exactly these weights.
        for p in classifier.parameters():
            p.copy_(p.half().float())

    model = SwinModel(config).eval()
    missing = model.load_state_dict({k[len("swin."):]: v for k, v in classifier.state_dict().items()
                                     if k.startswith("swin.")}, strict=False)
    assert not missing.unexpected_keys, missing
    for directory, m in (("hf_model", model), ("hf_classifier", classifier)):
        path = os.path.join(OUT, directory)
        shutil.rmtree(path, ignore_errors=True)
        m.save_pretrained(path, safe_serialization=True)

    generator = torch.Generator().manual_seed(1)
    images = torch.randn(2, 3, 64, 64, generator=generator)
    odd_images = torch.randn(2, 3, 57, 53, generator=generator)
    tensors = {"images": images, "odd_images": odd_images}
    with torch.no_grad():
        out = model(images, output_hidden_states=True, output_hidden_states_before_downsampling=True)
        tensors["tokens"] = out.last_hidden_state
        tensors["pooled"] = out.pooler_output
        names = ["stem", "stage1", "stage2", "stage3", "stage4"]
        assert len(out.reshaped_hidden_states) == 5
        for name, state in zip(names, out.reshaped_hidden_states):
            tensors["stage." + name] = state
        tensors["logits"] = classifier(images).logits
        odd = model(odd_images)
        tensors["odd_tokens"] = odd.last_hidden_state
        tensors["odd_pooled"] = odd.pooler_output

    # timm's own model on the renamed weights.
    sys.meta_path.insert(0, _TorchvisionStub())
    import timm
    from timm.models.swin_transformer import SwinTransformer
    timm_state = timm_names(load_file(os.path.join(OUT, "hf_classifier", "model.safetensors")), config.depths)
    reference = SwinTransformer(img_size=64, patch_size=2, embed_dim=6, depths=(2, 2, 2, 2), num_heads=(1, 2, 3, 4),
                                window_size=4, mlp_ratio=4.0, num_classes=5).eval()
    reference.load_state_dict(timm_state, strict=True)
    with torch.no_grad():
        timm_logits = reference(images)
        timm_pooled = reference.forward_head(reference.forward_features(images), pre_logits=True)
    assert torch.allclose(timm_logits, tensors["logits"], atol=1e-5), (timm_logits - tensors["logits"]).abs().max()
    assert torch.allclose(timm_pooled, tensors["pooled"], atol=1e-5)
    tensors["timm_logits"] = timm_logits
    tensors["timm_pooled"] = timm_pooled
    save_file({k: v.half().contiguous() for k, v in timm_state.items()}, os.path.join(OUT, "timm_swin.safetensors"),
              metadata={"format": "pt", "timm_version": timm.__version__})
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, "io.safetensors"))
    for directory in ("hf_model", "hf_classifier"):
        print(directory, sorted(os.listdir(os.path.join(OUT, directory))))
    print("timm", timm.__version__, "max |timm - hf| logits", (timm_logits - tensors["logits"]).abs().max().item())


if __name__ == "__main__":
    main()
