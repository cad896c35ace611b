/**
 * The extension host ↔ training backend process protocol (over Node IPC, with RpcEndpoint).
 * The backend (dist/backend.js) is the only process of the extension that loads TensorFlow.js;
 * the host asks it to list presets, run or resume experiments, cancel them and trace optimizers.
 * docs/extension.md describes the flow; every body is checked by the guards below on arrival.
 *
 * Params and payloads are always objects (never undefined): Node IPC serialises with JSON,
 * which drops undefined fields, and the envelope tells a request from an event by the field.
 */
import { BACKEND_CHOICES, type BackendChoice } from './backend';
import type { WorkerMessage } from './messages';
import { isWorkerMessage } from './messages';
import type { RunConfig } from './config';
import { EXECUTOR_KINDS, type ExecutorKind, type SlurmOptions } from './slurm';
import type { ApiGuards, Guard, RpcApi } from './rpc';
import { is } from './rpc';
import type { AttentionProbeResult } from './viewData';
import { isAttentionProbeParams, isAttentionProbeResult, type AttentionProbeParams } from './viewRequests';

/** Where an experiment's spec comes from: a built-in preset or a spec file on disk. */
export type SpecSource = { kind: 'preset'; name: string } | { kind: 'file'; path: string };

export interface PresetSummary {
  name: string;
  description: string;
  /** Runs in its grid. */
  runs: number;
}

/** A run's end state, as the runner reports it. */
export interface RunOutcomeSummary {
  id: string;
  runDir: string;
  status: 'completed' | 'failed' | 'cancelled';
  error: string | null;
}

export interface ExperimentOutcomeSummary {
  dir: string;
  name: string;
  runs: RunOutcomeSummary[];
  backends: string[];
}

/**
 * A runner event tagged with the job it belongs to. `RunnerEvent` is the engine runner's own
 * union (worker messages plus `experiment/start`), repeated here so the protocol has no engine
 * import.
 */
export type RunnerEventMessage =
  | WorkerMessage
  | { type: 'experiment/start'; dir: string; name: string; runs: RunConfig[] }
  | { type: 'run/queue'; runId: string; jobId: string; state: string; reason: string | null };

export interface JobEvent {
  jobId: string;
  event: RunnerEventMessage;
}

export interface StartOptions {
  /** Chosen by the host, so it can tell events of this job apart before the reply comes. */
  jobId: string;
  /** Absolute folder the experiment folder is created in (the runs folder). */
  outDir: string;
  backend: BackendChoice;
  /** Worker threads; 0 = one per core. */
  parallel: number;
}

/** Where an experiment's runs execute (docs/scale-out.md); absent: locally. `slurm` is checked again by the backend. */
export interface ExecutorOptions {
  on?: ExecutorKind;
  /** The Slurm options when `on` is `slurm`. */
  slurm?: SlurmOptions | null;
}

/** What the backend serves. */
export interface BackendApi extends RpcApi {
  requests: {
    'presets/list': { params: Record<string, never>; result: { presets: PresetSummary[] } };
    /** Reads and validates a spec file; the error names the JSON path of each problem. */
    'spec/check': { params: { path: string }; result: { name: string; runs: number } };
    /** Runs the grid; replies when every run ended (progress arrives as `job/event`s). */
    'experiment/run': { params: StartOptions & ExecutorOptions & { source: SpecSource; steps: number | null }; result: ExperimentOutcomeSummary };
    /** Resumes one run from its last checkpoint. */
    'run/resume': { params: Omit<StartOptions, 'outDir' | 'parallel'> & { runDir: string }; result: ExperimentOutcomeSummary };
    /** Stops a job: running runs save a checkpoint and end `cancelled`. Unknown job ids are fine (already over). */
    'experiment/cancel': { params: { jobId: string }; result: { cancelled: boolean } };
    /**
     * Cancels the job array of a Slurm experiment folder (scancel) that no job of this backend
     * follows (submitted detached, or before VS Code restarted); replies when every task has ended.
     */
    'slurm/cancel': { params: { dir: string }; result: { cancelled: number; completed: number; failed: number } };
    /** Runs a real optimizer on a 2-D test function (the dashboard's optimizer paths). */
    'trace/run': {
      params: { optimizer: string; fn: string; steps: number; lr: number | null; start: [number, number] | null };
      result: { trace: unknown };
    };
    /** Runs a checkpoint's model on a typed input: the inspector's attention patterns. */
    'attention/probe': { params: AttentionProbeParams; result: AttentionProbeResult };
  };
  events: {
    /** Sent once at start-up, after the process is ready to take requests. */
    'backend/ready': { pid: number; node: string; tfjsNode: 'allowed' | 'forbidden' };
    /** One line for the output channel. */
    'backend/log': { level: 'info' | 'warn' | 'error'; message: string };
    'job/event': JobEvent;
  };
}

/** The host serves nothing to the backend: the backend only replies and emits events. */
export interface HostApi extends RpcApi {
  requests: Record<never, never>;
  events: Record<never, never>;
}

const isBackendChoice = is.oneOf(BACKEND_CHOICES);
const isJobId: Guard<string> = (v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 100;
const isPoint = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every(is.number);

const isSpecSource = (v: unknown): v is SpecSource =>
  is.object({ kind: is.oneOf(['preset'] as const), name: is.string })(v) || is.object({ kind: is.oneOf(['file'] as const), path: is.string })(v);

const isRunOutcome = is.object<RunOutcomeSummary & Record<string, unknown>>({
  id: is.string,
  runDir: is.string,
  status: is.oneOf(['completed', 'failed', 'cancelled'] as const),
  error: is.nullable(is.string),
});
const isOutcome = is.object<ExperimentOutcomeSummary & Record<string, unknown>>({
  dir: is.string,
  name: is.string,
  runs: is.arrayOf(isRunOutcome),
  backends: is.arrayOf(is.string),
});

export function isRunnerEventMessage(v: unknown): v is RunnerEventMessage {
  if (isWorkerMessage(v)) return true;
  if (is.object({ type: is.oneOf(['run/queue'] as const), runId: is.string, jobId: is.string, state: is.string, reason: is.nullable(is.string) })(v)) return true;
  return is.object({ type: is.oneOf(['experiment/start'] as const), dir: is.string, name: is.string, runs: is.arrayOf(is.record) })(v);
}

export const BACKEND_GUARDS: ApiGuards<BackendApi> = {
  params: {
    'presets/list': is.nothing,
    'spec/check': is.object({ path: is.string }),
    'experiment/run': is.object({
      jobId: isJobId,
      outDir: is.string,
      backend: isBackendChoice,
      parallel: (v): v is number => is.integer(v) && v >= 0 && v <= 256,
      source: isSpecSource,
      steps: is.nullable((v): v is number => is.integer(v) && v > 0),
      on: is.optional(is.oneOf(EXECUTOR_KINDS)),
      slurm: is.optional(is.nullable(is.record)) as Guard<SlurmOptions | null | undefined>,
    }),
    'run/resume': is.object({ jobId: isJobId, backend: isBackendChoice, runDir: is.string }),
    'experiment/cancel': is.object({ jobId: isJobId }),
    'slurm/cancel': is.object({ dir: is.string }),
    'trace/run': is.object({
      optimizer: is.string,
      fn: is.string,
      steps: (v): v is number => is.integer(v) && v > 0,
      lr: is.nullable(is.number),
      start: is.nullable(isPoint),
    }),
    'attention/probe': isAttentionProbeParams,
  },
  results: {
    'presets/list': is.object({ presets: is.arrayOf(is.object({ name: is.string, description: is.string, runs: is.integer })) }),
    'spec/check': is.object({ name: is.string, runs: is.integer }),
    'experiment/run': isOutcome,
    'run/resume': isOutcome,
    'experiment/cancel': is.object({ cancelled: is.boolean }),
    'slurm/cancel': is.object({ cancelled: is.integer, completed: is.integer, failed: is.integer }),
    'trace/run': is.object({ trace: is.record }),
    'attention/probe': isAttentionProbeResult,
  },
  events: {
    'backend/ready': is.object({ pid: is.integer, node: is.string, tfjsNode: is.oneOf(['allowed', 'forbidden'] as const) }),
    'backend/log': is.object({ level: is.oneOf(['info', 'warn', 'error'] as const), message: is.string }),
    'job/event': is.object({ jobId: isJobId, event: isRunnerEventMessage }),
  },
};

export const HOST_GUARDS: ApiGuards<HostApi> = { params: {}, results: {}, events: {} };

/** Environment variable the host sets when tfjs-node must not be loaded (untrusted workspace). */
export const NO_NATIVE_ENV = 'ATTENTION_LAB_NO_NATIVE';
