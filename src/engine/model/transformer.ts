/**
 * A small GPT-style Transformer on tfjs-core, written for reading (after karpathy/nanoGPT's
 * model.py) and for speed on the wasm backend (docs/tfjs.md): dense layers with a custom
 * gradient on 2-D activations [B*T, D], embeddings as one-hot products, GELU with x·x·x.
 *
 *   tokens [B, T] → one-hot · embed.token [B*T, D − R]     (or the task's fixed features [B*T, F]: as they are,
 *                                                            `embedding: features`, or · embed.features.kernel [F, D − R],
 *                                                            `embedding: projected-features`)
 *                 · embedScale (√D under a sinusoidal code, else 1)
 *                 + position code [T, D − R] or [B*T, D − R] for learned / sinusoidal
 *                 ‖ seed bits [B*T, R] (R = rseBits; the last R dims, which no position code touches)
 *   L × block:  x = x + attn(LN1(x));  x = x + mlp(LN2(x))        (pre-LayerNorm, or none; no MLP when dFf = 0)
 *               TransNAR blocks (config.nar.layers) between the two:  x = x + tanh(α)·xattn(LNx(x), G)
 *               — cross-attention from the tokens (queries) to the frozen NAR's final node
 *               embeddings G [B, N, H_nar] (keys and values), no mask, α a learned gate starting at 0
 *               (Flamingo's gate, as TransNAR; docs/science.md §5)
 *   logits = LN_f(x) · head.kernel                                 [B, T, V]
 *
 * attn is softmax attention or linear attention (linearAttention.ts), with per-head query/key
 * size keySize and value size valueSize (both dModel / heads unless set).
 *
 * The loss is the trainer's business: `forward` only builds logits (and optionally the
 * attention probabilities) and is safe inside tf.tidy / tf.variableGrads.
 */
import { tf } from '../tf';
import type { Tensor, Variable } from '../tf';
import { hashSeed, Rng } from '../../core/random';
import {
  ATTENTION_KINDS,
  ATTENTION_SCALINGS,
  EMBEDDING_KINDS,
  INIT_KINDS,
  NORM_KINDS,
  POSITION_ENCODINGS,
  POSITION_EVALS,
  RANDOMIZABLE_POSITIONS,
  upgradeModelConfig,
} from '../../protocol/config';
import type { ModelConfig } from '../../protocol/config';
import type { ModelParam, ParamKind } from './params';
import type { Nar } from '../nar/narModel';
import { addPositionCode, attentionHeads, residualAdd } from './attentionHeads';
import { attentionScale } from './attentionScale';
import { buildBatchAttentionMask } from './attentionMask';
import { dense, embedOneHot, oneHotRows } from './dense';
import { gelu } from './gelu';
import { layerNorm } from './layerNorm';
import { linearAttention, linearAttentionShares } from './linearAttention';
import { checkLogitNoise, logitNoiseValues, noisyLayer } from './logitNoise';
import type { LogitNoise } from './logitNoise';
import { applyRope, contiguousPositions, positionRows, ropeCode, sinusoidalCode, spreadPositions } from './positions';

export { randomPositions, spreadPositions } from './positions';

export type Tensor2D = tf.Tensor2D;
export type Tensor3D = tf.Tensor3D;
export type Tensor4D = tf.Tensor4D;

export interface ForwardInput {
  /** Token ids, int32 [B, T], each in [0, vocabSize). */
  tokens: Tensor2D;
  /**
   * Random Seed Encoding bits, float32 [B, rseBits]; required iff config.rseBits > 0.
   * Convention: values ±1 (see `randomSeedBits`). Zero-mean and the same norm for every
   * seed, so no seed is a "weaker" signal than another (with 0/1 bits the all-zero seed
   * would add nothing to the input).
   */
  seedBits?: Tensor2D;
  /**
   * Positions at which the position code is read: [T] shared by every sequence, or [B*T] one row
   * per sequence (row-major). Default 0…T−1 (learned: each must be < maxLen). A model with
   * randomized positions needs them given (positionPlan.ts: trainingPositions, evaluationPositions)
   * unless its positionEval is 'spread' or 'contiguous', which are then the default. Ignored for 'none'.
   */
  positions?: Int32Array;
  /**
   * Extra allowed-mask [T*T] (allowed[q*T+k] = 1), combined with the causal one; or one mask per
   * example, [B*T*T] (a graph's neighbours, Task.exampleMask).
   */
  mask?: Uint8Array | null;
  /**
   * TransNAR: the frozen NAR's final node embeddings G, float32 [B, N, nar.hidden], required iff the
   * model has a NAR (narNodes in src/engine/nar/narInput.ts computes them from the examples' graphs).
   */
  nodes?: Tensor3D;
  /** Also return every layer's attention probabilities. */
  returnAttention?: boolean;
  /** The softmax-noise probe: i.i.d. noise of scale σ on the attention logits (logitNoise.ts); softmax attention only. */
  logitNoise?: LogitNoise;
}

/** A type alias, not an interface, so that it is a tf.TensorContainer: `tf.tidy(() => model.forward(…))` type-checks. */
export type ForwardOutput = {
  /** [B, T, V] */
  logits: Tensor3D;
  /** Per layer [B, H, T, T] probabilities; [] unless returnAttention. */
  attention: Tensor4D[];
  /** Per cross-attention block (config.nar.layers in ascending order) [B, H, T, N] probabilities over the NAR's nodes; [] unless returnAttention. */
  crossAttention: Tensor4D[];
};

/**
 * Fixed input features of a task's tokens (Task.inputFeatures), for `embedding: 'features'`:
 * row t of `table` [vocab, width] is token t's input vector.
 */
export interface InputFeatures {
  width: number;
  table: Float32Array;
}

export interface CreateModelOptions {
  /** Required iff config.embedding is 'features': the task's feature table. */
  inputFeatures?: InputFeatures | null;
  /**
   * Required iff config.nar is set: the frozen NAR (loadNar), of the link's algorithm and hidden
   * size. The model owns it from then on (dispose disposes it) and never trains it.
   */
  nar?: Nar | null;
}

export interface Model {
  readonly config: ModelConfig;
  /** The trainable parameters (a NAR's frozen tensors are not among them). */
  readonly params: readonly ModelParam[];
  /** The frozen NAR of a TransNAR model, null otherwise. */
  readonly nar: Nar | null;
  parameterCount(): number;
  forward(input: ForwardInput): ForwardOutput;
  dispose(): void;
}

/**
 * The config with the fields that older run folders and checkpoints lack filled in as those runs
 * had them (softmax attention, head sizes dModel / heads, a learned embedding, GPT-2 init, no seed
 * projection; positions as upgradeModelConfig reads them), so they still load.
 */
export function completeModelConfig(config: ModelConfig): ModelConfig {
  const c = upgradeModelConfig(config); // the position fields (randomizePositions, positionEval, embedScale)
  const partial = c as Partial<ModelConfig> & ModelConfig;
  if ((partial.keySize === undefined || partial.valueSize === undefined) && c.heads > 0 && c.dModel % c.heads !== 0) {
    throw new Error(`model config: heads (${c.heads}) must divide dModel (${c.dModel}), or keySize and valueSize must be given`);
  }
  const headDim = c.heads > 0 ? c.dModel / c.heads : NaN;
  return {
    ...c,
    attention: partial.attention ?? 'softmax',
    keySize: partial.keySize ?? headDim,
    valueSize: partial.valueSize ?? headDim,
    embedding: partial.embedding ?? 'learned',
    init: partial.init ?? 'gpt2',
    norm: partial.norm ?? 'layer',
    rseProjection: partial.rseProjection ?? false,
    nar: partial.nar ?? null,
  };
}

/** Throws a clear Error for a config the model cannot be built from. */
export function validateModelConfig(c: ModelConfig): void {
  const posInt = (name: keyof ModelConfig, min = 1): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new Error(`model config: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  posInt('layers');
  posInt('dModel');
  posInt('heads');
  posInt('dFf', 0);
  posInt('vocabSize');
  posInt('maxLen');
  posInt('rseBits', 0);
  posInt('keySize');
  posInt('valueSize');
  if (!POSITION_ENCODINGS.includes(c.position)) throw new Error(`model config: unknown position encoding '${String(c.position)}'`);
  if (!ATTENTION_SCALINGS.includes(c.attentionScaling)) {
    throw new Error(`model config: unknown attention scaling '${String(c.attentionScaling)}'`);
  }
  if (!ATTENTION_KINDS.includes(c.attention)) throw new Error(`model config: unknown attention '${String(c.attention)}'`);
  if (!EMBEDDING_KINDS.includes(c.embedding)) throw new Error(`model config: unknown embedding '${String(c.embedding)}'`);
  if (!INIT_KINDS.includes(c.init)) throw new Error(`model config: unknown init '${String(c.init)}'`);
  if (!NORM_KINDS.includes(c.norm)) throw new Error(`model config: unknown norm '${String(c.norm)}'`);
  if (typeof c.rseProjection !== 'boolean') throw new Error(`model config: rseProjection must be true or false, got ${String(c.rseProjection)}`);
  if (c.rseProjection && c.rseBits === 0) throw new Error('model config: rseProjection needs rseBits > 0');
  if (c.position === 'rope' && c.keySize % 2 !== 0) {
    throw new Error(`model config: RoPE needs an even key size per head, got ${c.keySize}`);
  }
  if (c.attention === 'linear' && c.attentionScaling !== 'standard') {
    throw new Error(`model config: linear attention is unscaled; attentionScaling must be 'standard', got '${c.attentionScaling}'`);
  }
  if (c.rseBits >= c.dModel) {
    throw new Error(`model config: rseBits (${c.rseBits}) must be smaller than dModel (${c.dModel}); the tokens get dModel − rseBits dims`);
  }
  if (typeof c.randomizePositions !== 'boolean') throw new Error(`model config: randomizePositions must be true or false, got ${String(c.randomizePositions)}`);
  if (c.randomizePositions && !RANDOMIZABLE_POSITIONS.includes(c.position)) {
    throw new Error(`model config: randomized positions need a 'sinusoidal' or 'rope' code, got '${c.position}'`);
  }
  if (c.randomizePositions && !(Number.isInteger(c.positionRange) && c.positionRange >= c.maxLen)) {
    throw new Error(`model config: positionRange (${c.positionRange}) must be an integer ≥ maxLen (${c.maxLen}) for randomized positions`);
  }
  if (!POSITION_EVALS.includes(c.positionEval)) throw new Error(`model config: unknown positionEval '${String(c.positionEval)}'`);
  if (!(typeof c.embedScale === 'number' && Number.isFinite(c.embedScale) && c.embedScale > 0)) {
    throw new Error(`model config: embedScale must be a positive number, got ${String(c.embedScale)}`);
  }
  if (c.nar !== null) {
    const { layers: narLayers, hidden } = c.nar;
    if (!Array.isArray(narLayers) || narLayers.length === 0 || narLayers.some((l) => !(Number.isInteger(l) && l >= 0 && l < c.layers))) {
      throw new Error(`model config: nar.layers must be a non-empty list of block indices in [0, ${c.layers}), got ${JSON.stringify(narLayers)}`);
    }
    if (new Set(narLayers).size !== narLayers.length) throw new Error(`model config: nar.layers has a block twice: ${JSON.stringify(narLayers)}`);
    if (!(Number.isInteger(hidden) && hidden >= 1)) throw new Error(`model config: nar.hidden must be a positive integer, got ${String(hidden)}`);
  }
  if (c.attentionScaling === 'logn' && !(c.lognBase > 1)) throw new Error(`model config: lognBase must be > 1, got ${c.lognBase}`);
  if (c.attentionScaling === 'logn-train' && !(Number.isInteger(c.trainLength) && c.trainLength >= 2)) {
    throw new Error(`model config: trainLength must be an integer ≥ 2 for logn-train scaling, got ${c.trainLength}`);
  }
}

/** RSE bits for a batch: float32 [B, bits] of ±1 drawn from the Rng (row-major). */
export function randomSeedBits(rng: Rng, batch: number, bits: number): Float32Array {
  const out = new Float32Array(batch * bits);
  for (let i = 0; i < out.length; i++) out[i] = rng.next() < 0.5 ? -1 : 1;
  return out;
}

/** A LayerNorm's gain and offset [D] each; null when the model has norm 'none'. */
type NormParams = { gain: Variable; bias: Variable } | null;

interface BlockParams {
  ln1: NormParams;
  qkvKernel: Variable; // [D, H·(2dk + dv)]
  qkvBias: Variable; // [H·(2dk + dv)]
  outKernel: Variable; // [H·dv, D]
  outBias: Variable; // [D]
  /** TransNAR's gated cross-attention to the NAR's node embeddings; null in a block without one. */
  xattn: {
    ln: NormParams;
    qKernel: Variable; // [D, H·dk]
    qBias: Variable; // [H·dk]
    kvKernel: Variable; // [H_nar, H·(dk + dv)]
    kvBias: Variable; // [H·(dk + dv)]
    outKernel: Variable; // [H·dv, D]
    outBias: Variable; // [D]
    gate: Variable; // [1], tanh(gate) scales the sub-layer; 0 at init (closed)
  } | null;
  mlp: {
    ln2: NormParams;
    fcKernel: Variable; // [D, F]
    fcBias: Variable; // [F]
    projKernel: Variable; // [F, D]
    projBias: Variable; // [D]
  } | null; // null when dFf = 0
}

const INIT_STD = 0.02;
/**
 * Seed bits (±1) enter the residual stream scaled to the size of the token inputs: for a learned
 * embedding (N(0, 0.02)) by 0.02 — unscaled, 8 bits of norm √8 ≈ 2.8 swamp a token embedding of norm
 * ≈ 0.15 and the first LayerNorm leaves the tokens almost nothing (measured: 10× smaller gradients at
 * step 0 and no learning); for the task's 0/1 features by 1. The per-dimension LayerNorm gains (or the
 * seed projection) can still learn to amplify the seed.
 */
const SEED_BIT_SCALE = INIT_STD;
const MASKED = -1e9;

/** FNV-1a of a parameter name, so each parameter's init stream depends only on (seed, name). */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Builds a model with deterministic initialisation from `seed` (the project's Rng, not tf's
 * random ops). init 'gpt2': N(0, 0.02) for matrices and embeddings, residual projections (attn.out,
 * mlp.proj) scaled by 1/√(2·layers) as in GPT-2. init 'fan-in': matrices N(0, 1/fan_in), residual
 * projections by a further 1/√layers (as the randomized-Transformers paper, App. A.2), embeddings
 * N(0, 0.02). Both: zero biases and LayerNorm offsets, unit LayerNorm gains, the seed projection the
 * identity.
 */
export function createModel(config: ModelConfig, seed: number, options: CreateModelOptions = {}): Model {
  const cfg: ModelConfig = completeModelConfig(config);
  validateModelConfig(cfg);
  const { layers, dModel: D, heads: H, dFf: F, vocabSize: V, maxLen, rseBits } = cfg;
  const dk = cfg.keySize;
  const dv = cfg.valueSize;
  const tokenWidth = D - rseBits; // dims of the token part (and of any position code)
  const usesFeatures = cfg.embedding === 'features' || cfg.embedding === 'projected-features';
  const features = usesFeatures ? options.inputFeatures ?? null : null;
  if (usesFeatures) {
    if (!features) throw new Error(`model config: embedding '${cfg.embedding}' needs the task's input features (Task.inputFeatures)`);
    if (features.table.length !== V * features.width) {
      throw new Error(`model config: the task's feature table has ${features.table.length} numbers, not vocabSize ${V} × width ${features.width}`);
    }
    if (cfg.embedding === 'features' && features.width !== tokenWidth) {
      throw new Error(`model config: the task's features are ${features.width} wide; embedding 'features' needs dModel − rseBits = ${tokenWidth}`);
    }
  }
  const nar = options.nar ?? null;
  if (cfg.nar !== null) {
    if (!nar) throw new Error('model config: a TransNAR model (nar set) needs its frozen NAR (loadNar)');
    if (nar.config.algorithm !== cfg.nar.algorithm || nar.config.hidden !== cfg.nar.hidden) {
      throw new Error(
        `model config: nar expects a ${cfg.nar.algorithm} NAR with hidden ${cfg.nar.hidden}, given a ${nar.config.algorithm} NAR with hidden ${nar.config.hidden}`,
      );
    }
  } else if (nar) throw new Error('model config: a NAR was given to a model without nar');
  const narLayers = new Set(cfg.nar?.layers ?? []);
  const narHidden = cfg.nar?.hidden ?? 0;
  const params: ModelParam[] = [];

  type Init = 'normal' | 'zeros' | 'ones' | 'identity';
  const make = (name: string, kind: ParamKind, shape: number[], init: Init, std = INIT_STD): Variable => {
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
  const fanIn = cfg.init === 'fan-in';
  /** Std of a weight matrix with `rows` inputs; `residual` for projections into the residual stream. */
  const matrixStd = (rows: number, residual: boolean): number =>
    fanIn ? (residual ? 1 / Math.sqrt(rows * layers) : 1 / Math.sqrt(rows)) : residual ? INIT_STD / Math.sqrt(2 * layers) : INIT_STD;

  const tokenTable = features ? null : make('embed.token', 'embedding', [V, tokenWidth], 'normal'); // [V, D − R]
  const featureTable = features ? tf.keep(tf.tensor2d(features.table, [V, features.width])) : null; // [V, F], fixed
  const featureKernel =
    features && cfg.embedding === 'projected-features'
      ? make('embed.features.kernel', 'matrix', [features.width, tokenWidth], 'normal', fanIn ? 1 / Math.sqrt(features.width) : INIT_STD)
      : null; // [F, D − R]
  const positionTable = cfg.position === 'learned' ? make('embed.position', 'embedding', [maxLen, tokenWidth], 'normal') : null; // [maxLen, D − R]
  const seedProjection = cfg.rseProjection ? make('embed.seed.kernel', 'matrix', [rseBits, rseBits], 'identity') : null; // [R, R]
  const seedScale = features ? 1 : SEED_BIT_SCALE;
  const normParams = (name: string): NormParams =>
    cfg.norm === 'layer' ? { gain: make(`${name}.gain`, 'norm-gain', [D], 'ones'), bias: make(`${name}.bias`, 'norm-bias', [D], 'zeros') } : null;
  const blocks: BlockParams[] = [];
  for (let l = 0; l < layers; l++) {
    const p = `blocks.${l}`;
    blocks.push({
      ln1: normParams(`${p}.ln1`),
      qkvKernel: make(`${p}.attn.qkv.kernel`, 'matrix', [D, H * (2 * dk + dv)], 'normal', matrixStd(D, false)),
      qkvBias: make(`${p}.attn.qkv.bias`, 'bias', [H * (2 * dk + dv)], 'zeros'),
      outKernel: make(`${p}.attn.out.kernel`, 'matrix', [H * dv, D], 'normal', matrixStd(H * dv, true)),
      outBias: make(`${p}.attn.out.bias`, 'bias', [D], 'zeros'),
      xattn: narLayers.has(l)
        ? {
            ln: normParams(`${p}.xattn.ln`),
            qKernel: make(`${p}.xattn.q.kernel`, 'matrix', [D, H * dk], 'normal', matrixStd(D, false)),
            qBias: make(`${p}.xattn.q.bias`, 'bias', [H * dk], 'zeros'),
            kvKernel: make(`${p}.xattn.kv.kernel`, 'matrix', [narHidden, H * (dk + dv)], 'normal', matrixStd(narHidden, false)),
            kvBias: make(`${p}.xattn.kv.bias`, 'bias', [H * (dk + dv)], 'zeros'),
            outKernel: make(`${p}.xattn.out.kernel`, 'matrix', [H * dv, D], 'normal', matrixStd(H * dv, true)),
            outBias: make(`${p}.xattn.out.bias`, 'bias', [D], 'zeros'),
            gate: make(`${p}.xattn.gate`, 'bias', [1], 'zeros'),
          }
        : null,
      mlp:
        F > 0
          ? {
              ln2: normParams(`${p}.ln2`),
              fcKernel: make(`${p}.mlp.fc.kernel`, 'matrix', [D, F], 'normal', matrixStd(D, false)),
              fcBias: make(`${p}.mlp.fc.bias`, 'bias', [F], 'zeros'),
              projKernel: make(`${p}.mlp.proj.kernel`, 'matrix', [F, D], 'normal', matrixStd(F, true)),
              projBias: make(`${p}.mlp.proj.bias`, 'bias', [D], 'zeros'),
            }
          : null,
    });
  }
  const lnf = normParams('lnf');
  const normalize = (x: Tensor, n: NormParams): Tensor => (n ? layerNorm(x, n.gain, n.bias) : x);
  const headKernel = make('head.kernel', 'matrix', [D, V], 'normal', matrixStd(D, false)); // [D, V], no weight tying
  let disposed = false;

  interface AttentionContext {
    B: number;
    T: number;
    scale: Tensor; // [T, 1], or [B, 1, T, 1] with one mask per example
    maskBias: Tensor | null; // [T, T] (or [B, 1, T, T]), 0 or −1e9 (softmax)
    maskMul: Tensor | null; // [T, T] (or [B, 1, T, T]), 1 or 0 (linear)
    rope: { cos: Tensor; sin: Tensor } | null; // [T, dk] each, or [B, 1, T, dk] with one row of positions per sequence
  }

  /** q, k [B, H, T, dk] and v [B, H, T, dv] from the fused projection qkv [B*T, H·(2dk + dv)]. */
  const splitHeads = (qkv: Tensor, B: number, T: number): [Tensor, Tensor, Tensor] => {
    if (dk === dv) {
      // Rank-4 transposes only: wasm's rank-5 Transpose is ~100× slower than this one.
      const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, dk]), [0, 2, 1, 3]); // [B, 3H, T, dk]
      return tf.split(heads, 3, 1) as [Tensor, Tensor, Tensor]; // [B, H, T, dk] each
    }
    // The same column layout as above: [q heads | k heads | v heads], head-major within each.
    const [q, k, v] = tf.split(qkv, [H * dk, H * dk, H * dv], 1) as [Tensor, Tensor, Tensor];
    const toHeads = (x: Tensor, d: number): Tensor => tf.transpose(tf.reshape(x, [B, T, H, d]), [0, 2, 1, 3]);
    return [toHeads(q, dk), toHeads(k, dk), toHeads(v, dv)];
  };

  /**
   * Multi-head self-attention on h [B*T, D]: the output [B*T, D], and the probabilities
   * [B, H, T, T] when asked for (linear attention: each key's share of the row's absolute weight).
   * Softmax training with equal key and value sizes takes the fused op (attentionHeads.ts); RoPE,
   * the probabilities, unequal sizes and linear attention take autodiff form.
   */
  const selfAttention = (h: Tensor, p: BlockParams, ctx: AttentionContext, withProbs: boolean, noise: Tensor | null): { out: Tensor; probs: Tensor | null } => {
    const { B, T } = ctx;
    const qkv = dense(h, p.qkvKernel, p.qkvBias); // [B*T, H·(2dk + dv)]
    if (cfg.attention === 'softmax' && dk === dv && !ctx.rope && !withProbs && !noise) {
      return { out: dense(attentionHeads(qkv, { B, T, H, Dh: dk }, ctx.scale, ctx.maskBias), p.outKernel, p.outBias), probs: null };
    }
    const [q0, k0, v] = splitHeads(qkv, B, T);
    let q = q0;
    let k = k0;
    if (ctx.rope) {
      q = applyRope(q, ctx.rope.cos, ctx.rope.sin);
      k = applyRope(k, ctx.rope.cos, ctx.rope.sin);
    }
    let y: Tensor; // [B, H, T, dv]
    let probs: Tensor | null = null;
    if (cfg.attention === 'linear') {
      const lin = linearAttention(q, k, v, ctx.maskMul);
      y = lin.y;
      if (withProbs) probs = linearAttentionShares(lin.weights);
    } else {
      let logits = tf.matMul(tf.mul(q, ctx.scale), k, false, true); // [B, H, T, T]; row i × scale[i] (attentionScale.ts)
      if (noise) logits = tf.add(logits, noise); // the softmax-noise probe: σ·ε [B, H, T, T], after the scaling, before the mask
      if (ctx.maskBias) logits = tf.add(logits, ctx.maskBias);
      const p1 = tf.softmax(logits); // [B, H, T, T]
      y = tf.matMul(p1, v);
      if (withProbs) probs = p1;
    }
    const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, H * dv]); // [B*T, H·dv]
    return { out: dense(merged, p.outKernel, p.outBias), probs };
  };

  /**
   * Cross-attention from h [B*T, D] (queries) to the NAR's node embeddings G [B, N, H_nar] (keys and
   * values), scaled by 1/√dk, no mask: the sub-layer's output [B*T, D] before the gate, and the
   * probabilities [B, H, T, N] when asked for.
   */
  const crossAttention = (h: Tensor, xp: NonNullable<BlockParams['xattn']>, G: Tensor, B: number, T: number, withProbs: boolean): { out: Tensor; probs: Tensor | null } => {
    const N = G.shape[1] as number;
    const q = tf.transpose(tf.reshape(dense(h, xp.qKernel, xp.qBias), [B, T, H, dk]), [0, 2, 1, 3]); // [B, H, T, dk]
    const kv = dense(tf.reshape(G, [B * N, narHidden]), xp.kvKernel, xp.kvBias); // [B*N, H·(dk + dv)]
    const [k0, v0] = tf.split(kv, [H * dk, H * dv], 1) as [Tensor, Tensor];
    const k = tf.transpose(tf.reshape(k0, [B, N, H, dk]), [0, 2, 1, 3]); // [B, H, N, dk]
    const v = tf.transpose(tf.reshape(v0, [B, N, H, dv]), [0, 2, 1, 3]); // [B, H, N, dv]
    const logits = tf.matMul(tf.mul(q, tf.scalar(1 / Math.sqrt(dk))), k, false, true); // [B, H, T, N]
    const p = tf.softmax(logits); // [B, H, T, N]
    const y = tf.matMul(p, v); // [B, H, T, dv]
    const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, H * dv]); // [B*T, H·dv]
    return { out: dense(merged, xp.outKernel, xp.outBias), probs: withProbs ? p : null };
  };

  const mlp = (h: Tensor, m: NonNullable<BlockParams['mlp']>): Tensor => {
    const hidden = gelu(dense(h, m.fcKernel, m.fcBias)); // [B*T, F]
    return dense(hidden, m.projKernel, m.projBias); // [B*T, D]
  };

  /** 0…T−1, or for randomized positions the deterministic evaluation positions of positionEval. */
  const defaultPositions = (T: number): Int32Array => {
    if (!cfg.randomizePositions || cfg.positionEval === 'contiguous') return contiguousPositions(T);
    if (cfg.positionEval === 'spread') return spreadPositions(T, cfg.positionRange);
    throw new Error(
      "forward: this model reads randomized positions (positionEval 'random'); pass them: trainingPositions or evaluationPositions (positionPlan.ts)",
    );
  };

  /** The positions [T] or [B*T] of a forward call, checked against the code's range; null for 'none'. */
  const resolvePositions = (B: number, T: number, given: Int32Array | undefined): Int32Array | null => {
    if (cfg.position === 'none') return null;
    if (given && given.length !== T && given.length !== B * T) {
      throw new Error(`forward: positions must have length T = ${T} (shared by the batch) or B*T = ${B * T} (one row per sequence), got ${given.length}`);
    }
    const positions = given ?? defaultPositions(T);
    const limit = cfg.randomizePositions ? cfg.positionRange : cfg.position === 'learned' ? maxLen : Infinity;
    for (const p of positions) {
      if (p < 0 || p >= limit) throw new Error(`forward: position ${p} is outside [0, ${limit}) for '${cfg.position}' positions`);
    }
    return positions;
  };

  const forward = (input: ForwardInput): ForwardOutput => {
    if (disposed) throw new Error('forward: the model has been disposed');
    const { tokens, seedBits, mask, returnAttention = false, logitNoise } = input;
    if (logitNoise) {
      checkLogitNoise(logitNoise, layers);
      if (cfg.attention !== 'softmax' && logitNoise.sigma > 0) throw new Error('forward: logit noise needs softmax attention (linear attention has no logits)');
    }
    if (tokens.rank !== 2 || tokens.dtype !== 'int32') {
      throw new Error(`forward: tokens must be an int32 [B, T] tensor, got ${tokens.dtype} [${tokens.shape.join(', ')}]`);
    }
    const [B, T] = tokens.shape;
    if (B < 1 || T < 1) throw new Error(`forward: empty batch [${B}, ${T}]`);
    if (T > maxLen) throw new Error(`forward: sequence length ${T} exceeds maxLen ${maxLen}`);
    const ids = tokens.dataSync();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (!(id >= 0 && id < V)) throw new Error(`forward: token id ${id} at flat index ${i} is outside the vocabulary [0, ${V})`);
    }
    if (rseBits > 0) {
      if (!seedBits) throw new Error(`forward: seedBits [B, ${rseBits}] are required when rseBits = ${rseBits}`);
      if (seedBits.rank !== 2 || seedBits.shape[0] !== B || seedBits.shape[1] !== rseBits || seedBits.dtype !== 'float32') {
        throw new Error(`forward: seedBits must be float32 [${B}, ${rseBits}], got ${seedBits.dtype} [${seedBits.shape.join(', ')}]`);
      }
    } else if (seedBits) {
      throw new Error('forward: seedBits were given but the model has rseBits = 0');
    }
    const nodes = input.nodes;
    if (cfg.nar !== null) {
      if (!nodes) throw new Error(`forward: a TransNAR model needs the NAR's node embeddings (nodes [B, N, ${narHidden}])`);
      if (nodes.rank !== 3 || nodes.shape[0] !== B || nodes.shape[2] !== narHidden || nodes.dtype !== 'float32' || nodes.shape[1] < 1) {
        throw new Error(`forward: nodes must be float32 [${B}, N, ${narHidden}], got ${nodes.dtype} [${nodes.shape.join(', ')}]`);
      }
    } else if (nodes) throw new Error('forward: nodes were given but the model has no NAR');
    const positions = resolvePositions(B, T, input.positions); // [T] or [B*T]
    const { allowed, visibleKeys, perExample } = buildBatchAttentionMask(B, T, cfg.causal, mask);
    const scaleValues = attentionScale(cfg.attentionScaling, {
      headDim: dk,
      visibleKeys,
      lognBase: cfg.lognBase,
      trainLength: cfg.trainLength,
    });
    const needsMask = allowed.some((a) => a === 0);

    return tf.tidy(() => {
      const linear = cfg.attention === 'linear';
      const maskValues = new Float32Array(allowed.length);
      if (needsMask) for (let i = 0; i < allowed.length; i++) maskValues[i] = linear ? allowed[i] ? 1 : 0 : allowed[i] ? 0 : MASKED;
      // One mask for the batch: [T, 1] and [T, T]; one per example (Task.exampleMask): [B, 1, T, 1] and [B, 1, T, T].
      const maskShape = perExample ? [B, 1, T, T] : [T, T];
      const ctx: AttentionContext = {
        B,
        T,
        scale: tf.tensor(scaleValues, perExample ? [B, 1, T, 1] : [T, 1]),
        maskBias: needsMask && !linear ? tf.tensor(maskValues, maskShape) : null,
        maskMul: needsMask && linear ? tf.tensor(maskValues, maskShape) : null,
        rope: cfg.position === 'rope' && positions ? ropeCode(positions, B, T, dk) : null,
      };

      // Embedding: the token part (one-hot product with the learned table or the fixed features),
      // plus any absolute position code on those same D − R dims; then the seed bits in the last R.
      const oneHot = oneHotRows(ids, V); // [B*T, V], built on the host from the ids read above
      let x = featureTable ? tf.matMul(oneHot, featureTable) : embedOneHot(oneHot, tokenTable as Variable); // [B*T, D − R] (or F)
      if (featureKernel) x = dense(x, featureKernel); // [B*T, D − R]
      // × √D when a unit-amplitude sinusoidal code is added below, else 1 (ModelConfig.embedScale).
      if (cfg.embedScale !== 1) x = tf.mul(x, tf.scalar(cfg.embedScale)); // [B*T, D − R]
      let posCode: Tensor | null = null; // [T, D − R] shared by the batch, or [B*T, D − R] one row per sequence
      if (positionTable && positions) posCode = embedOneHot(oneHotRows(positions, maxLen), positionTable);
      else if (cfg.position === 'sinusoidal' && positions) posCode = sinusoidalCode(positions, tokenWidth);
      if (posCode) x = positionRows(positions as Int32Array, B, T) === 1 ? addPositionCode(x, posCode, B, T) : residualAdd(x, posCode); // [B*T, D − R]
      if (rseBits > 0 && seedBits) {
        const projected = seedProjection ? tf.matMul(seedBits, seedProjection) : seedBits; // [B, R]
        const scaled = tf.mul(projected, tf.scalar(seedScale)); // [B, R]
        const bits = tf.reshape(tf.tile(tf.reshape(scaled, [B, 1, rseBits]), [1, T, 1]), [B * T, rseBits]); // [B*T, R]
        x = tf.concat([x, bits], 1); // [B*T, D]
      }

      const attention: Tensor4D[] = [];
      const crossAttn: Tensor4D[] = [];
      for (const [l, p] of blocks.entries()) {
        const noise = logitNoise && noisyLayer(logitNoise, l) ? tf.tensor4d(logitNoiseValues(logitNoise, l, B * H * T * T), [B, H, T, T]) : null;
        const a = selfAttention(normalize(x, p.ln1), p, ctx, returnAttention, noise);
        if (returnAttention) attention.push(a.probs as Tensor4D);
        x = residualAdd(x, a.out); // [B*T, D]
        if (p.xattn && nodes) {
          const c = crossAttention(normalize(x, p.xattn.ln), p.xattn, nodes, B, T, returnAttention);
          if (returnAttention) crossAttn.push(c.probs as Tensor4D);
          x = residualAdd(x, tf.mul(c.out, tf.tanh(p.xattn.gate))); // [B*T, D]
        }
        if (p.mlp) x = residualAdd(x, mlp(normalize(x, p.mlp.ln2), p.mlp)); // [B*T, D]
      }
      x = normalize(x, lnf);
      const logits = tf.reshape(dense(x, headKernel), [B, T, V]) as Tensor3D; // [B, T, V]
      return { logits, attention, crossAttention: crossAttn };
    });
  };

  return {
    config: cfg,
    params,
    nar,
    parameterCount: () => params.reduce((n, p) => n + p.variable.size, 0),
    forward,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const p of params) p.variable.dispose();
      featureTable?.dispose();
      nar?.dispose();
    },
  };
}
