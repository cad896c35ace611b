/**
 * Random CLRS instances, seeded (docs/science.md §7.3): keys uniform integers in [0, keyRange)
 * with repeats (CLRS draws uniform floats in [0, 1); integers keep the text's numbers short and
 * exact); binary search sorts its keys and draws the target from the same range; BFS draws a
 * symmetric Erdős–Rényi graph as CLRS's sampler does, A = B ∘ Bᵀ with B_ij ~ Bernoulli(p)
 * (off-diagonal edge probability p², self-loops with probability p; p = 0.5 by default), and a
 * uniform source.
 */
import type { Rng } from '../../random';
import type { ClrsAlgorithm, ClrsInstance } from './algorithms';
import { bfs, binarySearch, insertionSort, minimum } from './algorithms';

export interface SamplerOptions {
  /** Keys (and targets) are drawn from [0, keyRange). */
  keyRange: number;
  /** BFS: B_ij ~ Bernoulli(p). */
  edgeP: number;
}

export const DEFAULT_EDGE_P = 0.5;

function keys(rng: Rng, n: number, range: number): number[] {
  return Array.from({ length: n }, () => rng.int(0, range));
}

/** A random instance of size n. Same rng state → same instance. */
export function sampleInstance(algorithm: ClrsAlgorithm, rng: Rng, n: number, opts: SamplerOptions): ClrsInstance {
  switch (algorithm) {
    case 'insertion_sort':
      return insertionSort(keys(rng, n, opts.keyRange), opts.keyRange);
    case 'minimum':
      return minimum(keys(rng, n, opts.keyRange), opts.keyRange);
    case 'binary_search': {
      const sorted = keys(rng, n, opts.keyRange).sort((a, b) => a - b);
      return binarySearch(sorted, rng.int(0, opts.keyRange), opts.keyRange);
    }
    case 'bfs': {
      const b = Array.from({ length: n * n }, () => (rng.next() < opts.edgeP ? 1 : 0));
      const a = Array.from({ length: n * n }, (_, k) => {
        const i = Math.floor(k / n);
        const j = k % n;
        return (b[i * n + j] as number) * (b[j * n + i] as number);
      });
      return bfs(a, n, rng.int(0, n));
    }
  }
}
