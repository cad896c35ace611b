import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  excludesZero,
  incompleteBeta,
  logGamma,
  meanInterval,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
} from '../../src/core/analysis/confidence';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('ln Γ and the incomplete beta at known values', () => {
  close(logGamma(1), 0, 1e-13, 'ln Γ(1)');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, 'ln Γ(1/2)');
  close(logGamma(10), Math.log(362880), 1e-11, 'ln Γ(10) = ln 9!');
  // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b.
  close(incompleteBeta(0.3, 1, 1), 0.3, 1e-14, 'I(1,1)');
  close(incompleteBeta(0.3, 2.5, 1), 0.3 ** 2.5, 1e-13, 'I(a,1)');
  close(incompleteBeta(0.8, 1, 3), 1 - 0.2 ** 3, 1e-13, 'I(1,b)');
});

test('Student t: closed forms for df = 1 and 2, table values for the others', () => {
  // df = 1 is Cauchy: F(t) = 1/2 + atan(t)/π, quantile tan(π(p − 1/2)).
  for (const p of [0.6, 0.9, 0.95, 0.975, 0.995]) close(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-9 * Math.tan(Math.PI * (p - 0.5)), `t(${p}; 1)`);
  close(studentTCdf(1.5, 1), 0.5 + Math.atan(1.5) / Math.PI, 1e-12, 'Cauchy CDF');
  // df = 2: quantile (2p − 1)·√(2 / (4p(1 − p))).
  for (const p of [0.75, 0.9, 0.975, 0.995]) {
    const exact = (2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p)));
    close(studentTQuantile(p, 2), exact, 1e-9 * exact, `t(${p}; 2)`);
  }
  // Printed t tables (3 decimals): two-sided 95 % → p = 0.975.
  const table: [number, number, number][] = [
    [0.975, 3, 3.182],
    [0.975, 4, 2.776],
    [0.975, 5, 2.571],
    [0.975, 9, 2.262],
    [0.975, 10, 2.228],
    [0.975, 29, 2.045],
    [0.975, 30, 2.042],
    [0.975, 100, 1.984],
    [0.95, 4, 2.132],
    [0.995, 4, 4.604],
    [0.995, 9, 3.25],
  ];
  for (const [p, df, v] of table) close(studentTQuantile(p, df), v, 5e-4, `t(${p}; ${df})`);
  // The normal limit, symmetry, and the CDF inverting the quantile.
  close(studentTQuantile(0.975, 1e7), 1.959963985, 1e-6, 'df → ∞');
  close(studentTQuantile(0.025, 4), -studentTQuantile(0.975, 4), 1e-12, 'symmetry');
  close(studentTCdf(studentTQuantile(0.9, 7), 7), 0.9, 1e-10, 'round trip');
  assert.throws(() => studentTQuantile(1, 3), /p must be in \(0, 1\)/);
  assert.throws(() => studentTQuantile(0.9, 0), /df must be > 0/);
});

test('mean interval: hand-worked, one value has none, non-finite values are left out', () => {
  // 0.1 … 0.5: mean 0.3, s = √(0.1/4) = 0.158113883; half = 2.776445105·0.158113883/√5 = 0.196324316.
  const m = meanInterval([0.2, 0.4, 0.3, 0.5, 0.1, Number.NaN, null]);
  assert.ok(m);
  assert.equal(m.n, 5);
  close(m.mean, 0.3, 1e-15, 'mean');
  close(m.std as number, 0.158113883, 1e-9, 'std');
  close(m.halfWidth as number, 0.196324316, 1e-8, 'half width');
  close(m.low as number, 0.3 - 0.196324316, 1e-8, 'low');
  assert.deepEqual(meanInterval([0.7]), { n: 1, mean: 0.7, std: null, halfWidth: null, low: null, high: null });
  assert.equal(meanInterval([]), null);
});

test('paired difference over shared seeds: the shared seed effect cancels', () => {
  // b = a + 0.1 + small noise on seeds 1–4; seed 5 only in a, seed 6 only in b, seed 7 NaN in b.
  const a = new Map<number, number>([[1, 1.0], [2, 2.0], [3, 0.5], [4, 3.0], [5, 9], [7, 1]]);
  const b = new Map<number, number>([[4, 3.12], [1, 1.09], [2, 2.1], [3, 0.61], [6, 0], [7, Number.NaN]]);
  const { seeds, difference } = pairedDifference(a, b);
  assert.deepEqual(seeds, [1, 2, 3, 4]);
  assert.ok(difference);
  // d = [−0.09, −0.1, −0.11, −0.12]: mean −0.105, s = 0.012909944, half = 3.182446305·s/2 = 0.020542.
  close(difference.mean, -0.105, 1e-12, 'mean difference');
  close(difference.halfWidth as number, 0.020542, 1e-5, 'half width');
  assert.ok(excludesZero(difference), 'the difference shows');
  // Unpaired, the same values overlap completely: the seed effect (0.5 … 3) swamps 0.1.
  const ia = meanInterval([1.0, 2.0, 0.5, 3.0]);
  const ib = meanInterval([1.09, 2.1, 0.61, 3.12]);
  assert.ok(ia?.low != null && ia.high != null && ib?.low != null && ib.high != null);
  assert.ok(ia.high > ib.low && ib.high > ia.low, 'the unpaired intervals overlap');
  assert.equal(excludesZero(meanInterval([-1, 1, 0.5])), false);
});
