/**
 * The run folder: the contract between the engine (which writes it) and the CLI, the
 * extension and the reports (which read it). Documented in docs/run-folder.md.
 *
 *   <out>/<experiment>/experiment.json            ExperimentFile
 *   <out>/<experiment>/summary.json               SummaryFile (protocol/analysis.ts)
 *   <out>/<experiment>/<run-id>/run.json           RunFile
 *   <out>/<experiment>/<run-id>/metrics.jsonl      one MetricsRecord per line
 *   <out>/<experiment>/<run-id>/analysis.json      AnalysisFile (protocol/analysis.ts)
 *   <out>/<experiment>/<run-id>/checkpoints/step-<N>.safetensors
 *
 * The file and folder names below are the one source of these names in the code.
 */
import type { BackendName } from './backend';
import type { ParamKind } from './config';
import type { RunConfig } from './config';
import type { SlurmRecord } from './slurm';
import type { ExperimentSpec } from './spec';

export const RUN_FOLDER_VERSION = 1;

// The names of everything in a run folder (docs/run-folder.md), the one source: code and tests
// use these, never the strings (test/extension/manifest.test.ts checks package.json's against them).
// <runs>/<experiment>/
export const EXPERIMENT_FILE = 'experiment.json';
export const SUMMARY_FILE = 'summary.json';
/** Experiments run on Slurm (docs/scale-out.md): the submission, and the folder of the batch script and task logs. */
export const SLURM_SUBMISSION_FILE = 'slurm.json';
export const SLURM_DIR = 'slurm';
/** TransNAR (docs/science.md §5): the experiment's copies of its NAR checkpoints, pretrained or named by the spec. */
export const NAR_DIR = 'nar';
// <runs>/<experiment>/<run>/
export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const ANALYSIS_FILE = 'analysis.json';
/** A grid-world run's evaluation (protocol/gridWorld.ts), in place of analysis.json. */
export const GRID_WORLD_FILE = 'grid-world.json';
export const CHECKPOINT_DIR = 'checkpoints';

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

export interface ExperimentFile {
  version: typeof RUN_FOLDER_VERSION;
  name: string;
  /**
   * The resolved spec: the preset's or the file's with `--steps` applied, validated, every
   * task-independent default written out (applySpecDefaults; docs/run-folder.md).
   */
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
  /**
   * The process that owns the run now: the runner while it is `pending`, the training worker
   * while it is `running`; with `host`, lets a reader tell a live run from one whose process is
   * gone (`attention-lab status` repairs those). Absent in older run folders.
   */
  pid?: number | null;
  /** os.hostname() of that process. */
  host?: string | null;
  /**
   * That process's start token on Linux ("<boot id>/<start ticks>", src/core/io/processIdentity.ts),
   * so a later process given the same pid is not taken for it; null where the system cannot tell,
   * absent in older run folders.
   */
  pidStart?: string | null;
  /**
   * The Slurm array task that trains the run, when it runs on a cluster (docs/scale-out.md):
   * written at submission, updated by the task when it starts and by Attention Lab when Slurm
   * says the task ended. Absent for local runs.
   */
  slurm?: SlurmRecord;
  /** The user's tags (docs/run-folder.md): set from the Runs view, kept by every later write. Absent when none. */
  tags?: string[];
  /** The user's note about the run, free text. Absent when none. */
  note?: string;
}

export interface TaskScores {
  /** Fraction of examples whose whole answer is right. */
  exact: number;
  /** Fraction of answer tokens right (teacher-forced positions). */
  tokenAccuracy: number;
  /** CLRS-Text scores (docs/science.md §5), averaged over examples. */
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
export type MetricsRecord = TrainRecord | EvalRecord | EntropyRecord | OptimRecord;

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

/**
 * Attention entropy during training (docs/analysis.md), written by runTraining every few steps
 * on a fixed probe batch at the longest training size. Optional: older run folders have none.
 */
export interface EntropyRecord {
  kind: 'entropy';
  /** Steps completed when measured. */
  step: number;
  /** Task size n and sequence length T of the probe batch. */
  length: number;
  tokens: number;
  /** `L<layer>.H<head>`, layer-major. */
  heads: string[];
  /** Mean normalized entropy h = H / ln n_i per head (rows with n_i = 1 left out). */
  meanNormalized: number[];
  /** Mean entropy H in nats per head. */
  meanEntropy: number[];
}

/**
 * Optimizer diagnostics of one step (docs/analysis.md), computed from parameter snapshots on
 * logged steps. Optional: older run folders have none (and no weight fields).
 */
export interface OptimRecord {
  kind: 'optim';
  /** 0-based index of the step measured (as TrainRecord.step). */
  step: number;
  lr: number;
  /** RMS over all parameters of the update θ_{t+1} − θ_t. */
  updateRms: number;
  /** Fraction of parameter entries whose update has the same sign as at the step before; null when that step was not measured. */
  signAgreement: number | null;
  nanEvents: number;
  stateBytes: number;
  /** RMS over all parameters of θ_{t+1} (after the step). Absent in older run folders. */
  weightRms?: number;
  /**
   * Per parameter kind (Tiger's tensor groups: matrix, embedding, bias, norm-gain, norm-bias; only
   * kinds the model has, in that order): RMS and largest |θ| over every entry of that kind, after
   * the step. Absent in older run folders.
   */
  groups?: { kind: ParamKind; weightRms: number; maxAbs: number }[];
  /**
   * Per parameter tensor: update RMS, weight RMS after the step (absent in older run folders)
   * and, for Tiger, the effective step size η_eff (mean over rows for embeddings).
   */
  tensors: { name: string; updateRms: number; weightRms?: number; effectiveStep: number | null }[];
}
