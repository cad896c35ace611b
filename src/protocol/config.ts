/**
 * Configuration types shared by the engine, the CLI, the extension and the run folder.
 * Every field is plain JSON. Defaults live in `src/core/experiment/defaults.ts`.
 */

import type { NarLink } from './nar';

/** The position code a model uses (docs/science.md §2, §5). */
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

/**
 * How a head mixes its values: `softmax` (the usual attention) or `linear` — softmax replaced by the
 * identity, y = (QKᵀ ⊙ M)V, a fast-weight memory Σ_t v_t k_tᵀ read by the query (von Oswald et al.'s
 * associative-recall model, docs/science.md §7.1).
 */
export type AttentionKind = 'softmax' | 'linear';
export const ATTENTION_KINDS: readonly AttentionKind[] = ['softmax', 'linear'];

/**
 * How tokens enter the model: `learned`, a trainable [vocab, dModel − rseBits] table; `features`,
 * the task's fixed feature vector of each token (recall: value bits and a one-hot key) used as is,
 * with no input embedding (dModel = feature width + rseBits); `projected-features`, those features
 * times a learned [width, dModel − rseBits] matrix (a linear input embedding of the features).
 */
export type EmbeddingKind = 'learned' | 'features' | 'projected-features';
export const EMBEDDING_KINDS: readonly EmbeddingKind[] = ['learned', 'features', 'projected-features'];

/**
 * Initialisation of the weight matrices: `gpt2`, N(0, 0.02) with residual projections scaled by
 * 1/√(2·layers); `fan-in`, N(0, 1/fan_in) with residual projections scaled by 1/√layers (the
 * randomized-Transformers paper's App. A.2, which a linear-attention memory needs: its output is a
 * product of three projections and starts at ~1e-5 under 0.02 weights).
 */
export type InitKind = 'gpt2' | 'fan-in';
export const INIT_KINDS: readonly InitKind[] = ['gpt2', 'fan-in'];

/**
 * Normalisation: `layer`, pre-LayerNorm before each attention and MLP and before the head; `none`,
 * no normalisation at all (the working reproduction of the randomized-Transformers recall model runs
 * without it: LayerNorm of 0/1 feature vectors rescales the value bits by their number of ones).
 */
export type NormKind = 'layer' | 'none';
export const NORM_KINDS: readonly NormKind[] = ['layer', 'none'];

/** How attention logits are scaled (docs/science.md §1). */
export type AttentionScaling = 'standard' | 'logn' | 'logn-train';
export const ATTENTION_SCALINGS: readonly AttentionScaling[] = ['standard', 'logn', 'logn-train'];

export interface ModelConfig {
  /** true: decoder-only with a causal mask; false: bidirectional encoder. */
  causal: boolean;
  layers: number;
  dModel: number;
  heads: number;
  /** Width of each block's MLP; 0 = blocks without an MLP (attention only). */
  dFf: number;
  /** softmax or linear attention (see AttentionKind). */
  attention: AttentionKind;
  /** Per-head size of queries and keys (for linear attention: the memory's key size, its capacity bound). */
  keySize: number;
  /** Per-head size of values. */
  valueSize: number;
  /** Learned token embedding or the task's fixed input features (see EmbeddingKind). */
  embedding: EmbeddingKind;
  /** Weight initialisation (see InitKind). */
  init: InitKind;
  /** LayerNorm or none (see NormKind). */
  norm: NormKind;
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
  /**
   * Random Seed Encoding: number of random bits concatenated to each token's input; 0 = off. They
   * occupy the last rseBits dimensions of the input, which no position code touches.
   */
  rseBits: number;
  /** Pass the seed bits through a learned [rseBits, rseBits] matrix (initialised to the identity) before they enter. */
  rseProjection: boolean;
  /**
   * TransNAR (docs/science.md §5): the frozen NAR whose final node embeddings the listed blocks
   * cross-attend to, through a tanh-gated sub-layer; null = a plain Transformer.
   */
  nar: NarLink | null;
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

export type TaskName = 'recall' | 'sort' | 'position-probe' | 'copy' | 'reverse' | 'graph-coloring' | 'grid-world' | 'insertion-sort' | 'minimum' | 'binary-search' | 'bfs';
export const TASK_NAMES: readonly TaskName[] = ['recall', 'sort', 'position-probe', 'copy', 'reverse', 'graph-coloring', 'grid-world', 'insertion-sort', 'minimum', 'binary-search', 'bfs'];

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
   * (docs/science.md §3). 1 = off.
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
  /** q of the q-norm objective (docs/science.md §4); 1 = ordinary expected loss. q > 1 without RSE is the deterministic baseline. */
  q: number;
  /**
   * m, seeds per input of the q-norm objective: every step lays out batchSize × m rows, input-major,
   * and the same m seeds serve every input of the step. A model without RSE sees the same
   * batchSize × m rows (each input m times), so runs with and without RSE compare on equal rows and
   * equal inputs per step.
   */
  seedsPerInput: number;
  /**
   * Steps over which the q of the q-norm objective rises linearly from 1 to `q` (0 = q from the
   * start): the model first learns the task under the expected loss, then the objective turns
   * towards the worst inputs. Not in the paper (which trains far longer at a fixed q).
   */
  qWarmup: number;
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
    nar: typeof m.nar === 'object' && m.nar !== null ? raw.nar : null,
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
