import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { expandGrid } from '../../src/core/experiment/grid';
import { tf } from '../../src/engine/tf';
import { Trainer } from '../../src/engine/train/trainer';
import { evaluationExamples } from '../../src/engine/analysis/modelPasses';
import { evaluationPositions } from '../../src/engine/model/positionPlan';
import type { ExperimentSpec, ModelSpec, TaskSpec, TrainSpec } from '../../src/protocol/spec';

before(async () => {
  await useTestBackend(primaryTestBackend('wasm'));
});

function trainer(task: TaskSpec, model: Partial<ModelSpec>, train: TrainSpec = {}): Trainer {
  const spec: ExperimentSpec = {
    name: 't',
    tasks: [task],
    models: [{ label: 'm', layers: 1, dModel: 16, heads: 2, dFf: 32, ...model }],
    attentionScalings: ['logn'],
    optimizers: [{ name: 'tiger', lr: 1e-2 }],
    seeds: [3],
    train: { steps: 20, batchSize: 4, evalExamples: 6, ...train },
  };
  const [config] = expandGrid(spec);
  assert.ok(config);
  return new Trainer(config);
}

test('tf.memory().numTensors stays flat across training steps and evaluations', () => {
  const t = trainer({ name: 'sort', trainLengths: [3, 5], evalLengths: [5] }, { position: 'rope' });
  t.trainStep(true);
  t.evaluate();
  const after1 = tf.memory().numTensors;
  for (let i = 0; i < 8; i++) t.trainStep(i % 2 === 0);
  t.evaluate();
  assert.equal(tf.memory().numTensors, after1);
  t.dispose();
});

test('Random Seed Encoding with the q-norm objective over m seeds trains and evaluates', () => {
  const t = trainer(
    { name: 'recall', trainLengths: [4], evalLengths: [4, 6], options: { capacity: 2 } },
    { rseBits: 4, position: 'randomized' },
    { q: 4, seedsPerInput: 3 },
  );
  assert.equal(t.config.train.seedsPerInput, 3);
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) losses.push(t.trainStep(true).loss);
  assert.ok(losses.every(Number.isFinite), String(losses));
  const [r4, r6] = t.evaluate();
  assert.ok(r4 && r6 && r4.tokens < r6.tokens && Number.isFinite(r6.loss));
  t.dispose();
});

test('a bidirectional model is scored on its single pass; the same seed gives the same numbers', () => {
  const make = (): Trainer => trainer({ name: 'position-probe', trainLengths: [4, 6], evalLengths: [6, 8] }, { causal: false, position: 'learned' });
  const a = make();
  const b = make();
  const ra = [a.trainStep(true), a.trainStep(true)];
  const rb = [b.trainStep(true), b.trainStep(true)];
  assert.deepEqual(ra, rb);
  assert.deepEqual(a.evaluate(), b.evaluate());
  a.dispose();
  b.dispose();
});

test('a model learns: copy with AdamW goes well below the uniform loss in 60 steps', () => {
  const spec: ExperimentSpec = {
    name: 'learn',
    tasks: [{ name: 'copy', trainLengths: [4], evalLengths: [4], options: { values: 4 } }],
    models: [{ label: 'm', layers: 1, dModel: 32, heads: 2, dFf: 64, position: 'learned' }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-2, weightDecay: 0 }],
    seeds: [1],
    train: { steps: 60, batchSize: 16, evalExamples: 16, schedule: { kind: 'constant' } },
  };
  const [config] = expandGrid(spec);
  assert.ok(config);
  const t = new Trainer(config);
  const uniform = Math.log(t.task.vocab.length);
  let last = Infinity;
  for (let i = 0; i < 60; i++) last = t.trainStep(false).loss;
  assert.ok(last < 0.5 * uniform, `loss ${last} vs uniform ${uniform}`);
  t.dispose();
});

test('RSE on and off see the same rows and inputs per step; the m seeds of a step are shared by every input', () => {
  const task = { name: 'recall' as const, trainLengths: [4], evalLengths: [4], options: { keys: 6, values: 4, tokensPerPair: 1 } };
  const on = trainer(task, { rseBits: 4, position: 'none' }, { q: 4, seedsPerInput: 3, batchSize: 5 });
  const off = trainer(task, { rseBits: 0, position: 'none' }, { q: 4, seedsPerInput: 3, batchSize: 5 });
  const a = on.trainBatch(7);
  const b = off.trainBatch(7);
  try {
    assert.deepEqual(a.tokens.shape, [15, 5], 'batchSize × m rows');
    assert.deepEqual(b.tokens.shape, a.tokens.shape, 'the same rows without RSE');
    assert.deepEqual(Array.from(b.tokens.dataSync()), Array.from(a.tokens.dataSync()), 'the same inputs');
    assert.equal(b.seedBits, undefined);
    const bits = a.seedBits?.arraySync() as number[][];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) assert.deepEqual(bits[i * 3 + j], bits[j], `row ${i}·m + ${j} has seed ${j}`);
    assert.notDeepEqual(bits[0], bits[1], 'three different seeds');
    const rows = a.tokens.arraySync() as number[][];
    for (let i = 0; i < 5; i++) for (let j = 1; j < 3; j++) assert.deepEqual(rows[i * 3 + j], rows[i * 3], 'input-major copies');
  } finally {
    tf.dispose([a.tokens, b.tokens, ...(a.seedBits ? [a.seedBits] : [])]);
    on.dispose();
    off.dispose();
  }
});

test('recall with one token per pair on a linear-attention model with task features trains and is scored at the query', () => {
  const [config] = expandGrid({
    name: 't',
    tasks: [{ name: 'recall', trainLengths: [4], evalLengths: [4], options: { keys: 4, values: 4, tokensPerPair: 1 } }],
    models: [{ label: 'm', layers: 2, heads: 1, dFf: 0, attention: 'linear', keySize: 2, valueSize: 2, embedding: 'features', init: 'fan-in', norm: 'none', position: 'none', rseBits: 2 }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 3e-3 }],
    seeds: [3],
    train: { steps: 20, batchSize: 4, evalExamples: 6, q: 2, seedsPerInput: 2, qWarmup: 3 },
  });
  assert.ok(config);
  assert.equal(config.model.dModel, 2 + 4 + 2, 'value bits + one-hot key + seed bits');
  const t = new Trainer(config);
  const losses = Array.from({ length: 4 }, () => t.trainStep(true).loss);
  assert.ok(losses.every(Number.isFinite), String(losses));
  const [r] = t.evaluate();
  assert.ok(r && r.tokens === 5 && r.shape === 1 && Number.isFinite(r.loss), JSON.stringify(r));
  t.dispose();
});

/** Records the positions of every forward call of a trainer's model (the model object is a plain record). */
function recordPositions(t: Trainer): (Int32Array | undefined)[] {
  const calls: (Int32Array | undefined)[] = [];
  const model = t.model as { forward: Trainer['model']['forward'] };
  const forward = model.forward;
  model.forward = (input) => {
    calls.push(input.positions ? Int32Array.from(input.positions) : undefined);
    return forward(input);
  };
  return calls;
}

test('randomized positions are resampled at evaluation: a draw per example, the same draws on every run and evaluation', () => {
  const make = (seed: number): Trainer => {
    const spec: ExperimentSpec = {
      name: 't',
      tasks: [{ name: 'position-probe', trainLengths: [4], evalLengths: [6] }],
      models: [{ label: 'm', causal: false, layers: 1, dModel: 16, heads: 2, dFf: 32, position: 'rope', randomizePositions: true, positionRange: 30 }],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 1e-3 }],
      seeds: [seed],
      train: { steps: 2, batchSize: 4, evalExamples: 3 },
    };
    return new Trainer(expandGrid(spec)[0]!);
  };
  const a = make(1);
  const b = make(2);
  const callsA = recordPositions(a);
  const callsB = recordPositions(b);
  a.trainStep(false);
  a.evaluate();
  a.evaluate();
  b.evaluate();
  const train = callsA[0] as Int32Array;
  assert.equal(train.length, 4, 'training (n = 4, T = 4): one draw of T positions shared by the batch');
  const [eval1, eval2] = [callsA[1] as Int32Array, callsA[2] as Int32Array];
  assert.equal(eval1.length, 3 * 6, 'evaluation: one row per example');
  const rows = [0, 1, 2].map((i) => Array.from(eval1.subarray(i * 6, (i + 1) * 6)));
  assert.notDeepEqual(rows[0], rows[1], 'identical probe examples get different draws');
  assert.ok(rows.every((r) => r.every((p, i) => p >= 0 && p < 30 && (i === 0 || p > (r[i - 1] as number)))));
  assert.ok(rows.some((r) => r.at(-1)! > 5), 'drawn from the whole range, not 0…T−1');
  assert.deepEqual(eval2, eval1, 'every evaluation of a run reads the same draws');
  assert.deepEqual(callsB[0], eval1, 'a run with another training seed reads the same draws');
  // The analyses read the same examples at the same positions (their first 2, then all 3).
  const T = 6;
  assert.deepEqual(evaluationPositions(a.config.model, evaluationExamples(a.task, 6, 2), T), eval1.subarray(0, 2 * T));
  assert.deepEqual(evaluationPositions(a.config.model, evaluationExamples(a.task, 6, 3), T), eval1);
  a.dispose();
  b.dispose();
});

test('greedy decoding keeps one position draw per sequence: each step reads a prefix of the teacher-forced positions', () => {
  const spec: ExperimentSpec = {
    name: 't',
    tasks: [{ name: 'sort', trainLengths: [3], evalLengths: [3], options: { values: 8 } }],
    models: [{ label: 'm', layers: 1, dModel: 16, heads: 2, dFf: 32, position: 'sinusoidal', randomizePositions: true }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-3 }],
    seeds: [1],
    train: { steps: 1, batchSize: 2, evalExamples: 2 },
  };
  const t = new Trainer(expandGrid(spec)[0]!);
  const calls = recordPositions(t);
  t.evaluate();
  const [teacher, ...steps] = calls as Int32Array[];
  const T = teacher!.length / 2; // 2 examples
  assert.ok(steps.length >= 2, `decoded in ${steps.length} steps`);
  for (const step of steps) {
    const L = step.length / 2;
    for (let b = 0; b < 2; b++) {
      assert.deepEqual(Array.from(step.subarray(b * L, (b + 1) * L)), Array.from(teacher!.subarray(b * T, b * T + L)), `row ${b}, length ${L}`);
    }
  }
  t.dispose();
});
