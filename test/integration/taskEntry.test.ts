/**
 * The Slurm task entry (dist/task.js) as a scheduler runs it: the same messages and exit statuses
 * as `attention-lab task` (one implementation behind both), the run at its index trained into
 * its folder, SIGTERM → a checkpoint, the run cancelled and status 143; and its bundle carries
 * none of the CLI's other commands and no TensorFlow.js (training happens in dist/worker.js).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findBundleFile } from '../../src/core/bundlePaths';
import { readRunFile } from '../../src/core/experiment/runFolder';
import { prepareExperiment } from '../../src/engine/experiment/runner';
import type { ExperimentSpec } from '../../src/protocol/spec';
import { CLI, tempDir, tinySpec } from './helpers';

const TASK = findBundleFile('task.js');

/** This process's environment without any scheduler's task variables. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SLURM_') || k === 'JOB_COMPLETION_INDEX') delete env[k];
  return { ...env, ...extra };
}

/** An experiment folder as `run --on slurm` leaves it before the array starts: every run pending. */
async function prepared(spec: ExperimentSpec): Promise<{ dir: string; ids: string[] }> {
  const p = await prepareExperiment(spec, tempDir('task-entry'), { kind: 'slurm', queuedOwner: () => ({ pid: null, host: null, pidStart: null }) });
  return { dir: p.dir, ids: p.jobs.map((j) => j.config.id) };
}

function runEntry(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [TASK, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runCliTask(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'task', ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('usage errors: status 2 and one line on stderr, the same from dist/task.js as from `attention-lab task`; nothing changes', async () => {
  const { dir, ids } = await prepared(tinySpec({ name: 'usage', seeds: [1, 2] }));
  const cases: [args: string[], message: RegExp][] = [
    [[], /^attention-lab: task: give one experiment folder$/],
    [[path.join(dir, 'nope')], /^attention-lab: task: .*nope/],
    [[dir], /^attention-lab: task: no task index: give --index N, or run it as a Slurm array task \(SLURM_ARRAY_TASK_ID\) or a Kubernetes indexed pod \(JOB_COMPLETION_INDEX\)$/],
    [[dir, '--index=x'], /^attention-lab: --index: expected an integer ≥ 0, got "x"$/],
    [[dir, '--index', '2', '--backend', 'wasm'], /^attention-lab: .*task index 2 is out of range: experiment.json lists 2 run\(s\)$/],
    [[dir, '--index', '0', '--backend', 'gpu'], /^attention-lab: --backend: expected one of auto, node, wasm, cpu, got "gpu"/],
    [[dir, '--index', '0', '--frob'], /^attention-lab: Unknown option '--frob'/],
  ];
  for (const [args, message] of cases) {
    const entry = runEntry(args);
    assert.equal(entry.status, 2, `${args.join(' ')}: ${entry.stderr}`);
    assert.equal(entry.stdout, '');
    const lines = entry.stderr.trim().split('\n');
    assert.equal(lines.length, 1, entry.stderr);
    assert.match(lines[0] as string, message);
    const cli = runCliTask(args);
    assert.deepEqual(cli, entry, `attention-lab task ${args.join(' ')} says the same`);
  }
  for (const id of ids) assert.equal(readRunFile(path.join(dir, id)).status, 'pending', 'no run touched');
});

test('a Slurm array task trains the run of SLURM_ARRAY_TASK_ID and records its job; the last task (the CLI subcommand) writes summary.json', async () => {
  const { dir, ids } = await prepared(tinySpec({ name: 'array', seeds: [1, 2] }));
  const first = runEntry([dir, '--backend', 'wasm'], cleanEnv({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '77', SLURM_RESTART_COUNT: '0' }));
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`^attention-lab task 77_1 on \\S+, attempt 1: run ${ids[1]}, from the start$`, 'm'), 'the log says which run and attempt');
  assert.match(first.stderr, new RegExp(`✔ ${ids[1]}`), 'progress lines on stderr');
  const run1 = readRunFile(path.join(dir, ids[1] as string));
  assert.equal(run1.status, 'completed');
  assert.equal(run1.slurm?.jobId, '77_1');
  assert.equal(readRunFile(path.join(dir, ids[0] as string)).status, 'pending', 'only the run of its index');
  assert.ok(!fs.existsSync(path.join(dir, 'summary.json')), 'one run still to go: no summary yet');

  const last = runCliTask([dir, '--index', '0', '--backend', 'wasm']);
  assert.equal(last.status, 0, last.stderr);
  assert.equal(readRunFile(path.join(dir, ids[0] as string)).status, 'completed');
  assert.ok(fs.existsSync(path.join(dir, 'summary.json')), 'the last run to end writes the summary');
});

test('SIGTERM (scancel, a time limit, preemption): the task saves a checkpoint, marks its run cancelled and exits 143', async () => {
  const spec = tinySpec({ name: 'endless', train: { steps: 1_000_000, batchSize: 8, evalEvery: 1_000_000, evalExamples: 8, logEvery: 5, checkpointEvery: 5 } });
  const { dir, ids } = await prepared(spec);
  const runDir = path.join(dir, ids[0] as string);
  const child = spawn(process.execPath, [TASK, dir, '--backend', 'wasm'], { env: cleanEnv({ JOB_COMPLETION_INDEX: '0' }), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(path.join(runDir, 'checkpoints', 'step-5.safetensors'))) {
    assert.ok(Date.now() < deadline, `no checkpoint within 120 s: ${stderr}`);
    assert.equal(child.exitCode, null, `the task ended early: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 143, stderr);
  assert.match(stderr, /stopping \(SIGTERM\)/);
  const run = readRunFile(runDir);
  assert.equal(run.status, 'cancelled');
  assert.ok(run.lastCheckpoint !== null && fs.existsSync(path.join(runDir, run.lastCheckpoint)), 'the cancelled run keeps its checkpoint');
});

test('dist/task.js is the task alone: none of the CLI’s other commands, no Slurm submission, no TensorFlow.js', () => {
  const map = JSON.parse(fs.readFileSync(`${TASK}.map`, 'utf8')) as { sources: string[] };
  const sources = map.sources.map((s) => path.relative(path.resolve(path.dirname(TASK), '..'), path.resolve(path.dirname(TASK), s)));
  for (const needed of ['src/cli/taskMain.ts', 'src/cli/taskCommand.ts', 'src/engine/experiment/runTask.ts', 'src/engine/experiment/runner.ts']) assert.ok(sources.includes(needed), needed);
  const cliOnly = ['main', 'runCommand', 'slurmCommands', 'statusCommand', 'inspectCommand', 'analyzeCommand', 'reportCommand', 'traceCommand'].map((n) => `src/cli/${n}.ts`);
  const unwanted = sources.filter((s) => cliOnly.includes(s) || s === 'src/core/slurm/slurmExecutor.ts' || s === 'src/engine/tf.ts' || s.includes('node_modules/@tensorflow/tfjs-core/dist/index') || s.includes('tfjs-backend'));
  assert.deepEqual(unwanted, []);
});
