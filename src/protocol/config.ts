/**
 * Configuration types shared by the engine, the CLI, the extension and the run folder.
 * Every field is plain JSON. Defaults live in `src/engine/experiment/defaults.ts`.
 */

/** The position code a model uses (science.md §2, §5). */
export type PositionEncoding = 'none' | 'learned' | 'sinusoidal' | 'rope';
export const POSITION_ENCODINGS: readonly PositionEncoding[] = ['none', 'learned', 'sinusoidal', 'rope'];
/**
 * What a spec (and a config written before randomization became a flag) may say as `position`:
 * an encoding, or `randomized`, the older spelling of `sinusoidal` with `randomizePositions: true`.
 */
export type PositionChoice = PositionEncoding | 'randomized';
export const POSITION_CHOICES: readonly PositionChoice[] = [...POSITION_ENCODINGS, 'randomized'];
/** Encodings that can be read at randomized positions: codes defined at every integer position. */
export const RANDOMIZABLE_POSITIONS: readonly PositionEncoding[] = ['sinusoidal', 'rope'];

/**
 * Where a model with randomized positions reads its code at evaluation (training always draws):
 * - `random`: a fresh sorted random subset of [0, positionRange) per example, as Ruoss et al.'s
 *   code does at test time too (seeded by the example, so every run and analysis sees the same draws);
 * - `spread`: 0…T−1 spread evenly over the range (deterministic, close to a draw's expected order statistics);
 * - `contiguous`: 0…T−1, what some reimplementations use at test time.
 */
export type PositionEval = 'random' | 'spread' | 'contiguous';
export const POSITION_EVALS: readonly PositionEval[] = ['random', 'spread', 'contiguous'];

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
   * Randomized positions (Ruoss et al. 2023), for `sinusoidal` and `rope`: the code is read at a
   * sorted random subset of [0, positionRange) instead of 0…T−1 — in training one draw per forward
   * call, shared across the batch (as the reference code); at evaluation as `positionEval` says.
   */
  randomizePositions: boolean;
  /** Range L of randomized positions (≥ maxLen). */
  positionRange: number;
  /** Positions of a randomized model at evaluation. */
  positionEval: PositionEval;
  /**
   * Token embeddings are multiplied by this before a position code is added: √dModel for the
   * unit-amplitude sinusoidal code (as Ruoss et al.'s code), 1 otherwise. A config written before
   * the field existed ran with 1 (upgradeModelConfig).
   */
  embedScale: number;
  attentionScaling: AttentionScaling;
  /** Base b of log_b(n) for `logn` scaling; 512 by default. */
  lognBase: number;
  /** n_train of `logn-train` scaling: the longest training sequence, in tokens. */
  trainLength: number;
  /** Random Seed Encoding: number of random bits concatenated to each token's input; 0 = off. */
  rseBits: number;
}

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
  /** Gradient accumulation steps k, folded into the momentum. */
  accumulate: number;
  /** Shrink ratio s applied to a tensor whose gradient has a NaN. */
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
  steps: number;
  batchSize: number;
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

/**
 * A model config as read from a run folder or a checkpoint, brought to the current fields without
 * changing what the model computes. Configs written before randomization became a flag say
 * `position: 'randomized'` (the sinusoidal code at randomized positions), were evaluated at the
 * evenly spread positions and did not scale token embeddings; they read as exactly that.
 * A current config comes back unchanged (as a copy).
 */
export function upgradeModelConfig(raw: ModelConfig): ModelConfig {
  const m = raw as unknown as Record<string, unknown>;
  const legacyRandomized = m.position === 'randomized';
  return {
    ...raw,
    position: legacyRandomized ? 'sinusoidal' : raw.position,
    randomizePositions: legacyRandomized ? true : typeof m.randomizePositions === 'boolean' ? m.randomizePositions : false,
    positionEval: (POSITION_EVALS as readonly unknown[]).includes(m.positionEval) ? raw.positionEval : legacyRandomized ? 'spread' : 'random',
    embedScale: typeof m.embedScale === 'number' ? raw.embedScale : 1,
  };
}

/** A run config as read from disk, with its model config upgraded (upgradeModelConfig). */
export function upgradeRunConfig(raw: RunConfig): RunConfig {
  const model: unknown = raw.model;
  if (typeof model !== 'object' || model === null) return raw; // not a config at all: the reader's checks report it
  return { ...raw, model: upgradeModelConfig(raw.model) };
}

/** A short human name of a model's positions: "rope", "randomized sinusoidal (L = 128)", … */
export function positionLabel(m: Pick<ModelConfig, 'position' | 'randomizePositions' | 'positionRange' | 'positionEval'>): string {
  if (!m.randomizePositions) return m.position;
  const evalNote = m.positionEval === 'random' ? '' : `, ${m.positionEval} at evaluation`;
  return `randomized ${m.position} (L = ${m.positionRange}${evalNote})`;
}
