/**
 * The adversary's reference for associative recall with a finite store (docs/science.md §4): what an
 * ideal store of capacity M shows under exactly the measurement the analysis makes of a model —
 * n stored pairs, V values, every key asked under the same K seeds, the worst key per input.
 *
 * Ideal random store: under each seed it keeps a uniformly random M of the n items. A query on a
 * kept item is answered right; on a dropped one it guesses a value uniformly, right with chance 1/V.
 * Per (input, key) the error rate over the K seeds is an estimate; the adversary's worst key per
 * input is the maximum of n such estimates, which is biased upwards (a max over noisy estimates):
 * at n = 4, M = 2, V = 8, K = 16 the mean error is (1 − M/n)(1 − 1/V) = 0.4375 but the worst-key
 * error ≈ 0.581, not 1 − M/n = 0.5.
 *
 * Ideal deterministic store: the same M items kept under every seed, and a dropped item's guess
 * fixed too, so the worst key of an input is wrong unless every dropped item's guess happens to be
 * right: worst-key error 1 − (1/V)^(n − M).
 *
 * A fractional M (the capacity matched to a model's own mean error) keeps ⌊M⌋ + 1 items with
 * probability M − ⌊M⌋ and ⌊M⌋ otherwise, so the mean error is still (1 − M/n)(1 − 1/V).
 * Deterministic: every draw comes from the seeded Rng.
 */
import { Rng, hashSeed } from '../random';
import { mean, percentile } from './statistics';

export interface StoreSimulationOptions {
  /** Pairs n per input. */
  pairs: number;
  /** Capacity M, 0 ≤ M ≤ n (may be fractional). */
  capacity: number;
  /** Value symbols V (a guess is right with probability 1/V). */
  values: number;
  /** Seeds K per key. */
  seeds: number;
  /** Simulated inputs (each with n keys asked under K seeds). */
  trials: number;
  /** Inputs the analysis averages over: the band is the spread of a mean over this many inputs. */
  inputsPerEstimate: number;
  /** Keep the store fixed over seeds (the ideal deterministic store). */
  deterministic?: boolean;
  seed?: number;
}

export interface StoreSimulation {
  /** Mean over inputs and keys of the error rate over seeds. */
  meanError: number;
  /** Mean over inputs of the worst key's error rate over seeds. */
  worstKeyError: number;
  /** Mean over inputs of the worst key's error after a majority vote over the K seeds (0/1 per key). */
  worstKeyMajorityError: number;
  /**
   * 2.5th and 97.5th percentiles of the worst-key error averaged over `inputsPerEstimate` inputs:
   * where an analysis of that many inputs of the ideal store lands 95 % of the time.
   */
  worstKeyErrorBand: [number, number];
}

/**
 * The index of the majority among answers in [0, V): ties go to the answer that reached the
 * winning count first — the same rule as statistics.majorityAnswer, on small integers.
 */
export function majorityIndex(answers: ArrayLike<number>, V: number, counts: Int32Array = new Int32Array(V)): number {
  counts.fill(0);
  let best = answers[0] as number;
  let bestCount = 0;
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i] as number;
    const c = (counts[a] as number) + 1;
    counts[a] = c;
    if (c > bestCount) {
      bestCount = c;
      best = a;
    }
  }
  return best;
}

export function simulateStore(o: StoreSimulationOptions): StoreSimulation {
  const { pairs: n, capacity: M, values: V, seeds: K, trials } = o;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`simulateStore: pairs must be a positive integer, got ${n}`);
  if (!(M >= 0 && M <= n)) throw new RangeError(`simulateStore: capacity must be in [0, ${n}], got ${M}`);
  if (!(Number.isInteger(V) && V >= 1)) throw new RangeError(`simulateStore: values must be a positive integer, got ${V}`);
  if (!(Number.isInteger(K) && K >= 1)) throw new RangeError(`simulateStore: seeds must be a positive integer, got ${K}`);
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError(`simulateStore: trials must be a positive integer, got ${trials}`);
  const per = Math.max(1, Math.min(trials, Math.floor(o.inputsPerEstimate)));
  const rng = new Rng(hashSeed(o.seed ?? 0x5702e, n, Math.round(M * 1000), V, K));
  const whole = Math.floor(M);
  const frac = M - whole;
  const order = Array.from({ length: n }, (_, i) => i);
  const stored = new Uint8Array(n);
  const answers = Array.from({ length: n }, () => new Int32Array(K)); // [key][seed]; the truth is 0
  const counts = new Int32Array(V);
  const errorSum: number[] = [];
  const worst: number[] = [];
  const worstMajority: number[] = [];

  /** A uniform random subset of the keys (a partial Fisher–Yates shuffle of `order`: O(M) per draw). */
  const drawStore = (): void => {
    const size = whole + (frac > 0 && rng.next() < frac ? 1 : 0);
    stored.fill(0);
    for (let i = 0; i < size; i++) {
      const j = rng.int(i, n);
      const tmp = order[i] as number;
      order[i] = order[j] as number;
      order[j] = tmp;
      stored[order[i] as number] = 1;
    }
  };

  for (let t = 0; t < trials; t++) {
    if (o.deterministic) {
      drawStore();
      for (let key = 0; key < n; key++) {
        const a = stored[key] ? 0 : rng.int(0, V);
        (answers[key] as Int32Array).fill(a);
      }
    } else {
      for (let s = 0; s < K; s++) {
        drawStore();
        for (let key = 0; key < n; key++) (answers[key] as Int32Array)[s] = stored[key] ? 0 : rng.int(0, V);
      }
    }
    let sum = 0;
    let max = 0;
    let maxMajority = 0;
    for (let key = 0; key < n; key++) {
      const a = answers[key] as Int32Array;
      let wrong = 0;
      for (let s = 0; s < K; s++) if (a[s] !== 0) wrong++;
      const rate = wrong / K;
      sum += rate;
      if (rate > max) max = rate;
      if (majorityIndex(a, V, counts) !== 0) maxMajority = 1;
    }
    errorSum.push(sum / n);
    worst.push(max);
    worstMajority.push(maxMajority);
  }
  const groupMeans: number[] = [];
  for (let i = 0; i + per <= trials; i += per) groupMeans.push(mean(worst.slice(i, i + per)));
  return {
    meanError: mean(errorSum),
    worstKeyError: mean(worst),
    worstKeyMajorityError: mean(worstMajority),
    worstKeyErrorBand: [percentile(groupMeans, 2.5), percentile(groupMeans, 97.5)],
  };
}

/**
 * The capacity M̂ at which an ideal store has a model's mean error e: e = (1 − M/n)(1 − 1/V), so
 * M̂ = n·(1 − e/(1 − 1/V)), clamped to [0, n] (V = 1 has no error to match: n).
 */
export function matchedCapacity(pairs: number, values: number, meanError: number): number {
  if (values <= 1) return pairs;
  const m = pairs * (1 - meanError / (1 - 1 / values));
  return Math.min(pairs, Math.max(0, m));
}
