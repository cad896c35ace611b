import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { createTask } from '../../src/core/tasks';
import type { GraphColoringTask} from '../../src/core/tasks/graphColoring';
import { allCycleOrders, cycleCount, cycleFromOrder, mostCrossPairs, plantedGraph, randomEdgeCount } from '../../src/core/tasks/graphColoring';
import { layoutBatch } from '../../src/core/tasks/layout';
import { PAD } from '../../src/core/tasks/task';
import { TaskOptionError } from '../../src/core/tasks/taskOptions';
import { validateSpec } from '../../src/core/experiment/validateSpec';

function coloring(options: Record<string, number> = {}, lengths = [8]): GraphColoringTask {
  return createTask({ name: 'graph-coloring', trainLengths: lengths, evalLengths: lengths, options }) as GraphColoringTask;
}

/** Vertex degrees of an edge list on n vertices. */
function degrees(n: number, edges: readonly [number, number][]): number[] {
  const d = new Array<number>(n).fill(0);
  for (const [u, v] of edges) {
    d[u] = (d[u] as number) + 1;
    d[v] = (d[v] as number) + 1;
  }
  return d;
}

/** true when the edges form one cycle through all n vertices. */
function isHamiltonianCycle(n: number, edges: readonly [number, number][]): boolean {
  if (edges.length !== n || degrees(n, edges).some((d) => d !== 2)) return false;
  const seen = new Set([0]);
  let prev = -1;
  let at = 0;
  for (let i = 0; i < n - 1; i++) {
    const next = edges.flatMap(([u, v]) => (u === at ? [v] : v === at ? [u] : [])).find((w) => w !== prev) as number;
    prev = at;
    at = next;
    seen.add(at);
  }
  return seen.size === n;
}

test('cycles: n edges through every vertex once, u < v, and the reference colouring is proper', () => {
  const t = coloring({}, [5, 8]);
  const rng = new Rng(3);
  for (const n of [5, 8]) {
    for (let i = 0; i < 30; i++) {
      const ex = t.example(rng, n);
      const edges = ex.edges as [number, number][];
      assert.ok(isHamiltonianCycle(n, edges), `a single cycle at n = ${n}`);
      for (const [u, v] of edges) assert.ok(u < v);
      assert.equal(new Set(ex.prompt).size, n, 'distinct ids');
      assert.deepEqual(t.score(ex, ex.answer), { exact: 1, shape: 1, parse: 1, clrs: 1 });
      assert.equal(t.conflicts(ex, ex.answer).length, 0);
    }
  }
});

test('all cycles: (n − 1)!/2 distinct ones, each a Hamiltonian cycle', () => {
  assert.equal(cycleCount(5), 12);
  assert.equal(cycleCount(8), 2520);
  const orders = allCycleOrders(6, 100);
  assert.equal(orders.length, 60);
  const keys = new Set(orders.map((o) => cycleFromOrder(o).edges.map(([u, v]) => `${u}-${v}`).sort().join(',')));
  assert.equal(keys.size, 60, 'no cycle twice (not even reversed)');
  for (const o of orders) assert.ok(isHamiltonianCycle(6, cycleFromOrder(o).edges));
  assert.throws(() => allCycleOrders(9, 1000), /20160 is more than the limit 1000/);
});

test('planted random graphs: exactly round(degree·n/2) edges, no isolated vertex, the planted colouring proper', () => {
  const rng = new Rng(5);
  for (let i = 0; i < 50; i++) {
    const { edges, coloring: c } = plantedGraph(rng, 9, 3, randomEdgeCount(9, 3));
    assert.equal(edges.length, 14);
    assert.equal(new Set(edges.map(([u, v]) => `${u}-${v}`)).size, 14, 'no edge twice');
    assert.ok(degrees(9, edges).every((d) => d > 0));
    for (const [u, v] of edges) assert.notEqual(c[u], c[v]);
  }
  assert.equal(mostCrossPairs(8, 3), 28 - 7, 'balanced 3/3/2 classes');
});

test('score: conflicts, a non-colour token and a wrong length', () => {
  const t = coloring({}, [4]);
  const c = (k: number): number => t.colorToken(k);
  const ex = t.graphExample([0, 1, 2, 3], [[0, 1], [1, 2], [2, 3], [0, 3]], [0, 1, 0, 1]);
  assert.deepEqual(t.score(ex, [c(0), c(1), c(0), c(1)]), { exact: 1, shape: 1, parse: 1, clrs: 1 });
  assert.deepEqual(t.score(ex, [c(2), c(1), c(2), c(0)]), { exact: 1, shape: 1, parse: 1, clrs: 1 }, 'any proper colouring is right');
  assert.deepEqual(t.score(ex, [c(0), c(0), c(1), c(2)]), { exact: 0, shape: 1, parse: 1, clrs: 0.75 });
  assert.deepEqual(t.score(ex, [c(0), t.idToken(1), c(0), c(1)]), { exact: 0, shape: 1, parse: 0, clrs: 0.5 });
  assert.deepEqual(t.score(ex, [c(0), c(1), c(0)]), { exact: 0, shape: 0, parse: 1, clrs: 0 });
  assert.equal(t.format(ex, [c(0), c(0), c(1), c(2)]), 'edges: v0–v1 v1–v2 v2–v3 v0–v3 | colours: v0=c0 v1=c1 v2=c0 v3=c1 | predicted: v0=c0 v1=c0 v2=c1 v3=c2 (1 conflict)');
});

test('neighbours view: the mask is the adjacency (plus the diagonal with self: 1); a causal model is refused', () => {
  const t = coloring({}, [4]);
  const ex = t.graphExample([3, 1, 0, 2], [[0, 1], [1, 2], [2, 3], [0, 3]], [0, 1, 0, 1]);
  const m = t.exampleMask(ex, 4, false) as Uint8Array;
  assert.deepEqual([...m], [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0]);
  const self = coloring({ self: 1 }, [4]).exampleMask(ex, 4, false) as Uint8Array;
  assert.deepEqual([0, 5, 10, 15].map((i) => self[i]), [1, 1, 1, 1]);
  assert.throws(() => t.exampleMask(ex, 4, true), /bidirectional model/);
  const b = layoutBatch(t, [ex, ex], 4, false);
  assert.equal(b.mask?.length, 2 * 16, 'one mask per example');
  assert.equal(b.answerStart, 0);
});

test('edge view: one token per edge naming both ids, then the vertices; pads masked as keys', () => {
  const t = coloring({ view: 1, graph: 2 }, [6]);
  assert.equal(t.edgeSlots(6), Math.max(6, randomEdgeCount(6, 3)));
  const seen = new Set<number>();
  for (let a = 0; a < t.ids; a++) for (let b = a + 1; b < t.ids; b++) seen.add(t.edgeToken(a, b));
  assert.equal(seen.size, (t.ids * (t.ids - 1)) / 2, 'edge tokens distinct');
  for (const id of seen) assert.match(t.vocab[id] as string, /^e\d+-\d+$/);
  assert.equal(t.vocab[t.edgeToken(4, 2)], 'e2-4');
  const rng = new Rng(8);
  for (let i = 0; i < 20; i++) {
    const ex = t.example(rng, 6);
    const E = t.edgeSlots(6);
    assert.equal(ex.prompt.length, E + 6);
    const ids = ex.prompt.slice(E).map((tok) => Number((t.vocab[tok] as string).slice(1)));
    const named = ex.prompt.slice(0, E).filter((tok) => tok !== PAD).map((tok) => t.vocab[tok]).sort();
    const expected = (ex.edges as [number, number][]).map(([u, v]) => {
      const [a, b] = [ids[u] as number, ids[v] as number].sort((x, y) => x - y);
      return `e${a}-${b}`;
    }).sort();
    assert.deepEqual(named, expected);
    const mask = t.exampleMask(ex, E + 6, true);
    if (ex.prompt.includes(PAD)) {
      const m = mask as Uint8Array;
      ex.prompt.forEach((tok, k) => assert.equal(m[(E + 6 - 1) * (E + 6) + k], tok === PAD ? 0 : 1));
    } else assert.equal(mask, null);
    const b = layoutBatch(t, [ex], 6, true);
    assert.equal(b.answerStart, E, 'colours read at the vertex tokens');
    assert.deepEqual([...b.targets.slice(E)], ex.answer);
  }
});

test('bad options name the option; a spec names the JSON path', () => {
  const option = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof TaskOptionError, String(err));
      return err.option;
    }
    return 'no error';
  };
  assert.equal(option(() => coloring({ ids: 5 }, [8])), 'ids');
  assert.equal(option(() => coloring({ view: 1, ids: 40 }, [8])), 'ids');
  assert.equal(option(() => coloring({ graph: 1, degree: 7 }, [8])), 'degree');
  assert.equal(option(() => coloring({ colors: 2 }, [5])), 'colors');
  assert.equal(option(() => coloring({ view: 2 }, [8])), 'view');
  assert.throws(() => coloring({}, [2]), /at least 3 vertices/);
  const spec = (task: object, model: object) =>
    validateSpec({ name: 'x', tasks: [{ name: 'graph-coloring', trainLengths: [8], ...task }], models: [{ label: 'm', ...model }], attentionScalings: ['standard'], optimizers: [{ name: 'adamw', lr: 1e-3 }], seeds: [1] });
  const bad = spec({ options: { graph: 1, degree: 9 } }, { causal: false });
  assert.ok(!bad.ok && bad.errors.some((e) => e.path === '$.tasks[0].options.degree' && /at most 21/.test(e.message)), JSON.stringify(bad));
  const causal = spec({}, {});
  assert.ok(!causal.ok && causal.errors.some((e) => e.path === '$.models[0].causal' && /bidirectional|both sides/.test(e.message)), JSON.stringify(causal));
  assert.ok(spec({}, { causal: false }).ok);
  assert.ok(spec({ options: { view: 1 } }, {}).ok, 'the edge view takes a causal model');
});
