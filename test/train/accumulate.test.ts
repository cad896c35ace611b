/**
 * Gradient accumulation in the trainer (train.accumulate, docs/science.md §3): one step of k
 * micro-batches of B examples equals one step on the k·B examples at once for every optimizer
 * (no clipping: the mean of the micro-batch losses is the loss of the whole batch, AdamW/Lion/SGD
 * update with the mean gradient and Tiger's momentum takes (1 − β)/k of each micro-gradient);
 * micro-batches are drawn from (seed, step, micro index), the first one being the batch a run
 * without accumulation draws.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { expandGrid } from '../../src/core/experiment/grid';
import { tf } from '../../src/engine/tf';
import { Trainer, optimizationStep } from '../../src/engine/train/trainer';
import type { Batch } from '../../src/engine/train/trainer';
import { OPTIMIZER_NAMES } from '../../src/protocol/config';
import type { OptimizerName } from '../../src/protocol/config';
import type { ExperimentSpec } from '../../src/protocol/spec';

before(async () => {
  await useTestBackend(primaryTestBackend('wasm'));
});

function trainer(optimizer: OptimizerName, batchSize: number, accumulate: number, gradClip = 0, trainLengths = [5]): Trainer {
  const spec: ExperimentSpec = {
    name: 'acc',
    // One training length by default, so the step's micro-batches join into one batch of k·B.
    tasks: [{ name: 'sort', trainLengths, evalLengths: [5], options: { values: 8 } }],
    models: [{ label: 'm', layers: 1, dModel: 16, heads: 2, dFf: 32, position: 'rope' }],
    attentionScalings: ['standard'],
    optimizers: [{ name: optimizer, lr: optimizer === 'tiger' ? 0.1 : 1e-2 }],
    seeds: [7],
    train: { steps: 5, batchSize, accumulate, gradClip, evalExamples: 4, schedule: { kind: 'constant' } },
  };
  const [config] = expandGrid(spec);
  assert.ok(config);
  return new Trainer(config);
}

/** The k micro-batches of step `step` joined into one batch of k·B examples. */
function joined(t: Trainer, step: number): Batch {
  const parts = Array.from({ length: t.accumulate }, (_, i) => t.trainBatch(step, i));
  const first = parts[0] as Batch;
  const targets = new Int32Array(parts.reduce((n, p) => n + p.targets.length, 0));
  let at = 0;
  for (const p of parts) {
    targets.set(p.targets, at);
    at += p.targets.length;
  }
  const batch: Batch = { ...first, tokens: tf.concat(parts.map((p) => p.tokens), 0), targets, inputs: parts.reduce((n, p) => n + p.inputs, 0) };
  for (const p of parts) p.tokens.dispose();
  return batch;
}

function paramValues(t: Trainer): number[][] {
  return t.model.params.map((p) => Array.from(p.variable.dataSync()));
}

for (const name of OPTIMIZER_NAMES) {
  test(`${name}: 3 micro-batches of 4 then one update equal one step on the 12 examples at once`, () => {
    const acc = trainer(name, 4, 3);
    const whole = trainer(name, 4, 3); // same model and data; stepped by hand on the joined batch
    for (let step = 0; step < 3; step++) {
      const r = acc.trainStep(true);
      const batch = joined(whole, step);
      try {
        const w = optimizationStep(whole.model, whole.optimizer, batch, { step, lr: r.lr, gradClip: 0, q: 1, measure: true });
        assert.ok(Math.abs(r.loss - w.loss) <= 1e-5 * Math.abs(w.loss), `step ${step}: loss ${r.loss} vs ${w.loss}`);
      } finally {
        batch.tokens.dispose();
      }
      whole.step = step + 1;
      const a = paramValues(acc);
      const b = paramValues(whole);
      a.forEach((xs, i) =>
        xs.forEach((x, j) => {
          const y = (b[i] as number[])[j] as number;
          assert.ok(Math.abs(x - y) <= 2e-5 * Math.max(1, Math.abs(y)), `${acc.model.params[i]?.name}[${j}] at step ${step}: ${x} vs ${y}`);
        }),
      );
    }
    // Tiger keeps no buffer; the others one float32 per parameter more than without accumulation.
    const params = acc.model.parameterCount();
    const slots = { adamw: 2, lion: 1, sgd: 1, tiger: 1 }[name];
    assert.equal(acc.optimizer.stateBytes(), (slots + (name === 'tiger' ? 0 : 1)) * 4 * params);
    acc.dispose();
    whole.dispose();
  });
}

test('micro-batch 0 is the batch of a run without accumulation; the others are new draws of (seed, step, micro)', () => {
  const plain = trainer('adamw', 4, 1);
  const acc = trainer('adamw', 4, 3);
  const tokens = (b: Batch): number[] => {
    const v = Array.from(b.tokens.dataSync());
    b.tokens.dispose();
    return v;
  };
  assert.deepEqual(tokens(acc.trainBatch(2, 0)), tokens(plain.trainBatch(2)));
  const m1 = tokens(acc.trainBatch(2, 1));
  assert.notDeepEqual(m1, tokens(acc.trainBatch(2, 2)));
  assert.notDeepEqual(m1, tokens(acc.trainBatch(3, 1)));
  assert.deepEqual(m1, tokens(acc.trainBatch(2, 1)), 'deterministic');
  plain.dispose();
  acc.dispose();
});

test('the micro-batches of a step share its task size n, so accumulation sees the mixture of sizes a large batch sees', () => {
  const acc = trainer('adamw', 4, 4, 0, [3, 4, 5, 6, 7, 8]);
  const sizes = new Set<number>();
  for (let step = 0; step < 12; step++) {
    const ns = Array.from({ length: 4 }, (_, micro) => {
      const b = acc.trainBatch(step, micro);
      b.tokens.dispose();
      return b.n;
    });
    assert.deepEqual(new Set(ns).size, 1, `step ${step}: sizes ${ns.join(', ')}`);
    sizes.add(ns[0] as number);
  }
  assert.ok(sizes.size >= 3, `steps draw different sizes (${[...sizes].join(', ')})`);
  acc.dispose();
});

test('tf.memory() stays flat over accumulated steps (the buffer is made once)', () => {
  const t = trainer('lion', 4, 2, 1);
  t.trainStep(true);
  const after1 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) t.trainStep(i % 2 === 0);
  assert.equal(tf.memory().numTensors, after1);
  const r = t.trainStep(true);
  assert.ok(Number.isFinite(r.gradNorm) && Number.isFinite(r.updateNorm) && r.updateNorm > 0 && r.accuracy >= 0);
  t.dispose();
});
