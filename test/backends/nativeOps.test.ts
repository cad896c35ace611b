/**
 * TensorFlow ops called by name on the native backend (src/engine/nativeOps.ts): the fused dense
 * kernel gives exactly MatMul + Add, BiasAddGrad exactly the row sum, and a binding built by
 * `npm run setup:native` passes list attributes (so the fused kernel is in use). Runs when
 * tfjs-node loads here (`npm run test:native`, and on CI where it must).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../src/engine/backend';
import { biasGrad, fusedDense, fusedDenseAvailable } from '../../src/engine/nativeOps';
import { tf } from '../../src/engine/tf';
import { requestedTestBackends } from './testBackend';

const wanted = requestedTestBackends()?.includes('tensorflow') ?? false;

/** Deterministic values with a fractional part, so that a changed summation order would show. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed + 0.37 * i) * (1 + (i % 7) / 3);
  return out;
}

test('native ops: _FusedMatMul equals MatMul + Add and BiasAddGrad equals the row sum, exactly', async (t) => {
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
  tf.tidy(() => {
    const x = tf.tensor2d(values(96 * 64, 1), [96, 64]);
    const w = tf.tensor2d(values(64 * 40, 2), [64, 40]);
    const b = tf.tensor1d(values(40, 3));
    if (fusedDenseAvailable()) {
      const fused = fusedDense(x, w, b).dataSync();
      const plain = tf.add(tf.matMul(x, w), b).dataSync();
      assert.deepEqual([...fused], [...plain]);
    }
    const dy = tf.tensor2d(values(96 * 40, 4), [96, 40]);
    const sum = tf.sum(dy, 0).dataSync();
    const grad = biasGrad(dy);
    assert.deepEqual(grad.shape, [40]);
    const g = grad.dataSync();
    for (let i = 0; i < 40; i++) assert.ok(Math.abs((g[i] as number) - (sum[i] as number)) <= 1e-5 * (1 + Math.abs(sum[i] as number)), `column ${i}: ${g[i]} vs ${sum[i]}`);
  });
  await initBackend('wasm');
  assert.equal(fusedDenseAvailable(), false, 'only on the native backend');
  tf.tidy(() => assert.deepEqual([...biasGrad(tf.tensor2d([[1, 2], [3, 4]])).dataSync()], [4, 6]));
});
