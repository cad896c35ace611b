/**
 * Attention Lab's fused TensorFlow kernels on the native backend (src/core/native/fusedKernels.c,
 * built by the native setup into tfjs-node's deps/lib): LayerNorm forward and backward, GELU
 * forward and backward, and the AdamW, Lion and Tiger updates each in one TensorFlow op instead of 6–21. Loaded
 * once per process, the first time a native op asks for them; absent (not built, another
 * backend, or ATTENTION_LAB_FUSED_KERNELS=0) the callers use their TensorFlow-op formulas, which
 * compute the same functions (LayerNorm, GELU and Tiger to float32 rounding, AdamW and Lion bit for bit).
 *
 * Like fastOps, they are called where tfjs's tape is off (inside a custom gradient or the
 * optimizer's tidy) and never reach autodiff.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUSED_KERNELS_FILE, FUSED_KERNELS_VERSION, fusedKernelsPath } from '../core/native/fusedKernelsFile';
import { recordLoadedPart } from './versions';
import { tf } from './tf';
import type { Tensor } from './tf';

export interface FusedKernels {
  /** LayerNorm of x [N, D] → y and normed [N, D], rstd [N] (1/√(σ² + ε) per row). */
  layerNorm(x: Tensor, gain: Tensor, bias: Tensor, epsilon: number): [Tensor, Tensor, Tensor];
  /** → dx [N, D], dgain [D], dbias [D]. */
  layerNormGrad(dy: Tensor, normed: Tensor, rstd: Tensor, gain: Tensor): [Tensor, Tensor, Tensor];
  /** GELU (tanh form) → y and s = σ(2u), which the gradient reuses. */
  gelu(x: Tensor): [Tensor, Tensor];
  geluGrad(dy: Tensor, x: Tensor, s: Tensor): Tensor;
  /** AdamW's step (adamw.ts) → θ', m', v'; hyper = [β1, (1−β1)c, β2, (1−β2)c², 1−ηλ, ε̂, η̂]. */
  adamw(theta: Tensor, m: Tensor, v: Tensor, grad: Tensor, hyper: Tensor): [Tensor, Tensor, Tensor];
  /** Lion's step (lion.ts) → θ', m'; hyper = [β1, (1−β1)c, β2, (1−β2)c, η, 1−ηλ]. */
  lion(theta: Tensor, m: Tensor, grad: Tensor, hyper: Tensor): [Tensor, Tensor];
  /** Tiger's step (tiger.ts) → θ', m'; hyper = [b1, b2, η, λ]; RMS over groups of `group` entries, 0: none (half step). */
  tiger(theta: Tensor, m: Tensor, grad: Tensor, hyper: Tensor, group: number): [Tensor, Tensor];
}

interface Attr {
  name: string;
  type: number;
  value: unknown;
}
interface NodeBackend {
  binding: { TF_ATTR_FLOAT: number; TF_ATTR_INT: number };
  executeSingleOutput(name: string, attrs: Attr[], inputs: Tensor[]): Tensor;
  executeMultipleOutputs(name: string, attrs: Attr[], inputs: Tensor[], n: number): Tensor[];
}

export type FusedKernelsState = { loaded: true; path: string } | { loaded: false; reason: string };

let state: FusedKernelsState | null = null;

/** The library for the tfjs-node this process loaded, or why there is none. */
function load(): FusedKernelsState {
  if (process.env.ATTENTION_LAB_FUSED_KERNELS === '0') return { loaded: false, reason: 'ATTENTION_LAB_FUSED_KERNELS=0' };
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return { loaded: false, reason: '@tensorflow/tfjs-node not found' };
  }
  const lib = fusedKernelsPath(pkgDir);
  if (!fs.existsSync(lib)) return { loaded: false, reason: `${FUSED_KERNELS_FILE} not built (npm run setup:native builds it)` };
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, lib);
    // run.json and checkpoints record it: LayerNorm and GELU round a little differently with it.
    recordLoadedPart('attention-lab-kernels', `v${FUSED_KERNELS_VERSION}`);
    return { loaded: true, path: lib };
  } catch (err) {
    return { loaded: false, reason: `${lib} did not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/** Whether the kernels are in use in this process (loads them on the native backend). */
export function fusedKernelsState(): FusedKernelsState {
  if (tf.getBackend() !== 'tensorflow') return { loaded: false, reason: `backend ${tf.getBackend()}` };
  return (state ??= load());
}

const instances = new WeakMap<object, FusedKernels>();
let bypass = 0;

/** Runs `f` with the TensorFlow-op formulas instead of the fused kernels (A/B comparisons, tests). */
export function withoutFusedKernels<T>(f: () => T): T {
  bypass++;
  try {
    return f();
  } finally {
    bypass--;
  }
}

/** The kernels on the native backend when built and loaded, else null. Cheap after the first call. */
export function fusedKernels(): FusedKernels | null {
  if (bypass > 0 || tf.getBackend() !== 'tensorflow') return null;
  if (!fusedKernelsState().loaded) return null;
  const backend = tf.backend() as unknown as NodeBackend;
  let k = instances.get(backend);
  if (!k) {
    k = makeKernels(backend);
    instances.set(backend, k);
  }
  return k;
}

function makeKernels(b: NodeBackend): FusedKernels {
  const epsAttrs = new Map<number, Attr[]>();
  const groupAttrs = new Map<number, Attr[]>();
  const none: Attr[] = [];
  return {
    layerNorm(x, gain, bias, epsilon) {
      let attrs = epsAttrs.get(epsilon);
      if (!attrs) epsAttrs.set(epsilon, (attrs = [{ name: 'epsilon', type: b.binding.TF_ATTR_FLOAT, value: epsilon }]));
      return b.executeMultipleOutputs('AttentionLabLayerNorm', attrs, [x, gain, bias], 3) as [Tensor, Tensor, Tensor];
    },
    layerNormGrad: (dy, normed, rstd, gain) => b.executeMultipleOutputs('AttentionLabLayerNormGrad', none, [dy, normed, rstd, gain], 3) as [Tensor, Tensor, Tensor],
    gelu: (x) => b.executeMultipleOutputs('AttentionLabGelu', none, [x], 2) as [Tensor, Tensor],
    geluGrad: (dy, x, s) => b.executeSingleOutput('AttentionLabGeluGrad', none, [dy, x, s]),
    adamw: (theta, m, v, grad, hyper) => b.executeMultipleOutputs('AttentionLabAdamW', none, [theta, m, v, grad, hyper], 3) as [Tensor, Tensor, Tensor],
    tiger(theta, m, grad, hyper, group) {
      let attrs = groupAttrs.get(group);
      if (!attrs) groupAttrs.set(group, (attrs = [{ name: 'group', type: b.binding.TF_ATTR_INT, value: group }]));
      return b.executeMultipleOutputs('AttentionLabTiger', attrs, [theta, m, grad, hyper], 2) as [Tensor, Tensor];
    },
    lion: (theta, m, grad, hyper) => b.executeMultipleOutputs('AttentionLabLion', none, [theta, m, grad, hyper], 2) as [Tensor, Tensor],
  };
}
