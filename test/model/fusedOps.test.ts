/**
 * The fused ops with hand-written gradients (attentionHeads.ts) against autodiff of the plain
 * formulas they replace, on every test backend: values and gradients within float tolerance.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { liveTensors, testBackends, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import type { Tensor } from '../../src/engine/tf';
import { Rng } from '../../src/core/random';
import { addPositionCode, attentionHeads, residualAdd } from '../../src/engine/model/attentionHeads';
import { maxAbsDiff } from './modelConfig';

function randomTensor(rng: Rng, shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
}

/** Value and gradients of sum(f(...) · r) for a fixed random r. */
function valueAndGrads(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], r: Tensor): { value: Float32Array; grads: Float32Array[] } {
  const value = tf.tidy(() => f(...xs).dataSync() as Float32Array);
  const out = tf.grads((...args: Tensor[]) => tf.sum(tf.mul(f(...args), r)))(xs);
  const grads = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  return { value, grads };
}

/** The autodiff reference: the same attention with plain tf ops. */
function plainAttention(qkv: Tensor, B: number, T: number, H: number, Dh: number, scale: Tensor, mask: Tensor | null): Tensor {
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, Dh]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(heads, 3, 1) as [Tensor, Tensor, Tensor];
  let logits = tf.mul(tf.matMul(q, k, false, true), scale);
  if (mask) logits = tf.add(logits, mask);
  return tf.reshape(tf.transpose(tf.matMul(tf.softmax(logits), v), [0, 2, 1, 3]), [B * T, H * Dh]);
}

for (const backend of testBackends()) {
  test(`${backend}: fused attention matches autodiff of the plain formula (causal, per-row scale; bidirectional)`, async () => {
    await useTestBackend(backend);
    const rng = new Rng(21);
    const [B, T, H, Dh] = [2, 5, 2, 3];
    const qkv = randomTensor(rng, [B * T, 3 * H * Dh]);
    const r = randomTensor(rng, [B * T, H * Dh]);
    const scale = tf.tensor2d(Array.from({ length: T }, (_, i) => 0.3 + 0.1 * i), [T, 1]); // logn-like, per row
    const maskValues = new Float32Array(T * T);
    for (let q = 0; q < T; q++) for (let k = q + 1; k < T; k++) maskValues[q * T + k] = -1e9;
    const mask = tf.tensor2d(maskValues, [T, T]);
    const before = liveTensors();
    for (const m of [mask, null]) {
      const fused = valueAndGrads((x) => attentionHeads(x, { B, T, H, Dh }, scale, m), [qkv], r);
      const plain = valueAndGrads((x) => plainAttention(x, B, T, H, Dh, scale, m), [qkv], r);
      assert.ok(maxAbsDiff(fused.value, plain.value) < 1e-5, `values differ (mask: ${m !== null})`);
      assert.ok(maxAbsDiff(fused.grads[0]!, plain.grads[0]!) < 1e-5, `gradients differ (mask: ${m !== null})`);
    }
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.throws(() => attentionHeads(r, { B, T, H, Dh }, scale, mask), /qkv must be \[10, 18\]/);
    tf.dispose([qkv, r, scale, mask]);
  });

  test(`${backend}: residual add and position code pass the gradients autodiff gives`, async () => {
    await useTestBackend(backend);
    const rng = new Rng(22);
    const [B, T, D] = [3, 4, 5];
    const x = randomTensor(rng, [B * T, D]);
    const y = randomTensor(rng, [B * T, D]);
    const code = randomTensor(rng, [T, D]);
    const r = randomTensor(rng, [B * T, D]);
    const before = liveTensors();
    const res = valueAndGrads((a, b) => residualAdd(a, b), [x, y], r);
    assert.deepEqual(Array.from(res.value), Array.from(tf.tidy(() => tf.add(x, y).dataSync())));
    assert.deepEqual(Array.from(res.grads[0]!), Array.from(r.dataSync()));
    assert.deepEqual(Array.from(res.grads[1]!), Array.from(r.dataSync()));
    const fused = valueAndGrads((a, c) => addPositionCode(a, c, B, T), [x, code], r);
    const plain = valueAndGrads((a, c) => tf.reshape(tf.add(tf.reshape(a, [B, T, D]), c), [B * T, D]), [x, code], r);
    assert.ok(maxAbsDiff(fused.value, plain.value) < 1e-6);
    for (let i = 0; i < 2; i++) assert.ok(maxAbsDiff(fused.grads[i]!, plain.grads[i]!) < 1e-5, `position-code gradient ${i}`);
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.throws(() => residualAdd(x, code), /shapes differ/);
    assert.throws(() => addPositionCode(x, code, B, T + 1), /expected x \[15, 5\]/);
    tf.dispose([x, y, code, r]);
  });
}
