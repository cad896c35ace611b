import { fastOps } from '../fastOps';
import { tf } from '../tf';
import type { Tensor } from '../tf';

/**
 * Cross-entropy per example over the target positions only.
 * logits [B, T, V]; targets [B*T] with −1 where there is no loss.
 * Returns per-example mean loss [B] and, for accuracy, the argmax predictions [B, T].
 *
 * One custom-gradient op with the weights built on the host: w_i = 1/(targets in row i's
 * example) at a target position, 0 elsewhere, and W[i, v] = −w_i·[v = target_i]. Then
 *   loss_b = Σ_{t,v} W[b,t,v] · log softmax(logits)[b,t,v]
 *   ∂loss_b/∂logits[b,t,:] = w_{b,t} · softmax(logits[b,t,:]) + W[b,t,:]
 * 8 kernels forward and 5 backward, where autodiff of the one-hot/mask/mean formulation takes
 * about 30 (each ~20 µs on tfjs-node, docs/benchmarks.md).
 */
export function maskedCrossEntropy(logits: Tensor, targets: Int32Array): { perExample: Tensor; predictions: Tensor } {
  if (logits.rank !== 3) throw new Error(`maskedCrossEntropy: logits must be [B, T, V], got [${logits.shape.join(', ')}]`);
  const [B, T, V] = logits.shape as [number, number, number];
  if (targets.length !== B * T) throw new Error(`maskedCrossEntropy: expected ${B * T} targets (B×T), got ${targets.length}`);
  const counts = new Float64Array(B);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as number;
    if (t >= V) throw new Error(`maskedCrossEntropy: target ${t} at index ${i} is outside the vocabulary [0, ${V})`);
    if (t >= 0) {
      const b = Math.floor(i / T);
      counts[b] = (counts[b] as number) + 1;
    }
  }
  const picked = new Float32Array(B * T * V); // W, examples without targets weigh 0
  const rowWeight = new Float32Array(B * T); // w
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as number;
    if (t < 0) continue;
    const w = 1 / (counts[Math.floor(i / T)] as number);
    rowWeight[i] = w;
    picked[i * V + t] = -w;
  }
  return tf.tidy(() => {
    const pickedT = tf.tensor3d(picked, [B, T, V]);
    const rowT = tf.tensor3d(rowWeight, [B, T, 1]);
    const op = tf.customGrad((...args: unknown[]) => {
      const [x, save] = args as [Tensor, (t: Tensor[]) => void];
      const o = fastOps();
      const shifted = o.sub(x, o.max(x, -1, true)); // [B, T, V]
      const logp = o.sub(shifted, o.log(o.sum(o.exp(shifted), -1, true))); // log softmax
      save([logp, pickedT, rowT]);
      const value = o.sum(o.mul(logp, pickedT), [1, 2]); // [B]
      const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
        const [sLogp, sPicked, sRow] = saved as [Tensor, Tensor, Tensor];
        const perPosition = o.add(o.mul(o.exp(sLogp), sRow), sPicked); // [B, T, V]
        return [o.mul(perPosition, o.reshape(dy, [B, 1, 1]))];
      };
      return { value, gradFunc };
    });
    const perExample = op(logits); // [B]
    const predictions = tf.argMax(logits, 2); // [B, T]
    return { perExample, predictions };
  });
}

/**
 * The q-norm objective of docs/science.md §4 over n inputs × m seeds:
 *   L̂_q = ( (1/n) Σ_i [ (1/m) Σ_j L(x_i, r_j) ]^q )^(1/q)
 * `perExample` is laid out input-major: index i·m + j is input i under seed j.
 * q = 1 is the ordinary mean (ERM); large q approaches the worst input's loss.
 */
export function qNormLoss(perExample: Tensor, inputs: number, seeds: number, q: number): Tensor {
  if (!(q >= 1)) throw new RangeError(`q must be ≥ 1, got ${q}`);
  return tf.tidy(() => {
    const perInput = seeds === 1 ? perExample : tf.mean(tf.reshape(perExample, [inputs, seeds]), 1); // [n]
    if (q === 1) return tf.mean(perInput);
    // Scale by the largest loss so large q does not overflow float32: (mean (x/c)^q)^(1/q) · c
    // equals the objective for any c > 0, so its derivative in c is 0 and the gradient is unchanged.
    const c = tf.maximum(tf.max(perInput), tf.scalar(1e-12));
    const scaled = tf.div(perInput, c);
    return tf.mul(tf.pow(tf.mean(tf.pow(scaled, tf.scalar(q))), tf.scalar(1 / q)), c);
  });
}
