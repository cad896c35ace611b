/**
 * Grid-world checkpoints: safetensors like every run (the agent's parameters and the optimizer's
 * state), opened by the inspector's reader; a cancelled run resumes from its newest valid
 * checkpoint and ends bit-identical to an uninterrupted run; a damaged checkpoint is skipped with
 * a warning naming it; a run killed after its final checkpoint resumes without a second final
 * evaluation.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { runTraining, type RunTrainingOptions } from '../../src/engine/train/runTraining';
import { loadCheckpoint } from '../../src/engine/checkpoint/checkpoint';
import { agentLayout } from '../../src/engine/es/agent';
import { listCheckpoints, readMetrics, readRunFile, writeRunFile } from '../../src/core/experiment/runFolder';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';
import { headerView } from '../../src/extension/views/inspector/checkpointData';
import { GRID_WORLD_FILE } from '../../src/protocol/runFolder';
import { probeAttention } from '../../src/backend/handlers/probeAttention';
import { tempDir } from '../integration/helpers';
import { gridRunConfig } from './gridWorldConfig';

before(async () => {
  await useTestBackend(primaryTestBackend('cpu'));
});

const config = gridRunConfig({ train: { steps: 6, checkpointEvery: 2, evalEvery: 3 } });

function options(runDir: string, overrides: Partial<RunTrainingOptions> = {}): RunTrainingOptions {
  return { runDir, experiment: 'g', config, backend: 'cpu', resume: false, isCancelled: () => false, onEvent: () => undefined, ...overrides };
}

const strip = (dir: string): unknown[] => readMetrics(dir).map((m) => ({ ...m, wallTime: 0 }));

async function tensors(file: string): Promise<Map<string, number[]>> {
  const st = await openSafetensors(file);
  try {
    const out = new Map<string, number[]>();
    for (const t of st.tensors) out.set(t.name, Array.from(await st.readAsFloat32(t.name)));
    return out;
  } finally {
    await st.close();
  }
}

let whole = '';

test('a grid-world run saves safetensors checkpoints: the agent under its parameter names, the optimizer state, the config', async () => {
  whole = tempDir('grid-ckpt');
  const end = await runTraining(options(whole));
  assert.equal(end.status, 'completed', end.error ?? '');
  assert.deepEqual(listCheckpoints(whole).map((c) => c.step), [2, 4, 6]);
  const run = readRunFile(whole);
  assert.equal(run.lastCheckpoint, path.join('checkpoints', path.basename((listCheckpoints(whole).at(-1) as { file: string }).file)));
  const file = (listCheckpoints(whole).at(-1) as { file: string }).file;
  const loaded = await loadCheckpoint(file);
  assert.equal(loaded.metadata.step, 6);
  assert.equal(loaded.metadata.runConfig.task.name, 'grid-world');
  const layout = agentLayout(config.model, 13, 9);
  assert.deepEqual([...loaded.params.keys()], layout.params.map((p) => p.name));
  assert.ok(loaded.optimizerState.size > 0, 'no optimizer state saved');
  // The inspector's reader: the header with the run's config, every tensor listed.
  const st = await openSafetensors(file);
  try {
    const view = headerView(st);
    assert.equal(view.checkpointProblem, null);
    assert.equal(view.checkpoint?.step, 6);
    assert.ok(view.tensors.some((t) => t.name === 'tok') && view.tensors.some((t) => t.name.startsWith('optimizer/')));
  } finally {
    await st.close();
  }
  // The typed-input attention view says why it does not apply, instead of a shape mismatch.
  await assert.rejects(probeAttention({ checkpoint: file, input: '0' } as Parameters<typeof probeAttention>[0]), /grid-world agent acts step by step/);
});

test('a cancelled grid-world run resumes from its checkpoint and ends bit-identical; a damaged checkpoint is skipped with its name', async () => {
  const dir = tempDir('grid-resume');
  const stopped = await runTraining(options(dir, { isCancelled: (s) => s >= 3 }));
  assert.equal(stopped.status, 'cancelled');
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [2, 3]);
  // Damage the newest (step 3): the resume warns and continues from step 2.
  const newest = (listCheckpoints(dir).at(-1) as { file: string }).file;
  fs.truncateSync(newest, 100);
  const warnings: string[] = [];
  const resumed = await runTraining(options(dir, { resume: true, log: { log: (_level, m) => warnings.push(m) } }));
  assert.equal(resumed.status, 'completed', resumed.error ?? '');
  assert.ok(warnings.some((w) => w.includes(newest) && /skipped, not a usable checkpoint/.test(w)), warnings.join('\n'));
  assert.deepEqual(strip(dir), strip(whole));
  assert.deepEqual(await tensors((listCheckpoints(dir).at(-1) as { file: string }).file), await tensors((listCheckpoints(whole).at(-1) as { file: string }).file));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, GRID_WORLD_FILE), 'utf8')), JSON.parse(fs.readFileSync(path.join(whole, GRID_WORLD_FILE), 'utf8')));
  // The inspector's reader on the damaged file: a clear error naming it.
  await assert.rejects(openSafetensors(newest), (err: Error) => err.message.includes(path.basename(newest)));
});

test('a grid-world run killed after its final evaluation and checkpoint, before run.json said completed, resumes without evaluating twice', async () => {
  const dir = tempDir('grid-killed-at-end');
  fs.cpSync(whole, dir, { recursive: true });
  // The folder at that moment: run.json as the final checkpoint wrote it (still running), no grid-world.json yet.
  const run = readRunFile(dir);
  writeRunFile(dir, { ...run, status: 'running', timings: { ...run.timings, endedAt: null } });
  fs.rmSync(path.join(dir, GRID_WORLD_FILE));
  const resumed = await runTraining(options(dir, { resume: true }));
  assert.equal(resumed.status, 'completed', resumed.error ?? '');
  assert.equal(readMetrics(dir).filter((r) => r.kind === 'eval' && r.step === 6).length, 1);
  assert.deepEqual(strip(dir), strip(whole));
  assert.deepEqual(resumed.final, readRunFile(whole).final);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, GRID_WORLD_FILE), 'utf8')), JSON.parse(fs.readFileSync(path.join(whole, GRID_WORLD_FILE), 'utf8')));
});
