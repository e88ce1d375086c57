"""Reference outputs for the BERT-family encoder tests (Tests/EncodersTests/Bert*Tests.swift).

Writes into Tests/Fixtures/bert/:
  tiny-bert/            a 2-layer random BertModel saved by save_pretrained (config.json, model.safetensors)
  tiny-roberta/         a 2-layer random RobertaModel saved in shards (model.safetensors.index.json + shards)
  tiny-bert-legacy/     tiny-bert's weights as an old task-model checkpoint: `bert.` prefix,
                        LayerNorm gamma/beta names, a classifier head and a position_ids buffer
  tiny-bert.safetensors, tiny-roberta.safetensors
                        inputs (ids, attention mask, token types as float32), every hidden state,
                        the pooled output, and the gradients of sum(last_hidden_state * probe)
                        w.r.t. the word embeddings and layer 1's query weight (float64 forward, stored float32)
  minilm-sentences.txt  50 sentences (English, Chinese, emoji, an empty line)
  minilm-reference.safetensors
                        the HF tokenizer's ids / attention mask for them and
                        SentenceTransformer(all-MiniLM-L6-v2).encode(normalize_embeddings=True)

Run: /work/V/bin/python Tests/Fixtures/generate/bert.py [--minilm DIR]
(DIR defaults to ${MMFUSION_CACHE:-~/.cache/mmfusion}/all-MiniLM-L6-v2, unpacked by `make weights`.)
"""
import json
import os
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel, RobertaConfig, RobertaModel

OUT = Path(__file__).resolve().parent.parent / "bert"
OUT.mkdir(parents=True, exist_ok=True)

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            hidden_act="gelu", max_position_embeddings=64, layer_norm_eps=1e-12)


def batch(pad_id, seed, type_vocab):
    g = torch.Generator().manual_seed(seed)
    lengths = [9, 6, 4]
    ids = torch.full((3, 9), pad_id, dtype=torch.long)
    mask = torch.zeros((3, 9), dtype=torch.long)
    types = torch.zeros((3, 9), dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(2, 99, (n,), generator=g)
        mask[row, :n] = 1
        if type_vocab > 1:
            types[row, n // 2:n] = 1
    return ids, mask, types


def reference(model, ids, mask, types, name):
    model = model.double().eval()
    probe = torch.randn(ids.shape + (model.config.hidden_size,), generator=torch.Generator().manual_seed(7),
                        dtype=torch.float64)
    model.zero_grad()
    out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
    loss = (out.last_hidden_state * probe).sum()
    loss.backward()
    tensors = {
        "input_ids": ids.float(), "attention_mask": mask.float(), "token_type_ids": types.float(),
        "probe": probe.float(), "pooled_output": out.pooler_output.float(),
        "grad.word_embeddings": model.embeddings.word_embeddings.weight.grad.float(),
        "grad.layer1.query.weight": model.encoder.layer[1].attention.self.query.weight.grad.float(),
        "grad.layer0.intermediate.bias": model.encoder.layer[0].intermediate.dense.bias.grad.float(),
    }
    for i, h in enumerate(out.hidden_states):
        tensors[f"hidden_states.{i}"] = h.float()
    save_file({k: v.detach().contiguous() for k, v in tensors.items()}, str(OUT / f"{name}.safetensors"))


def tiny_models():
    torch.manual_seed(0)
    bert = BertModel(BertConfig(**TINY, type_vocab_size=2, pad_token_id=0)).eval()
    bert.save_pretrained(OUT / "tiny-bert")
    ids, mask, types = batch(0, 1, 2)
    reference(bert, ids, mask, types, "tiny-bert")

    torch.manual_seed(1)
    roberta = RobertaModel(RobertaConfig(**TINY, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
                                         eos_token_id=2)).eval()
    roberta.save_pretrained(OUT / "tiny-roberta", max_shard_size="40KB")
    ids, mask, types = batch(1, 2, 1)
    reference(roberta, ids, mask, types, "tiny-roberta")

    # The same BERT weights as an old task-model checkpoint.
    legacy = OUT / "tiny-bert-legacy"
    legacy.mkdir(exist_ok=True)
    state = {}
    for key, value in BertModel.from_pretrained(OUT / "tiny-bert").state_dict().items():
        key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        state["bert." + key] = value.contiguous()
    state["bert.embeddings.position_ids"] = torch.arange(64).unsqueeze(0)
    state["classifier.weight"] = torch.zeros(2, 32)
    state["classifier.bias"] = torch.zeros(2)
    save_file(state, str(legacy / "model.safetensors"))
    (legacy / "config.json").write_text((OUT / "tiny-bert" / "config.json").read_text())


SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Two men pushed carts through the woods.",
    "A man is riding a white horse on an enclosed ground.",
    "A monkey is playing drums.",
    "Someone in a gorilla costume is playing a set of drums.",
    "BREAKING: Flood waters reach the city centre, residents told to stay indoors!!!",
    "This photo of a shark swimming on the highway is FAKE. #hurricane #fakenews",
    "Just landed in Paris ✈️ can't wait to see the Eiffel Tower 🗼😍",
    "I love this so much 😂😂😂",
    "🔥🔥🔥",
    "👍🏽 👨‍👩‍👧‍👦 🇫🇷",
    "@john_doe check this out https://example.com/news?id=42",
    "Café au lait, naïve résumé, Ångström.",
    "ＦＵＬＬ－ＷＩＤＴＨ ｔｅｘｔ １２３",
    "Numbers: 3.14159, 2,718, 1e-9 and 42%.",
    "今天天气很好，我们去公园散步吧。",
    "北京时间今天下午发生了一场地震，目前没有人员伤亡的报道。",
    "这张照片是假的！不要相信谣言。",
    "我爱自然语言处理",
    "转发微博：紧急求助，请大家帮忙扩散！",
    "Mixed 中文 and English text together.",
    "東京の天気は晴れです。",
    "서울은 한국의 수도입니다.",
    "Привет, как дела?",
    "مرحبا بالعالم",
    "",
    "   leading and trailing spaces   ",
    "tabs\tand\tnewlines-free text",
    "ALL CAPS SENTENCE ABOUT POLITICS",
    "lowercase sentence about sports and football",
    "A very long sentence " + "that keeps going and going " * 20 + "until it ends.",
    "Short.",
    "?",
    "The stock market crashed today, experts say recovery will take years.",
    "Scientists discover water on Mars, NASA confirms.",
    "Cute puppy playing in the snow ❄️🐶",
    "Worst service ever, never coming back. 😡",
    "Best pizza in town! Highly recommend 🍕",
    "The president signed the new bill into law on Tuesday.",
    "Vaccines cause autism, says viral post (false).",
    "Earthquake of magnitude 6.1 strikes off the coast.",
    "Who else is watching the game tonight?",
    "Sunset over the ocean 🌅 #nofilter",
    "1234567890",
    "The end.",
]


def minilm(directory):
    from sentence_transformers import SentenceTransformer
    assert len(SENTENCES) == 50
    (OUT / "minilm-sentences.txt").write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    model = SentenceTransformer(str(directory), device="cpu")
    embeddings = model.encode(SENTENCES, normalize_embeddings=True, convert_to_tensor=True, batch_size=16)
    features = model.tokenize(SENTENCES)
    save_file({
        "embeddings": embeddings.float().contiguous(),
        "input_ids": features["input_ids"].float().contiguous(),
        "attention_mask": features["attention_mask"].float().contiguous(),
    }, str(OUT / "minilm-reference.safetensors"), metadata={"max_seq_length": str(model.max_seq_length)})


if __name__ == "__main__":
    tiny_models()
    default = Path(os.environ.get("MMFUSION_CACHE", Path.home() / ".cache" / "mmfusion")) / "all-MiniLM-L6-v2"
    directory = Path(sys.argv[sys.argv.index("--minilm") + 1]) if "--minilm" in sys.argv else default
    minilm(directory)
