/**
 * Runs an experiment's grid: prepares the experiment folder (experiment.json and a `pending`
 * run.json for every run, up front, so readers see the whole grid at once), hands the runs to an
 * executor (executor.ts) and writes summary.json when they have ended. The default executor is
 * the local pool of training workers below (one per core; each run trains on one core): child
 * processes by default, worker threads on request (trainingWorker.ts says why). A crashed worker
 * fails only its run: the pool starts a new worker for the rest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RpcEndpoint } from '../../protocol/rpc';
import { RUNNER_GUARDS, WORKER_GUARDS, type RunnerApi, type WorkerApi } from '../../protocol/runner';
import type { EvalResult } from '../../protocol/runFolder';
import { EXPERIMENT_FILE, RUN_FILE, RUN_FOLDER_VERSION } from '../../protocol/runFolder';
import type { ExperimentSpec } from '../../protocol/spec';
import { applyNativeThreadSettings, nativeWorkerEnv } from '../backend';
import { startTrainingWorker } from './trainingWorker';
import type { TrainingWorker, WorkerMode } from './trainingWorker';
import { findBundleFile } from '../../core/bundlePaths';
import { applySpecDefaults } from '../../core/experiment/defaults';
import { expandGrid, gridSize } from '../../core/experiment/grid';
import { allowLargeFromEnv, checkGridSize, checkRunsBudget } from '../../core/experiment/budget';
import { runConfigProblem } from '../../core/experiment/validateRunConfig';
import { processAlive } from '../../core/io/atomicWrite';
import { summarizeExperiment } from '../../core/analysis/summarizeExperiment';
import { newRunFile } from './newRunFile';
import { stderrLogger, type Logger } from '../../core/log';
import type { ExecuteOptions, ExecutionResult, Executor, RunJob, RunnerEvent, RunOutcome } from '../../core/experiment/executor';
import {
  RunFolderError,
  createExperimentDir,
  ownerHere,
  readExperimentFile,
  readRunFile,
  repairRunStatus,
  writeExperimentFile,
  writeRunFile,
} from '../../core/experiment/runFolder';

export type { RunnerEvent, RunOutcome, RunJob, Executor } from '../../core/experiment/executor';

export interface ExperimentOutcome {
  dir: string;
  name: string;
  runs: RunOutcome[];
  /** Backend each worker reported (same for all in practice). */
  backends: string[];
}

export interface PoolOptions extends ExecuteOptions {
  /** Path of the bundled worker (dist/worker.js); found automatically by default. */
  workerScript?: string;
  /** Processes (default) or threads. */
  workerMode?: WorkerMode;
  /** Skip the resource budget (budget.ts); default: ATTENTION_LAB_ALLOW_LARGE=1 in the environment. */
  allowLarge?: boolean;
  /** Where the runs execute; default: the local pool (localPool). */
  executor?: Executor;
}

type Job = RunJob;

/** Most runs at once: the spec's own limit on `parallel`. */
export const MAX_PARALLEL = 64;

export async function runExperiment(spec: ExperimentSpec, outDir: string, options: PoolOptions = {}): Promise<ExperimentOutcome> {
  const executor = options.executor ?? localPool(options);
  const prepared = await prepareExperiment(spec, outDir, executor, options.allowLarge);
  await executor.launch?.(prepared.dir, prepared.jobs);
  options.onEvent?.({ type: 'experiment/start', dir: prepared.dir, name: prepared.name, runs: prepared.jobs.map((j) => j.config) });
  const { outcomes, backends } = await executor.execute(prepared.dir, prepared.jobs, options);
  writeSummaryQuietly(prepared.dir, options.log);
  return { dir: prepared.dir, name: prepared.name, runs: outcomes, backends };
}

/**
 * Checks the grid against the resource budget and the executor's preflight, then writes the
 * experiment folder: experiment.json and a `pending` run.json per run (owned as the executor
 * says). Nothing is written when a check fails.
 */
export async function prepareExperiment(
  spec: ExperimentSpec,
  outDir: string,
  executor: Pick<Executor, 'queuedOwner' | 'preflight'>,
  allowLargeOption?: boolean,
): Promise<{ dir: string; name: string; jobs: RunJob[] }> {
  const allowLarge = allowLargeOption ?? allowLargeFromEnv();
  if (!allowLarge) checkGridSize(gridSize(spec));
  const configs = expandGrid(spec);
  if (!allowLarge) checkRunsBudget(configs);
  await executor.preflight?.(configs.length);
  const dir = createExperimentDir(outDir, spec.name);
  const name = path.basename(dir);
  writeExperimentFile(dir, { version: RUN_FOLDER_VERSION, name, spec: applySpecDefaults(spec), runs: configs.map((c) => c.id), createdAt: new Date().toISOString() });
  const owner = executor.queuedOwner();
  const jobs: RunJob[] = configs.map((config) => {
    const runDir = path.join(dir, config.id);
    writeRunFile(runDir, { ...newRunFile(name, config, 'pending'), ...owner });
    return { runDir, experiment: name, config, resume: false };
  });
  return { dir, name, jobs };
}

/** The local pool as an executor: `options` are the pool's own (worker script, processes or threads). */
export function localPool(options: Pick<PoolOptions, 'workerScript' | 'workerMode'> = {}): Executor {
  return {
    kind: 'local',
    queuedOwner: () => ownerHere(),
    execute: (_dir, jobs, opts) => runPool(jobs, { ...options, ...opts }),
  };
}

/** summary.json of the experiment (docs/analysis.md); a failure is reported, never fatal. */
export function writeSummaryQuietly(dir: string, log: Logger = stderrLogger()): void {
  try {
    summarizeExperiment(dir);
  } catch (err) {
    log.log('error', `summary.json not written: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Resumes one run from its newest valid checkpoint (or from the start when it has none). run.json,
 * its config and experiment.json (when there is one) are checked first, so a damaged folder is a
 * clear error before any work; a run still trained by a live process is refused; a run left
 * `running` by a process that is gone is repaired first.
 */
export async function resumeRun(runDir: string, options: PoolOptions = {}): Promise<ExperimentOutcome> {
  repairRunStatus(runDir);
  const run = readRunFile(runDir);
  const problem = runConfigProblem(run.config, { allowLarge: options.allowLarge });
  if (problem) throw new RunFolderError(`${path.join(runDir, RUN_FILE)}: config ${problem.replace(/^\$/, '$.config')}`);
  if (run.config.id !== run.id) throw new RunFolderError(`${path.join(runDir, RUN_FILE)}: $.config.id "${run.config.id}" differs from $.id "${run.id}"`);
  if (run.status === 'running' && typeof run.pid === 'number' && run.host === os.hostname() && processAlive(run.pid) && run.pid !== process.pid) {
    throw new RunFolderError(`${runDir}: the run is being trained by process ${run.pid}; stop it first (Ctrl-C or kill ${run.pid})`);
  }
  const dir = path.dirname(runDir);
  let name = run.experiment;
  if (fs.existsSync(path.join(dir, EXPERIMENT_FILE))) name = readExperimentFile(dir).name;
  options.onEvent?.({ type: 'experiment/start', dir, name, runs: [run.config] });
  const { outcomes, backends } = await runPool([{ runDir, experiment: name, config: run.config, resume: true }], options);
  return { dir, name, runs: outcomes, backends };
}

/** Marks a run that never got to (or could not finish) its own bookkeeping. */
function markRun(runDir: string, status: RunOutcome['status'], error: string | null): void {
  try {
    const run = readRunFile(runDir);
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') return;
    writeRunFile(runDir, { ...run, status, error, timings: { ...run.timings, endedAt: new Date().toISOString() } });
  } catch {
    // the folder is gone or unreadable: nothing to mark
  }
}

/** Trains the jobs in a pool of local training workers. */
export function runPool(jobs: Job[], options: PoolOptions): Promise<ExecutionResult> {
  const workerScript = options.workerScript ?? findBundleFile('worker.js');
  const parallel = Math.max(1, Math.min(options.parallel ?? os.availableParallelism(), jobs.length, MAX_PARALLEL));
  // Native backend: each run gets its share of the cores (read by TensorFlow in every worker):
  // passed to each worker process, or set in this process for worker threads.
  const mode = options.workerMode ?? 'process';
  const workerEnv = mode === 'process' ? nativeWorkerEnv(parallel, os.availableParallelism()) : undefined;
  if (mode === 'thread') applyNativeThreadSettings(parallel, os.availableParallelism());
  const log = options.log ?? stderrLogger();
  const emit = (event: RunnerEvent): void => options.onEvent?.(event);
  const queue = jobs.slice();
  const outcomes = new Map<string, RunOutcome>();
  const backends = new Set<string>();
  /** Each live worker with the run it trains (undefined between runs). */
  const live = new Map<TrainingWorker, { endpoint: RpcEndpoint<RunnerApi, WorkerApi>; job: Job | undefined }>();
  let cancelled = false;

  return new Promise((resolve) => {
    const finish = (): void => {
      if (live.size > 0 || (queue.length > 0 && !cancelled)) return;
      for (const job of queue.splice(0)) {
        markRun(job.runDir, 'cancelled', null);
        outcomes.set(job.config.id, { id: job.config.id, runDir: job.runDir, status: 'cancelled', error: null, final: null });
      }
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ outcomes: jobs.map((j) => outcomes.get(j.config.id) as RunOutcome), backends: [...backends] });
    };

    const ended = (job: Job, status: RunOutcome['status'], error: string | null, final: EvalResult[] | null): void => {
      if (outcomes.has(job.config.id)) return;
      outcomes.set(job.config.id, { id: job.config.id, runDir: job.runDir, status, error, final });
      emit({ type: 'run/end', runId: job.config.id, status, error, final });
    };

    const retire = (worker: TrainingWorker): void => {
      live.get(worker)?.endpoint.dispose();
      live.delete(worker);
      worker.terminate();
      finish();
    };

    /** Gives the worker the next queued run, or retires it when there is none. */
    const next = (worker: TrainingWorker): void => {
      const slot = live.get(worker);
      const job = cancelled ? undefined : queue.shift();
      if (!slot || !job) return retire(worker);
      slot.job = job;
      const params = { runDir: job.runDir, experiment: job.experiment, config: job.config, backend: options.backend ?? ('auto' as const), resume: job.resume };
      slot.endpoint.request('run/start', params).then(
        (end) => {
          ended(job, end.status, end.error, end.final);
          slot.job = undefined;
          next(worker);
        },
        (err: unknown) => {
          // The worker refused the run (a malformed start) or died (reported by onExit, first).
          if (!live.has(worker)) return;
          const error = `the worker did not start the run: ${err instanceof Error ? err.message : String(err)}`;
          markRun(job.runDir, 'failed', error);
          ended(job, 'failed', error, null);
          slot.job = undefined;
          next(worker);
        },
      );
    };

    const spawn = (): void => {
      const worker = startTrainingWorker(workerScript, mode, workerEnv);
      const endpoint = new RpcEndpoint<RunnerApi, WorkerApi>(worker.transport, RUNNER_GUARDS, WORKER_GUARDS, (reason) =>
        log.log('warn', `a training worker sent a message the runner cannot use: ${reason}`),
      );
      live.set(worker, { endpoint, job: undefined });
      endpoint.on('worker/ready', (p) => {
        backends.add(p.backend);
        emit({ type: 'worker/ready', ...p });
      });
      endpoint.on('run/progress', (p) => emit({ type: 'run/progress', ...p }));
      endpoint.on('run/eval', (p) => emit({ type: 'run/eval', ...p }));
      endpoint.on('run/checkpoint', (p) => emit({ type: 'run/checkpoint', ...p }));
      endpoint.on('worker/log', (p) => log.log(p.level, p.message));
      worker.onExit((reason) => {
        const slot = live.get(worker);
        if (!slot) return;
        live.delete(worker);
        endpoint.dispose();
        if (slot.job) {
          const error = `training worker stopped: ${reason}`;
          markRun(slot.job.runDir, 'failed', error);
          ended(slot.job, 'failed', error, null);
        }
        if (queue.length > 0 && !cancelled) spawn();
        else finish();
      });
      next(worker);
    };

    const onAbort = (): void => {
      if (cancelled) return;
      cancelled = true;
      for (const { endpoint, job } of live.values()) if (job) endpoint.request('run/cancel', {}).catch(() => undefined);
      finish();
    };
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted) onAbort();
    for (let i = 0; i < parallel && !cancelled; i++) spawn();
    finish();
  });
}
