import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { expandGrid } from '../../src/core/experiment/grid';
import { runConfigProblem } from '../../src/core/experiment/validateRunConfig';

const [tiger] = expandGrid({
  name: 'legacy',
  tasks: [{ name: 'sort', trainLengths: [4], evalLengths: [4], options: { values: 8 } }],
  models: [{ label: 'm', layers: 1, dModel: 16, heads: 2, dFf: 32, position: 'rope' }],
  attentionScalings: ['standard'],
  optimizers: [{ name: 'tiger', lr: 1e-2 }],
  seeds: [1],
  train: { steps: 10, accumulate: 2 },
});

test("a run config from before train.accumulate: Tiger's accumulate 1 is read as no field, any other k is refused by path", () => {
  assert.ok(tiger);
  assert.equal(runConfigProblem(tiger), null);
  assert.equal(runConfigProblem({ ...tiger, optimizer: { ...tiger.optimizer, accumulate: 1 } }), null);
  assert.match(runConfigProblem({ ...tiger, optimizer: { ...tiger.optimizer, accumulate: 4 } }) ?? '', /^\$\.optimizer\.accumulate: 4 is Tiger's accumulation as older versions counted it/);
  assert.match(runConfigProblem({ ...tiger, train: { ...tiger.train, accumulate: 0 } }) ?? '', /^\$\.train\.accumulate: expected an integer from 1 to 1024, found 0/);
});
