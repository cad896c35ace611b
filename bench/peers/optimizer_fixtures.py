"""Optimizer trajectories of the peers, for test/fixtures/peers/optimizers.safetensors.

Same initial parameters and the same gradient sequence (fixed seed) through torch.optim.AdamW and
optax.adamw, lion-pytorch and optax.lion, pytorch_optimizer's Tiger, and the float64 NumPy Tiger
reference; plus the 2-D test functions of `attention-lab trace` (gradients evaluated at each
framework's own float32 position). test/peers/optimizers.test.ts drives Attention Lab's optimizer
classes with the same gradients and compares.
"""
from __future__ import annotations

import numpy as np
import optax
import jax.numpy as jnp
import torch
from lion_pytorch import Lion as LionTorch
from pytorch_optimizer import Tiger as TigerPort

from reference import TEST_FUNCTIONS, TigerReference, schedule_factors

STEPS = 100
TRACE_STEPS = 150
SEED = 20240605

# Tensor shapes and the ParamKind Attention Lab gives them (Tiger treats kinds differently).
TENSORS = {
    "embed": ((5, 3), "embedding", 0.5),  # an embedding-like matrix: per-row RMS step
    "matrix": ((3, 4), "matrix", 0.5),  # a dense kernel: whole-tensor RMS step
    "bias": ((4,), "bias", 0.1),  # half step, no decay
    "gain": ((3,), "norm-gain", 0.1),  # LayerNorm gain (around 1): half step, NaN shrink towards 1
}

COSINE = {"kind": "warmup-cosine", "warmupSteps": 10, "minFactor": 0.1}
TIGER_SCHEDULE = {"kind": "piecewise", "points": {"10": 1, "80": 0.1}}
TIGER = {"name": "tiger", "lr": 1e-2, "beta": 0.965, "weightDecay": 0.05, "shrink": 0.99}

# Each case: Attention Lab's optimizer config (what the unit test builds), its schedule, which
# gradient sequence, optional ParamKind overrides, and the peers run on the same sequence.
CASES = [
    {"id": "adamw", "optimizer": {"name": "adamw", "lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": 0.1},
     "schedule": COSINE, "grads": "grads", "sources": ["torch", "optax"]},
    {"id": "lion", "optimizer": {"name": "lion", "lr": 3e-3, "beta1": 0.9, "beta2": 0.99, "weightDecay": 0.3},
     "schedule": COSINE, "grads": "grads", "sources": ["lion-pytorch", "optax"]},
    {"id": "tiger", "optimizer": TIGER, "schedule": TIGER_SCHEDULE, "grads": "grads", "sources": ["reference"]},
    # "accumulate": the reference's grad_accum_steps k, counted in micro-batches (Attention Lab's is
    # train.accumulate; the unit test drives the optimizer with micro = step mod k).
    {"id": "tiger-accumulate-nan", "optimizer": TIGER, "accumulate": 2, "schedule": TIGER_SCHEDULE,
     "grads": "grads-nan", "sources": ["reference"]},
    # pytorch_optimizer's Tiger has neither the RMS scaling nor the half step for biases nor the NaN
    # guard: theta <- theta (1 - eta lambda) - eta sign(beta m + (1 - beta) g). That is exactly Lion
    # with beta1 = beta2 = beta, and exactly our Tiger on 'bias'-kind tensors at 2 eta with lambda = 0.
    {"id": "tiger-port-as-lion", "optimizer": {"name": "lion", "lr": 1e-2, "beta1": 0.965, "beta2": 0.965, "weightDecay": 0.05},
     "schedule": TIGER_SCHEDULE, "grads": "grads", "sources": ["pytorch_optimizer"], "port": {"lrScale": 1.0, "weightDecay": 0.05}},
    {"id": "tiger-port-as-bias", "optimizer": {**TIGER, "lr": 2e-2}, "kinds": {n: "bias" for n in TENSORS},
     "schedule": TIGER_SCHEDULE, "grads": "grads", "sources": ["pytorch_optimizer"], "port": {"lrScale": 0.5, "weightDecay": 0.0}},
]

TRACE_CASES = {
    "adamw": ({"name": "adamw", "lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": 0.01}, COSINE, ["torch", "optax"]),
    "lion": ({"name": "lion", "lr": 0.02, "beta1": 0.9, "beta2": 0.99, "weightDecay": 0.1}, COSINE, ["lion-pytorch", "optax"]),
    "tiger": ({**TIGER, "lr": 0.05, "weightDecay": 0.01}, {"kind": "piecewise", "points": {"10": 1, "150": 0.1}}, ["reference"]),
}


def make_inputs():
    rng = np.random.default_rng(SEED)
    init, grads = {}, {}
    for name, (shape, kind, std) in TENSORS.items():
        base = 1.0 if kind == "norm-gain" else 0.0
        init[name] = (base + std * rng.standard_normal(shape)).astype(np.float32)
        # A persistent drift plus noise, so momentum has a direction and also changes sign.
        drift = rng.standard_normal(shape) * 0.5
        grads[name] = (drift + rng.standard_normal((STEPS, *shape))).astype(np.float32)
    nan_grads = {k: v.copy() for k, v in grads.items()}
    nan_grads["matrix"][37].flat[3] = np.nan  # one NaN entry: the whole tensor takes the guard
    nan_grads["gain"][50].flat[0] = np.nan  # a LayerNorm gain shrinks towards 1
    return init, {"grads": grads, "grads-nan": nan_grads}


def lrs_of(case_opt: dict, schedule: dict, steps: int) -> list[float]:
    return [case_opt["lr"] * f for f in schedule_factors(schedule, steps)]


def run_torch(make_opt, init, grads, lrs):
    params = {k: torch.tensor(v.copy()) for k, v in init.items()}
    opt = make_opt(list(params.values()))
    traj = {k: [v.copy()] for k, v in init.items()}
    for t, lr in enumerate(lrs):
        for g in opt.param_groups:
            g["lr"] = lr
        for k, p in params.items():
            p.grad = torch.tensor(grads[k][t])
        opt.step()
        for k, p in params.items():
            traj[k].append(p.detach().numpy().copy())
    return {k: np.stack(v) for k, v in traj.items()}


def run_optax(make_opt, init, grads, lrs):
    lr_table = jnp.asarray(np.array(lrs, dtype=np.float32))
    opt = make_opt(lambda count: lr_table[count])
    params = {k: jnp.asarray(v) for k, v in init.items()}
    state = opt.init(params)
    traj = {k: [v.copy()] for k, v in init.items()}
    for t in range(len(lrs)):
        g = {k: jnp.asarray(grads[k][t]) for k in params}
        updates, state = opt.update(g, state, params)
        params = optax.apply_updates(params, updates)
        for k in params:
            traj[k].append(np.asarray(params[k]))
    return {k: np.stack(v) for k, v in traj.items()}


def run_tiger_reference(cfg, kinds, init, grads, lrs, accumulate=1):
    ref = TigerReference(init, kinds, cfg["beta"], cfg["weightDecay"], accumulate, cfg["shrink"])
    traj = {k: [v.astype(np.float64)] for k, v in init.items()}
    for t, lr in enumerate(lrs):
        ref.step(t, lr, {k: grads[k][t] for k in init})
        for k in init:
            traj[k].append(ref.theta[k].copy())
    return {k: np.stack(v).astype(np.float32) for k, v in traj.items()}


def peer_runner(source: str, case: dict):
    """A function (init, grads, lrs) -> trajectories for one peer of a case."""
    o = case["optimizer"]
    if source == "torch":
        return lambda i, g, l: run_torch(lambda ps: torch.optim.AdamW(ps, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weightDecay"]), i, g, l)
    if source == "optax" and o["name"] == "adamw":
        return lambda i, g, l: run_optax(lambda lr: optax.adamw(lr, b1=o["beta1"], b2=o["beta2"], eps=o["eps"], weight_decay=o["weightDecay"]), i, g, l)
    if source == "optax" and o["name"] == "lion":
        return lambda i, g, l: run_optax(lambda lr: optax.lion(lr, b1=o["beta1"], b2=o["beta2"], weight_decay=o["weightDecay"]), i, g, l)
    if source == "lion-pytorch":
        return lambda i, g, l: run_torch(lambda ps: LionTorch(ps, lr=o["lr"], betas=(o["beta1"], o["beta2"]), weight_decay=o["weightDecay"]), i, g, l)
    if source == "pytorch_optimizer":
        port = case["port"]
        beta = o.get("beta", o.get("beta1"))

        def run(i, g, l):
            scaled = [x * port["lrScale"] for x in l]
            return run_torch(lambda ps: TigerPort(ps, lr=scaled[0], beta=beta, weight_decay=port["weightDecay"]), i, g, scaled)
        return run
    if source == "reference":
        kinds = {n: case.get("kinds", {}).get(n, TENSORS[n][1]) for n in TENSORS}
        return lambda i, g, l: run_tiger_reference(o, kinds, i, g, l, case.get("accumulate", 1))
    raise ValueError(f"no runner for {source} in case {case['id']}")


def trace_runner(source: str, opt_cfg: dict):
    """(start, grad_fn, lrs) -> [steps+1, 2] path of one peer on a 2-D function."""
    def as_tensors(start, grad_fn, lrs):
        init = {"xy": np.array(start, dtype=np.float32)}
        o = opt_cfg
        if source == "reference":
            ref = TigerReference(init, {"xy": "matrix"}, o["beta"], o["weightDecay"], 1, o["shrink"])
            path = [init["xy"].astype(np.float64)]
            for t, lr in enumerate(lrs):
                # the gradient at the reference's own (float64) position
                ref.step(t, lr, {"xy": np.array(grad_fn(*ref.theta["xy"]))})
                path.append(ref.theta["xy"].copy())
            return np.stack(path).astype(np.float32)
        # Gradients depend on the position, so step one at a time through a closure.
        if source in ("torch", "lion-pytorch"):
            p = torch.tensor(init["xy"].copy())
            opt = (torch.optim.AdamW([p], lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weightDecay"])
                   if source == "torch" else LionTorch([p], lr=o["lr"], betas=(o["beta1"], o["beta2"]), weight_decay=o["weightDecay"]))
            path = [p.numpy().copy()]
            for lr in lrs:
                for g in opt.param_groups:
                    g["lr"] = lr
                x, y = (float(v) for v in p)
                p.grad = torch.tensor(np.array(grad_fn(x, y), dtype=np.float32))
                opt.step()
                path.append(p.numpy().copy())
            return np.stack(path)
        if source == "optax":
            lr_table = jnp.asarray(np.array(lrs, dtype=np.float32))
            tx = (optax.adamw(lambda c: lr_table[c], b1=o["beta1"], b2=o["beta2"], eps=o["eps"], weight_decay=o["weightDecay"])
                  if o["name"] == "adamw" else optax.lion(lambda c: lr_table[c], b1=o["beta1"], b2=o["beta2"], weight_decay=o["weightDecay"]))
            params = jnp.asarray(init["xy"])
            state = tx.init(params)
            path = [np.asarray(params)]
            for _ in lrs:
                x, y = (float(v) for v in np.asarray(params))
                g = jnp.asarray(np.array(grad_fn(x, y), dtype=np.float32))
                updates, state = tx.update(g, state, params)
                params = optax.apply_updates(params, updates)
                path.append(np.asarray(params))
            return np.stack(path)
        raise ValueError(source)
    return as_tensors


def max_diff_per_step(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(np.float64) - b.astype(np.float64)).reshape(a.shape[0], -1).max(axis=1)


def build() -> tuple[dict[str, np.ndarray], dict, list[str]]:
    """Tensors for the fixture file, the metadata describing them, and report lines."""
    init, grad_sets = make_inputs()
    tensors: dict[str, np.ndarray] = {}
    report: list[str] = []
    for name, v in init.items():
        tensors[f"init/{name}"] = v
    for set_name, grads in grad_sets.items():
        for name, g in grads.items():
            tensors[f"{set_name}/{name}"] = g
    for case in CASES:
        lrs = lrs_of(case["optimizer"], case["schedule"], STEPS)
        case["lrs"] = lrs
        trajs = {}
        for source in case["sources"]:
            traj = peer_runner(source, case)(init, grad_sets[case["grads"]], lrs)
            trajs[source] = traj
            for name, arr in traj.items():
                tensors[f"{case['id']}/{source}/{name}"] = arr.astype(np.float32)
        if len(trajs) == 2:
            (sa, ta), (sb, tb) = trajs.items()
            worst = max(float(max_diff_per_step(ta[n], tb[n]).max()) for n in init)
            report.append(f"{case['id']}: max |{sa} - {sb}| over {STEPS} steps = {worst:.3g}")
    trace_meta = {}
    for opt_name, (cfg, schedule, sources) in TRACE_CASES.items():
        lrs = lrs_of(cfg, schedule, TRACE_STEPS)
        trace_meta[opt_name] = {"optimizer": cfg, "schedule": schedule, "sources": sources, "lrs": lrs}
        for fn, (grad_fn, start) in TEST_FUNCTIONS.items():
            paths = {}
            for source in sources:
                paths[source] = trace_runner(source, cfg)(start, grad_fn, lrs)
                tensors[f"trace/{fn}/{opt_name}/{source}"] = paths[source].astype(np.float32)
            if len(paths) == 2:
                (sa, pa), (sb, pb) = paths.items()
                report.append(f"trace {fn} {opt_name}: max |{sa} - {sb}| over {TRACE_STEPS} steps = {max_diff_per_step(pa, pb).max():.3g}")
    meta = {
        "steps": STEPS,
        "traceSteps": TRACE_STEPS,
        "seed": SEED,
        "kinds": {n: k for n, (_, k, _) in TENSORS.items()},
        "cases": CASES,
        "trace": trace_meta,
    }
    return tensors, meta, report
