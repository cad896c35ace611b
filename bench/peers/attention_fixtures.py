"""Attention references for test/fixtures/peers/attention.safetensors.

One small two-layer model with fixed random weights (larger than the usual init, so attention
rows are far from uniform and the scalings differ visibly) and random tokens/targets, evaluated
in float64 PyTorch for standard, logn and logn-train scaling, causal and bidirectional, plus RoPE:
every layer's attention probabilities, the logits, the mean cross-entropy and the gradient of
that loss for every parameter (through attention: q, k, v and their scales). The test loads the
same weights into Attention Lab's model and compares all of it.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from attention_lab_torch import forward, param_shapes

SEED = 7
BATCH = 3
BASE = {
    "causal": True, "layers": 2, "dModel": 8, "heads": 2, "dFf": 16, "vocabSize": 7, "maxLen": 9,
    "position": "learned", "positionRange": 9, "attentionScaling": "standard",
    # log_6(n) runs from 0 to 1.23 over n = 1..9: logn is colder than standard for short rows and
    # hotter for long ones; logn-train with n_train = 4 leaves rows 0..3 alone and heats 4..8.
    "lognBase": 6, "trainLength": 4, "rseBits": 0,
}
CASES = [
    {"id": f"{scaling}-{'causal' if causal else 'bidirectional'}", "model": {**BASE, "attentionScaling": scaling, "causal": causal}}
    for scaling in ("standard", "logn", "logn-train") for causal in (True, False)
] + [{"id": "rope-logn-train-causal", "model": {**BASE, "position": "rope", "attentionScaling": "logn-train"}}]


def make_params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for name, shape in param_shapes({**BASE}).items():
        if name.endswith(".gain"):
            v = 1 + 0.1 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            v = 0.1 * rng.standard_normal(shape)
        elif name.endswith("qkv.kernel"):
            v = 1.0 * rng.standard_normal(shape)  # peaked attention rows
        else:
            v = 0.5 * rng.standard_normal(shape)
        out[name] = v.astype(np.float32)
    return out


def build() -> tuple[dict[str, np.ndarray], dict, list[str]]:
    rng = np.random.default_rng(SEED)
    params = make_params(rng)
    T = BASE["maxLen"]
    tokens = rng.integers(0, BASE["vocabSize"], size=(BATCH, T)).astype(np.int32)
    targets = rng.integers(0, BASE["vocabSize"], size=(BATCH, T)).astype(np.int32)
    tensors: dict[str, np.ndarray] = {f"params/{k}": v for k, v in params.items()}
    tensors["tokens"] = tokens
    tensors["targets"] = targets
    report = []
    for case in CASES:
        cfg = case["model"]
        wanted = param_shapes(cfg)
        p64 = {k: torch.tensor(params[k], dtype=torch.float64, requires_grad=True) for k in wanted}
        tok = torch.tensor(tokens, dtype=torch.long)
        logits, probs = forward(cfg, p64, tok)
        # The same attention through torch's own fused kernel: outputs must agree.
        logits_sdpa, _ = forward(cfg, p64, tok, use_sdpa=True)
        sdpa_diff = float((logits - logits_sdpa).detach().abs().max())
        assert sdpa_diff < 1e-10, f"{case['id']}: explicit attention and scaled_dot_product_attention differ by {sdpa_diff}"
        loss = F.cross_entropy(logits.reshape(-1, cfg["vocabSize"]), torch.tensor(targets, dtype=torch.long).reshape(-1))
        loss.backward()
        cid = case["id"]
        tensors[f"{cid}/logits"] = logits.detach().numpy().astype(np.float32)
        tensors[f"{cid}/loss"] = np.array([loss.item()], dtype=np.float64)
        for l, pr in enumerate(probs):
            tensors[f"{cid}/probs/{l}"] = pr.detach().numpy().astype(np.float32)
        for k, v in p64.items():
            tensors[f"{cid}/grad/{k}"] = v.grad.numpy().astype(np.float32)
        last = probs[-1].detach()
        ent = float(-(last * torch.log(last.clamp_min(1e-300))).sum(-1).mean())
        report.append(f"attention {cid}: loss {loss.item():.6f}, mean last-layer row entropy {ent:.3f} nats, |explicit - sdpa| {sdpa_diff:.1e}")
    meta = {"seed": SEED, "cases": CASES}
    return tensors, meta, report
