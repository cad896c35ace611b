import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { useTestBackend } from '../backends/testBackend';
import type { ModelParam } from '../../src/engine/model/params';
import { createOptimizer, defaultOptimizerConfig } from '../../src/engine/optim/index';
import { Rng } from '../../src/core/random';
import { tf } from '../../src/engine/tf';
import type { Tensor } from '../../src/engine/tf';
import { OPTIMIZER_NAMES } from '../../src/protocol/config';
import type { OptimizerConfig, OptimizerName } from '../../src/protocol/config';
import { BACKENDS, disposeParams, makeParam, stepWith, values } from './helpers';

/** A small model-like parameter set covering every kind: 12 + 8 + 2 + 4 = 26 elements. */
function makeParams(suffix = ''): ModelParam[] {
  const rng = new Rng(7);
  const fill = (n: number): number[] => Array.from({ length: n }, () => rng.normal());
  return [
    makeParam(`emb${suffix}`, 'embedding', fill(12), [3, 4]),
    makeParam(`w${suffix}`, 'matrix', fill(8), [4, 2]),
    makeParam(`b${suffix}`, 'bias', fill(2), [2]),
    makeParam(`ln${suffix}`, 'norm-gain', fill(4).map((x) => 1 + 0.1 * x), [4]),
  ];
}

/**
 * Deterministic gradients for step t, keyed by the names of `params`. From step 3 on they are
 * small, so that the momentum carried over from steps 0–2 dominates the next updates (Lion's
 * sign would otherwise follow the fresh gradient and hide a lost state).
 */
function gradsAt(params: readonly ModelParam[], t: number): Record<string, number[]> {
  const rng = new Rng(1000 + t);
  const scale = t < 3 ? 1 : 0.02;
  const out: Record<string, number[]> = {};
  for (const p of params) out[p.name] = Array.from({ length: p.variable.size }, () => scale * rng.normal());
  return out;
}

/** Defaults with a larger lr so that a few steps move the parameters visibly. */
function configFor(name: OptimizerName): OptimizerConfig {
  const c = defaultOptimizerConfig(name);
  return { ...c, lr: c.lr * 10 };
}

function cloneParams(params: readonly ModelParam[]): ModelParam[] {
  return params.map((p) => ({ ...p, variable: tf.tidy(() => tf.variable(tf.clone(p.variable), true)) }));
}

function run(opt: ReturnType<typeof createOptimizer>, params: ModelParam[], from: number, to: number, lr: number): void {
  for (let t = from; t < to; t++) stepWith(opt, params, gradsAt(params, t), { step: t, lr, measure: false });
}

for (const backend of BACKENDS) {
  for (const name of OPTIMIZER_NAMES) {
    test(`${name}: state saved after 3 steps and restored continues bit-identically (${backend})`, async () => {
      await useTestBackend(backend);
      const config = configFor(name);
      const a = makeParams();
      const optA = createOptimizer(config);
      run(optA, a, 0, 3, config.lr);

      const copy = new Map<string, Tensor>();
      for (const [k, t] of optA.getState()) copy.set(k, tf.clone(t));
      const optB = createOptimizer(config);
      optB.setState(copy);
      for (const t of copy.values()) t.dispose(); // optB must hold its own copies
      const b = cloneParams(a);
      const c = cloneParams(a);
      const optC = createOptimizer(config); // no restored state: must end elsewhere

      run(optA, a, 3, 6, config.lr);
      run(optB, b, 3, 6, config.lr);
      run(optC, c, 3, 6, config.lr);
      a.forEach((p, i) => {
        const pb = (b[i] as ModelParam).variable;
        assert.deepEqual(p.variable.dataSync(), pb.dataSync(), `${p.name} bit-identical`);
      });
      assert.ok(
        a.some((p, i) => values(p.variable).some((x, j) => x !== values((c[i] as ModelParam).variable)[j])),
        'a fresh optimizer gives different parameters, so the state mattered',
      );
      for (const o of [optA, optB, optC]) o.dispose();
      disposeParams([...a, ...b, ...c]);
    });

    test(`${name}: no tensor leaks over 20 steps (measure, NaN steps included) (${backend})`, async () => {
      await useTestBackend(backend);
      const config = configFor(name);
      const params = makeParams();
      const opt = createOptimizer(config);
      run(opt, params, 0, 1, config.lr); // creates the state
      const before = tf.memory().numTensors;
      for (let t = 1; t < 21; t++) {
        const grads = gradsAt(params, t);
        if (t % 5 === 0) grads['w'] = (grads['w'] as number[]).map(() => Number.NaN);
        stepWith(opt, params, grads, { step: t, lr: config.lr, measure: t % 2 === 0 });
      }
      assert.equal(tf.memory().numTensors, before);
      opt.dispose();
      disposeParams(params);
    });

    test(`${name}: stateBytes and state names (${backend})`, async () => {
      await useTestBackend(backend);
      const params = makeParams();
      const opt = createOptimizer(configFor(name));
      assert.equal(opt.stateBytes(), 0, 'state is created lazily');
      const tensorsBefore = tf.memory().numTensors;
      run(opt, params, 0, 1, 0.01);
      const slots = name === 'adamw' ? ['m', 'v'] : name === 'sgd' ? ['momentum'] : ['m'];
      assert.equal(opt.stateBytes(), 26 * 4 * slots.length);
      // One tensor per slot for each of emb and w, and one for the two vectors b and ln, whose
      // slots the optimizer keeps joined between steps (concatenated: fewer kernels per step).
      assert.equal(tf.memory().numTensors, tensorsBefore + 3 * slots.length);
      const expectedNames = params.flatMap((p) => slots.map((s) => `${p.name}/${s}`)).sort();
      assert.deepEqual([...opt.getState().keys()].sort(), expectedNames);
      opt.dispose();
      assert.equal(opt.stateBytes(), 0);
      assert.equal(tf.memory().numTensors, tensorsBefore);
      disposeParams(params);
    });

    test(`${name}: updateNorm is the norm of the applied change, NaN unless measured (${backend})`, async () => {
      await useTestBackend(backend);
      const params = makeParams();
      const opt = createOptimizer(configFor(name));
      const r0 = run1(opt, params, 0, false);
      assert.ok(Number.isNaN(r0.updateNorm));
      const before = params.flatMap((p) => values(p.variable));
      const r1 = run1(opt, params, 1, true);
      const after = params.flatMap((p) => values(p.variable));
      const norm = Math.sqrt(after.reduce((s, x, i) => s + (x - (before[i] as number)) ** 2, 0));
      assert.ok(norm > 0);
      assert.ok(Math.abs(r1.updateNorm - norm) <= 1e-5 * norm, `updateNorm ${r1.updateNorm} vs ${norm}`);
      opt.dispose();
      disposeParams(params);
    });
  }

  for (const name of ['adamw', 'lion', 'sgd'] as const) {
    test(`${name}: a tensor with a NaN or Inf gradient is skipped and counted (${backend})`, async () => {
      await useTestBackend(backend);
      const params = makeParams();
      const opt = createOptimizer(configFor(name));
      run(opt, params, 0, 1, 0.01);
      const snapshot = (): Map<string, number[]> => {
        const out = new Map<string, number[]>();
        for (const p of params) out.set(p.name, values(p.variable));
        for (const [k, t] of opt.getState()) out.set(k, values(t));
        return out;
      };
      const before = snapshot();
      const grads = gradsAt(params, 1);
      grads['w'] = (grads['w'] as number[]).map((x, i) => (i === 3 ? Number.NaN : x));
      grads['b'] = [Number.NEGATIVE_INFINITY, 0];
      const report = stepWith(opt, params, grads, { step: 1, lr: 0.01, measure: false });
      assert.equal(report.nanEvents, 2);
      const after = snapshot();
      for (const [k, v] of before) {
        const skipped = k === 'w' || k === 'b' || k.startsWith('w/') || k.startsWith('b/');
        if (skipped) assert.deepEqual(after.get(k), v, `${k} unchanged`);
        else assert.notDeepEqual(after.get(k), v, `${k} updated`);
      }
      opt.dispose();
      disposeParams(params);
    });
  }
}

function run1(opt: ReturnType<typeof createOptimizer>, params: ModelParam[], t: number, measure: boolean) {
  return stepWith(opt, params, gradsAt(params, t), { step: t, lr: 0.01, measure });
}

test('bad inputs are rejected with clear errors', async () => {
  await initBackend('cpu');
  const params = makeParams();
  const opt = createOptimizer(defaultOptimizerConfig('adamw'));
  const grads = gradsAt(params, 0);
  assert.throws(() => stepWith(opt, params, grads, { step: -1, lr: 0.1, measure: false }), /step must be an integer/);
  assert.throws(() => stepWith(opt, params, grads, { step: 0, lr: Number.NaN, measure: false }), /lr must be a finite/);
  assert.throws(() => opt.step(params, new Map(), { step: 0, lr: 0.1, measure: false }), /no gradient for parameter 'emb'/);
  const wrong = tf.zeros([2, 2]);
  const bad = new Map<string, Tensor>(params.map((p) => [p.name, p.name === 'w' ? wrong : p.variable]));
  assert.throws(() => opt.step(params, bad, { step: 0, lr: 0.1, measure: false }), /gradient of 'w' has shape \[2, 2\]/);
  wrong.dispose();
  const twice = [params[0] as ModelParam, params[0] as ModelParam];
  assert.throws(() => stepWith(opt, twice, grads, { step: 0, lr: 0.1, measure: false }), /appears twice/);

  const z = tf.zeros([3]);
  assert.throws(() => opt.setState(new Map([['emb/q', z]])), /unexpected state tensor 'emb\/q'/);
  assert.throws(() => opt.setState(new Map([['emb/m', z]])), /incomplete state, missing emb\/v/);
  // A restored slot of the wrong shape is caught at the next step.
  opt.setState(new Map([['emb/m', z], ['emb/v', z]]));
  assert.throws(() => stepWith(opt, params, grads, { step: 0, lr: 0.1, measure: false }), /state 'emb\/m' has shape \[3\]/);
  z.dispose();
  opt.dispose();
  disposeParams(params);
});

test('createOptimizer and defaultOptimizerConfig', () => {
  assert.deepEqual(defaultOptimizerConfig('adamw'), { name: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 });
  assert.deepEqual(defaultOptimizerConfig('lion'), { name: 'lion', lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 1e-1 });
  assert.deepEqual(defaultOptimizerConfig('tiger'), { name: 'tiger', lr: 1e-3, beta: 0.965, weightDecay: 0.01, shrink: 0.99 });
  assert.deepEqual(defaultOptimizerConfig('sgd'), { name: 'sgd', lr: 1e-2, momentum: 0.9, weightDecay: 0 });
  for (const name of OPTIMIZER_NAMES) {
    const opt = createOptimizer(defaultOptimizerConfig(name));
    assert.equal(opt.name, name);
    assert.deepEqual(opt.config, defaultOptimizerConfig(name));
    opt.dispose();
  }
  assert.throws(() => defaultOptimizerConfig('adam' as OptimizerName), /unknown optimizer 'adam' \(expected one of: adamw, lion, tiger, sgd\)/);
  assert.throws(() => createOptimizer({ name: 'rmsprop' } as unknown as OptimizerConfig), /unknown optimizer 'rmsprop'/);
  assert.throws(() => createOptimizer({ ...defaultOptimizerConfig('adamw'), lr: 0 }), /adamw: lr must be a finite number in \(0, ∞\), got 0/);
  assert.throws(() => createOptimizer({ name: 'adamw', lr: 1e-3, beta1: 1, beta2: 0.999, eps: 1e-8, weightDecay: 0 }), /beta1/);
  assert.throws(() => createOptimizer({ name: 'lion', lr: 1e-4, beta1: 0.9, beta2: 1.5, weightDecay: 0 }), /beta2/);
  assert.throws(() => createOptimizer({ name: 'tiger', lr: 1e-3, beta: 0.965, weightDecay: 0, shrink: 1.5 }), /shrink/);
  assert.throws(() => createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: -1 }), /weightDecay/);
});
