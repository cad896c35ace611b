import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { Rng } from '../../src/core/random';
import { applyRope, contiguousPositions, positionRows, randomPositions, ropeCode, ropeTables, sinusoidalTable, spreadPositions } from '../../src/engine/model/positions';

before(async () => {
  await initBackend('cpu');
});

test('sinusoidal table: sin on even dims, cos on odd dims, frequency 10000^(-2i/d)', () => {
  const d = 8;
  const table = sinusoidalTable([0, 3], d);
  assert.deepEqual(Array.from(table.slice(0, d)), [0, 1, 0, 1, 0, 1, 0, 1]);
  const row = table.slice(d, 2 * d);
  assert.ok(Math.abs((row[0] as number) - Math.sin(3)) < 1e-6);
  assert.ok(Math.abs((row[1] as number) - Math.cos(3)) < 1e-6);
  assert.ok(Math.abs((row[4] as number) - Math.sin(3 / 100)) < 1e-6); // 2i/d = 4/8 → 10000^0.5 = 100
  assert.ok(Math.abs((row[5] as number) - Math.cos(3 / 100)) < 1e-6);
});

test('randomized training positions: sorted, distinct, in range, reproducible from the Rng', () => {
  const a = randomPositions(new Rng(7), 10, 50);
  const b = randomPositions(new Rng(7), 10, 50);
  const c = randomPositions(new Rng(8), 10, 50);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (let i = 1; i < a.length; i++) assert.ok((a[i] as number) > (a[i - 1] as number));
  assert.ok((a[0] as number) >= 0 && (a[9] as number) < 50);
  assert.deepEqual(Array.from(randomPositions(new Rng(1), 5, 5)), [0, 1, 2, 3, 4]);
  assert.throws(() => randomPositions(new Rng(1), 6, 5), /position range/);
});

test('spread positions: 0…T−1 spread evenly over the range', () => {
  assert.deepEqual(Array.from(spreadPositions(5, 101)), [0, 25, 50, 75, 100]);
  assert.deepEqual(Array.from(spreadPositions(3, 10)), [0, 5, 9]); // round(4.5) = 5
  assert.deepEqual(Array.from(spreadPositions(4, 4)), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(spreadPositions(1, 64)), [0]);
  assert.deepEqual(Array.from(contiguousPositions(3)), [0, 1, 2]);
  assert.throws(() => spreadPositions(0, 4), /positive integer/);
});

test('sinusoidal table at randomized positions, by hand: row p is [sin p, cos p, sin p/100, cos p/100] for d = 4', () => {
  const table = sinusoidalTable(Int32Array.from([2, 7, 250]), 4); // 10000^(2/4) = 100
  const expected = [2, 7, 250].flatMap((p) => [Math.sin(p), Math.cos(p), Math.sin(p / 100), Math.cos(p / 100)]);
  assert.equal(table.length, 12);
  expected.forEach((v, i) => assert.ok(Math.abs((table[i] as number) - v) < 1e-6, `entry ${i}: ${table[i]} vs ${v}`));
});

test('RoPE tables at randomized positions, by hand: angle p·10000^(−2i/d_h), written for both dims of a pair', () => {
  const { cos, sin } = ropeTables(Int32Array.from([5, 300]), 4); // θ = [1, 1/100]
  const row = (p: number, f: (a: number) => number) => [f(p), f(p / 100), f(p), f(p / 100)];
  const want = { cos: [...row(5, Math.cos), ...row(300, Math.cos)], sin: [...row(5, Math.sin), ...row(300, Math.sin)] };
  want.cos.forEach((v, i) => assert.ok(Math.abs((cos[i] as number) - v) < 1e-6, `cos ${i}`));
  want.sin.forEach((v, i) => assert.ok(Math.abs((sin[i] as number) - v) < 1e-6, `sin ${i}`));
});

test('RoPE codes: shared [T, Dh] or one row per sequence [B, 1, T, Dh]; a per-row rotation equals each row rotated alone', () => {
  assert.equal(positionRows(new Int32Array(3), 2, 3), 1);
  assert.equal(positionRows(new Int32Array(6), 2, 3), 2);
  assert.throws(() => positionRows(new Int32Array(5), 2, 3), /length T = 3 \(shared\) or B\*T = 6/);
  const rng = new Rng(5);
  const B = 2;
  const H = 2;
  const T = 3;
  const dh = 4;
  const x = Float32Array.from({ length: B * H * T * dh }, () => rng.normal());
  const rowA = Int32Array.from([1, 9, 30]);
  const rowB = Int32Array.from([0, 2, 61]);
  const before = tf.memory().numTensors;
  const [perRow, aloneA, aloneB] = tf.tidy(() => {
    const xt = tf.tensor4d(x, [B, H, T, dh]);
    const both = ropeCode(Int32Array.from([...rowA, ...rowB]), B, T, dh);
    assert.deepEqual(both.cos.shape, [B, 1, T, dh]);
    const a = ropeCode(rowA, B, T, dh);
    const b = ropeCode(rowB, B, T, dh);
    assert.deepEqual(a.cos.shape, [T, dh]);
    return [applyRope(xt, both.cos, both.sin), applyRope(xt, a.cos, a.sin), applyRope(xt, b.cos, b.sin)].map((t) => t.dataSync() as Float32Array);
  }) as unknown as Float32Array[];
  assert.equal(tf.memory().numTensors, before);
  const half = H * T * dh;
  assert.deepEqual(Array.from(perRow!.slice(0, half)), Array.from(aloneA!.slice(0, half)));
  assert.deepEqual(Array.from(perRow!.slice(half)), Array.from(aloneB!.slice(half)));
});

test('RoPE: q·k after rotation depends only on the position offset', () => {
  const dh = 8;
  const rng = new Rng(3);
  const q = Float32Array.from({ length: dh }, () => rng.normal());
  const k = Float32Array.from({ length: dh }, () => rng.normal());
  const positions = [0, 1, 2, 5, 9, 12];
  const T = positions.length;
  // One copy of q (and of k) at every position: [1, 1, T, Dh]
  const tile = (v: Float32Array) => tf.tile(tf.tensor4d(v, [1, 1, 1, dh]), [1, 1, T, 1]);
  const before = tf.memory().numTensors;
  const dots = tf.tidy(() => {
    const { cos, sin } = ropeTables(positions, dh);
    const cosT = tf.tensor2d(cos, [T, dh]);
    const sinT = tf.tensor2d(sin, [T, dh]);
    const rq = applyRope(tile(q), cosT, sinT);
    const rk = applyRope(tile(k), cosT, sinT);
    return tf.matMul(rq, rk, false, true); // [1, 1, T, T]: rq_m · rk_n
  });
  const d = dots.dataSync();
  dots.dispose();
  assert.equal(tf.memory().numTensors, before);
  const dot = (m: number, n: number) => d[m * T + n] as number;
  // offset 3: (2, 5) and (9, 12); offset −3: (5, 2) and (12, 9); offset 1: (0, 1), (1, 2)
  assert.ok(Math.abs(dot(2, 3) - dot(4, 5)) < 1e-5);
  assert.ok(Math.abs(dot(3, 2) - dot(5, 4)) < 1e-5);
  assert.ok(Math.abs(dot(0, 1) - dot(1, 2)) < 1e-5);
  // …and the rotation is not trivial: different offsets give different products.
  assert.ok(Math.abs(dot(0, 1) - dot(2, 3)) > 1e-3);
  // Offset 0 is the plain dot product (rotations preserve it).
  const plain = q.reduce((s, x, i) => s + x * (k[i] as number), 0);
  for (let i = 0; i < T; i++) assert.ok(Math.abs(dot(i, i) - plain) < 1e-4);
});

test('RoPE needs an even head dimension', () => {
  assert.throws(() => ropeTables([0, 1], 5), /even head dimension/);
});
