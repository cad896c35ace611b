import { tf } from '../tf';
import type { Tensor } from '../tf';

const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

/*
 * GELU, tanh form (Hendrycks & Gimpel), with a hand-written gradient:
 *   u = √(2/π)·(x + 0.044715·x³),  t = tanh(u),  y = ½·x·(1 + t)
 *   dy/dx = ½·(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
 * x³ is x·x·x: tf.pow's gradient also differentiates the exponent and is slow (tfjs-notes.md).
 * The hand-written derivative replays about half the kernels autodiff would.
 */
const geluOp = tf.customGrad((...args: unknown[]) => {
  const [x, save] = args as [Tensor, (t: Tensor[]) => void];
  const x2 = tf.mul(x, x);
  const u = tf.mul(tf.mul(x, tf.add(tf.mul(x2, A), 1)), C); // C·(x + A·x³)
  const t = tf.tanh(u);
  save([x, t]);
  const value = tf.mul(tf.mul(x, 0.5), tf.add(t, 1));
  const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    const [sx, st] = saved as [Tensor, Tensor];
    const outer = tf.mul(tf.add(st, 1), 0.5); // ½(1 + t)
    const sech2 = tf.sub(1, tf.mul(st, st)); // 1 − t²
    const inner = tf.mul(tf.add(tf.mul(tf.mul(sx, sx), 3 * A), 1), 0.5 * C); // ½·C·(1 + 3A·x²)
    const dydx = tf.add(outer, tf.mul(tf.mul(sx, sech2), inner));
    return [tf.mul(dy, dydx)];
  };
  return { value, gradFunc };
});

/** GELU (tanh approximation) of any tensor. */
export function gelu(x: Tensor): Tensor {
  return geluOp(x);
}
