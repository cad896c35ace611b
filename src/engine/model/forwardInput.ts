/**
 * The input of a model's forward pass and its checks: token ids in the vocabulary, seed bits and NAR
 * node embeddings exactly when the config needs them, positions in the position code's range (with
 * the config's default when none are given).
 */
import type { tf } from '../tf';
import type { ModelConfig } from '../../protocol/config';
import { checkLogitNoise } from './logitNoise';
import type { LogitNoise } from './logitNoise';
import { contiguousPositions, spreadPositions } from './positions';

type Tensor2D = tf.Tensor2D;
type Tensor3D = tf.Tensor3D;

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

/** 0…T−1, or for randomized positions the deterministic evaluation positions of positionEval. */
function defaultPositions(cfg: ModelConfig, T: number): Int32Array {
  if (!cfg.randomizePositions || cfg.positionEval === 'contiguous') return contiguousPositions(T);
  if (cfg.positionEval === 'spread') return spreadPositions(T, cfg.positionRange);
  throw new Error(
    "forward: this model reads randomized positions (positionEval 'random'); pass them: trainingPositions or evaluationPositions (positionPlan.ts)",
  );
}

/** The positions [T] or [B*T] of a forward call, checked against the code's range; null for 'none'. */
export function resolvePositions(cfg: ModelConfig, B: number, T: number, given: Int32Array | undefined): Int32Array | null {
  if (cfg.position === 'none') return null;
  if (given && given.length !== T && given.length !== B * T) {
    throw new Error(`forward: positions must have length T = ${T} (shared by the batch) or B*T = ${B * T} (one row per sequence), got ${given.length}`);
  }
  const positions = given ?? defaultPositions(cfg, T);
  const limit = cfg.randomizePositions ? cfg.positionRange : cfg.position === 'learned' ? cfg.maxLen : Infinity;
  for (const p of positions) {
    if (p < 0 || p >= limit) throw new Error(`forward: position ${p} is outside [0, ${limit}) for '${cfg.position}' positions`);
  }
  return positions;
}

function checkSeedBits(cfg: ModelConfig, B: number, seedBits: Tensor2D | undefined): void {
  const { rseBits } = cfg;
  if (rseBits > 0) {
    if (!seedBits) throw new Error(`forward: seedBits [B, ${rseBits}] are required when rseBits = ${rseBits}`);
    if (seedBits.rank !== 2 || seedBits.shape[0] !== B || seedBits.shape[1] !== rseBits || seedBits.dtype !== 'float32') {
      throw new Error(`forward: seedBits must be float32 [${B}, ${rseBits}], got ${seedBits.dtype} [${seedBits.shape.join(', ')}]`);
    }
  } else if (seedBits) {
    throw new Error('forward: seedBits were given but the model has rseBits = 0');
  }
}

function checkNodes(cfg: ModelConfig, B: number, nodes: Tensor3D | undefined): void {
  const narHidden = cfg.nar?.hidden ?? 0;
  if (cfg.nar !== null) {
    if (!nodes) throw new Error(`forward: a TransNAR model needs the NAR's node embeddings (nodes [B, N, ${narHidden}])`);
    if (nodes.rank !== 3 || nodes.shape[0] !== B || nodes.shape[2] !== narHidden || nodes.dtype !== 'float32' || nodes.shape[1] < 1) {
      throw new Error(`forward: nodes must be float32 [${B}, N, ${narHidden}], got ${nodes.dtype} [${nodes.shape.join(', ')}]`);
    }
  } else if (nodes) throw new Error('forward: nodes were given but the model has no NAR');
}

/**
 * Checks a forward call's input against the model's config (all but the positions and the mask:
 * resolvePositions, attentionContext.ts); returns the batch size, the length and the token ids read
 * from `tokens` (row-major [B*T]).
 */
export function checkForwardInput(cfg: ModelConfig, input: ForwardInput): { B: number; T: number; ids: ArrayLike<number> } {
  const { tokens, seedBits, logitNoise } = input;
  if (logitNoise) {
    checkLogitNoise(logitNoise, cfg.layers);
    if (cfg.attention !== 'softmax' && logitNoise.sigma > 0) throw new Error('forward: logit noise needs softmax attention (linear attention has no logits)');
  }
  if (tokens.rank !== 2 || tokens.dtype !== 'int32') {
    throw new Error(`forward: tokens must be an int32 [B, T] tensor, got ${tokens.dtype} [${tokens.shape.join(', ')}]`);
  }
  const [B, T] = tokens.shape;
  if (B < 1 || T < 1) throw new Error(`forward: empty batch [${B}, ${T}]`);
  if (T > cfg.maxLen) throw new Error(`forward: sequence length ${T} exceeds maxLen ${cfg.maxLen}`);
  const ids = tokens.dataSync();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!(id >= 0 && id < cfg.vocabSize)) throw new Error(`forward: token id ${id} at flat index ${i} is outside the vocabulary [0, ${cfg.vocabSize})`);
  }
  checkSeedBits(cfg, B, seedBits);
  checkNodes(cfg, B, input.nodes);
  return { B, T, ids };
}
