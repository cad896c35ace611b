import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import type { TaskObjective } from '../../src/core/tasks/task';
import { objectiveLosses } from '../../src/engine/train/objective';
import { qNormLoss } from '../../src/engine/train/loss';

before(async () => {
  await useTestBackend(primaryTestBackend('cpu'));
});

/** Colour tokens 1 and 2 of a vocabulary of 4 (tokens 0 and 3 are not colours). */
const OBJECTIVE: TaskObjective = { kind: 'monochromatic-edges', description: 'test', firstColor: 1, colors: 2 };

function softmax2(a: number, b: number): [number, number] {
  const m = Math.max(a, b);
  const ea = Math.exp(a - m);
  const eb = Math.exp(b - m);
  return [ea / (ea + eb), eb / (ea + eb)];
}

// One graph on 3 vertices, a triangle, with colour logits (z_u0, z_u1) = (0, 0), (ln 3, 0), (0, ln 4).
// p0 = (1/2, 1/2), p1 = (3/4, 1/4), p2 = (1/5, 4/5).
// L = p0·p1 + p1·p2 + p0·p2 = 1/2 + (3/20 + 4/20) + 1/2 = 1.35.
const Z = [
  [0, 0],
  [Math.log(3), 0],
  [0, Math.log(4)],
];
const TRIANGLE: [number, number][] = [
  [0, 1],
  [1, 2],
  [0, 2],
];

/** [1, T, 4] logits with the colour logits at tokens 1, 2 and junk (which must not matter) at tokens 0 and 3. */
function logitsOf(rows: number[][], offset = 0): tf.Tensor3D {
  const T = rows.length + offset;
  const out: number[][] = [];
  for (let t = 0; t < T; t++) {
    const r = rows[t - offset] ?? [7, -3];
    out.push([9 - t, r[0] as number, r[1] as number, 5 + t]);
  }
  return tf.tensor3d([out]);
}

test('monochromatic edges: the hand-worked triangle (L = 1.35) and answers from the colour tokens only', () => {
  const logits = logitsOf(Z);
  const { perExample, predictions } = objectiveLosses(OBJECTIVE, logits, [{ prompt: [0, 0, 0], answer: [1, 1, 1], edges: TRIANGLE }]);
  assert.ok(Math.abs((perExample.dataSync()[0] as number) - 1.35) < 1e-5, String(perExample.dataSync()[0]));
  // Argmax over colours: vertex 0 ties (first wins), vertex 1 colour 0 (token 1), vertex 2 colour 1 (token 2); never tokens 0 or 3.
  assert.deepEqual([...predictions.dataSync()], [1, 1, 2]);
  tf.dispose([logits, perExample, predictions]);
});

test('monochromatic edges: an offset answer (edge view) reads the vertices after the edge slots', () => {
  const logits = logitsOf(Z, 2); // two edge slots before the three vertices
  const { perExample, predictions } = objectiveLosses(OBJECTIVE, logits, [{ prompt: [0, 0, 0, 0, 0], answer: [1, 1, 1], edges: TRIANGLE }], 2);
  assert.ok(Math.abs((perExample.dataSync()[0] as number) - 1.35) < 1e-5);
  assert.deepEqual([...predictions.dataSync()].slice(2), [1, 1, 2]);
  tf.dispose([logits, perExample, predictions]);
});

test('monochromatic edges: the gradient is p_u ⊙ (g_u − p_u·g_u) with g_u = Σ_{v ~ u} p_v, zero off the colour tokens', () => {
  // A path 0 – 1 – 2 (no edge 0–2), so the gradient differs from the triangle's.
  const path: [number, number][] = [
    [0, 1],
    [1, 2],
  ];
  const logits = logitsOf(Z);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(objectiveLosses(OBJECTIVE, x, [{ prompt: [0, 0, 0], answer: [1, 1, 1], edges: path }]).perExample))(logits);
  const g = grad.arraySync() as number[][][];
  const p = Z.map(([a, b]) => softmax2(a as number, b as number));
  const neighbours = [[1], [0, 2], [1]];
  for (let u = 0; u < 3; u++) {
    const gu = [0, 1].map((c) => neighbours[u]!.reduce((s, v) => s + (p[v] as number[])[c]!, 0));
    const pu = p[u] as number[];
    const dot = pu[0]! * gu[0]! + pu[1]! * gu[1]!;
    const expected = [0, 1].map((c) => pu[c]! * (gu[c]! - dot));
    assert.ok(Math.abs(g[0]![u]![1]! - expected[0]!) < 1e-5, `vertex ${u} colour 0: ${g[0]![u]![1]} vs ${expected[0]}`);
    assert.ok(Math.abs(g[0]![u]![2]! - expected[1]!) < 1e-5, `vertex ${u} colour 1`);
    assert.equal(g[0]![u]![0], 0);
    assert.equal(g[0]![u]![3], 0);
  }
  tf.dispose([logits, grad]);
});

test('inside the q-norm: per-graph means over seeds, then the q-norm over graphs', () => {
  // Two graphs × two seeds: graph A (triangle) under both seeds the logits Z (L = 1.35);
  // graph B (one edge 0–1) under seed 1 with p0 = p1 = (1/2, 1/2) (L = 0.5) and under seed 2 with (1, 0)·(0, 1) ≈ 0.
  const rows = [Z, Z, [[0, 0], [0, 0], [0, 0]], [[30, 0], [0, 30], [0, 0]]];
  const logits = tf.tensor3d(rows.map((r) => r.map(([a, b]) => [0, a as number, b as number, 0])));
  const A = { prompt: [0, 0, 0], answer: [1, 1, 1], edges: TRIANGLE };
  const B = { prompt: [0, 0, 0], answer: [1, 1, 1], edges: [[0, 1]] as [number, number][] };
  const { perExample, predictions } = objectiveLosses(OBJECTIVE, logits, [A, A, B, B]);
  const per = [...perExample.dataSync()];
  assert.ok(Math.abs(per[2]! - 0.5) < 1e-6 && per[3]! < 1e-9);
  const q1 = qNormLoss(perExample, 2, 2, 1).dataSync()[0] as number;
  const q4 = qNormLoss(perExample, 2, 2, 4).dataSync()[0] as number;
  assert.ok(Math.abs(q1 - (1.35 + 0.25) / 2) < 1e-5);
  assert.ok(Math.abs(q4 - Math.pow((1.35 ** 4 + 0.25 ** 4) / 2, 1 / 4)) < 1e-5);
  tf.dispose([logits, perExample, predictions]);
});

test('monochromatic edges refuses examples without edges, edges outside the vertices and colour tokens outside the vocabulary', () => {
  const logits = logitsOf(Z);
  assert.throws(() => objectiveLosses(OBJECTIVE, logits, [{ prompt: [0, 0, 0], answer: [1, 1, 1] }]), /has no edges/);
  assert.throws(() => objectiveLosses(OBJECTIVE, logits, [{ prompt: [0, 0, 0], answer: [1, 1, 1], edges: [[0, 3]] }]), /outside its 3 vertex positions/);
  assert.throws(() => objectiveLosses({ ...OBJECTIVE, firstColor: 3 }, logits, [{ prompt: [0, 0, 0], answer: [1, 1, 1], edges: TRIANGLE }]), /outside the vocabulary/);
  assert.throws(() => objectiveLosses(OBJECTIVE, logits, []), /0 examples for 1 rows/);
  logits.dispose();
});
