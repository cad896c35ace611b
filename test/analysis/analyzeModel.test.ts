/**
 * The analyses on real (tiny) models: every section is deterministic for a given seed, the
 * numbers are in range, the probes a run logs are there, and analyze / report work on a run folder.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModel, analyzePath, defaultAnalysisSettings } from '../../src/engine/analysis/analyzeModel';
import { OptimizerProbe } from '../../src/engine/analysis/optimizerProbe';
import { readRunData, summarizeExperiment } from '../../src/core/analysis/summarizeExperiment';
import { initBackend } from '../../src/engine/backend';
import { expandGrid } from '../../src/core/experiment/grid';
import { readMetrics, writeExperimentFile } from '../../src/core/experiment/runFolder';
import { tf } from '../../src/engine/tf';
import { runTraining } from '../../src/engine/train/runTraining';
import { Trainer } from '../../src/engine/train/trainer';
import type { AnalysisFile } from '../../src/protocol/analysis';
import type { RunConfig } from '../../src/protocol/config';
import { RUN_FOLDER_VERSION } from '../../src/protocol/runFolder';
import type { ExperimentSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-analysis-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function spec(overrides: Partial<ExperimentSpec> = {}): ExperimentSpec {
  return {
    name: 'tiny-analysis',
    tasks: [{ name: 'recall', trainLengths: [3, 4], evalLengths: [4, 6], options: { capacity: 2, keys: 8, values: 4 } }],
    models: [{ label: 'r', layers: 1, dModel: 16, heads: 2, dFf: 16, rseBits: 4 }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'tiger', lr: 1e-2 }],
    seeds: [1],
    train: { steps: 6, batchSize: 4, evalExamples: 8, logEvery: 2, evalEvery: 3, seedsPerInput: 2, q: 4 },
    ...overrides,
  };
}

function configOf(s: ExperimentSpec): RunConfig {
  const [c] = expandGrid(s);
  assert.ok(c);
  return c;
}

const settings = (c: RunConfig) => defaultAnalysisSettings(c, { examplesPerLength: 6, randomInputs: 5, randomSeeds: 4 });

function stripClock(a: AnalysisFile): unknown {
  return { ...a, createdAt: '', seconds: 0 };
}

test('every analysis is deterministic for a given seed and changes with the seed', () => {
  const config = configOf(spec());
  const trainer = new Trainer(config);
  try {
    const subject = { config, task: trainer.task, model: trainer.model };
    const opts = { runId: config.id, experiment: 'x', source: { kind: 'run' as const, checkpoint: null, step: 0 }, metrics: [] };
    const a = analyzeModel(subject, { ...opts, settings: settings(config) });
    const b = analyzeModel(subject, { ...opts, settings: settings(config) });
    assert.deepEqual(stripClock(a), stripClock(b));
    const c = analyzeModel(subject, { ...opts, settings: { ...settings(config), seed: 99 } });
    assert.notDeepEqual(c.randomized.pCorrectMean, a.randomized.pCorrectMean, 'another seed draws other RSE seeds');

    // shapes and ranges
    assert.deepEqual(a.entropy.heads, ['L0.H0', 'L0.H1']);
    assert.deepEqual(a.entropy.meanNormalized.columnLabels, ['n=4', 'n=6']);
    for (const row of a.entropy.meanNormalized.values) for (const v of row) assert.ok(v !== null && v >= 0 && v <= 1);
    assert.deepEqual(a.entropy.beyondTraining, [false, true]);
    assert.equal(a.entropy.entropySlopes.length, 2);
    assert.equal(a.entropy.normalizedSlopes.length, 2);
    for (const row of a.entropy.meanEntropy.values) for (const v of row) assert.ok(v !== null && v >= 0);
    assert.equal(a.entropy.retrieval, null, 'a memory bottleneck hides the pairs from the query row');
    const pattern = a.patterns.inputs[0];
    assert.ok(pattern && pattern.tokens.length === pattern.probabilities[0]?.[0]?.length);
    for (const row of pattern.probabilities[0]?.[1] ?? []) assert.ok(Math.abs(row.reduce((s, x) => s + x, 0) - 1) < 1e-3);
    assert.deepEqual(a.lengthGeneralization.rows.map((r) => r.length), [4, 6]);
    for (const r of a.lengthGeneralization.rows) close1(r.failures.correct + r.failures.wrongShape + r.failures.wrongValues);
    assert.equal(a.randomized.seeds, 4);
    assert.equal(a.randomized.inputs, 5);
    assert.deepEqual(a.randomized.outputPositions, ['a0', 'eos']);
    assert.equal(a.randomized.majorityVote.accuracy.length, 4);
    const adv = a.randomized.adversarial;
    assert.ok(adv && adv.taskStore && adv.taskStore.capacity === 2 && adv.values === 4 && adv.seeds === 4);
    assert.ok(adv.matchedCapacity >= 0 && adv.matchedCapacity <= 4);
    assert.equal(a.randomized.success.histogram.fractions.length, 10);
    close1(a.randomized.success.histogram.fractions.reduce((x, y) => x + y, 0));
    assert.ok(a.randomized.loss.worst >= a.randomized.loss.p95 && a.randomized.loss.p95 >= 0);
  } finally {
    trainer.dispose();
  }
});

function close1(x: number): void {
  assert.ok(Math.abs(x - 1) < 1e-9, `${x} ≠ 1`);
}

test('a model without RSE is read under one seed and is never properly random', () => {
  const base = spec();
  const config = configOf(spec({ models: [{ label: 'd', layers: 1, dModel: 16, heads: 2, dFf: 16 }], train: { ...base.train, seedsPerInput: 1 } }));
  const trainer = new Trainer(config);
  try {
    const a = analyzeModel(
      { config, task: trainer.task, model: trainer.model },
      { runId: config.id, experiment: 'x', source: { kind: 'run', checkpoint: null, step: 0 }, metrics: [], settings: settings(config) },
    );
    assert.equal(a.randomized.seeds, 1);
    assert.equal(a.randomized.properlyRandom.fraction, 0);
    for (const row of a.randomized.pCorrectVariance.values) for (const v of row) assert.equal(v, 0);
    // read once, but its adversary's references are simulated with the K seeds an RSE model is read under
    assert.equal(a.randomized.adversarial?.seeds, 1);
    assert.equal(a.randomized.adversarial?.matchedStore.seeds, 4);
  } finally {
    trainer.dispose();
  }
});

test("the optimizer probe measures update RMS, sign agreement, Tiger's effective step and the weights' RMS", () => {
  const config = configOf(spec());
  const trainer = new Trainer(config);
  const probe = new OptimizerProbe(trainer.model.params, config.optimizer, (s) => s % 2 === 0);
  try {
    trainer.trainStep(false); // step 0 creates the optimizer state
    const tensorsBefore = tf.memory().numTensors;
    const records = [];
    let rmsBefore = 0;
    for (let s = 1; s < 5; s++) {
      probe.beforeStep(s);
      if (s === 4) {
        const kernel = trainer.model.params.find((p) => p.name === 'blocks.0.attn.qkv.kernel');
        assert.ok(kernel);
        const d = Array.from(kernel.variable.dataSync() as Float32Array);
        rmsBefore = Math.sqrt(d.reduce((acc, x) => acc + x * x, 0) / d.length);
      }
      const r = trainer.trainStep(false);
      const rec = probe.afterStep(s, r.lr, r.nanEvents, trainer.optimizer.stateBytes());
      if (rec) records.push({ rec, lr: r.lr });
    }
    assert.deepEqual(records.map((r) => r.rec.step), [2, 4]);
    for (const { rec, lr } of records) {
      assert.ok(rec.updateRms > 0 && Number.isFinite(rec.updateRms));
      assert.ok(rec.signAgreement !== null && rec.signAgreement >= 0 && rec.signAgreement <= 1);
      const bias = rec.tensors.find((t) => t.name === 'blocks.0.attn.qkv.bias');
      assert.ok(bias && Math.abs((bias.effectiveStep as number) - 0.5 * lr) < 1e-9);
    }
    const last = records[1];
    assert.ok(last);
    const kernel = last.rec.tensors.find((t) => t.name === 'blocks.0.attn.qkv.kernel');
    assert.ok(kernel && Math.abs((kernel.effectiveStep as number) - last.lr * rmsBefore) < 1e-6 * last.lr);
    // Weights after step 4 (the current ones): RMS over all, per kind with the largest |θ|, per tensor.
    const entries = (kinds: readonly string[]): number[] =>
      trainer.model.params.filter((p) => kinds.includes(p.kind)).flatMap((p) => Array.from(p.variable.dataSync() as Float32Array));
    const rmsOf = (xs: readonly number[]): number => Math.sqrt(xs.reduce((acc, x) => acc + x * x, 0) / xs.length);
    const all = entries(['matrix', 'embedding', 'bias', 'norm-gain', 'norm-bias']);
    assert.ok(Math.abs((last.rec.weightRms as number) - rmsOf(all)) < 1e-5 * rmsOf(all));
    assert.deepEqual(last.rec.groups?.map((g) => g.kind), ['matrix', 'embedding', 'bias', 'norm-gain', 'norm-bias']);
    for (const g of last.rec.groups ?? []) {
      const xs = entries([g.kind]);
      assert.ok(Math.abs(g.weightRms - rmsOf(xs)) < 1e-5 * rmsOf(xs), `${g.kind} RMS`);
      assert.equal(g.maxAbs, Math.max(...xs.map(Math.abs)), `${g.kind} max |θ|`);
    }
    const gains = last.rec.groups?.find((g) => g.kind === 'norm-gain');
    assert.ok(gains && gains.weightRms > 0.9, 'LayerNorm gains start at 1');
    const kernelValues = Array.from((trainer.model.params.find((p) => p.name === 'blocks.0.attn.qkv.kernel') as { variable: tf.Variable }).variable.dataSync());
    assert.ok(Math.abs((kernel.weightRms as number) - rmsOf(kernelValues)) < 1e-5 * rmsOf(kernelValues));
    probe.dispose();
    assert.ok(tf.memory().numTensors <= tensorsBefore, 'the probe leaves no tensor behind');
  } finally {
    probe.dispose();
    trainer.dispose();
  }
});

test('a run logs entropy and optimizer records, writes analysis.json; analyze and report work on the folder', async () => {
  const dir = tmp();
  const config = configOf(spec());
  const runDir = path.join(dir, config.id);
  writeExperimentFile(dir, { version: RUN_FOLDER_VERSION, name: 'tiny-analysis', spec: spec(), runs: [config.id], createdAt: new Date().toISOString() });
  const end = await runTraining({ runDir, experiment: 'tiny-analysis', config, backend: 'wasm', resume: false, isCancelled: () => false, onEvent: () => undefined });
  assert.equal(end.status, 'completed');
  const metrics = readMetrics(runDir);
  assert.equal(metrics[0]?.kind, 'train');
  assert.deepEqual(metrics.filter((m) => m.kind === 'optim').map((m) => m.step), [0, 2, 4, 5]);
  assert.deepEqual(metrics.filter((m) => m.kind === 'entropy').map((m) => m.step), [2, 4, 6]);
  const data = readRunData(runDir);
  assert.ok(data.analysis);
  assert.equal(data.analysis.source.step, 6);
  assert.deepEqual(data.analysis.entropyOverTraining?.steps, [2, 4, 6]);
  assert.equal(data.analysis.optimizer?.signAgreement[0], null);
  assert.ok(data.analysis.optimizer?.tigerEffectiveStep);
  const weights = data.analysis.optimizer?.weightRms;
  assert.ok(weights && weights.rowLabels[0] === 'all' && weights.rowLabels.includes('matrix'));
  assert.deepEqual(weights.columnLabels, ['0', '2', '4', '5']);
  assert.ok(weights.values.every((row) => row.every((v) => v !== null && v > 0)));
  assert.deepEqual(data.analysis.optimizer?.weightMaxAbs?.rowLabels, weights.rowLabels.slice(1));

  // analyze on the folder (its newest checkpoint) twice: the same file apart from the clock
  const one = await analyzePath(runDir, { out: path.join(dir, 'a1.json') });
  const two = await analyzePath(path.join(runDir, 'checkpoints', 'step-6.safetensors'), { out: path.join(dir, 'a2.json') });
  assert.deepEqual({ ...stripClock(one.analysis) as object, source: null }, { ...stripClock(two.analysis) as object, source: null });
  assert.deepEqual(one.analysis.entropy, data.analysis.entropy, 'the checkpoint gives what the run computed from memory');

  const { summary } = summarizeExperiment(dir);
  assert.ok(fs.existsSync(path.join(dir, 'summary.json')));
  assert.equal(summary.groups.length, 1);
  assert.equal(summary.headline.rows.length, 1);
  assert.ok(summary.headline.columns.includes('worst-key err'));
});
