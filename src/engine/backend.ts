import * as path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { findBundleFile } from '../core/bundlePaths';
import { fusedKernelsState } from './fusedKernels';
import { tf } from './tf';
import type { BackendChoice, BackendName } from '../protocol/backend';

// The native backend's thread settings and load check carry no TensorFlow.js: they live in
// nativeBackend.ts (the runner and the Slurm task entry import them from there).
import { BackendUnavailableError, keepOneDnn } from './nativeBackend';
export { applyNativeThreadSettings, BackendUnavailableError, checkNativeBackend, keepOneDnn, nativeThreadSettings, nativeWorkerEnv } from './nativeBackend';

export interface BackendInfo {
  /** The backend asked for. */
  readonly requested: BackendChoice;
  /** The backend in use: `tensorflow` is the native library of @tensorflow/tfjs-node. */
  readonly name: BackendName;
  /** Why `auto` chose this backend, or why a requested one was not available. */
  readonly reason: string;
}

/** Loads @tensorflow/tfjs-node if it is installed and loads; it registers the `tensorflow` backend. */
function tryLoadNative(): { ok: true; note: string | null } | { ok: false; error: string } {
  // TensorFlow's C++ info lines (oneDNN, CPU features) would interleave with the progress display;
  // one run uses one core unless the runner chose otherwise. (Effective in a main thread only: a
  // worker's process.env is its own copy, hence applyNativeThreadSettings in the runner.)
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_NUM_INTRAOP_THREADS ??= '1';
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
  const note = keepOneDnn();
  try {
    // Marked external in the build: the package is optional and native, resolved at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return { ok: true, note };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err);
    return { ok: false, error: msg };
  }
}

let wasmPathsSet = false;
/** The build copies the three .wasm files into dist/, beside the bundles. */
function prepareWasm(): void {
  if (wasmPathsSet) return;
  try {
    setWasmPaths(path.dirname(findBundleFile('tfjs-backend-wasm-simd.wasm')) + path.sep);
  } catch {
    // unbundled (e.g. from node_modules): the package finds its own binaries
  }
  wasmPathsSet = true;
}

/**
 * Selects the compute backend. `auto` prefers the native tfjs-node backend when it loads, then
 * wasm, then the pure-JS cpu backend. Must be awaited before any tensor is created.
 */
export async function initBackend(requested: BackendChoice = 'auto'): Promise<BackendInfo> {
  // Production mode: no debug checks and no "install the node backend" banner on stdout.
  tf.enableProdMode();
  if (requested === 'node' || requested === 'auto') {
    const native = tryLoadNative();
    if (native.ok && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      const kernels = fusedKernelsState();
      const fused = kernels.loaded ? "with Attention Lab's fused kernels" : `without fused kernels: ${kernels.reason}`;
      return { requested, name: 'tensorflow', reason: `@tensorflow/tfjs-node loaded, ${fused}${native.note ? `; ${native.note}` : ''}` };
    }
    if (requested === 'node') {
      throw new BackendUnavailableError(
        `backend 'node' is not available: @tensorflow/tfjs-node did not load (${native.ok ? 'backend did not initialize' : native.error}); set it up with npm run setup:native (docs/native.md)`,
      );
    }
  }
  if (requested === 'wasm' || requested === 'auto') {
    prepareWasm();
    let ok = false;
    let failure = '';
    try {
      ok = await tf.setBackend('wasm');
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    if (ok) {
      await tf.ready();
      const reason = requested === 'auto' ? '@tensorflow/tfjs-node not installed; using wasm' : 'requested';
      return { requested, name: 'wasm', reason };
    }
    if (requested === 'wasm') throw new BackendUnavailableError(`backend 'wasm' failed to initialize: ${failure}`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { requested, name: 'cpu', reason: requested === 'cpu' ? 'requested' : 'wasm unavailable; using cpu' };
}
