"""The Python side of `npm run bench:peers` (bench/peers/speed.ts starts it): training speed of
the reference model in PyTorch (eager) and JAX (jit) on the CPU, and numpy's float32 matmul as the
machine's ceiling. Prints one JSON object on stdout (per step: wall and process CPU milliseconds).

    speed.py torch  --data FILE --T 32 --batch 32 --warmup 5 --steps 20 [--threads N]
    speed.py jax    --data FILE ...        (start it under `taskset -c 0`: JAX's own thread
                                            flags do not keep it on one core)
    speed.py serve-torch|serve-jax [--threads N]
                                           the same rounds in one long-lived process: one JSON
                                           request per stdin line, one JSON answer per line; a
                                           request continues the last model of its length unless
                                           "fresh": true (a round visits each framework in chunks)
    speed.py matmul --n 1024 --repeats 10  (start it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
                                            unset, so OpenBLAS picks its best kernel)

The data file holds the int32 tokens then targets of every step ([steps, batch, T] each), written
by speed.ts from Attention Lab's seeded generator: every framework trains on the same batches.
Reference configuration: 2 layers, d_model 64, 4 heads, d_ff 256, vocab 32, learned positions,
standard scaling, causal; AdamW (lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01) after
clipping the global gradient norm to 1, mean cross-entropy: what Attention Lab's benchmark runs.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

CONFIG = {
    "causal": True, "layers": 2, "dModel": 64, "heads": 4, "dFf": 256, "vocabSize": 32, "maxLen": 0,
    "position": "learned", "positionRange": 0, "attentionScaling": "standard", "lognBase": 512, "trainLength": 0, "rseBits": 0,
}


def load_data(path: str, batch: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Every batch in the file: tokens and targets, [steps, batch, T] int32 each."""
    raw = np.fromfile(path, dtype="<i4")
    per = 2 * batch * T
    if raw.size == 0 or raw.size % per:
        raise SystemExit(f"{path}: {raw.size} int32 values, not a multiple of 2 x {batch} x {T}")
    steps = raw.size // per
    tokens, targets = raw[: raw.size // 2], raw[raw.size // 2:]
    return tokens.reshape(steps, batch, T), targets.reshape(steps, batch, T)


def init_params(cfg: dict, seed: int = 1) -> dict[str, np.ndarray]:
    from attention_lab_torch import param_shapes
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in param_shapes(cfg).items():
        if name.endswith(".gain"):
            out[name] = np.ones(shape, np.float32)
        elif name.endswith(".bias"):
            out[name] = np.zeros(shape, np.float32)
        else:
            out[name] = (0.02 * rng.standard_normal(shape)).astype(np.float32)
    return out


def torch_trainer(cfg, threads: int = 1):
    """A fresh PyTorch model and AdamW; returns (prepare, step, info): prepare(tokens, targets) makes
    one batch's inputs (untimed), step(inputs) trains on them and returns the loss."""
    import torch
    torch.set_num_threads(threads)
    if torch.get_num_interop_threads() != 1:  # settable once per process (serve runs many rounds)
        torch.set_num_interop_threads(1)
    from attention_lab_torch import forward
    params = {k: torch.tensor(v, requires_grad=True) for k, v in init_params(cfg).items()}
    opt = torch.optim.AdamW(params.values(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)

    def prepare(tokens, targets):
        return torch.from_numpy(tokens.astype(np.int64)), torch.from_numpy(targets.astype(np.int64))

    # The last step's outputs, alive until the next step's forward has made its own, as the variables
    # of a plain training loop are. Freed at the end of each step instead, their buffers went back to
    # the system and were faulted in again: at T = 128 some 7,000 more page faults and 10-15 % more
    # time per step (docs/benchmarks.md, Session 9).
    last: dict = {}

    def step(inputs) -> float:
        tok, tgt = inputs
        logits, probs = forward(cfg, params, tok)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, cfg["vocabSize"]), tgt.reshape(-1))
        last["logits"], last["probs"], last["loss"] = logits, probs, loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params.values(), 1.0)
        opt.step()
        return loss.item()  # the host read ends the step, as Attention Lab's does

    return prepare, step, {"threads": torch.get_num_threads(), "version": torch.__version__}


def jax_trainer(cfg, threads: int = 1):
    """A fresh JAX model, its jitted training step and optax's AdamW; returns (prepare, step, info) as torch_trainer."""
    import jax
    import jax.numpy as jnp
    import optax

    D, H, V = cfg["dModel"], cfg["heads"], cfg["vocabSize"]
    dh = D // H

    def layer_norm(x, g, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / jnp.sqrt(var + 1e-5) * g + b

    def loss_fn(p, tok, tgt):
        B, T = tok.shape
        x = p["embed.token"][tok] + p["embed.position"][:T]
        allowed = jnp.tril(jnp.ones((T, T), bool))
        for l in range(cfg["layers"]):
            q_ = f"blocks.{l}"
            h = layer_norm(x, p[f"{q_}.ln1.gain"], p[f"{q_}.ln1.bias"])
            qkv = h @ p[f"{q_}.attn.qkv.kernel"] + p[f"{q_}.attn.qkv.bias"]
            q, k, v = (t.reshape(B, T, H, dh).transpose(0, 2, 1, 3) for t in jnp.split(qkv, 3, axis=-1))
            logits = jnp.where(allowed, (q @ k.transpose(0, 1, 3, 2)) / jnp.sqrt(dh), -1e9)
            y = (jax.nn.softmax(logits, -1) @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
            x = x + y @ p[f"{q_}.attn.out.kernel"] + p[f"{q_}.attn.out.bias"]
            h = layer_norm(x, p[f"{q_}.ln2.gain"], p[f"{q_}.ln2.bias"])
            h = jax.nn.gelu(h @ p[f"{q_}.mlp.fc.kernel"] + p[f"{q_}.mlp.fc.bias"], approximate=True)
            x = x + h @ p[f"{q_}.mlp.proj.kernel"] + p[f"{q_}.mlp.proj.bias"]
        x = layer_norm(x, p["lnf.gain"], p["lnf.bias"])
        out = x @ p["head.kernel"]
        return optax.softmax_cross_entropy_with_integer_labels(out.reshape(-1, V), tgt.reshape(-1)).mean()

    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-2))
    params = {k: jnp.asarray(v) for k, v in init_params(cfg).items()}
    state = {"params": params, "opt": tx.init(params)}

    @jax.jit
    def update(p, s, tok, tgt):
        loss, grads = jax.value_and_grad(loss_fn)(p, tok, tgt)
        updates, s = tx.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    def prepare(tokens, targets):
        return jnp.asarray(tokens), jnp.asarray(targets)

    def step(inputs) -> float:
        state["params"], state["opt"], loss = update(state["params"], state["opt"], *inputs)
        return float(loss)  # blocks until the step is done

    affinity = sorted(os.sched_getaffinity(0))
    return prepare, step, {"threads": len(affinity), "affinity": affinity, "version": jax.__version__}


class CoreGauge:
    """A fixed piece of scalar work (a 400-iteration Python loop, some 20 us) timed beside every
    step: a round in which it slows is a round in which the core itself ran slower (speed.ts times
    its own JavaScript gauge beside Attention Lab's steps, bench/peers/coreGauge.ts). Plain Python
    on purpose: a numpy product would run on OpenBLAS's threads in a many-thread process, whose
    spinning workers then compete with the step's own threads."""

    @staticmethod
    def work() -> float:
        s = 0.0
        for i in range(400):
            s += (i % 7) * 0.5
        return s

    def time_us(self) -> float:
        t0 = time.perf_counter()
        self.work()
        return (time.perf_counter() - t0) * 1e6


GAUGE = CoreGauge()


def train_round(prepare, step, tokens, targets, warmup: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """Every batch of the file through `step` (its inputs made by `prepare`, untimed); wall and
    process-CPU seconds of the steps after `warmup`, the core gauge's microseconds before each of
    them, and every loss."""
    times, cpu, gauge, losses = [], [], [], []
    for i in range(tokens.shape[0]):
        inputs = prepare(tokens[i], targets[i])
        g = GAUGE.time_us()
        c0 = time.process_time()
        t0 = time.perf_counter()
        losses.append(step(inputs))
        dt = time.perf_counter() - t0
        dc = time.process_time() - c0
        if i >= warmup:
            times.append(dt)
            cpu.append(dc)
            gauge.append(g)
    return times, cpu, gauge, losses


def bench_matmul(n: int, repeats: int) -> dict:
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((n, n)).astype(np.float32)
    a @ b
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    best = min(times)  # a ceiling: the best repeat, the one least disturbed by other processes
    cfg = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
    blas = cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "?") if isinstance(cfg, dict) else "?"
    return {"n": n, "seconds": best, "gflops": 2 * n ** 3 / best / 1e9, "medianGflops": 2 * n ** 3 / statistics.median(times) / 1e9, "numpy": np.__version__, "blas": blas,
            "threads": os.environ.get("OPENBLAS_NUM_THREADS", "?"), "coretype": os.environ.get("OPENBLAS_CORETYPE", "(unset)")}


def measure(what: str, data: str, T: int, batch: int, warmup: int, steps: int, threads: int, trainers: dict | None = None,
            start: int = 0, fresh: bool = True) -> dict:
    """Batches start .. start + warmup + steps - 1 of the file (the first `warmup` untimed), per step
    wall and process-CPU ms: on a fresh model, or (not `fresh`, with `trainers`) on the model of
    this length that the last request trained (created on first use). A fresh model is kept in
    `trainers` too, for the requests that continue its round."""
    cfg = {**CONFIG, "maxLen": T, "positionRange": T, "trainLength": T}
    tokens, targets = load_data(data, batch, T)
    if start < 0 or start + warmup + steps > tokens.shape[0]:
        raise SystemExit(f"{data}: batches {start}..{start + warmup + steps - 1} asked for, the file holds {tokens.shape[0]}")
    tokens, targets = tokens[start:start + warmup + steps], targets[start:start + warmup + steps]
    make = torch_trainer if what == "torch" else jax_trainer
    if trainers is None:
        prepare, step, info = make(cfg, threads)
    else:
        if fresh or T not in trainers:
            trainers[T] = make(cfg, threads)
        prepare, step, info = trainers[T]
    times, cpu, gauge, losses = train_round(prepare, step, tokens, targets, warmup)
    med = statistics.median(times)
    return {"framework": what, "T": T, "msPerStep": med * 1000, "tokensPerSecond": batch * T / med,
            "cpuMsPerStep": statistics.median(cpu) * 1000, "stepMs": [t * 1000 for t in times], "stepCpuMs": [c * 1000 for c in cpu],
            "gaugeUs": gauge, "firstLoss": losses[0], "lastLoss": losses[-1], **info}


def serve(what: str, threads: int) -> None:
    """Answers one JSON request per stdin line ({"data", "T", "batch", "start", "warmup", "steps",
    "fresh"}) with one JSON line, in one long-lived process: its rounds run warm, as Attention Lab's
    processes do; a request trains on the model of the last one at its length unless it asks for a
    fresh one (the first visit of a round)."""
    trainers: dict = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out = measure(what, r["data"], int(r["T"]), int(r["batch"]), int(r["warmup"]), int(r["steps"]), threads, trainers,
                          start=int(r.get("start", 0)), fresh=bool(r.get("fresh", False)))
        except Exception as err:  # the harness prints it and stops
            out = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["torch", "jax", "matmul", "serve-torch", "serve-jax"])
    ap.add_argument("--data")
    ap.add_argument("--T", type=int, default=32)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="torch: intra-op threads (JAX: start it under taskset with that many cores)")
    a = ap.parse_args()
    if a.what == "matmul":
        print(json.dumps(bench_matmul(a.n, a.repeats)))
        return
    if a.what.startswith("serve-"):
        serve(a.what.removeprefix("serve-"), a.threads)
        return
    print(json.dumps(measure(a.what, a.data, a.T, a.batch, a.warmup, a.steps, a.threads)))


if __name__ == "__main__":
    main()
