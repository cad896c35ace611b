"""Attention Lab's Transformer written again in PyTorch, from its definition, to check the engine
against: same parameter names and layouts as an Attention Lab checkpoint, so a checkpoint's
tensors load into it one to one.

    tokens [B, T] -> embed.token rows [B, T, D] (+ position code)     (rseBits = 0 only)
    L x pre-LN block:  x = x + attn(LN1(x));  x = x + mlp(LN2(x))
    logits = LN_f(x) @ head.kernel                                    [B, T, V]

- dense kernels are [in, out] (y = x @ W + b); the fused qkv kernel [D, 3D] gives q, k, v as
  columns 0..D-1, D..2D-1, 2D..3D-1, each split into H heads of Dh = D/H consecutive columns;
- LayerNorm over the last axis, eps 1e-5, biased variance; GELU in its tanh form;
- attention logits of query row i are scaled by s_i: 1/sqrt(Dh) (standard), log_b(n_i)/sqrt(Dh)
  (logn), max(1, ln n_i / ln n_train)/sqrt(Dh) (logn-train), n_i = keys row i sees
  (i + 1 causal, T bidirectional); masked logits get -1e9;
- positions: learned table rows 0..T-1 added to the input, sinusoidal (sin on even, cos on odd
  dims) added, RoPE rotating dim i with i + Dh/2 ("rotate half"), randomized = sinusoidal at
  round(i (range - 1)/(T - 1)), none.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

NEG = -1e9


def visible_keys(T: int, causal: bool) -> list[int]:
    return [i + 1 if causal else T for i in range(T)]


def row_scales(cfg: dict, T: int) -> list[float]:
    dh = cfg["dModel"] // cfg["heads"]
    base = 1 / math.sqrt(dh)
    n = visible_keys(T, cfg["causal"])
    kind = cfg["attentionScaling"]
    if kind == "standard":
        return [base] * T
    if kind == "logn":
        return [math.log(k) / math.log(cfg["lognBase"]) * base for k in n]
    if kind == "logn-train":
        return [max(1.0, math.log(k) / math.log(cfg["trainLength"])) * base for k in n]
    raise ValueError(f"unknown attention scaling {kind!r}")


def positions_of(cfg: dict, T: int) -> list[int]:
    if cfg["position"] == "randomized":
        r = cfg["positionRange"]
        return [0] if T == 1 else [round(i * (r - 1) / (T - 1)) for i in range(T)]
    return list(range(T))


def sinusoidal(positions: list[int], dim: int, dtype) -> torch.Tensor:
    p = torch.tensor(positions, dtype=torch.float64)[:, None]
    j = torch.arange(dim, dtype=torch.float64)[None, :]
    angle = p / torch.pow(torch.tensor(10000.0, dtype=torch.float64), (j - j % 2) / dim)
    table = torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.to(dtype)


def rope(x: torch.Tensor, positions: list[int]) -> torch.Tensor:
    """x [B, H, T, Dh]; pairs dim i with i + Dh/2."""
    dh = x.shape[-1]
    half = dh // 2
    p = torch.tensor(positions, dtype=torch.float64)[:, None]
    i = torch.arange(half, dtype=torch.float64)[None, :]
    angle = p * torch.pow(torch.tensor(10000.0, dtype=torch.float64), -2 * i / dh)
    cos = torch.cat([torch.cos(angle)] * 2, dim=1).to(x.dtype)
    sin = torch.cat([torch.sin(angle)] * 2, dim=1).to(x.dtype)
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def param_shapes(cfg: dict) -> dict[str, tuple[int, ...]]:
    """Every parameter Attention Lab's model has for this config, in its order."""
    D, F_, V, L = cfg["dModel"], cfg["dFf"], cfg["vocabSize"], cfg["layers"]
    if cfg.get("rseBits", 0) != 0:
        raise ValueError("the PyTorch reference does not implement Random Seed Encoding (rseBits must be 0)")
    shapes = {"embed.token": (V, D)}
    if cfg["position"] == "learned":
        shapes["embed.position"] = (cfg["maxLen"], D)
    for l in range(L):
        p = f"blocks.{l}"
        shapes.update({
            f"{p}.ln1.gain": (D,), f"{p}.ln1.bias": (D,),
            f"{p}.attn.qkv.kernel": (D, 3 * D), f"{p}.attn.qkv.bias": (3 * D,),
            f"{p}.attn.out.kernel": (D, D), f"{p}.attn.out.bias": (D,),
            f"{p}.ln2.gain": (D,), f"{p}.ln2.bias": (D,),
            f"{p}.mlp.fc.kernel": (D, F_), f"{p}.mlp.fc.bias": (F_,),
            f"{p}.mlp.proj.kernel": (F_, D), f"{p}.mlp.proj.bias": (D,),
        })
    shapes.update({"lnf.gain": (D,), "lnf.bias": (D,), "head.kernel": (D, V)})
    return shapes


def forward(cfg: dict, params: dict[str, torch.Tensor], tokens: torch.Tensor, use_sdpa: bool = False):
    """Logits [B, T, V] and each layer's attention probabilities [B, H, T, T].

    use_sdpa: compute the attention output with torch's scaled_dot_product_attention (the row
    scales folded into q, scale=1) instead of the explicit softmax; the probabilities are then
    still computed explicitly, for the caller to compare.
    """
    B, T = tokens.shape
    D, H = cfg["dModel"], cfg["heads"]
    dh = D // H
    dtype = params["embed.token"].dtype
    x = params["embed.token"][tokens]  # [B, T, D]
    pos = positions_of(cfg, T)
    if cfg["position"] == "learned":
        x = x + params["embed.position"][:T]
    elif cfg["position"] in ("sinusoidal", "randomized"):
        x = x + sinusoidal(pos, D, dtype)
    scale = torch.tensor(row_scales(cfg, T), dtype=dtype)[:, None]  # [T, 1]
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool)) if cfg["causal"] else torch.ones(T, T, dtype=torch.bool)
    probs_out = []
    for l in range(cfg["layers"]):
        p = f"blocks.{l}"
        h = F.layer_norm(x, (D,), params[f"{p}.ln1.gain"], params[f"{p}.ln1.bias"], eps=1e-5)
        qkv = h @ params[f"{p}.attn.qkv.kernel"] + params[f"{p}.attn.qkv.bias"]  # [B, T, 3D]
        q, k, v = (t.reshape(B, T, H, dh).transpose(1, 2) for t in qkv.split(D, dim=-1))  # [B, H, T, Dh]
        if cfg["position"] == "rope":
            q, k = rope(q, pos), rope(k, pos)
        logits = (q @ k.transpose(-1, -2)) * scale  # [B, H, T, T]
        logits = logits.masked_fill(~allowed, NEG)
        probs = torch.softmax(logits, dim=-1)
        probs_out.append(probs)
        if use_sdpa:
            y = F.scaled_dot_product_attention(q * scale, k, v, attn_mask=allowed, scale=1.0)
        else:
            y = probs @ v  # [B, H, T, Dh]
        y = y.transpose(1, 2).reshape(B, T, D)
        x = x + y @ params[f"{p}.attn.out.kernel"] + params[f"{p}.attn.out.bias"]
        h = F.layer_norm(x, (D,), params[f"{p}.ln2.gain"], params[f"{p}.ln2.bias"], eps=1e-5)
        h = F.gelu(h @ params[f"{p}.mlp.fc.kernel"] + params[f"{p}.mlp.fc.bias"], approximate="tanh")
        x = x + h @ params[f"{p}.mlp.proj.kernel"] + params[f"{p}.mlp.proj.bias"]
    x = F.layer_norm(x, (D,), params["lnf.gain"], params["lnf.bias"], eps=1e-5)
    return x @ params["head.kernel"], probs_out


class AttentionLabTransformer(nn.Module):
    """The same model as an nn.Module: parameters keyed by Attention Lab's names ('.' -> '__',
    which ParameterDict requires), filled with `load_attention_lab` from a checkpoint's tensors."""

    def __init__(self, cfg: dict, dtype=torch.float32):
        super().__init__()
        self.cfg = dict(cfg)
        self.weights = nn.ParameterDict({
            name.replace(".", "__"): nn.Parameter(torch.zeros(shape, dtype=dtype)) for name, shape in param_shapes(cfg).items()
        })

    def named_attention_lab_params(self) -> dict[str, torch.Tensor]:
        return {k.replace("__", "."): v for k, v in self.weights.items()}

    @torch.no_grad()
    def load_attention_lab(self, tensors: dict[str, torch.Tensor]) -> None:
        """Strict: every parameter present with its shape, and no model tensor left over."""
        want = param_shapes(self.cfg)
        model_tensors = {k: v for k, v in tensors.items() if not k.startswith("optimizer/")}
        missing = sorted(set(want) - set(model_tensors))
        extra = sorted(set(model_tensors) - set(want))
        if missing or extra:
            raise ValueError(f"checkpoint does not fit the model: missing {missing}, unexpected {extra}")
        for name, shape in want.items():
            t = model_tensors[name]
            if tuple(t.shape) != shape:
                raise ValueError(f"{name}: checkpoint shape {tuple(t.shape)}, model shape {shape}")
            self.weights[name.replace(".", "__")].copy_(t)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return forward(self.cfg, self.named_attention_lab_params(), tokens)[0]
