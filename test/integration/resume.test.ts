/**
 * Checkpoints round-trip through resume exactly: a run cancelled mid-way and resumed ends with
 * the same parameters, bit for bit, as the same run trained straight through; the same seed and
 * backend give the same metrics.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';
import { expandGrid } from '../../src/core/experiment/grid';
import { listCheckpoints, readMetrics, readRunFile } from '../../src/core/experiment/runFolder';
import { tf } from '../../src/engine/tf';
import { runTraining } from '../../src/engine/train/runTraining';
import type { RunConfig } from '../../src/protocol/config';
import { tempDir, tinySpec } from './helpers';

before(async () => {
  await initBackend('wasm');
});

function config(optimizer: 'adamw' | 'lion' | 'tiger', accumulate = 1): RunConfig {
  const base = tinySpec();
  const [c] = expandGrid(tinySpec({ optimizers: [{ name: optimizer, lr: optimizer === 'adamw' ? 3e-3 : 1e-3 }], train: { ...base.train, accumulate } }));
  assert.ok(c);
  return c;
}

async function train(runDir: string, c: RunConfig, opts: { resume?: boolean; stopAt?: number } = {}): Promise<string> {
  const end = await runTraining({
    runDir,
    experiment: 'tiny',
    config: c,
    backend: 'wasm',
    resume: opts.resume ?? false,
    isCancelled: (done) => opts.stopAt !== undefined && done >= opts.stopAt,
    onEvent: () => undefined,
  });
  return end.status;
}

async function tensorsOf(file: string): Promise<Map<string, Uint8Array>> {
  const f = await openSafetensors(file);
  const out = new Map<string, Uint8Array>();
  for (const t of f.tensors) out.set(t.name, await f.readBytes(t.name));
  await f.close();
  return out;
}

for (const [opt, k] of [['adamw', 1], ['lion', 1], ['tiger', 1], ['adamw', 3], ['tiger', 3]] as const) {
  test(`${opt}${k > 1 ? ` with accumulate ${k}` : ''}: cancelled at step 7 and resumed equals training straight through, bit for bit`, async () => {
    const dir = tempDir('resume');
    const c = config(opt, k);
    const before = tf.memory().numTensors;
    assert.equal(await train(path.join(dir, 'straight'), c), 'completed');
    assert.equal(await train(path.join(dir, 'split'), c, { stopAt: 7 }), 'cancelled');
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives a run');

    const cancelled = readRunFile(path.join(dir, 'split'));
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.step, 7);
    assert.deepEqual(listCheckpoints(path.join(dir, 'split')).map((x) => x.step), [5, 7]);

    assert.equal(await train(path.join(dir, 'split'), c, { resume: true }), 'completed');
    const a = await tensorsOf(path.join(dir, 'straight', 'checkpoints', 'step-12.safetensors'));
    const b = await tensorsOf(path.join(dir, 'split', 'checkpoints', 'step-12.safetensors'));
    assert.deepEqual([...a.keys()], [...b.keys()]);
    assert.ok([...a.keys()].some((k) => k.startsWith('optimizer/')), 'optimizer state is in the checkpoint');
    for (const [name, bytes] of a) assert.ok(Buffer.from(bytes).equals(Buffer.from(b.get(name) as Uint8Array)), `${name} differs`);

    // The metrics of the resumed run describe one history, the same as the straight run's.
    const strip = (runDir: string): unknown[] => readMetrics(runDir).map((r) => ({ ...r, wallTime: 0 }));
    assert.deepEqual(strip(path.join(dir, 'split')), strip(path.join(dir, 'straight')));
    const run = readRunFile(path.join(dir, 'split'));
    assert.equal(run.status, 'completed');
    assert.ok(run.final && run.final.length === 2);
  });
}

test('a run writes metrics, evaluations at every length, and checkpoints on schedule', async () => {
  const dir = tempDir('folder');
  const runDir = path.join(dir, 'r');
  assert.equal(await train(runDir, config('adamw')), 'completed');
  const metrics = readMetrics(runDir);
  const trainSteps = metrics.filter((m) => m.kind === 'train').map((m) => m.step);
  assert.deepEqual(trainSteps, [0, 2, 4, 6, 8, 10, 11]);
  const evals = metrics.filter((m) => m.kind === 'eval');
  assert.deepEqual(evals.map((e) => e.step), [6, 12]);
  for (const e of evals) {
    if (e.kind !== 'eval') continue;
    assert.deepEqual(e.results.map((r) => r.length), [4, 6]);
    for (const r of e.results) for (const k of ['exact', 'tokenAccuracy', 'shape', 'parse', 'clrs'] as const) assert.ok(r[k] >= 0 && r[k] <= 1);
  }
  const first = metrics[0];
  assert.ok(first && first.kind === 'train' && Number.isFinite(first.gradNorm) && Number.isFinite(first.updateNorm) && first.lr > 0);
  assert.deepEqual(listCheckpoints(runDir).map((x) => x.step), [5, 10, 12]);
  const run = readRunFile(runDir);
  assert.equal(run.lastCheckpoint, path.join('checkpoints', 'step-12.safetensors'));
  assert.ok(run.parameters > 0 && run.optimizerStateBytes === 2 * 4 * run.parameters);
  assert.equal(fs.readdirSync(runDir).filter((f) => f.includes('.tmp')).length, 0);
});
