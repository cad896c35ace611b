/**
 * bench:peers's schedule (bench/peers/schedule.ts): the visits of a round, and the visiting order,
 * which must not keep any framework right after the same other one.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { planVisits, visitOrder } from '../../bench/peers/schedule';

test('planVisits: chunks of timed steps, the first after the warm-up, the rest after one rewarm step, over consecutive batches', () => {
  assert.deepEqual(planVisits(60, 10, 5, 1), [
    { start: 0, warmup: 5, steps: 10 },
    { start: 15, warmup: 1, steps: 10 },
    { start: 26, warmup: 1, steps: 10 },
    { start: 37, warmup: 1, steps: 10 },
    { start: 48, warmup: 1, steps: 10 },
    { start: 59, warmup: 1, steps: 10 },
  ]);
  // A last, shorter chunk; and one contiguous visit when the chunk is the whole round.
  assert.deepEqual(
    planVisits(25, 10, 5, 1).map((v) => v.steps),
    [10, 10, 5],
  );
  assert.deepEqual(planVisits(60, 60, 5, 1), [{ start: 0, warmup: 5, steps: 60 }]);
  assert.throws(() => planVisits(60, 0, 5, 1), /chunk \(0\) must be positive/);
});

/** Who runs right after whom over `rounds` rounds of `visits` visits each (visits cycle through the round's order). */
function successions(items: string[], rounds: number, visits: number): Map<string, number> {
  const seen = new Map<string, number>();
  for (let round = 1; round <= rounds; round++) {
    const order = visitOrder(items, round);
    const sequence = Array.from({ length: visits }, () => order).flat();
    for (let i = 1; i < sequence.length; i++) {
      const key = `${sequence[i - 1]}→${sequence[i]}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return seen;
}

test('visitOrder: each framework runs right after each other one, in every position over the rounds', () => {
  const items = ['native', 'twin', 'PyTorch'];
  assert.deepEqual(visitOrder(items, 0), ['native', 'twin', 'PyTorch']);
  assert.deepEqual(visitOrder(items, 1), ['PyTorch', 'twin', 'native']);
  assert.deepEqual(visitOrder(items, 2), ['twin', 'PyTorch', 'native']);
  const seen = successions(items, 9, 6);
  // All six ordered pairs occur, each often: rotation alone gave only native→twin, twin→PyTorch, PyTorch→native.
  for (const a of items) for (const b of items) if (a !== b) assert.ok((seen.get(`${a}→${b}`) ?? 0) >= 20, `${a}→${b}: ${seen.get(`${a}→${b}`)}`);
  // Every framework opens some round, with three frameworks and with two.
  const firsts = (xs: string[]): Set<string> => new Set(Array.from({ length: 9 }, (_, r) => visitOrder(xs, r + 1)[0] as string));
  assert.deepEqual(firsts(items), new Set(items));
  assert.deepEqual(firsts(['native', 'PyTorch']), new Set(['native', 'PyTorch']));
  // With two, each follows the other as often; the input is not changed.
  const two = successions(['native', 'PyTorch'], 9, 6);
  assert.equal(Math.abs((two.get('native→PyTorch') ?? 0) - (two.get('PyTorch→native') ?? 0)) <= 9, true);
  assert.deepEqual(items, ['native', 'twin', 'PyTorch']);
});
