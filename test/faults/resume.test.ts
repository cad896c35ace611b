/**
 * Resume that loses nothing (issue 11 §4, §1): after a stop at a checkpoint step, a damaged
 * newest checkpoint, leftover temporary files or a failing resume, metrics.jsonl, analysis.json
 * and the weights are those of a run that was never interrupted — the evaluation and entropy
 * records of the checkpoint's step and the sign agreement of the next step included — and a
 * completed run stays completed.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { expandGrid } from '../../src/core/experiment/grid';
import { listCheckpoints, readRunFile } from '../../src/core/experiment/runFolder';
import { runTraining } from '../../src/engine/train/runTraining';
import type { RunConfig } from '../../src/protocol/config';
import type { OptimRecord } from '../../src/protocol/runFolder';
import { analysisOf, assertSameWeights, history, tempDir, tinySpec } from './helpers';

/** 12 steps; evaluation, checkpoint, entropy and a logged step all at step 6. */
function config(optimizer: 'adamw' | 'tiger' = 'adamw'): RunConfig {
  const [c] = expandGrid(
    tinySpec({
      optimizers: [{ name: optimizer, lr: optimizer === 'adamw' ? 3e-3 : 1e-2 }],
      train: { steps: 12, batchSize: 8, evalEvery: 6, evalExamples: 8, logEvery: 2, checkpointEvery: 6 },
    }),
  );
  assert.ok(c);
  return c;
}

async function train(runDir: string, c: RunConfig, opts: { resume?: boolean; stopAt?: number; onEvent?: (type: string) => void } = {}): Promise<{ status: string; error: string | null }> {
  const end = await runTraining({
    runDir,
    experiment: 'tiny',
    config: c,
    backend: 'wasm',
    resume: opts.resume ?? false,
    isCancelled: (done) => opts.stopAt !== undefined && done >= opts.stopAt,
    onEvent: (m) => opts.onEvent?.(m.type),
  });
  return { status: end.status, error: end.error };
}

let straight = '';
before(async () => {
  await initBackend('wasm');
  straight = path.join(tempDir('straight'), 'r');
  const r = await train(straight, config());
  assert.equal(r.status, 'completed', String(r.error));
});

function assertSameHistory(runDir: string, what: string): void {
  assert.deepEqual(history(runDir), history(straight), `${what}: metrics.jsonl differs from the uninterrupted run's`);
}

test('stopped at a checkpoint step that also evaluates and measures entropy: resume keeps those records and the sign agreement', async () => {
  const runDir = path.join(tempDir('stop6'), 'r');
  assert.equal((await train(runDir, config(), { stopAt: 6 })).status, 'cancelled');
  assert.ok(history(runDir).some((r) => r.kind === 'eval' && r.step === 6));
  assert.equal((await train(runDir, config(), { resume: true })).status, 'completed');
  assertSameHistory(runDir, 'resumed at 6');
  const first = history(runDir).find((r): r is OptimRecord => r.kind === 'optim' && r.step === 6);
  assert.ok(first && first.signAgreement !== null, 'sign agreement of the first step after the resume');
  assert.deepEqual(analysisOf(runDir), analysisOf(straight), 'analysis.json');
  await assertSameWeights(path.join(runDir, 'checkpoints', 'step-12.safetensors'), path.join(straight, 'checkpoints', 'step-12.safetensors'));
});

test('resuming a completed run changes nothing: its final evaluation and entropy records stay', async () => {
  const runDir = path.join(tempDir('done'), 'r');
  fs.cpSync(straight, runDir, { recursive: true });
  const before = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
  assert.equal((await train(runDir, config(), { resume: true })).status, 'completed');
  assert.equal(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'), before);
  assert.ok(history(runDir).some((r) => r.kind === 'entropy' && r.step === 12), 'the final entropy record');
  assert.equal(readRunFile(runDir).status, 'completed');
});

test('a truncated newest checkpoint: resume falls back to the newest valid one and loses nothing', async () => {
  const runDir = path.join(tempDir('trunc'), 'r');
  fs.cpSync(straight, runDir, { recursive: true });
  // As a full disk on an older version left it: step-12 cut short under its final name, run.json still running.
  const last = path.join(runDir, 'checkpoints', 'step-12.safetensors');
  fs.truncateSync(last, Math.floor(fs.statSync(last).size / 2));
  const run = readRunFile(runDir);
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...run, status: 'running', pid: null }));
  const r = await train(runDir, config(), { resume: true });
  assert.equal(r.status, 'completed', String(r.error));
  assertSameHistory(runDir, 'resumed from step 6');
  await assertSameWeights(last, path.join(straight, 'checkpoints', 'step-12.safetensors'));
  assert.deepEqual(listCheckpoints(runDir).map((c) => c.step), [6, 12]);
});

test('stale temporary files of a killed writer are removed on resume', async () => {
  const runDir = path.join(tempDir('stale'), 'r');
  assert.equal((await train(runDir, config(), { stopAt: 6 })).status, 'cancelled');
  const stale = [path.join(runDir, '.run.json.tmp-999999-0a1b2c3d4e5f'), path.join(runDir, 'checkpoints', '.step-12.safetensors.tmp-999999-0a1b2c3d4e5f'), path.join(runDir, 'checkpoints', 'step-12.safetensors.tmp-999998-abcdef')];
  for (const f of stale) fs.writeFileSync(f, 'half a file');
  assert.equal((await train(runDir, config(), { resume: true })).status, 'completed');
  for (const f of stale) assert.equal(fs.existsSync(f), false, `${f} removed`);
});

test('a resume that fails never turns a completed run into a failed one, nor loses its metrics', async () => {
  const runDir = path.join(tempDir('nodowngrade'), 'r');
  fs.cpSync(straight, runDir, { recursive: true });
  fs.truncateSync(path.join(runDir, 'checkpoints', 'step-12.safetensors'), 100); // forces a retrain from step 6
  const before = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
  const r = await train(runDir, config(), {
    resume: true,
    onEvent: (type) => {
      if (type === 'run/checkpoint') throw new Error('injected failure');
    },
  });
  assert.equal(r.status, 'failed');
  assert.match(String(r.error), /stays completed: injected failure/);
  const after = readRunFile(runDir);
  assert.equal(after.status, 'completed');
  assert.ok(after.final && after.final.length === 2);
  assert.equal(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'), before);
});
