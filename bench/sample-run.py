"""Writes a sample run directory with the files of the run-directory contract
(docs/reports.md), for looking at the report before a trainer has produced a real run:
4 classes, 400 test posts whose fused vectors form noisy clusters, training curves,
calibration-style probabilities, modality weights and attention maps, and a JSONL
dataset with images so the attention figures show real posts.

Usage: python bench/sample-run.py <out-dir> [image-file]
Needs numpy and safetensors.
"""
import json
import os
import shutil
import sys

import numpy as np
from safetensors.numpy import save_file

root = sys.argv[1]
image = sys.argv[2] if len(sys.argv) > 2 else None
repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.default_rng(0)
labels_names = ["fake", "real", "satire", "misleading"]
run, store, data = (os.path.join(root, name) for name in ("run", "features", "data"))
for folder in (run, store, os.path.join(data, "images")):
    os.makedirs(folder, exist_ok=True)
image = image or os.path.join(repository, "Tests/Fixtures/images/photo_500x375.jpg")
shutil.copy(image, os.path.join(data, "images", "photo.jpg"))

count, width = 400, 32
labels = rng.integers(0, 4, count)
words = ["breaking", "news", "the", "president", "said", "today", "that", "photo", "shows", "flood", "in", "city",
         "scientists", "confirm", "new", "study", "unbelievable", "you", "won't", "believe", "this"]
with open(os.path.join(data, "posts.jsonl"), "w") as handle:
    for row in range(count):
        text = " ".join(rng.choice(words, rng.integers(6, 14)))
        handle.write(json.dumps({"id": f"post{row}", "text": text, "image": "images/photo.jpg",
                                 "label": labels_names[labels[row]], "split": "test"}) + "\n")
manifest = {"format": 1, "dataset": "jsonl:" + os.path.join(data, "posts.jsonl")}
json.dump(manifest, open(os.path.join(store, "manifest.json"), "w"))

tokenizer = os.path.join(repository, "Tests/Fixtures/tokenizers/minilm")
sidecar = {
    "format": 1, "model": "hglnet", "configuration": {"hidden_size": 256, "heads": 4, "dropout": 0.1},
    "label_names": labels_names, "features": ["text.cls_layers", "image.grid"], "feature_store": store,
    "encoders": [{"role": "text", "kind": "bert", "path": tokenizer, "settings": {"max_length": "24", "pooling": "cls"},
                  "fileHashes": {"model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"}},
                 {"role": "image", "kind": "efficientnet-lite0", "path": "~/.cache/mmfusion/efficientnet-lite0",
                  "settings": {"preprocessing": "imagenet"},
                  "fileHashes": {"model.safetensors": "9b9c8d3f2e1a0b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4"}}],
    "seed": 1, "ablations": [], "hyperparameters": {"optimizer": "adamw", "learning_rate": 0.001, "batch_size": 64, "epochs": 20},
    "created": "2026-11-23T21:00:00Z", "best_epoch": 14, "temperature": 1.0,
}
json.dump(sidecar, open(os.path.join(run, "run.json"), "w"), indent=1)
json.dump({"model": "hglnet", "epochs": 20, "seed": 1, "learning_rate": 0.001}, open(os.path.join(run, "config.json"), "w"))
with open(os.path.join(run, "history.jsonl"), "w") as handle:
    for epoch in range(1, 21):
        train = 1.4 * np.exp(-epoch / 6) + 0.15 + rng.normal(0, 0.01)
        val = 1.4 * np.exp(-epoch / 7) + 0.3 + 0.004 * max(0, epoch - 14) ** 2 + rng.normal(0, 0.015)
        accuracy = 0.85 - 0.5 * np.exp(-epoch / 5) + rng.normal(0, 0.01)
        handle.write(json.dumps({"epoch": epoch, "step": epoch * 50, "train_loss": train, "val_loss": val,
                                 "val_accuracy": accuracy, "val_macro_f1": accuracy - 0.03,
                                 "learning_rate": 0.001 * 0.5 * (1 + np.cos(np.pi * epoch / 20)), "seconds": 2.1}) + "\n")

centres = rng.normal(0, 3, (4, width))
fused = centres[labels] + rng.normal(0, 7.0, (count, width))
logits = fused @ centres.T / 6
probabilities = np.exp(logits - logits.max(1, keepdims=True))
probabilities /= probabilities.sum(1, keepdims=True)
predicted = probabilities.argmax(1)
with open(os.path.join(run, "predictions-test.jsonl"), "w") as handle:
    for row in range(count):
        handle.write(json.dumps({"id": f"post{row}", "label": labels_names[labels[row]],
                                 "predicted": labels_names[predicted[row]], "probabilities": probabilities[row].tolist()}) + "\n")
with open(os.path.join(run, "predictions-val.jsonl"), "w") as handle:
    val_labels = rng.integers(0, 4, 200)
    val_logits = (centres[val_labels] + rng.normal(0, 7.0, (200, width))) @ centres.T / 6
    val_p = np.exp(val_logits - val_logits.max(1, keepdims=True))
    val_p /= val_p.sum(1, keepdims=True)
    for row in range(200):
        handle.write(json.dumps({"id": f"val{row}", "label": int(val_labels[row]), "predicted": int(val_p[row].argmax()),
                                 "probabilities": val_p[row].tolist()}) + "\n")

confusion = np.zeros((4, 4), dtype=int)
for t, p in zip(labels, predicted):
    confusion[t, p] += 1
per_class = []
for index, name in enumerate(labels_names):
    tp = confusion[index, index]
    precision = tp / max(confusion[:, index].sum(), 1)
    recall = tp / max(confusion[index].sum(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    per_class.append({"label": name, "precision": precision, "recall": recall, "f1": f1, "support": int(confusion[index].sum())})
metrics = {"accuracy": float((predicted == labels).mean()), "macro_f1": float(np.mean([c["f1"] for c in per_class])),
           "weighted_f1": float(sum(c["f1"] * c["support"] for c in per_class) / count), "per_class": per_class,
           "confusion_matrix": confusion.tolist()}
json.dump(metrics, open(os.path.join(run, "metrics.json"), "w"), indent=1)
sidecar["metrics"] = metrics
json.dump(sidecar, open(os.path.join(run, "run.json"), "w"), indent=1)

text_weight = np.clip(rng.beta(4, 3, count), 0, 1)
text_attention = rng.dirichlet(np.ones(24) * 0.5, count)
grid = np.zeros((count, 7, 7))
for row in range(count):
    cy, cx = rng.uniform(1, 5, 2)
    y, x = np.mgrid[0:7, 0:7]
    grid[row] = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 3)
grid /= grid.sum((1, 2), keepdims=True)
save_file({"fused": fused.astype(np.float32), "modality_weights": np.stack([text_weight, 1 - text_weight], 1).astype(np.float32),
           "gate": rng.beta(2, 5, (count, 1)).astype(np.float32), "text_attention": text_attention.astype(np.float32),
           "image_attention": grid.reshape(count, 49).astype(np.float32)},
          os.path.join(run, "intermediates-test.safetensors"))
print(run)
