/**
 * Which positions a forward call reads its position code at (docs/science.md §5): 0…T−1, or for a
 * model with randomized positions (Ruoss et al. 2023) a sorted random subset of [0, L). Shared by
 * the trainer, the analyses, greedy decoding and any model that reuses these encodings (TransNAR:
 * RoPE at randomized positions with L ≈ 4× the longest test sequence is `position: 'rope',
 * randomizePositions: true`, whose default positionRange is 4 × maxLen).
 *
 * - Training: one draw per forward call, shared across the batch, from the batch's Rng — as the
 *   reference code (one `hk.next_rng_key()` per call).
 * - Evaluation (`positionEval: 'random'`, the default): a draw per example, so an evaluation of k
 *   examples averages over k draws (a draw shared by the batch would rest the whole estimate on
 *   one draw, the same for every run). Each draw is seeded by the example's place in its fixed
 *   evaluation set (size n, index i): every run, every evaluation and every analysis that reads
 *   example i sees the same positions, whatever the batching, and the seeds of one input in the
 *   randomized analysis share them. The expected accuracy is the reference's; only the variance of
 *   its estimate is lower. `spread` and `contiguous` are deterministic and shared by the batch.
 * - Greedy decoding lays out the whole sequence's positions once and reads its prefix at every
 *   step (prefixPositions), so the positions of a token never change while the answer grows.
 */
import type { ModelConfig } from '../../protocol/config';
import type { TaskExample } from '../../core/tasks/task';
import { hashSeed, Rng } from '../../core/random';
import { contiguousPositions, randomPositions, spreadPositions } from './positions';

/** The model fields that decide its positions. */
export type PositionFields = Pick<ModelConfig, 'position' | 'randomizePositions' | 'positionRange' | 'positionEval'>;

/** true when the model reads its code at randomized positions. */
export function randomizesPositions(m: PositionFields): boolean {
  return m.randomizePositions && m.position !== 'none' && m.position !== 'learned';
}

/**
 * Positions of one training forward call of length T: one sorted draw from `rng`, shared by the
 * batch, when randomized; undefined (the model's 0…T−1) otherwise. Draws nothing from `rng` then.
 */
export function trainingPositions(m: PositionFields, rng: Rng, T: number): Int32Array | undefined {
  return randomizesPositions(m) ? randomPositions(rng, T, m.positionRange) : undefined;
}

/** Seed of the evaluation draws of randomized positions. */
export const EVAL_POSITION_SEED = 0x5e1ec7ed;

/** Place of an example in its fixed evaluation set: size n, index i. */
interface EvalPlace {
  n: number;
  index: number;
}
const evalPlaces = new WeakMap<TaskExample, EvalPlace>();

/**
 * Records that `examples` are, in order, the start of the fixed evaluation set of size n (the
 * trainer's evalSet and the analyses' evaluationExamples draw the same stream), so that their
 * random positions are keyed by (n, index). Returns `examples`.
 */
export function markEvaluationSet<E extends readonly TaskExample[]>(examples: E, n: number): E {
  examples.forEach((ex, index) => evalPlaces.set(ex, { n, index }));
  return examples;
}

/** FNV-1a over a token sequence, one id at a time (ids are small integers). */
function tokensHash(tokens: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const t of tokens) h = Math.imul(h ^ t, 0x01000193) >>> 0;
  return h;
}

/**
 * The random evaluation positions of one example laid out in T tokens: a sorted draw from an Rng
 * seeded by (EVAL_POSITION_SEED, T, L, the example's evaluation place), or by its prompt when it is
 * not part of an evaluation set (a probe's own input).
 */
export function exampleDraw(example: TaskExample, T: number, range: number): Int32Array {
  const place = evalPlaces.get(example);
  const key = place ? hashSeed(place.n, place.index) : hashSeed(tokensHash(example.prompt), 0x70726f6d);
  return randomPositions(new Rng(hashSeed(EVAL_POSITION_SEED, T, range, key)), T, range);
}

/**
 * Positions of an evaluation forward call over `examples` laid out in T tokens: undefined (0…T−1)
 * without randomization; with it, per positionEval, one draw per example ([B*T], row-major), or
 * the even spread or 0…T−1 shared by the batch ([T]).
 */
export function evaluationPositions(m: PositionFields, examples: readonly TaskExample[], T: number): Int32Array | undefined {
  if (!randomizesPositions(m)) return undefined;
  switch (m.positionEval) {
    case 'spread':
      return spreadPositions(T, m.positionRange);
    case 'contiguous':
      return contiguousPositions(T);
    case 'random': {
      const out = new Int32Array(examples.length * T);
      examples.forEach((ex, b) => out.set(exampleDraw(ex, T, m.positionRange), b * T));
      return out;
    }
  }
}

/**
 * The first L positions of every sequence, from positions laid out for `fullLength` tokens:
 * shared [fullLength] → [L]; per sequence [B*fullLength] → [B*L]. Greedy decoding reads the
 * prefix of one layout at every step, so a token keeps its position while the answer grows.
 */
export function prefixPositions(positions: Int32Array, B: number, fullLength: number, L: number): Int32Array {
  if (L > fullLength) throw new Error(`prefixPositions: prefix length ${L} exceeds the laid-out length ${fullLength}`);
  if (positions.length === fullLength) return positions.subarray(0, L);
  if (positions.length !== B * fullLength) {
    throw new Error(`prefixPositions: expected ${fullLength} or ${B}×${fullLength} positions, got ${positions.length}`);
  }
  const out = new Int32Array(B * L);
  for (let b = 0; b < B; b++) out.set(positions.subarray(b * fullLength, b * fullLength + L), b * L);
  return out;
}
