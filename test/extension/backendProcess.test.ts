/**
 * The real backend bundle (dist/backend.js) in a real child process: handshake, requests,
 * rejection of bad input, a small real training run with progress events, cancellation, and a
 * crash (SIGKILL mid-run) that fails the pending request, marks the runs failed on disk and
 * leaves the host able to start a fresh backend.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findBundleFile } from '../../src/core/bundlePaths';
import type { JobEvent } from '../../src/protocol/backendMessages';
import { BackendExitError, BackendProcess, type BackendExit } from '../../src/extension/backend/backendProcess';
import { JobTracker } from '../../src/extension/jobs/jobTracker';
import { markInterruptedRuns } from '../../src/extension/runs/markInterruptedRuns';
import { readExperiment } from './readRunsFolder';

const script = findBundleFile('backend.js', __dirname);

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'al-backend-'));
}

/** A tiny spec: one 2-layer model, 2 optimizers, few steps: seconds on wasm. */
function writeSpec(dir: string, steps: number): string {
  const file = path.join(dir, 'tiny.attention-lab.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: 'tiny',
      tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [4] }],
      models: [{ label: 'xs', layers: 1, dModel: 16, heads: 2, dFf: 32 }],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 3e-3 }, { name: 'lion', lr: 1e-3 }],
      seeds: [1],
      train: { steps, batchSize: 8, evalEvery: steps, evalExamples: 8, logEvery: 5, checkpointEvery: 10 },
    }),
  );
  return file;
}

function start(noNative = false): { backend: BackendProcess; log: string[]; exits: BackendExit[] } {
  const log: string[] = [];
  const exits: BackendExit[] = [];
  const backend = new BackendProcess({ script, noNative, log: (l) => log.push(l), startTimeoutMs: 30_000 });
  backend.onExit((e) => exits.push(e));
  return { backend, log, exits };
}

test('the backend says ready, lists the presets and checks spec files', async (t) => {
  const { backend, log } = start();
  t.after(() => backend.stop());
  const endpoint = await backend.ensureStarted();
  assert.ok(backend.pid && backend.pid !== process.pid);
  assert.ok(log.some((l) => l.includes('backend ready')));
  assert.equal(await backend.ensureStarted(), endpoint, 'one process, started once');
  const { presets } = await endpoint.request('presets/list', {});
  const quick = presets.find((p) => p.name === 'quick');
  assert.ok(quick);
  assert.equal(quick.runs, 6);
  const dir = tmp();
  assert.deepEqual(await endpoint.request('spec/check', { path: writeSpec(dir, 20) }), { name: 'tiny', runs: 2 });
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ name: 'bad', tasks: [], models: [], attentionScalings: [], optimizers: [], seeds: [] }));
  await assert.rejects(endpoint.request('spec/check', { path: bad }), /bad\.json: \$\.tasks/);
  await assert.rejects(
    endpoint.request('experiment/run', { jobId: 'j1', outDir: dir, backend: 'wasm', parallel: 1, source: { kind: 'preset', name: 'nope' }, steps: null }),
    /unknown preset "nope"/,
  );
});

test('the extension’s backend lists the CLRS presets and trains a TransNAR experiment: its NAR pretrained first, then the runs that read it', async (t) => {
  const { backend } = start();
  t.after(() => backend.stop());
  const endpoint = await backend.ensureStarted();
  const { presets } = await endpoint.request('presets/list', {});
  assert.deepEqual(
    presets.filter((p) => p.name === 'clrs-text' || p.name === 'transnar').map((p) => [p.name, p.runs]),
    [
      ['clrs-text', 9],
      ['transnar', 6],
    ],
  );
  const dir = tmp();
  const file = path.join(dir, 'tn.attention-lab.json');
  const model = { layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope', randomizePositions: true };
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: 'tn',
      tasks: [{ name: 'bfs', trainLengths: [4, 5], evalLengths: [5] }],
      models: [{ label: 'plain', ...model }, { label: 'tn', ...model, nar: { checkpoint: 'pretrain', layers: [1] } }],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 3e-3 }],
      seeds: [1],
      train: { steps: 6, batchSize: 4, evalEvery: 6, evalExamples: 4, logEvery: 2 },
      narPretraining: { steps: 8, hidden: 8, batchSize: 8 },
    }),
  );
  const events: JobEvent[] = [];
  endpoint.on('job/event', (e) => events.push(e));
  // The extension's job tracker, fed as extension.ts feeds it: what the tree and the notification show of the NAR.
  const jobs = new JobTracker();
  jobs.begin('tn', 'tn.attention-lab.json');
  const shown: [string, string][] = [];
  jobs.onChange(() => shown.push(...jobs.narPretraining()));
  endpoint.on('job/event', (e) => jobs.apply(e.jobId, e.event));
  const outcome = await endpoint.request('experiment/run', { jobId: 'tn', outDir: path.join(dir, 'runs'), backend: 'wasm', parallel: 2, source: { kind: 'file', path: file }, steps: null });
  assert.deepEqual(
    outcome.runs.map((r) => [r.id, r.status]),
    [
      ['bfs-plain-standard-adamw-s1', 'completed'],
      ['bfs-tn-standard-adamw-s1', 'completed'],
    ],
  );
  const types = events.map((e) => (e.event.type === 'run/progress' ? `progress ${e.event.runId}` : e.event.type));
  const narEnd = types.indexOf('nar/end');
  assert.ok(narEnd >= 0 && narEnd < types.indexOf('progress bfs-tn-standard-adamw-s1'), 'the NAR is pretrained before the TransNAR run trains');
  const narSteps = events.flatMap((e) => (e.event.type === 'nar/progress' ? [[e.event.id, e.event.step, e.event.steps]] : []));
  assert.ok(narSteps.length > 0 && types.indexOf('nar/progress') < narEnd, 'nar/progress events arrive as job events before nar/end');
  assert.deepEqual(narSteps.at(-1), ['nar:nar/bfs.safetensors', 8, 8]);
  assert.ok(shown.length > 0 && shown.every(([d]) => d === outcome.dir), 'the tracker shows the pretraining on the experiment');
  assert.match(shown.at(-1)?.[1] ?? '', /^pretraining the NAR: step 8\/8, loss (\d|not finite)/);
  assert.equal(jobs.narPretraining().size, 0, 'nar/end cleared it');
  assert.ok(fs.existsSync(path.join(outcome.dir, 'nar', 'bfs.safetensors')));
});

test('an untrusted workspace backend refuses the native backend', async (t) => {
  const { backend } = start(true);
  t.after(() => backend.stop());
  const endpoint = await backend.ensureStarted();
  const dir = tmp();
  await assert.rejects(
    endpoint.request('experiment/run', { jobId: 'j1', outDir: dir, backend: 'node', parallel: 1, source: { kind: 'file', path: writeSpec(dir, 10) }, steps: null }),
    /not allowed in an untrusted workspace/,
  );
});

test('a small experiment trains in the backend with progress events; cancel stops it with checkpoints', async (t) => {
  const { backend } = start();
  t.after(() => backend.stop());
  const endpoint = await backend.ensureStarted();
  const dir = tmp();
  const spec = writeSpec(dir, 20);
  const events: JobEvent[] = [];
  endpoint.on('job/event', (e) => events.push(e));
  const outcome = await endpoint.request('experiment/run', { jobId: 'done', outDir: path.join(dir, 'runs'), backend: 'wasm', parallel: 1, source: { kind: 'file', path: spec }, steps: null });
  assert.deepEqual(
    outcome.runs.map((r) => r.status),
    ['completed', 'completed'],
  );
  assert.ok(events.every((e) => e.jobId === 'done'));
  assert.equal(events[0]?.event.type, 'experiment/start');
  assert.ok(events.some((e) => e.event.type === 'run/progress' && e.event.step === 20 && e.event.totalSteps === 20));
  assert.equal(events.filter((e) => e.event.type === 'run/end').length, 2);
  const exp = readExperiment(outcome.dir);
  assert.deepEqual(
    exp.runs.map((r) => [r.status, r.step, r.checkpoints.map((c) => c.step)]),
    [
      ['completed', 20, [10, 20]],
      ['completed', 20, [10, 20]],
    ],
  );

  // a long job, cancelled once it has made progress
  const long = endpoint.request('experiment/run', { jobId: 'long', outDir: path.join(dir, 'runs'), backend: 'wasm', parallel: 1, source: { kind: 'file', path: spec }, steps: 100_000 });
  await endpoint.waitFor('job/event', { accept: (e) => e.jobId === 'long' && e.event.type === 'run/progress', timeoutMs: 60_000 });
  assert.deepEqual(await endpoint.request('experiment/cancel', { jobId: 'long' }), { cancelled: true });
  const cancelled = await long;
  assert.deepEqual(
    cancelled.runs.map((r) => r.status),
    ['cancelled', 'cancelled'],
  );
  const first = readExperiment(cancelled.dir).runs[0];
  assert.ok(first && first.step > 0 && first.checkpoints.at(-1)?.step === first.step, 'the cancelled run saved a checkpoint at the step it reached');
  assert.deepEqual(await endpoint.request('experiment/cancel', { jobId: 'long' }), { cancelled: false });
});

test('a backend killed mid-run fails the request, keeps what the run wrote, and a new backend starts on next use', async (t) => {
  const { backend, exits } = start();
  t.after(() => backend.stop());
  const endpoint = await backend.ensureStarted();
  const firstPid = backend.pid;
  const dir = tmp();
  let experimentDir = '';
  endpoint.on('job/event', (e) => {
    if (e.event.type === 'experiment/start') experimentDir = e.event.dir;
  });
  const run = endpoint.request('experiment/run', { jobId: 'k', outDir: dir, backend: 'wasm', parallel: 1, source: { kind: 'file', path: writeSpec(dir, 100_000) }, steps: null });
  await endpoint.waitFor('job/event', { accept: (e) => e.event.type === 'run/progress', timeoutMs: 60_000 });
  process.kill(firstPid as number, 'SIGKILL'); // what the OOM killer does
  const err = await run.then(
    () => assert.fail('the request should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BackendExitError);
  assert.match(err.message, /backend was killed \(SIGKILL\)/);
  assert.equal(exits.length, 1);
  assert.equal(exits[0]?.expected, false);
  assert.equal(backend.running, false);

  // The backend's training worker, orphaned, saves its run and marks it cancelled; what is left
  // running or pending by a dead process is marked by the host: running → failed, pending → cancelled.
  const trained = readExperiment(experimentDir).runs.find((r) => r.status !== 'pending');
  assert.ok(trained, 'a run had started');
  for (let i = 0; i < 600 && readExperiment(experimentDir).runs.some((r) => r.status === 'running'); i++) {
    markInterruptedRuns(experimentDir, err.message);
    await new Promise((r) => setTimeout(r, 50));
  }
  markInterruptedRuns(experimentDir, err.message);
  const after = readExperiment(experimentDir).runs;
  assert.ok(after.every((r) => r.status === 'cancelled' || (r.status === 'failed' && r.error === err.message)), JSON.stringify(after.map((r) => r.status)));
  assert.ok(fs.statSync(path.join(trained.dir, 'metrics.jsonl')).size > 0, 'its metrics are kept');

  const again = await backend.ensureStarted();
  assert.notEqual(backend.pid, firstPid);
  assert.equal((await again.request('presets/list', {})).presets.length > 0, true);
});

test('a backend that cannot start fails fast with its stderr, and start-up can be cancelled', async () => {
  const log: string[] = [];
  const dir = tmp();
  const broken = path.join(dir, 'broken.js');
  fs.writeFileSync(broken, "process.stderr.write('cannot load the engine\\n'); process.exit(3);\n");
  const b1 = new BackendProcess({ script: broken, noNative: false, log: (l) => log.push(l) });
  await assert.rejects(b1.ensureStarted(), (e: Error) => e instanceof BackendExitError && /exited with code 3: cannot load the engine/.test(e.message));

  const silent = path.join(dir, 'silent.js');
  fs.writeFileSync(silent, 'setInterval(() => {}, 1000);\n');
  const b2 = new BackendProcess({ script: silent, noNative: false, log: (l) => log.push(l), startTimeoutMs: 200 });
  await assert.rejects(b2.ensureStarted(), /waiting for backend\/ready: nothing within 200 ms/);
  const b3 = new BackendProcess({ script: silent, noNative: false, log: (l) => log.push(l) });
  const ac = new AbortController();
  const p = b3.ensureStarted(ac.signal);
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, /starting the backend was cancelled/);
});

/** Does @tensorflow/tfjs-node load from this checkout (after `npm run setup:native`)? */
function nativeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node', { paths: [path.resolve(__dirname, '..', '..', '..')] });
    return true;
  } catch {
    return false;
  }
}

test('a packaged backend (no node_modules) uses wasm, and the native backend from attentionLab.nativeModulesPath', async (t) => {
  const repo = path.resolve(__dirname, '..', '..', '..');
  if (!nativeInstalled()) {
    if (process.env.CI) assert.fail('@tensorflow/tfjs-node is not set up (npm run setup:native)');
    t.skip('@tensorflow/tfjs-node is not set up here (npm run setup:native)');
    return;
  }
  // Like an installed .vsix: dist/ with the bundles and wasm binaries, no node_modules anywhere above.
  const ext = tmp();
  const dist = path.join(ext, 'dist');
  fs.mkdirSync(dist);
  const src = path.dirname(script);
  for (const f of fs.readdirSync(src).filter((n) => n === 'backend.js' || n === 'worker.js' || n.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(src, f), path.join(dist, f));
  }
  const run = async (nativeModulesPath: string | undefined): Promise<string[]> => {
    const backend = new BackendProcess({ script: path.join(dist, 'backend.js'), noNative: false, nativeModulesPath, log: () => undefined, startTimeoutMs: 30_000 });
    try {
      const endpoint = await backend.ensureStarted();
      const dir = tmp();
      const outcome = await endpoint.request('experiment/run', { jobId: 'n', outDir: dir, backend: 'auto', parallel: 1, source: { kind: 'file', path: writeSpec(dir, 4) }, steps: null });
      assert.deepEqual(outcome.runs.map((r) => r.status), ['completed', 'completed']);
      return outcome.backends;
    } finally {
      await backend.stop();
    }
  };
  assert.deepEqual(await run(undefined), ['wasm']);
  assert.deepEqual(await run(repo), ['tensorflow']);
});
