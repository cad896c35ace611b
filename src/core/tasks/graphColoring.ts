import type { TaskConfig } from '../../protocol/config';
import type { Rng } from '../random';
import type { ExampleScores, Task, TaskExample, TaskObjective } from './task';
import { FIRST_SYMBOL, PAD, SPECIAL_TOKENS } from './task';
import { TaskOptionError, checkSize, checkTaskName, largestTaskSize, resolveTaskOptions, type OptionSpecs } from './taskOptions';
import { tokenText } from './tokenText';

/** Graph kinds of the `graph` option. */
export const GRAPH_KINDS = ['cycle', 'random', 'mixed'] as const;
export type GraphKind = (typeof GRAPH_KINDS)[number];
/** How the model is shown the graph (`view` option). */
export const GRAPH_VIEWS = ['neighbours', 'edges'] as const;
export type GraphView = (typeof GRAPH_VIEWS)[number];

/** Largest id alphabet of the edge view: one token per pair of ids. */
export const MAX_EDGE_VIEW_IDS = 32;

export const GRAPH_COLORING_OPTIONS: OptionSpecs = {
  graph: { doc: '0: uniformly random labelled cycles (the paper); 1: random graphs with a planted colouring and `degree`·n/2 edges; 2: each example one of the two (even odds)', min: 0, max: 2, default: () => 0 },
  view: {
    doc: '0: neighbours: one token per vertex, each vertex attends only to its neighbours (the paper; bidirectional models only); 1: edges: one token per edge (`e3-7`), then one token per vertex, which reads the colour',
    min: 0,
    max: 1,
    default: () => 0,
  },
  colors: { doc: 'colours C the model chooses from (cycles of odd length need 3)', min: 2, max: 8, default: () => 3 },
  ids: { doc: 'vertex-id alphabet size, at least the largest n; default the largest n (ids 0 … n − 1, as the paper); at most 32 in the edge view', min: 3, max: 4096, default: (n) => n },
  degree: { doc: 'random graphs: average degree, so round(degree·n/2) edges, all between differently planted colours', min: 1, max: 16, default: () => 3 },
  self: { doc: 'neighbours view: 1: a vertex also attends to itself; 0: only to its neighbours (the paper)', min: 0, max: 1, default: () => 0 },
};

/**
 * Graph colouring (the ICLR 2025 randomized-Transformers paper's second task, docs/science.md §4,
 * §7.2): colour the n vertices of a graph with C colours so that no edge joins two vertices of the
 * same colour. Vertex u of an example is its u-th vertex; its token is its id `v<id>` (n distinct
 * ids from the `ids` alphabet). `edges` lists the graph as pairs of vertex indices [u, v], u < v.
 *
 * Two views (`view`):
 * - neighbours (the paper, a distributed algorithm): the prompt is the n vertex tokens; the graph
 *   is given only by the attention mask (`exampleMask`): vertex u attends to w only if {u, w} is
 *   an edge (and to itself with `self: 1`). L layers are L rounds of messages between neighbours
 *   and no vertex sees the whole graph. The answer is aligned: position u reads u's colour.
 *   Bidirectional models only; use no position encoding (positions carry no meaning, ids do).
 * - edges (the graph as tokens): the prompt is E edge tokens `e<a>-<b>` (the ids of the two ends,
 *   a < b, in random order; `<pad>` after a graph with fewer than E edges, masked as a key), then
 *   the n vertex tokens; the colours are read at the vertex tokens (answered at the end). Every
 *   token may see the whole graph.
 *
 * Graphs (`graph`): a uniformly random labelled cycle (a random permutation of the vertices joined
 * in a ring: the paper's instances), or a random graph with a planted C-colouring (hidden colours
 * drawn uniformly; exactly round(degree·n/2) edges drawn uniformly among the pairs of differently
 * coloured vertices, redrawn until no vertex is isolated), C-colourable by construction; or a mix.
 *
 * Objective (TaskObjective `monochromatic-edges`): the expected number of monochromatic edges
 * Σ_(u,v) Σ_c p_u(c)·p_v(c) under the model's per-vertex colour distributions — an upper bound on
 * the probability that the sampled colouring is improper — inside the q-norm objective over m
 * seeds per graph. The example's `answer` is one proper colouring (the planted one, or a greedy one
 * around the cycle), for display only: any proper colouring scores as right.
 *
 * Why randomness can help (docs/science.md §4): a deterministic rule that colours every graph
 * properly may be out of a small model's reach (in the neighbours view two rounds of messages
 * cannot colour every cycle properly), and then an oblivious adversary picks a graph the rule
 * always gets wrong; a rule that also reads a random seed can spread its failures so that no graph
 * fails under every seed.
 */
export class GraphColoringTask implements Task {
  readonly name = 'graph-coloring' as const;
  readonly config: TaskConfig;
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned: boolean;
  readonly answersAtEnd: boolean;
  readonly objective: TaskObjective;
  readonly colors: number;
  readonly kind: GraphKind;
  readonly view: GraphView;
  readonly ids: number;
  readonly bidirectionalOnly: string | null;
  private readonly degree: number;
  private readonly self: boolean;
  private readonly largest: number;

  constructor(config: TaskConfig) {
    checkTaskName(config, 'graph-coloring');
    this.largest = largestTaskSize(config);
    this.config = config;
    const sizes = [...config.trainLengths, ...config.evalLengths];
    const smallest = Math.min(...sizes);
    if (smallest < 3) throw new Error(`task "graph-coloring": size n = ${smallest} is too small; graphs need at least 3 vertices`);
    this.options = resolveTaskOptions(config, GRAPH_COLORING_OPTIONS);
    this.colors = this.options.colors as number;
    this.ids = this.options.ids as number;
    this.kind = GRAPH_KINDS[this.options.graph as number] as GraphKind;
    this.view = GRAPH_VIEWS[this.options.view as number] as GraphView;
    this.degree = this.options.degree as number;
    this.self = this.options.self === 1;
    this.aligned = this.view === 'neighbours';
    this.answersAtEnd = this.view === 'edges';
    this.bidirectionalOnly = this.view === 'neighbours' ? 'graph-coloring in the neighbours view: a vertex attends to its neighbours on both sides' : null;
    if (this.ids < this.largest) {
      throw new TaskOptionError('ids', `task "graph-coloring": option ids = ${this.ids} is smaller than the largest size n = ${this.largest}; n vertices need n distinct ids`);
    }
    if (this.view === 'edges' && this.ids > MAX_EDGE_VIEW_IDS) {
      throw new TaskOptionError('ids', `task "graph-coloring": option ids = ${this.ids} is too large for the edge view (one token per pair of ids: at most ${MAX_EDGE_VIEW_IDS})`);
    }
    if (this.kind !== 'cycle') {
      for (const n of sizes) {
        const E = randomEdgeCount(n, this.degree);
        const most = mostCrossPairs(n, this.colors);
        if (E > most) {
          throw new TaskOptionError('degree', `task "graph-coloring": option degree = ${this.degree} asks for ${E} edges at n = ${n}, but a ${this.colors}-colourable graph on ${n} vertices has at most ${most}`);
        }
      }
    }
    if (this.kind === 'cycle' && this.colors < 3 && sizes.some((n) => n % 2 === 1)) {
      throw new TaskOptionError('colors', `task "graph-coloring": option colors = ${this.colors} cannot colour a cycle of odd length (n = ${sizes.find((n) => n % 2 === 1)}); use 3`);
    }
    this.vocab = [
      ...SPECIAL_TOKENS,
      ...Array.from({ length: this.ids }, (_, i) => `v${i}`),
      ...Array.from({ length: this.colors }, (_, c) => `c${c}`),
      ...(this.view === 'edges' ? idPairs(this.ids).map(([a, b]) => `e${a}-${b}`) : []),
    ];
    this.objective = {
      kind: 'monochromatic-edges',
      description: 'expected number of monochromatic edges, Σ over edges (u, v) of Σ_c p_u(c)·p_v(c)',
      firstColor: this.colorToken(0),
      colors: this.colors,
    };
  }

  idToken(id: number): number {
    return FIRST_SYMBOL + id;
  }

  colorToken(c: number): number {
    return FIRST_SYMBOL + this.ids + c;
  }

  /** The edge token of ids a ≠ b (edge view). */
  edgeToken(a: number, b: number): number {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    // Pairs (lo, hi) in order: all pairs with a smaller lo first.
    const before = lo * this.ids - (lo * (lo + 1)) / 2;
    return FIRST_SYMBOL + this.ids + this.colors + before + (hi - lo - 1);
  }

  /** The colour index of a token, or −1 when it is not a colour. */
  colorOf(token: number): number {
    const c = token - this.colorToken(0);
    return c >= 0 && c < this.colors ? c : -1;
  }

  /** Edge slots E of the edge view at size n: the most edges a graph of this task can have. */
  edgeSlots(n: number): number {
    if (this.view !== 'edges') return 0;
    const random = randomEdgeCount(n, this.degree);
    return this.kind === 'cycle' ? n : this.kind === 'random' ? random : Math.max(n, random);
  }

  /** Position of vertex 0 in the laid-out prompt (vertex u is at vertexStart + u). */
  vertexStart(n: number): number {
    return this.edgeSlots(n);
  }

  example(rng: Rng, n: number): TaskExample {
    checkSize(this.name, n, this.largest);
    const ids = rng.sample(this.ids, n);
    const kind = this.kind === 'mixed' ? (rng.next() < 0.5 ? 'cycle' : 'random') : this.kind;
    const { edges, coloring } = kind === 'cycle' ? randomCycle(rng, n) : plantedGraph(rng, n, this.colors, randomEdgeCount(n, this.degree));
    return this.graphExample(ids, edges, coloring, rng);
  }

  /**
   * The example of a given graph: vertex u has id ids[u]; `coloring` one proper colouring (shown
   * beside the model's). The edge view lists the edges in a random order from `rng` (in the given
   * order without one).
   */
  graphExample(ids: readonly number[], edges: [number, number][], coloring: readonly number[], rng?: Rng): TaskExample {
    const n = ids.length;
    const vertices = ids.map((id) => this.idToken(id));
    let prompt = vertices;
    if (this.view === 'edges') {
      const order = edges.map((_, i) => i);
      if (rng) rng.shuffle(order);
      const slots = this.edgeSlots(n);
      if (edges.length > slots) throw new Error(`graph-coloring: ${edges.length} edges do not fit the ${slots} edge slots at n = ${n}`);
      const edgeTokens = order.map((i) => {
        const [u, v] = edges[i] as [number, number];
        return this.edgeToken(ids[u] as number, ids[v] as number);
      });
      while (edgeTokens.length < slots) edgeTokens.push(PAD);
      prompt = [...edgeTokens, ...vertices];
    }
    return { prompt, answer: coloring.map((c) => this.colorToken(c)), edges: edges.map(([u, v]) => (u < v ? [u, v] : [v, u])) };
  }

  answerLength(n: number): number {
    return n;
  }

  promptLength(n: number): number {
    return this.edgeSlots(n) + n;
  }

  /** The example's edges (an example without them is not a graph-colouring example). */
  edgesOf(example: TaskExample): [number, number][] {
    if (!example.edges) throw new Error('graph-coloring: the example has no edges');
    return example.edges;
  }

  /** Vertices of the example. */
  vertexCount(example: TaskExample): number {
    return example.answer.length;
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
   * whose ends differ in colour (0 when the shape is wrong; a non-colour end counts as a conflict);
   * exact: a proper colouring.
   */
  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    const edges = this.edgesOf(example);
    const shape = predicted.length === this.vertexCount(example) ? 1 : 0;
    const parse = predicted.every((t) => this.colorOf(t) >= 0) ? 1 : 0;
    if (shape === 0) return { exact: 0, shape, parse, clrs: 0 };
    const good = edges.filter(([u, v]) => {
      const cu = this.colorOf(predicted[u] as number);
      const cv = this.colorOf(predicted[v] as number);
      return cu >= 0 && cv >= 0 && cu !== cv;
    }).length;
    return { exact: good === edges.length && parse === 1 ? 1 : 0, shape, parse, clrs: edges.length > 0 ? good / edges.length : parse };
  }

  /** `edges: v3–v1 v1–v0 v0–v3 | colours: v3=c0 v1=c1 v0=c2`, plus ` | predicted: v3=c0 … (1 conflict)`. */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const start = example.prompt.length - this.vertexCount(example);
    const id = (u: number): string => tokenText(this.vocab, example.prompt[start + u] as number);
    const coloring = (tokens: readonly number[]): string => Array.from({ length: this.vertexCount(example) }, (_, u) => `${id(u)}=${tokenText(this.vocab, tokens[u] ?? -1)}`).join(' ');
    const parts = [`edges: ${this.edgesOf(example).map(([u, v]) => `${id(u)}–${id(v)}`).join(' ')}`, `colours: ${coloring(example.answer)}`];
    if (predicted) {
      const bad = predicted.length === this.vertexCount(example) ? this.conflicts(example, predicted).length : NaN;
      parts.push(`predicted: ${coloring(predicted)} (${Number.isNaN(bad) ? 'wrong length' : `${bad} conflict${bad === 1 ? '' : 's'}`})`);
    }
    return parts.join(' | ');
  }

  /**
   * Neighbours view: vertex u sees only its neighbours (and itself with `self: 1`). Edge view: every
   * key but the `<pad>` edge slots (null when there are none: no restriction).
   */
  exampleMask(example: TaskExample, tokens: number, causal: boolean): Uint8Array | null {
    const n = this.vertexCount(example);
    if (tokens !== example.prompt.length) throw new Error(`graph-coloring exampleMask: tokens = ${tokens}, the example has ${example.prompt.length}`);
    if (this.view === 'edges') {
      if (!example.prompt.includes(PAD)) return null;
      const allowed = new Uint8Array(tokens * tokens);
      for (let q = 0; q < tokens; q++) {
        for (let k = 0; k < tokens; k++) allowed[q * tokens + k] = example.prompt[k] === PAD && k !== q ? 0 : 1;
      }
      return allowed;
    }
    if (causal) throw new Error(`task "graph-coloring" (neighbours view) needs a bidirectional model (causal: false): a vertex sees its neighbours in both directions`);
    const allowed = new Uint8Array(n * n);
    for (const [u, v] of this.edgesOf(example)) {
      allowed[u * n + v] = 1;
      allowed[v * n + u] = 1;
    }
    if (this.self) for (let u = 0; u < n; u++) allowed[u * n + u] = 1;
    return allowed;
  }
}

/** Unordered pairs (a, b), a < b, of ids 0 … ids − 1, in the order of their edge tokens. */
function idPairs(ids: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < ids; a++) for (let b = a + 1; b < ids; b++) out.push([a, b]);
  return out;
}

/** Edges of a random graph of this average degree on n vertices. */
export function randomEdgeCount(n: number, degree: number): number {
  return Math.max(1, Math.round((degree * n) / 2));
}

/** The most edges a C-colourable graph on n vertices can have: the complete balanced C-partite graph's. */
export function mostCrossPairs(n: number, colors: number): number {
  let same = 0;
  for (let c = 0; c < colors; c++) {
    const size = Math.floor(n / colors) + (c < n % colors ? 1 : 0);
    same += (size * (size - 1)) / 2;
  }
  return (n * (n - 1)) / 2 - same;
}

/** A uniformly random labelled cycle on vertices 0 … n − 1 and a proper 3-colouring of it. */
export function randomCycle(rng: Rng, n: number): { edges: [number, number][]; coloring: number[] } {
  return cycleFromOrder(rng.shuffle(Array.from({ length: n }, (_, i) => i)));
}

/** The cycle order[0] – order[1] – … – order[n − 1] – order[0], with a proper 3-colouring (2 when n is even). */
export function cycleFromOrder(order: readonly number[]): { edges: [number, number][]; coloring: number[] } {
  const n = order.length;
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
 * Every labelled cycle on n vertices once ((n − 1)!/2 of them: vertex 0 first, each direction
 * once), as vertex orders; throws above `limit` cycles.
 */
export function allCycleOrders(n: number, limit: number): number[][] {
  const count = cycleCount(n);
  if (count > limit) throw new Error(`all cycles on ${n} vertices: ${count} is more than the limit ${limit}`);
  const out: number[][] = [];
  const rest = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const permute = (prefix: number[], left: number[]): void => {
    if (left.length === 0) {
      if ((prefix[0] as number) < (prefix[prefix.length - 1] as number)) out.push([0, ...prefix]);
      return;
    }
    left.forEach((v, i) => permute([...prefix, v], [...left.slice(0, i), ...left.slice(i + 1)]));
  };
  permute([], rest);
  return out;
}

/** (n − 1)!/2, the number of labelled cycles on n ≥ 3 vertices. */
export function cycleCount(n: number): number {
  let f = 1;
  for (let i = 2; i < n; i++) f *= i;
  return f / 2;
}

/**
 * A random graph with a planted C-colouring and exactly `edgeCount` edges: hidden colours uniform,
 * the edges a uniform sample of the pairs of differently coloured vertices; redrawn until no vertex
 * is isolated and there are enough such pairs. Edges sorted, u < v.
 */
export function plantedGraph(rng: Rng, n: number, colors: number, edgeCount: number): { edges: [number, number][]; coloring: number[] } {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const coloring = Array.from({ length: n }, () => rng.int(0, colors));
    const pairs: [number, number][] = [];
    for (let u = 0; u < n; u++) for (let v = u + 1; v < n; v++) if (coloring[u] !== coloring[v]) pairs.push([u, v]);
    if (pairs.length < edgeCount) continue;
    const edges = rng.sample(pairs.length, edgeCount).map((i) => pairs[i] as [number, number]);
    const degree = new Array<number>(n).fill(0);
    for (const [u, v] of edges) {
      degree[u] = (degree[u] as number) + 1;
      degree[v] = (degree[v] as number) + 1;
    }
    if (degree.some((d) => d === 0)) continue;
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { edges, coloring };
  }
  throw new Error(`graph-coloring: no ${colors}-colourable graph with ${edgeCount} edges and no isolated vertex on ${n} vertices found in 1000 draws; lower the degree`);
}
