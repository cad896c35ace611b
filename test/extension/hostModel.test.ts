/** The host's pure logic: reading the runs folder, the tree's nodes, job progress, settings, spec detection. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { looksLikeSpec } from '../../src/extension/commands/findSpecFiles';
import { JobTracker, jobProgress } from '../../src/extension/jobs/jobTracker';
import { readRunsFolder } from './readRunsFolder';
import { readSettings } from '../../src/extension/settings';
import { mergeSlurmOptions } from '../../src/core/slurm/slurmConfig';
import { childNodes, experimentStatus, nodeView, rootNodes, type TreeNode } from '../../src/extension/tree/runsTreeModel';
import type { RunConfig } from '../../src/protocol/config';

function runJson(id: string, status: string, step: number, steps = 100): object {
  return { version: 1, id, experiment: 'e', status, step, backend: status === 'pending' ? null : 'wasm', error: status === 'failed' ? 'boom' : null, config: { id, seed: 1, train: { steps }, optimizer: { name: 'lion' }, model: { attentionScaling: 'logn' } } };
}

function makeRunsFolder(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-runs-'));
  const e1 = path.join(root, 'older');
  fs.mkdirSync(path.join(e1, 'a', 'checkpoints'), { recursive: true });
  fs.writeFileSync(path.join(e1, 'experiment.json'), JSON.stringify({ version: 1, name: 'older', runs: ['a', 'b', 'gone'], createdAt: '2024-01-01T00:00:00Z' }));
  fs.writeFileSync(path.join(e1, 'a', 'run.json'), JSON.stringify(runJson('a', 'completed', 100)));
  for (const n of ['step-100.safetensors', 'step-20.safetensors', 'notes.txt']) fs.writeFileSync(path.join(e1, 'a', 'checkpoints', n), '');
  fs.mkdirSync(path.join(e1, 'b'));
  fs.writeFileSync(path.join(e1, 'b', 'run.json'), '{"torn'); // a reader must survive this
  const e2 = path.join(root, 'newer');
  fs.mkdirSync(path.join(e2, 'x'), { recursive: true });
  fs.writeFileSync(path.join(e2, 'experiment.json'), JSON.stringify({ version: 1, name: 'newer', runs: ['x'], createdAt: '2025-01-01T00:00:00Z' }));
  fs.writeFileSync(path.join(e2, 'x', 'run.json'), JSON.stringify(runJson('x', 'running', 40)));
  fs.mkdirSync(path.join(root, 'not-an-experiment'));
  return root;
}

test('readRunsFolder: experiments newest first, runs in grid order, checkpoints by step, damage reported not thrown', () => {
  const root = makeRunsFolder();
  const exps = readRunsFolder(root);
  assert.deepEqual(
    exps.map((e) => e.name),
    ['newer', 'older'],
  );
  const older = exps[1];
  assert.ok(older);
  assert.deepEqual(
    older.runs.map((r) => r.id),
    ['a', 'b'],
    'a run deleted from disk is not listed',
  );
  const [a, b] = older.runs;
  assert.deepEqual(
    a?.checkpoints.map((c) => c.step),
    [20, 100],
  );
  assert.equal(a?.optimizer, 'lion');
  assert.equal(a?.totalSteps, 100);
  assert.equal(b?.status, 'pending');
  assert.match(b?.error ?? '', /^run\.json: /);
  assert.deepEqual(readRunsFolder(path.join(root, 'missing')), []);
});

test('the tree: experiments → runs → checkpoints with status icons, live progress and menu context values', () => {
  const exps = readRunsFolder(makeRunsFolder());
  const roots = rootNodes(exps);
  assert.deepEqual(
    roots.map((n) => nodeView(n).label),
    ['newer', 'older'],
  );
  const newer = roots[0] as TreeNode;
  assert.equal(experimentStatus(exps[0]!), 'running');
  assert.equal(nodeView(newer).icon, 'sync~spin');
  assert.equal(nodeView(newer).description, '0/1 completed');
  const runX = path.join(exps[0]!.dir, 'x');
  const [x] = childNodes(newer, new Map([[runX, { step: 57, totalSteps: 100, loss: 0.123456 }]]));
  assert.ok(x);
  const vx = nodeView(x);
  assert.equal(vx.contextValue, 'run.running');
  assert.equal(vx.description, 'running · 57/100 · loss 0.123 · wasm', 'live state beats the older run.json step; the backend that trains it is shown');
  assert.match(vx.tooltip, /backend wasm/);
  const [a, b] = childNodes(roots[1] as TreeNode, new Map());
  assert.ok(a && b);
  assert.deepEqual([nodeView(a).icon, nodeView(a).contextValue, nodeView(a).collapsible], ['pass', 'run.completed', 'collapsed']);
  assert.equal(nodeView(b).collapsible, 'none');
  const cps = childNodes(a, new Map());
  assert.deepEqual(
    cps.map((c) => [nodeView(c).label, nodeView(c).contextValue]),
    [
      ['step 20', 'checkpoint'],
      ['step 100', 'checkpoint'],
    ],
  );
  assert.equal(nodeView(roots[1] as TreeNode).icon, 'circle-large-outline', 'an experiment with a pending run is not shown as done');
});

test('JobTracker follows runner events into per-run state and overall progress', () => {
  const jobs = new JobTracker();
  let changes = 0;
  jobs.onChange(() => changes++);
  jobs.begin('j', 'preset quick');
  const cfg = (id: string): RunConfig => ({ id, train: { steps: 100 } }) as unknown as RunConfig;
  jobs.apply('j', { type: 'experiment/start', dir: '/runs/quick', name: 'quick', runs: [cfg('r1'), cfg('r2')] });
  jobs.apply('j', { type: 'run/progress', runId: 'r1', step: 50, totalSteps: 100, loss: 1.5, lr: 1e-3, wallTime: 1 });
  jobs.apply('other', { type: 'run/progress', runId: 'r1', step: 99, totalSteps: 100, loss: 1, lr: 1e-3, wallTime: 1 });
  const job = jobs.get('j');
  assert.ok(job);
  assert.deepEqual(jobProgress(job), { fraction: 0.25, done: 0, total: 2, running: 1, completed: 0, failed: 0, cancelled: 0 });
  assert.equal(jobs.liveRuns().get(path.join('/runs/quick', 'r1'))?.loss, 1.5);
  jobs.apply('j', { type: 'run/end', runId: 'r1', status: 'failed', error: 'NaN', final: null });
  assert.deepEqual(jobProgress(job), { fraction: 0.5, done: 1, total: 2, running: 0, completed: 0, failed: 1, cancelled: 0 }, 'an ended run counts whole');
  jobs.end('j');
  assert.equal(jobs.active().length, 0);
  assert.equal(changes, 5);
});

test('settings: defaults, bad values named, relative runs folder, and the untrusted-workspace restrictions', () => {
  const values: Record<string, unknown> = {};
  const get = (k: string): unknown => values[k];
  const slurm = mergeSlurmOptions();
  assert.deepEqual(readSettings(get, '/ws', true), {
    settings: { runsFolder: path.resolve('/ws/runs'), backend: 'auto', parallelRuns: 0, nodePath: '', nativeModulesPath: '', runOn: 'local', slurm },
    problems: [],
  });
  Object.assign(values, { runsFolder: '/abs/out', backend: 'node', parallelRuns: 2, nodePath: '/opt/node/bin/node', nativeModulesPath: 'tools/al', runOn: 'slurm', slurm: { partition: 'gpu', time: '2:00:00', setup: ['module load nodejs'], mem: '' } });
  const onSlurm = { ...slurm, partition: 'gpu', time: '2:00:00', setup: ['module load nodejs'] };
  assert.deepEqual(readSettings(get, '/ws', true).settings, {
    runsFolder: '/abs/out',
    backend: 'node',
    parallelRuns: 2,
    nodePath: '/opt/node/bin/node',
    nativeModulesPath: path.resolve('/ws/tools/al'),
    runOn: 'slurm',
    slurm: onSlurm,
  });
  // untrusted: no custom Node, no native modules from anywhere, and nothing submitted to a cluster
  assert.deepEqual(readSettings(get, '/ws', false).settings, { runsFolder: '/abs/out', backend: 'wasm', parallelRuns: 2, nodePath: '', nativeModulesPath: '', runOn: 'local', slurm: onSlurm });
  Object.assign(values, { backend: 'gpu', parallelRuns: -1, runsFolder: 7, runOn: 'k8s', slurm: { time: 'soon' } });
  const { settings, problems } = readSettings(get, '/ws', true);
  assert.deepEqual([settings.backend, settings.parallelRuns, settings.runsFolder, settings.runOn, settings.slurm], ['auto', 0, path.resolve('/ws/runs'), 'local', slurm]);
  assert.deepEqual(problems, [
    'attentionLab.runsFolder: expected a folder path, found 7',
    'attentionLab.backend: expected one of auto, node, wasm, cpu, found "gpu"',
    'attentionLab.parallelRuns: expected an integer from 0 to 64, found -1',
    'attentionLab.runOn: expected one of local, slurm, found "k8s"',
    'attentionLab.slurm.time: expected a Slurm time limit such as "30", "2:00:00" or "1-12:00", found "soon"',
  ]);
});

test('looksLikeSpec tells spec files from other JSON', () => {
  const spec = { name: 's', tasks: [], models: [], attentionScalings: [], optimizers: [], seeds: [1] };
  assert.equal(looksLikeSpec(JSON.stringify(spec)), true);
  assert.equal(looksLikeSpec('\ufeff' + JSON.stringify(spec)), true);
  assert.equal(looksLikeSpec(JSON.stringify({ ...spec, tasks: undefined })), false);
  assert.equal(looksLikeSpec('{"name": "package", "version": "1.0.0"}'), false);
  assert.equal(looksLikeSpec('{ not json'), false);
  assert.equal(looksLikeSpec('[1,2]'), false);
});
