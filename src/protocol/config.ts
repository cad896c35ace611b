/**
 * Configuration types shared by the engine, the CLI, the extension and the run folder.
 * Every field is plain JSON. Defaults live in `src/engine/experiment/defaults.ts`.
 */

export type PositionEncoding = 'none' | 'learned' | 'sinusoidal' | 'rope' | 'randomized';
export const POSITION_ENCODINGS: readonly PositionEncoding[] = ['none', 'learned', 'sinusoidal', 'rope', 'randomized'];

/** How attention logits are scaled (science.md §1). */
export type AttentionScaling = 'standard' | 'logn' | 'logn-train';
export const ATTENTION_SCALINGS: readonly AttentionScaling[] = ['standard', 'logn', 'logn-train'];

export interface ModelConfig {
  /** true: decoder-only with a causal mask; false: bidirectional encoder. */
  causal: boolean;
  layers: number;
  dModel: number;
  heads: number;
  dFf: number;
  /** Set from the task's vocabulary when the run is resolved. */
  vocabSize: number;
  /** Longest sequence (in tokens) the model accepts, evaluation included. */
  maxLen: number;
  position: PositionEncoding;
  /**
   * For `randomized` positions: positions are a sorted random subset of [0, positionRange)
   * during training (Ruoss et al. 2023); at evaluation they are 0…T−1 spread evenly over the range.
   */
  positionRange: number;
  attentionScaling: AttentionScaling;
  /** Base b of log_b(n) for `logn` scaling; 512 by default. */
  lognBase: number;
  /** n_train of `logn-train` scaling: the longest training sequence, in tokens. */
  trainLength: number;
  /** Random Seed Encoding: number of random bits concatenated to each token's input; 0 = off. */
  rseBits: number;
}

/**
 * What a parameter is, for optimizers that treat kinds differently (Tiger: half step and no
 * decay for biases and LayerNorm parameters, a per-row RMS step for embeddings, a per-tensor
 * RMS step for everything else; NaN-guard shrink towards 1 for LayerNorm gains), and the
 * tensor groups of the optimizer diagnostics.
 */
export type ParamKind = 'matrix' | 'embedding' | 'bias' | 'norm-gain' | 'norm-bias';
export const PARAM_KINDS: readonly ParamKind[] = ['matrix', 'embedding', 'bias', 'norm-gain', 'norm-bias'];

export type OptimizerName = 'adamw' | 'lion' | 'tiger' | 'sgd';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['adamw', 'lion', 'tiger', 'sgd'];

export interface AdamWConfig {
  name: 'adamw';
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}
export interface LionConfig {
  name: 'lion';
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
}
export interface TigerConfig {
  name: 'tiger';
  lr: number;
  beta: number;
  weightDecay: number;
  /** Shrink ratio s applied to a tensor whose gradient has a NaN or ±Inf. */
  shrink: number;
}
export interface SgdConfig {
  name: 'sgd';
  lr: number;
  momentum: number;
  weightDecay: number;
}
export type OptimizerConfig = AdamWConfig | LionConfig | TigerConfig | SgdConfig;

/** Learning-rate multiplier over steps (the optimizer's lr is multiplied by it). */
export type ScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'warmup-cosine'; warmupSteps: number; minFactor: number }
  /** Piecewise linear through {step: factor} points, starting from (0, 0) unless a point at 0 is given. */
  | { kind: 'piecewise'; points: Record<string, number> };

export type TaskName = 'recall' | 'sort' | 'position-probe' | 'copy' | 'reverse';
export const TASK_NAMES: readonly TaskName[] = ['recall', 'sort', 'position-probe', 'copy', 'reverse'];

export interface TaskConfig {
  name: TaskName;
  /** Task sizes n used for training (each batch draws one of them). */
  trainLengths: number[];
  /** Task sizes n evaluated periodically and at the end. */
  evalLengths: number[];
  /** Task-specific options, see the task's documentation (e.g. recall: keys, values, capacity). */
  options: Record<string, number>;
}

export interface TrainConfig {
  /** Optimizer updates. */
  steps: number;
  /** Examples per micro-batch (per step when accumulate = 1). */
  batchSize: number;
  /**
   * Gradient accumulation k: a step is k micro-batches of batchSize examples, then one update
   * (science.md §3). 1 = off.
   */
  accumulate: number;
  schedule: ScheduleConfig;
  /** Clip the global gradient norm to this value; 0 = off. */
  gradClip: number;
  /** Evaluate every this many steps (and at the end). */
  evalEvery: number;
  /** Examples per evaluation length. */
  evalExamples: number;
  /** Log metrics every this many steps. */
  logEvery: number;
  /** Write a checkpoint every this many steps (and at the end); 0 = only at the end. */
  checkpointEvery: number;
  /** q of the q-norm objective (science.md §4); 1 = ordinary expected loss. q > 1 without RSE is the deterministic baseline. */
  q: number;
  /** Seeds per input for the q-norm objective; only matters with RSE (without it every seed gives the same output). */
  seedsPerInput: number;
}

/** Everything one training run needs: a single point of an experiment's grid. */
export interface RunConfig {
  /** Unique within its experiment, readable, file-name safe. */
  id: string;
  task: TaskConfig;
  model: ModelConfig;
  optimizer: OptimizerConfig;
  train: TrainConfig;
  /** Seed of parameter initialisation and of the training data. */
  seed: number;
}
