import type { AttentionScaling } from '../../protocol/config';

export interface AttentionScaleOptions {
  /** d_h, the width of one attention head. */
  headDim: number;
  /** n per query row: how many keys that row may attend to (see `buildAttentionMask`). */
  visibleKeys: Int32Array;
  /** b of log_b(n) for `logn`; 512 by default in the configs. */
  lognBase: number;
  /** n_train of `logn-train`: the longest training sequence, in tokens. */
  trainLength: number;
}

/**
 * The attention logit multiplier for each query row: the model computes
 * `softmax(scale[i] · q_i·k_j + mask_ij)` (docs/science.md §1). This is the one place the
 * scaling is decided; add a variant here and in `AttentionScaling`.
 *
 * - `standard`:   scale_i = 1 / √d_h                                  (Vaswani et al.)
 * - `logn`:       scale_i = log_b(n_i) / √d_h                         (Su, entropy-invariant)
 *   The entropy of a row with a fixed scale grows like log n; multiplying the logits by log n
 *   keeps it roughly constant when n grows past the training length. Note log_512(n) < 1 for
 *   n < 512: at n = 16, log_512(16) = 4/9 ≈ 0.444, so this variant is colder than `standard`
 *   inside the usual training lengths.
 * - `logn-train`: scale_i = max(1, ln n_i / ln n_train) / √d_h         (Qwen's "logn attention")
 *   1 × standard within the training length, growing like log n only beyond it.
 *
 * n_i is the number of keys row i can see: i + 1 under a causal mask (0-based i), T in a
 * bidirectional model, and the count of allowed keys when an extra mask restricts the row.
 */
export function attentionScale(kind: AttentionScaling, opts: AttentionScaleOptions): Float32Array {
  const { headDim, visibleKeys, lognBase, trainLength } = opts;
  if (!(Number.isInteger(headDim) && headDim > 0)) throw new Error(`attentionScale: headDim must be a positive integer, got ${headDim}`);
  const base = 1 / Math.sqrt(headDim);
  const out = new Float32Array(visibleKeys.length);
  for (let i = 0; i < visibleKeys.length; i++) {
    const n = visibleKeys[i] as number;
    if (!(n >= 1)) throw new Error(`attentionScale: query row ${i} sees ${n} keys; every row must see at least one`);
  }
  switch (kind) {
    case 'standard':
      out.fill(base);
      return out;
    case 'logn': {
      if (!(lognBase > 1)) throw new Error(`attentionScale: lognBase must be > 1, got ${lognBase}`);
      const lnB = Math.log(lognBase);
      for (let i = 0; i < out.length; i++) out[i] = (Math.log(visibleKeys[i] as number) / lnB) * base;
      return out;
    }
    case 'logn-train': {
      if (!(Number.isInteger(trainLength) && trainLength >= 2)) {
        throw new Error(`attentionScale: trainLength must be an integer ≥ 2 for logn-train, got ${trainLength}`);
      }
      const lnTrain = Math.log(trainLength);
      for (let i = 0; i < out.length; i++) out[i] = Math.max(1, Math.log(visibleKeys[i] as number) / lnTrain) * base;
      return out;
    }
    default: {
      const unknown: never = kind;
      throw new Error(`attentionScale: unknown attention scaling '${String(unknown)}'`);
    }
  }
}
