/**
 * The native fast ops (src/engine/fastOps.ts) call TensorFlow's kernels through tfjs-node's
 * binding directly: every op must give exactly (bit for bit) what the tf.* op gives on the same
 * backend, with the shapes and argument forms the model and the optimizers use. On wasm and cpu
 * the fast ops are the tf.* ops, so the same comparison runs there too.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastOps } from '../../src/engine/fastOps';
import { tf } from '../../src/engine/tf';
import type { Tensor } from '../../src/engine/tf';
import { liveTensors, testBackends, useTestBackend } from './testBackend';

/** Deterministic values with a fractional part, so that a changed summation order would show. */
function values(n: number, seed: number, positive = false): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.sin(seed + 0.37 * i) * (1 + (i % 7) / 3);
    out[i] = positive ? Math.abs(v) + 0.01 : v;
  }
  return out;
}

function t(shape: number[], seed: number, positive = false): Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, positive), shape);
}

function same(name: string, fast: Tensor, plain: Tensor): void {
  assert.deepEqual(fast.shape, plain.shape, `${name}: shape`);
  const a = fast.dataSync();
  const b = plain.dataSync();
  let diffs = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) diffs++;
  assert.equal(diffs, 0, `${name}: ${diffs} of ${a.length} entries differ from tf.*`);
}

for (const backend of testBackends()) {
  test(`${backend}: fast ops equal the tf.* ops bit for bit (elementwise with tensors and numbers, bias add, matmuls, reductions, reshapes, concat, split)`, async () => {
    await useTestBackend(backend);
    const o = fastOps();
    assert.equal(o.native, backend === 'tensorflow');
    const before = liveTensors();
    tf.tidy(() => {
      const a = t([96, 64], 1);
      const b = t([96, 64], 2);
      const p = t([96, 64], 3, true);
      const s = tf.scalar(0.9);
      const row = t([64], 4);
      const col = t([96, 1], 5, true);
      same('add', o.add(a, b), tf.add(a, b));
      same('add scalar tensor', o.add(a, s), tf.add(a, s));
      same('add number', o.add(a, 0.7978845608), tf.add(a, 0.7978845608));
      same('add row', o.add(a, row), tf.add(a, row));
      same('bias add', o.biasAdd(a, row), tf.add(a, row));
      // The dense layer's forward pass at the reference model's qkv, MLP and head sizes (B·T = 1024).
      for (const [k, m] of [[64, 192], [64, 256], [256, 64], [64, 32]] as const) {
        const x = t([1024, k], 6);
        const w = t([k, m], 7);
        const bias = t([m], 8);
        same(`dense [1024, ${k}]·[${k}, ${m}] + bias`, o.biasAdd(o.matMul(x, w), bias), tf.add(tf.matMul(x, w), bias));
      }
      same('sub', o.sub(a, b), tf.sub(a, b));
      same('sub column', o.sub(a, col), tf.sub(a, col));
      same('sub number first', o.sub(1, p), tf.sub(1, p));
      same('mul', o.mul(a, b), tf.mul(a, b));
      same('mul scalar tensor', o.mul(a, s), tf.mul(a, s));
      same('mul number', o.mul(a, 0.035677408), tf.mul(a, 0.035677408));
      same('mul column', o.mul(a, col), tf.mul(a, col));
      same('div', o.div(a, p), tf.div(a, p));
      same('square', o.square(a), tf.square(a));
      same('sqrt', o.sqrt(p), tf.sqrt(p));
      same('rsqrt', o.rsqrt(p), tf.rsqrt(p));
      same('sigmoid', o.sigmoid(a), tf.sigmoid(a));
      same('exp', o.exp(a), tf.exp(a));
      same('log', o.log(p), tf.log(p));
      same('softmax', o.softmax(a), tf.softmax(a));
      const w = t([64, 40], 6);
      const dy = t([96, 40], 7);
      same('matMul', o.matMul(a, w), tf.matMul(a, w));
      same('matMul transposeB', o.matMul(dy, w, false, true), tf.matMul(dy, w, false, true));
      same('matMul transposeA', o.matMul(a, dy, true, false), tf.matMul(a, dy, true, false));
      const ones = tf.fill([64, 1], 1 / 64);
      same('matMul by a column (row means)', o.matMul(a, ones), tf.matMul(a, ones));
      const big = t([1024, 64], 11);
      same('matMul [1024, 64] by a column', o.matMul(big, ones), tf.matMul(big, ones));
      const w3 = t([64, 192], 12);
      same('matMul [1024, 64] × [64, 192]', o.matMul(big, w3), tf.matMul(big, w3));
      const dy3 = t([1024, 192], 13);
      same('matMul [1024, 192] × [64, 192]ᵀ', o.matMul(dy3, w3, false, true), tf.matMul(dy3, w3, false, true));
      same('matMul [1024, 64]ᵀ × [1024, 192]', o.matMul(big, dy3, true, false), tf.matMul(big, dy3, true, false));
      const q = t([2, 3, 16, 8], 8);
      const k = t([2, 3, 16, 8], 9);
      same('batched matMul', o.matMul(q, k, false, true), tf.matMul(q, k, false, true));
      same('batched matMul transposeA', o.matMul(q, k, true, false), tf.matMul(q, k, true, false));
      const x3 = t([4, 24, 32], 10);
      same('sum last keepDims', o.sum(x3, -1, true), tf.sum(x3, -1, true));
      same('sum first', o.sum(x3, 0), tf.sum(x3, 0));
      same('sum two axes', o.sum(x3, [1, 2]), tf.sum(x3, [1, 2]));
      same('max last keepDims', o.max(x3, -1, true), tf.max(x3, -1, true));
      same('reshape', o.reshape(x3, [96, 32]), tf.reshape(x3, [96, 32]));
      same('transpose', o.transpose(q, [0, 2, 1, 3]), tf.transpose(q, [0, 2, 1, 3]));
      same('concat', o.concat([q, k, q], 1), tf.concat([q, k, q], 1));
      same('concat negative axis', o.concat([a, b], -1), tf.concat([a, b], -1));
      const parts = o.split(tf.concat([q, k, q], 1), [3, 3, 3], 1);
      const plainParts = tf.split(tf.concat([q, k, q], 1), [3, 3, 3], 1);
      parts.forEach((part, i) => same(`split ${i}`, part, plainParts[i] as Tensor));
      same('filled', o.filled(0.125, [64, 1]), tf.fill([64, 1], 0.125));
    });
    assert.equal(liveTensors(), before, 'no tensor leaks (kept constants aside)');
  });

  test(`${backend}: a fast op where the gradient tape records is refused on the native backend`, async () => {
    await useTestBackend(backend);
    const o = fastOps();
    const x = tf.tensor1d([1, 2, 3]);
    const grad = (): Tensor => tf.grad((v: Tensor) => tf.sum(o.mul(v, v)))(x);
    if (o.native) assert.throws(grad, /fastOps\.Mul: called where the gradient tape records/);
    else tf.dispose(grad());
    x.dispose();
  });
}
