/**
 * `--backend auto` picks the native tfjs-node backend exactly when it loads, in-process and
 * through the CLI's worker pool (run.json records it). When the suite runs with
 * ATTENTION_LAB_TEST_BACKEND=tensorflow (CI, after `npm run setup:native`), the native backend
 * must load: a broken setup fails here instead of silently testing wasm.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend, keepOneDnn, nativeThreadSettings, nativeWorkerEnv } from '../../src/engine/backend';
import { MULTI_THREAD_MIN_FLOPS } from '../../src/engine/nativeBackend';
import { stepFlops } from '../../src/core/experiment/stepFlops';
import { REFERENCE, referenceModel } from '../../bench/referenceRun';
import type { RunConfig } from '../../src/protocol/config';
import { PRESETS, type Preset } from '../../src/core/experiment/presets';
import { expandGrid } from '../../src/core/experiment/grid';
import type { RunFile } from '../../src/protocol/runFolder';
import { CLI, tempDir, tinySpec } from '../integration/helpers';
import { requestedTestBackends } from './testBackend';

const root = path.resolve(__dirname, '..', '..', '..');
/** TensorFlow's thread variables as the user set them (before initBackend sets its defaults in this process). */
const userThreads = process.env.TF_NUM_INTRAOP_THREADS ?? process.env.TF_NUM_INTEROP_THREADS;

/** Whether @tensorflow/tfjs-node loads, asked of a separate Node process. */
function nativeLoads(): boolean {
  const r = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], {
    cwd: root,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    stdio: 'ignore',
  });
  return r.status === 0;
}

const native = nativeLoads();
const expected = native ? 'tensorflow' : 'wasm';

test('the native backend loads when the suite is asked to test it', () => {
  if (requestedTestBackends()?.includes('tensorflow')) {
    assert.ok(native, '@tensorflow/tfjs-node does not load: run `npm run setup:native`');
  }
});

test(`auto picks ${expected} in-process (tfjs-node ${native ? 'loads' : 'does not load'} here)`, async () => {
  const info = await initBackend('auto');
  assert.equal(info.name, expected, info.reason);
  if (native) await assert.doesNotReject(initBackend('node'));
  else await assert.rejects(initBackend('node'), /backend 'node' is not available/);
});

test(`the CLI with --backend auto trains on ${expected} and run.json says so`, () => {
  const dir = tempDir('auto');
  const specPath = path.join(dir, 'spec.json');
  fs.writeFileSync(specPath, JSON.stringify(tinySpec({ name: 'auto', train: { steps: 4, batchSize: 4, evalEvery: 4, evalExamples: 4, logEvery: 2, checkpointEvery: 4 } })));
  const r = spawnSync(process.execPath, [CLI, 'run', specPath, '--out', dir, '--backend', 'auto', '--parallel', '1', '--json'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const expDir = path.join(dir, 'auto');
  const runs = fs.readdirSync(expDir).filter((n) => fs.existsSync(path.join(expDir, n, 'run.json')));
  assert.equal(runs.length, 1);
  const run = JSON.parse(fs.readFileSync(path.join(expDir, runs[0] as string, 'run.json'), 'utf8')) as RunFile;
  assert.equal(run.status, 'completed');
  assert.equal(run.backend, expected);
});

test('native thread settings give each of N parallel runs its share of the cores', () => {
  assert.deepEqual(nativeThreadSettings(1, 2), { intraOp: 2, interOp: 1 });
  assert.deepEqual(nativeThreadSettings(2, 2), { intraOp: 1, interOp: 1 });
  assert.deepEqual(nativeThreadSettings(3, 2), { intraOp: 1, interOp: 1 });
  assert.deepEqual(nativeThreadSettings(2, 8), { intraOp: 4, interOp: 1 });
});

test('a run gets more than one thread only when its steps are large (matrix-product FLOPs per step from its config)', () => {
  const reference = (T: number) => ({ model: referenceModel(T), train: { batchSize: REFERENCE.batch, accumulate: 1 } });
  // The counts bench:peers prints for the reference model.
  assert.equal(Math.round(stepFlops(reference(32)) / 1e6), 667);
  assert.equal(Math.round(stepFlops(reference(128)) / 1e6), 3272);
  assert.equal(stepFlops({ ...reference(32), train: { batchSize: REFERENCE.batch, accumulate: 4 } }), 4 * stepFlops(reference(32)));
  // A lone run of the reference model: one thread at T = 32 (a second made it slower), all cores at T = 128.
  assert.deepEqual(nativeThreadSettings(1, 2, stepFlops(reference(32))), { intraOp: 1, interOp: 1 });
  assert.deepEqual(nativeThreadSettings(1, 2, stepFlops(reference(128))), { intraOp: 2, interOp: 1 });
  assert.equal(MULTI_THREAD_MIN_FLOPS > stepFlops(reference(32)) && MULTI_THREAD_MIN_FLOPS < stepFlops(reference(128)), true);
  // The quick preset's runs are far below: one thread each, alone or not.
  const quick = expandGrid((PRESETS.quick as Preset).spec)[0] as RunConfig;
  assert.ok(stepFlops(quick) < MULTI_THREAD_MIN_FLOPS / 10, `quick: ${stepFlops(quick)} FLOPs per step`);
  assert.deepEqual(nativeThreadSettings(1, 8, stepFlops(quick)), { intraOp: 1, interOp: 1 });
});

test('each pool computes its workers’ thread environment: a lone run after a parallel grid gets every core again', (t) => {
  if (userThreads !== undefined) {
    t.skip('TF_NUM_INTRAOP_THREADS or TF_NUM_INTEROP_THREADS is set here: the user\'s setting wins');
    return;
  }
  const grid = nativeWorkerEnv(2, 2, { PATH: '/bin' });
  assert.deepEqual([grid.TF_NUM_INTRAOP_THREADS, grid.TF_NUM_INTEROP_THREADS, grid.PATH], ['1', '1', '/bin']);
  const lone = nativeWorkerEnv(1, 2);
  assert.equal(lone.TF_NUM_INTRAOP_THREADS, '2');
  assert.equal(nativeWorkerEnv(1, 2, {}, 1e9).TF_NUM_INTRAOP_THREADS, '1', 'a lone run of small steps keeps one thread');
  assert.equal(nativeWorkerEnv(1, 2, {}, 4e9).TF_NUM_INTRAOP_THREADS, '2');
  assert.equal(nativeWorkerEnv(1, 8).TF_NUM_INTRAOP_THREADS, '8');
});

test('oneDNN stays on: TF_ENABLE_ONEDNN_OPTS=0 is replaced, with a note (without oneDNN a signal can corrupt memory, docs/native.md)', () => {
  for (const off of ['0', 'false', ' FALSE ']) {
    const env: NodeJS.ProcessEnv = { TF_ENABLE_ONEDNN_OPTS: off };
    assert.match(keepOneDnn(env) ?? '', /TF_ENABLE_ONEDNN_OPTS=.* ignored: .*signal/);
    assert.equal(env.TF_ENABLE_ONEDNN_OPTS, '1');
  }
  for (const kept of [undefined, '1', 'true']) {
    const env: NodeJS.ProcessEnv = kept === undefined ? {} : { TF_ENABLE_ONEDNN_OPTS: kept };
    assert.equal(keepOneDnn(env), null);
    assert.equal(env.TF_ENABLE_ONEDNN_OPTS, kept);
  }
});

test('a worker process turns oneDNN back on too, and the CLI says so', (t) => {
  if (expected !== 'tensorflow') {
    t.skip('tfjs-node does not load here');
    return;
  }
  const dir = tempDir('onednn');
  const specPath = path.join(dir, 'spec.json');
  fs.writeFileSync(specPath, JSON.stringify(tinySpec({ name: 'onednn', train: { steps: 2, batchSize: 4, evalEvery: 2, evalExamples: 4, logEvery: 1, checkpointEvery: 2 } })));
  const r = spawnSync(process.execPath, [CLI, 'run', specPath, '--out', dir, '--backend', 'node', '--parallel', '1'], { cwd: root, encoding: 'utf8', env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: '0' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(`${r.stdout}${r.stderr}`, /backend: tensorflow \(@tensorflow\/tfjs-node loaded, with Attention Lab's fused kernels; TF_ENABLE_ONEDNN_OPTS=0 ignored: .*signal/);
});
