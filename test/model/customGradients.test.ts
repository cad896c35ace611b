import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { liveTensors, testBackends, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import type { Tensor } from '../../src/engine/tf';
import { Rng } from '../../src/core/random';
import { dense, embedOneHot, oneHotFloat, transpose2d } from '../../src/engine/model/dense';
import { gelu } from '../../src/engine/model/gelu';
import { layerNorm } from '../../src/engine/model/layerNorm';
import { maxAbsDiff } from './modelConfig';

function randomTensor(rng: Rng, shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
}

/** Gradients of sum(f(...) · r) for a fixed random r, as flat arrays. */
function gradsOf(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], r: Tensor): Float32Array[] {
  const g = tf.grads((...args: Tensor[]) => tf.sum(tf.mul(f(...args), r)));
  const out = g(xs);
  const arrays = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  return arrays;
}

for (const backend of testBackends()) {
  test(`${backend}: custom-gradient dense matches autodiff of the plain matMul within 1e-5`, async () => {
    await useTestBackend(backend);
    const rng = new Rng(11);
    const x = randomTensor(rng, [10, 6]);
    const w = randomTensor(rng, [6, 5]);
    const b = randomTensor(rng, [5]);
    const r = randomTensor(rng, [10, 5]);
    const before = liveTensors();
    const custom = gradsOf((a, k, c) => dense(a, k, c), [x, w, b], r);
    const plain = gradsOf((a, k, c) => tf.add(tf.matMul(a, k), c), [x, w, b], r);
    for (let i = 0; i < 3; i++) assert.ok(maxAbsDiff(custom[i]!, plain[i]!) < 1e-5, `gradient ${i} differs`);
    const customNoBias = gradsOf((a, k) => dense(a, k), [x, w], r);
    const plainNoBias = gradsOf((a, k) => tf.matMul(a, k), [x, w], r);
    for (let i = 0; i < 2; i++) assert.ok(maxAbsDiff(customNoBias[i]!, plainNoBias[i]!) < 1e-5);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(dense(x, w, b), tf.add(tf.matMul(x, w), b)))));
    assert.ok((diff.dataSync()[0] as number) < 1e-5);
    diff.dispose();
    assert.equal(liveTensors(), before, 'dense gradients leak no tensor');
    tf.dispose([x, w, b, r]);
  });

  test(`${backend}: one-hot embedding gradient matches autodiff`, async () => {
    await useTestBackend(backend);
    const rng = new Rng(12);
    const table = randomTensor(rng, [7, 4]);
    const ids = tf.tensor1d([3, 0, 3, 6, 2], 'int32');
    const oneHot = oneHotFloat(ids, 7);
    assert.deepEqual(Array.from(oneHot.dataSync()).slice(0, 14), [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    const r = randomTensor(rng, [5, 4]);
    const custom = gradsOf((t) => embedOneHot(oneHot, t), [table], r);
    const plain = gradsOf((t) => tf.matMul(oneHot, t), [table], r);
    assert.ok(maxAbsDiff(custom[0]!, plain[0]!) < 1e-5);
    // Rows 1, 4, 5 are never looked up: zero gradient there.
    for (const row of [1, 4, 5]) for (let j = 0; j < 4; j++) assert.equal(custom[0]![row * 4 + j], 0);
    tf.dispose([table, ids, oneHot, r]);
  });

  test(`${backend}: custom-gradient LayerNorm matches autodiff of the plain formula within 1e-5`, async () => {
    await useTestBackend(backend);
    const rng = new Rng(13);
    const x = randomTensor(rng, [6, 8]);
    const g = randomTensor(rng, [8]);
    const b = randomTensor(rng, [8]);
    const r = randomTensor(rng, [6, 8]);
    const reference = (a: Tensor, gain: Tensor, bias: Tensor): Tensor => {
      const mean = tf.mean(a, 1, true);
      const c = tf.sub(a, mean);
      const v = tf.mean(tf.mul(c, c), 1, true);
      return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(v, 1e-5))), gain), bias);
    };
    const custom = gradsOf(layerNorm, [x, g, b], r);
    const plain = gradsOf(reference, [x, g, b], r);
    for (let i = 0; i < 3; i++) assert.ok(maxAbsDiff(custom[i]!, plain[i]!) < 1e-5, `gradient ${i} differs by ${maxAbsDiff(custom[i]!, plain[i]!)}`);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(layerNorm(x, g, b), reference(x, g, b)))));
    assert.ok((diff.dataSync()[0] as number) < 1e-5);
    tf.dispose([x, g, b, r, diff]);
    assert.equal(liveTensors(), 0);
  });

  test(`${backend}: LayerNorm of constant rows and rows far from zero matches a float64 reference`, async () => {
    await useTestBackend(backend);
    const n = 64;
    const d = 32;
    const rng = new Rng(14);
    // Row 0 constant (variance 0: x̂ = 0, the gradient through x̂ is 0), rows 1–31 offset by 1000, rows 32+ plain.
    const xs = Float64Array.from({ length: n * d }, (_, i) => (i < d ? 3 : i < 32 * d ? 1000 + rng.normal() : rng.normal()));
    const gs = Float64Array.from({ length: d }, () => 1 + 0.1 * rng.normal());
    const bs = Float64Array.from({ length: d }, () => 0.1 * rng.normal());
    const expected = new Float64Array(n * d);
    for (let row = 0; row < n; row++) {
      const v = xs.subarray(row * d, (row + 1) * d);
      const mean = v.reduce((a, c) => a + c, 0) / d;
      const variance = v.reduce((a, c) => a + (c - mean) ** 2, 0) / d;
      for (let j = 0; j < d; j++) expected[row * d + j] = ((v[j]! - mean) / Math.sqrt(variance + 1e-5)) * gs[j]! + bs[j]!;
    }
    const x = tf.tensor2d(Float32Array.from(xs), [n, d]);
    const g = tf.tensor1d(Float32Array.from(gs));
    const b = tf.tensor1d(Float32Array.from(bs));
    const y = layerNorm(x, g, b);
    const got = y.dataSync();
    // float32 input rounding of 1000 + ε (~3e-5 absolute) divided by σ ≈ 1 bounds the error there.
    for (let i = 0; i < n * d; i++) assert.ok(Math.abs(got[i]! - expected[i]!) < (i < 32 * d ? 2e-3 : 1e-5), `element ${i}: ${got[i]} vs ${expected[i]}`);
    const ones = tf.onesLike(y);
    const grads = gradsOf(layerNorm, [x, g, b], ones);
    // With r = 1, Σ_j dx̂_j·(…) makes dx vanish up to rounding; every gradient must be finite.
    for (const gr of grads) assert.ok(gr.every(Number.isFinite));
    tf.dispose([x, g, b, y, ones]);
  });

  test(`${backend}: custom-gradient GELU matches autodiff of the tanh formula within 1e-5`, async () => {
    await useTestBackend(backend);
    const rng = new Rng(15);
    const x = tf.tidy(() => tf.mul(randomTensor(rng, [5, 7]), 2));
    const r = randomTensor(rng, [5, 7]);
    const reference = (a: Tensor): Tensor => {
      const inner = tf.mul(tf.add(a, tf.mul(tf.mul(tf.mul(a, a), a), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(a, 0.5), tf.add(tf.tanh(inner), 1));
    };
    const custom = gradsOf(gelu, [x], r);
    const plain = gradsOf(reference, [x], r);
    assert.ok(maxAbsDiff(custom[0]!, plain[0]!) < 1e-5);
    const probe = tf.tensor1d([-3, -1, 0, 1, 3]);
    const y = gelu(probe);
    // tanh-form GELU: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))
    const expected = [-0.0036373, -0.1588080, 0, 0.8411920, 2.9963627];
    assert.ok(maxAbsDiff(y.dataSync(), expected) < 1e-5);
    tf.dispose([x, r, probe, y]);
    assert.equal(liveTensors(), 0);
  });

  test(`${backend}: transpose2d equals tf.transpose for even and odd row counts`, async () => {
    await useTestBackend(backend);
    const rng = new Rng(14);
    for (const shape of [[8, 3], [7, 5], [2, 4], [1024, 6]]) {
      const x = randomTensor(rng, shape);
      const a = transpose2d(x);
      const e = tf.transpose(x);
      assert.deepEqual(a.shape, e.shape);
      assert.deepEqual(a.dataSync(), e.dataSync());
      tf.dispose([x, a, e]);
    }
    assert.equal(liveTensors(), 0);
  });
}

test('dense rejects mismatched shapes', async () => {
  await initBackend('cpu');
  const x = tf.zeros([3, 4]);
  const w = tf.zeros([5, 2]);
  assert.throws(() => dense(x, w), /input width 4 does not match kernel rows 5/);
  const w2 = tf.zeros([4, 2]);
  const b = tf.zeros([3]);
  assert.throws(() => dense(x, w2, b), /bias must have shape \[2\]/);
  tf.dispose([x, w, w2, b]);
});
