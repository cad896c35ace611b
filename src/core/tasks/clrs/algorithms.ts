/**
 * Four CLRS-30 algorithms with their probes (docs/science.md §5, §7.3): what the algorithm reads
 * (inputs), the intermediate states it passes through (hints) and what it returns (outputs), with
 * the feature names, locations and types of DeepMind's CLRS benchmark. The text tasks
 * (clrsTask.ts) print an instance as CLRS-Text; the NAR (src/engine/nar/) reads the same instance
 * as a graph. Written from the CLRS algorithms' semantics:
 *
 * - insertion_sort: stable insertion sort of `key`; output `pred`, each node's predecessor in the
 *   sorted order (the first node points to itself); hints `pred_h` (that pointer array after each
 *   insertion j = 1 … n−1), `i` (where key j landed) and `j`.
 * - minimum: the lowest index of the smallest key; hints `min_h` (the minimum so far) and `i`.
 * - binary_search: keys sorted ascending, a target; `return` = the lowest index whose key is ≥ the
 *   target, clamped to n − 1 (low = 0, high = n − 1; while low < high: mid = ⌊(low+high)/2⌋,
 *   high = mid if target ≤ key[mid] else low = mid + 1); hints `low`, `high`, `mid`.
 * - bfs: breadth-first search from `s` on the adjacency matrix `A` (symmetric, self-loops allowed);
 *   output `pi`, each reached node's parent: in every round each node j ≠ s not yet reached takes as
 *   parent the lowest-index node reached before the round that is adjacent to it; unreached nodes
 *   and s keep pi[j] = j. Hints `reach_h` and `pi_h` per round.
 *
 * Hints: `hints[t]` is the state after t operations (t = 0 the initial state) for t = 0 … hintSteps(n);
 * an algorithm that finishes earlier repeats its final state (a fixed point), so every instance of
 * size n has the same number of states, the NAR runs hintSteps(n) processor steps, and a batch of
 * one size needs no padding.
 */

import type { NarAlgorithm } from '../../../protocol/nar';
import { NAR_ALGORITHMS } from '../../../protocol/nar';

/** The CLRS names (as CLRS-Text prints them in its header). */
export type ClrsAlgorithm = NarAlgorithm;
export const CLRS_ALGORITHMS: readonly ClrsAlgorithm[] = NAR_ALGORITHMS;

export type Stage = 'input' | 'hint' | 'output';
export type Location = 'node' | 'edge' | 'graph';
/** CLRS feature types: scalar, mask (0/1 per node), mask_one (one node), pointer (a node per node). */
export type FeatureType = 'scalar' | 'mask' | 'mask_one' | 'pointer';

export interface FeatureSpec {
  name: string;
  stage: Stage;
  location: Location;
  type: FeatureType;
}

const f = (name: string, stage: Stage, location: Location, type: FeatureType): FeatureSpec => ({ name, stage, location, type });

/**
 * The features of each algorithm, in CLRS's order. `pos` (i / n) is every node's index: the NAR
 * reads it, CLRS-Text leaves it out of the text. BFS's `adj` (A with self-loops) is not listed:
 * the NAR's messages run over all node pairs and read A as an edge feature (a CLRS MPNN).
 * minimum's constant `pred_h` (the identity order) is left out: it carries nothing.
 */
export const CLRS_SPECS: Readonly<Record<ClrsAlgorithm, readonly FeatureSpec[]>> = {
  insertion_sort: [
    f('pos', 'input', 'node', 'scalar'),
    f('key', 'input', 'node', 'scalar'),
    f('pred', 'output', 'node', 'pointer'),
    f('pred_h', 'hint', 'node', 'pointer'),
    f('i', 'hint', 'node', 'mask_one'),
    f('j', 'hint', 'node', 'mask_one'),
  ],
  minimum: [
    f('pos', 'input', 'node', 'scalar'),
    f('key', 'input', 'node', 'scalar'),
    f('min', 'output', 'node', 'mask_one'),
    f('min_h', 'hint', 'node', 'mask_one'),
    f('i', 'hint', 'node', 'mask_one'),
  ],
  binary_search: [
    f('pos', 'input', 'node', 'scalar'),
    f('key', 'input', 'node', 'scalar'),
    f('target', 'input', 'graph', 'scalar'),
    f('return', 'output', 'node', 'mask_one'),
    f('low', 'hint', 'node', 'mask_one'),
    f('high', 'hint', 'node', 'mask_one'),
    f('mid', 'hint', 'node', 'mask_one'),
  ],
  bfs: [
    f('pos', 'input', 'node', 'scalar'),
    f('s', 'input', 'node', 'mask_one'),
    f('A', 'input', 'edge', 'scalar'),
    f('pi', 'output', 'node', 'pointer'),
    f('reach_h', 'hint', 'node', 'mask'),
    f('pi_h', 'hint', 'node', 'pointer'),
  ],
};

/**
 * A feature's value. Node scalar / mask: [n] numbers; mask_one: the node index; pointer: [n] node
 * indices; edge scalar: [n·n] row-major (A[i·n + j] = edge i → j); graph scalar: one number.
 */
export type FeatureValue = number | readonly number[];

/** One instance: the algorithm's inputs, hint states and outputs. */
export interface ClrsInstance {
  algorithm: ClrsAlgorithm;
  n: number;
  /** Integer keys as the text shows them (sorting and searching algorithms); [] for bfs. */
  keys: readonly number[];
  /** Keys are drawn from [0, keyRange): the NAR reads key / keyRange as CLRS's float keys. */
  keyRange: number;
  inputs: Readonly<Record<string, FeatureValue>>;
  /** hints[t][name]: the state after t operations, t = 0 … hintSteps(algorithm, n). */
  hints: readonly Readonly<Record<string, FeatureValue>>[];
  outputs: Readonly<Record<string, FeatureValue>>;
}

/** The NAR's processor steps for size n: the most operations an instance of size n can take. */
export function hintSteps(algorithm: ClrsAlgorithm, n: number): number {
  switch (algorithm) {
    case 'insertion_sort':
    case 'minimum':
    case 'bfs':
      return Math.max(1, n - 1);
    case 'binary_search':
      return Math.max(1, Math.ceil(Math.log2(n)));
  }
}

function positions(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i / n);
}

/**
 * CLRS's `probing.array`: the order A_pos (A_pos[k] = the node in place k) as predecessor pointers:
 * pred[A_pos[k]] = A_pos[k − 1], and the node in place 0 points to itself.
 */
export function orderToPredecessors(order: readonly number[]): number[] {
  const pred = Array.from({ length: order.length }, (_, i) => i);
  for (let k = 1; k < order.length; k++) pred[order[k] as number] = order[k - 1] as number;
  return pred;
}

/**
 * The order (node per place) of predecessor pointers, the inverse of orderToPredecessors: the last
 * place holds the node no other node points to, and each place before it its predecessor. For
 * pointers that are not a chain (a model's guess) the walk still returns n nodes.
 */
export function predecessorsToOrder(pred: readonly number[]): number[] {
  const n = pred.length;
  const pointedTo = new Array<boolean>(n).fill(false);
  pred.forEach((p, i) => {
    if (p !== i && p >= 0 && p < n) pointedTo[p] = true;
  });
  let cur = Math.max(0, pointedTo.indexOf(false));
  const order = new Array<number>(n).fill(0);
  for (let k = n - 1; k >= 0; k--) {
    order[k] = cur;
    const next = pred[cur] as number;
    cur = next >= 0 && next < n ? next : cur;
  }
  return order;
}

/** Pads a list of states with its last one up to `count` states. */
function padStates<T>(states: T[], count: number): T[] {
  const last = states[states.length - 1] as T;
  while (states.length < count) states.push(last);
  return states.slice(0, count);
}

export function insertionSort(keys: readonly number[], keyRange: number): ClrsInstance {
  const n = keys.length;
  const a = [...keys];
  const order = Array.from({ length: n }, (_, i) => i); // A_pos: node in each place
  const hints: Record<string, FeatureValue>[] = [{ pred_h: orderToPredecessors(order), i: 0, j: 0 }];
  for (let j = 1; j < n; j++) {
    const key = a[j] as number;
    let i = j - 1;
    while (i >= 0 && (a[i] as number) > key) {
      a[i + 1] = a[i] as number;
      order[i + 1] = order[i] as number;
      i--;
    }
    a[i + 1] = key;
    const stored = order[i + 1] as number; // the node displaced from place i + 1 (CLRS's stor_pos)
    order[i + 1] = j;
    hints.push({ pred_h: orderToPredecessors(order), i: stored, j });
  }
  return {
    algorithm: 'insertion_sort',
    n,
    keys: [...keys],
    keyRange,
    inputs: { pos: positions(n), key: keys.map((k) => k / keyRange) },
    hints: padStates(hints, hintSteps('insertion_sort', n) + 1),
    outputs: { pred: orderToPredecessors(order) },
  };
}

export function minimum(keys: readonly number[], keyRange: number): ClrsInstance {
  const n = keys.length;
  let min = 0;
  const hints: Record<string, FeatureValue>[] = [{ min_h: 0, i: 0 }];
  for (let i = 1; i < n; i++) {
    if ((keys[min] as number) > (keys[i] as number)) min = i;
    hints.push({ min_h: min, i });
  }
  return {
    algorithm: 'minimum',
    n,
    keys: [...keys],
    keyRange,
    inputs: { pos: positions(n), key: keys.map((k) => k / keyRange) },
    hints: padStates(hints, hintSteps('minimum', n) + 1),
    outputs: { min },
  };
}

/** `sortedKeys` must be ascending. */
export function binarySearch(sortedKeys: readonly number[], target: number, keyRange: number): ClrsInstance {
  const n = sortedKeys.length;
  for (let i = 1; i < n; i++) {
    if ((sortedKeys[i] as number) < (sortedKeys[i - 1] as number)) throw new Error('binarySearch: keys must be sorted ascending');
  }
  let low = 0;
  let high = n - 1;
  const hints: Record<string, FeatureValue>[] = [{ low, high, mid: Math.floor((n - 1) / 2) }];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (target <= (sortedKeys[mid] as number)) high = mid;
    else low = mid + 1;
    hints.push({ low, high, mid: Math.floor((low + high) / 2) });
  }
  return {
    algorithm: 'binary_search',
    n,
    keys: [...sortedKeys],
    keyRange,
    inputs: { pos: positions(n), key: sortedKeys.map((k) => k / keyRange), target: target / keyRange },
    hints: padStates(hints, hintSteps('binary_search', n) + 1),
    outputs: { return: high },
  };
}

/** `adjacency` is [n·n] 0/1, row-major. */
export function bfs(adjacency: readonly number[], n: number, source: number): ClrsInstance {
  if (adjacency.length !== n * n) throw new Error(`bfs: adjacency has ${adjacency.length} entries, expected ${n}×${n}`);
  if (!(Number.isInteger(source) && source >= 0 && source < n)) throw new Error(`bfs: source ${source} is not a node of ${n}`);
  const reach = new Array<number>(n).fill(0);
  const pi = Array.from({ length: n }, (_, i) => i);
  reach[source] = 1;
  const hints: Record<string, FeatureValue>[] = [];
  for (;;) {
    const before = [...reach];
    hints.push({ reach_h: before, pi_h: [...pi] });
    for (let i = 0; i < n; i++) {
      if (before[i] !== 1) continue;
      for (let j = 0; j < n; j++) {
        if ((adjacency[i * n + j] as number) > 0) {
          if (pi[j] === j && j !== source) pi[j] = i;
          reach[j] = 1;
        }
      }
    }
    if (reach.every((r, k) => r === before[k])) break;
  }
  return {
    algorithm: 'bfs',
    n,
    keys: [],
    keyRange: 1,
    inputs: { pos: positions(n), s: source, A: [...adjacency] },
    hints: padStates(hints, hintSteps('bfs', n) + 1),
    outputs: { pi: [...pi] },
  };
}
