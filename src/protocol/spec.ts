/**
 * The experiment spec file: a grid of tasks × model variants × attention scalings ×
 * optimizers (each with lists of hyper-parameters) × training seeds.
 * Its JSON Schema is `schemas/experiment.schema.json`; `validateSpec` checks a parsed file
 * against the same rules and names the JSON path of the first problems.
 */
import type { BackendChoice } from './backend';
import type { AttentionScaling, ModelConfig, OptimizerName, PositionChoice, ScheduleConfig, TaskName, TrainConfig } from './config';
import type { NarPretrainSpec, NarSpec } from './nar';

export interface TaskSpec {
  name: TaskName;
  trainLengths: number[];
  evalLengths?: number[];
  options?: Record<string, number>;
}

/** A model variant: a label plus any ModelConfig fields (vocabSize, attentionScaling and trainLength are set per run). */
export interface ModelSpec extends Partial<Omit<ModelConfig, 'vocabSize' | 'attentionScaling' | 'trainLength' | 'lognBase' | 'position' | 'nar'>> {
  label: string;
  /** An encoding, or `randomized` = `sinusoidal` with `randomizePositions: true`. */
  position?: PositionChoice;
  /**
   * Base b of log_b(n) for `logn` scaling: a number > 1, or "train" for b = the longest training
   * sequence in tokens (the factor is about 1 inside the training range; docs/science.md §1).
   */
  lognBase?: number | 'train';
  /** TransNAR: cross-attention from the listed blocks to a frozen NAR's node embeddings (docs/science.md §5). */
  nar?: NarSpec;
}

/** An optimizer with its hyper-parameters; a list expands the grid (e.g. lr: [1e-3, 3e-4]). */
export interface OptimizerSpec {
  name: OptimizerName;
  label?: string;
  lr: number | number[];
  weightDecay?: number | number[];
  beta1?: number;
  beta2?: number;
  beta?: number;
  eps?: number;
  momentum?: number;
  shrink?: number;
}

export interface TrainSpec extends Partial<Omit<TrainConfig, 'schedule' | 'q' | 'batchSize' | 'accumulate'>> {
  schedule?: ScheduleConfig;
  /** q of the q-norm objective; a list expands the grid, like lr. */
  q?: number | number[];
  /**
   * Examples per micro-batch, and gradient accumulation k (micro-batches per update). Each may be
   * a list that expands the grid; given as two lists they are paired entry by entry (equal
   * lengths): `batchSize: [32, 8], accumulate: [1, 4]` is 32 examples per update at once vs in
   * 4 micro-batches of 8.
   */
  batchSize?: number | number[];
  accumulate?: number | number[];
}

export interface ExperimentSpec {
  /** File-name safe; the experiment's folder name. */
  name: string;
  description?: string;
  backend?: BackendChoice;
  /** Runs in parallel; default one per core. */
  parallel?: number;
  tasks: TaskSpec[];
  models: ModelSpec[];
  attentionScalings: AttentionScaling[];
  optimizers: OptimizerSpec[];
  seeds: number[];
  train?: TrainSpec;
  /** How the NARs of models with `nar.checkpoint: "pretrain"` are trained before the runs. */
  narPretraining?: NarPretrainSpec;
}

/** Where an experiment's spec comes from: a built-in preset or a spec file on disk. */
export type SpecSource = { kind: 'preset'; name: string } | { kind: 'file'; path: string };
