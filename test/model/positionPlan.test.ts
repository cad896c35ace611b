import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { Rng } from '../../src/core/random';
import { createModel, randomPositions } from '../../src/engine/model/transformer';
import { evaluationPositions, exampleDraw, markEvaluationSet, prefixPositions, randomizesPositions, trainingPositions } from '../../src/engine/model/positionPlan';
import { spreadPositions } from '../../src/engine/model/positions';
import type { TaskExample } from '../../src/core/tasks/task';
import { tf } from '../../src/engine/tf';
import { maxAbsDiff, smallConfig } from './modelConfig';

before(async () => {
  await useTestBackend(primaryTestBackend('cpu'));
});

const example = (prompt: number[]): TaskExample => ({ prompt, answer: [] });

function isSortedDraw(row: ArrayLike<number>, range: number): boolean {
  for (let i = 0; i < row.length; i++) {
    const p = row[i] as number;
    if (!(Number.isInteger(p) && p >= 0 && p < range)) return false;
    if (i > 0 && p <= (row[i - 1] as number)) return false;
  }
  return true;
}

test('training positions: one sorted draw from the batch Rng when randomized; nothing drawn otherwise', () => {
  const randomized = smallConfig({ position: 'rope', randomizePositions: true, positionRange: 48 });
  assert.equal(randomizesPositions(randomized), true);
  assert.deepEqual(trainingPositions(randomized, new Rng(11), 9), randomPositions(new Rng(11), 9, 48));
  const fixed = smallConfig({ position: 'rope' });
  const rng = new Rng(11);
  assert.equal(trainingPositions(fixed, rng, 9), undefined);
  assert.equal(rng.next(), new Rng(11).next(), 'a model without randomization must not consume the batch Rng');
});

test('evaluation positions: a fresh draw per example and per call, the same on every run for the same evaluation example', () => {
  const m = smallConfig({ position: 'sinusoidal', randomizePositions: true, positionRange: 40 });
  const T = 6;
  // The position probe's examples are all alike: they must still get different draws.
  const set1 = markEvaluationSet([example([0, 0, 0]), example([0, 0, 0]), example([0, 0, 0])], 3);
  const p1 = evaluationPositions(m, set1, T) as Int32Array;
  assert.equal(p1.length, 3 * T);
  const rows = [0, 1, 2].map((b) => Array.from(p1.subarray(b * T, (b + 1) * T)));
  for (const row of rows) assert.ok(isSortedDraw(row, 40), String(row));
  assert.notDeepEqual(rows[0], rows[1]);
  assert.notDeepEqual(rows[1], rows[2]);
  // A second call on the next chunk of the same evaluation set (indices 3, 4) draws anew…
  const set2 = markEvaluationSet([example([0, 0, 0]), example([0, 0, 0]), example([0, 0, 0]), example([0, 0, 0]), example([0, 0, 0])], 3).slice(3);
  const p2 = evaluationPositions(m, set2, T) as Int32Array;
  assert.notDeepEqual(Array.from(p2.subarray(0, T)), rows[0]);
  // …while a fresh copy of the evaluation set (another run, another analysis) sees exactly the same draws.
  const again = markEvaluationSet([example([0, 0, 0]), example([0, 0, 0]), example([0, 0, 0])], 3);
  assert.deepEqual(evaluationPositions(m, again, T), p1);
  // The batching does not matter: example 1 alone reads its own row.
  assert.deepEqual(evaluationPositions(m, [again[1] as TaskExample], T), p1.subarray(T, 2 * T));
  // A size-n evaluation set is another stream than size n + 1's.
  const otherN = markEvaluationSet([example([0, 0, 0])], 4);
  assert.notDeepEqual(Array.from(evaluationPositions(m, otherN, T) as Int32Array), rows[0]);
  // An input outside any evaluation set (a probe's typed tokens) is keyed by its tokens.
  assert.deepEqual(exampleDraw(example([5, 6]), T, 40), exampleDraw(example([5, 6]), T, 40));
  assert.notDeepEqual(exampleDraw(example([5, 6]), T, 40), exampleDraw(example([6, 5]), T, 40));
});

test('evaluation positions: spread and contiguous are deterministic and shared; none without randomization', () => {
  const base = smallConfig({ position: 'rope', randomizePositions: true, positionRange: 40 });
  const set = markEvaluationSet([example([1]), example([2])], 1);
  assert.deepEqual(evaluationPositions({ ...base, positionEval: 'spread' }, set, 5), spreadPositions(5, 40));
  assert.deepEqual(Array.from(evaluationPositions({ ...base, positionEval: 'contiguous' }, set, 5) as Int32Array), [0, 1, 2, 3, 4]);
  assert.equal(evaluationPositions(smallConfig({ position: 'rope' }), set, 5), undefined);
});

test('prefix positions: shared and per-row layouts keep each token at its position as the sequence grows', () => {
  const shared = Int32Array.from([2, 5, 9, 14]);
  assert.deepEqual(Array.from(prefixPositions(shared, 3, 4, 2)), [2, 5]);
  const perRow = Int32Array.from([2, 5, 9, 14, 0, 1, 30, 31]);
  assert.deepEqual(Array.from(prefixPositions(perRow, 2, 4, 3)), [2, 5, 9, 0, 1, 30]);
  assert.throws(() => prefixPositions(perRow, 2, 4, 5), /exceeds the laid-out length 4/);
  assert.throws(() => prefixPositions(perRow, 3, 4, 2), /expected 4 or 3×4 positions, got 8/);
});

test('RoPE at randomized positions is RoPE at those integers: a randomized model reading p equals a plain RoPE model given p', () => {
  const positions = Int32Array.from([3, 11, 12, 40, 57]);
  const tokens = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]];
  const logits = (randomizePositions: boolean, given: Int32Array | undefined): Float32Array => {
    const m = createModel(smallConfig({ position: 'rope', randomizePositions, positionRange: 64 }), 4);
    try {
      return tf.tidy(() => {
        const t = tf.tensor2d(tokens, undefined, 'int32');
        return m.forward({ tokens: t, ...(given ? { positions: given } : {}) }).logits.dataSync() as Float32Array;
      });
    } finally {
      m.dispose();
    }
  };
  const randomized = logits(true, positions);
  assert.ok(maxAbsDiff(randomized, logits(false, positions)) < 1e-6);
  // …and not RoPE at 0…T−1 (the positions matter; gaps change the relative offsets).
  assert.ok(maxAbsDiff(randomized, logits(false, undefined)) > 1e-4);
  // Shifting every position by the same amount changes nothing: RoPE sees offsets only.
  assert.ok(maxAbsDiff(randomized, logits(true, positions.map((p) => p + 6))) < 1e-4);
});
