"""Plain NumPy references the peer harness shares: the learning-rate schedules and the 2-D test
functions of Attention Lab (written again from their definitions, not imported), and Tiger's
reference semantics from docs/science.md §3 in float64.

Nothing here calls Attention Lab: these are the independent side of the comparison.
"""
from __future__ import annotations

import math

import numpy as np


# --- learning-rate schedules (src/engine/optim/schedule.ts documents the same formulas) ---

def warmup_cosine(step: int, total: int, warmup: int, min_factor: float) -> float:
    """Linear warmup (s + 1)/W over steps 0..W-1, then a half cosine from 1 at step W-1 down to
    min_factor at the last step total-1."""
    if step < warmup:
        return (step + 1) / warmup
    start = max(warmup - 1, 0)
    span = total - 1 - start
    if span <= 0:
        return 1.0 if step <= start else min_factor
    p = min((step - start) / span, 1.0)
    return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * p))


def piecewise(step: int, points: dict[int, float]) -> float:
    """Tiger's schedule: linear through the {step: factor} points, from (0, 0) unless a point at 0
    is given, constant after the last point."""
    pts = sorted(points.items())
    if pts[0][0] != 0:
        pts.insert(0, (0, 0.0))
    prev = pts[0]
    for nxt in pts[1:]:
        if step <= nxt[0]:
            return prev[1] + (nxt[1] - prev[1]) * (step - prev[0]) / (nxt[0] - prev[0])
        prev = nxt
    return prev[1]


def schedule_factors(schedule: dict, total: int) -> list[float]:
    """The factor of every step 0..total-1 for a schedule in Attention Lab's JSON form."""
    kind = schedule["kind"]
    if kind == "constant":
        return [1.0] * total
    if kind == "warmup-cosine":
        return [warmup_cosine(s, total, schedule["warmupSteps"], schedule["minFactor"]) for s in range(total)]
    if kind == "piecewise":
        pts = {int(k): float(v) for k, v in schedule["points"].items()}
        return [piecewise(s, pts) for s in range(total)]
    raise ValueError(f"unknown schedule kind {kind!r}")


# --- the 2-D test functions of `attention-lab trace` (src/core/trace/testFunctions.ts) ---

def _rosenbrock(x, y):
    return (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x))


def _beale(x, y):
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y * y
    c = 2.625 - x + x * y ** 3
    return (2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1), 2 * a * x + 2 * b * (2 * x * y) + 2 * c * (3 * x * y * y))


def _quadratic(x, y):
    return (x, 25 * y)


def _himmelblau(x, y):
    a = x * x + y - 11
    b = x + y * y - 7
    return (4 * x * a + 2 * b, 2 * a + 4 * y * b)


def _saddle(x, y):
    return (x, y ** 3 - y)


TEST_FUNCTIONS = {
    # name: (gradient, standard start point)
    "rosenbrock": (_rosenbrock, (-1.2, 1.0)),
    "beale": (_beale, (1.0, 1.5)),
    "quadratic": (_quadratic, (-4.0, 2.0)),
    "himmelblau": (_himmelblau, (-1.0, -1.0)),
    "saddle": (_saddle, (-2.0, 0.01)),
}


# --- Tiger, reference semantics (docs/science.md §3), float64 ---

HALF_STEP_KINDS = ("bias", "norm-gain", "norm-bias")


class TigerReference:
    """Tiger as the reference implementation defines it, one parameter dict at a time.

    t counts from 0; b1 = beta if t mod k == 0 else 1; b2 = (1 - beta)/k; m <- b1 m + b2 g;
    the update theta <- theta - eta_eff (sign(m) + lambda theta) happens only when (t + 1) mod k == 0,
    with eta_eff = 0.5 eta_t and lambda = 0 for biases and LayerNorm parameters, eta_t RMS(theta)
    per row (last axis) for embeddings and over the whole tensor otherwise. A gradient with a NaN
    leaves m unchanged and shrinks theta <- (theta - c) s + c (c = 1 for LayerNorm gains).
    """

    def __init__(self, params: dict[str, np.ndarray], kinds: dict[str, str], beta: float, weight_decay: float, accumulate: int, shrink: float):
        self.theta = {k: np.asarray(v, dtype=np.float64).copy() for k, v in params.items()}
        self.kinds = kinds
        self.m = {k: np.zeros_like(v) for k, v in self.theta.items()}
        self.beta, self.wd, self.k, self.shrink = beta, weight_decay, accumulate, shrink

    def step(self, t: int, lr_t: float, grads: dict[str, np.ndarray]) -> None:
        b1 = self.beta if t % self.k == 0 else 1.0
        b2 = (1 - self.beta) / self.k
        lr = lr_t if (t + 1) % self.k == 0 else 0.0
        for name, theta in self.theta.items():
            g = np.asarray(grads[name], dtype=np.float64)
            kind = self.kinds[name]
            if not np.all(np.isfinite(g)):
                c = 1.0 if kind == "norm-gain" else 0.0
                self.theta[name] = (theta - c) * self.shrink + c
                continue
            self.m[name] = b1 * self.m[name] + b2 * g
            if lr == 0:
                continue
            if kind in HALF_STEP_KINDS:
                eta, wd = 0.5 * lr, 0.0
            elif kind == "embedding":
                eta, wd = lr * np.sqrt(np.mean(theta * theta, axis=-1, keepdims=True)), self.wd
            else:
                eta, wd = lr * np.sqrt(np.mean(theta * theta)), self.wd
            self.theta[name] = theta - eta * (np.sign(self.m[name]) + wd * theta)
