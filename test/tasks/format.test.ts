import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TaskName } from '../../src/protocol/config';
import { Rng } from '../../src/core/random';
import { createTask } from '../../src/core/tasks';
import { EOS, SEP } from '../../src/core/tasks/task';
import type { Task } from '../../src/core/tasks/task';

function task(name: TaskName, options: Record<string, number> = {}): Task {
  return createTask({ name, trainLengths: [3], evalLengths: [6], options });
}

function ids(t: Task, text: string): number[] {
  return text.split(' ').map((s) => {
    const i = t.vocab.indexOf(s);
    assert.ok(i >= 0, `no token ${s}`);
    return i;
  });
}

test('sort text form is CLRS-Text-like, with the prediction beside the truth', () => {
  const t = task('sort');
  const ex = { prompt: ids(t, '5 3 1'), answer: ids(t, '1 3 5') };
  assert.equal(t.format(ex), 'key: [5 3 1] | sorted: [1 3 5]');
  assert.equal(t.format(ex, ids(t, '1 3 4')), 'key: [5 3 1] | sorted: [1 3 5] | predicted: [1 3 4]');
  assert.equal(t.format(ex, [...ids(t, '1 3'), EOS, 77]), 'key: [5 3 1] | sorted: [1 3 5] | predicted: [1 3 <eos> <?77>]');
});

test('copy, reverse and position-probe text forms', () => {
  const c = task('copy');
  assert.equal(c.format({ prompt: ids(c, 'a c b'), answer: ids(c, 'a c b') }), 'input: [a c b] | copy: [a c b]');
  const r = task('reverse');
  assert.equal(r.format({ prompt: ids(r, 'a c b'), answer: ids(r, 'b c a') }, ids(r, 'b c b')), 'input: [a c b] | reversed: [b c a] | predicted: [b c b]');
  const p = task('position-probe');
  assert.equal(p.format(p.example(new Rng(0), 3)), 'input: [0 0 0] | positions: [1 2 3]');
});

test('recall text form shows the pairs, memory slots, query and value', () => {
  const t = task('recall');
  const ex = { prompt: [...ids(t, 'k3 v1 k0 v5'), SEP, ...ids(t, 'k0')], answer: ids(t, 'v5') };
  assert.equal(t.format(ex), 'k3:v1 k0:v5 | query: k0 | value: v5');
  assert.equal(t.format(ex, ids(t, 'v2')), 'k3:v1 k0:v5 | query: k0 | value: v5 | predicted: v2');
  assert.equal(t.format(ex, []), 'k3:v1 k0:v5 | query: k0 | value: v5 | predicted: (nothing)');
  const m = task('recall', { capacity: 2 });
  const exm = { prompt: [...ids(m, 'k3 v1 k0 v5 <mem> <mem>'), SEP, ...ids(m, 'k3')], answer: ids(m, 'v1') };
  assert.equal(m.format(exm), 'k3:v1 k0:v5 <mem> <mem> | query: k3 | value: v1');
});

