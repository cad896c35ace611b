/**
 * The native backend (@tensorflow/tfjs-node) as processes that do not train see it: the thread
 * settings they give their training workers, and a check that it loads. No TensorFlow.js here,
 * so the runner's process and the Slurm task entry (dist/task.js) carry none; backend.ts, which
 * selects and loads the backends, re-exports these.
 */
import { spawnSync } from 'node:child_process';

/**
 * Below this many FLOPs of matrix products per training step (src/core/experiment/stepFlops.ts),
 * a second intra-op thread costs a run more than it gains: measured on the reference model, 2
 * threads gave 0.66× one thread's speed at 0.67 GFLOP per step and 1.04× at 3.3 GFLOP on a 2-core
 * AMD EPYC, 1.0× and 1.42× on an Intel Xeon; the quick preset (~0.06 GFLOP) ran 1.6× slower with
 * 2 (docs/benchmarks.md, Session 6).
 */
export const MULTI_THREAD_MIN_FLOPS = 2e9;

/**
 * Thread settings of the native backend for `parallel` runs sharing `cores` cores: each run gets
 * an equal share of intra-op threads (at least one) when its steps are large enough to use them
 * (`stepFlops` at least MULTI_THREAD_MIN_FLOPS; unknown counts as large), else one; and one
 * inter-op thread (the training step issues its ops one after another, so a second inter-op
 * thread only adds contention). With N runs on N cores every run is single-threaded and they do
 * not fight over cores.
 */
export function nativeThreadSettings(parallel: number, cores: number, stepFlops = Number.POSITIVE_INFINITY): { intraOp: number; interOp: number } {
  const share = Math.max(1, Math.floor(cores / Math.max(1, parallel)));
  return { intraOp: stepFlops < MULTI_THREAD_MIN_FLOPS ? 1 : share, interOp: 1 };
}

/** TensorFlow's thread variables as they were when this process started: the user's, never our own writes. */
const USER_THREADS = { intraOp: process.env.TF_NUM_INTRAOP_THREADS, interOp: process.env.TF_NUM_INTEROP_THREADS };

/**
 * The environment of a training worker process for `parallel` runs on `cores` cores: TensorFlow's
 * thread counts from nativeThreadSettings (a run alone gets every core when its steps are large:
 * `stepFlops`, the largest of the pool's runs), unless the user set them when this process
 * started. Computed per pool, so a backend process that ran a grid of parallel runs still gives a
 * later lone run all the cores. TensorFlow reads these once per process.
 */
export function nativeWorkerEnv(parallel: number, cores: number, base: NodeJS.ProcessEnv = process.env, stepFlops?: number): NodeJS.ProcessEnv {
  const { intraOp, interOp } = nativeThreadSettings(parallel, cores, stepFlops);
  // TF_ENABLE_ONEDNN_OPTS is left as it is: the worker's backend.ts (keepOneDnn) corrects it before
  // TensorFlow loads, and says so in the backend line the user sees.
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
export function applyNativeThreadSettings(parallel: number, cores: number, stepFlops?: number): void {
  const { intraOp, interOp } = nativeThreadSettings(parallel, cores, stepFlops);
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_NUM_INTRAOP_THREADS ??= String(intraOp);
  process.env.TF_NUM_INTEROP_THREADS ??= String(interOp);
  keepOneDnn();
}

/**
 * Keeps TensorFlow's oneDNN kernels on: with `TF_ENABLE_ONEDNN_OPTS=0` its matrix products go
 * through Eigen, which calls a oneDNN JIT GEMM that corrupts the heap when the process handles a
 * signal while it runs (a Stop's SIGTERM, a worker's SIGCHLD; docs/native.md, "Signals"). A
 * `0` or `false` in `env` is replaced by `1`; returns the note to show then, else null. Called
 * where TensorFlow is about to load (backend.ts: every process that trains, worker processes
 * included) and for worker threads, which share this process's environment.
 */
export function keepOneDnn(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.TF_ENABLE_ONEDNN_OPTS?.trim().toLowerCase();
  if (v !== '0' && v !== 'false') return null;
  env.TF_ENABLE_ONEDNN_OPTS = '1';
  return `TF_ENABLE_ONEDNN_OPTS=${v} ignored: without oneDNN, TensorFlow's matrix products can corrupt memory when a signal arrives (docs/native.md, "Signals")`;
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
