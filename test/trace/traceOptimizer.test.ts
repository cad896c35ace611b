import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { defaultOptimizerConfig } from '../../src/engine/optim/index';
import { scheduleFactor } from '../../src/engine/optim/schedule';
import { tf } from '../../src/engine/tf';
import { traceOptimizer } from '../../src/engine/trace/traceOptimizer';
import type { TraceResult } from '../../src/engine/trace/traceOptimizer';
import type { OptimizerConfig, OptimizerName, ScheduleConfig } from '../../src/protocol/config';

const BACKENDS = ['wasm', 'cpu'] as const;

function withLr(name: OptimizerName, lr: number): OptimizerConfig {
  return { ...defaultOptimizerConfig(name), lr };
}

function last(r: TraceResult): TraceResult['points'][number] {
  const p = r.points[r.points.length - 1];
  if (p === undefined) throw new Error('empty trace');
  return p;
}

for (const backend of BACKENDS) {
  test(`AdamW, Lion and Tiger reach the ill-conditioned quadratic's minimum (${backend})`, async () => {
    await initBackend(backend);
    // Lion's sign step leaves it oscillating within about η of the minimum; Tiger's step is
    // relative to the RMS of (x, y), so it closes in geometrically.
    const cases: [OptimizerName, number, number][] = [
      ['adamw', 0.1, 1e-2],
      ['lion', 0.01, 5e-2],
      ['tiger', 0.1, 1e-2],
    ];
    for (const [name, lr, tolerance] of cases) {
      const r = traceOptimizer({ optimizer: withLr(name, lr), fn: 'quadratic', steps: 800 });
      const p = last(r);
      const distance = Math.hypot(p.x - r.minimum[0], p.y - r.minimum[1]);
      assert.ok(distance < tolerance, `${name}: ends at (${p.x}, ${p.y}), ${distance} from the minimum`);
      assert.ok(!r.diverged);
    }
  });

  test(`every optimizer lowers the Rosenbrock loss at least tenfold over 500 steps (${backend})`, async () => {
    await initBackend(backend);
    const lrs: Record<OptimizerName, number> = { adamw: 0.1, lion: 0.01, tiger: 0.01, sgd: 0.001 };
    for (const [name, lr] of Object.entries(lrs) as [OptimizerName, number][]) {
      const r = traceOptimizer({ optimizer: withLr(name, lr), fn: 'rosenbrock', steps: 500 });
      const first = r.points[0]?.loss as number;
      assert.ok(last(r).loss < first / 10, `${name}: loss ${first} → ${last(r).loss}`);
    }
  });

  test(`the trace is deterministic, leak-free and shaped as documented (${backend})`, async () => {
    await initBackend(backend);
    const schedule: ScheduleConfig = { kind: 'warmup-cosine', warmupSteps: 5, minFactor: 0.1 };
    const opts = { optimizer: withLr('lion', 0.05), fn: 'himmelblau', steps: 30, schedule };
    const before = tf.memory().numTensors;
    const a = traceOptimizer(opts);
    const b = traceOptimizer(opts);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(a, b);
    assert.equal(a.function, 'himmelblau');
    assert.equal(a.points.length, 31);
    assert.deepEqual(a.start, [-1, -1]);
    assert.deepEqual(a.minimum, [3, 2]);
    assert.equal(a.minima.length, 4);
    assert.deepEqual(a.domain, { x: [-5, 5], y: [-5, 5] });
    assert.deepEqual(a.points[0], { step: 0, x: -1, y: -1, loss: 170, lr: 0 });
    a.points.forEach((p, i) => {
      assert.equal(p.step, i);
      if (i > 0) assert.equal(p.lr, 0.05 * scheduleFactor(schedule, i - 1, 30));
      // loss is f at the stored (float32) position
      assert.equal(p.loss, (p.x * p.x + p.y - 11) ** 2 + (p.x + p.y * p.y - 7) ** 2);
    });
    // First step by hand: at (−1, −1), x² + y − 11 = −11 and x + y² − 7 = −7, so
    // ∂x = 4(−1)(−11) + 2(−7) = 30 and ∂y = 2(−11) + 4(−1)(−7) = 6: Lion's signs are (+, +).
    // η_0 = 0.05 · (1/5) (first warmup step), λ = 0.1: x = y = −1 − 0.01(1 + 0.1·(−1)) = −1.009.
    assert.ok(Math.abs((a.points[1]?.x as number) + 1.009) < 1e-6);
    assert.ok(Math.abs((a.points[1]?.y as number) + 1.009) < 1e-6);
  });

  test(`Tiger in the trace uses the RMS of (x, y): worked first step, and (0, 0) cannot move (${backend})`, async () => {
    await initBackend(backend);
    const r = traceOptimizer({ optimizer: withLr('tiger', 0.1), fn: 'quadratic', steps: 1 });
    // Start (−4, 2), gradient (−4, 50) → sign (−1, 1); RMS = √((16 + 4)/2) = √10 = 3.16227766;
    // η_eff = 0.316227766, λ = 0.01: x = −4 − 0.316227766(−1 − 0.04) = −3.671123123;
    // y = 2 − 0.316227766(1 + 0.02) = 1.677447679.
    assert.ok(Math.abs((r.points[1]?.x as number) + 3.671123123) < 1e-6);
    assert.ok(Math.abs((r.points[1]?.y as number) - 1.677447679) < 1e-6);
    const stuck = traceOptimizer({ optimizer: withLr('tiger', 0.1), fn: 'rosenbrock', steps: 5, start: [0, 0] });
    assert.ok(stuck.points.every((p) => p.x === 0 && p.y === 0));
  });
}

test('a diverging run stops when the gradient overflows float32 and says so', async () => {
  await initBackend('cpu');
  const r = traceOptimizer({ optimizer: withLr('sgd', 0.1), fn: 'rosenbrock', steps: 200 });
  assert.equal(r.diverged, true);
  assert.ok(r.points.length < 201);
  assert.ok(r.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isFinite(p.loss)));
});

test('bad trace options throw clear errors', async () => {
  await initBackend('cpu');
  const optimizer = defaultOptimizerConfig('adamw');
  assert.throws(() => traceOptimizer({ optimizer, fn: 'booth', steps: 10 }), /unknown test function 'booth' \(expected one of: rosenbrock/);
  assert.throws(() => traceOptimizer({ optimizer, fn: 'beale', steps: 0 }), /steps must be an integer in \[1, 100000\]/);
  assert.throws(() => traceOptimizer({ optimizer, fn: 'beale', steps: 10, start: [Number.NaN, 0] }), /start must be two finite numbers/);
  assert.throws(
    () => traceOptimizer({ optimizer, fn: 'beale', steps: 10, schedule: { kind: 'piecewise', points: {} } }),
    /piecewise schedule/,
  );
  assert.throws(() => traceOptimizer({ optimizer: { ...optimizer, lr: -1 }, fn: 'beale', steps: 10 }), /adamw: lr/);
});
