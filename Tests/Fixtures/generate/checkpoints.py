"""Writes the checkpoint-format fixtures under Tests/Fixtures/checkpoints/.

Run from the repository root:  python Tests/Fixtures/generate/checkpoints.py
Needs torch, safetensors and numpy. Deterministic (fixed seeds); outputs are small.

Files written:
  python_dtypes.safetensors / .json   tensors of every dtype, written by the `safetensors`
                                      library; the JSON holds each tensor's dtype, shape and
                                      values as float32 (what the Swift reader must return).
  sharded/                            a Hugging Face style sharded checkpoint
                                      (model.safetensors.index.json + two shards) and
                                      sharded.json with the expected tensors.
  torch_zip.pt, torch_legacy.pt       torch.save of the same state dict in the zip format and
                                      the legacy (_use_new_zipfile_serialization=False) format.
  torch_nested.pt                     {"state_dict": OrderedDict, "epoch": 3, ...} (zip format).
  torch_expected.json                 the expected tensors of the three files above.
"""
import json
import os
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


def main():
    os.makedirs(ROOT, exist_ok=True)
    np.random.seed(0)
    torch.manual_seed(0)
    safetensors_fixtures()


if __name__ == "__main__":
    main()
