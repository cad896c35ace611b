import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TaskName } from '../../src/protocol/config';
import { TASK_NAMES } from '../../src/protocol/config';
import { Rng } from '../../src/core/random';
import { createTask } from '../../src/core/tasks';
import {
  answerFromPredictions,
  formatBatchRow,
  layoutBatch,
  maxAnswerTokens,
  promptForDecoding,
  sequenceLength,
  usesGreedyDecoding,
} from '../../src/core/tasks/layout';
import { BLANK, EOS, PAD, SEP } from '../../src/core/tasks/task';
import type { Task, TaskExample } from '../../src/core/tasks/task';

/** The token tasks (grid-world is an environment trained by evolution strategies: test/es). */
const TOKEN_TASKS = TASK_NAMES.filter((n) => n !== 'grid-world');

function task(name: TaskName, options: Record<string, number> = {}): Task {
  return createTask({ name, trainLengths: [3], evalLengths: [5], options });
}

function ids(t: Task, text: string): number[] {
  return text.split(' ').map((s) => t.vocab.indexOf(s));
}

const sortTask = task('sort');
const sortExample: TaskExample = { prompt: ids(sortTask, '5 3 1'), answer: ids(sortTask, '1 3 5') };

test('causal, not aligned: prompt | answer, targets are the next tokens from the SEP on', () => {
  const b = layoutBatch(sortTask, [sortExample], 3, true);
  assert.equal(b.length, 7);
  assert.equal(sequenceLength(sortTask, 3, true), 7);
  assert.equal(b.answerStart, 3);
  assert.deepEqual([...b.tokens], [...ids(sortTask, '5 3 1'), SEP, ...ids(sortTask, '1 3 5')]);
  assert.deepEqual([...b.targets], [-1, -1, -1, ...ids(sortTask, '1 3 5'), EOS]);
  assert.equal(b.mask, null);
  assert.equal(formatBatchRow(sortTask, b, 0), 'input   5 3 1 | 1 3 5\ntarget  · · · 1 3 5 <eos>');
});

test('bidirectional, not aligned: blanks after the SEP carry answer + EOS', () => {
  const b = layoutBatch(sortTask, [sortExample], 3, false);
  assert.equal(b.length, 8);
  assert.equal(sequenceLength(sortTask, 3, false), 8);
  assert.equal(b.answerStart, 4);
  assert.deepEqual([...b.tokens], [...ids(sortTask, '5 3 1'), SEP, BLANK, BLANK, BLANK, BLANK]);
  assert.deepEqual([...b.targets], [-1, -1, -1, -1, ...ids(sortTask, '1 3 5'), EOS]);
  assert.equal(formatBatchRow(sortTask, b, 0), 'input   5 3 1 | _ _ _ _\ntarget  · · · · 1 3 5 <eos>');
});

test('aligned (position probe), causal and bidirectional: targets at the prompt positions', () => {
  const probe = task('position-probe');
  const ex = probe.example(new Rng(0), 4);
  for (const causal of [true, false]) {
    const b = layoutBatch(probe, [ex, ex], 4, causal);
    assert.equal(b.length, 4);
    assert.equal(b.batch, 2);
    assert.equal(b.answerStart, 0);
    assert.deepEqual([...b.tokens], [...ex.prompt, ...ex.prompt]);
    assert.deepEqual([...b.targets], [...ex.answer, ...ex.answer]);
    assert.equal(formatBatchRow(probe, b, 1), 'input   0 0 0 0\ntarget  1 2 3 4');
  }
  assert.equal(usesGreedyDecoding(probe, true), false);
  assert.throws(() => promptForDecoding(probe, ex, true), /aligned.*answerFromPredictions/);
});

test('layout shapes for every task, both model kinds, and rows in order', () => {
  for (const name of TOKEN_TASKS) {
    const t = task(name, name === 'recall' ? { capacity: 2 } : {});
    const rng = new Rng(11);
    const exs = [t.example(rng, 5), t.example(rng, 5), t.example(rng, 5)];
    for (const causal of t.bidirectionalOnly ? [false] : [true, false]) {
      const b = layoutBatch(t, exs, 5, causal);
      const T = sequenceLength(t, 5, causal);
      assert.equal(b.length, T);
      assert.equal(b.tokens.length, 3 * T);
      assert.equal(b.targets.length, 3 * T);
      for (const v of b.tokens) assert.ok(v >= 0 && v < t.vocab.length);
      for (const v of b.targets) assert.ok(v >= -1 && v < t.vocab.length);
      const withLoss = [...b.targets.slice(0, T)].map((v, i) => (v >= 0 ? i : -1)).filter((i) => i >= 0);
      const expected = t.aligned ? t.answerLength(5) : t.answerLength(5) + 1;
      assert.equal(withLoss.length, expected, `${name} causal=${causal}: target count`);
      assert.equal(withLoss[0], b.answerStart);
      assert.equal(withLoss[withLoss.length - 1], b.answerStart + expected - 1, 'targets are contiguous');
      assert.deepEqual([...b.tokens.slice(2 * T, 2 * T + exs[2]!.prompt.length)], exs[2]!.prompt, 'row 2 holds example 2');
      if (b.mask) assert.equal(b.mask.length, t.exampleMask ? 3 * T * T : T * T);
    }
  }
});

test('answerFromPredictions: the true targets give back the true answer in every layout', () => {
  for (const name of TOKEN_TASKS) {
    const t = task(name, name === 'recall' ? { capacity: 1 } : {});
    const rng = new Rng(21);
    for (const causal of t.bidirectionalOnly ? [false] : [true, false]) {
      for (let i = 0; i < 5; i++) {
        const ex = t.example(rng, 4);
        const b = layoutBatch(t, [ex], 4, causal);
        const answer = answerFromPredictions(t, 4, causal, b.targets);
        assert.deepEqual(answer, ex.answer, `${name} causal=${causal}`);
        assert.deepEqual(t.score(ex, answer), { exact: 1, shape: 1, parse: 1, clrs: 1 });
      }
    }
  }
});

test('answerFromPredictions cuts at EOS (and at PAD in one-pass layouts) and keeps an extra token without EOS', () => {
  const [one, three, five] = ids(sortTask, '1 3 5') as [number, number, number];
  const bidi = [0, 0, 0, 0, one, EOS, 9, 9];
  assert.deepEqual(answerFromPredictions(sortTask, 3, false, bidi), [one]);
  assert.deepEqual(answerFromPredictions(sortTask, 3, false, [0, 0, 0, 0, one, three, PAD, 9]), [one, three]);
  assert.deepEqual(answerFromPredictions(sortTask, 3, false, [0, 0, 0, 0, one, three, five, five]), [one, three, five, five]);
  assert.deepEqual(answerFromPredictions(sortTask, 3, true, [0, 0, 0, one, PAD, five, EOS]), [one, PAD, five]);
  assert.throws(() => answerFromPredictions(sortTask, 3, true, [1, 2, 3]), /3 predictions.*7 positions/);
});

test('bidirectional targets pad a short answer with PAD; causal leaves the tail without loss', () => {
  const short: TaskExample = { prompt: sortExample.prompt, answer: ids(sortTask, '1 3') };
  const bidi = layoutBatch(sortTask, [short], 3, false);
  assert.deepEqual([...bidi.targets.slice(4)], [...ids(sortTask, '1 3'), EOS, PAD]);
  const causal = layoutBatch(sortTask, [short], 3, true);
  assert.deepEqual([...causal.tokens], [...ids(sortTask, '5 3 1'), SEP, ...ids(sortTask, '1 3'), EOS]);
  assert.deepEqual([...causal.targets], [-1, -1, -1, ...ids(sortTask, '1 3'), EOS, -1]);
});

test('greedy decoding helpers: prompt + SEP, answer + EOS tokens at most, fits the layout length', () => {
  assert.equal(usesGreedyDecoding(sortTask, true), true);
  assert.equal(usesGreedyDecoding(sortTask, false), false);
  assert.deepEqual(promptForDecoding(sortTask, sortExample, true), [...sortExample.prompt, SEP]);
  assert.throws(() => promptForDecoding(sortTask, sortExample, false), /bidirectional/);
  assert.equal(maxAnswerTokens(sortTask, 3), 4);
  // The last generated token (EOS) is never fed back: prompt + SEP + answer = T.
  assert.equal(promptForDecoding(sortTask, sortExample, true).length + maxAnswerTokens(sortTask, 3) - 1, sequenceLength(sortTask, 3, true));
  assert.equal(maxAnswerTokens(task('recall'), 5), 2);
});

test('layoutBatch rejects examples of another size and empty batches', () => {
  assert.throws(() => layoutBatch(sortTask, [sortExample], 4, true), /prompt has 3 tokens.*expects 4 at n = 4/);
  assert.throws(() => layoutBatch(sortTask, [{ prompt: sortExample.prompt, answer: [4, 4, 4, 4] }], 3, false), /answer has 4 tokens/);
  assert.throws(() => layoutBatch(sortTask, [], 3, true), /no examples/);
  assert.throws(() => formatBatchRow(sortTask, layoutBatch(sortTask, [sortExample], 3, true), 1), /row 1 is outside/);
});

test('answered at the end (recall, one token per pair): the value is the target at the query token, one pass', () => {
  const t = task('recall', { keys: 5, values: 4, tokensPerPair: 1 });
  const ex: TaskExample = { prompt: ids(t, 'k3:v2 k0:v1 k1:v0 k1'), answer: ids(t, 'v0') };
  for (const causal of [true, false]) {
    assert.equal(sequenceLength(t, 3, causal), 4);
    const b = layoutBatch(t, [ex], 3, causal);
    assert.deepEqual(Array.from(b.tokens), ex.prompt);
    assert.deepEqual(Array.from(b.targets), [-1, -1, -1, ...ex.answer]);
    assert.equal(b.answerStart, 3);
    assert.equal(usesGreedyDecoding(t, causal), false);
    assert.deepEqual(answerFromPredictions(t, 3, causal, [9, 9, 9, ex.answer[0] as number]), ex.answer);
    assert.throws(() => promptForDecoding(t, ex, causal), /answered at the end of its prompt/);
  }
  assert.throws(() => layoutBatch(t, [{ prompt: ex.prompt, answer: [] }], 3, true), /expects 1 at n = 3/);
});
