/**
 * The model's parameters with their deterministic initialisation from a seed (the project's Rng, not
 * tf's random ops; each parameter's stream depends only on (seed, name)). init 'gpt2': N(0, 0.02) for
 * matrices and embeddings, residual projections (attn.out, mlp.proj) scaled by 1/√(2·layers) as in
 * GPT-2. init 'fan-in': matrices N(0, 1/fan_in), residual projections by a further 1/√layers (as the
 * randomized-Transformers paper, App. A.2), embeddings N(0, 0.02). Both: zero biases and LayerNorm
 * offsets, unit LayerNorm gains, the seed projection the identity.
 *
 * The parameters are made in a fixed order (embeddings, then block by block, then the final norm and
 * the head): the order of `params`, which optimizers and checkpoints see.
 */
import { tf } from '../tf';
import type { Tensor, Variable } from '../tf';
import { hashSeed, Rng } from '../../core/random';
import type { ModelConfig } from '../../protocol/config';
import type { ModelParam, ParamKind } from './params';

/**
 * Fixed input features of a task's tokens (Task.inputFeatures), for `embedding: 'features'`:
 * row t of `table` [vocab, width] is token t's input vector.
 */
export interface InputFeatures {
  width: number;
  table: Float32Array;
}

/** A LayerNorm's gain and offset [D] each; null when the model has norm 'none'. */
export type NormParams = { gain: Variable; bias: Variable } | null;

/** TransNAR's gated cross-attention to the NAR's node embeddings. */
export interface CrossAttentionParams {
  ln: NormParams;
  qKernel: Variable; // [D, H·dk]
  qBias: Variable; // [H·dk]
  kvKernel: Variable; // [H_nar, H·(dk + dv)]
  kvBias: Variable; // [H·(dk + dv)]
  outKernel: Variable; // [H·dv, D]
  outBias: Variable; // [D]
  gate: Variable; // [1], tanh(gate) scales the sub-layer; 0 at init (closed)
}

export interface MlpParams {
  ln2: NormParams;
  fcKernel: Variable; // [D, F]
  fcBias: Variable; // [F]
  projKernel: Variable; // [F, D]
  projBias: Variable; // [D]
}

export interface BlockParams {
  ln1: NormParams;
  qkvKernel: Variable; // [D, H·(2dk + dv)]
  qkvBias: Variable; // [H·(2dk + dv)]
  outKernel: Variable; // [H·dv, D]
  outBias: Variable; // [D]
  /** null in a block without a cross-attention (config.nar.layers). */
  xattn: CrossAttentionParams | null;
  /** null when dFf = 0. */
  mlp: MlpParams | null;
}

/** Everything the forward pass reads: the trainable parameters by role, and the fixed feature table. */
export interface ModelWeights {
  /** The trainable parameters in creation order. */
  params: ModelParam[];
  tokenTable: Variable | null; // [V, D − R]; null when the task's features embed the tokens
  featureTable: Tensor | null; // [V, F], fixed (not a parameter; kept, the model disposes it)
  featureKernel: Variable | null; // [F, D − R] for 'projected-features'
  positionTable: Variable | null; // [maxLen, D − R] for learned positions
  seedProjection: Variable | null; // [R, R] when rseProjection
  blocks: BlockParams[];
  lnf: NormParams;
  headKernel: Variable; // [D, V], no weight tying
}

export const INIT_STD = 0.02;

type Init = 'normal' | 'zeros' | 'ones' | 'identity';
type MakeParam = (name: string, kind: ParamKind, shape: number[], init: Init, std?: number) => Variable;

/** FNV-1a of a parameter name, so each parameter's init stream depends only on (seed, name). */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A maker of initialised variables that appends each to `params`. */
function paramMaker(seed: number, params: ModelParam[]): MakeParam {
  return (name, kind, shape, init, std = INIT_STD) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init === 'ones') values.fill(1);
    else if (init === 'identity') for (let i = 0; i < (shape[0] as number); i++) values[i * (shape[1] as number) + i] = 1;
    else if (init === 'normal') {
      const rng = new Rng(hashSeed(seed, nameHash(name)));
      for (let i = 0; i < size; i++) values[i] = rng.normal() * std;
    }
    const initial = tf.tensor(values, shape, 'float32');
    // No tf name: variable names are global in tfjs, and several models may coexist.
    const variable = tf.variable(initial, true);
    initial.dispose();
    params.push({ name, kind, variable });
    return variable;
  };
}

/** Std of a weight matrix with `rows` inputs; `residual` for projections into the residual stream. */
function matrixStd(cfg: ModelConfig, rows: number, residual: boolean): number {
  const { layers } = cfg;
  if (cfg.init === 'fan-in') return residual ? 1 / Math.sqrt(rows * layers) : 1 / Math.sqrt(rows);
  return residual ? INIT_STD / Math.sqrt(2 * layers) : INIT_STD;
}

function normParams(cfg: ModelConfig, make: MakeParam, name: string): NormParams {
  const D = cfg.dModel;
  return cfg.norm === 'layer' ? { gain: make(`${name}.gain`, 'norm-gain', [D], 'ones'), bias: make(`${name}.bias`, 'norm-bias', [D], 'zeros') } : null;
}

function crossAttentionParams(cfg: ModelConfig, make: MakeParam, p: string): CrossAttentionParams {
  const { dModel: D, heads: H, keySize: dk, valueSize: dv } = cfg;
  const narHidden = cfg.nar?.hidden ?? 0;
  return {
    ln: normParams(cfg, make, `${p}.xattn.ln`),
    qKernel: make(`${p}.xattn.q.kernel`, 'matrix', [D, H * dk], 'normal', matrixStd(cfg, D, false)),
    qBias: make(`${p}.xattn.q.bias`, 'bias', [H * dk], 'zeros'),
    kvKernel: make(`${p}.xattn.kv.kernel`, 'matrix', [narHidden, H * (dk + dv)], 'normal', matrixStd(cfg, narHidden, false)),
    kvBias: make(`${p}.xattn.kv.bias`, 'bias', [H * (dk + dv)], 'zeros'),
    outKernel: make(`${p}.xattn.out.kernel`, 'matrix', [H * dv, D], 'normal', matrixStd(cfg, H * dv, true)),
    outBias: make(`${p}.xattn.out.bias`, 'bias', [D], 'zeros'),
    gate: make(`${p}.xattn.gate`, 'bias', [1], 'zeros'),
  };
}

function mlpParams(cfg: ModelConfig, make: MakeParam, p: string): MlpParams {
  const { dModel: D, dFf: F } = cfg;
  return {
    ln2: normParams(cfg, make, `${p}.ln2`),
    fcKernel: make(`${p}.mlp.fc.kernel`, 'matrix', [D, F], 'normal', matrixStd(cfg, D, false)),
    fcBias: make(`${p}.mlp.fc.bias`, 'bias', [F], 'zeros'),
    projKernel: make(`${p}.mlp.proj.kernel`, 'matrix', [F, D], 'normal', matrixStd(cfg, F, true)),
    projBias: make(`${p}.mlp.proj.bias`, 'bias', [D], 'zeros'),
  };
}

/** Block l's parameters, named `blocks.<l>.…`. */
function blockParams(cfg: ModelConfig, make: MakeParam, l: number): BlockParams {
  const { dModel: D, heads: H, keySize: dk, valueSize: dv } = cfg;
  const p = `blocks.${l}`;
  return {
    ln1: normParams(cfg, make, `${p}.ln1`),
    qkvKernel: make(`${p}.attn.qkv.kernel`, 'matrix', [D, H * (2 * dk + dv)], 'normal', matrixStd(cfg, D, false)),
    qkvBias: make(`${p}.attn.qkv.bias`, 'bias', [H * (2 * dk + dv)], 'zeros'),
    outKernel: make(`${p}.attn.out.kernel`, 'matrix', [H * dv, D], 'normal', matrixStd(cfg, H * dv, true)),
    outBias: make(`${p}.attn.out.bias`, 'bias', [D], 'zeros'),
    xattn: cfg.nar?.layers.includes(l) ? crossAttentionParams(cfg, make, p) : null,
    mlp: cfg.dFf > 0 ? mlpParams(cfg, make, p) : null,
  };
}

/**
 * The weights of a model of a complete, validated config (modelConfig.ts), initialised from `seed`;
 * `features` is the task's feature table when the config embeds tokens by their features.
 */
export function createModelWeights(cfg: ModelConfig, seed: number, features: InputFeatures | null): ModelWeights {
  const { layers, dModel: D, vocabSize: V, maxLen, rseBits } = cfg;
  const tokenWidth = D - rseBits; // dims of the token part (and of any position code)
  const params: ModelParam[] = [];
  const make = paramMaker(seed, params);
  const tokenTable = features ? null : make('embed.token', 'embedding', [V, tokenWidth], 'normal'); // [V, D − R]
  const featureTable = features ? tf.keep(tf.tensor2d(features.table, [V, features.width])) : null; // [V, F], fixed
  const featureKernel =
    features && cfg.embedding === 'projected-features'
      ? make('embed.features.kernel', 'matrix', [features.width, tokenWidth], 'normal', cfg.init === 'fan-in' ? 1 / Math.sqrt(features.width) : INIT_STD)
      : null; // [F, D − R]
  const positionTable = cfg.position === 'learned' ? make('embed.position', 'embedding', [maxLen, tokenWidth], 'normal') : null; // [maxLen, D − R]
  const seedProjection = cfg.rseProjection ? make('embed.seed.kernel', 'matrix', [rseBits, rseBits], 'identity') : null; // [R, R]
  const blocks: BlockParams[] = [];
  for (let l = 0; l < layers; l++) blocks.push(blockParams(cfg, make, l));
  const lnf = normParams(cfg, make, 'lnf');
  const headKernel = make('head.kernel', 'matrix', [D, V], 'normal', matrixStd(cfg, D, false)); // [D, V], no weight tying
  return { params, tokenTable, featureTable, featureKernel, positionTable, seedProjection, blocks, lnf, headKernel };
}
