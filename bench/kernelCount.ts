/**
 * Counts what one training step launches, independent of machine load (the benchmark's main
 * metric while the shared machine is busy):
 * - `kernels`: tfjs-core kernel calls (`engine.runKernel`, nested ones included), by name;
 * - on the native backend also the TensorFlow eager calls behind them: `executeOp` (one op
 *   dispatched to TensorFlow, ~20 µs each at this model size) and `createTensor` (a host→TF
 *   upload: scalars, shape tensors of Reshape, batch data). Kernels that tfjs-node runs in JS
 *   (Identity, the clones tfjs saves for the backward pass) cost no native call.
 */
import { tf } from '../src/engine/tf';

export interface KernelCount {
  kernels: number;
  byName: Map<string, number>;
  /** Native TensorFlow op executions (tensorflow backend only, else 0). */
  nativeOps: number;
  /** Native tensor uploads (tensorflow backend only, else 0). */
  nativeUploads: number;
}

type Fn = (...args: unknown[]) => unknown;
interface NativeBinding {
  executeOp: Fn;
  createTensor: Fn;
}

/** Runs `fn` once with the engine and (on tensorflow) the native binding wrapped; returns the counts. */
export function countKernels(fn: () => void): KernelCount {
  const engine = tf.engine() as unknown as { runKernel: Fn };
  const byName = new Map<string, number>();
  let kernels = 0;
  let nativeOps = 0;
  let nativeUploads = 0;
  const runKernel = engine.runKernel;
  engine.runKernel = function (this: unknown, ...args: unknown[]) {
    kernels++;
    const name = String(args[0]);
    byName.set(name, (byName.get(name) ?? 0) + 1);
    return runKernel.apply(this, args);
  };
  const binding = (tf.backend() as unknown as { binding?: NativeBinding }).binding;
  const executeOp = binding?.executeOp;
  const createTensor = binding?.createTensor;
  if (binding && executeOp && createTensor) {
    binding.executeOp = (...args: unknown[]) => {
      nativeOps++;
      return executeOp.apply(binding, args);
    };
    binding.createTensor = (...args: unknown[]) => {
      nativeUploads++;
      return createTensor.apply(binding, args);
    };
  }
  try {
    fn();
  } finally {
    engine.runKernel = runKernel;
    if (binding && executeOp && createTensor) {
      binding.executeOp = executeOp;
      binding.createTensor = createTensor;
    }
  }
  return { kernels, byName, nativeOps, nativeUploads };
}

/** The `top` most frequent kernel names as "Name n, Name n, …". */
export function topKernels(count: KernelCount, top = 12): string {
  return [...count.byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([n, c]) => `${n} ${c}`)
    .join(', ');
}
