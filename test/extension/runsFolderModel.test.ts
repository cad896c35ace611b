/**
 * The one host-side model of the runs folder: it reads each file once and then only what changed
 * (stat-gated run.json / experiment.json / analysis.json / summary.json, metrics.jsonl tailed from
 * its last offset), pushes what changed (metrics lines, a run's status, structure), and finds
 * experiments made by another process (the CLI, `mkdir -p`) on a sweep.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { RunsFolderModel, type RunsChange } from '../../src/extension/runs/runsFolderModel';
import { writeRunAnnotations } from '../../src/core/experiment/organise';

function runJson(id: string, status: string, step: number): object {
  const config = { id, seed: 1, task: { name: 'copy' }, model: { attentionScaling: 'standard' }, optimizer: { name: 'adamw', lr: 1e-3 }, train: { steps: 100 } };
  return { version: 1, id, experiment: 'e', status, step, backend: 'wasm', error: null, parameters: 1, optimizerStateBytes: 0, final: null, lastCheckpoint: null, timings: { createdAt: '2025-01-01T00:00:00Z', startedAt: null, endedAt: null, trainSeconds: 0, evalSeconds: 0 }, versions: {}, config };
}
const train = (step: number, loss: number): string => JSON.stringify({ kind: 'train', step, loss, accuracy: 0, gradNorm: 1, updateNorm: 1, lr: 1e-3, nanEvents: 0, wallTime: step, length: 4 }) + '\n';

/** A CLI-like writer: mkdir -p, experiment.json, run.json, metrics lines. */
function writeExperiment(root: string, name: string, runIds: string[]): string {
  const dir = path.join(root, name);
  for (const id of runIds) fs.mkdirSync(path.join(dir, id), { recursive: true });
  fs.writeFileSync(path.join(dir, 'experiment.json'), JSON.stringify({ version: 1, name, spec: {}, runs: runIds, createdAt: '2025-01-01T00:00:00Z' }));
  for (const id of runIds) fs.writeFileSync(path.join(dir, id, 'run.json'), JSON.stringify(runJson(id, 'running', 0)));
  return dir;
}

/** Counts the files the model opens while `fn` runs (the real fs module, which the bundle's imports read through). */
function countReads(fn: () => void): number {
  const real = createRequire(__filename)('node:fs') as Record<string, (...a: unknown[]) => unknown>;
  let n = 0;
  const saved = { readFileSync: real.readFileSync, openSync: real.openSync };
  for (const k of ['readFileSync', 'openSync'] as const) {
    const orig = saved[k] as (...a: unknown[]) => unknown;
    real[k] = (...a: unknown[]) => (n++, orig(...a));
  }
  try {
    fn();
  } finally {
    Object.assign(real, saved);
  }
  return n;
}

test('metrics lines are pushed as they are appended, and nothing unchanged is read again', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-model-'));
  const exp = writeExperiment(root, 'quick', ['r1', 'r2']);
  fs.writeFileSync(path.join(exp, 'r1', 'metrics.jsonl'), train(0, 2) + train(10, 1.5));
  const model = new RunsFolderModel(root);
  const changes: RunsChange[] = [];
  model.onDidChange((c) => changes.push(c));
  const snap = model.snapshot();
  assert.deepEqual(snap.map((e) => e.runs.map((r) => [r.run.id, r.metrics.length])), [[['r1', 2], ['r2', 0]]]);

  assert.equal(countReads(() => model.sweep()), 0, 'a sweep over unchanged files reads nothing');

  fs.appendFileSync(path.join(exp, 'r1', 'metrics.jsonl'), train(20, 1.2) + '{"kind":"train","st');
  model.touch(path.join(exp, 'r1', 'metrics.jsonl'));
  const metrics = changes.filter((c): c is Extract<RunsChange, { kind: 'metrics' }> => c.kind === 'metrics');
  assert.deepEqual(metrics.map((c) => [c.runId, c.records.map((r) => r.step), c.replace]), [['r1', [20], false]], 'only the whole new line');
  assert.deepEqual(model.snapshot()[0]?.runs[0]?.metrics.map((r) => r.step), [0, 10, 20]);

  changes.length = 0;
  fs.writeFileSync(path.join(exp, 'r2', 'run.json'), JSON.stringify(runJson('r2', 'completed', 100)));
  model.sweep();
  assert.deepEqual(changes.filter((c) => c.kind === 'status').map((c) => (c as { run: { status: string } }).run.status), ['completed']);
  assert.ok(changes.some((c) => c.kind === 'structure'), 'a status change also changes what the tree shows');
  assert.equal(model.summaries()[0]?.runs[1]?.status, 'completed');

  changes.length = 0;
  fs.writeFileSync(path.join(exp, 'r1', 'metrics.jsonl'), train(0, 2)); // a resume truncated it
  model.sweep();
  const replaced = changes.find((c) => c.kind === 'metrics') as Extract<RunsChange, { kind: 'metrics' }>;
  assert.deepEqual([replaced.replace, replaced.records.length], [true, 1]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('an experiment another process makes with mkdir -p appears on the next sweep; a deleted run disappears', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-model-'));
  const model = new RunsFolderModel(path.join(root, 'runs'));
  assert.deepEqual(model.summaries(), []);
  const changes: RunsChange[] = [];
  model.onDidChange((c) => changes.push(c));
  const exp = writeExperiment(path.join(root, 'runs'), 'cli', ['a', 'b']);
  model.sweep();
  assert.deepEqual(model.summaries().map((e) => [e.name, e.runs.map((r) => r.id)]), [['cli', ['a', 'b']]]);
  assert.ok(model.hasActiveRuns());
  assert.ok(changes.some((c) => c.kind === 'structure'));
  fs.rmSync(path.join(exp, 'b'), { recursive: true });
  model.touch(path.join(exp, 'b'));
  assert.deepEqual(model.summaries()[0]?.runs.map((r) => r.id), ['a']);
  fs.writeFileSync(path.join(exp, 'a', 'analysis.json'), '{"version": 3}');
  fs.writeFileSync(path.join(exp, 'summary.json'), '{"groups": []}');
  model.sweep();
  const snap = model.snapshot()[0];
  assert.deepEqual([snap?.runs[0]?.analysis, snap?.summary], [{ version: 3 }, { groups: [] }]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('an experiment folder seen before its experiment.json is written still appears once the file is there', () => {
  // The runner makes the folder, then writes experiment.json inside it: the runs folder's own
  // listing (and so its size and mtime) does not change again. A look between the two must not
  // hide the experiment for good (it did: the quick-start e2e once saw "No runs yet" after 6 runs).
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-model-'));
  const runs = path.join(root, 'runs');
  const model = new RunsFolderModel(runs);
  const dir = path.join(runs, 'quick');
  fs.mkdirSync(dir, { recursive: true });
  model.touch(dir); // the watcher's event for the new folder
  assert.deepEqual(model.summaries(), []);
  fs.writeFileSync(path.join(dir, 'experiment.json'), JSON.stringify({ version: 1, name: 'quick', spec: {}, runs: ['a'], createdAt: '2025-01-01T00:00:00Z' }));
  fs.mkdirSync(path.join(dir, 'a'));
  fs.writeFileSync(path.join(dir, 'a', 'run.json'), JSON.stringify(runJson('a', 'pending', 0)));
  model.touch(path.join(dir, 'experiment.json'));
  assert.deepEqual(model.summaries().map((e) => [e.name, e.runs.map((r) => r.id)]), [['quick', ['a']]], 'the watcher event for experiment.json');
  // The same with only the sweep (no watcher event at all).
  const other = new RunsFolderModel(runs);
  const late = path.join(runs, 'late');
  fs.mkdirSync(late);
  other.sweep();
  fs.writeFileSync(path.join(late, 'experiment.json'), JSON.stringify({ version: 1, name: 'late', spec: {}, runs: [], createdAt: '2025-01-02T00:00:00Z' }));
  other.sweep();
  assert.deepEqual(other.summaries().map((e) => e.name), ['late', 'quick']);
  fs.rmSync(root, { recursive: true, force: true });
});

test("a run's tags and note (run.json, set from the Runs view) reach the tree's summaries; a run without them has none", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-model-'));
  const exp = writeExperiment(root, 'tagged', ['a', 'b']);
  const model = new RunsFolderModel(root);
  assert.deepEqual(model.summaries()[0]?.runs.map((r) => [r.tags, r.note]), [[[], null], [[], null]]);
  writeRunAnnotations(path.join(exp, 'a'), { tags: ['baseline', 'lr-sweep'], note: 'diverged once at step 40' });
  model.touch(path.join(exp, 'a', 'run.json'));
  const [a, b] = model.summaries()[0]?.runs ?? [];
  assert.deepEqual([a?.tags, a?.note], [['baseline', 'lr-sweep'], 'diverged once at step 40']);
  assert.deepEqual([b?.tags, b?.note], [[], null]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a grid-world run’s grid-world.json reaches the dashboard’s snapshot once written, and follows when rewritten', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-model-'));
  const model = new RunsFolderModel(root);
  const exp = writeExperiment(root, 'explorer', ['g']);
  assert.equal(model.snapshot()[0]?.runs[0]?.gridWorld ?? null, null);
  const grid = { version: 1, side: 3, budget: 8, seeds: 2, rseBits: 4, q: 4, meanSteps: 4.5, worstCell: 8, worstSteps: 8, found: 1, meanFirstVisit: [0, 1, 2, 5, 4, 3, 6, 7, 8], distinctTrajectories: 1, trajectories: [[0, 1, 2, 5, 4, 3, 6, 7, 8]] };
  fs.writeFileSync(path.join(exp, 'g', 'grid-world.json'), JSON.stringify(grid));
  fs.writeFileSync(path.join(exp, 'g', 'run.json'), JSON.stringify(runJson('g', 'completed', 10)));
  model.touch(path.join(exp, 'g', 'run.json'));
  assert.deepEqual(model.snapshot()[0]?.runs[0]?.gridWorld, grid);
  assert.deepEqual(model.runSnapshot(path.join(exp, 'g'))?.gridWorld, grid);
  fs.writeFileSync(path.join(exp, 'g', 'grid-world.json'), JSON.stringify({ ...grid, worstCell: 5, pad: 'x' }));
  model.touch(path.join(exp, 'g', 'grid-world.json'));
  assert.equal((model.snapshot()[0]?.runs[0]?.gridWorld as { worstCell: number }).worstCell, 5);
  fs.rmSync(root, { recursive: true, force: true });
});
