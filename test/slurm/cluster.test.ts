/**
 * Scale-out against a real Slurm (the single-node cluster of scripts/ensure-slurm.sh): a grid
 * submitted with `--on slurm` ends bit-identical to the same grid run locally on the same
 * backend; a running task requeued with `scontrol requeue` resumes from its checkpoint and ends
 * identical to an uninterrupted run; `cancel` (and Ctrl-C while following) leaves cancelled runs
 * with their checkpoints, and a task that never started cancelled; a task killed by its time
 * limit is reported as TIMEOUT with its log, one over its memory with Slurm's state and last
 * word; the extension's backend submits and, when it shuts down, leaves the tasks running; a
 * refused or impossible submission is one line and leaves nothing half-submitted.
 * The time-limit experiment is submitted first and checked last: Slurm's limit is at least a
 * minute, and the other tests run meanwhile on the cluster's other CPU.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';
import { readMetrics } from '../../src/core/experiment/runFolder';
import { findBundleFile } from '../../src/core/bundlePaths';
import { mergeSlurmOptions } from '../../src/core/slurm/slurmConfig';
import { shellQuote } from '../../src/core/slurm/slurmJob';
import { BackendProcess } from '../../src/extension/backend/backendProcess';
import type { JobEvent } from '../../src/protocol/backendMessages';
import type { ExperimentSpec } from '../../src/protocol/spec';
import { CLI, tempDir, tinySpec } from '../integration/helpers';
import { cli, clusterUnavailable, runJson, slurm, submissionOf, taskState, waitFor } from './cluster';

const unavailable = clusterUnavailable();

function writeSpec(dir: string, spec: ExperimentSpec): string {
  const file = path.join(dir, `${spec.name}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

/** A run that trains until something stops it. */
function endless(name: string, seeds: number[] = [1]): ExperimentSpec {
  return tinySpec({ name, seeds, train: { steps: 1_000_000, batchSize: 8, evalEvery: 1_000_000, evalExamples: 8, logEvery: 10, checkpointEvery: 20 } });
}

async function tensorsOf(file: string): Promise<Map<string, Buffer>> {
  const f = await openSafetensors(file);
  const out = new Map<string, Buffer>();
  for (const t of f.tensors) out.set(t.name, Buffer.from(await f.readBytes(t.name)));
  await f.close();
  return out;
}

/** Two run folders hold the same training: metrics record for record (wall times aside), final scores, and final weights byte for byte. */
async function assertSameRun(a: string, b: string, steps: number): Promise<void> {
  const strip = (dir: string): unknown[] => readMetrics(dir).map((r) => ({ ...r, wallTime: 0 }));
  assert.deepEqual(strip(b), strip(a), `${path.basename(a)}: metrics differ`);
  assert.deepEqual(runJson(b).final, runJson(a).final, `${path.basename(a)}: final evaluation differs`);
  const ta = await tensorsOf(path.join(a, 'checkpoints', `step-${steps}.safetensors`));
  const tb = await tensorsOf(path.join(b, 'checkpoints', `step-${steps}.safetensors`));
  assert.deepEqual([...tb.keys()], [...ta.keys()]);
  for (const [name, bytes] of ta) assert.ok(bytes.equals(tb.get(name) as Buffer), `${path.basename(a)}: ${name} differs`);
}

describe('Slurm: a real single-node cluster', { skip: unavailable, timeout: 600_000 }, () => {
  let dir: string;
  let config: string;
  const submitted: string[] = [];
  let timeoutExp = '';

  /** `run … --on slurm` with the suite's config (poll every 0.5 s), on wasm. */
  const onSlurm = (spec: string, ...more: string[]): string[] => ['run', spec, '--on', 'slurm', '--slurm-config', config, '--backend', 'wasm', '--out', path.join(dir, 'slurm'), ...more];
  const detached = async (spec: ExperimentSpec, ...more: string[]): Promise<string> => {
    const r = await cli([...onSlurm(writeSpec(dir, spec), '--detach', '--json', ...more)]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { dir: string; jobId: string };
    submitted.push(out.jobId);
    return out.dir;
  };
  const status = async (exp: string): Promise<{ id: string; status: string; error: string | null; slurm: { jobId: string; state: string } }[]> => {
    const r = await cli(['status', exp, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Awaited<ReturnType<typeof status>>;
  };

  before(async () => {
    dir = tempDir('slurm');
    config = path.join(dir, 'slurm-config.json');
    fs.writeFileSync(config, JSON.stringify({ pollSeconds: 0.5, cpusPerTask: 1, mem: '1G' }));
    // Slurm's time limits count in minutes: submit the one-minute run now and check it last.
    timeoutExp = await detached(endless('timelimit'), '--time=1');
  });
  after(() => {
    for (const id of submitted) spawnQuiet('scancel', [id]);
  });

  it('a 4-run grid submitted with --on slurm ends bit-identical to the same grid run locally', async () => {
    const spec = tinySpec({
      name: 'grid',
      optimizers: [{ name: 'adamw', lr: 3e-3 }, { name: 'lion', lr: 1e-3 }],
      seeds: [1, 2],
      train: { steps: 24, batchSize: 8, evalEvery: 12, evalExamples: 8, logEvery: 2, checkpointEvery: 10 },
    });
    const file = writeSpec(dir, spec);
    const local = await cli(['run', file, '--backend', 'wasm', '--parallel', '2', '--out', path.join(dir, 'local')]);
    assert.equal(local.code, 0, local.stderr);
    const remote = await cli(onSlurm(file));
    assert.equal(remote.code, 0, remote.stderr);
    assert.match(remote.stderr, /Slurm job array \d+: one task per run/);
    assert.match(remote.stdout, /completed/);
    const exp = path.join(dir, 'slurm', 'grid');
    submitted.push(submissionOf(exp).arrayJobId as string);
    const ids = (JSON.parse(fs.readFileSync(path.join(exp, 'experiment.json'), 'utf8')) as { runs: string[] }).runs;
    assert.equal(ids.length, 4);
    for (const [i, id] of ids.entries()) {
      const run = runJson(path.join(exp, id));
      assert.equal(run.status, 'completed');
      assert.equal(run.backend, 'wasm');
      assert.deepEqual(
        { jobId: run.slurm?.jobId, state: run.slurm?.state, restarts: run.slurm?.restarts },
        { jobId: `${submissionOf(exp).arrayJobId}_${i}`, state: 'COMPLETED', restarts: 0 },
      );
      await assertSameRun(path.join(dir, 'local', 'grid', id), path.join(exp, id), 24);
    }
    assert.ok(fs.existsSync(path.join(exp, 'summary.json')), 'summary.json written when the last run ended');
    // The tasks ran the task entry (dist/task.js), not the CLI bundle.
    const exec = fs.readFileSync(path.join(exp, 'slurm', 'job.sh'), 'utf8').split('\n').find((l) => l.startsWith('exec ')) ?? '';
    assert.equal(exec, `exec ${shellQuote(process.execPath)} ${shellQuote(findBundleFile('task.js'))} ${shellQuote(exp)} --backend wasm`);
  });

  it('a TransNAR grid naming a NAR file trains on Slurm as it does locally: each task copies the NAR into nar/', async () => {
    // The NAR: pretrained by a small local experiment (a spec that pretrains is refused on Slurm).
    const model = { layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope' as const };
    const train = { steps: 12, batchSize: 8, evalEvery: 6, evalExamples: 8, logEvery: 2, checkpointEvery: 5 };
    const tasks = [{ name: 'bfs' as const, trainLengths: [4, 5], evalLengths: [5] }];
    const pre = tinySpec({ name: 'tn-pre', tasks, models: [{ label: 'tn', ...model, nar: { checkpoint: 'pretrain', layers: [1] } }], narPretraining: { steps: 10, hidden: 8, batchSize: 8 }, train });
    const made = await cli(['run', writeSpec(dir, pre), '--backend', 'wasm', '--out', path.join(dir, 'local')]);
    assert.equal(made.code, 0, made.stderr);
    const narFile = path.join(dir, 'local', 'tn-pre', 'nar', 'bfs.safetensors');
    const spec = tinySpec({ name: 'tn-named', tasks, models: [{ label: 'plain', ...model }, { label: 'tn', ...model, nar: { checkpoint: narFile, layers: [1] } }], train });
    const file = writeSpec(dir, spec);
    const local = await cli(['run', file, '--backend', 'wasm', '--out', path.join(dir, 'local')]);
    assert.equal(local.code, 0, local.stderr);
    const remote = await cli(onSlurm(file));
    assert.equal(remote.code, 0, remote.stderr);
    const exp = path.join(dir, 'slurm', 'tn-named');
    submitted.push(submissionOf(exp).arrayJobId as string);
    assert.ok(fs.readFileSync(path.join(exp, 'nar', 'bfs-tn.safetensors')).equals(fs.readFileSync(narFile)), 'the named NAR copied as it is');
    for (const id of ['bfs-plain-standard-adamw-s1', 'bfs-tn-standard-adamw-s1']) {
      assert.equal(runJson(path.join(exp, id)).status, 'completed');
      await assertSameRun(path.join(dir, 'local', 'tn-named', id), path.join(exp, id), 12);
    }
  });

  it('a task requeued with scontrol requeue resumes from its checkpoint and ends identical to an uninterrupted run', async () => {
    const spec = tinySpec({ name: 'requeue', train: { steps: 150, batchSize: 8, evalEvery: 50, evalExamples: 8, logEvery: 5, checkpointEvery: 20 } });
    const exp = await detached(spec);
    const runDir = path.join(exp, (JSON.parse(fs.readFileSync(path.join(exp, 'experiment.json'), 'utf8')) as { runs: string[] }).runs[0] as string);
    const jobId = `${submissionOf(exp).arrayJobId}_0`;
    await waitFor('a checkpoint of the running task', 120_000, () => (fs.existsSync(path.join(runDir, 'checkpoints', 'step-40.safetensors')) ? true : undefined));
    assert.equal(taskState(jobId), 'RUNNING');
    slurm('scontrol', ['requeue', jobId]);
    // A requeued job waits ~2 minutes (its BeginTime) before it may start again: start it now.
    await waitFor('the requeued task to be pending', 60_000, () => (taskState(jobId) === 'PENDING' ? true : undefined));
    slurm('scontrol', ['update', `JobId=${jobId}`, 'StartTime=now']);
    await waitFor('the requeued run to complete', 180_000, () => (runJson(runDir).status === 'completed' && taskState(jobId) === 'COMPLETED' ? true : undefined), 500);
    const rows = await status(exp);
    assert.equal(rows[0]?.status, 'completed');
    assert.equal(rows[0]?.slurm.state, 'COMPLETED');
    const run = runJson(runDir);
    assert.equal(run.slurm?.restarts, 1, 'the second attempt recorded its restart');
    const log = fs.readFileSync(run.slurm?.log as string, 'utf8');
    assert.match(log, /attempt 1: run \S+, from the start/);
    assert.match(log, /attempt 2: run \S+, resuming from checkpoints\/step-\d+\.safetensors/);
    // The same run straight through, locally.
    const local = await cli(['run', writeSpec(dir, spec), '--backend', 'wasm', '--out', path.join(dir, 'local')]);
    assert.equal(local.code, 0, local.stderr);
    await assertSameRun(path.join(dir, 'local', 'requeue', path.basename(runDir)), runDir, 150);
  });

  it('cancel scancels the array: the running run keeps its checkpoints, the queued one never starts; both end cancelled', async () => {
    const exp = await detached(endless('cancel', [1, 2]), '--parallel', '1');
    const ids = (JSON.parse(fs.readFileSync(path.join(exp, 'experiment.json'), 'utf8')) as { runs: string[] }).runs;
    const [first, second] = ids.map((id) => path.join(exp, id)) as [string, string];
    await waitFor('a checkpoint of the first task', 120_000, () => (fs.existsSync(path.join(first, 'checkpoints', 'step-20.safetensors')) ? true : undefined));
    assert.equal(runJson(second).status, 'pending', 'the throttled second task waits');
    const r = await cli(['cancel', exp]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 cancelled/);
    const a = runJson(first);
    assert.equal(a.status, 'cancelled');
    assert.equal(a.slurm?.state, 'CANCELLED');
    assert.ok(a.lastCheckpoint && fs.existsSync(path.join(first, a.lastCheckpoint)), 'the cancelled run keeps its last checkpoint');
    assert.ok(a.step >= 20);
    const b = runJson(second);
    assert.equal(b.status, 'cancelled');
    assert.equal(b.step, 0);
    assert.equal(taskState(`${submissionOf(exp).arrayJobId}_1`), 'CANCELLED');
    assert.ok(fs.existsSync(path.join(exp, 'summary.json')));
    // Cancelling again finds nothing to do and changes nothing.
    const again = await cli(['cancel', exp]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(runJson(first).status, 'cancelled');
  });

  it('Ctrl-C while following cancels the array with scancel: the run checkpoints and ends cancelled, exit 130', async () => {
    const child = spawn(process.execPath, [CLI, ...onSlurm(writeSpec(dir, endless('interrupted')))], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const exp = path.join(dir, 'slurm', 'interrupted');
    const runDir = await waitFor('a checkpoint of the followed run', 120_000, () => {
      try {
        const id = (JSON.parse(fs.readFileSync(path.join(exp, 'experiment.json'), 'utf8')) as { runs: string[] }).runs[0] as string;
        return fs.existsSync(path.join(exp, id, 'checkpoints', 'step-20.safetensors')) ? path.join(exp, id) : undefined;
      } catch {
        return undefined;
      }
    });
    submitted.push(submissionOf(exp).arrayJobId as string);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /stopping \(SIGINT\)/);
    assert.match(stderr, /■ \S+ cancelled/);
    const run = runJson(runDir);
    assert.equal(run.status, 'cancelled');
    assert.equal(run.slurm?.state, 'CANCELLED');
    assert.ok(run.lastCheckpoint && fs.existsSync(path.join(runDir, run.lastCheckpoint)));
    assert.equal(taskState(`${submissionOf(exp).arrayJobId}_0`), 'CANCELLED');
  });

  it('the extension’s backend runs an experiment on Slurm with job ids in its events; when it shuts down the tasks go on, and a later backend cancels them', async () => {
    const backend = new BackendProcess({ script: findBundleFile('backend.js', __dirname), noNative: true, log: () => undefined, startTimeoutMs: 30_000 });
    const events: JobEvent[] = [];
    backend.onReady((e) => e.on('job/event', (ev) => events.push(ev)));
    const endpoint = await backend.ensureStarted();
    const out = path.join(dir, 'backend');
    const request = endpoint.request('experiment/run', {
      jobId: 'job-slurm',
      outDir: out,
      backend: 'wasm',
      parallel: 0,
      source: { kind: 'file', path: writeSpec(dir, endless('frombackend')) },
      steps: null,
      on: 'slurm',
      slurm: { ...mergeSlurmOptions({ pollSeconds: 0.5 }) },
    });
    request.catch(() => undefined);
    const exp = path.join(out, 'frombackend');
    const queued = await waitFor('a run/queue event with RUNNING', 120_000, () =>
      events.find((e) => e.event.type === 'run/queue' && e.event.state === 'RUNNING')?.event as { jobId: string } | undefined,
    );
    submitted.push(queued.jobId.split('_')[0] as string);
    assert.equal(queued.jobId, `${submissionOf(exp).arrayJobId}_0`);
    // The backend's tasks run dist/task.js beside its own bundle (the .vsix's layout), not the CLI.
    const exec = fs.readFileSync(path.join(exp, 'slurm', 'job.sh'), 'utf8').split('\n').find((l) => l.startsWith('exec ')) ?? '';
    assert.ok(exec.endsWith(` ${shellQuote(path.join(path.dirname(findBundleFile('backend.js', __dirname)), 'task.js'))} ${shellQuote(exp)} --backend wasm`), exec);
    await waitFor('a checkpoint', 120_000, () => (fs.readdirSync(exp).some((d) => fs.existsSync(path.join(exp, d, 'checkpoints', 'step-20.safetensors'))) ? true : undefined));
    await backend.stop();
    await assert.rejects(request, 'the request ends with the backend');
    assert.equal(taskState(queued.jobId), 'RUNNING', 'the task goes on without the backend');
    // A later backend (VS Code opened again) cancels the array it does not follow: Cancel Slurm Jobs.
    const again = new BackendProcess({ script: findBundleFile('backend.js', __dirname), noNative: true, log: () => undefined, startTimeoutMs: 30_000 });
    try {
      const result = await (await again.ensureStarted()).request('slurm/cancel', { dir: exp }, { timeoutMs: 120_000 });
      assert.deepEqual(result, { cancelled: 1, completed: 0, failed: 0 });
    } finally {
      await again.stop();
    }
    assert.equal(taskState(queued.jobId), 'CANCELLED');
    const run = runJson(path.join(exp, fs.readdirSync(exp).find((d) => fs.existsSync(path.join(exp, d, 'run.json'))) as string));
    assert.equal(run.status, 'cancelled');
    assert.ok(run.lastCheckpoint !== null);
  });

  it('a task over its memory limit is reported failed with Slurm’s state and its last word', async () => {
    // A run that trains until stopped: a short one can finish between two of Slurm's memory
    // samples (every 5 s here) and end COMPLETED on a fast machine.
    const exp = await detached(endless('memory'), '--mem=60M');
    const runDir = path.join(exp, (JSON.parse(fs.readFileSync(path.join(exp, 'experiment.json'), 'utf8')) as { runs: string[] }).runs[0] as string);
    const jobId = `${submissionOf(exp).arrayJobId}_0`;
    const ended = await waitFor('the memory limit to end the task', 120_000, () => {
      const state = taskState(jobId);
      return /^(PENDING|RUNNING|CONFIGURING|COMPLETING|UNKNOWN)$/.test(state) ? undefined : state;
    }, 500);
    assert.match(ended, /^(FAILED|OUT_OF_MEMORY)$/, 'the task ends by its memory limit');
    const rows = await status(exp);
    assert.equal(rows[0]?.status, 'failed');
    const run = runJson(runDir);
    // Slurm 22.05 without cgroups (jobacct_gather's OverMemoryKill) says FAILED; with cgroups, OUT_OF_MEMORY.
    assert.match(run.error ?? '', /^Slurm (FAILED|OUT_OF_MEMORY): .*; last log line: .*memory limit.*; log: \/\S+\.out$/i);
    assert.equal(run.slurm?.state, taskState(jobId));
  });

  it('a refused submission is one line with Slurm’s message, and no experiment folder is left', async () => {
    const out = path.join(dir, 'refused');
    const r = await cli(['run', writeSpec(dir, tinySpec({ name: 'refused' })), '--on', 'slurm', '--partition', 'nosuchpartition', '--out', out]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /^attention-lab: sbatch refused the job: .*invalid partition/i);
    assert.ok(!fs.existsSync(path.join(out, 'refused')), 'nothing written');
  });

  it('a job refused at submission (after --test-only accepted it) leaves every run failed with the reason, and slurm.json says so', async () => {
    // The one stand-in of the suite: an sbatch that accepts --test-only and refuses the real submission
    // (as a cluster does when a policy or limit changes between the two), ahead of the real one on PATH.
    const bin = path.join(dir, 'fakebin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, 'sbatch'),
      '#!/bin/sh\ncase " $* " in *" --test-only "*) exit 0 ;; esac\necho "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const out = path.join(dir, 'halfway');
    const r = await cli(['run', writeSpec(dir, tinySpec({ name: 'halfway', seeds: [1, 2] })), '--on', 'slurm', '--out', out], { env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^attention-lab: sbatch refused the job: sbatch: error: Batch job submission failed: Job violates accounting\/QOS policy$/m);
    const exp = path.join(out, 'halfway');
    assert.deepEqual(submissionOf(exp), { ...submissionOf(exp), arrayJobId: null, error: 'sbatch refused the job: sbatch: error: Batch job submission failed: Job violates accounting/QOS policy' });
    for (const id of ['copy-m-standard-adamw-s1', 'copy-m-standard-adamw-s2']) {
      const run = runJson(path.join(exp, id));
      assert.equal(run.status, 'failed');
      assert.match(run.error ?? '', /^not submitted: sbatch refused the job: .*QOS policy/);
    }
    const st = await cli(['status', exp]);
    assert.match(st.stdout, /NOT SUBMITTED/);
  });

  it('without sbatch on PATH: one line, nothing written', async () => {
    const out = path.join(dir, 'nosbatch');
    const empty = path.join(dir, 'emptybin');
    fs.mkdirSync(empty, { recursive: true });
    const r = await cli(['run', writeSpec(dir, tinySpec({ name: 'nosbatch' })), '--on', 'slurm', '--out', out], { env: { ...process.env, PATH: empty } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /sbatch, squeue, scancel not found on PATH.*nothing was submitted/);
    assert.ok(!fs.existsSync(out) || !fs.existsSync(path.join(out, 'nosbatch')));
  });

  it('a task killed by its time limit is reported failed with Slurm TIMEOUT and its log; its checkpoints stay', async () => {
    const ids = (JSON.parse(fs.readFileSync(path.join(timeoutExp, 'experiment.json'), 'utf8')) as { runs: string[] }).runs;
    const runDir = path.join(timeoutExp, ids[0] as string);
    const jobId = `${submissionOf(timeoutExp).arrayJobId}_0`;
    await waitFor('the time limit to end the task', 240_000, () => (taskState(jobId) === 'TIMEOUT' ? true : undefined), 1000);
    const rows = await status(timeoutExp);
    assert.equal(rows[0]?.status, 'failed');
    assert.equal(rows[0]?.slurm.state, 'TIMEOUT');
    const run = runJson(runDir);
    assert.equal(run.status, 'failed');
    assert.equal(run.slurm?.state, 'TIMEOUT');
    assert.match(run.error ?? '', /^Slurm TIMEOUT: the task reached its time limit; resume continues from checkpoints\/step-\d+\.safetensors; log: \/\S+\/slurm\/\d+_0\.out$/);
    assert.ok(fs.existsSync(run.slurm?.log as string), 'the log the error names exists');
    assert.ok(run.lastCheckpoint && fs.existsSync(path.join(runDir, run.lastCheckpoint)));
    assert.ok(fs.existsSync(path.join(timeoutExp, 'summary.json')), 'status wrote summary.json once every run ended');
  });
});

function spawnQuiet(command: string, args: string[]): void {
  try {
    slurm(command, args);
  } catch {
    // already gone
  }
}
