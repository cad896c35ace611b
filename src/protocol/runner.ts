/**
 * The runner ↔ training worker channel (a child process or a worker thread, dist/worker.js) on
 * the one request/reply endpoint (rpc.ts): the runner asks a worker to `run/start` a run (the
 * reply is the run's end), to `nar/pretrain` a TransNAR's NAR (the reply is its end) or to
 * `run/cancel` the job in progress; the worker emits progress as
 * events. `RunnerEvent` is what the runner reports to whoever started it (the CLI's progress
 * display, the backend's `job/event`s to the extension host): declared once, here.
 */
import { BACKEND_CHOICES, BACKEND_NAMES, type BackendChoice, type BackendName } from './backend';
import type { RunConfig } from './config';
import { NAR_ALGORITHMS, type NarAlgorithm, type NarEvalResult, type NarTrainConfig } from './nar';
import type { EvalResult, RunStatus } from './runFolder';
import { is, type ApiGuards, type Guard, type RpcApi } from './rpc';

/** How a run ended. */
export type RunEndStatus = Exclude<RunStatus, 'pending' | 'running'>;
export const RUN_END_STATUSES: readonly RunEndStatus[] = ['completed', 'failed', 'cancelled'];

export interface RunStartParams {
  runDir: string;
  experiment: string;
  config: RunConfig;
  backend: BackendChoice;
  /** Continue from the run folder's newest valid checkpoint. */
  resume: boolean;
  /** A grid-world run: processes that evaluate its evolution-strategies population (the run's share of the pool's cores; 1 when absent). */
  populationProcesses?: number;
}

export interface WorkerReady {
  backend: BackendName;
  /** Why `auto` picked this backend, for the user. */
  reason: string;
}
export interface RunProgress {
  runId: string;
  /** Steps done. */
  step: number;
  totalSteps: number;
  /** null when the loss is not finite (JSON, which the extension's IPC uses, has no NaN). */
  loss: number | null;
  lr: number;
  wallTime: number;
}
export interface RunEval {
  runId: string;
  step: number;
  results: EvalResult[];
}
export interface RunCheckpoint {
  runId: string;
  step: number;
  file: string;
}
export interface RunEnd {
  runId: string;
  status: RunEndStatus;
  error: string | null;
  final: EvalResult[] | null;
}
/** Pretrain a NAR (TransNAR, docs/science.md §5) and write its checkpoint to `file`; `id` names it in the events. */
export interface NarPretrainParams {
  id: string;
  file: string;
  algorithm: NarAlgorithm;
  train: NarTrainConfig;
  backend: BackendChoice;
}
/** A NAR's pretraining step (the loss null when not finite, as for runs). */
export interface NarProgress {
  id: string;
  step: number;
  steps: number;
  loss: number | null;
}
/** How a NAR's pretraining ended; `eval` the pretrained NAR's scores per size (completed only). */
export interface NarEnd {
  id: string;
  status: RunEndStatus;
  error: string | null;
  eval: NarEvalResult[] | null;
}
/** A run's task in a cluster's queue (Slurm) changed state; `reason` is the scheduler's, when it gives one. */
export interface RunQueue {
  runId: string;
  jobId: string;
  state: string;
  reason: string | null;
}
/** A line of the engine's log while training (a damaged checkpoint skipped, an analysis that failed). */
export interface LogLine {
  level: LogLevel;
  message: string;
}
export type LogLevel = 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['info', 'warn', 'error'];

/** What a training worker serves. */
export interface WorkerApi extends RpcApi {
  requests: {
    /** Trains one run; replies when it has ended (never rejects for a training failure: `status: 'failed'`). */
    'run/start': { params: RunStartParams; result: RunEnd };
    /** Pretrains a NAR; replies when it has ended (a failure is `status: 'failed'`, never a rejection). */
    'nar/pretrain': { params: NarPretrainParams; result: NarEnd };
    /** Stops the run in progress at the next step: it checkpoints and ends `cancelled`. */
    'run/cancel': { params: Record<string, never>; result: { cancelled: boolean } };
  };
  events: {
    'worker/ready': WorkerReady;
    'run/progress': RunProgress;
    'run/eval': RunEval;
    'run/checkpoint': RunCheckpoint;
    'nar/progress': NarProgress;
    'worker/log': LogLine;
  };
}

/** The runner serves nothing to its workers. */
export interface RunnerApi extends RpcApi {
  requests: Record<never, never>;
  events: Record<never, never>;
}

/** What the runner reports while an experiment runs, in order: start, then per run progress … end. */
export type RunnerEvent =
  | { type: 'experiment/start'; dir: string; name: string; runs: RunConfig[] }
  | ({ type: 'worker/ready' } & WorkerReady)
  | ({ type: 'run/progress' } & RunProgress)
  | ({ type: 'run/eval' } & RunEval)
  | ({ type: 'run/checkpoint' } & RunCheckpoint)
  | ({ type: 'run/end' } & RunEnd)
  /** TransNAR: a NAR the runs wait for is being pretrained, and how that ended. */
  | ({ type: 'nar/progress' } & NarProgress)
  | ({ type: 'nar/end' } & NarEnd)
  /** A run's task in a cluster's queue changed state (Slurm: PENDING, RUNNING, COMPLETING, …). */
  | ({ type: 'run/queue' } & RunQueue);

// ---- guards ---------------------------------------------------------------------------------

const isRunConfig = is.object<RunConfig & Record<string, unknown>>({
  id: is.text(200),
  task: is.objectAs<RunConfig['task']>(),
  model: is.objectAs<RunConfig['model']>(),
  optimizer: is.objectAs<RunConfig['optimizer']>(),
  train: is.objectAs<RunConfig['train']>(),
  seed: is.integer,
});
const isEvalResults = is.arrayOf(is.objectAs<EvalResult>());

const isWorkerReady = is.object<WorkerReady & Record<string, unknown>>({ backend: is.oneOf(BACKEND_NAMES), reason: is.string });
const isRunProgress = is.object<RunProgress & Record<string, unknown>>({
  runId: is.string,
  step: is.integer,
  totalSteps: is.integer,
  loss: is.nullable(is.anyNumber),
  lr: is.anyNumber,
  wallTime: is.number,
});
const isRunEval = is.object<RunEval & Record<string, unknown>>({ runId: is.string, step: is.integer, results: isEvalResults });
const isRunCheckpoint = is.object<RunCheckpoint & Record<string, unknown>>({ runId: is.string, step: is.integer, file: is.string });
const isRunEnd = is.object<RunEnd & Record<string, unknown>>({
  runId: is.string,
  status: is.oneOf(RUN_END_STATUSES),
  error: is.nullable(is.string),
  final: is.nullable(isEvalResults),
});
const isNarTrainConfig = is.object<NarTrainConfig & Record<string, unknown>>({
  hidden: is.integer,
  steps: is.integer,
  batchSize: is.integer,
  lr: is.number,
  trainLengths: is.arrayOf(is.integer),
  evalLengths: is.arrayOf(is.integer),
  hintWeight: is.number,
  seed: is.integer,
  taskOptions: is.objectAs<Record<string, number>>(),
});
const isNarProgress = is.object<NarProgress & Record<string, unknown>>({ id: is.string, step: is.integer, steps: is.integer, loss: is.nullable(is.anyNumber) });
const isNarEnd = is.object<NarEnd & Record<string, unknown>>({
  id: is.string,
  status: is.oneOf(RUN_END_STATUSES),
  error: is.nullable(is.string),
  eval: is.nullable(is.arrayOf(is.objectAs<NarEvalResult>())),
});
const isLogLine = is.object<LogLine & Record<string, unknown>>({ level: is.oneOf(LOG_LEVELS), message: is.string });

export const WORKER_GUARDS: ApiGuards<WorkerApi> = {
  params: {
    'run/start': is.object({
      runDir: is.string,
      experiment: is.string,
      config: isRunConfig,
      backend: is.oneOf(BACKEND_CHOICES),
      resume: is.boolean,
      populationProcesses: is.optional(is.intIn(1, 64)),
    }),
    'nar/pretrain': is.object({ id: is.string, file: is.string, algorithm: is.oneOf(NAR_ALGORITHMS), train: isNarTrainConfig, backend: is.oneOf(BACKEND_CHOICES) }),
    'run/cancel': is.nothing,
  },
  results: {
    'run/start': isRunEnd,
    'nar/pretrain': isNarEnd,
    'run/cancel': is.object({ cancelled: is.boolean }),
  },
  events: {
    'worker/ready': isWorkerReady,
    'run/progress': isRunProgress,
    'run/eval': isRunEval,
    'run/checkpoint': isRunCheckpoint,
    'nar/progress': isNarProgress,
    'worker/log': isLogLine,
  },
};

export const RUNNER_GUARDS: ApiGuards<RunnerApi> = { params: {}, results: {}, events: {} };

const asEvent = (g: Guard<unknown>): Guard<RunnerEvent> => g as Guard<RunnerEvent>;

/** Checks a RunnerEvent (the backend's `job/event`s carry them to the extension host). */
export const isRunnerEvent: Guard<RunnerEvent> = is.union<RunnerEvent>('type', {
  'experiment/start': asEvent(is.object({ dir: is.string, name: is.string, runs: is.arrayOf(isRunConfig) })),
  'worker/ready': asEvent(isWorkerReady),
  'run/progress': asEvent(isRunProgress),
  'run/eval': asEvent(isRunEval),
  'run/checkpoint': asEvent(isRunCheckpoint),
  'run/end': asEvent(isRunEnd),
  'nar/progress': asEvent(isNarProgress),
  'nar/end': asEvent(isNarEnd),
  'run/queue': asEvent(is.object<RunQueue & Record<string, unknown>>({ runId: is.string, jobId: is.string, state: is.string, reason: is.nullable(is.string) })),
});

/** A loss as it may travel: finite, or null (JSON has no NaN or Infinity). */
export function wireLoss(loss: number): number | null {
  return Number.isFinite(loss) ? loss : null;
}
