/**
 * Default values of every field a spec may leave out, and the functions that turn the partial
 * spec objects into the complete configs a run needs. docs/spec.md and the JSON Schema state
 * the same values; a test keeps the schema's `default`s in step with these.
 */
import type {
  AttentionScaling,
  EmbeddingKind,
  ModelConfig,
  OptimizerConfig,
  PositionChoice,
  PositionEncoding,
  ScheduleConfig,
  TrainConfig,
} from '../../protocol/config';
import type { ExperimentSpec, ModelSpec, OptimizerSpec, TrainSpec } from '../../protocol/spec';
import { defaultOptimizerConfig } from './optimizerDefaults';
import { NAR_PRETRAIN } from '../../protocol/nar';
import { NAR_PRETRAIN_DEFAULTS } from '../nar/narSpec';

/**
 * Model fields with a fixed default (maxLen and positionRange depend on the task, see
 * resolveModelConfig; embedScale on the position code and dModel, see defaultEmbedScale).
 */
export const MODEL_DEFAULTS = {
  causal: true,
  layers: 2,
  dModel: 64,
  heads: 4,
  dFf: 256,
  position: 'learned',
  randomizePositions: false,
  positionEval: 'random',
  lognBase: 512,
  rseBits: 0,
  attention: 'softmax',
  embedding: 'learned',
  init: 'gpt2',
  norm: 'layer',
  rseProjection: false,
} as const satisfies Partial<ModelConfig>;

/**
 * The default token-embedding scale: √dModel when a sinusoidal code (amplitude 1, RMS 1/√2 per
 * dimension) is added to token embeddings initialised at N(0, 0.02) — without it the tokens are
 * ≈ 3 % of the input's norm at initialisation; Ruoss et al.'s code multiplies by √d_model
 * likewise. 1 for the other codes (a learned table starts at the tokens' scale, RoPE and 'none'
 * add nothing to the input) and for the task's fixed or projected input features, which are not
 * a 0.02-scale table.
 */
export function defaultEmbedScale(position: PositionEncoding, dModel: number, embedding: EmbeddingKind = 'learned'): number {
  return position === 'sinusoidal' && embedding === 'learned' ? Math.sqrt(dModel) : 1;
}

/** The encoding and randomization a spec's `position` means: `randomized` is sinusoidal with randomizePositions. */
export function resolvePosition(
  position: PositionChoice | undefined,
  randomizePositions: boolean | undefined,
): { position: PositionEncoding; randomizePositions: boolean } {
  if (position === 'randomized') return { position: 'sinusoidal', randomizePositions: true };
  return { position: position ?? MODEL_DEFAULTS.position, randomizePositions: randomizePositions ?? MODEL_DEFAULTS.randomizePositions };
}

/**
 * Default positionRange L of randomized positions = this × maxLen, and maxLen defaults to the
 * longest sequence of training and evaluation: L ≈ 4× the longest test sequence, as TransNAR
 * (8,192 for a 2,048 context); Ruoss et al. use a range well beyond every length seen.
 */
export const POSITION_RANGE_FACTOR = 4;

/** Train fields with a fixed default (schedule and evalEvery follow from steps, see resolveTrainConfig). */
export const TRAIN_DEFAULTS = {
  steps: 1000,
  batchSize: 32,
  accumulate: 1,
  gradClip: 1,
  evalExamples: 128,
  logEvery: 10,
  checkpointEvery: 0,
  q: 1,
  seedsPerInput: 1,
  qWarmup: 0,
} as const satisfies Partial<TrainConfig>;

/** The default schedule for a run of `steps` steps: warm-up over 5 % of them, cosine down to 0.1. */
export function defaultSchedule(steps: number): ScheduleConfig {
  return { kind: 'warmup-cosine', warmupSteps: Math.ceil(steps / 20), minFactor: 0.1 };
}

/** Default evaluation interval: ten evaluations per run (plus the final one). */
export function defaultEvalEvery(steps: number): number {
  return Math.max(1, Math.ceil(steps / 10));
}

/**
 * The complete TrainConfig of a spec's `train` block. q, batchSize and accumulate are taken as
 * given if single numbers (lists are expanded by the grid; here their first entry stands in).
 */
export function resolveTrainConfig(spec: TrainSpec | undefined): TrainConfig {
  const s = spec ?? {};
  const steps = s.steps ?? TRAIN_DEFAULTS.steps;
  return {
    steps,
    batchSize: firstOf(s.batchSize) ?? TRAIN_DEFAULTS.batchSize,
    accumulate: firstOf(s.accumulate) ?? TRAIN_DEFAULTS.accumulate,
    schedule: s.schedule ?? defaultSchedule(steps),
    gradClip: s.gradClip ?? TRAIN_DEFAULTS.gradClip,
    evalEvery: s.evalEvery ?? defaultEvalEvery(steps),
    evalExamples: s.evalExamples ?? TRAIN_DEFAULTS.evalExamples,
    logEvery: s.logEvery ?? TRAIN_DEFAULTS.logEvery,
    checkpointEvery: s.checkpointEvery ?? TRAIN_DEFAULTS.checkpointEvery,
    q: typeof s.q === 'number' ? s.q : TRAIN_DEFAULTS.q,
    seedsPerInput: s.seedsPerInput ?? TRAIN_DEFAULTS.seedsPerInput,
    qWarmup: s.qWarmup ?? TRAIN_DEFAULTS.qWarmup,
  };
}

function firstOf(v: number | readonly number[] | undefined): number | undefined {
  return typeof v === 'number' ? v : v?.[0];
}

/** What a model needs to know about its task: resolved per (task, causal) by the grid. */
export interface TaskShape {
  /** task.vocab.length */
  vocabSize: number;
  /** Longest laid-out sequence (tokens) over the train and eval lengths. */
  maxLen: number;
  /** Longest laid-out training sequence (tokens): n_train of `logn-train`. */
  trainLength: number;
  /** Width of the task's fixed input features (Task.inputFeatures), null when it has none. */
  featureWidth: number | null;
}

/**
 * The complete ModelConfig of a model variant under one attention scaling. maxLen defaults to
 * the task's longest sequence, positionRange to 4 × maxLen. Throws if a given maxLen is too short
 * for the task or a given positionRange is below maxLen (the model could not hold the sequences).
 */
export function resolveModelConfig(spec: ModelSpec, attentionScaling: AttentionScaling, shape: TaskShape): ModelConfig {
  const maxLen = spec.maxLen ?? shape.maxLen;
  if (maxLen < shape.maxLen) {
    throw new Error(`model "${spec.label}": maxLen ${maxLen} is shorter than the task's longest sequence (${shape.maxLen} tokens)`);
  }
  const positionRange = spec.positionRange ?? Math.max(POSITION_RANGE_FACTOR * maxLen, maxLen);
  if (positionRange < maxLen) {
    throw new Error(`model "${spec.label}": positionRange ${positionRange} is smaller than maxLen ${maxLen}`);
  }
  if (attentionScaling === 'logn-train' && shape.trainLength < 2) {
    throw new Error(`model "${spec.label}": 'logn-train' scaling needs training sequences of at least 2 tokens, the task's longest has ${shape.trainLength}`);
  }
  const rseBits = spec.rseBits ?? MODEL_DEFAULTS.rseBits;
  const embedding = spec.embedding ?? MODEL_DEFAULTS.embedding;
  let dModel = spec.dModel ?? MODEL_DEFAULTS.dModel;
  if ((embedding === 'features' || embedding === 'projected-features') && shape.featureWidth === null) {
    throw new Error(`model "${spec.label}": embedding '${embedding}' needs a task with input features (recall)`);
  }
  if (embedding === 'features' && shape.featureWidth !== null) {
    // No input embedding: the token part of the input is the task's feature vector itself.
    const width = shape.featureWidth + rseBits;
    if (spec.dModel !== undefined && spec.dModel !== width) {
      throw new Error(`model "${spec.label}": embedding 'features' fixes dModel = feature width ${shape.featureWidth} + rseBits ${rseBits} = ${width}, found ${spec.dModel}`);
    }
    dModel = width;
  }
  const heads = spec.heads ?? MODEL_DEFAULTS.heads;
  if ((spec.keySize === undefined || spec.valueSize === undefined) && dModel % heads !== 0) {
    throw new Error(`model "${spec.label}": heads (${heads}) must divide dModel (${dModel}) unless keySize and valueSize are given`);
  }
  const { position, randomizePositions } = resolvePosition(spec.position, spec.randomizePositions);
  return {
    causal: spec.causal ?? MODEL_DEFAULTS.causal,
    layers: spec.layers ?? MODEL_DEFAULTS.layers,
    dModel,
    heads,
    dFf: spec.dFf ?? MODEL_DEFAULTS.dFf,
    attention: spec.attention ?? MODEL_DEFAULTS.attention,
    keySize: spec.keySize ?? dModel / heads,
    valueSize: spec.valueSize ?? dModel / heads,
    embedding,
    init: spec.init ?? MODEL_DEFAULTS.init,
    norm: spec.norm ?? MODEL_DEFAULTS.norm,
    rseProjection: spec.rseProjection ?? MODEL_DEFAULTS.rseProjection,
    vocabSize: shape.vocabSize,
    maxLen,
    position,
    randomizePositions,
    positionRange,
    positionEval: spec.positionEval ?? MODEL_DEFAULTS.positionEval,
    embedScale: spec.embedScale ?? defaultEmbedScale(position, dModel, embedding),
    attentionScaling,
    lognBase: spec.lognBase === 'train' ? Math.max(2, shape.trainLength) : (spec.lognBase ?? MODEL_DEFAULTS.lognBase),
    trainLength: shape.trainLength,
    rseBits,
    nar: null, // resolved per task by the grid (resolveNarLink)
  };
}

/**
 * The complete OptimizerConfig of an optimizer entry at one (lr, weightDecay) point of the grid:
 * the optimizer's defaults, overridden by the fields the entry gives that apply to it.
 */
export function resolveOptimizerConfig(spec: OptimizerSpec, lr: number, weightDecay: number | undefined): OptimizerConfig {
  const base = defaultOptimizerConfig(spec.name);
  const wd = weightDecay ?? base.weightDecay;
  switch (base.name) {
    case 'adamw':
      return { ...base, lr, weightDecay: wd, beta1: spec.beta1 ?? base.beta1, beta2: spec.beta2 ?? base.beta2, eps: spec.eps ?? base.eps };
    case 'lion':
      return { ...base, lr, weightDecay: wd, beta1: spec.beta1 ?? base.beta1, beta2: spec.beta2 ?? base.beta2 };
    case 'tiger':
      return { ...base, lr, weightDecay: wd, beta: spec.beta ?? base.beta, shrink: spec.shrink ?? base.shrink };
    case 'sgd':
      return { ...base, lr, weightDecay: wd, momentum: spec.momentum ?? base.momentum };
  }
}

/**
 * The spec with every default that does not depend on the task written out (backend, evalLengths,
 * model fields, optimizer hyper-parameters, train settings), for the experiment file: a reader sees
 * exactly what ran even if the defaults change later. List-valued lr / weightDecay / q /
 * batchSize / accumulate stay lists.
 */
export function applySpecDefaults(spec: ExperimentSpec): ExperimentSpec {
  const train = resolveTrainConfig(spec.train);
  return {
    ...spec,
    backend: spec.backend ?? 'auto',
    tasks: spec.tasks.map((t) => ({ ...t, evalLengths: t.evalLengths ?? [...t.trainLengths], options: t.options ?? {} })),
    models: spec.models.map((m) => {
      // `randomized` is written out as what it means; embedScale as the number that will run.
      const { position, randomizePositions } = resolvePosition(m.position, m.randomizePositions);
      const dModel = m.dModel ?? MODEL_DEFAULTS.dModel;
      const embedScale = m.embedScale ?? defaultEmbedScale(position, dModel, m.embedding ?? MODEL_DEFAULTS.embedding);
      return { ...MODEL_DEFAULTS, ...m, position, randomizePositions, embedScale };
    }),
    optimizers: spec.optimizers.map((o) => {
      const d = defaultOptimizerConfig(o.name);
      const { name: _name, lr: _lr, ...hyper } = d;
      return { ...hyper, ...o };
    }),
    train: {
      ...train,
      ...(spec.train?.q !== undefined ? { q: spec.train.q } : {}),
      ...(spec.train?.batchSize !== undefined ? { batchSize: spec.train.batchSize } : {}),
      ...(spec.train?.accumulate !== undefined ? { accumulate: spec.train.accumulate } : {}),
    },
    ...(spec.narPretraining !== undefined || spec.models.some((m) => m.nar?.checkpoint === NAR_PRETRAIN)
      ? { narPretraining: { ...NAR_PRETRAIN_DEFAULTS, ...spec.narPretraining } }
      : {}),
  };
}
