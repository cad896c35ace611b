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
import { isRunnerEvent, LOG_LEVELS, type LogLine, type RunnerEvent } from './runner';
import { EXECUTOR_KINDS, type ExecutorKind, type SlurmOptions } from './slurm';
import type { ApiGuards, Guard, RpcApi } from './rpc';
import { is } from './rpc';
import type { AttentionProbeResult } from './viewData';
import { isTraceParams, isTraceResult, type TraceParams, type TraceResult } from './trace';
import type { SpecSource } from './spec';

/** Runs a checkpoint's model on a typed input and returns its attention patterns (the inspector). */
export interface AttentionProbeParams {
  /** Absolute path of an Attention Lab checkpoint. */
  checkpoint: string;
  /** Token texts of the checkpoint's task vocabulary separated by spaces, e.g. `3 1 2 |`. */
  input: string;
  /**
   * The softmax-noise probe (docs/science.md §6): σ of i.i.d. N(0, σ²) noise on the attention logits
   * of every layer (one fixed draw, so the same σ shows the same rows); 0 or absent: no noise.
   */
  sigma?: number;
}

/** The probe's result, as the backend returns it to the host and the host to the inspector (views.ts). */
export const isAttentionProbeResult: Guard<AttentionProbeResult> = is.object<AttentionProbeResult & Record<string, unknown>>({
  tokens: is.arrayOf(is.string),
  layers: is.integer,
  heads: is.integer,
  patterns: is.arrayOf(is.arrayOf(is.arrayOf(is.number))),
  predictions: is.arrayOf(is.string),
  sigma: is.optional(is.number),
  rowChange: is.optional(is.arrayOf(is.arrayOf(is.number))),
});

/** Largest σ the inspector's slider may ask for. */
export const MAX_PROBE_SIGMA = 16;
/** σ of the softmax-noise probe: a finite number in [0, MAX_PROBE_SIGMA]. */
export const isProbeSigma: Guard<number> = is.that<number>(`a number in [0, ${MAX_PROBE_SIGMA}]`, (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_PROBE_SIGMA);

export type { SpecSource };

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

/** A runner event (protocol/runner.ts) tagged with the job it belongs to. */
export interface JobEvent {
  jobId: string;
  event: RunnerEvent;
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
    /** Runs a real optimizer, exactly as configured, on a 2-D test function (the dashboard's optimizer paths). */
    'trace/run': { params: TraceParams; result: TraceResult };
    /**
     * Cancels the job array of a Slurm experiment folder (scancel) that no job of this backend
     * follows (submitted detached, or before VS Code restarted); replies when every task has ended.
     */
    'slurm/cancel': { params: { dir: string }; result: { cancelled: number; completed: number; failed: number } };
    /** Runs a checkpoint's model on a typed input: the inspector's attention patterns. */
    'attention/probe': { params: AttentionProbeParams; result: AttentionProbeResult };
  };
  events: {
    /** Sent once at start-up, after the process is ready to take requests. */
    'backend/ready': { pid: number; node: string; tfjsNode: 'allowed' | 'forbidden' };
    /** One line for the output channel (the engine's warnings too: the backend injects this as its logger). */
    'backend/log': LogLine;
    'job/event': JobEvent;
  };
}

/** The host serves nothing to the backend: the backend only replies and emits events. */
export interface HostApi extends RpcApi {
  requests: Record<never, never>;
  events: Record<never, never>;
}

const isBackendChoice = is.oneOf(BACKEND_CHOICES);
const isJobId: Guard<string> = is.that<string>('a job id of 1 to 100 characters', (v) => typeof v === 'string' && v.length > 0 && v.length <= 100);

const isSpecSource: Guard<SpecSource> = is.union<SpecSource>('kind', {
  preset: is.object({ kind: is.string, name: is.string }) as Guard<SpecSource>,
  file: is.object({ kind: is.string, path: is.string }) as Guard<SpecSource>,
});

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

export const BACKEND_GUARDS: ApiGuards<BackendApi> = {
  params: {
    'presets/list': is.nothing,
    'spec/check': is.object({ path: is.string }),
    'experiment/run': is.object({
      jobId: isJobId,
      outDir: is.string,
      backend: isBackendChoice,
      parallel: is.intIn(0, 256),
      source: isSpecSource,
      steps: is.nullable(is.that<number>('a positive integer', (v) => Number.isInteger(v) && (v as number) > 0)),
      on: is.optional(is.oneOf(EXECUTOR_KINDS)),
      slurm: is.optional(is.nullable(is.record)) as Guard<SlurmOptions | null | undefined>,
    }),
    'run/resume': is.object({ jobId: isJobId, backend: isBackendChoice, runDir: is.string }),
    'experiment/cancel': is.object({ jobId: isJobId }),
    'slurm/cancel': is.object({ dir: is.string }),
    'trace/run': isTraceParams,
    'attention/probe': is.object({ checkpoint: is.string, input: is.string, sigma: is.optional(isProbeSigma) }),
  },
  results: {
    'presets/list': is.object({ presets: is.arrayOf(is.object({ name: is.string, description: is.string, runs: is.integer })) }),
    'spec/check': is.object({ name: is.string, runs: is.integer }),
    'experiment/run': isOutcome,
    'run/resume': isOutcome,
    'experiment/cancel': is.object({ cancelled: is.boolean }),
    'slurm/cancel': is.object({ cancelled: is.integer, completed: is.integer, failed: is.integer }),
    'trace/run': isTraceResult,
    'attention/probe': isAttentionProbeResult,
  },
  events: {
    'backend/ready': is.object({ pid: is.integer, node: is.string, tfjsNode: is.oneOf(['allowed', 'forbidden'] as const) }),
    'backend/log': is.object({ level: is.oneOf(LOG_LEVELS), message: is.string }),
    'job/event': is.object({ jobId: isJobId, event: isRunnerEvent }),
  },
};

export const HOST_GUARDS: ApiGuards<HostApi> = { params: {}, results: {}, events: {} };

/** Environment variable the host sets when tfjs-node must not be loaded (untrusted workspace). */
export const NO_NATIVE_ENV = 'ATTENTION_LAB_NO_NATIVE';
