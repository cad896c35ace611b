/** The resource budget: estimates close to the real sizes, refusals with the numbers and the override. */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { BudgetError, DEFAULT_LIMITS, checkGridSize, checkRunsBudget, estimateParameters, runBudgetProblem } from '../../src/core/experiment/budget';
import { expandGrid } from '../../src/core/experiment/grid';
import { PRESETS } from '../../src/core/experiment/presets';
import { createModel } from '../../src/engine/model/transformer';
import { createTask } from '../../src/core/tasks';
import { createNar } from '../../src/engine/nar/narModel';

before(async () => {
  await initBackend('cpu');
});

test('the parameter estimate is within 10 % of the built model of every preset run', () => {
  const seen = new Set<string>();
  for (const preset of Object.values(PRESETS)) {
    for (const c of expandGrid(preset.spec)) {
      const key = JSON.stringify(c.model);
      if (seen.has(key)) continue;
      seen.add(key);
      const features = createTask(c.task).inputFeatures?.() ?? null;
      // A TransNAR model's frozen NAR (untrained: only its shapes matter here) is not counted.
      const nar = c.model.nar ? createNar({ algorithm: c.model.nar.algorithm, hidden: c.model.nar.hidden }, 1) : null;
      const model = createModel(c.model, 1, { inputFeatures: features, nar });
      const real = model.parameterCount();
      model.dispose();
      const est = estimateParameters(c.model, features?.width);
      assert.ok(est >= 0.9 * real && est <= 1.1 * real, `${c.id}: estimated ${est}, built ${real}`);
    }
  }
  assert.ok(seen.size >= 3);
});

test('every preset fits the budget; a lowered limit refuses with the numbers and the override', () => {
  for (const [name, preset] of Object.entries(PRESETS)) {
    const runs = expandGrid(preset.spec);
    assert.doesNotThrow(() => checkRunsBudget(runs), name);
    for (const r of runs) assert.equal(runBudgetProblem(r), null, `${name}: ${r.id}`);
  }
  const [c] = expandGrid(PRESETS.quick!.spec);
  assert.throws(() => checkRunsBudget([c!], { ...DEFAULT_LIMITS, parameters: 1000 }), (e: unknown) => e instanceof BudgetError && /parameters, above the limit of 1,000 .*--allow-large/.test(e.message));
  assert.throws(() => checkRunsBudget([c!], { ...DEFAULT_LIMITS, stepBytes: 1024 }), /one training step needs about .* lower batchSize/);
  assert.throws(() => checkRunsBudget([c!], { ...DEFAULT_LIMITS, evalBytes: 1024 }), /an evaluation needs about .* lower evalExamples/);
  assert.throws(() => checkGridSize(10_001), /10,001 runs, above the limit of 10,000/);
  assert.doesNotThrow(() => checkGridSize(10_000));
});
