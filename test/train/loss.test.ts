import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import { qNormValue } from '../../src/core/analysis/statistics';
import { maskedCrossEntropy, qNormLoss } from '../../src/engine/train/loss';
import { qAtStep } from '../../src/engine/train/trainer';

before(async () => {
  await useTestBackend(primaryTestBackend('wasm'));
});

test('masked cross-entropy averages −log p over target positions only', () => {
  // B = 1, T = 3, V = 2. logits row 0: [0, 0] → p = 0.5 each; row 1: [ln 3, 0] → p = [3/4, 1/4]; row 2 masked.
  const logits = tf.tensor3d([[[0, 0], [Math.log(3), 0], [5, -5]]]);
  const { perExample, predictions } = maskedCrossEntropy(logits, new Int32Array([1, 0, -1]));
  const expected = (-Math.log(0.5) - Math.log(0.75)) / 2;
  assert.ok(Math.abs((perExample.dataSync()[0] as number) - expected) < 1e-6);
  assert.deepEqual(Array.from(predictions.dataSync()), [0, 0, 0]);
  tf.dispose([logits, perExample, predictions]);
});

test('q-norm objective matches a hand-computed value and q = 1 is the mean', () => {
  // 2 inputs × 2 seeds: losses [[1, 3], [2, 2]] → per-input means [2, 2]... use asymmetric values:
  // [[1, 3], [4, 6]] → means [2, 5]; q = 2: sqrt((4 + 25) / 2) = sqrt(14.5)
  const per = tf.tensor1d([1, 3, 4, 6]);
  const q1 = qNormLoss(per, 2, 2, 1);
  const q2 = qNormLoss(per, 2, 2, 2);
  const q50 = qNormLoss(per, 2, 2, 50);
  assert.ok(Math.abs((q1.dataSync()[0] as number) - 3.5) < 1e-6);
  assert.ok(Math.abs((q2.dataSync()[0] as number) - Math.sqrt(14.5)) < 1e-5);
  // large q approaches the worst input's loss (5) from below
  const v50 = q50.dataSync()[0] as number;
  assert.ok(v50 < 5 && v50 > 4.9, `q=50 gives ${v50}`);
  assert.ok(Math.abs(qNormValue([2, 5], 2) - Math.sqrt(14.5)) < 1e-12);
  tf.dispose([per, q1, q2, q50]);
});

test('q-norm gradient weights the worse input more for q > 1', () => {
  const x = tf.variable(tf.tensor1d([1, 3]));
  const g1 = tf.grad((v: tf.Tensor) => qNormLoss(v, 2, 1, 1))(x);
  const g4 = tf.grad((v: tf.Tensor) => qNormLoss(v, 2, 1, 4))(x);
  const [a1, b1] = Array.from(g1.dataSync());
  const [a4, b4] = Array.from(g4.dataSync());
  assert.ok(Math.abs((a1 as number) - 0.5) < 1e-6 && Math.abs((b1 as number) - 0.5) < 1e-6);
  // d/dx_i (mean x^q)^(1/q) = x_i^(q-1) / n · (mean x^q)^(1/q − 1)
  const m = (1 + 81) / 2;
  const expectA = (1 / 2) * Math.pow(m, 1 / 4 - 1);
  const expectB = (27 / 2) * Math.pow(m, 1 / 4 - 1);
  assert.ok(Math.abs((a4 as number) - expectA) < 1e-5, `${a4} vs ${expectA}`);
  assert.ok(Math.abs((b4 as number) - expectB) < 1e-5, `${b4} vs ${expectB}`);
  tf.dispose([x, g1, g4]);
});

test('q < 1 is rejected', () => {
  const per = tf.tensor1d([1, 2]);
  assert.throws(() => qNormLoss(per, 2, 1, 0.5), /q must be/);
  per.dispose();
});

test('masked cross-entropy: value and gradient match autodiff of the one-hot / mask / mean formulation', () => {
  // B = 3, T = 4, V = 5; example 2 has no target at all (weighs 0), example 0 two of four.
  const [B, T, V] = [3, 4, 5];
  const values = Array.from({ length: B * T * V }, (_, i) => Math.sin(i * 1.7) * 3);
  const targets = new Int32Array([2, -1, 4, -1, 0, 1, 2, 3, -1, -1, -1, -1]);
  const logits = tf.tensor3d(values, [B, T, V]);
  const r = tf.tensor1d([0.7, -1.3, 2.1]);
  const reference = (x: tf.Tensor): tf.Tensor => {
    const logp = tf.logSoftmax(tf.reshape(x, [B * T, V]));
    const safe = Array.from(targets, (t) => Math.max(t, 0));
    const mask = Array.from(targets, (t) => (t >= 0 ? 1 : 0));
    const nll = tf.mul(tf.neg(tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(safe, 'int32'), V)), 1)), tf.tensor1d(mask));
    const counts = [2, 4, 1]; // examples without targets divide by 1 (their sum is 0)
    return tf.div(tf.sum(tf.reshape(nll, [B, T]), 1), tf.tensor1d(counts));
  };
  const ours = (x: tf.Tensor): tf.Tensor => {
    const { perExample, predictions } = maskedCrossEntropy(x, targets);
    predictions.dispose();
    return perExample;
  };
  const want = tf.tidy(() => Array.from(reference(logits).dataSync()));
  const got = tf.tidy(() => Array.from(ours(logits).dataSync()));
  got.forEach((g, i) => assert.ok(Math.abs(g - (want[i] as number)) < 1e-5, `example ${i}: ${g} vs ${want[i]}`));
  assert.equal(got[2], 0);
  const gWant = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(reference(x), r)))(logits);
  const gGot = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(ours(x), r)))(logits);
  const a = gGot.dataSync();
  const b = gWant.dataSync();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) < 1e-6, `gradient ${i}: ${a[i]} vs ${b[i]}`);
  assert.throws(() => maskedCrossEntropy(logits, new Int32Array(3)), /expected 12 targets/);
  assert.throws(() => maskedCrossEntropy(logits, new Int32Array(12).fill(5)), /target 5 at index 0 is outside the vocabulary/);
  tf.dispose([logits, r, gWant, gGot]);
});

test('q warm-up: q rises linearly from 1 to q over the warm-up steps, then stays', () => {
  assert.equal(qAtStep(32, 0, 0), 32);
  assert.equal(qAtStep(32, 100, 0), 1);
  assert.equal(qAtStep(32, 100, 50), 16.5);
  assert.equal(qAtStep(32, 100, 100), 32);
  assert.equal(qAtStep(32, 100, 1000), 32);
  assert.equal(qAtStep(1, 100, 10), 1);
});
