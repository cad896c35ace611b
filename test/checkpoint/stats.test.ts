import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { histogram, tensorStats } from '../../src/core/checkpoint/stats';

test('tensorStats: min/max/mean/population std over finite values, with NaN/Inf/zero counts', () => {
  const s = tensorStats(new Float32Array([2, 4, 4, 4, 5, 5, 7, 9, NaN, Infinity, -Infinity, 0, -0]));
  // Finite: 2,4,4,4,5,5,7,9,0,0 → sum 40, mean 4; squared deviations 4+0+0+0+1+1+9+25+16+16 = 72 → std sqrt(7.2).
  assert.equal(s.count, 13);
  assert.equal(s.nan, 1);
  assert.equal(s.inf, 2);
  assert.equal(s.zero, 2);
  assert.equal(s.min, 0);
  assert.equal(s.max, 9);
  assert.equal(s.mean, 4);
  assert.ok(Math.abs(s.std - Math.sqrt(7.2)) < 1e-12);
});

test('tensorStats: empty, all-NaN and bigint input', () => {
  const empty = tensorStats([]);
  assert.equal(empty.count, 0);
  assert.ok(Number.isNaN(empty.mean) && Number.isNaN(empty.min) && Number.isNaN(empty.std));
  const nan = tensorStats([NaN, NaN]);
  assert.equal(nan.nan, 2);
  assert.ok(Number.isNaN(nan.max));
  const big = tensorStats(new BigInt64Array([-3n, 3n, 0n]));
  assert.deepEqual([big.min, big.max, big.mean, big.zero], [-3, 3, 0, 1]);
  assert.ok(Math.abs(big.std - Math.sqrt(6)) < 1e-12);
});

test('tensorStats is stable for values with a large common offset', () => {
  const data = Float64Array.from({ length: 1000 }, (_, i) => 1e8 + (i % 2)); // std exactly 0.5
  assert.ok(Math.abs(tensorStats(data).std - 0.5) < 1e-9);
});

test('histogram: equal-width bins over [min, max], max in the last bin, non-finite skipped', () => {
  const h = histogram([0, 0.5, 1, 1.5, 2, 3, 4, NaN, Infinity], 4);
  assert.deepEqual(h.edges, [0, 1, 2, 3, 4]);
  assert.deepEqual(h.counts, [2, 2, 1, 2]);
  assert.equal(h.skipped, 2);
  const ranged = histogram([-1, 0, 0.25, 0.75, 2], 2, [0, 1]);
  assert.deepEqual(ranged.counts, [2, 1]);
  assert.equal(ranged.skipped, 2);
  const constant = histogram([3, 3, 3], 3);
  assert.deepEqual(constant.edges.map((e) => Number(e.toFixed(6))), [2.5, 2.833333, 3.166667, 3.5]);
  assert.deepEqual(constant.counts, [0, 3, 0]);
  assert.throws(() => histogram([1], 0), /bins must be a positive integer/);
  assert.throws(() => histogram([1], 2, [1, 1]), /lo < hi/);
});

test('tensorStats does not overflow near the float64 limit', () => {
  const s = tensorStats(new Float64Array([-1e300, 1e300, 1.7e308, -1.7e308]));
  assert.equal(s.inf, 0);
  assert.equal(s.mean, 0);
  // Population std of ±1e300, ±1.7e308 around 0: sqrt((2·1e600 + 2·1.7²e616) / 4).
  assert.ok(Math.abs(s.std / (1.7e308 / Math.SQRT2) - 1) < 1e-12, String(s.std));
});
