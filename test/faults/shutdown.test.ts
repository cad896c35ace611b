/**
 * Clean shutdown from every direction (issue 11 §2): SIGTERM and SIGHUP to the CLI's process
 * group, the runner killed (its workers orphaned), the extension host disconnecting from the
 * backend process. Each ends with every in-flight run checkpointed at the step it reached and
 * `cancelled`, every queued run `cancelled`, and no crash. kill -9 of the whole group leaves
 * `running` / `pending` behind: `status` repairs them, `resume` continues.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKEND_GUARDS, HOST_GUARDS, type BackendApi, type HostApi } from '../../src/protocol/backendMessages';
import { RpcEndpoint } from '../../src/protocol/rpc';
import { childTransport } from '../../src/extension/backend/backendProcess';
import type { ExperimentSpec } from '../../src/protocol/spec';
import { DIST, cli, exited, readRun, runDirs, startCli, tempDir, tinySpec, waitFor, writeSpec } from './helpers';

/** 4 runs, 2 at a time, long enough to be in flight when the signal comes. */
function longSpec(name: string): ExperimentSpec {
  return tinySpec({ name, seeds: [1, 2, 3, 4], train: { steps: 3000, batchSize: 4, evalEvery: 3000, evalExamples: 4, logEvery: 5, schedule: { kind: 'constant' } } });
}

function metricsLines(runDir: string): number {
  try {
    return fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** Waits until two runs are training (their metrics grow). */
async function twoTraining(exp: string): Promise<void> {
  await waitFor(() => fs.existsSync(exp) && runDirs(exp).filter((r) => metricsLines(r) >= 4).length >= 2, 'two runs in flight', 120_000);
}

/** Every run cancelled: the in-flight ones with a checkpoint at the step they reached, the queued ones at step 0. */
function assertCleanStop(exp: string, what: string): void {
  const runs = runDirs(exp).map((r) => ({ dir: r, run: readRun(r) }));
  assert.equal(runs.length, 4);
  for (const { dir, run } of runs) {
    assert.equal(run.status, 'cancelled', `${what}: ${run.id} is ${run.status} (${String(run.error)})`);
    if (run.step > 0) {
      assert.equal(run.lastCheckpoint, path.join('checkpoints', `step-${run.step}.safetensors`), `${what}: ${run.id} checkpointed where it stopped`);
      assert.ok(fs.existsSync(path.join(dir, run.lastCheckpoint)));
    }
  }
  assert.ok(runs.filter((r) => r.run.step > 0).length >= 2, `${what}: the in-flight runs saved their state`);
  assert.ok(runs.some((r) => r.run.step === 0), `${what}: a queued run was cancelled`);
}

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} to the process group: in-flight runs checkpoint and end cancelled, queued runs cancelled`, async () => {
    const dir = tempDir(`sig-${signal}`);
    const out = path.join(dir, 'runs');
    const child = startCli(['run', writeSpec(dir, longSpec('sig')), '--backend', 'wasm', '--parallel', '2', '--out', out]);
    await twoTraining(path.join(out, 'sig'));
    process.kill(-(child.pid as number), signal);
    const code = await exited(child, 120_000);
    assert.notEqual(code.signal, 'SIGKILL');
    assert.doesNotMatch(child.output(), /internal error|ERR_IPC_CHANNEL_CLOSED|\n\s+at /);
    assertCleanStop(path.join(out, 'sig'), signal);
  });
}

test('the runner killed: its orphaned workers checkpoint, end cancelled, and cancel the queued runs', async () => {
  const dir = tempDir('orphan');
  const out = path.join(dir, 'runs');
  const child = startCli(['run', writeSpec(dir, longSpec('orphan')), '--backend', 'wasm', '--parallel', '2', '--out', out]);
  const exp = path.join(out, 'orphan');
  await twoTraining(exp);
  process.kill(child.pid as number, 'SIGKILL'); // the runner only
  await exited(child, 30_000);
  await waitFor(() => runDirs(exp).every((r) => ['cancelled', 'failed', 'completed'].includes(readRun(r).status)), 'every run to end', 120_000);
  assert.doesNotMatch(child.output(), /ERR_IPC_CHANNEL_CLOSED/);
  assertCleanStop(exp, 'runner killed');
});

test('kill -9 of the whole group: status repairs what it left running or pending, resume continues', async () => {
  const dir = tempDir('kill9');
  const out = path.join(dir, 'runs');
  const spec = longSpec('kill9');
  spec.train = { ...spec.train, checkpointEvery: 20 };
  const child = startCli(['run', writeSpec(dir, spec), '--backend', 'wasm', '--parallel', '2', '--out', out]);
  const exp = path.join(out, 'kill9');
  await waitFor(() => fs.existsSync(exp) && runDirs(exp).some((r) => fs.existsSync(path.join(r, 'checkpoints', 'step-20.safetensors'))), 'a checkpoint', 120_000);
  process.kill(-(child.pid as number), 'SIGKILL');
  await exited(child, 30_000);
  await new Promise((r) => setTimeout(r, 300)); // the workers die with the group
  assert.ok(runDirs(exp).some((r) => readRun(r).status === 'running'), 'kill -9 left a run running');
  const s = cli(['status', exp, '--json']);
  assert.equal(s.status, 0, s.stderr);
  const statuses = (JSON.parse(s.stdout) as { id: string; status: string }[]).map((r) => r.status);
  assert.ok(!statuses.includes('running') && !statuses.includes('pending'), `repaired: ${statuses.join(', ')}`);
  assert.match(s.stderr, /running → failed \(interrupted: the process that trained it \(pid \d+\) ended without finishing/);
  assert.match(s.stderr, /pending → cancelled/);
  const failed = runDirs(exp).find((r) => readRun(r).status === 'failed' && fs.existsSync(path.join(r, 'checkpoints', 'step-20.safetensors'))) as string;
  assert.ok(failed);
  // Resume continues from the checkpoint (a short run now: the config asks for 30 steps).
  const run = readRun(failed);
  fs.writeFileSync(path.join(failed, 'run.json'), JSON.stringify({ ...run, config: { ...run.config, train: { ...run.config.train, steps: 30 } } }));
  const res = cli(['resume', failed, '--backend', 'wasm'], { timeoutMs: 120_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(readRun(failed).status, 'completed');
  assert.equal(readRun(failed).step, 30);
});

test('the extension host disconnects from the backend mid-experiment: no crash, every run checkpointed or cancelled', async () => {
  const dir = tempDir('host');
  const out = path.join(dir, 'runs');
  const child = fork(path.join(DIST, 'backend.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const endpoint = new RpcEndpoint<HostApi, BackendApi>(childTransport(child), HOST_GUARDS, BACKEND_GUARDS, () => undefined);
  await endpoint.waitFor('backend/ready', { timeoutMs: 60_000 });
  void endpoint
    .request('experiment/run', { jobId: 'job-1', outDir: out, backend: 'wasm', parallel: 2, source: { kind: 'file', path: writeSpec(dir, longSpec('host')) }, steps: null })
    .catch(() => undefined);
  await twoTraining(path.join(out, 'host'));
  const gone = exited(child, 60_000);
  child.disconnect();
  const code = await gone;
  assert.doesNotMatch(stderr, /uncaught error|no IPC channel|\n\s+at /, stderr);
  assert.equal(code.code, 0, stderr);
  assertCleanStop(path.join(out, 'host'), 'host disconnect');
});

test('the backend answers spec/check on /dev/zero and a __proto__ preset with an error at once, and stays up', async () => {
  const dir = tempDir('backend-bad');
  const child = fork(path.join(DIST, 'backend.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
  const endpoint = new RpcEndpoint<HostApi, BackendApi>(childTransport(child), HOST_GUARDS, BACKEND_GUARDS, () => undefined);
  try {
    await endpoint.waitFor('backend/ready', { timeoutMs: 60_000 });
    await assert.rejects(endpoint.request('spec/check', { path: '/dev/zero' }, { timeoutMs: 10_000 }), /\/dev\/zero: is not a regular file/);
    await assert.rejects(
      endpoint.request('experiment/run', { jobId: 'job-2', outDir: dir, backend: 'wasm', parallel: 1, source: { kind: 'preset', name: '__proto__' }, steps: null }, { timeoutMs: 10_000 }),
      /unknown preset "__proto__"/,
    );
    const million = tinySpec({ name: 'million', seeds: Array.from({ length: 1000 }, (_, i) => i), optimizers: [{ name: 'adamw', lr: Array.from({ length: 1000 }, (_, i) => (i + 1) / 1e4) }] });
    await assert.rejects(endpoint.request('spec/check', { path: writeSpec(dir, million) }, { timeoutMs: 20_000 }), /1\.0 million runs, above the limit/);
    const presets = await endpoint.request('presets/list', {}, { timeoutMs: 10_000 });
    assert.ok(presets.presets.length > 0, 'still serving');
  } finally {
    const gone = exited(child, 30_000);
    child.kill('SIGTERM');
    await gone;
  }
});

test('a training worker sent a start request it cannot use answers with an error naming the field (the runner never waits forever)', async () => {
  const child = fork(path.join(DIST, 'worker.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  try {
    const reply = new Promise<unknown>((resolve) => child.on('message', (m: { inReplyTo?: number }) => m.inReplyTo === 1 && resolve(m)));
    const params = { runDir: '/nowhere', experiment: 5, config: { id: 'r1' }, backend: 'wasm', resume: true };
    child.send({ id: 1, body: { type: 'run/start', params } });
    const end = (await Promise.race([reply, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer: a hang')), 20_000))])) as { body: Record<string, unknown> };
    assert.equal(end.body.type, 'reply/error');
    assert.match(String(end.body.message), /^run\/start: malformed params: \$\.experiment must be a string/);
  } finally {
    const gone = exited(child, 20_000);
    child.disconnect();
    await gone;
  }
});
