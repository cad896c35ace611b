/**
 * The Slurm side without a cluster: parsing squeue/sacct, the sbatch arguments and the batch
 * script's quoting (run through /bin/sh), options from flags, config files and settings, the
 * reconciliation of run.json with Slurm's end states, the statuses `status` leaves alone, the
 * tree's text and the progress display.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { expandGrid } from '../../src/core/experiment/grid';
import { newRunFile } from '../../src/engine/experiment/newRunFile';
import { readRunFile, repairRunStatus, writeRunFile } from '../../src/core/experiment/runFolder';
import { slurmRecordFromEnv, taskIndexFromEnv } from '../../src/engine/experiment/runTask';
import { reconcileEndedTask } from '../../src/core/slurm/reconcile';
import { expandIndices, findOnPath, firstLine, parseSacct, parseSqueue } from '../../src/core/slurm/slurmCommands';
import { checkSlurmOptions, mergeSlurmOptions, readSlurmConfig, slurmConfigFile } from '../../src/core/slurm/slurmConfig';
import { lastTrainRecord, sharedFolderWarning } from '../../src/core/slurm/slurmExecutor';
import { batchScript, jobName, sbatchArguments, shellQuote } from '../../src/core/slurm/slurmJob';
import { filesystemKind } from '../../src/core/slurm/sharedFilesystem';
import { taskRecord } from '../../src/core/slurm/submission';
import { ProgressDisplay } from '../../src/cli/progress';
import { runsOnSlurm, slurmOptionsFromFlags } from '../../src/cli/slurmCommands';
import { readExperiment } from '../extension/readRunsFolder';
import { nodeView, slurmText } from '../../src/extension/tree/runsTreeModel';
import type { RunFile } from '../../src/protocol/runFolder';
import { baseSlurmState, slurmStateEnded } from '../../src/protocol/slurm';
import { CLI, tempDir as tempRoot, tinySpec } from '../integration/helpers';
import { narOnExecutorProblem } from '../../src/core/nar/narOnExecutor';

/** Folders under one temporary root (removed at exit). */
const root = tempRoot('slurm-units');
const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(root, `${prefix}-`));

test('array indices as Slurm prints them', () => {
  assert.deepEqual(expandIndices('3'), [3]);
  assert.deepEqual(expandIndices('[4-7]'), [4, 5, 6, 7]);
  assert.deepEqual(expandIndices('[0,2,5-6%2]'), [0, 2, 5, 6]);
  assert.deepEqual(expandIndices('[0-8:4]'), [0, 4, 8]);
  assert.deepEqual(expandIndices('[x]'), []);
});

test('squeue and sacct lines become states by task index; other jobs and steps are ignored', () => {
  const q = parseSqueue('12_[2-3]|PENDING|Resources\n12_0|RUNNING|None\n12_1|COMPLETED|None\n13_0|RUNNING|None\n', '12');
  assert.deepEqual([...q.entries()].sort((a, b) => a[0] - b[0]), [
    [0, { state: 'RUNNING', reason: null }],
    [1, { state: 'COMPLETED', reason: null }],
    [2, { state: 'PENDING', reason: 'Resources' }],
    [3, { state: 'PENDING', reason: 'Resources' }],
  ]);
  const a = parseSacct('12_0|TIMEOUT|0:0\n12_1|CANCELLED by 1000|0:15\n12_2|OUT_OF_MEMORY|0:125\n120_0|FAILED|1:0\n', '12');
  assert.deepEqual(a.get(0), { state: 'TIMEOUT', reason: null });
  assert.deepEqual(a.get(1), { state: 'CANCELLED', reason: 'exit code 0:15' });
  assert.deepEqual(a.get(2), { state: 'OUT_OF_MEMORY', reason: 'exit code 0:125' });
  assert.equal(a.size, 3);
  assert.equal(baseSlurmState('CANCELLED by 1000'), 'CANCELLED');
  for (const s of ['COMPLETED', 'CANCELLED by 0', 'TIMEOUT', 'OUT_OF_MEMORY', 'FAILED', 'NODE_FAIL']) assert.ok(slurmStateEnded(s), s);
  for (const s of ['PENDING', 'RUNNING', 'COMPLETING', 'REQUEUED', 'SUSPENDED', 'REQUEUE_HOLD']) assert.ok(!slurmStateEnded(s), s);
  assert.equal(firstLine('\nsbatch: warning: x\nsbatch: error: Invalid partition name specified\n'), 'sbatch: error: Invalid partition name specified');
});

test('sbatch arguments: one requeueable task per run, logs appended in the experiment folder, the options and extra arguments', () => {
  const o = mergeSlurmOptions({ partition: 'cpu', time: '1:00:00', cpusPerTask: 4, mem: '8G', account: 'lab', qos: 'low', maxParallel: 3, sbatchArgs: ['--constraint=avx2'] });
  assert.deepEqual(sbatchArguments(o, '/shared/runs/exp', 'exp', 12), [
    '--job-name=al-exp',
    '--array=0-11%3',
    '--output=/shared/runs/exp/slurm/%A_%a.out',
    '--open-mode=append',
    '--requeue',
    '--cpus-per-task=4',
    '--ntasks=1',
    '--partition=cpu',
    '--time=1:00:00',
    '--mem=8G',
    '--account=lab',
    '--qos=low',
    '--constraint=avx2',
  ]);
  assert.deepEqual(sbatchArguments(mergeSlurmOptions(), '/x', 'e', 1, false), ['--job-name=al-e', '--array=0-0', '--requeue', '--cpus-per-task=1', '--ntasks=1']);
  assert.equal(jobName('my exp/1'), 'al-my_exp_1');
});

test('the batch script quotes every path for /bin/sh and runs the task of its index', () => {
  const tricky = "/tmp/it's a dir/$HOME `x`";
  assert.equal(shellQuote('/plain/path-1.js'), '/plain/path-1.js');
  const echo = spawnSync('/bin/sh', ['-c', `printf '%s|' ${shellQuote(tricky)} ${shellQuote('a"b')}`], { encoding: 'utf8' });
  assert.equal(echo.stdout, `${tricky}|a"b|`);
  const script = batchScript({ experimentDir: tricky, name: 'exp', runs: 2, node: '/opt/node 20/bin/node', taskScript: '/al/dist/task.js', backend: 'wasm', setup: ['module load nodejs/20'], sbatchArgs: ['--array=0-1'] });
  assert.ok(script.startsWith('#!/bin/sh\n'));
  assert.match(script, /\nmodule load nodejs\/20\n/);
  const exec = script.split('\n').find((l) => l.startsWith('exec ')) as string;
  // The exec line, with printf in place of the program, gives back the exact arguments.
  const args = spawnSync('/bin/sh', ['-c', exec.replace(/^exec /, "printf '%s|' ")], { encoding: 'utf8' });
  assert.equal(args.stdout, `/opt/node 20/bin/node|/al/dist/task.js|${tricky}|--backend|wasm|`);
  assert.equal(spawnSync('/bin/sh', ['-n', '-c', script]).status, 0, 'the script parses');
});

test('Slurm options: every value checked with its JSON path; config file below the flags; flags need --on slurm', () => {
  assert.deepEqual(checkSlurmOptions({ time: '30', mem: '500M', cpusPerTask: 2, maxParallel: null }), { time: '30', mem: '500M', cpusPerTask: 2, maxParallel: null });
  const bad: [unknown, RegExp][] = [
    [[], /^\$: expected an object of Slurm options, found a list$/],
    [{ partion: 'x' }, /^\$\.partion: unknown Slurm option \(known: partition, /],
    [{ time: '2 hours' }, /^\$\.time: expected a Slurm time limit/],
    [{ mem: '4 GB' }, /^\$\.mem: expected a memory size/],
    [{ cpusPerTask: 0 }, /^\$\.cpusPerTask: expected an integer from 1 to 4096, found 0$/],
    [{ sbatchArgs: ['--array=0-3'] }, /^\$\.sbatchArgs\[0\]: --array is set by Attention Lab/],
    [{ sbatchArgs: ['constraint'] }, /^\$\.sbatchArgs\[0\]: expected an sbatch option/],
    [{ setup: ['a\nb'] }, /^\$\.setup\[0\]: expected one shell line/],
    [{ partition: 'a b' }, /^\$\.partition: expected a partition name, found "a b"$/],
  ];
  for (const [raw, re] of bad) assert.throws(() => checkSlurmOptions(raw), (err: Error) => re.test(err.message), String(re));

  const dir = tempDir('slurm-config');
  const file = path.join(dir, 'attention-lab.slurm.json');
  fs.writeFileSync(file, JSON.stringify({ partition: 'cpu', time: '10', sbatchArgs: ['--constraint=avx2'] }));
  assert.equal(slurmConfigFile(undefined, dir, {}), file, './attention-lab.slurm.json is found');
  assert.equal(slurmConfigFile('other.json', dir, { ATTENTION_LAB_SLURM_CONFIG: 'env.json' }), path.join(dir, 'other.json'));
  assert.equal(slurmConfigFile(undefined, dir, { ATTENTION_LAB_SLURM_CONFIG: 'env.json' }), path.join(dir, 'env.json'));
  assert.equal(slurmConfigFile(undefined, tempDir('empty'), { XDG_CONFIG_HOME: tempDir('xdg') }), null);
  const o = slurmOptionsFromFlags({ 'slurm-config': file, time: '2:00:00', 'sbatch-arg': ['--exclusive'] }, 4);
  assert.deepEqual([o.partition, o.time, o.maxParallel, o.sbatchArgs], ['cpu', '2:00:00', 4, ['--constraint=avx2', '--exclusive']]);
  assert.throws(() => slurmOptionsFromFlags({ 'slurm-config': file, time: 'soon' }, undefined), (err: Error) => err.message.startsWith('--time: expected a Slurm time limit'));
  fs.writeFileSync(file, '{"mem": 4}');
  assert.throws(() => readSlurmConfig(file), (err: Error) => err.message === `${file}: $.mem: expected a memory size such as "2G" or "500M", found 4`);
  assert.equal(runsOnSlurm({ on: 'slurm' }), true);
  assert.equal(runsOnSlurm({}), false);
  assert.throws(() => runsOnSlurm({ partition: 'cpu' }), /--partition needs --on slurm/);
  assert.throws(() => runsOnSlurm({ on: 'cloud' }), /--on: expected local or slurm, got "cloud"/);
});

/** An experiment folder with one run in `status` (and a checkpoint file when asked). */
function runFolder(status: RunFile['status'], extra: Partial<RunFile> = {}): { exp: string; runDir: string } {
  const exp = tempDir('reconcile');
  const [config] = expandGrid(tinySpec());
  assert.ok(config);
  const runDir = path.join(exp, config.id);
  writeRunFile(runDir, { ...newRunFile('tiny', config, status), pid: null, host: null, ...extra });
  fs.writeFileSync(path.join(exp, 'slurm.json'), '{}');
  return { exp, runDir };
}

test('reconcile: Slurm’s end state decides what run.json says of a run that did not complete', () => {
  const at = new Date('2030-01-01T00:00:00Z');
  // A queued task cancelled before it started.
  let f = runFolder('pending');
  let rec = taskRecord(f.exp, '7', 0);
  let run = reconcileEndedTask(f.runDir, rec, { state: 'CANCELLED', reason: null }, at);
  assert.deepEqual([run.status, run.error, run.slurm?.state, run.timings.endedAt], ['cancelled', null, 'CANCELLED', at.toISOString()]);
  assert.equal(readRunFile(f.runDir).status, 'cancelled', 'written');

  // A running task killed after KillWait (it could not write) ends cancelled too.
  f = runFolder('running', { step: 40, lastCheckpoint: 'checkpoints/step-40.safetensors' });
  run = reconcileEndedTask(f.runDir, taskRecord(f.exp, '7', 0), { state: 'CANCELLED by 0', reason: null }, at);
  assert.equal(run.status, 'cancelled');

  // A time limit: the task checkpointed and wrote `cancelled` on SIGTERM; Slurm says TIMEOUT.
  f = runFolder('cancelled', { step: 60, lastCheckpoint: 'checkpoints/step-60.safetensors' });
  rec = taskRecord(f.exp, '7', 0);
  run = reconcileEndedTask(f.runDir, rec, { state: 'TIMEOUT', reason: null }, at);
  assert.equal(run.status, 'failed');
  assert.equal(run.error, `Slurm TIMEOUT: the task reached its time limit; resume continues from checkpoints/step-60.safetensors; log: ${rec.log}`);
  const again = reconcileEndedTask(f.runDir, rec, { state: 'TIMEOUT', reason: null }, new Date());
  assert.equal(again.error, run.error, 'reconciling twice changes nothing');
  assert.equal(again.timings.endedAt, at.toISOString());

  // Out of memory, with sacct's exit code; and a task that failed before the run started names its log's last line.
  f = runFolder('running', { step: 3 });
  run = reconcileEndedTask(f.runDir, taskRecord(f.exp, '7', 0), { state: 'OUT_OF_MEMORY', reason: 'exit code 0:125' });
  assert.match(run.error ?? '', /^Slurm OUT_OF_MEMORY: the task ran out of memory \(ask for more with --mem\) \(exit code 0:125\); log: /);
  f = runFolder('pending');
  rec = taskRecord(f.exp, '7', 0);
  fs.mkdirSync(path.dirname(rec.log), { recursive: true });
  fs.writeFileSync(rec.log, 'starting\n/bin/sh: 7: exec: /opt/node: not found\n\n');
  run = reconcileEndedTask(f.runDir, rec, { state: 'FAILED', reason: null });
  assert.equal(run.error, `Slurm FAILED: the task exited with an error; last log line: /bin/sh: 7: exec: /opt/node: not found; log: ${rec.log}`);

  // The run's own failure keeps its message; a completed run stays completed; a task Slurm forgot.
  f = runFolder('failed', { error: 'checkpoint at step 5 not saved: ENOSPC' });
  run = reconcileEndedTask(f.runDir, taskRecord(f.exp, '7', 0), { state: 'FAILED', reason: null });
  assert.match(run.error ?? '', /^checkpoint at step 5 not saved: ENOSPC \(Slurm FAILED\); log: /);
  f = runFolder('completed');
  run = reconcileEndedTask(f.runDir, taskRecord(f.exp, '7', 0), { state: 'COMPLETED', reason: null });
  assert.deepEqual([run.status, run.error, run.slurm?.state], ['completed', null, 'COMPLETED']);
  f = runFolder('running');
  run = reconcileEndedTask(f.runDir, taskRecord(f.exp, '7', 0), null);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /^Slurm UNKNOWN: Slurm no longer knows the task/);
});

test('status leaves the runs of a Slurm array to Slurm: no pid-based repair', () => {
  const f = runFolder('running', { pid: 2 ** 22 + 12345, host: os.hostname() });
  assert.equal(repairRunStatus(f.runDir), null);
  assert.equal(readRunFile(f.runDir).status, 'running');
  fs.rmSync(path.join(f.exp, 'slurm.json'));
  assert.equal(repairRunStatus(f.runDir)?.to, 'failed', 'the same run of a local experiment is repaired');
});

test('the task: its index and Slurm record come from the environment', () => {
  assert.equal(taskIndexFromEnv({ SLURM_ARRAY_TASK_ID: '3' }), 3);
  assert.equal(taskIndexFromEnv({ JOB_COMPLETION_INDEX: '5' }), 5);
  assert.equal(taskIndexFromEnv({ SLURM_ARRAY_TASK_ID: 'x' }), undefined);
  assert.equal(taskIndexFromEnv({}), undefined);
  assert.deepEqual(slurmRecordFromEnv('/runs/e', 2, undefined, { SLURM_ARRAY_JOB_ID: '40', SLURM_RESTART_COUNT: '1' }), {
    arrayJobId: '40',
    taskId: 2,
    jobId: '40_2',
    log: path.join('/runs/e', 'slurm', '40_2.out'),
    state: 'RUNNING',
    restarts: 1,
  });
  assert.equal(slurmRecordFromEnv('/runs/e', 2, undefined, {}), undefined);
});

test('progress from metrics.jsonl: the newest whole train record; a torn last line is skipped', () => {
  const dir = tempDir('tail');
  assert.equal(lastTrainRecord(dir), null);
  const line = (step: number): string => JSON.stringify({ kind: 'train', step, loss: 1 / (step + 1), accuracy: 0, gradNorm: 0, updateNorm: 0, lr: 0, nanEvents: 0, wallTime: step, length: 3 });
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${line(0)}\n${line(2)}\n{"kind":"eval","step":3,"results":[]}\n${line(4).slice(0, 20)}`);
  assert.equal(lastTrainRecord(dir)?.step, 2);
});

test('the tree: a Slurm run shows its job id and state; a queued one its task from slurm.json', () => {
  const f = runFolder('pending');
  const [config] = expandGrid(tinySpec());
  fs.writeFileSync(path.join(f.exp, 'experiment.json'), JSON.stringify({ version: 1, name: 'tiny', spec: tinySpec(), runs: [config?.id], createdAt: 'x' }));
  fs.writeFileSync(path.join(f.exp, 'slurm.json'), JSON.stringify({ arrayJobId: '41' }));
  const e = readExperiment(f.exp);
  const r = e.runs[0];
  assert.ok(r);
  assert.deepEqual(r.slurm, { jobId: '41_0', state: null, log: null });
  assert.equal(slurmText(r, undefined), 'Slurm 41_0');
  assert.equal(slurmText(r, { step: 0, totalSteps: 12, loss: null, queue: { jobId: '41_0', state: 'PENDING', reason: 'Resources' } }), 'Slurm 41_0 PENDING (Resources)');
  const ended = { ...r, status: 'failed' as const, slurm: { jobId: '41_0', state: 'TIMEOUT', log: '/l' } };
  assert.equal(slurmText(ended, { step: 3, totalSteps: 12, loss: 1, queue: { jobId: '41_0', state: 'RUNNING', reason: null } }), 'Slurm 41_0 TIMEOUT');
  assert.equal(slurmText({ ...ended, status: 'completed', slurm: { jobId: '41_0', state: 'RUNNING', log: null } }, undefined), 'Slurm 41_0', 'a stale RUNNING is not shown for an ended run');
  const view = nodeView({ kind: 'run', key: r.dir, run: { ...r, status: 'running', step: 5 }, live: { step: 6, totalSteps: 12, loss: 0.5, queue: { jobId: '41_0', state: 'RUNNING', reason: null } } });
  assert.equal(view.description, 'running · 6/12 · loss 0.500 · Slurm 41_0 RUNNING');
  assert.equal(slurmText({ ...r, slurm: null }, undefined), null, 'a local run shows nothing');
  // The experiment offers Cancel Slurm Jobs while a task may be queued or running.
  assert.equal(nodeView({ kind: 'experiment', key: e.dir, experiment: e }).contextValue, 'experiment.slurm');
  assert.equal(nodeView({ kind: 'experiment', key: e.dir, experiment: { ...e, runs: [ended] } }).contextValue, 'experiment');
  assert.equal(nodeView({ kind: 'experiment', key: e.dir, experiment: { ...e, runs: [{ ...r, slurm: null }] } }).contextValue, 'experiment');
});

test('the progress display names the array and the task states', () => {
  const chunks: string[] = [];
  const out = { isTTY: false, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
  const d = new ProgressDisplay(out, false);
  const runs = expandGrid(tinySpec({ seeds: [1, 2] }));
  d.handle({ type: 'experiment/start', dir: '/r/tiny', name: 'tiny', runs });
  d.handle({ type: 'run/queue', runId: runs[0]?.id as string, jobId: '9_0', state: 'RUNNING', reason: null });
  d.handle({ type: 'run/queue', runId: runs[1]?.id as string, jobId: '9_1', state: 'PENDING', reason: 'Resources' });
  d.handle({ type: 'run/end', runId: runs[0]?.id as string, status: 'failed', error: 'Slurm TIMEOUT: the task reached its time limit; log: /r/tiny/slurm/9_0.out', final: null });
  const text = chunks.join('');
  assert.match(text, /Slurm job array 9: one task per run\n/);
  assert.match(text, / {2}Slurm: 1 PENDING, 1 RUNNING\n/);
  assert.match(text, /✖ \S+ failed: Slurm TIMEOUT: the task reached its time limit; log: \/r\/tiny\/slurm\/9_0\.out/);
});

test('file systems: a local one is told from a shared one; a missing folder is unknown', () => {
  assert.notEqual(filesystemKind('/proc').kind, 'shared');
  assert.deepEqual(filesystemKind('/no/such/folder'), { kind: 'unknown', type: 'unknown' });
  assert.ok(['local', 'unknown', 'shared'].includes(filesystemKind(tempDir('fs')).kind));
  assert.equal(findOnPath('sh', '/bin:/usr/bin') !== null, true);
  assert.equal(findOnPath('no-such-command-here', '/bin'), null);
});

test('a run folder outside a shared file system is warned about, unless the cluster is this machine alone', () => {
  const ext4 = { kind: 'local' as const, type: 'ext4' };
  assert.equal(
    sharedFolderWarning('/home/me/runs/x', ext4, ['node1', 'node2'], 'login1'),
    '/home/me/runs/x is on a local file system (ext4): the compute nodes must see the same folder (put --out on a shared file system: NFS, Lustre, GPFS, BeeGFS, …)',
  );
  assert.match(sharedFolderWarning('/x', { kind: 'unknown', type: '0x1234' }, null, 'login1') ?? '', /^\/x is on a file system of unknown kind \(0x1234\)/);
  assert.equal(sharedFolderWarning('/x', { kind: 'shared', type: 'nfs' }, ['node1'], 'login1'), null);
  assert.equal(sharedFolderWarning('/x', ext4, ['vm'], 'vm.example.org'), null, 'a single-node cluster of this host');
  assert.notEqual(sharedFolderWarning('/x', ext4, ['vm', 'node2'], 'vm'), null);
});

test('a TransNAR spec that pretrains its NAR is refused with --on slurm: one line naming the field, nothing written', () => {
  const dir = tempDir('nar-slurm');
  const spec = tinySpec({
    name: 'tn',
    tasks: [{ name: 'bfs', trainLengths: [4], evalLengths: [5] }],
    models: [
      { label: 'plain', layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope' },
      { label: 'tn', layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope', nar: { checkpoint: 'pretrain', layers: [1] } },
    ],
  });
  const message = '$.models[1].nar.checkpoint: "pretrain" is not supported with --on slurm (each array task would pretrain the NAR itself); name a NAR checkpoint file instead, e.g. nar/<task>.safetensors of a local run';
  assert.equal(narOnExecutorProblem(spec, 'slurm'), message);
  assert.equal(narOnExecutorProblem(spec, 'local'), null, 'the local pool pretrains it');
  assert.equal(narOnExecutorProblem({ ...spec, models: [spec.models[0] as (typeof spec.models)[0]] }, 'slurm'), null, 'no NAR, nothing to refuse');
  const file = path.join(dir, 'tn.json');
  fs.writeFileSync(file, JSON.stringify(spec));
  const out = path.join(dir, 'out');
  for (const extra of [[], ['--detach']]) {
    const r = spawnSync(process.execPath, [CLI, 'run', file, '--on', 'slurm', '--backend', 'wasm', '--out', out, ...extra], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `attention-lab: ${message}\n`);
    assert.ok(!fs.existsSync(path.join(out, 'tn')), 'no experiment folder');
  }
});
