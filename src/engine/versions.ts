import { tf } from './tf';

/** Package version, inlined at build time by esbuild's `define`; 'dev' when run unbundled. */
declare const __ATTENTION_LAB_VERSION__: string | undefined;

export function attentionLabVersion(): string {
  return typeof __ATTENTION_LAB_VERSION__ === 'string' ? __ATTENTION_LAB_VERSION__ : 'dev';
}

/** Versions recorded in run.json and checkpoints. */
export function versions(): Record<string, string> {
  return { 'attention-lab': attentionLabVersion(), 'tfjs-core': tf.version_core, node: process.versions.node };
}
