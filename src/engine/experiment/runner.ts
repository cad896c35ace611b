/**
 * Runs an experiment's grid: prepares the experiment folder (experiment.json and a `pending`
 * run.json for every run, up front, so readers see the whole grid at once), hands the runs to an
 * executor (executor.ts) and writes summary.json when they have ended. The default executor is
 * the local pool of training workers below (one per core; each run trains on one core): child
 * processes by default, worker threads on request (trainingWorker.ts says why). A crashed worker
 * fails only its run: the pool starts a new worker for the rest.
 *
 * TransNAR runs (docs/science.md §5) need their frozen NAR first: before the runs, the local pool
 * copies every NAR file a model names into the experiment's `nar/` folder and pretrains, in the
 * same pool of workers, every NAR a model asks to be pretrained (narSpec.ts). A run whose NAR could
 * not be made fails with the reason; the others go on. A scheduler's array task (runTask.ts) copies
 * a named NAR the same way; a NAR to pretrain is refused before anything is written when the runs
 * go to a scheduler (narOnExecutorProblem).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendChoice } from '../../protocol/backend';
import type { NarEvalResult } from '../../protocol/nar';
import { RpcEndpoint } from '../../protocol/rpc';
import { RUNNER_GUARDS, WORKER_GUARDS, type NarPretrainParams, type RunStartParams, type RunnerApi, type WorkerApi } from '../../protocol/runner';
import type { EvalResult } from '../../protocol/runFolder';
import { EXPERIMENT_FILE, RUN_FILE, RUN_FOLDER_VERSION } from '../../protocol/runFolder';
import type { ExperimentSpec } from '../../protocol/spec';
import { applyNativeThreadSettings, nativeWorkerEnv } from '../nativeBackend';
import { stepFlops } from '../../core/experiment/stepFlops';
import { startTrainingWorker } from './trainingWorker';
import type { TrainingWorker, WorkerMode } from './trainingWorker';
import { findBundleFile } from '../../core/bundlePaths';
import { applySpecDefaults } from '../../core/experiment/defaults';
import { expandGrid, gridSize } from '../../core/experiment/grid';
import { allowLargeFromEnv, checkGridSize, checkRunsBudget } from '../../core/experiment/budget';
import { runConfigProblem } from '../../core/experiment/validateRunConfig';
import { writeFileAtomic } from '../../core/io/atomicWrite';
import { summarizeExperiment } from '../../core/analysis/summarizeExperiment';
import { readNarHeaderSync } from '../../core/nar/narHeader';
import { narOnExecutorProblem } from '../../core/nar/narOnExecutor';
import { newRunFile } from './newRunFile';
import { stderrLogger, type Logger } from '../../core/log';
import type { ExecuteOptions, ExecutionResult, Executor, RunJob, RunnerEvent, RunOutcome } from '../../core/experiment/executor';
import {
  RunFolderError,
  createExperimentDir,
  ownerAlive,
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

/** One unit of work for a worker: a run, or a NAR's pretraining. */
interface PoolJob {
  /** The id its end message carries: the run's id, or `nar:<file>` for a pretraining. */
  key: string;
  /** What the worker is asked to do. */
  request: { kind: 'run'; params: RunStartParams } | { kind: 'nar'; params: NarPretrainParams };
  /** Keys of the jobs that must complete first (a TransNAR run waits for its NAR's pretraining). */
  after: string[];
  /** Records the end of a job that did not report it itself (its worker died, it never started, or what it needed failed). */
  mark(status: RunOutcome['status'], error: string | null): void;
}

interface PoolEnd {
  status: RunOutcome['status'];
  error: string | null;
  final: EvalResult[] | null;
  /** A NAR's pretraining: its scores (completed only). */
  narEval?: NarEvalResult[] | null;
}

function runJob(job: Job, backend: BackendChoice, after: string[] = [], populationProcesses = 1): PoolJob {
  const params: RunStartParams = { runDir: job.runDir, experiment: job.experiment, config: job.config, backend, resume: job.resume };
  // Only a grid-world run has a population to fan out (es/populationPool.ts).
  if (job.config.task.name === 'grid-world' && populationProcesses > 1) params.populationProcesses = populationProcesses;
  return {
    key: job.config.id,
    request: { kind: 'run', params },
    after,
    mark: (status, error) => markRun(job.runDir, status, error),
  };
}

/** Most runs at once: the spec's own limit on `parallel`. */
export const MAX_PARALLEL = 64;

/**
 * Processes each run gets when `parallel` (requested, or one per core) exceeds the runs that can
 * train at once: a grid-world run evaluates its evolution-strategies population in that many
 * (the cores no other run uses); 1 when every core has a run of its own.
 */
export function populationShare(parallel: number | undefined, runs: number, cores = os.availableParallelism()): number {
  const slots = Math.max(1, Math.min(parallel ?? cores, MAX_PARALLEL));
  return Math.max(1, Math.floor(slots / Math.max(1, Math.min(slots, runs))));
}

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
  executor: Pick<Executor, 'kind' | 'queuedOwner' | 'preflight'>,
  allowLargeOption?: boolean,
): Promise<{ dir: string; name: string; jobs: RunJob[] }> {
  const allowLarge = allowLargeOption ?? allowLargeFromEnv();
  if (!allowLarge) checkGridSize(gridSize(spec));
  const configs = expandGrid(spec);
  if (!allowLarge) checkRunsBudget(configs);
  const narProblem = narOnExecutorProblem(spec, executor.kind);
  if (narProblem) throw new RunFolderError(narProblem);
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
    execute: (dir, jobs, opts) => runJobs(dir, jobs, { ...options, ...opts }),
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
 * The NARs the runs link to (TransNAR): a named file is copied into the experiment's `nar/` folder
 * now (atomically); a "pretrain" NAR becomes a pool job that its runs wait for. Runs whose copy
 * failed are returned with the reason.
 */
function narJobs(dir: string, jobs: readonly Job[], backend: BackendChoice): { pretrain: PoolJob[]; after: Map<string, string[]>; failed: Map<string, string> } {
  const failed = new Map<string, string>();
  const after = new Map<string, string[]>();
  const pretrain = new Map<string, PoolJob>();
  for (const j of jobs) {
    const link = j.config.model.nar;
    if (!link) continue;
    const file = path.resolve(j.runDir, link.checkpoint);
    if (fs.existsSync(file)) continue; // made already (a resumed run, or another run's copy)
    if (link.source.kind === 'file') {
      try {
        copyNar(link.source.path, file);
      } catch (err) {
        failed.set(j.config.id, `NAR checkpoint not copied: ${err instanceof Error ? err.message : String(err)}`);
      }
      continue;
    }
    const key = `nar:${path.relative(dir, file)}`;
    if (!pretrain.has(key)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      pretrain.set(key, {
        key,
        request: { kind: 'nar', params: { id: key, file, algorithm: link.algorithm, train: link.source.train, backend } },
        after: [],
        mark: () => undefined,
      });
    }
    after.set(j.config.id, [key]);
  }
  return { pretrain: [...pretrain.values()], after, failed };
}

/** Copies a NAR checkpoint atomically, after checking it is one (a clear error otherwise). */
function copyNar(from: string, to: string): void {
  readNarHeaderSync(from);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  writeFileAtomic(to, fs.readFileSync(from));
}

/**
 * Runs the jobs in the pool, with the NAR pretrainings they need first (a plain run does not wait
 * for them); outcomes in job order.
 */
export async function runJobs(dir: string, jobs: readonly Job[], options: PoolOptions): Promise<ExecutionResult> {
  const backend = options.backend ?? 'auto';
  const nars = narJobs(dir, jobs, backend);
  for (const [id, error] of nars.failed) {
    const job = jobs.find((j) => j.config.id === id) as Job;
    markRun(job.runDir, 'failed', error);
    options.onEvent?.({ type: 'run/end', runId: id, status: 'failed', error, final: null });
  }
  const runnable = jobs.filter((j) => !nars.failed.has(j.config.id));
  const share = populationShare(options.parallel, runnable.length);
  const { ends, backends } = await runPool([...nars.pretrain, ...runnable.map((j) => runJob(j, backend, nars.after.get(j.config.id) ?? [], share))], options);
  const outcomes = jobs.map((j): RunOutcome => {
    const error = nars.failed.get(j.config.id);
    if (error !== undefined) return { id: j.config.id, runDir: j.runDir, status: 'failed', error, final: null };
    const end = ends.get(j.config.id) ?? { status: 'cancelled' as const, error: null, final: null };
    return { id: j.config.id, runDir: j.runDir, status: end.status, error: end.error, final: end.final };
  });
  return { outcomes, backends };
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
  if (run.status === 'running' && ownerAlive(run) && run.pid !== process.pid) {
    throw new RunFolderError(`${runDir}: the run is being trained by process ${run.pid}; stop it first (Ctrl-C or kill ${run.pid})`);
  }
  const dir = path.dirname(runDir);
  let name = run.experiment;
  if (fs.existsSync(path.join(dir, EXPERIMENT_FILE))) name = readExperimentFile(dir).name;
  options.onEvent?.({ type: 'experiment/start', dir, name, runs: [run.config] });
  // A TransNAR run stopped before its NAR was made makes it first (copy or pretrain).
  const { outcomes, backends } = await runJobs(dir, [{ runDir, experiment: name, config: run.config, resume: true }], options);
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

/** Asks a worker to do a job; resolves with how it ended (a refused or lost request rejects). */
async function startJob(endpoint: RpcEndpoint<RunnerApi, WorkerApi>, job: PoolJob): Promise<PoolEnd> {
  if (job.request.kind === 'run') {
    const end = await endpoint.request('run/start', job.request.params);
    return { status: end.status, error: end.error, final: end.final };
  }
  const end = await endpoint.request('nar/pretrain', job.request.params);
  return { status: end.status, error: end.error, final: null, narEval: end.eval };
}

/** The event that reports a job's end. */
function endEvent(job: PoolJob, end: PoolEnd): RunnerEvent {
  return job.request.kind === 'run'
    ? { type: 'run/end', runId: job.key, status: end.status, error: end.error, final: end.final }
    : { type: 'nar/end', id: job.key, status: end.status, error: end.error, eval: end.narEval ?? null };
}

/**
 * Takes the first queued job whose prerequisites have all ended, or undefined. A job whose
 * prerequisite did not complete can no longer run: it is handed to `blocked` (and taken out).
 */
function takeReady(queue: PoolJob[], ends: ReadonlyMap<string, PoolEnd>, blocked: (job: PoolJob, end: PoolEnd) => void): PoolJob | undefined {
  for (let i = 0; i < queue.length; ) {
    const job = queue[i] as PoolJob;
    if (job.after.some((k) => !ends.has(k))) {
      i++;
      continue;
    }
    queue.splice(i, 1);
    const broken = job.after.find((k) => ends.get(k)?.status !== 'completed');
    if (broken === undefined) return job;
    const dep = ends.get(broken) as PoolEnd;
    const status: RunOutcome['status'] = dep.status === 'cancelled' ? 'cancelled' : 'failed';
    blocked(job, { status, error: status === 'failed' ? `NAR pretraining failed: ${dep.error ?? 'no checkpoint was written'}` : null, final: null });
  }
  return undefined;
}

/** Trains the jobs (runs and NAR pretrainings) in a pool of local training workers; a job starts once the jobs it waits for have ended. */
function runPool(jobs: PoolJob[], options: PoolOptions): Promise<{ ends: Map<string, PoolEnd>; backends: string[] }> {
  if (jobs.length === 0) return Promise.resolve({ ends: new Map(), backends: [] });
  const workerScript = options.workerScript ?? findBundleFile('worker.js');
  const parallel = Math.max(1, Math.min(options.parallel ?? os.availableParallelism(), jobs.length, MAX_PARALLEL));
  // Native backend: each run gets its share of the cores (read by TensorFlow in every worker):
  // passed to each worker process, or set in this process for worker threads.
  const mode = options.workerMode ?? 'process';
  // More than one thread per run only for large steps (nativeBackend.ts): the pool's largest run decides.
  const flops = Math.max(0, ...jobs.map((j) => (j.request.kind === 'run' ? stepFlops(j.request.params.config) : 0)));
  const workerEnv = mode === 'process' ? nativeWorkerEnv(parallel, os.availableParallelism(), process.env, flops) : undefined;
  if (mode === 'thread') applyNativeThreadSettings(parallel, os.availableParallelism(), flops);
  const log = options.log ?? stderrLogger();
  const emit = (event: RunnerEvent): void => options.onEvent?.(event);
  const queue = jobs.slice();
  const ends = new Map<string, PoolEnd>();
  const backends = new Set<string>();
  /** Each live worker with the job it does (undefined between jobs). */
  const live = new Map<TrainingWorker, { endpoint: RpcEndpoint<RunnerApi, WorkerApi>; job: PoolJob | undefined }>();
  /** Workers waiting for a job whose prerequisites are still running. */
  const parked = new Set<TrainingWorker>();
  let cancelled = false;

  return new Promise((resolve) => {
    const finish = (): void => {
      if (live.size > 0 || (queue.length > 0 && !cancelled)) return;
      for (const job of queue.splice(0)) {
        job.mark('cancelled', null);
        ends.set(job.key, { status: 'cancelled', error: null, final: null });
      }
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ends, backends: [...backends] });
    };

    /** Records a job's end once and reports it. */
    const ended = (job: PoolJob, end: PoolEnd): void => {
      if (ends.has(job.key)) return;
      ends.set(job.key, end);
      emit(endEvent(job, end));
    };
    const blocked = (job: PoolJob, end: PoolEnd): void => {
      job.mark(end.status, end.error);
      ended(job, end);
    };

    const retire = (worker: TrainingWorker): void => {
      parked.delete(worker);
      live.get(worker)?.endpoint.dispose();
      live.delete(worker);
      worker.terminate();
      finish();
    };

    /** Gives the worker the next ready job, parks it while jobs wait for others, or retires it. */
    const next = (worker: TrainingWorker): void => {
      parked.delete(worker);
      const slot = live.get(worker);
      const job = cancelled || !slot ? undefined : takeReady(queue, ends, blocked);
      if (!slot || !job) {
        if (slot && queue.length > 0 && !cancelled) {
          slot.job = undefined;
          parked.add(worker); // woken when a running job ends
          return;
        }
        return retire(worker);
      }
      slot.job = job;
      startJob(slot.endpoint, job).then(
        (end) => {
          ended(job, end);
          slot.job = undefined;
          next(worker);
          wake();
        },
        (err: unknown) => {
          // The worker refused the job (a malformed start) or died (reported by onExit, first).
          if (!live.has(worker)) return;
          const error = `the worker did not start the ${job.request.kind === 'run' ? 'run' : 'NAR pretraining'}: ${err instanceof Error ? err.message : String(err)}`;
          blocked(job, { status: 'failed', error, final: null });
          slot.job = undefined;
          next(worker);
          wake();
        },
      );
    };

    /** A job ended: parked workers may have something to do now. */
    const wake = (): void => {
      for (const w of [...parked]) next(w);
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
      endpoint.on('nar/progress', (p) => emit({ type: 'nar/progress', ...p }));
      endpoint.on('worker/log', (p) => log.log(p.level, p.message));
      worker.onExit((reason) => {
        const slot = live.get(worker);
        if (!slot) return;
        live.delete(worker);
        parked.delete(worker);
        endpoint.dispose();
        if (slot.job) blocked(slot.job, { status: 'failed', error: `training worker stopped: ${reason}`, final: null });
        if (queue.length > 0 && !cancelled) spawn();
        else finish();
        wake();
      });
      next(worker);
    };

    const onAbort = (): void => {
      if (cancelled) return;
      cancelled = true;
      for (const { endpoint, job } of live.values()) if (job) endpoint.request('run/cancel', {}).catch(() => undefined);
      wake(); // parked workers end
      finish();
    };
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted) onAbort();
    for (let i = 0; i < parallel && !cancelled; i++) spawn();
    finish();
  });
}
