/**
 * The neural algorithmic reasoner of TransNAR-lite (docs/science.md §5, §7.3): a message-passing
 * network with max aggregation over the graph form of a CLRS instance, its processor's weights
 * shared across steps, with one encoder per input feature and one decoder per hint and output
 * feature (as CLRS's encode-process-decode baselines; triplet messages and gating of the
 * Triplet-GMPNN are left out). Hints supervise the hidden states step by step; they are decoded,
 * not fed back (CLRS's decode-only hints), so the NAR needs only the inputs at inference.
 *
 *   node_fts [B, N, H] = Σ_f enc_f(x_f)        per input feature f on the nodes (pos, key, s, …)
 *   edge_fts [B, N, N, H] = Σ_f enc_f(e_f)     edge features (BFS: A)
 *   graph_fts [B, H] = Σ_f enc_f(g_f)          graph features (binary search: target)
 *   h⁰ = 0;  for t = 1 … S (S = hintSteps(algorithm, N)):
 *     z_u = [node_fts_u ‖ hᵗ⁻¹_u]                                                  [B, N, 2H]
 *     msg_{v→u} = W_m · relu(W_s z_v + W_r z_u + W_e edge_fts_{vu} + W_g graph_fts) + b_m
 *     m_u = max_v msg_{v→u}                         over all N senders (a CLRS MPNN: the graph
 *                                                   enters through the edge features)
 *     hᵗ_u = LN(relu(W_o1 z_u + W_o2 m_u + b_o))
 *   decoders read d_u = [node_fts_u ‖ hᵗ_u]: mask / mask_one / scalar a linear map per node;
 *   pointer u → v: w · max(W_1 d_u, W_2 d_v + W_3 edge_fts_{uv}) (CLRS's pointer decoder).
 *
 * The node embeddings a Transformer cross-attends to are the final hˢ [B, N, H].
 */
import type { NarConfig } from '../../protocol/nar';
import type { ModelParam, ParamKind } from '../model/params';
import { dense } from '../model/dense';
import { layerNorm } from '../model/layerNorm';
import { hashSeed, Rng } from '../../core/random';
import { tf } from '../tf';
import type { Tensor, Variable } from '../tf';
import type { FeatureSpec } from '../../core/tasks/clrs/algorithms';
import { featuresOf, type FeatureArray, type GraphBatch } from '../../core/nar/graphBatch';

export interface NarOutput {
  /** Final node embeddings hˢ [B, N, H]. */
  nodes: tf.Tensor3D;
  /** Per output feature (spec order): logits [B, N] (mask, mask_one, scalar) or [B, N, N] (pointer). */
  outputs: Tensor[];
  /** hints[t − 1][k]: hint feature k decoded from hᵗ; [] unless asked for. */
  hints: Tensor[][];
}

export interface Nar {
  readonly config: NarConfig;
  /** Every tensor, named for the checkpoint: `encoders.*`, `processor.*`, `decoders.*`. */
  readonly params: readonly ModelParam[];
  forward(batch: GraphBatch, options?: { hints?: boolean }): NarOutput;
  dispose(): void;
}

interface Linear {
  kernel: Variable;
  bias: Variable | null;
}

interface Decoder {
  spec: FeatureSpec;
  /** mask / mask_one / scalar: d → 1. pointer: the three maps to H and w → 1. */
  out: Linear;
  p1?: Linear;
  p2?: Linear;
  p3?: Linear;
}

/** FNV-1a of a parameter name: each parameter's init depends only on (seed, name). */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The NAR of `config`, initialised from `seed`: matrices N(0, 1/fan_in), zero biases, unit LayerNorm
 * gains. `trainable: false` (a frozen NAR) makes its variables invisible to tf.variableGrads.
 */
export function createNar(config: NarConfig, seed: number, options: { trainable?: boolean } = {}): Nar {
  const trainable = options.trainable ?? true;
  const H = config.hidden;
  if (!(Number.isInteger(H) && H >= 1 && H <= 1024)) throw new Error(`NAR: hidden must be an integer in [1, 1024], got ${String(H)}`);
  const params: ModelParam[] = [];
  const make = (name: string, kind: ParamKind, shape: number[], init: 'normal' | 'zeros' | 'ones'): Variable => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init === 'ones') values.fill(1);
    else if (init === 'normal') {
      const rng = new Rng(hashSeed(seed, nameHash(name)));
      const std = 1 / Math.sqrt(shape[0] as number);
      for (let i = 0; i < size; i++) values[i] = rng.normal() * std;
    }
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    params.push({ name, kind, variable });
    return variable;
  };
  const linear = (name: string, rows: number, cols: number, bias = true): Linear => ({
    kernel: make(`${name}.kernel`, 'matrix', [rows, cols], 'normal'),
    bias: bias ? make(`${name}.bias`, 'bias', [cols], 'zeros') : null,
  });

  const inputs = featuresOf(config.algorithm, 'input');
  const encoders = new Map(inputs.map((f) => [f.name, linear(`encoders.${f.name}`, 1, H)]));
  const hasEdges = inputs.some((f) => f.location === 'edge');
  const hasGraph = inputs.some((f) => f.location === 'graph');
  const proc = {
    sender: linear('processor.msg.sender', 2 * H, H, false),
    receiver: linear('processor.msg.receiver', 2 * H, H),
    edge: hasEdges ? linear('processor.msg.edge', H, H, false) : null,
    graph: hasGraph ? linear('processor.msg.graph', H, H, false) : null,
    mlp: linear('processor.msg.mlp', H, H),
    self: linear('processor.update.self', 2 * H, H, false),
    agg: linear('processor.update.agg', H, H),
    lnGain: make('processor.ln.gain', 'norm-gain', [H], 'ones'),
    lnBias: make('processor.ln.bias', 'norm-bias', [H], 'zeros'),
  };
  const decoder = (f: FeatureSpec, prefix: string): Decoder => {
    const name = `decoders.${prefix}.${f.name}`;
    if (f.type !== 'pointer') return { spec: f, out: linear(name, 2 * H, 1) };
    return {
      spec: f,
      p1: linear(`${name}.source`, 2 * H, H),
      p2: linear(`${name}.target`, 2 * H, H),
      p3: hasEdges ? linear(`${name}.edge`, H, H, false) : undefined,
      out: linear(`${name}.out`, H, 1),
    };
  };
  const outputDecoders = featuresOf(config.algorithm, 'output').map((f) => decoder(f, 'output'));
  const hintDecoders = featuresOf(config.algorithm, 'hint').map((f) => decoder(f, 'hint'));
  let disposed = false;

  const apply = (x: Tensor, l: Linear): Tensor => (l.bias ? dense(x, l.kernel, l.bias) : dense(x, l.kernel));

  /** Σ of the encoders of the features at `location`: [rows, H], rows = the feature's element count. */
  const encode = (arrays: readonly FeatureArray[], location: FeatureSpec['location'], rows: number): Tensor | null => {
    let sum: Tensor | null = null;
    for (const a of arrays) {
      if (a.spec.location !== location) continue;
      const enc = encoders.get(a.spec.name) as Linear;
      const e = apply(tf.tensor2d(a.data, [rows, 1]), enc); // [rows, H]
      sum = sum ? tf.add(sum, e) : e;
    }
    return sum;
  };

  /** A decoder's logits from d [B·N, 2H]: [B, N], or [B, N, N] for a pointer. */
  const decode = (dec: Decoder, d: Tensor, edges: Tensor | null, B: number, N: number): Tensor => {
    if (dec.spec.type !== 'pointer') return tf.reshape(apply(d, dec.out), [B, N]);
    const p1 = tf.reshape(apply(d, dec.p1 as Linear), [B, N, 1, H]); // source u
    let pe = tf.reshape(apply(d, dec.p2 as Linear), [B, 1, N, H]); // target v
    if (dec.p3 && edges) pe = tf.add(pe, tf.reshape(apply(edges, dec.p3), [B, N, N, H])); // + edge u → v
    // tf.maximum's gradient does not reduce over broadcast axes: broadcast both sides first.
    const m = tf.maximum(tf.broadcastTo(p1, [B, N, N, H]), tf.broadcastTo(pe, [B, N, N, H])); // [B, N, N, H]
    return tf.reshape(apply(tf.reshape(m, [B * N * N, H]), dec.out), [B, N, N]); // logits[b, u, v]
  };

  const forward = (batch: GraphBatch, options: { hints?: boolean } = {}): NarOutput => {
    if (disposed) throw new Error('NAR: forward on a disposed network');
    if (batch.algorithm !== config.algorithm) throw new Error(`NAR: trained for ${config.algorithm}, given a ${batch.algorithm} batch`);
    const { B, N, steps } = batch;
    return tf.tidy(() => {
      const nodeFts = encode(batch.inputs, 'node', B * N) ?? tf.zeros([B * N, H]); // [B·N, H]
      const edgeFts = hasEdges ? encode(batch.inputs, 'edge', B * N * N) : null; // [B·N·N, H]
      const graphFts = hasGraph ? encode(batch.inputs, 'graph', B) : null; // [B, H]
      // Step-invariant message terms.
      const edgeMsg = edgeFts && proc.edge ? tf.reshape(apply(edgeFts, proc.edge), [B, N, N, H]) : null; // [b, v, u]
      const graphMsg = graphFts && proc.graph ? tf.reshape(apply(graphFts, proc.graph), [B, 1, 1, H]) : null;
      let h: Tensor = tf.zeros([B * N, H]);
      const hints: Tensor[][] = [];
      for (let t = 1; t <= steps; t++) {
        const z = tf.concat([nodeFts, h], 1); // [B·N, 2H]
        let msgs: Tensor = tf.add(
          tf.reshape(apply(z, proc.sender), [B, N, 1, H]), // sender v on axis 1
          tf.reshape(apply(z, proc.receiver), [B, 1, N, H]), // receiver u on axis 2
        ); // [B, N, N, H]
        if (edgeMsg) msgs = tf.add(msgs, edgeMsg);
        if (graphMsg) msgs = tf.add(msgs, graphMsg);
        msgs = tf.reshape(apply(tf.reshape(tf.relu(msgs), [B * N * N, H]), proc.mlp), [B, N, N, H]);
        const agg = tf.reshape(tf.max(msgs, 1), [B * N, H]); // max over senders → [B·N, H]
        h = layerNorm(tf.relu(tf.add(apply(z, proc.self), apply(agg, proc.agg))), proc.lnGain, proc.lnBias); // [B·N, H]
        if (options.hints) {
          const d = tf.concat([nodeFts, h], 1);
          hints.push(hintDecoders.map((dec) => decode(dec, d, edgeFts, B, N)));
        }
      }
      const d = tf.concat([nodeFts, h], 1); // [B·N, 2H]
      const outputs = outputDecoders.map((dec) => decode(dec, d, edgeFts, B, N));
      return { nodes: tf.reshape(h, [B, N, H]) as tf.Tensor3D, outputs, hints };
    });
  };

  return {
    config: { ...config },
    params,
    forward,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const p of params) p.variable.dispose();
    },
  };
}
