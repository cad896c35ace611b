/**
 * A small GPT-style Transformer on tfjs-core, written for reading (after karpathy/nanoGPT's
 * model.py) and for speed on the wasm backend (tfjs-notes.md): dense layers with a custom
 * gradient on 2-D activations [B*T, D], embeddings as one-hot products, GELU with x·x·x.
 *
 *   tokens [B, T] → one-hot · embed.token · embedScale [B*T, D − rseBits] (‖ seed bits [B*T, rseBits])
 *                 (+ position code [T, D] or [B*T, D] for learned / sinusoidal)
 *   L × block:  x = x + attn(LN1(x));  x = x + mlp(LN2(x))        (pre-LayerNorm)
 *   logits = LN_f(x) · head.kernel                                 [B, T, V]
 *
 * The loss is the trainer's business: `forward` only builds logits (and optionally the
 * attention probabilities) and is safe inside tf.tidy / tf.variableGrads.
 */
import { tf } from '../tf';
import type { Tensor, Variable } from '../tf';
import { hashSeed, Rng } from '../random';
import { ATTENTION_SCALINGS, POSITION_ENCODINGS, POSITION_EVALS, RANDOMIZABLE_POSITIONS } from '../../protocol/config';
import type { ModelConfig } from '../../protocol/config';
import type { ModelParam, ParamKind } from './params';
import { addPositionCode, attentionHeads, residualAdd } from './attentionHeads';
import { attentionScale } from './attentionScale';
import { buildAttentionMask } from './attentionMask';
import { dense, embedOneHot, oneHotRows } from './dense';
import { gelu } from './gelu';
import { layerNorm } from './layerNorm';
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
  /** Extra allowed-mask [T*T] (allowed[q*T+k] = 1), combined with the causal one. */
  mask?: Uint8Array | null;
  /** Also return every layer's attention probabilities. */
  returnAttention?: boolean;
}

/** A type alias, not an interface, so that it is a tf.TensorContainer: `tf.tidy(() => model.forward(…))` type-checks. */
export type ForwardOutput = {
  /** [B, T, V] */
  logits: Tensor3D;
  /** Per layer [B, H, T, T] probabilities; [] unless returnAttention. */
  attention: Tensor4D[];
};

export interface Model {
  readonly config: ModelConfig;
  readonly params: readonly ModelParam[];
  parameterCount(): number;
  forward(input: ForwardInput): ForwardOutput;
  dispose(): void;
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
  posInt('dFf');
  posInt('vocabSize');
  posInt('maxLen');
  posInt('rseBits', 0);
  if (c.dModel % c.heads !== 0) throw new Error(`model config: heads (${c.heads}) must divide dModel (${c.dModel})`);
  if (!POSITION_ENCODINGS.includes(c.position)) throw new Error(`model config: unknown position encoding '${String(c.position)}'`);
  if (!ATTENTION_SCALINGS.includes(c.attentionScaling)) {
    throw new Error(`model config: unknown attention scaling '${String(c.attentionScaling)}'`);
  }
  if (c.position === 'rope' && (c.dModel / c.heads) % 2 !== 0) {
    throw new Error(`model config: RoPE needs an even head dimension, got dModel/heads = ${c.dModel / c.heads}`);
  }
  if (c.rseBits >= c.dModel) {
    throw new Error(`model config: rseBits (${c.rseBits}) must be smaller than dModel (${c.dModel}); the token embedding gets dModel − rseBits dims`);
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

interface BlockParams {
  ln1Gain: Variable; // [D]
  ln1Bias: Variable; // [D]
  qkvKernel: Variable; // [D, 3D]
  qkvBias: Variable; // [3D]
  outKernel: Variable; // [D, D]
  outBias: Variable; // [D]
  ln2Gain: Variable; // [D]
  ln2Bias: Variable; // [D]
  fcKernel: Variable; // [D, F]
  fcBias: Variable; // [F]
  projKernel: Variable; // [F, D]
  projBias: Variable; // [D]
}

const INIT_STD = 0.02;
/**
 * Seed bits (±1) enter the residual stream scaled to the size of the initial token embeddings
 * (N(0, 0.02)): unscaled, 8 bits of norm √8 ≈ 2.8 swamp a token embedding of norm ≈ 0.15 and the
 * first LayerNorm leaves the tokens almost nothing (measured: 10× smaller gradients at step 0 and
 * no learning). The per-dimension LayerNorm gains can still learn to amplify the seed.
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
 * random ops): N(0, 0.02) for matrices and embeddings, residual projections (attn.out, mlp.proj)
 * scaled by 1/√(2·layers) as in GPT-2, zero biases and LayerNorm offsets, unit LayerNorm gains.
 */
export function createModel(config: ModelConfig, seed: number): Model {
  validateModelConfig(config);
  const cfg: ModelConfig = { ...config };
  const { layers, dModel: D, heads: H, dFf: F, vocabSize: V, maxLen, rseBits } = cfg;
  const Dh = D / H;
  const params: ModelParam[] = [];

  const make = (name: string, kind: ParamKind, shape: number[], init: 'normal' | 'zeros' | 'ones', std = INIT_STD): Variable => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init === 'ones') values.fill(1);
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

  const tokenTable = make('embed.token', 'embedding', [V, D - rseBits], 'normal'); // [V, D − R]
  const positionTable = cfg.position === 'learned' ? make('embed.position', 'embedding', [maxLen, D], 'normal') : null; // [maxLen, D]
  const residualStd = INIT_STD / Math.sqrt(2 * layers);
  const blocks: BlockParams[] = [];
  for (let l = 0; l < layers; l++) {
    const p = `blocks.${l}`;
    blocks.push({
      ln1Gain: make(`${p}.ln1.gain`, 'norm-gain', [D], 'ones'),
      ln1Bias: make(`${p}.ln1.bias`, 'norm-bias', [D], 'zeros'),
      qkvKernel: make(`${p}.attn.qkv.kernel`, 'matrix', [D, 3 * D], 'normal'),
      qkvBias: make(`${p}.attn.qkv.bias`, 'bias', [3 * D], 'zeros'),
      outKernel: make(`${p}.attn.out.kernel`, 'matrix', [D, D], 'normal', residualStd),
      outBias: make(`${p}.attn.out.bias`, 'bias', [D], 'zeros'),
      ln2Gain: make(`${p}.ln2.gain`, 'norm-gain', [D], 'ones'),
      ln2Bias: make(`${p}.ln2.bias`, 'norm-bias', [D], 'zeros'),
      fcKernel: make(`${p}.mlp.fc.kernel`, 'matrix', [D, F], 'normal'),
      fcBias: make(`${p}.mlp.fc.bias`, 'bias', [F], 'zeros'),
      projKernel: make(`${p}.mlp.proj.kernel`, 'matrix', [F, D], 'normal', residualStd),
      projBias: make(`${p}.mlp.proj.bias`, 'bias', [D], 'zeros'),
    });
  }
  const lnfGain = make('lnf.gain', 'norm-gain', [D], 'ones');
  const lnfBias = make('lnf.bias', 'norm-bias', [D], 'zeros');
  const headKernel = make('head.kernel', 'matrix', [D, V], 'normal'); // [D, V], no weight tying
  let disposed = false;

  interface AttentionContext {
    B: number;
    T: number;
    scale: Tensor; // [T, 1]
    maskBias: Tensor | null; // [T, T], 0 or −1e9
    rope: { cos: Tensor; sin: Tensor } | null; // [T, Dh] each, or [B, 1, T, Dh] with one row of positions per sequence
  }

  /**
   * Multi-head self-attention on h [B*T, D]: the output [B*T, D], and the probabilities
   * [B, H, T, T] when asked for. Training takes the fused op (attentionHeads.ts); RoPE and the
   * probabilities take the same computation in autodiff form.
   */
  const selfAttention = (h: Tensor, p: BlockParams, ctx: AttentionContext, withProbs: boolean): { out: Tensor; probs: Tensor | null } => {
    const { B, T } = ctx;
    const qkv = dense(h, p.qkvKernel, p.qkvBias); // [B*T, 3D]
    if (!ctx.rope && !withProbs) {
      return { out: dense(attentionHeads(qkv, { B, T, H, Dh }, ctx.scale, ctx.maskBias), p.outKernel, p.outBias), probs: null };
    }
    // Rank-4 transposes only: wasm's rank-5 Transpose is ~100× slower than this one.
    const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, Dh]), [0, 2, 1, 3]); // [B, 3H, T, Dh]
    const [q0, k0, v] = tf.split(heads, 3, 1) as [Tensor, Tensor, Tensor]; // [B, H, T, Dh] each
    let q = q0;
    let k = k0;
    if (ctx.rope) {
      q = applyRope(q, ctx.rope.cos, ctx.rope.sin);
      k = applyRope(k, ctx.rope.cos, ctx.rope.sin);
    }
    let logits = tf.matMul(tf.mul(q, ctx.scale), k, false, true); // [B, H, T, T]; row i × scale[i] (attentionScale.ts)
    if (ctx.maskBias) logits = tf.add(logits, ctx.maskBias);
    const probs = tf.softmax(logits); // [B, H, T, T]
    const y = tf.matMul(probs, v); // [B, H, T, Dh]
    const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, D]); // [B*T, D]
    return { out: dense(merged, p.outKernel, p.outBias), probs };
  };

  const mlp = (h: Tensor, p: BlockParams): Tensor => {
    const hidden = gelu(dense(h, p.fcKernel, p.fcBias)); // [B*T, F]
    return dense(hidden, p.projKernel, p.projBias); // [B*T, D]
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
    const { tokens, seedBits, mask, returnAttention = false } = input;
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
    const positions = resolvePositions(B, T, input.positions); // [T] or [B*T]
    const { allowed, visibleKeys } = buildAttentionMask(T, cfg.causal, mask);
    const scaleValues = attentionScale(cfg.attentionScaling, {
      headDim: Dh,
      visibleKeys,
      lognBase: cfg.lognBase,
      trainLength: cfg.trainLength,
    });
    const needsMask = allowed.some((a) => a === 0);

    return tf.tidy(() => {
      const maskValues = new Float32Array(T * T);
      if (needsMask) for (let i = 0; i < allowed.length; i++) maskValues[i] = allowed[i] ? 0 : MASKED;
      const ctx: AttentionContext = {
        B,
        T,
        scale: tf.tensor2d(scaleValues, [T, 1]),
        maskBias: needsMask ? tf.tensor2d(maskValues, [T, T]) : null,
        rope: cfg.position === 'rope' && positions ? ropeCode(positions, B, T, Dh) : null,
      };

      // Embedding: one-hot product, then the seed bits fill the last rseBits dims.
      const oneHot = oneHotRows(ids, V); // [B*T, V], built on the host from the ids read above
      let x = embedOneHot(oneHot, tokenTable); // [B*T, D − R]
      // × √D when a unit-amplitude sinusoidal code is added below, else 1 (ModelConfig.embedScale).
      if (cfg.embedScale !== 1) x = tf.mul(x, tf.scalar(cfg.embedScale)); // [B*T, D − R]
      if (rseBits > 0 && seedBits) {
        const scaled = tf.mul(seedBits, tf.scalar(SEED_BIT_SCALE)); // [B, R]
        const bits = tf.reshape(tf.tile(tf.reshape(scaled, [B, 1, rseBits]), [1, T, 1]), [B * T, rseBits]); // [B*T, R]
        x = tf.concat([x, bits], 1); // [B*T, D]
      }
      // Absolute positions are added to all D dims (bits included), like any position code.
      let posCode: Tensor | null = null; // [T, D] shared by the batch, or [B*T, D] one row per sequence
      if (positionTable && positions) posCode = embedOneHot(oneHotRows(positions, maxLen), positionTable);
      else if (cfg.position === 'sinusoidal' && positions) posCode = sinusoidalCode(positions, D);
      if (posCode) x = positionRows(positions as Int32Array, B, T) === 1 ? addPositionCode(x, posCode, B, T) : residualAdd(x, posCode); // [B*T, D]

      const attention: Tensor4D[] = [];
      for (const p of blocks) {
        const a = selfAttention(layerNorm(x, p.ln1Gain, p.ln1Bias), p, ctx, returnAttention);
        if (returnAttention) attention.push(a.probs as Tensor4D);
        x = residualAdd(x, a.out); // [B*T, D]
        x = residualAdd(x, mlp(layerNorm(x, p.ln2Gain, p.ln2Bias), p)); // [B*T, D]
      }
      x = layerNorm(x, lnfGain, lnfBias);
      const logits = tf.reshape(dense(x, headKernel), [B, T, V]) as Tensor3D; // [B, T, V]
      return { logits, attention };
    });
  };

  return {
    config: cfg,
    params,
    parameterCount: () => params.reduce((n, p) => n + p.variable.size, 0),
    forward,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const p of params) p.variable.dispose();
    },
  };
}
