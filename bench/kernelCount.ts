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
  /** Native op executions by op name, and uploads by kind ('scalar', 'rank 1', …). */
  nativeByName: Map<string, number>;
  /**
   * Wall time inside each outermost kernel call, ms by kernel name (nested calls count in their
   * caller). Meaningful where kernels run synchronously (tensorflow, wasm, cpu); load-dependent.
   */
  msByName: Map<string, number>;
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
  let depth = 0;
  const msByName = new Map<string, number>();
  let nativeOps = 0;
  let nativeUploads = 0;
  const nativeByName = new Map<string, number>();
  const bump = (key: string): void => void nativeByName.set(key, (nativeByName.get(key) ?? 0) + 1);
  const runKernel = engine.runKernel;
  engine.runKernel = function (this: unknown, ...args: unknown[]) {
    kernels++;
    const name = String(args[0]);
    byName.set(name, (byName.get(name) ?? 0) + 1);
    const t0 = depth === 0 ? performance.now() : 0;
    depth++;
    try {
      return runKernel.apply(this, args);
    } finally {
      depth--;
      if (depth === 0) msByName.set(name, (msByName.get(name) ?? 0) + performance.now() - t0);
    }
  };
  // The binding's functions are read-only: swap in an object that inherits from it instead.
  const backend = tf.backend() as unknown as { binding?: NativeBinding };
  const binding = backend.binding;
  if (binding) {
    backend.binding = Object.create(binding, {
      executeOp: {
        value: (...args: unknown[]) => {
          nativeOps++;
          bump(String(args[0]));
          return binding.executeOp(...args);
        },
      },
      createTensor: {
        value: (...args: unknown[]) => {
          nativeUploads++;
          const shape = args[0] as number[];
          bump(`upload ${shape.length === 0 ? 'scalar' : `rank ${shape.length}`}`);
          return binding.createTensor(...args);
        },
      },
    }) as NativeBinding;
  }
  try {
    fn();
  } finally {
    engine.runKernel = runKernel;
    if (binding) backend.binding = binding;
  }
  return { kernels, byName, nativeOps, nativeUploads, nativeByName, msByName };
}

/** The `top` most frequent kernel names as "Name n, Name n, …". */
export function topKernels(count: KernelCount, top = 12, native = false): string {
  return [...(native ? count.nativeByName : count.byName).entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([n, c]) => `${n} ${c}`)
    .join(', ');
}

/** Kernel time by name, largest first: "Name 1.23 ms, …", and the total. */
export function kernelTimes(count: KernelCount, top = 15): string {
  const entries = [...count.msByName.entries()].sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((a, [, ms]) => a + ms, 0);
  return `total ${total.toFixed(2)} ms: ` + entries.slice(0, top).map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', ');
}
