"""Reference outputs for the DeBERTa-v2/v3 encoder and its SentencePiece-unigram tokenizer
(Tests/EncodersTests/DebertaParityTests.swift, DebertaTokenizerTests.swift).

Writes:
  Tests/Fixtures/deberta/tiny-deberta-v3/   a 2-layer random DebertaV2Model, v3 layout (relative attention,
                                            p2c + c2p, share_att_key, 8 log buckets over 16 positions,
                                            norm_rel_ebd layer_norm, no absolute positions, no token types)
  Tests/Fixtures/deberta/tiny-deberta-v2/   the v2 layout (pos_key_proj / pos_query_proj, absolute positions,
                                            token types, embed_proj, no relative-table norm, no buckets)
  Tests/Fixtures/deberta/<name>.safetensors inputs (ids, mask, token types as float32), every hidden state and the
                                            gradients of sum(last_hidden_state * probe) w.r.t. the word embeddings
                                            and layer 1's query projection (float64 forward, stored float32)
  Tests/Fixtures/deberta/buckets.json       make_log_bucket_position for a few (bucket, max) settings
  Tests/Fixtures/tokenizers/deberta/tokenizer.json
                                            a Unigram vocabulary trained on the tokenizer corpus, wrapped by
                                            transformers' DebertaV2Tokenizer (Metaspace, [CLS] $A [SEP] template)
  Tests/Fixtures/tokenizers/expected_deberta.json
                                            its encodings of the shared hard-string corpus (see tokenizers.py)

Run: /work/V/bin/python Tests/Fixtures/generate/deberta.py
"""
import importlib.util
import json
import os
import sys
from pathlib import Path

# This folder holds a tokenizers.py of its own; keep it from shadowing the `tokenizers` package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch
from safetensors.torch import save_file
from transformers import DebertaV2Config, DebertaV2Model, DebertaV2Tokenizer
from transformers.models.deberta_v2.modeling_deberta_v2 import make_log_bucket_position

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "deberta"
OUT.mkdir(parents=True, exist_ok=True)

BASE = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            hidden_act="gelu", max_position_embeddings=64, layer_norm_eps=1e-7, pad_token_id=0)
V3 = dict(BASE, relative_attention=True, pos_att_type=["p2c", "c2p"], position_buckets=8, max_relative_positions=16,
          share_att_key=True, norm_rel_ebd="layer_norm", position_biased_input=False, type_vocab_size=0)
V2 = dict(BASE, relative_attention=True, pos_att_type=["c2p", "p2c"], position_buckets=-1, max_relative_positions=12,
          share_att_key=False, norm_rel_ebd="none", position_biased_input=True, type_vocab_size=2, embedding_size=24)


def batch(seed, lengths, width, type_vocab):
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros((len(lengths), width), dtype=torch.long)
    mask = torch.zeros((len(lengths), width), dtype=torch.long)
    types = torch.zeros((len(lengths), width), dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(1, 99, (n,), generator=g)
        mask[row, :n] = 1
        if type_vocab > 1:
            types[row, n // 2:n] = 1
    return ids, mask, types


def randomize_norms(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or name.endswith(".bias"):
                p.add_(0.1 * torch.randn(p.shape, generator=g))


def reference(name, settings, seed, lengths, width):
    torch.manual_seed(seed)
    model = DebertaV2Model(DebertaV2Config(**settings)).eval()
    randomize_norms(model, seed + 100)
    model.save_pretrained(OUT / name)
    ids, mask, types = batch(seed + 1, lengths, width, settings["type_vocab_size"])
    model = model.double()
    probe = torch.randn(ids.shape + (settings["hidden_size"],), generator=torch.Generator().manual_seed(7),
                        dtype=torch.float64)
    out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
    (out.last_hidden_state * probe).sum().backward()
    tensors = {
        "input_ids": ids.float(), "attention_mask": mask.float(), "token_type_ids": types.float(),
        "probe": probe.float(),
        "grad.word_embeddings": model.embeddings.word_embeddings.weight.grad.float(),
        "grad.layer1.query_proj.weight": model.encoder.layer[1].attention.self.query_proj.weight.grad.float(),
        "grad.rel_embeddings": model.encoder.rel_embeddings.weight.grad.float(),
    }
    for i, h in enumerate(out.hidden_states):
        tensors[f"hidden_states.{i}"] = h.float()
    save_file({k: v.detach().contiguous() for k, v in tensors.items()}, str(OUT / f"{name}.safetensors"))


def buckets():
    deltas = torch.arange(-600, 601)
    result = []
    for bucket, maximum in ((8, 16), (16, 64), (256, 512), (32, 128)):
        values = make_log_bucket_position(deltas, bucket, maximum).long().tolist()
        result.append({"bucket": bucket, "max": maximum, "first": -600, "values": values})
    with open(OUT / "buckets.json", "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


def tokenizer():
    spec = importlib.util.spec_from_file_location("fixture_tokenizers", HERE / "tokenizers.py")
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    out = os.path.join(shared.ROOT, "deberta")
    os.makedirs(out, exist_ok=True)
    # Unigram training is not reproducible across runs: the committed vocabulary is reused;
    # delete tokenizer.json to train again.
    saved = os.path.join(out, "tokenizer.json")
    if os.path.exists(saved):
        with open(saved, encoding="utf-8") as f:
            vocab = [tuple(entry) for entry in json.load(f)["model"]["vocab"]]
    else:
        trainer_model = Tokenizer(models.Unigram())
        trainer_model.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        trainer = trainers.UnigramTrainer(vocab_size=1200, special_tokens=["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"],
                                          unk_token="[UNK]", show_progress=False)
        trainer_model.train_from_iterator(shared.training_text(), trainer)
        vocab = [tuple(entry) for entry in json.loads(trainer_model.to_str())["model"]["vocab"]]
    reference = DebertaV2Tokenizer(vocab=vocab, unk_token="[UNK]", unk_id=3)
    reference.backend_tokenizer.save(os.path.join(out, "tokenizer.json"), pretty=False)
    shared.write_json(os.path.join(shared.ROOT, "expected_deberta.json"), shared.encode_all(reference, 64))


EMBED_TEXTS = ["Hello, world! This is a simple sentence.", "", "Breaking news: 3.14159 of people   paid $19.99",
               "short", "A much longer line of text that runs past the log bucket border of the tiny model, twice."]


def embedder_reference():
    """tiny-deberta-v3-embed/: a v3-layout model over the unigram vocabulary plus its tokenizer files;
    embed.safetensors: mean-pooled last layer and [CLS] of layer 1 for EMBED_TEXTS."""
    folder = OUT / "tiny-deberta-v3-embed"
    tokenizer = DebertaV2Tokenizer.from_pretrained(HERE.parent / "tokenizers" / "deberta")
    torch.manual_seed(5)
    model = DebertaV2Model(DebertaV2Config(**dict(V3, vocab_size=len(tokenizer)))).eval()
    randomize_norms(model, 105)
    model.save_pretrained(folder)
    tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"), pretty=False)
    batch = tokenizer(EMBED_TEXTS, padding="longest", return_tensors="pt")
    with torch.no_grad():
        out = model.double()(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                             output_hidden_states=True)
    mask = batch["attention_mask"].double().unsqueeze(-1)
    mean = (out.hidden_states[-1] * mask).sum(1) / mask.sum(1)
    save_file({"mean_last": mean.float().contiguous(), "cls_layer1": out.hidden_states[1][:, 0].float().contiguous()},
              str(OUT / "embed.safetensors"))
    with open(OUT / "embed_texts.txt", "w", encoding="utf-8") as f:
        f.write("".join(text + "\n" for text in EMBED_TEXTS))


if __name__ == "__main__":
    reference("tiny-deberta-v3", V3, 0, [20, 13, 5], 20)
    reference("tiny-deberta-v2", V2, 1, [11, 7, 3], 11)
    buckets()
    tokenizer()
    embedder_reference()
