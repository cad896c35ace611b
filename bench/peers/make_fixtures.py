"""Writes the peer fixtures under test/fixtures/peers/ and checks Attention Lab's checkpoints in
PyTorch. Run through `node bench/peers/run.mjs fixtures` (which first writes the checkpoints with
the Attention Lab CLI), or directly once those exist:

    bench/peers/setup.sh && bench/peers/.venv/bin/python bench/peers/make_fixtures.py

Writes:
- optimizers.safetensors  trajectories of torch/optax AdamW, lion-pytorch/optax Lion,
                          pytorch_optimizer Tiger and the NumPy Tiger reference (optimizer_fixtures.py)
- attention.safetensors   float64 PyTorch attention references (attention_fixtures.py)
- checkpoint-<name>.torch.json  logits of each Attention Lab checkpoint loaded into the PyTorch
                          module, after asserting they match the logits Attention Lab recorded
- versions.json           what produced all of this
"""
from __future__ import annotations

import glob
import json
import os
import platform
import sys

import jax
import lion_pytorch  # noqa: F401  (version below)
import numpy as np
import optax
import safetensors
import torch
from importlib.metadata import version
from safetensors import safe_open
from safetensors.numpy import save_file

import attention_fixtures
import optimizer_fixtures
from attention_lab_torch import AttentionLabTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "test", "fixtures", "peers")
# Attention Lab's logits vs the float32 PyTorch module on the same checkpoint.
CHECKPOINT_TOLERANCE = 1e-4


def versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "jax": jax.__version__,
        "optax": optax.__version__,
        "lion-pytorch": version("lion-pytorch"),
        "pytorch_optimizer": version("pytorch_optimizer"),
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
    }


def save(name: str, tensors: dict[str, np.ndarray], meta: dict, producer: str) -> None:
    path = os.path.join(OUT, name)
    tmp = path + ".tmp"
    metadata = {k: json.dumps(v) for k, v in meta.items()}
    metadata["producedBy"] = f"bench/peers/{producer} via bench/peers/make_fixtures.py"
    metadata["versions"] = json.dumps(versions())
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp, metadata=metadata)
    os.replace(tmp, path)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) // 1024} KB, {len(tensors)} tensors)")


def check_checkpoints() -> list[str]:
    """Each checkpoint-<name>.safetensors that Attention Lab wrote: load with safetensors, build
    the PyTorch module from its runConfig, compare logits with ours, record the PyTorch logits."""
    report = []
    files = sorted(glob.glob(os.path.join(OUT, "checkpoint-*.safetensors")))
    if not files:
        raise SystemExit("no test/fixtures/peers/checkpoint-*.safetensors: run `node bench/peers/run.mjs fixtures` to write them first")
    for path in files:
        stem = path[: -len(".safetensors")]
        ours = json.load(open(stem + ".ours.json"))
        with safe_open(path, framework="pt") as f:
            meta = f.metadata()
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        assert meta["format"] == "attention-lab-checkpoint", meta.get("format")
        cfg = json.loads(meta["runConfig"])["model"]
        model = AttentionLabTransformer(cfg)
        model.load_attention_lab(tensors)
        tokens = torch.tensor(ours["tokens"], dtype=torch.long)
        with torch.no_grad():
            logits = model(tokens)
        ours_logits = torch.tensor(ours["logits"], dtype=torch.float32)
        diff = float((logits - ours_logits).abs().max())
        name = os.path.basename(stem)
        if not diff < CHECKPOINT_TOLERANCE:
            raise SystemExit(f"{name}: PyTorch logits differ from Attention Lab's by {diff:.3g} (tolerance {CHECKPOINT_TOLERANCE})")
        optimizer_tensors = sum(1 for k in tensors if k.startswith("optimizer/"))
        with open(stem + ".torch.json", "w") as out:
            json.dump({"producedBy": "bench/peers/make_fixtures.py", "versions": versions(), "maxAbsDiffToOurs": diff,
                       "logits": logits.tolist()}, out)
            out.write("\n")
        report.append(f"{name}: loads with safetensors ({len(tensors)} tensors, {optimizer_tensors} optimizer state), "
                      f"PyTorch logits match ours within {diff:.2g}")
    return report


def check_python_dtypes_fixture() -> str:
    """test/fixtures/safetensors/python-dtypes.safetensors (written by Python safetensors, read by
    our reader in test/checkpoint/interop.test.ts): the installed safetensors still reads it the same."""
    base = os.path.join(ROOT, "test", "fixtures", "safetensors", "python-dtypes")
    expected = json.load(open(base + ".json"))["tensors"]
    with safe_open(base + ".safetensors", framework="pt") as f:
        for name, want in expected.items():
            t = f.get_tensor(name)
            assert list(t.shape) == want["shape"], name
    return f"python-dtypes.safetensors: {len(expected)} tensors read back by safetensors {safetensors.__version__}"


def main() -> None:
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    report = []
    tensors, meta, lines = optimizer_fixtures.build()
    save("optimizers.safetensors", tensors, meta, "optimizer_fixtures.py")
    report += lines
    tensors, meta, lines = attention_fixtures.build()
    save("attention.safetensors", tensors, meta, "attention_fixtures.py")
    report += lines
    report += check_checkpoints()
    report.append(check_python_dtypes_fixture())
    with open(os.path.join(OUT, "versions.json"), "w") as f:
        json.dump({"producedBy": "bench/peers/make_fixtures.py", "platform": platform.platform(), "versions": versions()}, f, indent=1)
        f.write("\n")
    print("\n".join(report))


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
