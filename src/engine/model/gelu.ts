import { fastOps } from '../fastOps';
import { fusedKernels, type FusedKernels } from '../fusedKernels';
import { tf } from '../tf';
import type { Tensor } from '../tf';

const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

/*
 * GELU, tanh form (Hendrycks & Gimpel), with a hand-written gradient. ½·(1 + tanh u) = σ(2u), so
 *   2u = x·(2C + 2CA·x²),  s = σ(2u),  y = x·s                     C = √(2/π), A = 0.044715
 *   dy/dx = s + x·s·(1 − s)·(2C + 6CA·x²) = s + y·(1 − s)·(2C + 6CA·x²)
 * the same function as the usual ½·x·(1 + tanh(C·(x + A·x³))), in 6 kernels forward and 7
 * backward instead of 9 and 12: on the [B·T, d_ff] activations every kernel is a full pass over
 * memory, and on tfjs-node also a ~20 µs launch. x³ is x·x·x: tf.pow's gradient also
 * differentiates the exponent and is slow (docs/tfjs.md).
 */
const geluOp = tf.customGrad((...args: unknown[]) => {
  const [x, save] = args as [Tensor, (t: Tensor[]) => void];
  const o = fastOps();
  const x2 = o.mul(x, x);
  const s = o.sigmoid(o.mul(x, o.add(o.mul(x2, 2 * C * A), 2 * C))); // σ(2u)
  const value = o.mul(x, s);
  save([x2, s, value]);
  const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    const [sx2, ss, sy] = saved as [Tensor, Tensor, Tensor];
    // x·s(1 − s) = y·(1 − s)
    const du = o.add(o.mul(sx2, 6 * C * A), 2 * C); // d(2u)/dx
    const dydx = o.add(ss, o.mul(o.mul(sy, o.sub(1, ss)), du));
    return [o.mul(dy, dydx)];
  };
  return { value, gradFunc };
});

/** The same in one op each way on the native backend with the fused kernels (fusedKernels.ts). */
const fusedGeluOp = tf.customGrad((...args: unknown[]) => {
  const [x, save] = args as [Tensor, (t: Tensor[]) => void];
  const k = fusedKernels() as FusedKernels;
  const [value, s] = k.gelu(x);
  save([x, s]);
  const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    const [sx, ss] = saved as [Tensor, Tensor];
    return [k.geluGrad(dy, sx, ss)];
  };
  return { value, gradFunc };
});

/** GELU (tanh approximation) of any tensor. */
export function gelu(x: Tensor): Tensor {
  return (fusedKernels() ? fusedGeluOp : geluOp)(x);
}
