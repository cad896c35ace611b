import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { testBackends, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import { createModel } from '../../src/engine/model/transformer';
import type { ForwardInput, Model } from '../../src/engine/model/transformer';
import { buildBatchAttentionMask } from '../../src/engine/model/attentionMask';
import { logitNoiseValues } from '../../src/engine/model/logitNoise';
import type { ModelConfig } from '../../src/protocol/config';
import { maxAbsDiff, smallConfig } from './modelConfig';

const BACKEND = testBackends()[0] ?? 'cpu';
before(async () => {
  await useTestBackend(BACKEND);
});

function forward(model: Model, tokens: number[][], extra: Omit<Partial<ForwardInput>, 'tokens'> = {}): { logits: Float32Array; attention: Float32Array[] } {
  const t = tf.tensor2d(tokens, undefined, 'int32');
  const out = model.forward({ ...extra, tokens: t });
  const r = { logits: out.logits.dataSync() as Float32Array, attention: out.attention.map((a) => a.dataSync() as Float32Array) };
  tf.dispose([t, out.logits, ...out.attention]);
  return r;
}

function withModel<R>(config: ModelConfig, f: (m: Model) => R): R {
  const m = createModel(config, 7);
  try {
    return f(m);
  } finally {
    m.dispose();
  }
}

// Two 4-vertex graphs over positions 0…3: a path 0–1–2–3 and a star around 0.
const T = 4;
function adjacency(edges: [number, number][]): Uint8Array {
  const m = new Uint8Array(T * T);
  for (const [u, v] of edges) m[u * T + v] = m[v * T + u] = 1;
  return m;
}
const PATH = adjacency([[0, 1], [1, 2], [2, 3]]);
const STAR = adjacency([[0, 1], [0, 2], [0, 3]]);
const TOKENS = [
  [4, 5, 6, 7],
  [7, 6, 5, 4],
];

for (const attention of ['softmax', 'linear'] as const) {
  test(`${attention}: one mask per example gives each row what it gives alone with its own mask (${BACKEND})`, () => {
    const config = smallConfig({ causal: false, position: 'none', attention, init: attention === 'linear' ? 'fan-in' : 'gpt2' });
    withModel(config, (m) => {
      const both = new Uint8Array([...PATH, ...STAR]);
      for (const returnAttention of [false, true]) {
        const batch = forward(m, TOKENS, { mask: both, returnAttention });
        const alone = [forward(m, [TOKENS[0] as number[]], { mask: PATH, returnAttention }), forward(m, [TOKENS[1] as number[]], { mask: STAR, returnAttention })];
        const V = config.vocabSize;
        for (let b = 0; b < 2; b++) {
          assert.ok(maxAbsDiff(batch.logits.slice(b * T * V, (b + 1) * T * V), (alone[b] as { logits: Float32Array }).logits) < 1e-5, `row ${b} (returnAttention ${returnAttention})`);
        }
        if (returnAttention) {
          const H = config.heads;
          const probs = batch.attention[0] as Float32Array; // [2, H, T, T]
          for (let b = 0; b < 2; b++) {
            const mask = b === 0 ? PATH : STAR;
            for (let h = 0; h < H; h++) for (let i = 0; i < T * T; i++) if (mask[i] === 0) assert.equal(probs[(b * H + h) * T * T + i], 0, `masked key ${i} of row ${b}`);
          }
        }
      }
      assert.throws(() => forward(m, TOKENS, { mask: new Uint8Array(3 * T * T) }), /expected 16 entries.*or 32/);
    });
  });
}

test('a per-example mask with a row that sees nothing names the example', () => {
  const empty = new Uint8Array(T * T);
  assert.throws(() => buildBatchAttentionMask(2, T, false, new Uint8Array([...PATH, ...empty])), /example 1: .*query row 0 may see no key/);
  const m = buildBatchAttentionMask(2, T, false, new Uint8Array([...PATH, ...STAR]));
  assert.equal(m.perExample, true);
  assert.deepEqual([...m.visibleKeys], [1, 2, 2, 1, 3, 1, 1, 1]);
});

test(`logit noise: σ = 0 changes nothing at all, σ > 0 changes the rows, deterministically per seed and only in the chosen layers (${BACKEND})`, () => {
  const config = smallConfig({ causal: true, layers: 2 });
  withModel(config, (m) => {
    const tokens = [[4, 5, 6, 7, 8, 9]];
    const clean = forward(m, tokens, { returnAttention: true });
    const zero = forward(m, tokens, { returnAttention: true, logitNoise: { sigma: 0, seed: 3 } });
    assert.deepEqual([...zero.logits], [...clean.logits], 'σ = 0: bit for bit');
    const noisy = forward(m, tokens, { returnAttention: true, logitNoise: { sigma: 1, seed: 3 } });
    assert.ok(maxAbsDiff(noisy.attention[0] as Float32Array, clean.attention[0] as Float32Array) > 1e-3);
    assert.deepEqual([...forward(m, tokens, { logitNoise: { sigma: 1, seed: 3 } }).logits], [...noisy.logits], 'same seed, same noise');
    assert.ok(maxAbsDiff(forward(m, tokens, { logitNoise: { sigma: 1, seed: 4 } }).logits, noisy.logits) > 1e-6, 'another seed, other noise');
    const second = forward(m, tokens, { returnAttention: true, logitNoise: { sigma: 1, seed: 3, layers: [1] } });
    assert.deepEqual([...(second.attention[0] as Float32Array)], [...(clean.attention[0] as Float32Array)], 'layer 0 untouched');
    assert.ok(maxAbsDiff(second.attention[1] as Float32Array, clean.attention[1] as Float32Array) > 1e-3);
    // Rows still sum to 1 and the causal mask still holds under noise.
    const p = noisy.attention[0] as Float32Array;
    const Tn = 6;
    for (let h = 0; h < config.heads; h++) {
      for (let q = 0; q < Tn; q++) {
        let s = 0;
        for (let k = 0; k < Tn; k++) {
          const v = p[(h * Tn + q) * Tn + k] as number;
          if (k > q) assert.equal(v, 0);
          s += v;
        }
        assert.ok(Math.abs(s - 1) < 1e-5);
      }
    }
    assert.throws(() => forward(m, tokens, { logitNoise: { sigma: -1, seed: 1 } }), /sigma must be a finite number ≥ 0/);
    assert.throws(() => forward(m, tokens, { logitNoise: { sigma: 1, seed: 1, layers: [2] } }), /layer 2 is not one of the model's layers 0…1/);
  });
  withModel(smallConfig({ attention: 'linear', init: 'fan-in' }), (m) => {
    assert.throws(() => forward(m, [[4, 5]], { logitNoise: { sigma: 0.5, seed: 1 } }), /needs softmax attention/);
  });
});

test('logit noise values: N(0, σ²) per entry (mean ≈ 0, std ≈ σ over 40,000 draws)', () => {
  const v = logitNoiseValues({ sigma: 2, seed: 9 }, 0, 40000);
  let s = 0;
  let s2 = 0;
  for (const x of v) {
    s += x;
    s2 += x * x;
  }
  const mean = s / v.length;
  const std = Math.sqrt(s2 / v.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.05 && Math.abs(std - 2) < 0.05, `mean ${mean}, std ${std}`);
});
