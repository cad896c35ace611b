/**
 * TensorFlow ops called by name on the native backend (src/engine/nativeOps.ts): the fused dense
 * kernel gives exactly MatMul + Add (on the reference model's shapes), and a binding built by
 * `npm run setup:native` passes list attributes (so the fused kernel is in use). Runs when
 * tfjs-node loads here (`npm run test:native`, and on CI where it must).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../src/engine/backend';
import { fusedDense, fusedDenseAvailable } from '../../src/engine/nativeOps';
import { tf } from '../../src/engine/tf';
import { requestedTestBackends } from './testBackend';

const wanted = requestedTestBackends()?.includes('tensorflow') ?? false;

/** Deterministic values with a fractional part, so that a changed summation order would show. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed + 0.37 * i) * (1 + (i % 7) / 3);
  return out;
}

test('native ops: _FusedMatMul equals MatMul + Add exactly', async (t) => {
  let name: string;
  try {
    name = (await initBackend('node')).name;
  } catch (err) {
    if (wanted) throw err;
    t.skip('tfjs-node does not load here');
    return;
  }
  assert.equal(name, 'tensorflow');
  // A binding built by the project's setup carries the patch; the suite was asked to test it.
  if (wanted) assert.ok(fusedDenseAvailable(), 'the binding does not pass list attributes: run `npm run setup:native` (it patches and rebuilds it)');
  // [N, In] × [In, Out] + [Out]: a small case, then the reference model's qkv, MLP and head layers at B·T = 1024.
  for (const [n, k, m] of [[96, 64, 40], [1024, 64, 192], [1024, 64, 256], [1024, 256, 64], [1024, 64, 32]] as const) {
    tf.tidy(() => {
      const x = tf.tensor2d(values(n * k, 1), [n, k]);
      const w = tf.tensor2d(values(k * m, 2), [k, m]);
      const b = tf.tensor1d(values(m, 3));
      if (!fusedDenseAvailable()) return;
      const fused = fusedDense(x, w, b).dataSync();
      const plain = tf.add(tf.matMul(x, w), b).dataSync();
      let diffs = 0;
      for (let i = 0; i < fused.length; i++) if (!Object.is(fused[i], plain[i])) diffs++;
      assert.equal(diffs, 0, `[${n}, ${k}] × [${k}, ${m}]: ${diffs} entries differ`);
    });
  }
  await initBackend('wasm');
  assert.equal(fusedDenseAvailable(), false, 'only on the native backend');
});
