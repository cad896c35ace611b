import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MODEL_DEFAULTS, applySpecDefaults, defaultEmbedScale, resolveModelConfig, resolveTrainConfig } from '../../src/core/experiment/defaults';
import { validateSpec } from '../../src/core/experiment/validateSpec';
import { expandGrid } from '../../src/core/experiment/grid';
import { PRESETS } from '../../src/core/experiment/presets';
import { defaultOptimizerConfig } from '../../src/engine/optim';
import { baseSpec } from './specSamples';

test('train defaults follow the step count', () => {
  assert.deepEqual(resolveTrainConfig(undefined), {
    steps: 1000,
    batchSize: 32,
    accumulate: 1,
    schedule: { kind: 'warmup-cosine', warmupSteps: 50, minFactor: 0.1 },
    gradClip: 1,
    evalEvery: 100,
    evalExamples: 128,
    logEvery: 10,
    checkpointEvery: 0,
    q: 1,
    seedsPerInput: 1,
    qWarmup: 0,
  });
  const short = resolveTrainConfig({ steps: 7 });
  assert.deepEqual(short.schedule, { kind: 'warmup-cosine', warmupSteps: 1, minFactor: 0.1 });
  assert.equal(short.evalEvery, 1);
  const given = resolveTrainConfig({ steps: 10, schedule: { kind: 'constant' }, evalEvery: 3, gradClip: 0, q: 2 });
  assert.deepEqual([given.schedule, given.evalEvery, given.gradClip, given.q], [{ kind: 'constant' }, 3, 0, 2]);
});

test('model defaults and task-dependent fields', () => {
  const m = resolveModelConfig({ label: 'x' }, 'logn', { vocabSize: 20, maxLen: 30, trainLength: 12, featureWidth: null });
  assert.deepEqual(m, { ...MODEL_DEFAULTS, keySize: 16, valueSize: 16, vocabSize: 20, maxLen: 30, positionRange: 120, embedScale: 1, attentionScaling: 'logn', trainLength: 12, nar: null });
  const wide = resolveModelConfig({ label: 'x', maxLen: 64, positionRange: 64 }, 'standard', { vocabSize: 20, maxLen: 30, trainLength: 12, featureWidth: null });
  assert.deepEqual([wide.maxLen, wide.positionRange], [64, 64]);
  assert.throws(
    () => resolveModelConfig({ label: 'x' }, 'logn-train', { vocabSize: 5, maxLen: 1, trainLength: 1, featureWidth: null }),
    /'logn-train' scaling needs training sequences of at least 2 tokens/,
  );
});

test('applySpecDefaults writes out every task-independent default and stays valid', () => {
  const full = applySpecDefaults(baseSpec());
  assert.ok(validateSpec(full).ok, JSON.stringify(validateSpec(full)));
  assert.equal(full.backend, 'auto');
  assert.deepEqual(full.tasks[0]?.options, {});
  assert.deepEqual(full.models[0], { ...MODEL_DEFAULTS, label: 'small', dModel: 32, heads: 2, embedScale: 1 });
  const { name: _n, lr: _l, ...adamw } = defaultOptimizerConfig('adamw');
  assert.deepEqual(full.optimizers[0], { ...adamw, name: 'adamw', lr: 1e-3 });
  assert.deepEqual(full.optimizers[1], { beta1: 0.9, beta2: 0.99, name: 'lion', lr: [1e-4, 3e-4], weightDecay: 0.1 });
  assert.deepEqual(full.train, resolveTrainConfig({ steps: 100 }));
  const noEval = baseSpec();
  delete noEval.tasks[0]!.evalLengths;
  assert.deepEqual(applySpecDefaults(noEval).tasks[0]?.evalLengths, [4, 8]);
});

test('positions: `randomized` is sinusoidal with randomizePositions; sinusoidal codes scale token embeddings by √dModel by default', () => {
  const shape = { vocabSize: 20, maxLen: 30, trainLength: 12, featureWidth: null };
  const legacy = resolveModelConfig({ label: 'x', position: 'randomized', dModel: 36, heads: 4 }, 'standard', shape);
  assert.deepEqual(
    [legacy.position, legacy.randomizePositions, legacy.positionEval, legacy.positionRange, legacy.embedScale],
    ['sinusoidal', true, 'random', 120, 6],
  );
  const rope = resolveModelConfig({ label: 'x', position: 'rope', randomizePositions: true, positionEval: 'spread' }, 'standard', shape);
  assert.deepEqual([rope.position, rope.randomizePositions, rope.positionEval, rope.embedScale], ['rope', true, 'spread', 1]);
  assert.equal(resolveModelConfig({ label: 'x', position: 'sinusoidal', embedScale: 2.5 }, 'standard', shape).embedScale, 2.5);
  assert.deepEqual(
    (['none', 'learned', 'sinusoidal', 'rope'] as const).map((p) => defaultEmbedScale(p, 64)),
    [1, 1, 8, 1],
  );
  // The task's fixed or projected features are not a 0.02-scale table: no scaling by default.
  assert.deepEqual([defaultEmbedScale('sinusoidal', 64, 'features'), defaultEmbedScale('sinusoidal', 64, 'projected-features')], [1, 1]);
  // applySpecDefaults writes `randomized` out as what it means, and the scale that will run.
  const spec = baseSpec();
  spec.models[0] = { label: 'r', position: 'randomized', dModel: 16, heads: 2 };
  const full = applySpecDefaults(spec);
  assert.deepEqual(full.models[0], { ...MODEL_DEFAULTS, label: 'r', dModel: 16, heads: 2, position: 'sinusoidal', randomizePositions: true, embedScale: 4 });
  assert.ok(validateSpec(full).ok);
});

test('experiment.json holds the resolved spec: for every preset it runs exactly the grid of the spec as written', () => {
  for (const [name, preset] of Object.entries(PRESETS)) {
    const resolved = applySpecDefaults(preset.spec);
    assert.ok(validateSpec(resolved).ok, `${name}: ${JSON.stringify(validateSpec(resolved))}`);
    assert.deepEqual(expandGrid(resolved), expandGrid(preset.spec), `${name}: the same runs, configs and ids`);
  }
});
