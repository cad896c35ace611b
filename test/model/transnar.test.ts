/**
 * TransNAR's numerics (docs/science.md §5): the NAR's max-aggregation message passing against a
 * plain-loop reference and against central finite differences, the gated cross-attention from the
 * tokens to the NAR's nodes against a reference and finite differences, and the gate starting
 * closed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { liveTensors, testBackends, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import { Rng } from '../../src/core/random';
import { createModel, type Model } from '../../src/engine/model/transformer';
import { createNar, type Nar } from '../../src/engine/nar/narModel';
import { graphBatch, type GraphBatch } from '../../src/core/nar/graphBatch';
import { narLoss } from '../../src/engine/nar/narLoss';
import { narParamShapes } from '../../src/core/nar/narHeader';
import { bfs, binarySearch, insertionSort } from '../../src/core/tasks/clrs/algorithms';
import { NAR_ALGORITHMS, type NarAlgorithm, type NarLink } from '../../src/protocol/nar';
import type { ModelConfig } from '../../src/protocol/config';
import { maxAbsDiff, smallConfig } from './modelConfig';

/** A small BFS batch: two 4-node graphs. */
function bfsBatch(): GraphBatch {
  const a1 = [1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1];
  const a2 = [0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0];
  return graphBatch([bfs(a1, 4, 0), bfs(a2, 4, 2)]);
}

function values(nar: Nar): Map<string, { data: Float32Array; shape: number[] }> {
  return new Map(nar.params.map((p) => [p.name, { data: p.variable.dataSync() as Float32Array, shape: p.variable.shape }]));
}

/** x [rows × k] · W [k × c] + b, plain loops. */
function affine(x: number[], W: { data: Float32Array; shape: number[] }, b?: { data: Float32Array }): number[] {
  const [k, c] = W.shape as [number, number];
  assert.equal(x.length, k);
  return Array.from({ length: c }, (_, j) => {
    let s = b ? (b.data[j] as number) : 0;
    for (let i = 0; i < k; i++) s += (x[i] as number) * (W.data[i * c + j] as number);
    return s;
  });
}
const relu = (v: number[]): number[] => v.map((x) => Math.max(0, x));
const add = (...vs: number[][]): number[] => (vs[0] as number[]).map((_, i) => vs.reduce((s, v) => s + (v[i] as number), 0));
function layerNormRef(v: number[], gain: Float32Array, bias: Float32Array): number[] {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const varc = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return v.map((x, i) => ((x - mean) / Math.sqrt(varc + 1e-5)) * (gain[i] as number) + (bias[i] as number));
}

/**
 * The NAR of narModel.ts written out as loops for a BFS batch (inputs pos, s, A; output pointer pi):
 * the final node states and the pointer logits [b][u][v].
 */
function referenceBfs(nar: Nar, batch: GraphBatch): { nodes: number[][][]; logits: number[][][] } {
  const P = values(nar);
  const get = (n: string): { data: Float32Array; shape: number[] } => {
    const v = P.get(n);
    assert.ok(v, `no parameter ${n}`);
    return v;
  };
  const { B, N, steps } = batch;
  const [pos, s, A] = batch.inputs as [GraphBatch['inputs'][0], GraphBatch['inputs'][0], GraphBatch['inputs'][0]];
  const nodes: number[][][] = [];
  const logits: number[][][] = [];
  for (let b = 0; b < B; b++) {
    const enc = (name: string, x: number): number[] => affine([x], get(`encoders.${name}.kernel`), get(`encoders.${name}.bias`));
    const nodeFts = Array.from({ length: N }, (_, u) => add(enc('pos', pos.data[b * N + u] as number), enc('s', s.data[b * N + u] as number)));
    const edgeFts = Array.from({ length: N }, (_, u) => Array.from({ length: N }, (_, v) => enc('A', A.data[(b * N + u) * N + v] as number)));
    let h = Array.from({ length: N }, () => new Array<number>(nodeFts[0]!.length).fill(0));
    for (let t = 0; t < steps; t++) {
      const z = nodeFts.map((f, u) => [...f, ...(h[u] as number[])]);
      const next = z.map((zu, u) => {
        let m: number[] | null = null;
        for (let v = 0; v < N; v++) {
          const pre = add(affine(z[v] as number[], get('processor.msg.sender.kernel')), affine(zu, get('processor.msg.receiver.kernel'), get('processor.msg.receiver.bias')), affine(edgeFts[v]![u]!, get('processor.msg.edge.kernel')));
          const msg = affine(relu(pre), get('processor.msg.mlp.kernel'), get('processor.msg.mlp.bias'));
          m = m ? m.map((x, i) => Math.max(x, msg[i] as number)) : msg; // max over the senders v
        }
        const upd = relu(add(affine(zu, get('processor.update.self.kernel')), affine(m as number[], get('processor.update.agg.kernel'), get('processor.update.agg.bias'))));
        return layerNormRef(upd, get('processor.ln.gain').data, get('processor.ln.bias').data);
      });
      h = next;
    }
    nodes.push(h);
    const d = nodeFts.map((f, u) => [...f, ...(h[u] as number[])]);
    const name = 'decoders.output.pi';
    logits.push(
      Array.from({ length: N }, (_, u) =>
        Array.from({ length: N }, (_, v) => {
          const p1 = affine(d[u] as number[], get(`${name}.source.kernel`), get(`${name}.source.bias`));
          const p2 = add(affine(d[v] as number[], get(`${name}.target.kernel`), get(`${name}.target.bias`)), affine(edgeFts[u]![v]!, get(`${name}.edge.kernel`)));
          return affine(p1.map((x, i) => Math.max(x, p2[i] as number)), get(`${name}.out.kernel`), get(`${name}.out.bias`))[0] as number;
        }),
      ),
    );
  }
  return { nodes, logits };
}

/** Makes the NAR's biases and LayerNorm parameters non-trivial, so the reference checks them too. */
function perturbAll(nar: Nar, seed: number): void {
  const rng = new Rng(seed);
  for (const p of nar.params) {
    const v = p.variable.dataSync() as Float32Array;
    p.variable.assign(tf.tensor(Float32Array.from(v, (x) => x + 0.3 * rng.normal()), p.variable.shape));
  }
}

for (const backend of testBackends()) {
  test(`${backend}: the NAR's max-aggregation MPNN matches a plain-loop reference (BFS)`, async () => {
    await useTestBackend(backend);
    const nar = createNar({ algorithm: 'bfs', hidden: 5 }, 3);
    perturbAll(nar, 4);
    const batch = bfsBatch();
    const before = liveTensors();
    const out = nar.forward(batch, { hints: true });
    const ref = referenceBfs(nar, batch);
    assert.deepEqual(out.nodes.shape, [2, 4, 5]);
    assert.ok(maxAbsDiff(out.nodes.dataSync(), ref.nodes.flat(2)) < 2e-4, 'final node states');
    assert.ok(maxAbsDiff((out.outputs[0] as tf.Tensor).dataSync(), ref.logits.flat(2)) < 5e-4, 'pointer logits');
    assert.equal(out.hints.length, batch.steps, 'one hint decoding per processor step');
    tf.dispose([out.nodes, ...out.outputs, ...out.hints.flat()]);
    assert.equal(liveTensors(), before, 'no tensor leaks (fastOps constants aside)');
    nar.dispose();
  });
}

/**
 * Central differences of a piecewise-smooth loss (max aggregation, ReLU, the pointer decoder's max).
 * When the forward and backward slopes at ±h disagree a kink lies within ±h, where the function has
 * no derivative: the entry is skipped (counted); otherwise their mean must match the analytic gradient.
 */
function checkFiniteDifferences(
  label: string,
  params: readonly { name: string; variable: tf.Variable }[],
  analytic: ReadonlyMap<string, Float32Array>,
  loss: () => number,
  entries: (size: number) => number[],
  h: number,
): { checked: number; skipped: number } {
  let checked = 0;
  let skipped = 0;
  for (const p of params) {
    const vals = p.variable.dataSync() as Float32Array;
    const a = analytic.get(p.name) as Float32Array;
    for (const i of new Set(entries(vals.length))) {
      const at = (x: number): number => {
        const copy = Float32Array.from(vals);
        copy[i] = x;
        p.variable.assign(tf.tensor(copy, p.variable.shape));
        return loss();
      };
      const x0 = vals[i] as number;
      const f0 = at(x0);
      const forward = (at(x0 + h) - f0) / h;
      const backward = (f0 - at(x0 - h)) / h;
      at(x0);
      const g = a[i] as number;
      if (Math.abs(forward - backward) > 2e-3 + 0.02 * Math.abs(forward + backward)) {
        skipped++; // the one-sided slopes differ: a kink within ±h
        continue;
      }
      const numeric = (forward + backward) / 2;
      assert.ok(Math.abs(numeric - g) <= 2e-3 + 0.03 * Math.abs(g), `${label} ${p.name}[${i}]: analytic ${g}, numeric ${numeric} (h = ${h})`);
      checked++;
    }
  }
  return { checked, skipped };
}

test("the NAR's gradients (max over senders, shared processor) match central finite differences", (t) => {
  const rng = new Rng(21);
  const cases: [NarAlgorithm, GraphBatch][] = [
    ['bfs', bfsBatch()],
    ['insertion_sort', graphBatch([insertionSort([5, 1, 9, 3, 7], 10), insertionSort([2, 8, 4, 6, 0], 10)])],
    ['binary_search', graphBatch([binarySearch([1, 3, 5, 7, 9], 4, 10), binarySearch([0, 2, 2, 8, 9], 8, 10)])],
  ];
  let checked = 0;
  let skipped = 0;
  for (const [algorithm, batch] of cases) {
    const nar = createNar({ algorithm, hidden: 8 }, 7);
    const loss = (): number => {
      const l = tf.tidy(() => narLoss(nar.forward(batch, { hints: true }), batch, 0.5));
      const v = l.dataSync()[0] as number;
      l.dispose();
      return v;
    };
    const { value, grads } = tf.variableGrads(() => narLoss(nar.forward(batch, { hints: true }), batch, 0.5) as tf.Scalar, nar.params.map((p) => p.variable));
    value.dispose();
    const analytic = new Map(nar.params.map((p) => [p.name, (grads[p.variable.name] as tf.Tensor).dataSync() as Float32Array]));
    // The processor is shared across steps: its gradient (the sum over steps) is there and non-zero.
    for (const name of ['processor.msg.sender.kernel', 'processor.msg.mlp.kernel', 'processor.update.agg.kernel']) {
      assert.ok(analytic.get(name)?.some((x) => x !== 0), `${algorithm}: ${name} has a gradient`);
    }
    const r = checkFiniteDifferences(algorithm, nar.params, analytic, loss, (size) => [rng.int(0, size), rng.int(0, size), rng.int(0, size), size - 1], 1e-3);
    checked += r.checked;
    skipped += r.skipped;
    tf.dispose(Object.values(grads));
    nar.dispose();
  }
  t.diagnostic(`${checked} entries checked, ${skipped} skipped at a kink`);
  assert.ok(checked > 80, `checked ${checked} entries (${skipped} skipped at a kink)`);
  assert.ok(skipped < checked / 4, `${skipped} of ${checked + skipped} entries sit at a kink`);
});

test('narParamShapes lists exactly the tensors createNar makes, for every algorithm', () => {
  for (const algorithm of NAR_ALGORITHMS) {
    const nar = createNar({ algorithm, hidden: 6 }, 1);
    const made = new Map(nar.params.map((p) => [p.name, p.variable.shape]));
    assert.deepEqual(made, narParamShapes({ algorithm, hidden: 6 }), algorithm);
    nar.dispose();
  }
});

// ───────────── cross-attention ─────────────

const link = (layers: number[], hidden: number): NarLink => ({
  checkpoint: '../nar/bfs.safetensors',
  layers,
  algorithm: 'bfs',
  hidden,
  source: { kind: 'file', path: '/nowhere' },
});

function transnarConfig(o: Partial<ModelConfig> = {}): ModelConfig {
  return smallConfig({ layers: 2, dModel: 8, heads: 2, dFf: 16, vocabSize: 9, position: 'rope', nar: link([1], 5), ...o });
}

/** A TransNAR model on a 5-hidden BFS NAR, with its gates opened (0.7) so that every cross-attention parameter matters. */
function openModel(config: ModelConfig, seed: number): Model {
  const nar = createNar({ algorithm: 'bfs', hidden: 5 }, 2);
  const m = createModel(config, seed, { nar });
  for (const p of m.params) if (p.name.endsWith('xattn.gate')) p.variable.assign(tf.tensor1d([0.7]));
  return m;
}

function crossInputs(config: ModelConfig, model: Model) {
  const rng = new Rng(5);
  const B = 2;
  const T = 6;
  const tokens = tf.tensor2d(Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(0, config.vocabSize))), undefined, 'int32');
  const out = (model.nar as Nar).forward(bfsBatch());
  tf.dispose(out.outputs);
  const w = tf.tensor3d(Float32Array.from({ length: B * T * config.vocabSize }, () => rng.normal()), [B, T, config.vocabSize]);
  return { tokens, nodes: out.nodes, w, B, T };
}

test('cross-attention: the gate starts closed, so a fresh TransNAR model computes what the plain model does', () => {
  const plain = createModel(transnarConfig({ nar: null }), 9);
  const nar = createNar({ algorithm: 'bfs', hidden: 5 }, 2);
  const tn = createModel(transnarConfig(), 9, { nar });
  const { tokens, nodes, w } = crossInputs(transnarConfig(), tn);
  const a = plain.forward({ tokens });
  const b = tn.forward({ tokens, nodes, returnAttention: true });
  assert.ok(maxAbsDiff(a.logits.dataSync(), b.logits.dataSync()) < 1e-6, 'tanh(0) = 0: the sub-layer adds nothing');
  assert.equal(b.crossAttention.length, 1);
  assert.deepEqual(b.crossAttention[0]?.shape, [2, 2, 6, 4], '[B, heads, T, N]');
  const rows = b.crossAttention[0]?.arraySync() as number[][][][];
  for (const row of rows.flat(2)) assert.ok(Math.abs(row.reduce((s, x) => s + x, 0) - 1) < 1e-5, 'each row is a distribution over the nodes');
  // The plain model's parameters are a subset of the TransNAR model's: only xattn.* are new.
  const extra = tn.params.map((p) => p.name).filter((n) => !plain.params.some((q) => q.name === n));
  assert.deepEqual(extra, ['blocks.1.xattn.ln.gain', 'blocks.1.xattn.ln.bias', 'blocks.1.xattn.q.kernel', 'blocks.1.xattn.q.bias', 'blocks.1.xattn.kv.kernel', 'blocks.1.xattn.kv.bias', 'blocks.1.xattn.out.kernel', 'blocks.1.xattn.out.bias', 'blocks.1.xattn.gate']);
  assert.ok(!tn.params.some((p) => p.name.startsWith('encoders') || p.name.startsWith('processor')), "the NAR's tensors are not the model's parameters");
  tf.dispose([tokens, nodes, w, a.logits, b.logits, ...b.crossAttention, ...b.attention]);
  plain.dispose();
  tn.dispose();
});

test('cross-attention matches a plain-loop reference: softmax(q kᵀ/√dk) v over the nodes, gated by tanh(α)', () => {
  const config = transnarConfig({ layers: 1, dFf: 0, norm: 'none', position: 'none', init: 'fan-in', nar: link([0], 5) });
  const m = openModel(config, 4);
  const { tokens, nodes, w } = crossInputs(config, m);
  // With one block, no MLP, no norm: logits = (x + attn(x) + tanh(α)·xattn(x + attn(x))) · head. Compare the sub-layer alone:
  // run with the gate open and closed and take the difference of the residual streams through the head (linear).
  const get = (n: string): Float32Array => m.params.find((p) => p.name === n)?.variable.dataSync() as Float32Array;
  const open = m.forward({ tokens, nodes, returnAttention: true });
  const gate = m.params.find((p) => p.name === 'blocks.0.xattn.gate');
  gate?.variable.assign(tf.tensor1d([0]));
  const closed = m.forward({ tokens, nodes });
  // Reference of the cross-attention probabilities from the residual stream before it (closed model: x + attn(x)).
  const D = 8;
  const H = 2;
  const dk = 4;
  const N = 4;
  const T = 6;
  const tokenIds = tokens.arraySync() as number[][];
  const emb = get('embed.token');
  // Residual after self-attention: recompute x + attn(x) in tf (already tested elsewhere), read from the closed model's head input is not exposed;
  // instead check the probabilities' own definition against q, k from the model's matrices on a stream we rebuild.
  const selfOut = tf.tidy(() => {
    const x = tf.gather(tf.tensor2d(emb, [9, D]), tf.tensor1d(tokenIds.flat(), 'int32')); // [B*T, D]
    const qkv = tf.add(tf.matMul(x, tf.tensor2d(get('blocks.0.attn.qkv.kernel'), [D, 3 * D])), tf.tensor1d(get('blocks.0.attn.qkv.bias')));
    const [q, k, v] = tf.split(tf.transpose(tf.reshape(qkv, [2, T, 3 * H, dk]), [0, 2, 1, 3]), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const causal = tf.tensor2d(Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 0 : -1e9)), [T, T]);
    const p = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)), causal));
    const y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [2 * T, D]);
    return tf.add(x, tf.add(tf.matMul(y, tf.tensor2d(get('blocks.0.attn.out.kernel'), [D, D])), tf.tensor1d(get('blocks.0.attn.out.bias'))));
  });
  const xs = selfOut.arraySync() as number[][];
  const G = nodes.arraySync() as number[][][];
  const qK = get('blocks.0.xattn.q.kernel');
  const qB = get('blocks.0.xattn.q.bias');
  const kvK = get('blocks.0.xattn.kv.kernel');
  const kvB = get('blocks.0.xattn.kv.bias');
  const probs = open.crossAttention[0]?.arraySync() as number[][][][];
  let worst = 0;
  for (let b = 0; b < 2; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const x = xs[b * T + t] as number[];
        const q = Array.from({ length: dk }, (_, c) => x.reduce((s, xi, i) => s + xi * (qK[i * H * dk + h * dk + c] as number), qB[h * dk + c] as number));
        const logits = Array.from({ length: N }, (_, j) => {
          const g = (G[b] as number[][])[j] as number[];
          let dot = 0;
          for (let c = 0; c < dk; c++) {
            const k = g.reduce((s, gi, i) => s + gi * (kvK[i * 2 * H * dk + h * dk + c] as number), kvB[h * dk + c] as number);
            dot += (q[c] as number) * k;
          }
          return dot / Math.sqrt(dk);
        });
        const mx = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - mx));
        const z = e.reduce((s, x) => s + x, 0);
        e.forEach((x, j) => (worst = Math.max(worst, Math.abs(x / z - (probs[b]![h]![t]![j] as number)))));
      }
    }
  }
  assert.ok(worst < 1e-4, `cross-attention probabilities differ by ${worst}`);
  assert.ok(maxAbsDiff(open.logits.dataSync(), closed.logits.dataSync()) > 1e-4, 'an open gate changes the output');
  tf.dispose([tokens, nodes, w, selfOut, open.logits, closed.logits, ...open.attention, ...open.crossAttention]);
  m.dispose();
});

test('cross-attention gradients match central finite differences (gate, queries, keys and values from the nodes, output)', (t) => {
  const config = transnarConfig({ nar: link([0, 1], 5) });
  const m = openModel(config, 6);
  const { tokens, nodes, w } = crossInputs(config, m);
  const lossOf = (): tf.Scalar => tf.tidy(() => tf.mean(tf.mul(tf.logSoftmax(m.forward({ tokens, nodes }).logits), w)) as tf.Scalar);
  const { value, grads } = tf.variableGrads(lossOf, m.params.map((p) => p.variable));
  value.dispose();
  const rng = new Rng(8);
  const xattn = m.params.filter((x) => x.name.includes('xattn'));
  const analytic = new Map(xattn.map((p) => [p.name, (grads[p.variable.name] as tf.Tensor).dataSync() as Float32Array]));
  for (const p of xattn) assert.ok(analytic.get(p.name)?.some((x) => x !== 0), `${p.name} gets a gradient`);
  const loss = (): number => {
    const l = lossOf();
    const v = l.dataSync()[0] as number;
    l.dispose();
    return v;
  };
  const { checked, skipped } = checkFiniteDifferences('cross-attention', xattn, analytic, loss, (size) => [0, rng.int(0, size), size - 1], 1e-2);
  t.diagnostic(`${checked} entries checked, ${skipped} skipped at a kink`);
  assert.ok(checked >= 2 * 9 * 2, `checked ${checked} entries (${skipped} skipped)`);
  tf.dispose([tokens, nodes, w, ...Object.values(grads)]);
  m.dispose();
});

test('a TransNAR model refuses missing or foreign node embeddings and a NAR of another kind', () => {
  const config = transnarConfig();
  assert.throws(() => createModel(config, 1), /needs its frozen NAR/);
  const wrong = createNar({ algorithm: 'bfs', hidden: 4 }, 1);
  assert.throws(() => createModel(config, 1, { nar: wrong }), /hidden 5.*hidden 4/);
  wrong.dispose();
  const other = createNar({ algorithm: 'minimum', hidden: 5 }, 1);
  assert.throws(() => createModel(config, 1, { nar: other }), /bfs NAR.*minimum NAR/);
  other.dispose();
  const m = openModel(config, 1);
  const tokens = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
  assert.throws(() => m.forward({ tokens }), /node embeddings/);
  const bad = tf.zeros([1, 4, 3]) as tf.Tensor3D;
  assert.throws(() => m.forward({ tokens, nodes: bad }), /nodes must be float32 \[1, N, 5\]/);
  tf.dispose([tokens, bad]);
  m.dispose();
  const plain = createModel(transnarConfig({ nar: null }), 1);
  const t2 = tf.tensor2d([[1, 2]], undefined, 'int32');
  const n2 = tf.zeros([1, 4, 5]) as tf.Tensor3D;
  assert.throws(() => plain.forward({ tokens: t2, nodes: n2 }), /no NAR/);
  tf.dispose([t2, n2]);
  plain.dispose();
});
