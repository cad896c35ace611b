/**
 * The run folder: the contract between the engine (which writes it) and the CLI, the
 * extension and the reports (which read it). Documented in docs/run-folder.md.
 *
 *   <out>/<experiment>/experiment.json            ExperimentFile
 *   <out>/<experiment>/<run-id>/run.json           RunFile
 *   <out>/<experiment>/<run-id>/metrics.jsonl      one MetricsRecord per line
 *   <out>/<experiment>/<run-id>/checkpoints/step-<N>.safetensors
 */
import type { BackendName } from './backend';
import type { RunConfig } from './config';
import type { ExperimentSpec } from './spec';

export const RUN_FOLDER_VERSION = 1;

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ExperimentFile {
  version: typeof RUN_FOLDER_VERSION;
  name: string;
  /** The spec after defaults and presets were applied. */
  spec: ExperimentSpec;
  /** Ids of every run of the grid, in order. */
  runs: string[];
  createdAt: string;
}

export interface RunFile {
  version: typeof RUN_FOLDER_VERSION;
  id: string;
  experiment: string;
  config: RunConfig;
  status: RunStatus;
  backend: BackendName | null;
  /** Number of parameters of the model. */
  parameters: number;
  /** Bytes of optimizer state. */
  optimizerStateBytes: number;
  step: number;
  timings: {
    createdAt: string;
    startedAt: string | null;
    endedAt: string | null;
    /** Seconds spent training (not counting evaluation). */
    trainSeconds: number;
    evalSeconds: number;
  };
  /** Last checkpoint written, relative to the run folder. */
  lastCheckpoint: string | null;
  /** Set when status is failed. */
  error: string | null;
  /** Final evaluation, one entry per evaluation length. */
  final: EvalResult[] | null;
  versions: Record<string, string>;
}

export interface TaskScores {
  /** Fraction of examples whose whole answer is right. */
  exact: number;
  /** Fraction of answer tokens right (teacher-forced positions). */
  tokenAccuracy: number;
  /** CLRS-Text scores (science.md §5), averaged over examples. */
  shape: number;
  parse: number;
  clrs: number;
}

export interface EvalResult extends TaskScores {
  /** Task size n. */
  length: number;
  /** Sequence length in tokens. */
  tokens: number;
  loss: number;
}

/** One line of metrics.jsonl. `kind` tells train steps from evaluations. */
export type MetricsRecord = TrainRecord | EvalRecord;

export interface TrainRecord {
  kind: 'train';
  step: number;
  loss: number;
  accuracy: number;
  gradNorm: number;
  updateNorm: number;
  lr: number;
  /** Tensors whose gradient had a NaN or Inf at this step (skipped or shrunk). */
  nanEvents: number;
  /** Seconds since training started. */
  wallTime: number;
  /** Task size n of this step's batch. */
  length: number;
}

export interface EvalRecord {
  kind: 'eval';
  step: number;
  wallTime: number;
  results: EvalResult[];
}
