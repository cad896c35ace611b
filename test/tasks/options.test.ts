import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TaskConfig, TaskName } from '../../src/protocol/config';
import { createTask } from '../../src/core/tasks';
import { SortTask } from '../../src/core/tasks/sort';

function config(name: string, options: Record<string, number> = {}, lengths: Partial<TaskConfig> = {}): TaskConfig {
  return { name: name as TaskName, trainLengths: [4, 8], evalLengths: [16], options, ...lengths };
}

test('unknown task names list the valid ones', () => {
  assert.throws(() => createTask(config('sorting')), /unknown task "sorting"; valid tasks: recall, sort, position-probe, copy, reverse/);
});

test('unknown option names are errors that list the valid options', () => {
  assert.throws(() => createTask(config('sort', { value: 8 })), /task "sort": unknown option "value"; valid options: values/);
  assert.throws(() => createTask(config('recall', { capcity: 2 })), /unknown option "capcity"; valid options: keys, values, capacity/);
  assert.throws(() => createTask(config('position-probe', { values: 2 })), /unknown option "values"; it takes no options/);
});

test('option values out of range or not integers are errors', () => {
  assert.throws(() => createTask(config('copy', { values: 1 })), /option values = 1 must be an integer in \[2, 52\]/);
  assert.throws(() => createTask(config('reverse', { values: 53 })), /option values = 53/);
  assert.throws(() => createTask(config('sort', { values: 2.5 })), /option values = 2.5 must be an integer/);
  assert.throws(() => createTask(config('recall', { capacity: -1 })), /option capacity = -1/);
  assert.throws(() => createTask(config('recall', { keys: 10 })), /keys = 10 is smaller than the largest size n = 16/);
  assert.equal(createTask(config('recall', { keys: 16 })).options.keys, 16);
});

test('bad lengths are errors', () => {
  assert.throws(() => createTask(config('sort', {}, { trainLengths: [] })), /trainLengths must be a non-empty list/);
  assert.throws(() => createTask(config('sort', {}, { evalLengths: [0] })), /evalLengths contains 0/);
  assert.throws(() => createTask(config('copy', {}, { trainLengths: [3.5] })), /trainLengths contains 3.5/);
});

test('a task class refuses another task\'s config', () => {
  assert.throws(() => new SortTask(config('copy')), /task config named "copy" given to the sort task/);
});

test('the vocabulary is fixed by the config, not by the size drawn', () => {
  const a = createTask(config('position-probe', {}, { trainLengths: [4], evalLengths: [32] }));
  const b = createTask(config('position-probe', {}, { trainLengths: [4], evalLengths: [8] }));
  assert.equal(a.vocab.length, 4 + 33);
  assert.equal(b.vocab.length, 4 + 9);
  assert.equal(createTask(config('recall', {}, { trainLengths: [4], evalLengths: [32] })).vocab.length, 4 + 64 + 8);
});
