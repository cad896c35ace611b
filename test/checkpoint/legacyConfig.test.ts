/**
 * Run folders and checkpoints written before randomization became a flag say `position:
 * 'randomized'` and have no randomizePositions / positionEval / embedScale: they must read as
 * exactly what ran (sinusoidal at randomized positions, evaluated at the even spread, unscaled
 * token embeddings), so an old checkpoint's model computes what it computed then.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { subjectFromCheckpoint } from '../../src/engine/analysis/analyzeModel';
import { initBackend } from '../../src/engine/backend';
import { saveCheckpoint } from '../../src/engine/checkpoint/checkpoint';
import { readRunFile } from '../../src/core/experiment/runFolder';
import { createModel } from '../../src/engine/model/transformer';
import { spreadPositions } from '../../src/engine/model/positions';
import { tf } from '../../src/engine/tf';
import { makeCheckpointMetadata } from '../../src/protocol/checkpoint';
import { upgradeModelConfig, type ModelConfig, type RunConfig } from '../../src/protocol/config';
import { tempDir } from './helpers';

before(async () => {
  await initBackend('cpu');
});

/** A run config as the engine wrote it before the position fields existed. */
function legacyRun(): RunConfig {
  // Cast through unknown: the file's fields are those of the version that wrote it.
  const model = {
    causal: false, layers: 1, dModel: 16, heads: 2, dFf: 16, vocabSize: 12, maxLen: 8, position: 'randomized', positionRange: 32,
    attentionScaling: 'standard', lognBase: 512, trainLength: 8, rseBits: 0,
  };
  const run = {
    id: 'position-probe-randomized-standard-adamw-s1',
    task: { name: 'position-probe', trainLengths: [4, 8], evalLengths: [8], options: {} },
    model,
    optimizer: { name: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
    train: { steps: 10, batchSize: 4, schedule: { kind: 'constant' }, gradClip: 1, evalEvery: 10, evalExamples: 4, logEvery: 10, checkpointEvery: 0, q: 1, seedsPerInput: 1 },
    seed: 1,
  };
  return run as unknown as RunConfig;
}

test('a legacy model config reads as what it ran; a current one comes back unchanged', () => {
  const upgraded = upgradeModelConfig(legacyRun().model);
  assert.deepEqual(
    [upgraded.position, upgraded.randomizePositions, upgraded.positionEval, upgraded.embedScale, upgraded.positionRange],
    ['sinusoidal', true, 'spread', 1, 32],
  );
  const legacyRope = upgradeModelConfig({ ...legacyRun().model, position: 'rope' });
  assert.deepEqual([legacyRope.position, legacyRope.randomizePositions, legacyRope.positionEval, legacyRope.embedScale], ['rope', false, 'random', 1]);
  const current: ModelConfig = { ...upgraded, position: 'rope', positionEval: 'random', embedScale: 1 };
  assert.deepEqual(upgradeModelConfig(current), current);
});

test('a legacy checkpoint loads into a model that computes what the old one did, and its run.json reads the same way', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = legacyRun();
    // The model as the old engine built it: sinusoidal code, no embedding scale.
    const old = createModel({ ...run.model, position: 'sinusoidal', randomizePositions: true, positionEval: 'spread', embedScale: 1 }, 7);
    const tokens = tf.tensor2d([[0, 0, 0, 0, 0, 0]], undefined, 'int32');
    const want = tf.tidy(() => old.forward({ tokens, positions: spreadPositions(6, 32) }).logits.dataSync() as Float32Array);
    const file = path.join(dir, 'step-10.safetensors');
    await saveCheckpoint(file, { params: old.params, optimizerState: new Map(), metadata: makeCheckpointMetadata(run, 10, 'cpu', { 'attention-lab': '0.1.0' }) });
    old.dispose();
    const { subject } = await subjectFromCheckpoint(file);
    try {
      const m = subject.config.model;
      assert.deepEqual([m.position, m.randomizePositions, m.positionEval, m.embedScale], ['sinusoidal', true, 'spread', 1]);
      const got = tf.tidy(() => subject.model.forward({ tokens }).logits.dataSync() as Float32Array);
      assert.deepEqual(Array.from(got), Array.from(want));
    } finally {
      subject.model.dispose();
      tokens.dispose();
    }
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    const runFile = {
      version: 1, id: run.id, experiment: 'x', config: run, status: 'completed', backend: 'cpu', parameters: 1, optimizerStateBytes: 0, step: 10,
      timings: { createdAt: '2025-01-01T00:00:00Z', startedAt: null, endedAt: null, trainSeconds: 0, evalSeconds: 0 },
      lastCheckpoint: null, error: null, final: null, versions: {},
    };
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(runFile));
    assert.deepEqual(readRunFile(runDir).config.model, upgradeModelConfig(run.model));
  } finally {
    cleanup();
  }
});
