/**
 * Small, exact statistics for the analyses and the experiment summary: plain numbers in,
 * plain numbers out, so every one is unit-tested against hand values.
 */
import type { Stats } from '../../protocol/analysis';
import { meanInterval, studentTQuantile } from './confidence';

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Population variance (divide by n): the spread of p(correct) across the K seeds themselves. */
export function variance(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / xs.length;
}

/** Sample standard deviation (n − 1), 0 for one value: the spread across training seeds. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  if (xs.length === 1) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/** Nearest-rank percentile (p in (0, 100]): the smallest value with at least p % of the values ≤ it. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number;
}

/** Least-squares slope of y against x; null with fewer than two distinct x. */
export function slope(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error(`slope: ${x.length} x values but ${y.length} y values`);
  if (x.length < 2) return null;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += ((x[i] as number) - mx) * ((y[i] as number) - my);
    sxx += ((x[i] as number) - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : null;
}

/** Mean, sample std, min, max and the 95 % interval of the mean of the finite values; nulls when there are none. */
export function stats(values: readonly (number | null | undefined)[]): Stats {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, std: null, min: null, max: null, count: 0, ci95: null };
  const ci = meanInterval(xs);
  const ci95 = ci?.low != null && ci.high != null && ci.halfWidth != null ? { low: ci.low, high: ci.high, halfWidth: ci.halfWidth } : null;
  return { mean: mean(xs), std: sampleStd(xs), min: Math.min(...xs), max: Math.max(...xs), count: xs.length, ci95 };
}

/**
 * The majority answer of a list of answers (compared as strings of their tokens). Ties go to
 * the answer that reached the winning count first, so the result does not depend on Map order.
 */
export function majorityAnswer(answers: readonly (readonly number[])[]): number[] {
  if (answers.length === 0) throw new Error('majorityAnswer: no answers');
  const counts = new Map<string, number>();
  let best = answers[0] as readonly number[];
  let bestCount = 0;
  for (const a of answers) {
    const key = a.join(',');
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    if (c > bestCount) {
      bestCount = c;
      best = a;
    }
  }
  return [...best];
}

/**
 * Majority-vote accuracy curve: `answers[i][s]` is input i's answer under seed s; entry k − 1
 * of the result is the fraction of inputs whose majority answer over seeds 0…k−1 equals the truth.
 */
export function majorityVoteCurve(answers: readonly (readonly (readonly number[])[])[], truths: readonly (readonly number[])[]): number[] {
  if (answers.length !== truths.length) throw new Error(`majorityVoteCurve: ${answers.length} inputs but ${truths.length} truths`);
  return majorityVoteCurveBy(answers, (i, answer) => sameAnswer(answer, truths[i] as readonly number[]));
}

/**
 * Majority-vote curve with a judge instead of a truth (a task with many right answers, such as
 * graph colouring): entry k − 1 is the fraction of inputs whose majority answer over seeds 0…k−1
 * `isRight(i, answer)` accepts.
 */
export function majorityVoteCurveBy(answers: readonly (readonly (readonly number[])[])[], isRight: (input: number, answer: readonly number[]) => boolean): number[] {
  if (answers.length === 0) return [];
  const K = (answers[0] as readonly (readonly number[])[]).length;
  const curve: number[] = [];
  for (let k = 1; k <= K; k++) {
    let right = 0;
    answers.forEach((perSeed, i) => {
      if (perSeed.length !== K) throw new Error(`majority vote: input ${i} has ${perSeed.length} seeds, expected ${K}`);
      if (isRight(i, majorityAnswer(perSeed.slice(0, k)))) right++;
    });
    curve.push(right / answers.length);
  }
  return curve;
}

export function sameAnswer(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The plain-number q-norm (docs/science.md §4) of per-input losses, ( (1/n) Σ_i L_i^q )^(1/q);
 * q = 1 is the mean. The differentiable objective on tensors is `qNormLoss` (train/loss.ts).
 */
export function qNormValue(perInputLoss: readonly number[], q: number): number {
  const n = perInputLoss.length;
  if (n === 0) return NaN;
  const s = perInputLoss.reduce((acc, x) => acc + Math.pow(x, q), 0) / n;
  return Math.pow(s, 1 / q);
}

/** Rounds to `digits` decimals (for compact JSON of probability matrices). */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** t_{0.975, df}: the two-sided 95 % quantile of Student's t (computed in confidence.ts, the one place of that math). */
export function tQuantile975(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new RangeError(`tQuantile975: df must be a positive integer, got ${df}`);
  return studentTQuantile(0.975, df);
}

/** Mean and half-width of its 95 % confidence interval over the finite values (Student t); half-width null below two values. */
export function meanCi95(values: readonly (number | null | undefined)[]): { mean: number | null; halfWidth: number | null; count: number } {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, halfWidth: null, count: 0 };
  if (xs.length === 1) return { mean: xs[0] as number, halfWidth: null, count: 1 };
  return { mean: mean(xs), halfWidth: (tQuantile975(xs.length - 1) * sampleStd(xs)) / Math.sqrt(xs.length), count: xs.length };
}
