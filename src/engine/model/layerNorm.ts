import { fastOps } from '../fastOps';
import { fusedKernels, type FusedKernels } from '../fusedKernels';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { nativeBackend, sumRows } from './dense';

const EPS = 1e-5;

/*
 * LayerNorm over the last axis with a hand-written gradient. Autodiff of the broadcast gain and
 * offset would reduce over axis 0 (a slow kernel on wasm) and replay ~9 forward ops; here:
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε)        μ, σ² over the last axis    x [N, D]
 *   y = x̂·g + b
 *   dx̂ = dy·g
 *   dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))   (means over the last axis)
 *   dg = Σ_rows dy·x̂,  db = Σ_rows dy        (as ones·(…) products, see sumRows)
 */
/**
 * Row means of x [N, D] → [N, 1]. On the native backend a Mean is three calls into TensorFlow
 * (tfjs-node casts the input and uploads the axis); x·(1/D)₁ is one matmul on a small upload.
 */
function rowMean(x: Tensor): Tensor {
  if (!nativeBackend()) return tf.mean(x, 1, true);
  const d = x.shape[1] as number;
  const o = fastOps();
  return o.matMul(x, o.filled(1 / d, [d, 1])); // the column is uploaded once (fastOps.ts)
}

const layerNormOp = tf.customGrad((...args: unknown[]) => {
  const [x, gain, bias, save] = args as [Tensor, Tensor, Tensor, (t: Tensor[]) => void];
  const o = fastOps();
  const mean = rowMean(x); // [N, 1]
  const centered = o.sub(x, mean); // [N, D]
  const variance = rowMean(o.mul(centered, centered)); // [N, 1]
  const rstd = o.rsqrt(o.add(variance, EPS)); // [N, 1]
  const normed = o.mul(centered, rstd); // [N, D]
  save([normed, rstd, gain]);
  const value = o.add(o.mul(normed, gain), bias); // [N, D]
  const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    const [sNormed, sRstd, sGain] = saved as [Tensor, Tensor, Tensor];
    const dNormed = o.mul(dy, sGain); // [N, D]
    const meanD = rowMean(dNormed); // [N, 1]
    const meanDN = rowMean(o.mul(dNormed, sNormed)); // [N, 1]
    const dx = o.mul(o.sub(o.sub(dNormed, meanD), o.mul(sNormed, meanDN)), sRstd); // [N, D]
    return [dx, sumRows(o.mul(dy, sNormed)), sumRows(dy)];
  };
  return { value, gradFunc };
});

/**
 * The same LayerNorm and gradient in one op each on the native backend when Attention Lab's fused
 * kernels are built (fusedKernels.ts): 2 TensorFlow ops per LayerNorm and step instead of 21.
 */
const fusedLayerNormOp = tf.customGrad((...args: unknown[]) => {
  const [x, gain, bias, save] = args as [Tensor, Tensor, Tensor, (t: Tensor[]) => void];
  const k = fusedKernels() as FusedKernels;
  const [value, normed, rstd] = k.layerNorm(x, gain, bias, EPS);
  save([normed, rstd, gain]);
  const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    const [sNormed, sRstd, sGain] = saved as [Tensor, Tensor, Tensor];
    return k.layerNormGrad(dy, sNormed, sRstd, sGain);
  };
  return { value, gradFunc };
});

/** LayerNorm of x [N, D] with gain and offset [D]. */
export function layerNorm(x: Tensor, gain: Tensor, bias: Tensor): Tensor {
  if (x.rank !== 2) throw new Error(`layerNorm: input must be 2-D [N, D], got [${x.shape.join(', ')}]`);
  const d = x.shape[1];
  if (gain.rank !== 1 || gain.shape[0] !== d || bias.rank !== 1 || bias.shape[0] !== d) {
    throw new Error(`layerNorm: gain and bias must have shape [${d}]`);
  }
  return (fusedKernels() ? fusedLayerNormOp : layerNormOp)(x, gain, bias);
}
