/**
 * The Slurm executor (docs/scale-out.md): the experiment's runs as one job array, one task per
 * run. `preflight` asks sbatch --test-only before any folder exists; `submitArray` writes the
 * batch script and slurm.json and submits; `followArray` follows the tasks from squeue/sacct and
 * the run folders with the same RunnerEvents the local pool sends (so the live display, the
 * extension's tree and progress work unchanged), cancels with scancel when its signal aborts, and
 * brings run.json in line with Slurm's end state (reconcile.ts) as each task ends.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendChoice } from '../../protocol/backend';
import type { RunFile, TrainRecord } from '../../protocol/runFolder';
import { slurmStateEnded, type SlurmOptions, type SlurmSubmission } from '../../protocol/slurm';
import { findBundleFile } from '../bundlePaths';
import { writeFileAtomic } from '../io/atomicWrite';
import { readTail } from '../io/fileTail';
import { stderrLogger, type Logger } from '../log';
import type { ExecuteOptions, ExecutionResult, Executor, RunJob, RunnerEvent, RunOutcome } from '../experiment/executor';
import { METRICS_FILE, SLURM_DIR } from '../../protocol/runFolder';
import { readExperimentFile, readRunFile, writeRunFile } from '../experiment/runFolder';
import { reconcileEndedTask } from './reconcile';
import { clusterNodes, queryArray, requireSlurmCommands, sbatch, sbatchTestOnly, scancel, SlurmError, type TaskState } from './slurmCommands';
import { batchScript, LOG_PATTERN, SCRIPT_FILE, sbatchArguments } from './slurmJob';
import { filesystemKind, type FilesystemKind } from './sharedFilesystem';
import { readSubmission, taskRecord, writeSubmission } from './submission';

export interface SlurmRunOptions {
  slurm: SlurmOptions;
  backend: BackendChoice;
  /** The CLI bundle the tasks run (dist/cli.js); found beside this bundle by default. */
  cliScript?: string;
  /** Warnings for the user (a folder that is not shared, a query that failed); default: stderr. */
  log?: Logger;
  /** Aborting stops following without cancelling anything: the tasks go on (followArray throws DetachedError). */
  detachSignal?: AbortSignal;
}

/** followArray stopped following because its detachSignal aborted; the tasks go on. */
export class DetachedError extends Error {}

export function slurmExecutor(o: SlurmRunOptions): Executor {
  return {
    kind: 'slurm',
    queuedOwner: () => ({ pid: null, host: null, pidStart: null }),
    preflight: (runs) => preflight(o.slurm, runs),
    launch: async (dir: string, jobs: RunJob[]) => void (await submitArray(dir, jobs, o)),
    execute: (dir: string, _jobs: RunJob[], opts: ExecuteOptions): Promise<ExecutionResult> => followArray(dir, { ...o, signal: opts.signal, onEvent: opts.onEvent, log: o.log ?? opts.log }),
  };
}

/** Slurm's commands are here and sbatch would take an array of `runs` tasks with these options (--test-only). */
export async function preflight(slurm: SlurmOptions, runs: number): Promise<void> {
  requireSlurmCommands();
  await sbatchTestOnly(sbatchArguments(slurm, os.tmpdir(), 'preflight', runs, false), '#!/bin/sh\ntrue\n');
}

/** The Node.js the tasks run: the option, else this process's own executable. */
function nodeFor(slurm: SlurmOptions): string {
  return slurm.node ?? process.execPath;
}

/**
 * The warning for an experiment folder on a file system local to this machine (or of a kind that
 * cannot be told) while the cluster has nodes other than this host, whose tasks could not see it;
 * null when the folder is shared, or the cluster's only node is this machine.
 */
export function sharedFolderWarning(dir: string, fsKind: FilesystemKind, nodes: readonly string[] | null, host: string): string | null {
  if (fsKind.kind === 'shared') return null;
  const here = host.split('.')[0];
  if (nodes !== null && nodes.length > 0 && nodes.every((n) => n.split('.')[0] === here)) return null;
  return (
    `${dir} is on a ${fsKind.kind === 'local' ? `local file system (${fsKind.type})` : `file system of unknown kind (${fsKind.type})`}: ` +
    `the compute nodes must see the same folder (put --out on a shared file system: NFS, Lustre, GPFS, BeeGFS, …)`
  );
}

async function warnIfNotShared(dir: string, warn: (m: string) => void): Promise<void> {
  const fsKind = filesystemKind(dir);
  if (fsKind.kind === 'shared') return;
  const message = sharedFolderWarning(dir, fsKind, await clusterNodes(), os.hostname());
  if (message) warn(message);
}

/**
 * Writes the batch script and submits the array; writes slurm.json either way. A refused job
 * leaves every run `failed` with sbatch's message (nothing half-submitted) and throws the
 * SlurmError; a job whose slurm.json cannot be written is cancelled again before the error.
 */
export async function submitArray(dir: string, jobs: RunJob[], o: SlurmRunOptions): Promise<SlurmSubmission> {
  const name = path.basename(dir);
  const log = o.log ?? stderrLogger();
  const warn = (m: string): void => log.log('warn', m);
  await warnIfNotShared(dir, warn);
  const args = sbatchArguments(o.slurm, dir, name, jobs.length);
  const scriptFile = path.join(dir, SCRIPT_FILE);
  const cli = o.cliScript ?? findBundleFile('cli.js');
  fs.mkdirSync(path.join(dir, SLURM_DIR), { recursive: true });
  writeFileAtomic(scriptFile, batchScript({ experimentDir: dir, name, runs: jobs.length, node: nodeFor(o.slurm), cli, backend: o.backend, setup: o.slurm.setup, sbatchArgs: args }));
  const base = { version: 1 as const, submittedAt: new Date().toISOString(), command: ['sbatch', '--parsable', ...args, scriptFile], script: SCRIPT_FILE, logs: LOG_PATTERN, options: o.slurm };
  let arrayJobId: string;
  try {
    arrayJobId = await sbatch([...args, scriptFile]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    markNotSubmitted(dir, jobs, message, () => writeSubmission(dir, { ...base, arrayJobId: null, error: message }));
    throw err;
  }
  const submission: SlurmSubmission = { ...base, arrayJobId, error: null };
  try {
    writeSubmission(dir, submission);
  } catch (err) {
    await scancel(arrayJobId).catch(() => undefined);
    const message = `job ${arrayJobId} cancelled again: slurm.json not written (${err instanceof Error ? err.message : String(err)})`;
    markNotSubmitted(dir, jobs, message, () => undefined);
    throw new SlurmError(message);
  }
  return submission;
}

function markNotSubmitted(dir: string, jobs: RunJob[], message: string, writeRecord: () => void): void {
  try {
    writeRecord();
  } catch {
    // the runs below still say it
  }
  for (const job of jobs) {
    try {
      const run = readRunFile(job.runDir);
      writeRunFile(job.runDir, { ...run, status: 'failed', error: `not submitted: ${message}`, timings: { ...run.timings, endedAt: new Date().toISOString() } });
    } catch {
      // unwritable: the experiment's slurm.json says it
    }
  }
}

/** The newest `train` record in the last 64 KB of a run's metrics.jsonl, or null. */
export function lastTrainRecord(runDir: string): TrainRecord | null {
  const tail = readTail(path.join(runDir, METRICS_FILE), 64 * 1024);
  if (tail === null) return null;
  const lines = tail.text.split('\n');
  // The last line may be torn (still being written); the first may be cut by the window.
  for (let i = lines.length - 2; i >= 1 || (i === 0 && tail.whole); i--) {
    try {
      const r = JSON.parse(lines[i] as string) as { kind?: unknown };
      if (r.kind === 'train') return r as TrainRecord;
    } catch {
      // not a whole line
    }
  }
  return null;
}

export interface FollowOptions extends SlurmRunOptions {
  /** Aborting cancels the array (scancel) and follows until every task has ended. */
  signal?: AbortSignal;
  onEvent?: (event: RunnerEvent) => void;
}

function readRunQuietly(runDir: string): RunFile | null {
  try {
    return readRunFile(runDir);
  } catch {
    return null;
  }
}

/**
 * Follows the array of a submitted experiment until every task has ended: emits `run/queue` when
 * a task's Slurm state changes, `worker/ready` once per backend, `run/progress` from the run
 * folders, and `run/end` after run.json is reconciled with Slurm's end state.
 */
export async function followArray(dir: string, o: FollowOptions): Promise<ExecutionResult> {
  const submission = readSubmission(dir);
  const arrayJobId = submission.arrayJobId;
  if (arrayJobId === null) throw new SlurmError(`${dir}: the job array was not submitted: ${submission.error ?? 'no job id in slurm.json'}`);
  const ids = readExperimentFile(dir).runs;
  const emit = o.onEvent ?? (() => undefined);
  const log = o.log ?? stderrLogger();
  const warn = (m: string): void => log.log('warn', m);
  const pollMs = Math.round(o.slurm.pollSeconds * 1000);
  const outcomes: (RunOutcome | undefined)[] = ids.map(() => undefined);
  const seen = ids.map(() => ({ state: '', reason: null as string | null, step: -1 }));
  const backends = new Set<string>();
  let cancelled = false;
  let lastQueryError = '';
  let wake: (() => void) | null = null;
  const onSignal = (): void => wake?.();
  o.signal?.addEventListener('abort', onSignal);
  o.detachSignal?.addEventListener('abort', onSignal);
  try {
    for (;;) {
      if (o.detachSignal?.aborted) throw new DetachedError(`stopped following job ${arrayJobId}; its tasks go on`);
      if (o.signal?.aborted && !cancelled) {
        try {
          await scancel(arrayJobId);
          cancelled = true;
        } catch (err) {
          warn(`${(err as Error).message} (trying again)`);
        }
      }
      let query: { tasks: Map<number, TaskState>; complete: boolean } | null = null;
      try {
        query = await queryArray(arrayJobId, ids.length);
        lastQueryError = '';
      } catch (err) {
        const message = (err as Error).message;
        if (message !== lastQueryError) warn(`${message} (trying again)`);
        lastQueryError = message;
      }
      if (query) followStep(dir, arrayJobId, ids, query, seen, outcomes, backends, emit);
      if (outcomes.every((x) => x !== undefined)) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    o.signal?.removeEventListener('abort', onSignal);
    o.detachSignal?.removeEventListener('abort', onSignal);
  }
  return { outcomes: outcomes as RunOutcome[], backends: [...backends] };
}

/** One look at the tasks and the run folders (the body of followArray's loop). */
function followStep(
  dir: string,
  arrayJobId: string,
  ids: readonly string[],
  query: { tasks: Map<number, TaskState>; complete: boolean },
  seen: { state: string; reason: string | null; step: number }[],
  outcomes: (RunOutcome | undefined)[],
  backends: Set<string>,
  emit: (e: RunnerEvent) => void,
): void {
  ids.forEach((id, i) => {
    if (outcomes[i] !== undefined) return;
    const task = query.tasks.get(i) ?? null;
    if (task === null && !query.complete) return;
    const runDir = path.join(dir, id);
    const jobId = `${arrayJobId}_${i}`;
    const s = seen[i] as (typeof seen)[number];
    const state = task?.state ?? 'UNKNOWN';
    if (state !== s.state || (task?.reason ?? null) !== s.reason) {
      s.state = state;
      s.reason = task?.reason ?? null;
      emit({ type: 'run/queue', runId: id, jobId, state, reason: s.reason });
    }
    const run = readRunQuietly(runDir);
    if (run?.backend && !backends.has(run.backend)) {
      backends.add(run.backend);
      emit({ type: 'worker/ready', backend: run.backend, reason: `Slurm task ${jobId}` });
    }
    const last = lastTrainRecord(runDir);
    if (run && last && last.step + 1 !== s.step && (run.status === 'running' || state === 'RUNNING')) {
      s.step = last.step + 1;
      emit({ type: 'run/progress', runId: id, step: s.step, totalSteps: run.config.train.steps, loss: last.loss, lr: last.lr, wallTime: last.wallTime });
    }
    if (task !== null && !slurmStateEnded(task.state)) return;
    let outcome: RunOutcome;
    try {
      const ended = reconcileEndedTask(runDir, taskRecord(dir, arrayJobId, i), task);
      const status = ended.status === 'pending' || ended.status === 'running' ? 'failed' : ended.status;
      outcome = { id, runDir, status, error: ended.error, final: ended.final };
    } catch (err) {
      outcome = { id, runDir, status: 'failed', error: `run.json not readable after the task ended: ${(err as Error).message}`, final: null };
    }
    outcomes[i] = outcome;
    emit({ type: 'run/end', runId: id, status: outcome.status, error: outcome.error, final: outcome.final });
  });
}

/** Each run's Slurm task and state, after reconciling the ended ones (for `status` and the extension). */
export async function slurmStates(dir: string): Promise<Map<string, { jobId: string; state: string; reason: string | null }>> {
  const submission = readSubmission(dir);
  const out = new Map<string, { jobId: string; state: string; reason: string | null }>();
  const ids = readExperimentFile(dir).runs;
  if (submission.arrayJobId === null) {
    for (const id of ids) out.set(id, { jobId: '', state: 'NOT SUBMITTED', reason: submission.error });
    return out;
  }
  const arrayJobId = submission.arrayJobId;
  const query = await queryArray(arrayJobId, ids.length);
  ids.forEach((id, i) => {
    const task = query.tasks.get(i) ?? null;
    const jobId = `${arrayJobId}_${i}`;
    if (task === null && !query.complete) return void out.set(id, { jobId, state: 'UNKNOWN', reason: 'Slurm could not be asked' });
    if (task === null || slurmStateEnded(task.state)) {
      try {
        reconcileEndedTask(path.join(dir, id), taskRecord(dir, arrayJobId, i), task);
      } catch {
        // an unreadable run.json: status reports it
      }
    }
    out.set(id, { jobId, state: task?.state ?? 'UNKNOWN', reason: task?.reason ?? null });
  });
  return out;
}
