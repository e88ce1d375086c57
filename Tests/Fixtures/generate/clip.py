"""Reference outputs for the CLIP, Chinese-CLIP and ViT encoder tests
(Tests/EncodersTests/CLIPParityTests.swift, ChineseCLIPParityTests.swift, ViTParityTests.swift).

Writes into Tests/Fixtures/clip/:
  tiny-clip/                 a random 2+2-layer `CLIPModel` saved by save_pretrained (config.json, model.safetensors)
  tiny-clip-openai.safetensors
                             the same weights under OpenAI / open_clip `CLIP` state-dict names
                             (`visual.conv1.weight`, `visual.transformer.resblocks.N.attn.in_proj_weight`,
                             `token_embedding.weight`, `ln_final.*`, `text_projection` as an [width, embed] matrix, ...)
  tiny-clip-io.safetensors   inputs (ids and attention mask as float32, pixel values) and every output:
                             text/vision last hidden states, pooled outputs, text/image embeddings (projected,
                             not normalised), logits_per_image; plus a second text batch with an added-token id
                             above the end-of-text id (transformers pools at the first end-of-text id then)
  tiny-chinese-clip/         a random `ChineseCLIPModel` (BERT text tower over the fixture Chinese WordPiece
                             vocabulary in Tests/Fixtures/tokenizers/chinese, whose tokenizer.json is copied
                             beside the weights; CLIP vision tower)
  tiny-chinese-clip-io.safetensors, chinese-sentences.json
                             the sentences, the tokenizer's ids and the model's outputs
  tiny-vit/                  a random `ViTModel` with pooler
  tiny-vit-io.safetensors    pixel values, last hidden state, pooled output

References are computed in float64 from the saved float32 weights and stored as float32.

Run: /work/V/bin/python Tests/Fixtures/generate/clip.py
"""
import json
import shutil
import sys
from pathlib import Path

# This folder holds tokenizers.py, which would shadow the `tokenizers` package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer
from transformers import (ChineseCLIPConfig, ChineseCLIPModel, CLIPConfig, CLIPModel, ViTConfig, ViTModel)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "clip"
OUT.mkdir(parents=True, exist_ok=True)

VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=32,
              patch_size=8, num_channels=3, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=16)
TEXT = dict(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
            max_position_embeddings=16, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=16,
            bos_token_id=97, eos_token_id=98, pad_token_id=98)


def randomize(model, seed):
    """Every parameter N(0, 0.1²) (layer-norm weights around 1), so no output is trivially zero or one."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=g) * 0.1
            if name.endswith("logit_scale"):
                parameter.copy_(torch.tensor(1.7))
            elif "norm" in name.lower() and name.endswith("weight"):
                parameter.copy_(1 + noise)
            else:
                parameter.copy_(noise * (3 if "embedding" in name else 1))
    return model.eval()


def pixels(seed, batch=3, size=32):
    return torch.randn((batch, 3, size, size), generator=torch.Generator().manual_seed(seed))


def clip_text_batch(seed, added_token=False):
    """Right-padded rows `<bos> t... <eos> <eos>...` (CLIP pads with its end-of-text id)."""
    g = torch.Generator().manual_seed(seed)
    lengths = [10, 6, 3]
    ids = torch.full((3, 10), 98, dtype=torch.long)
    mask = torch.zeros((3, 10), dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, 0] = 97
        ids[row, 1:n - 1] = torch.randint(0, 97, (n - 2,), generator=g)
        ids[row, n - 1] = 98
        mask[row, :n] = 1
    if added_token:
        ids[0, 3] = 99  # an added token whose id is above <eos>
        ids[1, 2] = 99
    return ids, mask


def clip_fixture():
    config = CLIPConfig(text_config=TEXT, vision_config=VISION, projection_dim=16)
    config._attn_implementation = "eager"
    model = randomize(CLIPModel(config), 1)
    model.save_pretrained(OUT / "tiny-clip", safe_serialization=True)
    reference = model.double()
    ids, mask = clip_text_batch(2)
    added_ids, added_mask = clip_text_batch(3, added_token=True)
    images = pixels(4)
    with torch.no_grad():
        out = reference(input_ids=ids, attention_mask=mask, pixel_values=images.double())
        text = reference.text_model(input_ids=ids, attention_mask=mask)
        vision = reference.vision_model(pixel_values=images.double())
        added = reference.text_model(input_ids=added_ids, attention_mask=added_mask)
        tensors = {
            "input_ids": ids.float(), "attention_mask": mask.float(), "pixel_values": images,
            "text_last_hidden_state": text.last_hidden_state.float(),
            "text_pooled": text.pooler_output.float(),
            "text_embeds": reference.text_projection(text.pooler_output).float(),
            "vision_last_hidden_state": vision.last_hidden_state.float(),
            "vision_pooled": vision.pooler_output.float(),
            "image_embeds": reference.visual_projection(vision.pooler_output).float(),
            "logits_per_image": out.logits_per_image.float(),
            "added_input_ids": added_ids.float(), "added_attention_mask": added_mask.float(),
            "added_text_pooled": added.pooler_output.float(),
            "added_text_embeds": reference.text_projection(added.pooler_output).float(),
        }
    save_file({k: v.contiguous() for k, v in tensors.items()}, OUT / "tiny-clip-io.safetensors")
    save_file(openai_names(model.float().state_dict(), config), OUT / "tiny-clip-openai.safetensors")


def openai_names(state, config):
    """The CLIP weights as OpenAI's `model.py` (and open_clip's `CLIP`) name them."""
    result = {}

    def tower(hf, openai, layers):
        for i in range(layers):
            source, target = f"{hf}.encoder.layers.{i}.", f"{openai}transformer.resblocks.{i}."
            for kind in ("weight", "bias"):
                result[target + f"attn.in_proj_{kind}"] = torch.cat(
                    [state[source + f"self_attn.{p}_proj.{kind}"] for p in ("q", "k", "v")], dim=0)
                result[target + f"attn.out_proj.{kind}"] = state[source + f"self_attn.out_proj.{kind}"]
                result[target + f"ln_1.{kind}"] = state[source + f"layer_norm1.{kind}"]
                result[target + f"ln_2.{kind}"] = state[source + f"layer_norm2.{kind}"]
                result[target + f"mlp.c_fc.{kind}"] = state[source + f"mlp.fc1.{kind}"]
                result[target + f"mlp.c_proj.{kind}"] = state[source + f"mlp.fc2.{kind}"]

    tower("vision_model", "visual.", config.vision_config.num_hidden_layers)
    tower("text_model", "", config.text_config.num_hidden_layers)
    result["visual.conv1.weight"] = state["vision_model.embeddings.patch_embedding.weight"]
    result["visual.class_embedding"] = state["vision_model.embeddings.class_embedding"]
    result["visual.positional_embedding"] = state["vision_model.embeddings.position_embedding.weight"]
    for kind in ("weight", "bias"):
        result[f"visual.ln_pre.{kind}"] = state[f"vision_model.pre_layrnorm.{kind}"]
        result[f"visual.ln_post.{kind}"] = state[f"vision_model.post_layernorm.{kind}"]
        result[f"ln_final.{kind}"] = state[f"text_model.final_layer_norm.{kind}"]
    result["visual.proj"] = state["visual_projection.weight"].t()
    result["token_embedding.weight"] = state["text_model.embeddings.token_embedding.weight"]
    result["positional_embedding"] = state["text_model.embeddings.position_embedding.weight"]
    result["text_projection"] = state["text_projection.weight"].t()
    result["logit_scale"] = state["logit_scale"]
    return {k: v.contiguous().clone() for k, v in result.items()}


CHINESE_SENTENCES = ["今天天气很好", "我爱北京天安门！", "Hello 世界 123", "猫"]


def chinese_clip_fixture():
    tokenizer = Tokenizer.from_file(str(ROOT / "tokenizers" / "chinese" / "tokenizer.json"))
    text = dict(vocab_size=tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=37, hidden_act="gelu", max_position_embeddings=64, type_vocab_size=2,
                layer_norm_eps=1e-12, pad_token_id=0)
    vision = dict(VISION)
    config = ChineseCLIPConfig(text_config=text, vision_config=vision, projection_dim=16)
    config._attn_implementation = "eager"
    model = randomize(ChineseCLIPModel(config), 5)
    model.save_pretrained(OUT / "tiny-chinese-clip", safe_serialization=True)
    shutil.copy(ROOT / "tokenizers" / "chinese" / "tokenizer.json", OUT / "tiny-chinese-clip" / "tokenizer.json")
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    encodings = tokenizer.encode_batch(CHINESE_SENTENCES)
    ids = torch.tensor([e.ids for e in encodings])
    mask = torch.tensor([e.attention_mask for e in encodings])
    types = torch.zeros_like(ids)
    images = pixels(6, batch=2)
    reference = model.double()
    with torch.no_grad():
        out = reference(input_ids=ids, attention_mask=mask, token_type_ids=types, pixel_values=images.double())
        text_hidden = reference.text_model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        vision = reference.vision_model(pixel_values=images.double())
    tensors = {
        "input_ids": ids.float(), "attention_mask": mask.float(), "pixel_values": images,
        "text_last_hidden_state": text_hidden.float(), "text_embeds": reference.text_projection(text_hidden[:, 0]).float(),
        "vision_last_hidden_state": vision.last_hidden_state.float(), "vision_pooled": vision.pooler_output.float(),
        "image_embeds": reference.visual_projection(vision.pooler_output).float(),
        "logits_per_image": out.logits_per_image.float(),
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, OUT / "tiny-chinese-clip-io.safetensors")
    (OUT / "chinese-sentences.json").write_text(json.dumps(CHINESE_SENTENCES, ensure_ascii=False, indent=1) + "\n")


def vit_fixture():
    config = ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                       hidden_act="gelu", image_size=32, patch_size=8, num_channels=3, layer_norm_eps=1e-12,
                       qkv_bias=True)
    config._attn_implementation = "eager"
    model = randomize(ViTModel(config, add_pooling_layer=True), 7)
    model.save_pretrained(OUT / "tiny-vit", safe_serialization=True)
    images = pixels(8, batch=2)
    with torch.no_grad():
        out = model.double()(pixel_values=images.double())
    tensors = {"pixel_values": images, "last_hidden_state": out.last_hidden_state.float(),
               "pooled_output": out.pooler_output.float()}
    save_file({k: v.contiguous() for k, v in tensors.items()}, OUT / "tiny-vit-io.safetensors")


if __name__ == "__main__":
    torch.manual_seed(0)
    clip_fixture()
    chinese_clip_fixture()
    vit_fixture()
    print("wrote", OUT)
