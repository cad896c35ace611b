import { fastOps } from '../fastOps';
import { tf } from '../tf';
import type { Tensor } from '../tf';

/*
 * Dense layers with a hand-written gradient, for speed on the wasm backend (docs/tfjs.md):
 * wasm runs a matmul on XNNPACK only for a plain 2-D product with neither operand transposed;
 * autodiff of tf.matMul emits transposed products (dy·Wᵀ via transposeB), which fall to a
 * scalar loop ~10× slower. Here the transposes are explicit `tf.transpose` kernels followed
 * by plain 2-D products:
 *   y  = x · W + b        x [N, In], W [In, Out], b [Out], y [N, Out]
 *   dx = dy · Wᵀ          [N, Out]·[Out, In]
 *   dW = xᵀ · dy          [In, N]·[N, Out]
 *   db = Σ_rows dy        [Out]     (as ones[1, N]·dy, see sumRows)
 * Callers reshape [B, T, D] activations to [B*T, D] first.
 *
 * On the native backend (tfjs-node) every kernel launch costs ~20 µs and a Reshape or Transpose
 * two calls into TensorFlow (the shape or permutation is uploaded as a tensor), while its
 * BatchMatMulV2 takes the transposes as flags: there the gradient is `dy·Wᵀ` and `xᵀ·dy` with
 * transposeB / transposeA and `db` one Sum (fastOps.ts: its axis uploaded once), 2–3 launches instead of 9–11, and the forward
 * pass a MatMul and a BiasAdd (docs/benchmarks.md).
 */

/** true on tfjs-node's `tensorflow` backend, where launches are dear and transposed matmuls free. */
export function nativeBackend(): boolean {
  return tf.getBackend() === 'tensorflow';
}

type Grad2 = (dy: Tensor, saved: Tensor[]) => Tensor[];

/**
 * Transpose of a 2-D tensor [N, C] → [C, N]. On wasm the rank-2 Transpose kernel is a slow
 * element loop (~2.5 ms for 1024×256 on the reference machine) while the rank-3 one is 3–5×
 * faster, so an even N is viewed as [2, N/2, C] and permuted [2, 0, 1]: out[c][a·N/2 + r] =
 * x[a·N/2 + r][c], exactly the transpose.
 */
export function transpose2d(x: Tensor): Tensor {
  const [n, c] = x.shape as [number, number];
  if (n % 2 !== 0 || n < 4) return tf.transpose(x);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [2, n / 2, c]), [2, 0, 1]), [c, n]));
}

/** Σ over the rows of dy [N, C] → [C], as ones[1, N]·dy: a plain 2-D product (XNNPACK on wasm) instead of an axis-0 reduction. */
export function sumRows(dy: Tensor): Tensor {
  if (nativeBackend()) return fastOps().sum(dy, 0);
  const n = dy.shape[0] as number;
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, n]), dy), [dy.shape[1] as number]));
}

const denseWithBias = tf.customGrad((...args: unknown[]) => {
  const [x, w, b, save] = args as [Tensor, Tensor, Tensor, (t: Tensor[]) => void];
  save([x, w]);
  // Native: TensorFlow's MatMul and BiasAdd called directly (fastOps.ts), not its fused
  // `_FusedMatMul`: that kernel's product runs oneDNN's JIT sgemm, which corrupts the heap when a
  // signal arrives while it runs (docs/native.md, "Signals").
  const o = fastOps();
  const value = nativeBackend() ? o.biasAdd(o.matMul(x, w), b) : tf.add(tf.matMul(x, w), b); // [N, Out]
  const gradFunc: Grad2 = (dy, saved) => {
    const [sx, sw] = saved as [Tensor, Tensor];
    if (nativeBackend()) {
      const o = fastOps();
      return [o.matMul(dy, sw, false, true), o.matMul(sx, dy, true, false), o.sum(dy, 0)];
    }
    return [
      tf.matMul(dy, transpose2d(sw)), // dx [N, In]
      tf.matMul(transpose2d(sx), dy), // dW [In, Out]
      sumRows(dy), // db [Out]
    ];
  };
  return { value, gradFunc };
});

const denseNoBias = tf.customGrad((...args: unknown[]) => {
  const [x, w, save] = args as [Tensor, Tensor, (t: Tensor[]) => void];
  save([x, w]);
  const value = fastOps().matMul(x, w); // [N, Out]
  const gradFunc: Grad2 = (dy, saved) => {
    const [sx, sw] = saved as [Tensor, Tensor];
    if (nativeBackend()) {
      const o = fastOps();
      return [o.matMul(dy, sw, false, true), o.matMul(sx, dy, true, false)];
    }
    return [tf.matMul(dy, transpose2d(sw)), tf.matMul(transpose2d(sx), dy)];
  };
  return { value, gradFunc };
});

/**
 * Embedding lookup as a one-hot product (the gradient of tf.gather needs UnsortedSegmentSum,
 * which wasm lacks). The one-hot matrix is data, not an input of the custom gradient: only the
 * table gets a gradient (no zero fill for the one-hot), so the op is built per call around it.
 */
function oneHotProduct(oneHot: Tensor, table: Tensor): Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const [t, save] = args as [Tensor, (t: Tensor[]) => void];
    save([oneHot]); // kept alive (as a clone) until the backward pass
    const value = fastOps().matMul(oneHot, t); // [N, D]
    const gradFunc: Grad2 = (dy, saved) => {
      const [sOneHot] = saved as [Tensor];
      return [nativeBackend() ? fastOps().matMul(sOneHot, dy, true, false) : tf.matMul(transpose2d(sOneHot), dy)]; // d(table) [V, D]
    };
    return { value, gradFunc };
  });
  return op(table);
}

/**
 * float32 one-hot rows [ids.length, depth] built on the host: one upload, no kernel (and exact
 * 0/1 values on every backend). ids must lie in [0, depth).
 */
export function oneHotRows(ids: ArrayLike<number>, depth: number): Tensor {
  const out = new Float32Array(ids.length * depth);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!(Number.isInteger(id) && id >= 0 && id < depth)) throw new Error(`oneHotRows: id ${id} at index ${i} is outside [0, ${depth})`);
    out[i * depth + id] = 1;
  }
  return tf.tensor2d(out, [ids.length, depth]);
}

/**
 * float32 one-hot rows [N, depth] for int32 ids [N]. Built as an int32 one-hot plus a Cast:
 * wasm's OneHot kernel (tfjs 4.22) ignores the dtype argument and writes integer bit patterns
 * into a float32 buffer (1 reads back as 1.4e-45), which silently zeroes every embedding.
 */
export function oneHotFloat(ids: Tensor, depth: number): Tensor {
  if (ids.rank !== 1 || ids.dtype !== 'int32') throw new Error(`oneHotFloat: ids must be int32 [N], got ${ids.dtype} [${ids.shape.join(', ')}]`);
  return tf.tidy(() => tf.cast(tf.oneHot(ids, depth), 'float32'));
}

function check2d(what: string, t: Tensor): void {
  if (t.rank !== 2) throw new Error(`${what} must be 2-D, got shape [${t.shape.join(', ')}]`);
}

/** y = x·W (+ b) with the XNNPACK-friendly gradient above. x [N, In], kernel [In, Out], bias [Out]. */
export function dense(x: Tensor, kernel: Tensor, bias?: Tensor): Tensor {
  check2d('dense: input', x);
  check2d('dense: kernel', kernel);
  if (x.shape[1] !== kernel.shape[0]) {
    throw new Error(`dense: input width ${x.shape[1]} does not match kernel rows ${kernel.shape[0]}`);
  }
  if (bias) {
    if (bias.rank !== 1 || bias.shape[0] !== kernel.shape[1]) {
      throw new Error(`dense: bias must have shape [${kernel.shape[1]}], got [${bias.shape.join(', ')}]`);
    }
    return denseWithBias(x, kernel, bias);
  }
  return denseNoBias(x, kernel);
}

/** Rows of `table` [V, D] selected by a one-hot matrix [N, V] (float32): [N, D]. */
export function embedOneHot(oneHot: Tensor, table: Tensor): Tensor {
  check2d('embedOneHot: one-hot', oneHot);
  check2d('embedOneHot: table', table);
  if (oneHot.shape[1] !== table.shape[0]) {
    throw new Error(`embedOneHot: one-hot width ${oneHot.shape[1]} does not match table rows ${table.shape[0]}`);
  }
  return oneHotProduct(oneHot, table);
}
