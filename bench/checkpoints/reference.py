"""Writes what torch.load reads from a checkpoint as a Float32 safetensors file.

Usage: python reference.py <checkpoint.pt> <out.safetensors>
Prints the tensor count, total elements and torch.load's time. Part of
verify_real_checkpoints.sh.
"""
import sys
import time

import torch
from safetensors.torch import save_file

checkpoint, output = sys.argv[1], sys.argv[2]
start = time.perf_counter()
state = torch.load(checkpoint, map_location="cpu", weights_only=True)
elapsed = time.perf_counter() - start
if "state_dict" in state and not torch.is_tensor(state["state_dict"]):
    state = state["state_dict"]
tensors = {name: t.detach().to(torch.float32).contiguous() for name, t in state.items() if torch.is_tensor(t)}
save_file(tensors, output)
print(f"torch.load: {len(tensors)} tensors, {sum(t.numel() for t in tensors.values())} elements, {elapsed * 1000:.1f} ms")
