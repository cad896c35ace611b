import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createTask } from '../../src/core/tasks';
import { esPopulationBytes, firstVisitSteps, gridObjective, move, playEpisode, type GridWorldTask } from '../../src/core/tasks/gridWorld';
import { validateSpec } from '../../src/core/experiment/validateSpec';
import { runBudgetProblem } from '../../src/core/experiment/budget';
import type { ExperimentSpec } from '../../src/protocol/spec';
import type { GridWorldAnalysis } from '../../src/protocol/gridWorld';
import { gridWorldTable } from '../../src/core/analysis/summarizeExperiment';

// 3 × 3 grid, cells y·3 + x:   6 7 8
//                               3 4 5
//                               0 1 2   (start 0; actions 0 left, 1 up, 2 right, 3 down)
const SNAKE = [2, 2, 1, 0, 0, 1, 2, 2]; // 0 → 1 → 2 → 5 → 4 → 3 → 6 → 7 → 8
const SPIRAL = [1, 1, 2, 2, 3, 3, 0, 1]; // 0 → 3 → 6 → 7 → 8 → 5 → 2 → 1 → 4

function episode(actions: number[], budget = 8, goal = -1): number[] {
  return playEpisode((t) => actions[t] as number, 3, budget, goal);
}

test('moves: walls keep the agent in place; the snake and the spiral visit every cell', () => {
  assert.equal(move(0, 0, 3), 0); // left from the corner
  assert.equal(move(0, 3, 3), 0); // down from the corner
  assert.equal(move(8, 1, 3), 8); // up from the top right
  assert.equal(move(4, 2, 3), 5);
  assert.throws(() => move(0, 4, 3), /action 4/);
  assert.deepEqual(episode(SNAKE), [0, 1, 2, 5, 4, 3, 6, 7, 8]);
  assert.deepEqual(episode(SPIRAL), [0, 3, 6, 7, 8, 5, 2, 1, 4]);
});

test('an episode ends on the goal; first visits are the steps to the goal, budget + 1 when never reached', () => {
  assert.deepEqual(episode(SNAKE, 8, 4), [0, 1, 2, 5, 4]); // 4 steps to the centre
  assert.deepEqual(firstVisitSteps(episode(SNAKE), 3, 8), [0, 1, 2, 5, 4, 3, 6, 7, 8]);
  // Budget 3: the snake reaches cells 1, 2, 5 at steps 1, 2, 3; every other cell costs 4.
  assert.deepEqual(firstVisitSteps(episode(SNAKE, 3), 3, 3), [0, 1, 2, 4, 4, 3, 4, 4, 4]);
  // Walking into the wall and back: revisits keep the first step.
  assert.deepEqual(firstVisitSteps(episode([0, 2, 0, 2], 4), 3, 4), [0, 2, 5, 5, 5, 5, 5, 5, 5]);
});

test('objective: a deterministic path loses its last cell to the adversary; mixing two paths lowers the worst case', () => {
  const snake = firstVisitSteps(episode(SNAKE), 3, 8);
  const spiral = firstVisitSteps(episode(SPIRAL), 3, 8);
  // One path: goal cells 1…8 cost 1, 2, 5, 4, 3, 6, 7, 8: mean 36/8 = 4.5, the adversary takes cell 8 (8 steps).
  const one = gridObjective([snake, snake], 3, 8, 1);
  assert.equal(one.mean, 4.5);
  assert.equal(one.worst, 8);
  assert.equal(one.worstCell, 8);
  assert.equal(one.objective, 4.5);
  assert.equal(one.found, 1);
  assert.equal(gridObjective([snake], 3, 8, Infinity).objective, 8);
  // Snake or spiral by the seed: per-cell means 4, 4, 3, 6, 4, 4, 5, 6; worst 6 (cell 4 first), mean 4.5.
  const mixed = gridObjective([snake, spiral], 3, 8, 1);
  assert.deepEqual(mixed.perCell, [4, 4, 3, 6, 4, 4, 5, 6]);
  assert.equal(mixed.worst, 6);
  assert.equal(mixed.worstCell, 4);
  assert.equal(mixed.mean, 4.5);
  // q = 2: √((16 + 16 + 9 + 36 + 16 + 16 + 25 + 36)/8) = √21.25.
  assert.ok(Math.abs(gridObjective([snake, spiral], 3, 8, 2).objective - Math.sqrt(21.25)) < 1e-12);
  assert.equal(gridObjective([snake, spiral], 3, 8, Infinity).objective, 6);
  // Large q approaches the max from below.
  const q100 = gridObjective([snake, spiral], 3, 8, 100).objective;
  assert.ok(q100 < 6 && q100 > 5.8, String(q100));
  // A path that misses cells: budget 3, found 3 of 8.
  assert.equal(gridObjective([firstVisitSteps(episode(SNAKE, 3), 3, 3)], 3, 3, 1).found, 3 / 8);
  assert.throws(() => gridObjective([], 3, 8, 1), /no seeds/);
  assert.throws(() => gridObjective([snake], 3, 8, 0.5), /q = 0.5/);
});

test('the task: options with defaults, one token per cell, text', () => {
  const task = createTask({ name: 'grid-world', trainLengths: [3], evalLengths: [3], options: {} }) as GridWorldTask;
  assert.deepEqual(task.options, { budget: 8, population: 48, sigmaMilli: 50 });
  assert.equal(task.vocab.length, 4 + 9);
  assert.equal(task.promptLength(), 1);
  assert.equal(task.budget, 8);
  assert.equal(task.format({ prompt: [task.cellToken(0)], answer: [task.cellToken(7)] }), 'start: 0,0 | goal: 1,2');
});

function spec(task: Record<string, unknown>): ExperimentSpec {
  return {
    name: 'g',
    tasks: [task as never],
    models: [{ label: 'a', layers: 1, dModel: 16, heads: 2, dFf: 32, rseBits: 4, position: 'none' }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 0.01 }],
    seeds: [1],
  };
}

test('bad grid options name their JSON path', () => {
  const problems = (task: Record<string, unknown>): string => {
    const v = validateSpec(spec(task));
    return v.ok ? '' : v.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  };
  assert.match(problems({ name: 'grid-world', trainLengths: [3], options: { population: 47 } }), /^\$\.tasks\[0\]\.options\.population: .*must be even/m);
  assert.match(problems({ name: 'grid-world', trainLengths: [3], options: { sigmaMilli: 0 } }), /^\$\.tasks\[0\]\.options\.sigmaMilli: .*\[1, 1000\]/m);
  assert.match(problems({ name: 'grid-world', trainLengths: [3], options: { budget: 1000 } }), /^\$\.tasks\[0\]\.options\.budget: /m);
  assert.match(problems({ name: 'grid-world', trainLengths: [3], options: { steps: 3 } }), /^\$\.tasks\[0\]\.options\.steps: task "grid-world": unknown option "steps"/m);
  assert.match(problems({ name: 'grid-world', trainLengths: [3, 4] }), /^\$\.tasks\[0\]: .*one grid side/m);
  assert.match(problems({ name: 'grid-world', trainLengths: [1] }), /^\$\.tasks\[0\]: .*side n = 1/m);
  assert.equal(problems({ name: 'grid-world', trainLengths: [3], options: { population: 64 } }), '');
});

test('a population that cannot fit is refused before anything runs, with the numbers', () => {
  assert.equal(esPopulationBytes(48, 1000, 8, 9), 4 * (24 * 1000 + 48 * 8 * 9));
  const base = {
    id: 'r',
    seed: 1,
    task: { name: 'grid-world' as const, trainLengths: [3], evalLengths: [3], options: { budget: 8, population: 4096, sigmaMilli: 50 } },
    model: { causal: true, layers: 4, dModel: 256, heads: 4, dFf: 1024, attention: 'softmax', keySize: 64, valueSize: 64, embedding: 'learned', init: 'gpt2', norm: 'layer', vocabSize: 13, maxLen: 9, position: 'none', randomizePositions: false, positionRange: 9, positionEval: 'random', embedScale: 1, attentionScaling: 'standard', lognBase: 512, trainLength: 9, rseBits: 4, rseProjection: false },
    optimizer: { name: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    train: { steps: 10, batchSize: 1, accumulate: 1, schedule: { kind: 'constant' }, gradClip: 0, evalEvery: 0, evalExamples: 16, logEvery: 1, checkpointEvery: 0, q: 1, seedsPerInput: 8, qWarmup: 0 },
  } as const;
  const problem = runBudgetProblem(structuredClone(base) as never);
  assert.match(problem ?? '', /population of 4096 needs [\d.]+ GiB \(2048 pairs × [\d.]+ million parameters × 4 bytes of perturbations \+ 4096 candidates × 8 seeds × 9 cells/);
  const small = structuredClone(base) as unknown as { task: { options: { population: number } } };
  small.task.options.population = 48;
  assert.equal(runBudgetProblem(small as never), null);
});

test('the summary table: mean steps and the worst case with 95 % intervals over training seeds', () => {
  const a = (meanSteps: number, worstSteps: number, distinctTrajectories: number): GridWorldAnalysis => ({
    version: 1, side: 3, budget: 8, seeds: 16, rseBits: 4, q: 16, meanSteps, worstCell: 8, worstSteps, found: 1, meanFirstVisit: [], distinctTrajectories, trajectories: [],
  });
  const table = gridWorldTable([
    { label: 'R-q16', analyses: [a(4, 4, 2), a(5, 6, 3), a(6, 8, 4)] },
    { label: 'none', analyses: [null, undefined] },
  ]);
  assert.ok(table);
  assert.equal(table.rows.length, 1);
  // worst case 4, 6, 8: mean 6, s = 2, t(0.975, 2) = 4.303 → ± 4.303 · 2 / √3 = 4.97.
  assert.deepEqual(table.rows[0], ['R-q16', 3, 16, 4, '5.00 ± 2.48', '6.00 ± 4.97', '1.000 ± 0.000', '3.0 ± 2.5']);
  assert.equal(gridWorldTable([{ label: 'x', analyses: [null] }]), null);
});
