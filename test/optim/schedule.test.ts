import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { scheduleFactor, validateSchedule } from '../../src/engine/optim/schedule';
import type { ScheduleConfig } from '../../src/protocol/config';

const close = (a: number, e: number, what: string): void => assert.ok(Math.abs(a - e) < 1e-12, `${what}: got ${a}, expected ${e}`);

test('constant is 1 everywhere', () => {
  for (const s of [0, 1, 99, 1000]) assert.equal(scheduleFactor({ kind: 'constant' }, s, 100), 1);
});

test('warmup-cosine: linear warmup to 1 at step W−1, cosine down to minFactor at the last step', () => {
  const sched: ScheduleConfig = { kind: 'warmup-cosine', warmupSteps: 4, minFactor: 0.1 };
  // Warmup (s + 1)/4: 0.25, 0.5, 0.75, 1 at steps 0…3.
  close(scheduleFactor(sched, 0, 10), 0.25, 'step 0');
  close(scheduleFactor(sched, 1, 10), 0.5, 'step 1');
  close(scheduleFactor(sched, 3, 10), 1, 'step 3');
  // Cosine from step 3 (1) to step 9 (0.1) over 6 steps: step 6 is halfway, 0.1 + 0.9·0.5 = 0.55;
  // step 4: p = 1/6, 0.1 + 0.45·(1 + cos(π/6)) = 0.1 + 0.45·1.8660254 = 0.93971143.
  close(scheduleFactor(sched, 4, 10), 0.1 + 0.45 * (1 + Math.cos(Math.PI / 6)), 'step 4');
  close(scheduleFactor(sched, 6, 10), 0.55, 'step 6');
  close(scheduleFactor(sched, 9, 10), 0.1, 'last step');
  close(scheduleFactor(sched, 15, 10), 0.1, 'after the run');
  // No warmup: 1 at step 0, 0 at the last step with minFactor 0, 0.5 halfway.
  const plain: ScheduleConfig = { kind: 'warmup-cosine', warmupSteps: 0, minFactor: 0 };
  close(scheduleFactor(plain, 0, 11), 1, 'no warmup, step 0');
  close(scheduleFactor(plain, 5, 11), 0.5, 'no warmup, step 5');
  close(scheduleFactor(plain, 10, 11), 0, 'no warmup, last step');
  // A warmup longer than the run never reaches the cosine.
  close(scheduleFactor({ kind: 'warmup-cosine', warmupSteps: 100, minFactor: 0 }, 9, 10), 0.1, 'long warmup');
});

test("piecewise: Tiger's {1000: 1, 2000: 0.1} from (0, 0), constant after the last point", () => {
  const sched: ScheduleConfig = { kind: 'piecewise', points: { '2000': 0.1, '1000': 1 } };
  close(scheduleFactor(sched, 0, 1), 0, 'step 0');
  close(scheduleFactor(sched, 250, 1), 0.25, 'step 250');
  close(scheduleFactor(sched, 1000, 1), 1, 'step 1000');
  close(scheduleFactor(sched, 1500, 1), 0.55, 'step 1500');
  close(scheduleFactor(sched, 2000, 1), 0.1, 'step 2000');
  close(scheduleFactor(sched, 5000, 1), 0.1, 'step 5000');
  // A point at 0 replaces the implicit (0, 0).
  const fromHalf: ScheduleConfig = { kind: 'piecewise', points: { '0': 0.5, '10': 1 } };
  close(scheduleFactor(fromHalf, 0, 1), 0.5, 'given start');
  close(scheduleFactor(fromHalf, 5, 1), 0.75, 'midpoint');
  close(scheduleFactor(fromHalf, 11, 1), 1, 'after');
});

test('bad schedules and steps throw', () => {
  const bad: [unknown, RegExp][] = [
    [{ kind: 'linear' }, /unknown schedule kind 'linear'/],
    [{ kind: 'warmup-cosine', warmupSteps: -1, minFactor: 0 }, /warmupSteps must be an integer >= 0/],
    [{ kind: 'warmup-cosine', warmupSteps: 1.5, minFactor: 0 }, /warmupSteps/],
    [{ kind: 'warmup-cosine', warmupSteps: 10, minFactor: 2 }, /minFactor must be a number in \[0, 1\]/],
    [{ kind: 'piecewise', points: {} }, /non-empty/],
    [{ kind: 'piecewise', points: { '1.5': 1 } }, /step '1.5' is not a non-negative integer/],
    [{ kind: 'piecewise', points: { '-1': 1 } }, /step '-1'/],
    [{ kind: 'piecewise', points: { '010': 1 } }, /step '010'/],
    [{ kind: 'piecewise', points: { '10': -1 } }, /factor at step 10 must be a finite number >= 0/],
    [{ kind: 'piecewise', points: { '10': 'x' } }, /factor at step 10/],
  ];
  for (const [sched, re] of bad) {
    assert.throws(() => validateSchedule(sched as ScheduleConfig), re);
    assert.throws(() => scheduleFactor(sched as ScheduleConfig, 0, 10), re);
  }
  assert.throws(() => scheduleFactor({ kind: 'constant' }, -1, 10), /step must be an integer >= 0/);
  assert.throws(() => scheduleFactor({ kind: 'constant' }, 0, 0), /totalSteps must be an integer >= 1/);
});
