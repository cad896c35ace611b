import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TaskName } from '../../src/protocol/config';
import { TASK_NAMES } from '../../src/protocol/config';
import { createTask } from '../../src/core/tasks';
import { EOS, FIRST_SYMBOL, SEP } from '../../src/core/tasks/task';
import type { Task, TaskExample } from '../../src/core/tasks/task';
import { isClrsTask } from '../../src/core/tasks/clrs/clrsTask';

/** The token tasks (grid-world is an environment trained by evolution strategies: test/es). */
const TOKEN_TASKS = TASK_NAMES.filter((n) => n !== 'grid-world');

function task(name: TaskName): Task {
  return createTask({ name, trainLengths: [4], evalLengths: [8], options: {} });
}

/** Token ids of vocabulary texts. */
function ids(t: Task, texts: string[]): number[] {
  return texts.map((s) => {
    const i = t.vocab.indexOf(s);
    assert.ok(i >= 0, `no token ${s}`);
    return i;
  });
}

test('sort scores: right, wrong shape, illegal token, half right', () => {
  const t = task('sort');
  const ex: TaskExample = { prompt: ids(t, ['5', '3', '1', '3']), answer: ids(t, ['1', '3', '3', '5']) };
  assert.deepEqual(t.score(ex, ex.answer), { exact: 1, shape: 1, parse: 1, clrs: 1 });
  assert.deepEqual(t.score(ex, ids(t, ['1', '3', '3'])), { exact: 0, shape: 0, parse: 1, clrs: 0 });
  assert.deepEqual(t.score(ex, ids(t, ['1', '3', '3', '5', '5'])), { exact: 0, shape: 0, parse: 1, clrs: 0 });
  assert.deepEqual(t.score(ex, [...ids(t, ['1', '3', '3']), SEP]), { exact: 0, shape: 1, parse: 0, clrs: 0.75 });
  assert.deepEqual(t.score(ex, [...ids(t, ['1', '3', '3']), 999]), { exact: 0, shape: 1, parse: 0, clrs: 0.75 });
  assert.deepEqual(t.score(ex, ids(t, ['1', '3', '4', '4'])), { exact: 0, shape: 1, parse: 1, clrs: 0.5 });
  assert.deepEqual(t.score(ex, []), { exact: 0, shape: 0, parse: 1, clrs: 0 });
});

test('recall scores: one value token, clrs equals exact', () => {
  const t = task('recall');
  const ex: TaskExample = { prompt: [...ids(t, ['k1', 'v2', 'k5', 'v0']), SEP, ...ids(t, ['k5'])], answer: ids(t, ['v0']) };
  assert.deepEqual(t.score(ex, ids(t, ['v0'])), { exact: 1, shape: 1, parse: 1, clrs: 1 });
  assert.deepEqual(t.score(ex, ids(t, ['v2'])), { exact: 0, shape: 1, parse: 1, clrs: 0 });
  assert.deepEqual(t.score(ex, ids(t, ['k5'])), { exact: 0, shape: 1, parse: 0, clrs: 0 }, 'a key is not a value');
  assert.deepEqual(t.score(ex, ids(t, ['v0', 'v0'])), { exact: 0, shape: 0, parse: 1, clrs: 0 });
});

test('every task scores its own answer as perfect and an EOS inside the answer as illegal', () => {
  for (const name of TOKEN_TASKS) {
    if (isClrsTask(name)) continue; // scored on parsed numbers, not tokens: clrs.test.ts
    const t = task(name);
    if (t.objective) continue; // scored by its own measure (graph colouring: test/tasks/graphColoring.test.ts)
    const prompt = name === 'recall' ? [...ids(t, ['k1', 'v2', 'k5', 'v0']), SEP, ...ids(t, ['k5'])] : Array(4).fill(FIRST_SYMBOL);
    const answer = name === 'recall' ? ids(t, ['v0']) : [FIRST_SYMBOL + 1, FIRST_SYMBOL + 1, FIRST_SYMBOL + 2, FIRST_SYMBOL + 3];
    const ex = { prompt, answer };
    assert.deepEqual(t.score(ex, answer), { exact: 1, shape: 1, parse: 1, clrs: 1 }, name);
    const broken = [...answer.slice(0, -1), EOS];
    const s = t.score(ex, broken);
    assert.equal(s.parse, 0, name);
    assert.equal(s.exact, 0, name);
    assert.equal(s.clrs, (answer.length - 1) / answer.length, name);
  }
});
