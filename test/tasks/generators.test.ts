import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TaskConfig, TaskName } from '../../src/protocol/config';
import { TASK_NAMES } from '../../src/protocol/config';
import { Rng } from '../../src/core/random';
import { createTask } from '../../src/core/tasks';
import type { RecallTask } from '../../src/core/tasks/recall';
import { FIRST_SYMBOL, SEP, SPECIAL_TOKENS } from '../../src/core/tasks/task';
import { isClrsTask } from '../../src/core/tasks/clrs/clrsTask';

/** The token tasks (grid-world is an environment trained by evolution strategies: test/es). */
const TOKEN_TASKS = TASK_NAMES.filter((n) => n !== 'grid-world');

function config(name: TaskName, options: Record<string, number> = {}): TaskConfig {
  return { name, trainLengths: [4, 8], evalLengths: [16, 24], options };
}

function examples(name: TaskName, seed: number, n: number, count: number, options: Record<string, number> = {}) {
  const task = createTask(config(name, options));
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => task.example(rng, n));
}

test('same seed gives the same examples; a different seed gives different ones', () => {
  for (const name of TOKEN_TASKS) {
    const a = examples(name, 7, 8, 5);
    const b = examples(name, 7, 8, 5);
    assert.deepEqual(a, b, name);
    if (name === 'position-probe') continue; // nothing random in it: one example per n
    const c = examples(name, 8, 8, 5);
    assert.notDeepEqual(a, c, name);
  }
});

test('vocabulary starts with the special tokens and every token id is in range at every configured length', () => {
  for (const name of TOKEN_TASKS) {
    const task = createTask(config(name, name === 'recall' ? { capacity: 3 } : {}));
    assert.deepEqual(task.vocab.slice(0, FIRST_SYMBOL), [...SPECIAL_TOKENS], name);
    assert.equal(new Set(task.vocab).size, task.vocab.length, `${name}: vocabulary entries are distinct`);
    const rng = new Rng(1);
    for (const n of [4, 8, 16, 24]) {
      for (let i = 0; i < 20; i++) {
        const ex = task.example(rng, n);
        assert.equal(ex.prompt.length, task.promptLength(n), `${name} prompt length at n=${n}`);
        // CLRS-Text answers are as long as their numbers' digits: at most answerLength(n).
        if (isClrsTask(name)) assert.ok(ex.answer.length <= task.answerLength(n), `${name} answer length at n=${n}`);
        else assert.equal(ex.answer.length, task.answerLength(n), `${name} answer length at n=${n}`);
        for (const t of [...ex.prompt, ...ex.answer]) {
          assert.ok(Number.isInteger(t) && t >= 0 && t < task.vocab.length, `${name}: token ${t} out of range`);
        }
        for (const t of ex.answer) assert.ok(t >= FIRST_SYMBOL, `${name}: answer holds a special token`);
      }
    }
  }
});

test('copy answers the prompt, reverse answers it reversed', () => {
  const rng = new Rng(3);
  const copy = createTask(config('copy'));
  const reverse = createTask(config('reverse', { values: 4 }));
  for (let i = 0; i < 20; i++) {
    const c = copy.example(rng, 12);
    assert.deepEqual(c.answer, c.prompt);
    const r = reverse.example(rng, 12);
    assert.deepEqual(r.answer, [...r.prompt].reverse());
    for (const t of r.prompt) assert.ok(t >= FIRST_SYMBOL && t < FIRST_SYMBOL + 4);
  }
  assert.equal(reverse.vocab.length, SPECIAL_TOKENS.length + 4);
});

test('sort answers an ascending permutation of the prompt and draws duplicates', () => {
  const task = createTask(config('sort', { values: 5 }));
  const rng = new Rng(4);
  let sawDuplicate = false;
  for (let i = 0; i < 50; i++) {
    const ex = task.example(rng, 8);
    for (let j = 1; j < ex.answer.length; j++) assert.ok((ex.answer[j - 1] as number) <= (ex.answer[j] as number));
    assert.deepEqual([...ex.answer].sort((a, b) => a - b), [...ex.prompt].sort((a, b) => a - b));
    if (new Set(ex.prompt).size < ex.prompt.length) sawDuplicate = true;
    for (const t of ex.prompt) assert.ok(t >= FIRST_SYMBOL && t < FIRST_SYMBOL + 5);
  }
  assert.ok(sawDuplicate, '8 draws from 5 values must repeat');
  // Numbers sort as numbers, not as text: 10 comes after 9.
  const wide = createTask(config('sort', { values: 12 }));
  assert.equal(wide.vocab[FIRST_SYMBOL + 10], '10');
});

test('position probe: n zeros in, 1 … n out, vocabulary up to the largest eval length', () => {
  const task = createTask(config('position-probe'));
  assert.equal(task.aligned, true);
  const ex = task.example(new Rng(0), 5);
  assert.deepEqual(ex.prompt.map((t) => task.vocab[t]), ['0', '0', '0', '0', '0']);
  assert.deepEqual(ex.answer.map((t) => task.vocab[t]), ['1', '2', '3', '4', '5']);
  assert.equal(task.vocab[task.vocab.length - 1], '24');
  const top = task.example(new Rng(0), 24);
  assert.equal(task.vocab[top.answer[23] as number], '24');
  assert.throws(() => task.example(new Rng(0), 25), /exceeds the largest configured size 24/);
});

test('recall: distinct keys, the query is a stored key, the answer is its value', () => {
  const task = createTask(config('recall'));
  assert.equal(task.options.keys, 48, 'default keys = max(2 · 24, 8)');
  assert.equal(task.options.values, 8);
  const rng = new Rng(5);
  const queriedSlots = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const n = 6;
    const ex = task.example(rng, n);
    const keys = ex.prompt.filter((_, j) => j < 2 * n && j % 2 === 0);
    const values = ex.prompt.filter((_, j) => j < 2 * n && j % 2 === 1);
    assert.equal(new Set(keys).size, n, 'keys are distinct');
    for (const k of keys) assert.match(task.vocab[k] as string, /^k\d+$/);
    for (const v of values) assert.match(task.vocab[v] as string, /^v\d+$/);
    assert.equal(ex.prompt[2 * n], SEP);
    const query = ex.prompt[2 * n + 1] as number;
    const slot = keys.indexOf(query);
    assert.ok(slot >= 0, 'query is a stored key');
    queriedSlots.add(slot);
    assert.deepEqual(ex.answer, [values[slot]]);
  }
  assert.equal(queriedSlots.size, 6, 'every stored pair gets queried');
});

test('recall with capacity puts M memory tokens between the pairs and the query', () => {
  const task = createTask(config('recall', { capacity: 2 }));
  const ex = task.example(new Rng(9), 4);
  assert.equal(task.promptLength(4), 2 * 4 + 2 + 2);
  assert.deepEqual(ex.prompt.slice(8).map((t) => task.vocab[t]).slice(0, 3), ['<mem>', '<mem>', '|']);
  assert.ok(!createTask(config('recall')).vocab.includes('<mem>'), 'no memory token without capacity');
});

test('recall with one token per pair: pair tokens, the query key last, features [value bits, one-hot key], every query variant', () => {
  const task = createTask({ name: 'recall', trainLengths: [3], evalLengths: [3], options: { keys: 3, values: 4, tokensPerPair: 1 } }) as RecallTask;
  assert.equal(task.vocab.length, 4 + 3 + 4 + 3 * 4);
  const ex = task.example(new Rng(5), 3);
  assert.equal(ex.prompt.length, 4);
  const text = task.format(ex);
  assert.match(text, /^k\d:v\d k\d:v\d k\d:v\d \| query: k\d \| value: v\d$/);
  const [, query, value] = /query: (k\d) \| value: (v\d)/.exec(text) ?? [];
  assert.ok(text.includes(`${query}:${value}`), 'the queried pair is stored');
  const f = task.inputFeatures();
  assert.equal(f.width, 2 + 3);
  const row = (token: string): number[] => Array.from(f.table.slice(task.vocab.indexOf(token) * f.width, (task.vocab.indexOf(token) + 1) * f.width));
  assert.deepEqual(row('k2:v3'), [1, 1, 0, 0, 1]);
  assert.deepEqual(row('k0:v2'), [0, 1, 1, 0, 0]);
  assert.deepEqual(row('k1'), [0, 0, 0, 1, 0], 'the query: value slot zeroed');
  assert.deepEqual(row('v1'), [1, 0, 0, 0, 0]);
  assert.deepEqual(row('|'), [0, 0, 0, 0, 0]);
  const variants = task.queryVariants(ex);
  assert.equal(variants.length, 3);
  variants.forEach((v, j) => {
    assert.deepEqual(v.prompt.slice(0, 3), ex.prompt.slice(0, 3));
    assert.equal(task.format(v).split(' | ')[0]?.split(' ')[j], `${task.vocab[v.prompt[3] as number]}:${task.vocab[v.answer[0] as number]}`);
  });
  // two tokens per pair: k v k v | q, and the variants keep that layout
  const two = createTask({ name: 'recall', trainLengths: [2], evalLengths: [2], options: { keys: 4, values: 4, capacity: 1 } }) as RecallTask;
  const e2 = two.example(new Rng(1), 2);
  assert.deepEqual(two.queryVariants(e2).map((v) => [v.prompt.at(-1), v.answer[0]]), [[e2.prompt[0], e2.prompt[1]], [e2.prompt[2], e2.prompt[3]]]);
  assert.throws(() => createTask({ name: 'recall', trainLengths: [2], evalLengths: [2], options: { tokensPerPair: 1, capacity: 1 } }), /capacity must be 0 with tokensPerPair = 1/);
});
