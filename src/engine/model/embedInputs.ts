/**
 * The model's input layer: tokens to the residual stream [B*T, D]. The token part (a one-hot product
 * with the learned table, or the task's fixed features, optionally projected) on the first D − R dims,
 * scaled by embedScale, plus any absolute position code on those same dims; then the seed bits in the
 * last R dims, which no position code touches.
 */
import { tf } from '../tf';
import type { Tensor, Variable } from '../tf';
import type { ModelConfig } from '../../protocol/config';
import { addPositionCode, residualAdd } from './attentionHeads';
import { dense, embedOneHot, oneHotRows } from './dense';
import { INIT_STD } from './modelParams';
import type { ModelWeights } from './modelParams';
import { positionRows, sinusoidalCode } from './positions';

/**
 * Seed bits (±1) enter the residual stream scaled to the size of the token inputs: for a learned
 * embedding (N(0, 0.02)) by 0.02 — unscaled, 8 bits of norm √8 ≈ 2.8 swamp a token embedding of norm
 * ≈ 0.15 and the first LayerNorm leaves the tokens almost nothing (measured: 10× smaller gradients at
 * step 0 and no learning); for the task's 0/1 features by 1. The per-dimension LayerNorm gains (or the
 * seed projection) can still learn to amplify the seed.
 */
const SEED_BIT_SCALE = INIT_STD;

/** What one forward call embeds: the token ids [B*T], the positions ([T] or [B*T]; null for 'none') and the seed bits [B, R]. */
export interface EmbedInput {
  B: number;
  T: number;
  ids: ArrayLike<number>;
  positions: Int32Array | null;
  seedBits: Tensor | undefined;
}

/** The position code [T, D − R] shared by the batch, or [B*T, D − R] one row per sequence; null without an absolute code. */
function positionCode(cfg: ModelConfig, w: ModelWeights, positions: Int32Array | null): Tensor | null {
  const tokenWidth = cfg.dModel - cfg.rseBits;
  if (w.positionTable && positions) return embedOneHot(oneHotRows(positions, cfg.maxLen), w.positionTable);
  if (cfg.position === 'sinusoidal' && positions) return sinusoidalCode(positions, tokenWidth);
  return null;
}

/** The seed bits [B, R] (projected when the model has a seed projection) scaled and repeated for every position: [B*T, R]. */
function seedColumns(cfg: ModelConfig, w: ModelWeights, seedBits: Tensor, B: number, T: number): Tensor {
  const { rseBits } = cfg;
  const seedScale = w.featureTable ? 1 : SEED_BIT_SCALE;
  const projected = w.seedProjection ? tf.matMul(seedBits, w.seedProjection) : seedBits; // [B, R]
  const scaled = tf.mul(projected, tf.scalar(seedScale)); // [B, R]
  return tf.reshape(tf.tile(tf.reshape(scaled, [B, 1, rseBits]), [1, T, 1]), [B * T, rseBits]); // [B*T, R]
}

/** The residual stream's input x [B*T, D]. Call inside tf.tidy. */
export function embedInputs(cfg: ModelConfig, w: ModelWeights, input: EmbedInput): Tensor {
  const { B, T, ids, positions, seedBits } = input;
  const oneHot = oneHotRows(ids, cfg.vocabSize); // [B*T, V], built on the host from the ids
  let x = w.featureTable ? tf.matMul(oneHot, w.featureTable) : embedOneHot(oneHot, w.tokenTable as Variable); // [B*T, D − R] (or F)
  if (w.featureKernel) x = dense(x, w.featureKernel); // [B*T, D − R]
  // × √D when a unit-amplitude sinusoidal code is added below, else 1 (ModelConfig.embedScale).
  if (cfg.embedScale !== 1) x = tf.mul(x, tf.scalar(cfg.embedScale)); // [B*T, D − R]
  const posCode = positionCode(cfg, w, positions);
  if (posCode) x = positionRows(positions as Int32Array, B, T) === 1 ? addPositionCode(x, posCode, B, T) : residualAdd(x, posCode); // [B*T, D − R]
  if (cfg.rseBits > 0 && seedBits) x = tf.concat([x, seedColumns(cfg, w, seedBits, B, T)], 1); // [B*T, D]
  return x;
}
