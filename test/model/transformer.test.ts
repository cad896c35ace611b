import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import { Rng } from '../../src/core/random';
import { createModel, randomPositions, randomSeedBits, spreadPositions } from '../../src/engine/model/transformer';
import { sinusoidalTable } from '../../src/engine/model/positions';
import type { ForwardInput, Model } from '../../src/engine/model/transformer';
import type { ModelConfig } from '../../src/protocol/config';
import { maxAbsDiff, smallConfig } from './modelConfig';

before(async () => {
  await useTestBackend(primaryTestBackend('cpu'));
});

interface RunResult {
  logits: Float32Array; // [B, T, V]
  attention: Float32Array[]; // per layer [B, H, T, T]
}

/** Runs forward on plain arrays and reads everything back, leaving no tensor behind. */
function run(model: Model, tokens: number[][], extra: Omit<Partial<ForwardInput>, 'tokens' | 'seedBits'> & { seedBits?: number[][] } = {}): RunResult {
  const { seedBits, ...rest } = extra;
  const t = tf.tensor2d(tokens, undefined, 'int32');
  const bits = seedBits ? tf.tensor2d(seedBits, undefined, 'float32') : undefined;
  const out = model.forward({ ...rest, tokens: t, ...(bits ? { seedBits: bits } : {}) });
  const result = { logits: out.logits.dataSync() as Float32Array, attention: out.attention.map((a) => a.dataSync() as Float32Array) };
  tf.dispose([t, out.logits, ...out.attention, ...(bits ? [bits] : [])]);
  return result;
}

/** Logits at (batch b, position t) of a [B, T, V] result. */
function at(r: RunResult, T: number, V: number, b: number, t: number): Float32Array {
  const start = (b * T + t) * V;
  return r.logits.slice(start, start + V);
}

function withModel<R>(config: ModelConfig, seed: number, f: (m: Model) => R): R {
  const m = createModel(config, seed);
  try {
    return f(m);
  } finally {
    m.dispose();
  }
}

test('output shapes, parameter names and kinds, parameter count', () => {
  withModel(smallConfig({ layers: 2, dModel: 16, heads: 2, dFf: 32, vocabSize: 11, maxLen: 12 }), 1, (m) => {
    const tokens = tf.tensor2d([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [0, 0, 0, 0, 0]], undefined, 'int32');
    const out = m.forward({ tokens, returnAttention: true });
    assert.deepEqual(out.logits.shape, [3, 5, 11]);
    assert.equal(out.attention.length, 2);
    for (const a of out.attention) assert.deepEqual(a.shape, [3, 2, 5, 5]);
    tf.dispose([tokens, out.logits, ...out.attention]);
    const quiet = tf.tensor2d([[1, 2]], undefined, 'int32');
    const noAtt = m.forward({ tokens: quiet });
    assert.deepEqual(noAtt.attention, []);
    tf.dispose([quiet, noAtt.logits]);

    const byName = new Map(m.params.map((p) => [p.name, p]));
    const expected: [string, string, number[]][] = [
      ['embed.token', 'embedding', [11, 16]],
      ['embed.position', 'embedding', [12, 16]],
      ['blocks.0.ln1.gain', 'norm-gain', [16]],
      ['blocks.0.ln1.bias', 'norm-bias', [16]],
      ['blocks.0.attn.qkv.kernel', 'matrix', [16, 48]],
      ['blocks.0.attn.qkv.bias', 'bias', [48]],
      ['blocks.0.attn.out.kernel', 'matrix', [16, 16]],
      ['blocks.0.attn.out.bias', 'bias', [16]],
      ['blocks.1.ln2.gain', 'norm-gain', [16]],
      ['blocks.1.mlp.fc.kernel', 'matrix', [16, 32]],
      ['blocks.1.mlp.fc.bias', 'bias', [32]],
      ['blocks.1.mlp.proj.kernel', 'matrix', [32, 16]],
      ['lnf.gain', 'norm-gain', [16]],
      ['lnf.bias', 'norm-bias', [16]],
      ['head.kernel', 'matrix', [16, 11]],
    ];
    for (const [name, kind, shape] of expected) {
      const p = byName.get(name);
      assert.ok(p, `missing parameter ${name}`);
      assert.equal(p.kind, kind, name);
      assert.deepEqual(p.variable.shape, shape, name);
    }
    assert.equal(m.params.length, 2 + 2 * 12 + 3);
    // embeddings + 2 blocks × (4·16 LN + 16·48+48 + 16·16+16 + 16·32+32 + 32·16+16) + 2·16 + 16·11
    const perBlock = 4 * 16 + (16 * 48 + 48) + (16 * 16 + 16) + (16 * 32 + 32) + (32 * 16 + 16);
    assert.equal(m.parameterCount(), 11 * 16 + 12 * 16 + 2 * perBlock + 2 * 16 + 16 * 11);
  });
});

test('the reference config has 106,240 parameters (docs/tfjs.md)', () => {
  const reference = smallConfig({ layers: 2, dModel: 64, heads: 4, dFf: 256, vocabSize: 32, maxLen: 32, position: 'learned' });
  withModel(reference, 1, (m) => assert.equal(m.parameterCount(), 106240));
});

test('attention rows are probabilities; causal rows are exactly 0 above the diagonal', () => {
  for (const causal of [true, false]) {
    for (const attentionScaling of ['standard', 'logn', 'logn-train'] as const) {
      withModel(smallConfig({ causal, attentionScaling, trainLength: 3 }), 2, (m) => {
        const T = 6;
        const r = run(m, [[1, 5, 2, 7, 3, 9], [4, 4, 4, 8, 8, 8]], { returnAttention: true });
        for (const a of r.attention) {
          for (let row = 0; row < a.length / T; row++) {
            const i = row % T;
            let sum = 0;
            for (let j = 0; j < T; j++) {
              const p = a[row * T + j] as number;
              sum += p;
              if (causal && j > i) assert.equal(p, 0, `p[${i}][${j}] above the diagonal`);
              if (!causal) assert.ok(p > 0, 'bidirectional rows see every key');
            }
            assert.ok(Math.abs(sum - 1) < 1e-5, `row sums to ${sum}`);
          }
        }
      });
    }
  }
});

test('causal: changing a later token does not change earlier logits', () => {
  withModel(smallConfig({ causal: true, position: 'rope', attentionScaling: 'logn' }), 3, (m) => {
    const V = 11;
    const T = 7;
    const a = run(m, [[1, 2, 3, 4, 5, 6, 7]]);
    const b = run(m, [[1, 2, 3, 4, 10, 6, 0]]);
    for (let t = 0; t < 4; t++) assert.ok(maxAbsDiff(at(a, T, V, 0, t), at(b, T, V, 0, t)) < 1e-6, `position ${t} changed`);
    for (const t of [4, 5, 6]) assert.ok(maxAbsDiff(at(a, T, V, 0, t), at(b, T, V, 0, t)) > 1e-4, `position ${t} did not change`);
  });
});

test('bidirectional: every position sees every token', () => {
  withModel(smallConfig({ causal: false }), 4, (m) => {
    const V = 11;
    const T = 5;
    const a = run(m, [[1, 2, 3, 4, 5]]);
    const b = run(m, [[1, 2, 3, 4, 9]]);
    for (let t = 0; t < T; t++) assert.ok(maxAbsDiff(at(a, T, V, 0, t), at(b, T, V, 0, t)) > 1e-5, `position ${t} did not see the last token`);
  });
});

test('an extra mask zeroes the forbidden probabilities and is combined with causality', () => {
  withModel(smallConfig({ causal: false }), 5, (m) => {
    const T = 3;
    // row 0 sees keys 0, 1; row 1 sees key 1; row 2 sees keys 0, 2
    const mask = Uint8Array.from([1, 1, 0, 0, 1, 0, 1, 0, 1]);
    const r = run(m, [[1, 2, 3]], { mask, returnAttention: true });
    for (const a of r.attention) {
      for (let h = 0; h < 2; h++) {
        for (let k = 0; k < T * T; k++) {
          const p = a[h * T * T + k] as number;
          if (mask[k] === 0) assert.equal(p, 0);
          else assert.ok(p > 0);
        }
        assert.equal(a[h * T * T + 4], 1, 'row 1 sees only key 1');
      }
    }
    assert.throws(() => run(m, [[1, 2, 3]], { mask: new Uint8Array(4) }), /expected 9 entries/);
  });
});

test("Su's position probe: with identical tokens, 'none' and 'rope' give the same output at every position; absolute codes do not", () => {
  const T = 8;
  const V = 11;
  const tokens = [Array.from({ length: T }, () => 0)];
  for (const causal of [true, false]) {
    const variants = [
      ['none', false],
      ['rope', false],
      ['rope', true],
      ['learned', false],
      ['sinusoidal', false],
      ['sinusoidal', true],
    ] as const;
    for (const [position, randomizePositions] of variants) {
      withModel(smallConfig({ causal, position, randomizePositions, attentionScaling: 'logn' }), 6, (m) => {
        const positions = randomizePositions ? randomPositions(new Rng(2), T, 64) : undefined;
        const r = run(m, tokens, positions ? { positions } : {});
        let spread = 0;
        for (let t = 1; t < T; t++) spread = Math.max(spread, maxAbsDiff(at(r, T, V, 0, 0), at(r, T, V, 0, t)));
        const what = `${position}${randomizePositions ? ' (randomized)' : ''}`;
        if (position === 'none' || position === 'rope') assert.ok(spread < 1e-5, `${what}: outputs differ by ${spread}`);
        else assert.ok(spread > 1e-3, `${what}: outputs identical (${spread})`);
      });
    }
  }
});

test('Random Seed Encoding: bits fill the last rseBits dims and change the output; used only when rseBits > 0', () => {
  const V = 11;
  withModel(smallConfig({ rseBits: 4 }), 7, (m) => {
    assert.deepEqual(m.params.find((p) => p.name === 'embed.token')?.variable.shape, [11, 12]);
    const tokens = [[1, 2, 3], [1, 2, 3]];
    const a = run(m, tokens, { seedBits: [[1, -1, 1, -1], [-1, -1, 1, 1]] });
    const same = run(m, tokens, { seedBits: [[1, -1, 1, -1], [-1, -1, 1, 1]] });
    assert.deepEqual(a.logits, same.logits);
    for (let t = 0; t < 3; t++) assert.ok(maxAbsDiff(at(a, 3, V, 0, t), at(a, 3, V, 1, t)) > 1e-4, 'different seeds, same output');
    assert.throws(() => run(m, tokens), /seedBits \[B, 4\] are required/);
    assert.throws(() => run(m, tokens, { seedBits: [[1, 1, 1], [1, 1, 1]] }), /seedBits must be float32 \[2, 4\]/);
  });
  withModel(smallConfig({ rseBits: 0 }), 7, (m) => {
    assert.deepEqual(m.params.find((p) => p.name === 'embed.token')?.variable.shape, [11, 16]);
    assert.throws(() => run(m, [[1, 2]], { seedBits: [[1]] }), /rseBits = 0/);
  });
  assert.throws(() => createModel(smallConfig({ rseBits: 16 }), 1), /rseBits \(16\) must be smaller than dModel \(16\)/);
  const bits = randomSeedBits(new Rng(1), 3, 5);
  assert.equal(bits.length, 15);
  assert.ok(bits.every((b) => b === 1 || b === -1));
  assert.ok(bits.some((b) => b === 1) && bits.some((b) => b === -1));
});

test('initialisation is deterministic from the seed', () => {
  const values = (seed: number) =>
    withModel(smallConfig(), seed, (m) => new Map(m.params.map((p) => [p.name, Array.from(p.variable.dataSync())])));
  const a = values(42);
  const b = values(42);
  const c = values(43);
  assert.deepEqual(a, b);
  for (const name of ['embed.token', 'blocks.0.attn.qkv.kernel', 'head.kernel']) assert.notDeepEqual(a.get(name), c.get(name), name);
  assert.ok(a.get('blocks.1.ln2.gain')?.every((x) => x === 1));
  assert.ok(a.get('blocks.1.mlp.fc.bias')?.every((x) => x === 0));
  // N(0, 0.02) for matrices; residual projections × 1/sqrt(2·layers) = 1/2 here.
  const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
  const qkvStd = std(a.get('blocks.0.attn.qkv.kernel') ?? []);
  const projStd = std(a.get('blocks.0.mlp.proj.kernel') ?? []);
  assert.ok(Math.abs(qkvStd - 0.02) < 0.002, `qkv std ${qkvStd}`);
  assert.ok(Math.abs(projStd - 0.01) < 0.001, `proj std ${projStd}`);
});

test('randomized positions: given positions are used, [T] or [B*T]; the deterministic evaluations are the defaults; range checked', () => {
  for (const position of ['sinusoidal', 'rope'] as const) {
    const random = smallConfig({ position, randomizePositions: true, positionRange: 40 });
    withModel(random, 8, (m) => {
      const tokens = [[1, 2, 3, 4], [5, 6, 7, 8]];
      // positionEval 'random' has no default: the caller draws.
      assert.throws(() => run(m, tokens), /randomized positions \(positionEval 'random'\); pass them/);
      const a = randomPositions(new Rng(3), 4, 40);
      const b = randomPositions(new Rng(4), 4, 40);
      const shared = run(m, tokens, { positions: a });
      const other = run(m, tokens, { positions: b });
      assert.ok(maxAbsDiff(shared.logits, other.logits) > 1e-6, `${position}: positions ignored (${maxAbsDiff(shared.logits, other.logits)})`);
      // One row per sequence: row 0 at a, row 1 at b is row 0 of `shared` and row 1 of `other`.
      const perRow = run(m, tokens, { positions: Int32Array.from([...a, ...b]) });
      const half = 4 * 11;
      assert.ok(maxAbsDiff(perRow.logits.slice(0, half), shared.logits.slice(0, half)) < 1e-6);
      assert.ok(maxAbsDiff(perRow.logits.slice(half), other.logits.slice(half)) < 1e-6);
      assert.throws(() => run(m, tokens, { positions: Int32Array.from([0, 1, 2, 40]) }), /outside \[0, 40\)/);
      assert.throws(() => run(m, tokens, { positions: Int32Array.from([0, 1]) }), /length T = 4 \(shared by the batch\) or B\*T = 8/);
    });
    for (const positionEval of ['spread', 'contiguous'] as const) {
      withModel({ ...random, positionEval }, 8, (m) => {
        const tokens = [[1, 2, 3, 4]];
        const expected = positionEval === 'spread' ? spreadPositions(4, 40) : Int32Array.from([0, 1, 2, 3]);
        assert.deepEqual(run(m, tokens).logits, run(m, tokens, { positions: expected }).logits);
      });
    }
  }
  assert.throws(() => createModel(smallConfig({ position: 'sinusoidal', randomizePositions: true, positionRange: 5, maxLen: 12 }), 1), /positionRange/);
  assert.throws(() => createModel(smallConfig({ position: 'learned', randomizePositions: true }), 1), /need a 'sinusoidal' or 'rope' code, got 'learned'/);
  assert.throws(() => createModel(smallConfig({ embedScale: 0 }), 1), /embedScale must be a positive number/);
});

test('the sinusoidal code is added to token embeddings × embedScale: the first LayerNorm sees exactly that input', () => {
  // One layer whose attention and MLP outputs are zeroed: logits = LN_f(x)·head with x the input, so
  // comparing against a hand-built x checks the embedding scale and the code at the given positions.
  const D = 16;
  const V = 11;
  for (const embedScale of [1, 4]) {
    const cfg = smallConfig({ layers: 1, position: 'sinusoidal', randomizePositions: true, positionRange: 64, embedScale });
    withModel(cfg, 9, (m) => {
      for (const p of m.params) if (p.name.endsWith('out.kernel') || p.name.endsWith('proj.kernel')) p.variable.assign(tf.zerosLike(p.variable));
      const positions = Int32Array.from([3, 17, 40]);
      const tokens = [[5, 0, 9]];
      const out = run(m, tokens, { positions }).logits;
      const table = m.params.find((p) => p.name === 'embed.token')?.variable.dataSync() as Float32Array;
      const code = sinusoidalTable(positions, D);
      const x = new Float32Array(3 * D);
      tokens[0]!.forEach((id, t) => {
        for (let j = 0; j < D; j++) x[t * D + j] = (table[id * D + j] as number) * embedScale + (code[t * D + j] as number);
      });
      const expected = tf.tidy(() => {
        const xt = tf.tensor2d(x, [3, D]);
        const { mean, variance } = tf.moments(xt, 1, true);
        const ln = tf.div(tf.sub(xt, mean), tf.sqrt(tf.add(variance, 1e-5)));
        const head = m.params.find((p) => p.name === 'head.kernel')?.variable as tf.Variable;
        return tf.matMul(ln, head).dataSync() as Float32Array;
      });
      assert.ok(maxAbsDiff(out, expected) < 1e-4, `embedScale ${embedScale}: ${maxAbsDiff(out, expected)}`);
      assert.equal(out.length, 3 * V);
    });
  }
});

test('config and input validation give clear errors', () => {
  assert.throws(() => createModel(smallConfig({ dModel: 16, heads: 3 }), 1), /heads \(3\) must divide dModel \(16\)/);
  assert.throws(() => createModel(smallConfig({ dModel: 18, heads: 6, position: 'rope' }), 1), /even key size per head/);
  assert.throws(() => createModel(smallConfig({ layers: 0 }), 1), /layers must be an integer ≥ 1/);
  assert.throws(() => createModel(smallConfig({ attentionScaling: 'logn-train', trainLength: 1 }), 1), /trainLength/);
  withModel(smallConfig({ maxLen: 4, vocabSize: 5 }), 1, (m) => {
    assert.throws(() => run(m, [[1, 2, 3, 4, 1]]), /sequence length 5 exceeds maxLen 4/);
    assert.throws(() => run(m, [[1, 5]]), /token id 5 .* outside the vocabulary \[0, 5\)/);
    const floats = tf.tensor2d([[1, 2]]);
    assert.throws(() => m.forward({ tokens: floats as tf.Tensor2D }), /int32 \[B, T\]/);
    floats.dispose();
  });
  const m = createModel(smallConfig(), 1);
  m.dispose();
  assert.throws(() => run(m, [[1]]), /disposed/);
});

test('dispose releases every parameter', () => {
  const before = tf.memory().numTensors;
  const m = createModel(smallConfig(), 1);
  assert.equal(tf.memory().numTensors, before + m.params.length);
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
});
