/**
 * Attention Lab's AdamW, Lion and Tiger against the peers' trajectories in
 * test/fixtures/peers/optimizers.safetensors (bench/peers/optimizer_fixtures.py): the same initial
 * parameters and gradient sequence through torch.optim.AdamW and optax.adamw, lion-pytorch and
 * optax.lion, the float64 NumPy Tiger reference (docs/science.md §3) and pytorch_optimizer's Tiger,
 * 100 steps with weight decay and a learning-rate schedule; then the 2-D test functions of
 * `attention-lab trace`, 150 steps, each framework at its own float32 position.
 *
 * Tolerances: max |Δ| of any parameter entry at any step (measured, both backends: in brackets).
 * - vs torch.optim.AdamW 1e-6 [1.8e-7]: same formula, all float32; our op order differs
 *   (θ − [η√(1−β2ᵗ)/(1−β1ᵗ)]·m/(√v + ε√(1−β2ᵗ)), one kernel fewer), an ulp here and there.
 * - vs optax.adamw 2e-5 [2.9e-6]: optax forms m̂ = m/(1−β1ᵗ) and v̂ first and adds ε to √v̂; its
 *   rounding differs from ours and torch's by the same few 1e-6 (torch − optax: 3.0e-6).
 * - vs lion-pytorch and pytorch_optimizer's Tiger 1e-6 [0: bit-identical]: the same float32
 *   operations in the same order; the sign makes the update exact.
 * - vs optax.lion 5e-6 [1.3e-6]: optax computes −η·(sign + λθ) then adds it, instead of
 *   θ(1 − ηλ) − η·sign: one rounding more or less per step, accumulating over 100 steps.
 * - Tiger vs the float64 NumPy reference 2e-6 [6.0e-7]: our RMS(θ) and η·RMS are float32, the
 *   reference float64 (rounded once when stored). No sign differs: a sign could only flip where
 *   |m| is below float32 rounding of m, and would show as a jump of 2η·RMS ≈ 1e-2.
 * - pytorch_optimizer's Tiger leaves out Tiger's RMS scaling (and the half step for biases and the
 *   NaN guard): it is compared in the two modes where it coincides with ours, Lion with
 *   β1 = β2 = β, and our Tiger on 'bias'-kind tensors at twice its η with λ = 0.
 * - 2-D traces: the same tolerances × 5 (coordinates up to ~5 instead of ~1).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ModelParam, ParamKind } from '../../src/engine/model/params';
import { createOptimizer } from '../../src/engine/optim';
import { scheduleFactor } from '../../src/engine/optim/schedule';
import { tf } from '../../src/engine/tf';
import type { Tensor } from '../../src/engine/tf';
import { traceOptimizer } from '../../src/engine/trace';
import type { OptimizerConfig, ScheduleConfig } from '../../src/protocol/config';
import { testBackends, useTestBackend } from '../backends/testBackend';
import { describePerStep, loadPeerFixture, maxAbsDiff, row } from './peerFixture';
import type { PeerFixture } from './peerFixture';

interface Case {
  id: string;
  optimizer: OptimizerConfig;
  /**
   * The reference's gradient accumulation k, counted in micro-batches (fixtures written before
   * accumulation moved to train.accumulate carry it as optimizer.accumulate).
   */
  accumulate?: number;
  schedule: ScheduleConfig;
  grads: string;
  sources: string[];
  kinds?: Record<string, ParamKind>;
  lrs: number[];
}

interface TraceCase {
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  sources: string[];
  lrs: number[];
}

/** Max |ours − peer| allowed, by `<optimizer>/<peer>` (see the header). */
const TOLERANCE: Record<string, number> = {
  'adamw/torch': 1e-6,
  'adamw/optax': 2e-5,
  'lion/lion-pytorch': 1e-6,
  'lion/optax': 5e-6,
  'lion/pytorch_optimizer': 1e-6,
  'tiger/pytorch_optimizer': 1e-6,
  'tiger/reference': 2e-6,
};
const TRACE_SCALE = 5;

function toleranceFor(cfg: OptimizerConfig, source: string): number {
  const tol = TOLERANCE[`${cfg.name}/${source}`];
  if (tol === undefined) throw new Error(`no tolerance for ${cfg.name} vs ${source}`);
  return tol;
}

let fixturePromise: Promise<PeerFixture> | null = null;
const fixture = (): Promise<PeerFixture> => (fixturePromise ??= loadPeerFixture('optimizers.safetensors'));

for (const backend of testBackends()) {
  test(`[${backend}] optimizer trajectories match the peers (tensors incl. an embedding and a bias, 100 steps)`, async (t) => {
    await useTestBackend(backend);
    const fx = await fixture();
    const steps = fx.meta.steps as number;
    const kinds = fx.meta.kinds as Record<string, ParamKind>;
    const cases = fx.meta.cases as Case[];
    assert.ok(steps >= 100 && cases.length >= 6);
    for (const c of cases) {
      // Our schedule gives the learning rates the peers were driven with.
      for (let s = 0; s < steps; s++) {
        const lr = c.optimizer.lr * scheduleFactor(c.schedule, s, steps);
        assert.ok(Math.abs(lr - (c.lrs[s] as number)) <= 1e-12 * Math.max(1, lr), `${c.id}: lr at step ${s} is ${lr}, peers used ${c.lrs[s]}`);
      }
      const ours = runOurs(fx, c, kinds, steps);
      for (const source of c.sources) {
        const perStep: number[] = [];
        for (let s = 0; s <= steps; s++) {
          let worst = 0;
          for (const name of Object.keys(kinds)) {
            worst = Math.max(worst, maxAbsDiff((ours.get(name) as Float32Array[])[s] as Float32Array, row(fx.get(`${c.id}/${source}/${name}`), s)));
          }
          perStep.push(worst);
        }
        const tol = toleranceFor(c.optimizer, source);
        const worst = Math.max(...perStep);
        t.diagnostic(`${c.id} vs ${source}: ${describePerStep(perStep)}`);
        assert.ok(worst <= tol, `${c.id} vs ${source}: ${describePerStep(perStep)} exceeds ${tol}`);
      }
    }
  });

  test(`[${backend}] trace paths on the 2-D test functions match the peers (150 steps)`, async (t) => {
    await useTestBackend(backend);
    const fx = await fixture();
    const traceSteps = fx.meta.traceSteps as number;
    const traces = fx.meta.trace as Record<string, TraceCase>;
    const functions = ['rosenbrock', 'beale', 'quadratic', 'himmelblau', 'saddle'];
    for (const [name, c] of Object.entries(traces)) {
      for (const fn of functions) {
        const result = traceOptimizer({ optimizer: c.optimizer, fn, steps: traceSteps, schedule: c.schedule });
        assert.equal(result.diverged, false, `${name} on ${fn} diverged`);
        assert.equal(result.points.length, traceSteps + 1);
        result.points.slice(1).forEach((p, s) => {
          assert.ok(Math.abs(p.lr - (c.lrs[s] as number)) <= 1e-12, `${name}/${fn}: lr at step ${s}`);
        });
        for (const source of c.sources) {
          const peer = fx.get(`trace/${fn}/${name}/${source}`);
          const perStep = result.points.map((p, s) => maxAbsDiff([p.x, p.y], row(peer, s)));
          const tol = TRACE_SCALE * toleranceFor(c.optimizer, source);
          t.diagnostic(`trace ${fn} ${name} vs ${source}: ${describePerStep(perStep)}`);
          assert.ok(Math.max(...perStep) <= tol, `trace ${fn} ${name} vs ${source}: ${describePerStep(perStep)} exceeds ${tol}`);
        }
      }
    }
  });
}

/** Our optimizer on the fixture's tensors and gradients: per parameter, its value after each step (row 0 = initial). */
function runOurs(fx: PeerFixture, c: Case, kinds: Record<string, ParamKind>, steps: number): Map<string, Float32Array[]> {
  const names = Object.keys(kinds);
  const params: ModelParam[] = names.map((name) => {
    const init = fx.get(`init/${name}`);
    const variable = tf.tidy(() => tf.variable(tf.tensor(init.data, init.shape, 'float32'), true));
    return { name, kind: c.kinds?.[name] ?? (kinds[name] as ParamKind), variable };
  });
  const { accumulate: legacyK, ...config } = c.optimizer as OptimizerConfig & { accumulate?: number };
  const k = c.accumulate ?? legacyK ?? 1;
  const optimizer = createOptimizer(config as OptimizerConfig);
  const out = new Map<string, Float32Array[]>(names.map((n) => [n, [fx.get(`init/${n}`).data]]));
  const before = tf.memory().numTensors;
  try {
    for (let s = 0; s < steps; s++) {
      const grads = new Map<string, Tensor>();
      for (const p of params) grads.set(p.name, tf.tensor(row(fx.get(`${c.grads}/${p.name}`), s), p.variable.shape, 'float32'));
      const lr = c.optimizer.lr * scheduleFactor(c.schedule, s, steps);
      // The reference counts micro-batches: s is micro-batch s mod k of update ⌊s/k⌋, with the schedule at s.
      const report = optimizer.step(params, grads, { step: Math.floor(s / k), lr, measure: false, accumulate: k, micro: s % k });
      for (const g of grads.values()) g.dispose();
      const expectNan = c.grads === 'grads-nan' && (s === 37 || s === 50); // optimizer_fixtures.py puts the NaNs there
      assert.equal(report.nanEvents, expectNan ? 1 : 0, `${c.id}: NaN events at step ${s}`);
      for (const p of params) (out.get(p.name) as Float32Array[]).push(p.variable.dataSync() as Float32Array);
    }
    // Only the optimizer's lazily created state may have been added.
    assert.ok(tf.memory().numTensors - before <= params.length * 2, `${c.id}: tensors leaked`);
  } finally {
    optimizer.dispose();
    for (const p of params) p.variable.dispose();
  }
  return out;
}
