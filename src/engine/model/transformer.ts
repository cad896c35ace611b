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
 *
 * The pieces: the config's defaults and checks modelConfig.ts, the parameters and their
 * initialisation modelParams.ts, the forward call's input and its checks forwardInput.ts, the
 * input layer embedInputs.ts, the mask/scale/RoPE shared by the layers attentionContext.ts, the
 * sub-layers selfAttention.ts and crossAttention.ts (MLP and the block's residual sum here).
 */
import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { Rng } from '../../core/random';
import type { ModelConfig } from '../../protocol/config';
import type { ModelParam } from './params';
import type { Nar } from '../nar/narModel';
import { residualAdd } from './attentionHeads';
import { attentionContext, planAttention } from './attentionContext';
import type { AttentionContext, HeadSizes } from './attentionContext';
import { crossAttention } from './crossAttention';
import { dense } from './dense';
import { embedInputs } from './embedInputs';
import { checkForwardInput, resolvePositions } from './forwardInput';
import type { ForwardInput } from './forwardInput';
import { gelu } from './gelu';
import { layerNorm } from './layerNorm';
import { logitNoiseValues, noisyLayer } from './logitNoise';
import type { LogitNoise } from './logitNoise';
import { completeModelConfig, validateModelConfig } from './modelConfig';
import { createModelWeights } from './modelParams';
import type { BlockParams, InputFeatures, MlpParams, ModelWeights, NormParams } from './modelParams';
import { selfAttention } from './selfAttention';

export { randomPositions, spreadPositions } from './positions';
export { completeModelConfig, validateModelConfig } from './modelConfig';
export type { ForwardInput } from './forwardInput';
export type { InputFeatures } from './modelParams';

export type Tensor2D = tf.Tensor2D;
export type Tensor3D = tf.Tensor3D;
export type Tensor4D = tf.Tensor4D;

/** A type alias, not an interface, so that it is a tf.TensorContainer: `tf.tidy(() => model.forward(…))` type-checks. */
export type ForwardOutput = {
  /** [B, T, V] */
  logits: Tensor3D;
  /** Per layer [B, H, T, T] probabilities; [] unless returnAttention. */
  attention: Tensor4D[];
  /** Per cross-attention block (config.nar.layers in ascending order) [B, H, T, N] probabilities over the NAR's nodes; [] unless returnAttention. */
  crossAttention: Tensor4D[];
};

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

/** RSE bits for a batch: float32 [B, bits] of ±1 drawn from the Rng (row-major). */
export function randomSeedBits(rng: Rng, batch: number, bits: number): Float32Array {
  const out = new Float32Array(batch * bits);
  for (let i = 0; i < out.length; i++) out[i] = rng.next() < 0.5 ? -1 : 1;
  return out;
}

/** The task's feature table when the config embeds tokens by their features (checked against the config), else null. */
function modelFeatures(cfg: ModelConfig, given: InputFeatures | null | undefined): InputFeatures | null {
  if (cfg.embedding !== 'features' && cfg.embedding !== 'projected-features') return null;
  const features = given ?? null;
  const tokenWidth = cfg.dModel - cfg.rseBits; // dims of the token part (and of any position code)
  if (!features) throw new Error(`model config: embedding '${cfg.embedding}' needs the task's input features (Task.inputFeatures)`);
  if (features.table.length !== cfg.vocabSize * features.width) {
    throw new Error(`model config: the task's feature table has ${features.table.length} numbers, not vocabSize ${cfg.vocabSize} × width ${features.width}`);
  }
  if (cfg.embedding === 'features' && features.width !== tokenWidth) {
    throw new Error(`model config: the task's features are ${features.width} wide; embedding 'features' needs dModel − rseBits = ${tokenWidth}`);
  }
  return features;
}

/** The frozen NAR of a TransNAR config (checked against the config's link), else null. */
function modelNar(cfg: ModelConfig, given: Nar | null | undefined): Nar | null {
  const nar = given ?? null;
  if (cfg.nar !== null) {
    if (!nar) throw new Error('model config: a TransNAR model (nar set) needs its frozen NAR (loadNar)');
    if (nar.config.algorithm !== cfg.nar.algorithm || nar.config.hidden !== cfg.nar.hidden) {
      throw new Error(
        `model config: nar expects a ${cfg.nar.algorithm} NAR with hidden ${cfg.nar.hidden}, given a ${nar.config.algorithm} NAR with hidden ${nar.config.hidden}`,
      );
    }
  } else if (nar) throw new Error('model config: a NAR was given to a model without nar');
  return nar;
}

const normalize = (x: Tensor, n: NormParams): Tensor => (n ? layerNorm(x, n.gain, n.bias) : x);

const mlp = (h: Tensor, m: MlpParams): Tensor => {
  const hidden = gelu(dense(h, m.fcKernel, m.fcBias)); // [B*T, F]
  return dense(hidden, m.projKernel, m.projBias); // [B*T, D]
};

/** What one block reads besides the residual stream: the shared attention context and the call's options. */
interface BlockInput {
  ctx: AttentionContext;
  nodes: Tensor | undefined;
  returnAttention: boolean;
  logitNoise: LogitNoise | undefined;
}

/**
 * Block l on the residual stream x [B*T, D]: x + attn(LN1(x)), then x + tanh(α)·xattn(LNx(x), G) in a
 * TransNAR block, then x + mlp(LN2(x)). Pushes the probabilities when the call asks for them.
 */
function block(
  cfg: ModelConfig,
  sizes: HeadSizes,
  l: number,
  p: BlockParams,
  x0: Tensor,
  input: BlockInput,
  out: { attention: Tensor4D[]; crossAttention: Tensor4D[] },
): Tensor {
  const { ctx, nodes, returnAttention, logitNoise } = input;
  const { B, T } = ctx;
  const { H } = sizes;
  let x = x0;
  const noise = logitNoise && noisyLayer(logitNoise, l) ? tf.tensor4d(logitNoiseValues(logitNoise, l, B * H * T * T), [B, H, T, T]) : null;
  const a = selfAttention(normalize(x, p.ln1), p, cfg.attention, sizes, ctx, returnAttention, noise);
  if (returnAttention) out.attention.push(a.probs as Tensor4D);
  x = residualAdd(x, a.out); // [B*T, D]
  if (p.xattn && nodes) {
    const c = crossAttention(normalize(x, p.xattn.ln), p.xattn, nodes, sizes, B, T, returnAttention);
    if (returnAttention) out.crossAttention.push(c.probs as Tensor4D);
    x = residualAdd(x, tf.mul(c.out, tf.tanh(p.xattn.gate))); // [B*T, D]
  }
  if (p.mlp) x = residualAdd(x, mlp(normalize(x, p.mlp.ln2), p.mlp)); // [B*T, D]
  return x;
}

/** The forward pass of a model with these weights (see ForwardInput). */
function forwardPass(cfg: ModelConfig, w: ModelWeights, input: ForwardInput): ForwardOutput {
  const { B, T, ids } = checkForwardInput(cfg, input);
  const positions = resolvePositions(cfg, B, T, input.positions); // [T] or [B*T]
  const plan = planAttention(cfg, B, T, input.mask);
  const sizes: HeadSizes = { H: cfg.heads, dk: cfg.keySize, dv: cfg.valueSize };
  const { returnAttention = false, logitNoise, nodes } = input;
  return tf.tidy(() => {
    const ctx = attentionContext(cfg, plan, positions);
    let x = embedInputs(cfg, w, { B, T, ids, positions, seedBits: input.seedBits }); // [B*T, D]
    const out = { attention: [] as Tensor4D[], crossAttention: [] as Tensor4D[] };
    for (const [l, p] of w.blocks.entries()) x = block(cfg, sizes, l, p, x, { ctx, nodes, returnAttention, logitNoise }, out);
    x = normalize(x, w.lnf);
    const logits = tf.reshape(dense(x, w.headKernel), [B, T, cfg.vocabSize]) as Tensor3D; // [B, T, V]
    return { logits, attention: out.attention, crossAttention: out.crossAttention };
  });
}

/**
 * Builds a model with deterministic initialisation from `seed` (modelParams.ts: the init schemes
 * 'gpt2' and 'fan-in').
 */
export function createModel(config: ModelConfig, seed: number, options: CreateModelOptions = {}): Model {
  const cfg: ModelConfig = completeModelConfig(config);
  validateModelConfig(cfg);
  const features = modelFeatures(cfg, options.inputFeatures);
  const nar = modelNar(cfg, options.nar);
  const weights = createModelWeights(cfg, seed, features);
  const { params } = weights;
  let disposed = false;
  return {
    config: cfg,
    params,
    nar,
    parameterCount: () => params.reduce((n, p) => n + p.variable.size, 0),
    forward: (input: ForwardInput): ForwardOutput => {
      if (disposed) throw new Error('forward: the model has been disposed');
      return forwardPass(cfg, weights, input);
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const p of params) p.variable.dispose();
      weights.featureTable?.dispose();
      nar?.dispose();
    },
  };
}
