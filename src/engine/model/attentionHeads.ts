import { fastOps } from '../fastOps';
import { tf } from '../tf';
import type { Tensor } from '../tf';

/** Sizes of one attention call: batch, length, heads, head width. */
export interface AttentionShape {
  B: number;
  T: number;
  H: number;
  Dh: number;
}

/**
 * Multi-head attention from the fused projection qkv [B*T, 3D] to the merged heads [B*T, D],
 * as one op with a hand-written gradient (used in training; `selfAttention.ts` keeps the plain
 * autodiff form for RoPE and for returning the probabilities):
 *   q, k, v = heads(qkv)                   [B, H, T, Dh] each
 *   P = softmax((scale ⊙ q)·kᵀ + mask)     scale [T, 1] multiplies query row i (attentionScale.ts)
 *   y = P·v → merged [B*T, D]
 * Backward, with dy the merged gradient as heads and qs = scale ⊙ q:
 *   dP = dy·vᵀ,  dv = Pᵀ·dy,  dS = P ⊙ (dP − Σ_j dP·P),  dq = scale ⊙ (dS·k),  dk = dSᵀ·qs
 * Autodiff replays the same products but adds a Reshape (and a Cast) per broadcast binary op
 * and a clone per saved input; on tfjs-node each is a launch (docs/benchmarks.md).
 * Scaling q rather than the logits is the same product with T/Dh times fewer multiplies.
 */
export function attentionHeads(qkv: Tensor, shape: AttentionShape, scale: Tensor, maskBias: Tensor | null): Tensor {
  const { B, T, H, Dh } = shape;
  const D = H * Dh;
  if (qkv.rank !== 2 || qkv.shape[0] !== B * T || qkv.shape[1] !== 3 * D) {
    throw new Error(`attentionHeads: qkv must be [${B * T}, ${3 * D}], got [${qkv.shape.join(', ')}]`);
  }
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, save] = args as [Tensor, (t: Tensor[]) => void];
    const o = fastOps();
    // Rank-4 transposes only: wasm's rank-5 Transpose is ~100× slower than this one.
    const heads = o.transpose(o.reshape(x, [B, T, 3 * H, Dh]), [0, 2, 1, 3]); // [B, 3H, T, Dh]
    const [q, k, v] = o.split(heads, [H, H, H], 1) as [Tensor, Tensor, Tensor]; // [B, H, T, Dh] each
    const qs = o.mul(q, scale);
    let logits = o.matMul(qs, k, false, true); // [B, H, T, T]
    if (maskBias) logits = o.add(logits, maskBias);
    const p = o.softmax(logits);
    save([qs, k, v, p, scale]); // scale too: the caller's tidy disposes it before the backward pass
    const value = o.reshape(o.transpose(o.matMul(p, v), [0, 2, 1, 3]), [B * T, D]);
    const gradFunc = (dOut: Tensor, saved: Tensor[]): Tensor[] => {
      const [sQs, sK, sV, sP, sScale] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
      const dy = o.transpose(o.reshape(dOut, [B, T, H, Dh]), [0, 2, 1, 3]); // [B, H, T, Dh]
      const dP = o.matMul(dy, sV, false, true); // [B, H, T, T]
      const dv = o.matMul(sP, dy, true, false);
      const dS = o.mul(sP, o.sub(dP, o.sum(o.mul(dP, sP), -1, true)));
      const dq = o.mul(o.matMul(dS, sK), sScale);
      const dk = o.matMul(dS, sQs, true, false);
      const dHeads = o.concat([dq, dk, dv], 1); // [B, 3H, T, Dh]
      return [o.reshape(o.transpose(dHeads, [0, 2, 1, 3]), [B * T, 3 * D])];
    };
    return { value, gradFunc };
  });
  return op(qkv);
}

/**
 * x + y for same-shaped tensors (the residual stream). Autodiff's Add gradient reshapes dy to
 * each input's shape: two launches on tfjs-node, where this passes dy on (as cheap clones).
 */
const residualOp = tf.customGrad((...args: unknown[]) => {
  const [x, y] = args as [Tensor, Tensor];
  const gradFunc = (dy: Tensor): Tensor[] => [tf.clone(dy), tf.clone(dy)];
  return { value: fastOps().add(x, y), gradFunc };
});

export function residualAdd(x: Tensor, y: Tensor): Tensor {
  if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) {
    throw new Error(`residualAdd: shapes differ, [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
  }
  return residualOp(x, y);
}

/**
 * x [B*T, D] plus a per-position code [T, D] added to every sequence. The gradient of the code
 * is the sum over the batch; autodiff adds three Reshapes around it.
 */
export function addPositionCode(x: Tensor, code: Tensor, B: number, T: number): Tensor {
  const D = code.shape[1] as number;
  if (x.rank !== 2 || x.shape[0] !== B * T || x.shape[1] !== D || code.rank !== 2 || code.shape[0] !== T) {
    throw new Error(`addPositionCode: expected x [${B * T}, ${D}] and code [${T}, ${D}], got [${x.shape.join(', ')}] and [${code.shape.join(', ')}]`);
  }
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, c] = args as [Tensor, Tensor];
    const o = fastOps();
    const value = o.reshape(o.add(o.reshape(xs, [B, T, D]), c), [B * T, D]);
    const gradFunc = (dy: Tensor): Tensor[] => [tf.clone(dy), o.sum(o.reshape(dy, [B, T, D]), 0)];
    return { value, gradFunc };
  });
  return op(x, code);
}
