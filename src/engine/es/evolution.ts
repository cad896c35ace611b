/**
 * Evolution strategies with antithetic sampling (Salimans et al. 2017; the grid-world agent of
 * docs/science.md §4 is trained this way rather than by backpropagation, as the paper does): for
 * a fitness F to maximise and N pairs of perturbations ε_i ~ N(0, I),
 *
 *   ĝ = 1/(2σN) Σ_i (F(θ + σε_i) − F(θ − σε_i)) ε_i,
 *
 * an unbiased estimate of ∇_θ E_ε F(θ + σε), the gradient of the Gaussian-smoothed fitness. For a
 * quadratic F the even terms cancel in each pair, so ĝ = (1/N) Σ_i ε_i ε_iᵀ ∇F(θ) exactly (the
 * sample second moment of the perturbations times the true gradient). The trainer hands −ĝ to the
 * configured optimizer as the gradient of the loss −F.
 */
import { Rng } from '../../core/random';

export interface EsEstimate {
  /** ĝ, the ascent direction of the fitness, same length as θ. */
  gradient: Float32Array;
  /** F(θ + σε_i) and F(θ − σε_i) per pair. */
  plus: number[];
  minus: number[];
}

/** Fills `out` with N(0, 1) draws. */
export function normalNoise(rng: Rng, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/**
 * The antithetic estimate over `pairs` pairs. `noise(i)` gives ε_i (by default drawn from `rng`
 * in order); `fitness` is called 2·pairs times, never with θ itself, with a scratch vector it must
 * not keep.
 */
export function antitheticEstimate(
  theta: Float32Array,
  fitness: (candidate: Float32Array, index: number) => number,
  pairs: number,
  sigma: number,
  noise: (i: number) => Float32Array,
): EsEstimate {
  checkPairs(pairs, sigma);
  const indices = Array.from({ length: pairs }, (_, i) => i);
  const { plus, minus } = pairFitness(theta, fitness, indices, sigma, noise);
  return combineEstimate(theta.length, plus, minus, sigma, noise);
}

function checkPairs(pairs: number, sigma: number): void {
  if (!(Number.isInteger(pairs) && pairs >= 1)) throw new RangeError(`evolution strategies: pairs = ${pairs} must be an integer ≥ 1`);
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new RangeError(`evolution strategies: σ = ${sigma} must be a finite number > 0`);
}

/**
 * F(θ + σε_i) and F(θ − σε_i) for the pairs `indices` (any subset, in any process: a candidate is
 * θ ± σε_i computed in float32 the same way everywhere, so a worker's fitness equals this
 * process's bit for bit). `fitness` gets a scratch vector it must not keep.
 */
export function pairFitness(
  theta: Float32Array,
  fitness: (candidate: Float32Array, index: number) => number,
  indices: readonly number[],
  sigma: number,
  noise: (i: number) => Float32Array,
): { plus: number[]; minus: number[] } {
  const n = theta.length;
  const candidate = new Float32Array(n);
  const plus: number[] = [];
  const minus: number[] = [];
  for (const i of indices) {
    const eps = noise(i);
    if (eps.length !== n) throw new Error(`evolution strategies: ε_${i} has ${eps.length} values, θ ${n}`);
    for (let j = 0; j < n; j++) candidate[j] = (theta[j] as number) + sigma * (eps[j] as number);
    const fp = fitness(candidate, 2 * i);
    for (let j = 0; j < n; j++) candidate[j] = (theta[j] as number) - sigma * (eps[j] as number);
    const fm = fitness(candidate, 2 * i + 1);
    if (!Number.isFinite(fp) || !Number.isFinite(fm)) throw new Error(`evolution strategies: the fitness of pair ${i} is not finite (${fp}, ${fm})`);
    plus.push(fp);
    minus.push(fm);
  }
  return { plus, minus };
}

/**
 * ĝ from every pair's fitness (plus[i], minus[i] for pair i), summed in pair order in float64:
 * the same numbers give the same ĝ bit for bit, whichever process computed them.
 */
export function combineEstimate(size: number, plus: readonly number[], minus: readonly number[], sigma: number, noise: (i: number) => Float32Array): EsEstimate {
  const pairs = plus.length;
  checkPairs(pairs, sigma);
  if (minus.length !== pairs) throw new Error(`evolution strategies: ${pairs} plus and ${minus.length} minus fitness values`);
  const gradient = new Float64Array(size);
  for (let i = 0; i < pairs; i++) {
    const eps = noise(i);
    if (eps.length !== size) throw new Error(`evolution strategies: ε_${i} has ${eps.length} values, θ ${size}`);
    const c = ((plus[i] as number) - (minus[i] as number)) / (2 * sigma * pairs);
    for (let j = 0; j < size; j++) gradient[j] = (gradient[j] as number) + c * (eps[j] as number);
  }
  return { gradient: Float32Array.from(gradient), plus: [...plus], minus: [...minus] };
}

/** ε_i for pair i of a step, drawn from the step's own stream so that any pair can be redrawn alone (a worker process, a test). */
export function pairNoise(stepSeed: number, size: number): (i: number) => Float32Array {
  return (i) => normalNoise(new Rng(stepSeed).fork(i), new Float32Array(size));
}
