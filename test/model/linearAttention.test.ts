/**
 * The model options of the randomized-Transformers recall model (docs/science.md §7.1): linear
 * attention (a hand-worked forward and gradient, and finite differences through the whole model),
 * key and value sizes of their own, blocks without an MLP, the task's fixed input features, fan-in
 * initialisation, the seed bits in dimensions no position code touches, and the seed projection.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import { Rng } from '../../src/core/random';
import { linearAttention } from '../../src/engine/model/linearAttention';
import { createModel, randomSeedBits } from '../../src/engine/model/transformer';
import type { Model } from '../../src/engine/model/transformer';
import { sinusoidalTable } from '../../src/engine/model/positions';
import type { ModelConfig } from '../../src/protocol/config';
import { maxAbsDiff, smallConfig } from './modelConfig';

before(async () => {
  await useTestBackend(primaryTestBackend('cpu'));
});

test('linear attention: y = (QKᵀ ⊙ M)V and its gradient, worked by hand', () => {
  // One batch, one head, T = 2, dk = 2, dv = 1, causal M = [[1, 0], [1, 1]].
  const q = tf.tensor4d([1, 2, 3, -1], [1, 1, 2, 2]);
  const k = tf.tensor4d([0.5, 1, -1, 2], [1, 1, 2, 2]);
  const v = tf.tensor4d([2, -3], [1, 1, 2, 1]);
  const mask = tf.tensor2d([1, 0, 1, 1], [2, 2]);
  // QKᵀ = [[1·0.5 + 2·1, 1·(−1) + 2·2], [3·0.5 − 1, −3 − 2]] = [[2.5, 3], [0.5, −5]]; masked [[2.5, 0], [0.5, −5]]
  // y = [[2.5·2], [0.5·2 + (−5)(−3)]] = [[5], [16]]
  const { y, weights } = linearAttention(q, k, v, mask);
  assert.deepEqual(Array.from(weights.dataSync()), [2.5, 0, 0.5, -5]);
  assert.deepEqual(Array.from(y.dataSync()), [5, 16]);
  // L = Σ y ⊙ g with g = [1, 2]: dW = g vᵀ ⊙ M = [[2, 0], [4, −6]]; dq = dW K = [[1, 2], [−2 + 6 − 4 − 12]…]
  const g = tf.tensor4d([1, 2], [1, 1, 2, 1]);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(linearAttention(a, b, c, mask).y, g)))([q, k, v]);
  // dq_t = Σ_s dW[t,s] k_s: dq_0 = 2·[0.5, 1] = [1, 2]; dq_1 = 4·[0.5, 1] − 6·[−1, 2] = [8, −8]
  assert.deepEqual(Array.from((grads[0] as tf.Tensor).dataSync()), [1, 2, 8, -8]);
  // dk_s = Σ_t dW[t,s] q_t: dk_0 = 2·[1, 2] + 4·[3, −1] = [14, 0]; dk_1 = −6·[3, −1] = [−18, 6]
  assert.deepEqual(Array.from((grads[1] as tf.Tensor).dataSync()), [14, 0, -18, 6]);
  // dv_s = Σ_t W[t,s] g_t: dv_0 = 2.5·1 + 0.5·2 = 3.5; dv_1 = −5·2 = −10
  assert.deepEqual(Array.from((grads[2] as tf.Tensor).dataSync()), [3.5, -10]);
  tf.dispose([q, k, v, mask, y, weights, g, ...grads]);
});

const linearConfig = (o: Partial<ModelConfig> = {}): ModelConfig =>
  smallConfig({ attention: 'linear', keySize: 3, valueSize: 5, dFf: 0, init: 'fan-in', position: 'none', rseBits: 2, rseProjection: true, ...o });

/** Mean of log-softmax(logits) · fixed weights: a smooth scalar of every parameter. */
function lossOf(m: Model, tokens: tf.Tensor2D, bits: tf.Tensor2D, w: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.mul(tf.logSoftmax(m.forward({ tokens, seedBits: bits }).logits), w)) as tf.Scalar);
}

test('linear-attention model: gradients match central finite differences', () => {
  const config = linearConfig();
  const m = createModel(config, 3);
  const rng = new Rng(11);
  const B = 2;
  const T = 5;
  const tokens = tf.tensor2d(Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(0, config.vocabSize))), undefined, 'int32');
  const bits = tf.tensor2d(randomSeedBits(rng, B, 2), [B, 2]);
  const w = tf.tensor3d(Float32Array.from({ length: B * T * config.vocabSize }, () => rng.normal()), [B, T, config.vocabSize]);
  const { grads, value } = tf.variableGrads(() => lossOf(m, tokens, bits, w), m.params.map((p) => p.variable));
  value.dispose();
  const h = 1e-2;
  let checked = 0;
  for (const p of m.params) {
    const analytic = (grads[p.variable.name] as tf.Tensor).dataSync() as Float32Array;
    const values = p.variable.dataSync() as Float32Array;
    for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
      const at = (x: number): number => {
        const copy = Float32Array.from(values);
        copy[i] = x;
        p.variable.assign(tf.tensor(copy, p.variable.shape));
        const l = lossOf(m, tokens, bits, w);
        const out = l.dataSync()[0] as number;
        l.dispose();
        return out;
      };
      const x0 = values[i] as number;
      const numeric = (at(x0 + h) - at(x0 - h)) / (2 * h);
      at(x0);
      const a = analytic[i] as number;
      assert.ok(Math.abs(numeric - a) <= 2e-3 + 0.05 * Math.abs(a), `${p.name}[${i}]: analytic ${a}, numeric ${numeric}`);
      checked++;
    }
  }
  assert.ok(checked >= 3 * 10, `checked ${checked} entries`);
  tf.dispose([tokens, bits, w, ...Object.values(grads)]);
  m.dispose();
});

test('key and value sizes of their own, blocks without MLP, linear shares per row', () => {
  const m = createModel(linearConfig({ layers: 1 }), 1);
  const byName = new Map(m.params.map((p) => [p.name, p.variable.shape]));
  assert.deepEqual(byName.get('blocks.0.attn.qkv.kernel'), [16, 2 * (2 * 3 + 5)]);
  assert.deepEqual(byName.get('blocks.0.attn.out.kernel'), [2 * 5, 16]);
  assert.deepEqual(byName.get('embed.seed.kernel'), [2, 2]);
  assert.ok(![...byName.keys()].some((n) => n.includes('mlp') || n.includes('ln2')), 'dFf = 0: no MLP');
  const tokens = tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32');
  const bits = tf.tensor2d([[1, -1]]);
  const out = m.forward({ tokens, seedBits: bits, returnAttention: true });
  const shares = out.attention[0]?.arraySync() as number[][][][];
  for (const head of shares[0] ?? []) {
    head.forEach((row, q) => {
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'shares sum to 1');
      for (let k = q + 1; k < row.length; k++) assert.equal(row[k], 0, 'causal');
    });
  }
  tf.dispose([tokens, bits, out.logits, ...out.attention]);
  m.dispose();
  // softmax attention with unequal key and value sizes: the autodiff path, rows of probabilities
  const s = createModel(smallConfig({ keySize: 4, valueSize: 6 }), 1);
  const t2 = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
  const o2 = s.forward({ tokens: t2, returnAttention: true });
  assert.deepEqual(o2.logits.shape, [1, 3, 11]);
  for (const row of (o2.attention[1]?.arraySync() as number[][][][])[0]?.[1] ?? []) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  tf.dispose([t2, o2.logits, ...o2.attention]);
  s.dispose();
});

test('fan-in initialisation: matrices N(0, 1/fan_in), residual projections / √layers', () => {
  const m = createModel(smallConfig({ init: 'fan-in', dModel: 64, heads: 1, layers: 4, dFf: 128, vocabSize: 40 }), 2);
  const rms = (name: string): number => {
    const d = m.params.find((p) => p.name === name)?.variable.dataSync() as Float32Array;
    return Math.sqrt(d.reduce((a, x) => a + x * x, 0) / d.length);
  };
  assert.ok(Math.abs(rms('blocks.0.attn.qkv.kernel') - 1 / 8) < 0.01);
  assert.ok(Math.abs(rms('blocks.0.attn.out.kernel') - 1 / 8 / 2) < 0.01);
  assert.ok(Math.abs(rms('blocks.1.mlp.proj.kernel') - 1 / Math.sqrt(128 * 4)) < 0.005);
  assert.ok(Math.abs(rms('embed.token') - 0.02) < 0.003, 'embeddings keep N(0, 0.02)');
  m.dispose();
});

test("embedding 'features': the task's fixed vectors, no token table; clear errors without them", () => {
  const V = 6;
  const width = 3;
  const table = Float32Array.from({ length: V * width }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const config = linearConfig({ embedding: 'features', dModel: width + 2, heads: 1, vocabSize: V });
  assert.throws(() => createModel(config, 1), /embedding 'features' needs the task's input features/);
  assert.throws(() => createModel(config, 1, { inputFeatures: { width: 4, table: new Float32Array(V * 4) } }), /needs dModel − rseBits = 3/);
  const m = createModel(config, 1, { inputFeatures: { width, table } });
  assert.ok(!m.params.some((p) => p.name === 'embed.token'));
  const tokens = tf.tensor2d([[0, 1, 2], [0, 1, 3]], undefined, 'int32');
  const bits = tf.tensor2d([[1, 1], [1, 1]]);
  const out = m.forward({ tokens, seedBits: bits });
  const l = out.logits.arraySync() as number[][][];
  // tokens 2 and 3 have different features (rows [0,0,1]→… and …), so the last position differs
  assert.ok(maxAbsDiff(l[0]?.[2] ?? [], l[1]?.[2] ?? []) > 1e-4);
  assert.ok(maxAbsDiff(l[0]?.[0] ?? [], l[1]?.[0] ?? []) < 1e-6, 'same prefix, same causal output');
  tf.dispose([tokens, bits, out.logits]);
  m.dispose();
});

test('the seed projection starts as the identity: the same logits as the plain seed bits', () => {
  const plain = createModel(smallConfig({ rseBits: 4 }), 5);
  const projected = createModel(smallConfig({ rseBits: 4, rseProjection: true }), 5);
  const tokens = tf.tensor2d([[1, 2, 3], [4, 5, 6]], undefined, 'int32');
  const bits = tf.tensor2d(randomSeedBits(new Rng(1), 2, 4), [2, 4]);
  const a = plain.forward({ tokens, seedBits: bits }).logits;
  const b = projected.forward({ tokens, seedBits: bits }).logits;
  assert.ok(maxAbsDiff(a.dataSync(), b.dataSync()) < 1e-6);
  tf.dispose([tokens, bits, a, b]);
  plain.dispose();
  projected.dispose();
  assert.throws(() => createModel(smallConfig({ rseProjection: true }), 1), /rseProjection needs rseBits > 0/);
  assert.throws(() => createModel(smallConfig({ attention: 'linear', attentionScaling: 'logn' }), 1), /linear attention is unscaled/);
});

test('seed bits live in dimensions no position code touches', () => {
  // Blocks that add nothing (zero output projections) and a head that reads the residual stream:
  // logits[:D] = LayerNorm(x₀) = (x₀ − μ)/σ. Ratios of differences survive LayerNorm, so with the token
  // embeddings zeroed, (y_i − y_j)/(y_a − y_b) over seed dims i, j and token dims a, b recovers
  // (x_i − x_j)/(x_a − x_b) with x_a − x_b from the sinusoidal code alone.
  const D = 8;
  const R = 2;
  const config = smallConfig({ dModel: D, heads: 2, layers: 1, dFf: 8, vocabSize: 10, position: 'sinusoidal', rseBits: R });
  const m = createModel(config, 1);
  for (const p of m.params) {
    if (p.name === 'embed.token' || p.name.endsWith('out.kernel') || p.name.endsWith('proj.kernel')) p.variable.assign(tf.zerosLike(p.variable));
    if (p.name === 'head.kernel') p.variable.assign(tf.concat([tf.eye(D), tf.zeros([D, 2])], 1));
  }
  const tokens = tf.tensor2d([[1, 2, 3, 4, 5, 6]], undefined, 'int32');
  const bits = tf.tensor2d([[1, -1]]);
  const y = m.forward({ tokens, seedBits: bits }).logits.arraySync() as number[][][];
  const pe = sinusoidalTable([0, 1, 2, 3, 4, 5], D - R);
  for (let t = 1; t < 6; t++) {
    const row = y[0]?.[t] as number[];
    // token dims a = 0, b = 1: x_a − x_b = pe[t][0] − pe[t][1]
    const dx = (pe[t * (D - R)] as number) - (pe[t * (D - R) + 1] as number);
    const seedDiff = (((row[D - 2] as number) - (row[D - 1] as number)) / ((row[0] as number) - (row[1] as number))) * dx;
    // the seed dims hold ±0.02 exactly: x_{D−2} − x_{D−1} = 0.02 − (−0.02)
    assert.ok(Math.abs(seedDiff - 0.04) < 1e-4, `position ${t}: seed dims differ by ${seedDiff}, not 0.04`);
  }
  tf.dispose([tokens, bits]);
  m.dispose();
});
