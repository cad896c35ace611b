import { tf } from '../tf';
import type { Tensor } from '../tf';

/**
 * Cross-entropy per example over the target positions only.
 * logits [B, T, V]; targets [B*T] with −1 where there is no loss.
 * Returns per-example mean loss [B] and, for accuracy, the argmax predictions [B, T].
 */
export function maskedCrossEntropy(logits: Tensor, targets: Int32Array): { perExample: Tensor; predictions: Tensor } {
  const [B, T, V] = logits.shape as [number, number, number];
  const safeTargets = new Int32Array(targets.length);
  const mask = new Float32Array(targets.length);
  const counts = new Float32Array(B);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as number;
    if (t >= 0) {
      safeTargets[i] = t;
      mask[i] = 1;
      const b = Math.floor(i / T);
      counts[b] = (counts[b] as number) + 1;
    }
  }
  for (let b = 0; b < B; b++) if (counts[b] === 0) counts[b] = 1; // examples without targets weigh 0
  return tf.tidy(() => {
    const flat = tf.reshape(logits, [B * T, V]); // [B*T, V]
    const logp = tf.logSoftmax(flat); // [B*T, V]
    const onehot = tf.oneHot(tf.tensor1d(safeTargets, 'int32'), V); // [B*T, V]
    const nll = tf.neg(tf.sum(tf.mul(logp, onehot), 1)); // [B*T]
    const masked = tf.mul(nll, tf.tensor1d(mask)); // [B*T]
    const perExample = tf.div(tf.sum(tf.reshape(masked, [B, T]), 1), tf.tensor1d(counts)); // [B]
    const predictions = tf.reshape(tf.argMax(flat, 1), [B, T]); // [B, T]
    return { perExample, predictions };
  });
}

/**
 * The q-norm objective of science.md §4 over n inputs × m seeds:
 *   L̂_q = ( (1/n) Σ_i [ (1/m) Σ_j L(x_i, r_j) ]^q )^(1/q)
 * `perExample` is laid out input-major: index i·m + j is input i under seed j.
 * q = 1 is the ordinary mean (ERM); large q approaches the worst input's loss.
 */
export function qNormLoss(perExample: Tensor, inputs: number, seeds: number, q: number): Tensor {
  if (!(q >= 1)) throw new RangeError(`q must be ≥ 1, got ${q}`);
  return tf.tidy(() => {
    const perInput = tf.mean(tf.reshape(perExample, [inputs, seeds]), 1); // [n]
    if (q === 1) return tf.mean(perInput);
    // Scale by the largest loss so large q does not overflow float32: (mean (x/c)^q)^(1/q) · c
    // equals the objective for any c > 0, so its derivative in c is 0 and the gradient is unchanged.
    const c = tf.maximum(tf.max(perInput), tf.scalar(1e-12));
    const scaled = tf.div(perInput, c);
    return tf.mul(tf.pow(tf.mean(tf.pow(scaled, tf.scalar(q))), tf.scalar(1 / q)), c);
  });
}

/** Plain-number q-norm, for tests and reports. */
export function qNormValue(perInputLoss: readonly number[], q: number): number {
  const n = perInputLoss.length;
  if (n === 0) return NaN;
  const s = perInputLoss.reduce((acc, x) => acc + Math.pow(x, q), 0) / n;
  return Math.pow(s, 1 / q);
}
