import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { findBundleFile } from '../core/bundlePaths';
import { tf } from './tf';
import type { BackendChoice, BackendName } from '../protocol/backend';

export interface BackendInfo {
  /** The backend asked for. */
  readonly requested: BackendChoice;
  /** The backend in use: `tensorflow` is the native library of @tensorflow/tfjs-node. */
  readonly name: BackendName;
  /** Why `auto` chose this backend, or why a requested one was not available. */
  readonly reason: string;
}

/**
 * Thread settings of the native backend for `parallel` runs sharing `cores` cores: each run gets
 * an equal share of intra-op threads (at least one) and one inter-op thread (the training step
 * issues its ops one after another, so a second inter-op thread only adds contention). With N
 * runs on N cores every run is single-threaded and they do not fight over cores.
 */
export function nativeThreadSettings(parallel: number, cores: number): { intraOp: number; interOp: number } {
  return { intraOp: Math.max(1, Math.floor(cores / Math.max(1, parallel))), interOp: 1 };
}

/** TensorFlow's thread variables as they were when this process started: the user's, never our own writes. */
const USER_THREADS = { intraOp: process.env.TF_NUM_INTRAOP_THREADS, interOp: process.env.TF_NUM_INTEROP_THREADS };

/**
 * The environment of a training worker process for `parallel` runs on `cores` cores: TensorFlow's
 * thread counts from nativeThreadSettings (a run alone gets every core), unless the user set them
 * when this process started. Computed per pool, so a backend process that ran a grid of parallel
 * runs still gives a later lone run all the cores. TensorFlow reads these once per process.
 */
export function nativeWorkerEnv(parallel: number, cores: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { intraOp, interOp } = nativeThreadSettings(parallel, cores);
  return {
    ...base,
    TF_CPP_MIN_LOG_LEVEL: base.TF_CPP_MIN_LOG_LEVEL ?? '2',
    TF_NUM_INTRAOP_THREADS: USER_THREADS.intraOp ?? String(intraOp),
    TF_NUM_INTEROP_THREADS: USER_THREADS.interOp ?? String(interOp),
  };
}

/**
 * For worker threads (which share this process's TensorFlow runtime): sets the thread environment
 * in this process, unless it is set. TensorFlow reads it once, when the native library creates its
 * context, so only the first pool's setting counts; worker processes (the default) get theirs
 * from nativeWorkerEnv instead.
 */
export function applyNativeThreadSettings(parallel: number, cores: number): void {
  const { intraOp, interOp } = nativeThreadSettings(parallel, cores);
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_NUM_INTRAOP_THREADS ??= String(intraOp);
  process.env.TF_NUM_INTEROP_THREADS ??= String(interOp);
}

/** Loads @tensorflow/tfjs-node if it is installed and loads; it registers the `tensorflow` backend. */
function tryLoadNative(): { ok: true } | { ok: false; error: string } {
  // TensorFlow's C++ info lines (oneDNN, CPU features) would interleave with the progress display;
  // one run uses one core unless the runner chose otherwise. (Effective in a main thread only: a
  // worker's process.env is its own copy, hence applyNativeThreadSettings in the runner.)
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_NUM_INTRAOP_THREADS ??= '1';
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
  try {
    // Marked external in the build: the package is optional and native, resolved at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return { ok: true };
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

export class BackendUnavailableError extends Error {}

/**
 * Checks, without loading it into this process, that @tensorflow/tfjs-node resolves and loads:
 * a short child process requires it (the native library needs a few seconds at most). The CLI
 * calls it for `--backend node` before it creates any folder, so a missing native backend is
 * one line and nothing on disk. Throws BackendUnavailableError.
 */
export function checkNativeBackend(): void {
  let resolved: string;
  try {
    resolved = require.resolve('@tensorflow/tfjs-node');
  } catch {
    throw new BackendUnavailableError("backend 'node' is not available: @tensorflow/tfjs-node is not installed (npm run setup:native, or --backend auto)");
  }
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(resolved)})`], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  if (r.status !== 0) {
    const line = (r.error?.message ?? r.stderr ?? '').split('\n').find((l) => /error/i.test(l)) ?? (r.stderr ?? '').split('\n')[0] ?? 'unknown error';
    throw new BackendUnavailableError(`backend 'node' is not available: @tensorflow/tfjs-node did not load (${line.trim()}); set it up with npm run setup:native (docs/native.md)`);
  }
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
      return { requested, name: 'tensorflow', reason: '@tensorflow/tfjs-node loaded' };
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
