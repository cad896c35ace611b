/**
 * TensorFlow ops called by name through tfjs-node's binding, on the native `tensorflow` backend
 * only, where tfjs has no kernel for them:
 * - `_FusedMatMul` with fused_ops ['BiasAdd']: y = x·W + b in one kernel. TensorFlow's
 *   broadcasting Add of a bias row costs about as much as the product itself at the model's
 *   sizes; fused, the bias is added while the product's output is still in cache (the values
 *   are bit-identical to MatMul + Add). Its `fused_ops` attribute is a list of strings, which
 *   tfjs-node's binding passes only after the small patch `npm run setup:native` and the
 *   extension's setup apply when they build it (src/core/native/bindingPatch.ts); with an
 *   unpatched binding (tfjs-node's own prebuilt one) `fusedDenseAvailable()` is false and the
 *   dense layer keeps MatMul + Add.
 * (The bias gradient stays TensorFlow's Sum over the rows, through fastOps.ts: `BiasAddGrad` was
 * tried and sums in another order, which changed trained values in the last float32 bits.)
 * Only call these inside a custom-gradient function (forward or backward): they bypass tfjs's
 * kernel registry, so autodiff does not see them.
 */
import { tf } from './tf';
import type { Tensor } from './tf';

interface Attr {
  name: string;
  type: number;
  value: unknown;
}
interface NativeBinding {
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_INT: number;
  TF_ATTR_STRING: number;
  TF_FLOAT: number;
}
interface NativeBackend {
  binding: NativeBinding;
  executeSingleOutput(name: string, attrs: Attr[], inputs: Tensor[]): Tensor;
}

function nativeBackendObject(): NativeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const b = tf.backend() as unknown as Partial<NativeBackend>;
  return b.binding && typeof b.executeSingleOutput === 'function' ? (b as NativeBackend) : null;
}

interface Prepared {
  fusedDense: Attr[] | null;
}
/** Per backend instance (tests switch backends): the attribute lists, built once. */
const prepared = new WeakMap<object, Prepared>();

function prepare(b: NativeBackend): Prepared {
  const hit = prepared.get(b);
  if (hit) return hit;
  const B = b.binding;
  const floatT: Attr = { name: 'T', type: B.TF_ATTR_TYPE, value: B.TF_FLOAT };
  const fusedAttrs: Attr[] = [
    floatT,
    { name: 'transpose_a', type: B.TF_ATTR_BOOL, value: false },
    { name: 'transpose_b', type: B.TF_ATTR_BOOL, value: false },
    { name: 'num_args', type: B.TF_ATTR_INT, value: 1 },
    { name: 'fused_ops', type: B.TF_ATTR_STRING, value: ['BiasAdd'] },
  ];
  const p: Prepared = {
    fusedDense: probeFusedDense(b, fusedAttrs) ? fusedAttrs : null,
  };
  prepared.set(b, p);
  return p;
}

/** Whether the binding passes list attributes and `_FusedMatMul` computes [[1, 2]]·[[3], [4]] + [5] = [[16]]. */
function probeFusedDense(b: NativeBackend, attrs: Attr[]): boolean {
  try {
    return tf.tidy(() => {
      const y = b.executeSingleOutput('_FusedMatMul', attrs, [tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]), tf.tensor1d([5])]);
      return y.dataSync()[0] === 16;
    });
  } catch {
    return false;
  }
}

/** Whether `fusedDense` runs as one TensorFlow kernel here (native backend with a list-capable binding). */
export function fusedDenseAvailable(): boolean {
  const b = nativeBackendObject();
  return b !== null && prepare(b).fusedDense !== null;
}

/** x·W + b as one `_FusedMatMul` kernel. x [N, In], w [In, Out], b [Out] → [N, Out]. Check fusedDenseAvailable() first. */
export function fusedDense(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const backend = nativeBackendObject();
  const attrs = backend ? prepare(backend).fusedDense : null;
  if (!backend || !attrs) throw new Error('fusedDense: needs the native backend with a binding that passes list attributes');
  return backend.executeSingleOutput('_FusedMatMul', attrs, [x, w, b]);
}
