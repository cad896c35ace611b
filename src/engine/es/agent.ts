/**
 * The grid-world agent: a small causal Transformer that acts one step at a time, computed on the
 * host from a flat parameter vector θ (no tfjs: evolution strategies evaluate hundreds of
 * perturbed copies of θ per step, each a handful of single-token forward passes, where a tensor
 * library's per-call overhead would dominate). Pre-LayerNorm blocks as src/engine/model, with a
 * key/value cache:
 *
 *   x_t = [tok(cell_t) + pos(t), r]                      // [D]; r the seed's rseBits dims (RSE, docs/science.md §4); pos only with position 'learned'
 *   x  += Wo · softmax_τ≤t(q_t·k_τ / √Dh) v_τ per head  // q, k, v = LN(x)·Wq, ·Wk, ·Wv
 *   x  += W2 · gelu(W1 · LN(x) + b1) + b2               // when dFf > 0
 *   action_t = argmax(Whead · LN(x_t) + bhead)           // left, up, right, down; ties to the lowest
 *
 * The policy is deterministic given θ and the seed r: its only randomness is the seed (the paper's
 * argmax policy). Without RSE (rseBits 0) every seed gives the same trajectory.
 */
import type { ModelConfig, ParamKind } from '../../protocol/config';
import { Rng } from '../../core/random';
import { GRID_ACTIONS, move } from '../../core/tasks/gridWorld';

export interface AgentParam {
  name: string;
  kind: ParamKind;
  shape: number[];
  /** Offset into θ. */
  offset: number;
  size: number;
}

export interface AgentLayout {
  dModel: number;
  heads: number;
  layers: number;
  dFf: number;
  rseBits: number;
  vocab: number;
  /** Longest episode in tokens (budget + 1). */
  maxLen: number;
  params: AgentParam[];
  /** Total parameter count: θ's length. */
  size: number;
}

/** The agent's parameters in θ, in order, from the run's model config (dModel, heads, layers, dFf, rseBits). */
export function agentLayout(model: Pick<ModelConfig, 'dModel' | 'heads' | 'layers' | 'dFf' | 'rseBits'> & { position?: ModelConfig['position'] }, vocab: number, maxLen: number): AgentLayout {
  const { dModel: d, heads, layers, dFf: ff, rseBits: r } = model;
  const position = model.position ?? 'learned';
  if (position !== 'learned' && position !== 'none') throw new Error(`grid-world agent: position "${position}" is not supported; use "learned" (a learned code per step) or "none"`);
  if (d % heads !== 0) throw new Error(`grid-world agent: dModel ${d} must be a multiple of heads ${heads}`);
  if (r >= d) throw new Error(`grid-world agent: rseBits ${r} must be below dModel ${d}`);
  const params: AgentParam[] = [];
  let offset = 0;
  const add = (name: string, kind: ParamKind, shape: number[]): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    params.push({ name, kind, shape, offset, size });
    offset += size;
  };
  add('tok', 'embedding', [vocab, d - r]); // [V, D − r]
  if (position === 'learned') add('pos', 'embedding', [maxLen, d - r]); // [T, D − r]
  for (let l = 0; l < layers; l++) {
    add(`blocks.${l}.ln1.gain`, 'norm-gain', [d]);
    add(`blocks.${l}.ln1.bias`, 'norm-bias', [d]);
    for (const w of ['q', 'k', 'v', 'o']) add(`blocks.${l}.attn.${w}`, 'matrix', [d, d]);
    if (ff > 0) {
      add(`blocks.${l}.ln2.gain`, 'norm-gain', [d]);
      add(`blocks.${l}.ln2.bias`, 'norm-bias', [d]);
      add(`blocks.${l}.mlp.w1`, 'matrix', [d, ff]);
      add(`blocks.${l}.mlp.b1`, 'bias', [ff]);
      add(`blocks.${l}.mlp.w2`, 'matrix', [ff, d]);
      add(`blocks.${l}.mlp.b2`, 'bias', [d]);
    }
  }
  add('lnf.gain', 'norm-gain', [d]);
  add('lnf.bias', 'norm-bias', [d]);
  add('head', 'matrix', [d, GRID_ACTIONS.length]);
  add('head.bias', 'bias', [GRID_ACTIONS.length]);
  return { dModel: d, heads, layers, dFf: ff, rseBits: r, vocab, maxLen, params, size: offset };
}

/** Initial θ: N(0, 1) embeddings, N(0, 1/fan_in) matrices, unit gains, zero biases. */
export function initAgent(layout: AgentLayout, seed: number): Float32Array {
  const theta = new Float32Array(layout.size);
  const rng = new Rng(seed);
  for (const p of layout.params) {
    const fill = p.kind === 'norm-gain' ? () => 1 : p.kind === 'bias' || p.kind === 'norm-bias' ? () => 0 : p.kind === 'embedding' ? () => rng.normal() : () => rng.normal() / Math.sqrt(p.shape[0] as number);
    for (let i = 0; i < p.size; i++) theta[p.offset + i] = fill();
  }
  return theta;
}

function layerNorm(x: Float32Array, theta: Float32Array, gain: number, bias: number, out: Float32Array): void {
  const d = x.length;
  let mean = 0;
  for (let i = 0; i < d; i++) mean += x[i] as number;
  mean /= d;
  let v = 0;
  for (let i = 0; i < d; i++) v += ((x[i] as number) - mean) ** 2;
  const inv = 1 / Math.sqrt(v / d + 1e-5);
  for (let i = 0; i < d; i++) out[i] = ((x[i] as number) - mean) * inv * (theta[gain + i] as number) + (theta[bias + i] as number);
}

/** out[j] = Σ_i x[i] · W[i, j] (+ b[j]); W [n, m] row-major at offset w in θ. */
function matVec(x: Float32Array, theta: Float32Array, w: number, m: number, out: Float32Array, b = -1): void {
  const n = x.length;
  for (let j = 0; j < m; j++) out[j] = b >= 0 ? (theta[b + j] as number) : 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    if (xi === 0) continue;
    const row = w + i * m;
    for (let j = 0; j < m; j++) out[j] = (out[j] as number) + xi * (theta[row + j] as number);
  }
}

function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

/** The agent of one θ, ready to play episodes (it allocates its buffers once). */
export class Agent {
  private readonly off = new Map<string, number>();
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];
  private readonly x: Float32Array;
  private readonly h: Float32Array;
  private readonly q: Float32Array;
  private readonly o: Float32Array;
  private readonly tmp: Float32Array;
  private readonly hidden: Float32Array;
  private readonly logits = new Float32Array(GRID_ACTIONS.length);
  private readonly scores: Float32Array;
  /** Offsets in θ per layer (looked up once: act runs thousands of times per ES step). */
  private readonly blocks: { ln1g: number; ln1b: number; q: number; k: number; v: number; o: number; ln2g: number; ln2b: number; w1: number; b1: number; w2: number; b2: number }[];
  private readonly tok: number;
  private readonly pos: number;
  private readonly lnfg: number;
  private readonly lnfb: number;
  private readonly head: number;
  private readonly headBias: number;

  constructor(
    readonly layout: AgentLayout,
    readonly theta: Float32Array,
  ) {
    if (theta.length !== layout.size) throw new Error(`grid-world agent: θ has ${theta.length} values, the layout ${layout.size}`);
    for (const p of layout.params) this.off.set(p.name, p.offset);
    const { dModel: d, layers, maxLen } = layout;
    this.keys = Array.from({ length: layers }, () => new Float32Array(maxLen * d)); // [T, D] per layer
    this.values = Array.from({ length: layers }, () => new Float32Array(maxLen * d));
    this.x = new Float32Array(d);
    this.h = new Float32Array(d);
    this.q = new Float32Array(d);
    this.o = new Float32Array(d);
    this.tmp = new Float32Array(d);
    this.hidden = new Float32Array(Math.max(1, layout.dFf));
    this.scores = new Float32Array(maxLen);
    const at = (name: string): number => this.off.get(name) ?? -1;
    this.blocks = Array.from({ length: layers }, (_, l) => {
      const p = `blocks.${l}.`;
      return {
        ln1g: at(`${p}ln1.gain`), ln1b: at(`${p}ln1.bias`),
        q: at(`${p}attn.q`), k: at(`${p}attn.k`), v: at(`${p}attn.v`), o: at(`${p}attn.o`),
        ln2g: at(`${p}ln2.gain`), ln2b: at(`${p}ln2.bias`),
        w1: at(`${p}mlp.w1`), b1: at(`${p}mlp.b1`), w2: at(`${p}mlp.w2`), b2: at(`${p}mlp.b2`),
      };
    });
    this.tok = at('tok');
    this.pos = at('pos');
    this.lnfg = at('lnf.gain');
    this.lnfb = at('lnf.bias');
    this.head = at('head');
    this.headBias = at('head.bias');
  }

  /** The action at step t from the token of the current cell, given the seed vector (length rseBits); t = 0, 1, … in order. */
  act(t: number, token: number, seed: Float32Array): number {
    const { dModel: d, heads, layers, dFf: ff, rseBits: r, maxLen, vocab } = this.layout;
    if (t >= maxLen) throw new RangeError(`grid-world agent: step ${t} is beyond its ${maxLen} positions`);
    if (token < 0 || token >= vocab) throw new RangeError(`grid-world agent: token ${token} outside the vocabulary of ${vocab}`);
    const th = this.theta;
    const x = this.x;
    const w = d - r;
    const tok = this.tok + token * w;
    const pos = this.pos >= 0 ? this.pos + t * w : -1;
    for (let i = 0; i < w; i++) x[i] = (th[tok + i] as number) + (pos >= 0 ? (th[pos + i] as number) : 0);
    for (let i = 0; i < r; i++) x[w + i] = seed[i] as number;
    const dh = d / heads;
    const scale = 1 / Math.sqrt(dh);
    for (let l = 0; l < layers; l++) {
      const b = this.blocks[l] as Agent['blocks'][number];
      layerNorm(x, th, b.ln1g, b.ln1b, this.h);
      matVec(this.h, th, b.q, d, this.q);
      const K = this.keys[l] as Float32Array;
      const V = this.values[l] as Float32Array;
      matVec(this.h, th, b.k, d, this.tmp);
      K.set(this.tmp, t * d);
      matVec(this.h, th, b.v, d, this.tmp);
      V.set(this.tmp, t * d);
      this.o.fill(0);
      for (let hd = 0; hd < heads; hd++) {
        const base = hd * dh;
        let max = -Infinity;
        for (let tau = 0; tau <= t; tau++) {
          let s = 0;
          for (let i = 0; i < dh; i++) s += (this.q[base + i] as number) * (K[tau * d + base + i] as number);
          s *= scale;
          this.scores[tau] = s;
          if (s > max) max = s;
        }
        let z = 0;
        for (let tau = 0; tau <= t; tau++) {
          const e = Math.exp((this.scores[tau] as number) - max);
          this.scores[tau] = e;
          z += e;
        }
        for (let tau = 0; tau <= t; tau++) {
          const pr = (this.scores[tau] as number) / z;
          for (let i = 0; i < dh; i++) this.o[base + i] = (this.o[base + i] as number) + pr * (V[tau * d + base + i] as number);
        }
      }
      matVec(this.o, th, b.o, d, this.tmp);
      for (let i = 0; i < d; i++) x[i] = (x[i] as number) + (this.tmp[i] as number);
      if (ff > 0) {
        layerNorm(x, th, b.ln2g, b.ln2b, this.h);
        matVec(this.h, th, b.w1, ff, this.hidden, b.b1);
        for (let i = 0; i < ff; i++) this.hidden[i] = gelu(this.hidden[i] as number);
        matVec(this.hidden, th, b.w2, d, this.tmp, b.b2);
        for (let i = 0; i < d; i++) x[i] = (x[i] as number) + (this.tmp[i] as number);
      }
    }
    layerNorm(x, th, this.lnfg, this.lnfb, this.h);
    matVec(this.h, th, this.head, GRID_ACTIONS.length, this.logits, this.headBias);
    let best = 0;
    for (let a = 1; a < GRID_ACTIONS.length; a++) if ((this.logits[a] as number) > (this.logits[best] as number)) best = a;
    return best;
  }

  /**
   * The exploration trajectory of one seed on an n × n grid: `budget` steps from cell 0, never
   * stopped by a goal (before a discovery the agent's observations do not depend on the goal).
   * `cellToken(c)` is the observation token of cell c.
   */
  explore(seed: Float32Array, side: number, budget: number, cellToken: (cell: number) => number): number[] {
    const path = [0];
    let cell = 0;
    for (let t = 0; t < budget; t++) {
      cell = move(cell, this.act(t, cellToken(cell), seed), side);
      path.push(cell);
    }
    return path;
  }
}
