import type { TaskConfig } from '../../protocol/config';
import type { Rng } from '../random';
import type { ExampleScores, Task, TaskExample, TaskObjective } from './task';
import { FIRST_SYMBOL, SPECIAL_TOKENS } from './task';
import { checkSize, checkTaskName, largestTaskSize, resolveTaskOptions, type OptionSpecs } from './taskOptions';
import { tokenText } from './tokenText';

/** Graph kinds of the `graph` option. */
export const GRAPH_KINDS = ['cycle', 'random', 'mixed'] as const;

export const GRAPH_COLORING_OPTIONS: OptionSpecs = {
  graph: { doc: '0: random labelled cycles (the paper); 1: random graphs with a planted colouring; 2: each example a cycle or a random graph (even odds)', min: 0, max: 2, default: () => 0 },
  colors: { doc: 'colours C the model chooses from (cycles of odd length need 3)', min: 3, max: 8, default: () => 3 },
  ids: { doc: 'vertex-id alphabet size, at least the largest n; default the largest n (ids 0 … n − 1, as the paper)', min: 3, max: 4096, default: (n) => n },
  edgePercent: { doc: 'random graphs: chance in % of an edge between two vertices of different planted colours', min: 1, max: 100, default: () => 40 },
  self: { doc: '1: a vertex also attends to itself; 0: only to its neighbours (the paper)', min: 0, max: 1, default: () => 0 },
};

/**
 * Distributed graph colouring (the ICLR 2025 randomized-Transformers paper's second task,
 * science.md §4, §7.3): colour the n vertices of a graph with C colours so that no edge joins two
 * vertices of the same colour, where every vertex only ever sees its neighbours.
 *
 * Layout. Position u holds vertex u, whose token is its id `v<id>` (n distinct ids drawn from the
 * `ids` alphabet). The graph itself is given by the attention mask (`exampleMask`): query u may
 * see key w only if {u, w} is an edge (and itself with `self: 1`). So the model is a locally
 * masked Transformer (a message-passing network): L layers are L rounds of communication
 * between neighbours, and no vertex sees the whole graph. The answer is aligned: position u
 * outputs vertex u's colour `c0` … `c<C−1>`. Use a bidirectional model without position
 * encoding (positions carry no meaning; ids do).
 *
 * Graphs (`graph`): a uniformly random labelled cycle (a random permutation of the positions
 * joined in a ring, the paper's instances); or a random graph with a planted C-colouring (hidden
 * colours drawn uniformly, each pair of differently coloured vertices joined with probability
 * edgePercent %, every vertex left without neighbours joined to a random differently coloured
 * one), which is C-colourable by construction; or a fair mix.
 *
 * Objective (TaskObjective `monochromatic-edges`): the expected number of monochromatic edges
 * Σ_(u,v) Σ_c p_u(c)·p_v(c) under the model's per-vertex colour distributions — an upper bound
 * on the probability that the sampled colouring is improper — inside the q-norm objective over
 * m seeds per graph. The `answer` of an example is one proper colouring (the planted one, or a
 * greedy one around the cycle), shown for reference only: any proper colouring is right.
 *
 * Why randomness helps (science.md §4): with two rounds a deterministic local rule that colours
 * every cycle properly is hard to find, and an oblivious adversary picks the cycles a fixed rule
 * gets wrong; a rule that also reads a random seed can spread its failures so that no cycle
 * fails under every seed.
 */
export class GraphColoringTask implements Task {
  readonly name = 'graph-coloring' as const;
  readonly config: TaskConfig;
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = true;
  readonly objective: TaskObjective;
  readonly colors: number;
  private readonly ids: number;
  private readonly kind: (typeof GRAPH_KINDS)[number];
  private readonly edgeChance: number;
  private readonly self: boolean;
  private readonly largest: number;

  constructor(config: TaskConfig) {
    checkTaskName(config, 'graph-coloring');
    this.largest = largestTaskSize(config);
    this.config = config;
    this.options = resolveTaskOptions(config, GRAPH_COLORING_OPTIONS);
    this.colors = this.options.colors as number;
    this.ids = this.options.ids as number;
    this.kind = GRAPH_KINDS[this.options.graph as number] as (typeof GRAPH_KINDS)[number];
    this.edgeChance = (this.options.edgePercent as number) / 100;
    this.self = this.options.self === 1;
    const smallest = Math.min(...config.trainLengths, ...config.evalLengths);
    if (smallest < 3) throw new Error(`task "graph-coloring": size n = ${smallest} is too small; graphs need at least 3 vertices`);
    if (this.ids < this.largest) {
      throw new Error(`task "graph-coloring": option ids = ${this.ids} is smaller than the largest size n = ${this.largest}; n vertices need n distinct ids`);
    }
    this.vocab = [
      ...SPECIAL_TOKENS,
      ...Array.from({ length: this.ids }, (_, i) => `v${i}`),
      ...Array.from({ length: this.colors }, (_, c) => `c${c}`),
    ];
    this.objective = {
      kind: 'monochromatic-edges',
      description: 'expected number of monochromatic edges, Σ over edges (u, v) of Σ_c p_u(c)·p_v(c)',
      firstColor: this.colorToken(0),
      colors: this.colors,
    };
  }

  colorToken(c: number): number {
    return FIRST_SYMBOL + this.ids + c;
  }

  /** The colour index of a token, or −1 when it is not a colour. */
  colorOf(token: number): number {
    const c = token - this.colorToken(0);
    return c >= 0 && c < this.colors ? c : -1;
  }

  example(rng: Rng, n: number): TaskExample {
    checkSize(this.name, n, this.largest);
    const ids = rng.sample(this.ids, n);
    const kind = this.kind === 'mixed' ? (rng.next() < 0.5 ? 'cycle' : 'random') : this.kind;
    const { edges, coloring } = kind === 'cycle' ? randomCycle(rng, n) : plantedGraph(rng, n, this.colors, this.edgeChance);
    return {
      prompt: ids.map((id) => FIRST_SYMBOL + id),
      answer: coloring.map((c) => this.colorToken(c)),
      edges,
    };
  }

  answerLength(n: number): number {
    return n;
  }

  promptLength(n: number): number {
    return n;
  }

  /** The example's edges (an example without them is not a graph-colouring example). */
  edgesOf(example: TaskExample): [number, number][] {
    if (!example.edges) throw new Error('graph-coloring: the example has no edges');
    return example.edges;
  }

  /** Edges whose two ends have the same predicted colour (a non-colour token conflicts with nothing). */
  conflicts(example: TaskExample, predicted: readonly number[]): [number, number][] {
    return this.edgesOf(example).filter(([u, v]) => {
      const cu = this.colorOf(predicted[u] ?? -1);
      return cu >= 0 && cu === this.colorOf(predicted[v] ?? -1);
    });
  }

  /**
   * shape: one token per vertex; parse: every token is a colour; clrs: the fraction of edges
   * whose ends differ in colour (0 when the shape or parse is wrong); exact: a proper colouring.
   */
  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    const edges = this.edgesOf(example);
    const shape = predicted.length === example.prompt.length ? 1 : 0;
    const parse = predicted.every((t) => this.colorOf(t) >= 0) ? 1 : 0;
    if (shape === 0 || parse === 0) return { exact: 0, shape, parse, clrs: 0 };
    const bad = this.conflicts(example, predicted).length;
    return { exact: bad === 0 ? 1 : 0, shape, parse, clrs: edges.length > 0 ? 1 - bad / edges.length : 1 };
  }

  /** `edges: v3–v1 v1–v0 v0–v3 | colours: v3=c0 v1=c1 v0=c2`, plus ` | predicted: v3=c0 … (1 conflict)`. */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const id = (u: number): string => tokenText(this.vocab, example.prompt[u] as number);
    const coloring = (tokens: readonly number[]): string => example.prompt.map((_, u) => `${id(u)}=${tokenText(this.vocab, tokens[u] ?? -1)}`).join(' ');
    const parts = [`edges: ${this.edgesOf(example).map(([u, v]) => `${id(u)}–${id(v)}`).join(' ')}`, `colours: ${coloring(example.answer)}`];
    if (predicted) {
      const bad = predicted.length === example.prompt.length ? this.conflicts(example, predicted).length : NaN;
      parts.push(`predicted: ${coloring(predicted)} (${Number.isNaN(bad) ? 'wrong length' : `${bad} conflict${bad === 1 ? '' : 's'}`})`);
    }
    return parts.join(' | ');
  }

  /** Neighbours only (and the vertex itself with `self: 1`); a bidirectional model only. */
  exampleMask(example: TaskExample, tokens: number, causal: boolean): Uint8Array {
    if (causal) throw new Error('task "graph-coloring" needs a bidirectional model (causal: false): a vertex sees its neighbours in both directions');
    const n = example.prompt.length;
    if (tokens !== n) throw new Error(`graph-coloring exampleMask: tokens = ${tokens}, expected the ${n} vertices`);
    const allowed = new Uint8Array(n * n);
    for (const [u, v] of this.edgesOf(example)) {
      allowed[u * n + v] = 1;
      allowed[v * n + u] = 1;
    }
    if (this.self) for (let u = 0; u < n; u++) allowed[u * n + u] = 1;
    return allowed;
  }
}

/** A uniformly random labelled cycle on positions 0 … n − 1 and a proper 3-colouring of it. */
export function randomCycle(rng: Rng, n: number): { edges: [number, number][]; coloring: number[] } {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const edges: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = order[i] as number;
    const b = order[(i + 1) % n] as number;
    edges.push(a < b ? [a, b] : [b, a]);
  }
  // Around the ring: 0, 1, 0, 1, …; the last vertex takes 2 when n is odd (it touches a 0 and a 1).
  const coloring = new Array<number>(n).fill(0);
  order.forEach((u, i) => {
    coloring[u] = i === n - 1 && n % 2 === 1 ? 2 : i % 2;
  });
  return { edges, coloring };
}

/**
 * A random graph with a planted C-colouring: hidden colours uniform (at least two classes), an
 * edge between differently coloured vertices with probability p, and every isolated vertex joined
 * to a random differently coloured vertex. Edges sorted, u < v.
 */
export function plantedGraph(rng: Rng, n: number, colors: number, p: number): { edges: [number, number][]; coloring: number[] } {
  const coloring = Array.from({ length: n }, () => rng.int(0, colors));
  if (coloring.every((c) => c === coloring[0])) coloring[rng.int(0, n)] = ((coloring[0] as number) + 1 + rng.int(0, colors - 1)) % colors;
  const adjacent = new Uint8Array(n * n);
  for (let u = 0; u < n; u++) {
    for (let v = u + 1; v < n; v++) {
      if (coloring[u] !== coloring[v] && rng.next() < p) adjacent[u * n + v] = adjacent[v * n + u] = 1;
    }
  }
  for (let u = 0; u < n; u++) {
    let degree = 0;
    for (let v = 0; v < n; v++) degree += adjacent[u * n + v] as number;
    if (degree > 0) continue;
    const others = Array.from({ length: n }, (_, v) => v).filter((v) => coloring[v] !== coloring[u]);
    const v = others[rng.int(0, others.length)] as number;
    adjacent[u * n + v] = adjacent[v * n + u] = 1;
  }
  const edges: [number, number][] = [];
  for (let u = 0; u < n; u++) for (let v = u + 1; v < n; v++) if (adjacent[u * n + v]) edges.push([u, v]);
  return { edges, coloring };
}
