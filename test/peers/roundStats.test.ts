/**
 * bench:peers's round statistics (bench/peers/roundStats.ts): the order-statistic interval around
 * the median ratio, and the naming of rounds outside ±10 % beside what else moved in them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeOutlier, describeSteadiness, deviations, median, medianInterval, outliers, twinCheck } from '../../bench/peers/roundStats';

test('medianInterval: the widest order statistics with ≥ 95 % coverage, or the range when there are few rounds', () => {
  // 9 rounds: [x(2), x(8)] covers with 1 − 2·P(Bin(9, ½) ≤ 1) = 1 − 2·10/512 ≈ 96.1 %; [x(3), x(7)] only 82 %.
  const nine = medianInterval([9, 1, 8, 2, 7, 3, 6, 4, 5]);
  assert.equal(nine.lo, 2);
  assert.equal(nine.hi, 8);
  assert.ok(Math.abs(nine.coverage - (1 - 20 / 512)) < 1e-12);
  // 5 rounds: the whole range, 1 − 2/32 = 93.75 %.
  const five = medianInterval([3, 1, 2, 5, 4]);
  assert.deepEqual([five.lo, five.hi], [1, 5]);
  assert.ok(Math.abs(five.coverage - 0.9375) < 1e-12);
  // 20 rounds: [x(6), x(15)] (P(Bin(20, ½) ≤ 5) ≈ 2.07 %).
  const twenty = medianInterval(Array.from({ length: 20 }, (_, i) => i + 1));
  assert.deepEqual([twenty.lo, twenty.hi], [6, 15]);
  assert.ok(twenty.coverage >= 0.95);
});

test('median and deviations', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.deepEqual(deviations([10, 11, 9]), [0, 0.1, -0.1]);
});

test('outliers: rounds beyond the band, and whether another framework or the machine moved with them', () => {
  const native = { label: 'native', wall: [10, 10, 10.5, 9.8, 12, 10, 10.2, 8.5, 10] };
  const torch = { label: 'PyTorch', wall: [13, 13, 13.2, 13, 15.5, 13, 13.1, 13, 12.9] };
  const ceiling = [240, 240, 238, 241, 239, 240, 242, 240, 240];
  const out = outliers(native, [torch], ceiling);
  assert.deepEqual(
    out.map((o) => o.round),
    [4, 7],
  );
  const slow = out[0];
  const fast = out[1];
  assert.ok(slow && fast);
  assert.ok(Math.abs(slow.deviation - 0.2) < 1e-12);
  // PyTorch was 19 % slower in the same round: the machine.
  assert.equal(slow.shared, true);
  assert.ok(Math.abs((slow.others[0]?.deviation ?? 0) - 2.5 / 13) < 1e-12);
  // The fast round was ours alone: PyTorch and the ceiling did not move.
  assert.equal(fast.shared, false);
  assert.match(describeOutlier(slow), /^round 5: \+20\.0 % \(same round: PyTorch \+19\.2 %, matmul ceiling \+0\.4 %\) — moved with the machine$/);
  assert.match(describeOutlier(fast), /^round 8: −15\.0 % .* — this framework alone$/);
  // A slower ceiling alone (a throughput 20 % lower) also counts as the machine.
  const dip = outliers({ label: 'native', wall: [10, 10, 12, 10, 10] }, [], [240, 240, 200, 240, 240]);
  assert.equal(dip[0]?.shared, true);
  // Steady rounds: nothing to name; series of another length are ignored.
  assert.deepEqual(outliers({ label: 'n', wall: [10, 10.5, 9.5] }, [{ label: 'x', wall: [1, 2] }]), []);
});

test('outliers: a round whose own core gauge slowed with it was the core, one with a steady gauge the step', () => {
  // Round 3: the step +28.7 % and its gauge +28 %; round 6: the step +23.8 % with the gauge at its median.
  const native = { label: 'native', wall: [10, 10.2, 13, 9.9, 10, 12.5, 10.1], gauge: [24, 24.1, 30.72, 24, 23.9, 24, 24.2] };
  const out = outliers(native, []);
  assert.deepEqual(
    out.map((o) => [o.round, o.shared]),
    [
      [2, true],
      [5, false],
    ],
  );
  assert.ok(Math.abs((out[0]?.core ?? 0) - 0.28) < 1e-12);
  assert.match(describeOutlier(out[0] as (typeof out)[number]), /^round 3: \+28\.7 % \(same round: its core gauge \+28\.0 %\) — moved with the machine$/);
  assert.match(describeOutlier(out[1] as (typeof out)[number]), /^round 6: \+23\.8 % \(same round: its core gauge \+0\.0 %\) — this framework alone$/);
  // A gauge that moved the other way, or by less than half as much, does not explain the round.
  const against = outliers({ label: 'n', wall: [10, 10, 12, 10, 10], gauge: [30, 30, 27, 30, 30] }, []);
  assert.equal(against[0]?.shared, false);
  const little = outliers({ label: 'n', wall: [10, 10, 12, 10, 10], gauge: [30, 30, 32.9, 30, 30] }, []);
  assert.equal(little[0]?.shared, false);
  // No gauge, or one of another length: no core in the outliers.
  assert.equal(outliers({ label: 'n', wall: [10, 10, 13] }, [])[0]?.core, undefined);
  assert.equal(outliers({ label: 'n', wall: [10, 10, 13], gauge: [1, 2] }, [])[0]?.core, undefined);
});

test('describeSteadiness: steady, out of the band with the machine, or out of it alone; beside the reference framework and the twin', () => {
  const torch = [{ label: 'PyTorch', outOfBand: 2 }];
  assert.equal(describeSteadiness('native', [], 9, torch), 'native rounds steady (±10 %); PyTorch: 2 of 9 rounds outside it');
  assert.equal(
    describeSteadiness('native', [], 9, [...torch, { label: "native's twin", outOfBand: 1 }]),
    "native rounds steady (±10 %); PyTorch: 2 of 9 rounds outside it; native's twin: 1 of 9 rounds outside it",
  );
  assert.equal(describeSteadiness('native', [], 9), 'native rounds steady (±10 %)');
  const withMachine = outliers({ label: 'native', wall: [10, 10, 13, 10, 10], gauge: [24, 24, 31, 24, 24] }, []);
  assert.match(describeSteadiness('native', withMachine, 5), /^native rounds NOT steady \(±10 %\): 1 of 5 outside the band, it moved with the machine — round 3: \+30\.0 %/);
  const mixed = outliers({ label: 'native', wall: [10, 10, 13, 10, 12], gauge: [24, 24, 31, 24, 24] }, []);
  assert.match(describeSteadiness('native', mixed, 5, torch), /^native rounds NOT steady \(±10 %\): 2 of 5 outside the band, 1 of them native's alone; PyTorch: 2 of 5 rounds outside it — round 3: .*; round 5: \+20\.0 % .* — this framework alone$/);
});

test('twinCheck: the twin ÷ the native step per round, its median and interval, and the rounds more than 10 % apart', () => {
  const native = [10, 10, 10, 10, 10, 10, 10, 10, 10];
  const twin = [10, 10.2, 9.8, 10.1, 11.5, 10, 8.8, 10.3, 9.9];
  const c = twinCheck(native, twin);
  assert.ok(Math.abs(c.median - 1.0) < 1e-12);
  // 9 rounds: the interval is [x(2), x(8)] of the sorted ratios 0.88, 0.98, 0.99, 1, 1, 1.01, 1.02, 1.03, 1.15.
  assert.ok(Math.abs(c.lo - 0.98) < 1e-12 && Math.abs(c.hi - 1.03) < 1e-12);
  assert.ok(Math.abs(c.min - 0.88) < 1e-12 && Math.abs(c.max - 1.15) < 1e-12);
  // 1.15 and 0.88 are more than 10 % from 1; 1.03 is not.
  assert.equal(c.apart, 2);
  // A twin that is 20 % slower in every round: the check shows it, whatever the machine did to both.
  const slower = twinCheck([10, 14, 11], [12, 16.8, 13.2]);
  assert.ok(Math.abs(slower.median - 1.2) < 1e-12);
  assert.equal(slower.apart, 3);
  assert.throws(() => twinCheck([10, 10], [10]), /2 native rounds against 1 of the twin/);
});
