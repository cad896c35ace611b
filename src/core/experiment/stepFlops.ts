/**
 * Floating-point operations of the matrix products in one training step of a run, from its
 * config alone (no TensorFlow.js): the runner uses it to decide whether a run's steps are large
 * enough for more than one TensorFlow thread (src/engine/nativeBackend.ts).
 *
 * Forward, per token and layer: the q/k/v projection 2·d·H·(2k + v), the output projection
 * 2·H·v·d, the MLP 4·d·d_ff, attention's QKᵀ and PV over T positions 2·T·H·(k + v); the head
 * 2·d·V per token. A training step is ~3 × the forward (the backward pass has two products per
 * forward product), for batchSize · accumulate sequences of the model's longest length (an upper
 * bound: tasks train on up to maxLen tokens). Embeddings, norms, softmax, the optimizer and a
 * TransNAR's NAR are left out (a few per cent at these sizes). For the reference model (2 layers,
 * d 64, 4 heads, d_ff 256, vocab 32, batch 32) this is 667 MFLOP at T = 32 and 3,272 at T = 128,
 * the counts bench:peers reports.
 */
import type { ModelConfig, TrainConfig } from '../../protocol/config';

export function stepFlops(config: { model: ModelConfig; train: Pick<TrainConfig, 'batchSize' | 'accumulate'> }): number {
  const { layers, dModel: d, heads: h, keySize: k, valueSize: v, dFf, vocabSize, maxLen: T } = config.model;
  const perLayer = 2 * d * h * (2 * k + v) + 2 * h * v * d + 4 * d * dFf + 2 * T * h * (k + v);
  const perToken = layers * perLayer + 2 * d * vocabSize;
  return 3 * perToken * T * config.train.batchSize * Math.max(1, config.train.accumulate);
}
