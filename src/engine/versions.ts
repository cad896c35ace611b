// tfjs-core's version string alone (tf.version_core is this constant): a run.json is written by
// processes that never load TensorFlow.js (the runner's, the Slurm task entry's).
import { version as tfjsCoreVersion } from '@tensorflow/tfjs-core/dist/version';

/** Package version, inlined at build time by esbuild's `define`; 'dev' when run unbundled. */
declare const __ATTENTION_LAB_VERSION__: string | undefined;

export function attentionLabVersion(): string {
  return typeof __ATTENTION_LAB_VERSION__ === 'string' ? __ATTENTION_LAB_VERSION__ : 'dev';
}

/** Parts this process loaded that change a run's numbers (the native backend's fused kernels). */
const loadedParts: Record<string, string> = {};

/** Records a loaded part for versions(), e.g. ('attention-lab-kernels', 'v1'). */
export function recordLoadedPart(name: string, version: string): void {
  loadedParts[name] = version;
}

/** Versions recorded in run.json and checkpoints. */
export function versions(): Record<string, string> {
  return { 'attention-lab': attentionLabVersion(), 'tfjs-core': tfjsCoreVersion, node: process.versions.node, ...loadedParts };
}
