"""Writes the checkpoint-format fixtures under Tests/Fixtures/checkpoints/.

Run from the repository root:  python Tests/Fixtures/generate/checkpoints.py
Needs torch, safetensors and numpy. Deterministic (fixed seeds); outputs are small. The
legacy-format files differ between runs only in their storage keys (torch uses memory
addresses there); their tensors do not.

Files written:
  python_dtypes.safetensors / .json   tensors of every dtype, written by the `safetensors`
                                      library; the JSON holds each tensor's dtype, shape and
                                      values as float32 (what the Swift reader must return).
  sharded/                            a Hugging Face style sharded checkpoint
                                      (model.safetensors.index.json + two shards) and
                                      sharded.json with the expected tensors.
  torch_zip.pt, torch_legacy.pt,      torch.save of one state dict (every dtype, a parameter, a
  torch_protocol4.pt                  transposed tensor, views sharing a storage, an expanded
                                      tensor) in the zip format, the legacy format
                                      (_use_new_zipfile_serialization=False) and with pickle
                                      protocol 4.
  torch_nested.pt, _legacy.pt         {"epoch": 3, ..., "state_dict": OrderedDict} in both formats.
  torch_model_key.pt                  {"model": state dict, "step": 10}.
  torch_expected.json                 the expected tensors of the state dict.
  torch_deflated.pt                   torch_zip.pt re-zipped with deflate (must be refused).
  torch_malicious.pt                  a zip checkpoint whose pickle calls os.system (must be
                                      refused without running anything).
  sharded_bin/                        the sharded checkpoint as torch.save shards with
                                      pytorch_model.bin.index.json.
"""
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "checkpoints")


def expected_entry(tensor, dtype_name):
    values = tensor.detach().to(torch.float64).contiguous().reshape(-1)
    # What a Float32 reader must produce: the stored value rounded to float32.
    values = values.to(torch.float32).tolist()
    return {"dtype": dtype_name, "shape": list(tensor.shape), "values": values}


def write_json(path, payload):
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=1, sort_keys=True)
        handle.write("\n")


def safetensors_fixtures():
    generator = torch.Generator().manual_seed(20261123)
    tensors = {
        "float32.matrix": torch.randn(3, 4, generator=generator),
        "float16.vector": (torch.randn(7, generator=generator) * 10).to(torch.float16),
        "bfloat16.cube": torch.randn(2, 2, 3, generator=generator).to(torch.bfloat16),
        "float64.row": torch.randn(1, 5, generator=generator, dtype=torch.float64),
        "int64.ids": torch.tensor([[0, -3, 7], [123456, -99, 2 ** 20]], dtype=torch.int64),
        "int32.values": torch.tensor([-2 ** 20, 5, 0, 77], dtype=torch.int32),
        "int16.values": torch.tensor([-32768, 32767, 12], dtype=torch.int16),
        "int8.values": torch.tensor([-128, 127, 0, -1], dtype=torch.int8),
        "uint8.pixels": torch.tensor([[0, 255], [17, 128]], dtype=torch.uint8),
        "bool.mask": torch.tensor([True, False, False, True, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    names = {
        torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
        torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
        torch.uint8: "U8", torch.bool: "BOOL",
    }
    path = os.path.join(ROOT, "python_dtypes.safetensors")
    save_file(tensors, path, metadata={"format": "pt", "source": "checkpoints.py"})
    write_json(os.path.join(ROOT, "python_dtypes.json"),
               {name: expected_entry(t, names[t.dtype]) for name, t in tensors.items()})


def fixed_time(name, compression=zipfile.ZIP_STORED):
    """A zip entry header with a fixed timestamp, so the archive is reproducible."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = compression
    return info


def torch_state_dict():
    generator = torch.Generator().manual_seed(7)
    shared = torch.randn(4, 4, generator=generator)
    state = OrderedDict()
    state["linear.weight"] = torch.randn(3, 4, generator=generator)
    state["linear.bias"] = torch.nn.Parameter(torch.randn(3, generator=generator))
    state["half"] = torch.randn(2, 3, generator=generator).to(torch.float16)
    state["bfloat16"] = torch.randn(5, generator=generator).to(torch.bfloat16)
    state["ids"] = torch.tensor([[3, -1, 2 ** 40], [0, 7, -123456]], dtype=torch.int64)
    state["mask"] = torch.tensor([True, False, True])
    state["double"] = torch.randn(2, 2, generator=generator, dtype=torch.float64)
    state["transposed"] = torch.randn(3, 5, generator=generator).t()  # strides (1, 5)
    state["shared.base"] = shared
    state["shared.row"] = shared[2]  # storage offset 8
    state["shared.column"] = shared[:, 1]  # storage offset 1, stride 4
    state["shared.block"] = shared[1:3, 2:4]  # offset 6, strides (4, 1)
    state["expanded"] = torch.randn(3, 1, generator=generator).expand(3, 4)  # stride 0
    state["scalar"] = torch.tensor(3.5)
    state["empty"] = torch.zeros(0, 2)
    return state


def torch_fixtures():
    state = torch_state_dict()
    torch.save(state, os.path.join(ROOT, "torch_zip.pt"))
    torch.save(state, os.path.join(ROOT, "torch_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(state, os.path.join(ROOT, "torch_protocol4.pt"), pickle_protocol=4)
    nested = {
        "epoch": 3,
        "best_accuracy": 0.875,
        "name": "fusion-run",
        "optimizer": {"lr": 0.001, "betas": (0.9, 0.999)},
        "state_dict": OrderedDict((name, state[name]) for name in ["linear.weight", "linear.bias", "ids"]),
    }
    torch.save(nested, os.path.join(ROOT, "torch_nested.pt"))
    torch.save(nested, os.path.join(ROOT, "torch_nested_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save({"model": nested["state_dict"], "step": 10}, os.path.join(ROOT, "torch_model_key.pt"))
    write_json(os.path.join(ROOT, "torch_expected.json"),
               {name: expected_entry(t, str(t.dtype)) for name, t in state.items()})

    # The zip checkpoint re-packed with deflate: the reader must refuse it clearly.
    with zipfile.ZipFile(os.path.join(ROOT, "torch_zip.pt")) as source, \
            zipfile.ZipFile(os.path.join(ROOT, "torch_deflated.pt"), "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(fixed_time(info.filename, zipfile.ZIP_DEFLATED), source.read(info.filename))

    # A zip checkpoint whose data.pkl calls os.system: the reader must refuse the global.
    evil = b"\x80\x02cos\nsystem\nX\x1a\x00\x00\x00echo should-never-run >&2q\x00\x85R."
    with zipfile.ZipFile(os.path.join(ROOT, "torch_malicious.pt"), "w", zipfile.ZIP_STORED) as target:
        target.writestr(fixed_time("archive/data.pkl"), evil)
        target.writestr(fixed_time("archive/byteorder"), "little")
        target.writestr(fixed_time("archive/version"), "3\n")


def sharded_fixtures():
    generator = torch.Generator().manual_seed(11)
    tensors = {
        "embeddings.weight": torch.randn(5, 3, generator=generator),
        "encoder.layer.0.weight": torch.randn(3, 3, generator=generator),
        "encoder.layer.0.bias": torch.randn(3, generator=generator),
        "head.weight": torch.randn(2, 3, generator=generator).to(torch.float16),
    }
    shards = {
        "model-00001-of-00002.safetensors": ["embeddings.weight", "encoder.layer.0.weight"],
        "model-00002-of-00002.safetensors": ["encoder.layer.0.bias", "head.weight"],
    }
    folder = os.path.join(ROOT, "sharded")
    os.makedirs(folder, exist_ok=True)
    weight_map = {}
    for shard, names in shards.items():
        save_file({name: tensors[name] for name in names}, os.path.join(folder, shard), metadata={"format": "pt"})
        weight_map.update({name: shard for name in names})
    total = sum(t.numel() * t.element_size() for t in tensors.values())
    write_json(os.path.join(folder, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})

    bin_folder = os.path.join(ROOT, "sharded_bin")
    os.makedirs(bin_folder, exist_ok=True)
    bin_map = {}
    for shard, names in shards.items():
        bin_name = shard.replace("model-", "pytorch_model-").replace(".safetensors", ".bin")
        torch.save({name: tensors[name] for name in names}, os.path.join(bin_folder, bin_name))
        bin_map.update({name: bin_name for name in names})
    write_json(os.path.join(bin_folder, "pytorch_model.bin.index.json"),
               {"metadata": {"total_size": total}, "weight_map": bin_map})
    write_json(os.path.join(ROOT, "sharded_expected.json"),
               {name: expected_entry(t, str(t.dtype)) for name, t in tensors.items()})


def main():
    os.makedirs(ROOT, exist_ok=True)
    np.random.seed(0)
    torch.manual_seed(0)
    safetensors_fixtures()
    torch_fixtures()
    sharded_fixtures()


if __name__ == "__main__":
    main()
