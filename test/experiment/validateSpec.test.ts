import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { validateSpec } from '../../src/core/experiment/validateSpec';
import { DELETE, baseSpec, specWith } from './specSamples';

function errorsOf(value: unknown): { path: string; message: string }[] {
  const r = validateSpec(value);
  return r.ok ? [] : r.errors;
}

test('the base sample spec is valid and comes back unchanged', () => {
  const r = validateSpec(baseSpec());
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.spec, baseSpec());
});

test('$schema is accepted for editors and dropped from the returned spec', () => {
  const r = validateSpec(specWith({ '$.$schema': '../schemas/experiment.schema.json' }));
  assert.ok(r.ok);
  assert.equal('$schema' in r.spec, false);
});

/** [what, changes to the base spec, expected error path, text the message must contain]. */
const INVALID: [string, Record<string, unknown>, string, string][] = [
  ['spec not an object', {}, '$', 'expected an experiment spec object, found a list'],
  ['missing name', { '$.name': DELETE }, '$.name', 'required property is missing'],
  ['name with a space', { '$.name': 'my run' }, '$.name', 'found "my run"'],
  ['name with a slash', { '$.name': 'a/b' }, '$.name', 'file-name safe'],
  ['name starting with a dot', { '$.name': '.hidden' }, '$.name', 'file-name safe'],
  ['unknown top-level property', { '$.seed': 3 }, '$.seed', 'unknown property "seed" (did you mean "seeds"?)'],
  ['description not a string', { '$.description': 5 }, '$.description', 'expected a string, found 5'],
  ['bad backend', { '$.backend': 'gpu' }, '$.backend', 'expected one of "auto", "node", "wasm", "cpu", found "gpu"'],
  ['parallel zero', { '$.parallel': 0 }, '$.parallel', 'found 0'],
  ['tasks empty', { '$.tasks': [] }, '$.tasks', 'found an empty list'],
  ['tasks not a list', { '$.tasks': { name: 'sort' } }, '$.tasks', 'expected a list of tasks, found an object'],
  ['unknown task', { '$.tasks[0].name': 'sorting' }, '$.tasks[0].name', '(did you mean "sort"?)'],
  ['trainLengths missing', { '$.tasks[0].trainLengths': DELETE }, '$.tasks[0].trainLengths', 'required property is missing'],
  ['trainLengths with a fraction', { '$.tasks[0].trainLengths': [4, 4.5] }, '$.tasks[0].trainLengths[1]', 'found 4.5'],
  ['evalLengths empty', { '$.tasks[0].evalLengths': [] }, '$.tasks[0].evalLengths', 'found an empty list'],
  ['evalLengths repeated', { '$.tasks[0].evalLengths': [8, 16, 8] }, '$.tasks[0].evalLengths[2]', 'expected distinct values'],
  ['task length too large', { '$.tasks[0].evalLengths': [5000] }, '$.tasks[0].evalLengths[0]', 'from 1 to 1024'],
  ['task option not a number', { '$.tasks[0].options': { values: 'many' } }, '$.tasks[0].options.values', 'expected a number, found "many"'],
  ['task option unknown to the task', { '$.tasks[0].options': { valuez: 8 } }, '$.tasks[0].options.valuez', 'unknown option "valuez"'],
  ['task option out of the task range', { '$.tasks[0].options': { values: 1 } }, '$.tasks[0].options.values', 'option values = 1'],
  ['unknown task property', { '$.tasks[0].lengths': [4] }, '$.tasks[0].lengths', 'unknown property "lengths"'],
  ['model without label', { '$.models[0].label': DELETE }, '$.models[0].label', 'required property is missing'],
  ['heads zero', { '$.models[0].heads': 0 }, '$.models[0].heads', 'expected an integer from 1 to 256, found 0'],
  ['heads as string', { '$.models[0].heads': '2' }, '$.models[0].heads', 'found "2"'],
  ['heads not dividing dModel', { '$.models[0].heads': 3 }, '$.models[0].heads', 'expected a divisor of dModel (32) unless keySize and valueSize are given, found 3'],
  ['default heads not dividing dModel', { '$.models[0].heads': DELETE, '$.models[0].dModel': 30 }, '$.models[0].heads', 'divisor of dModel (30) unless keySize and valueSize are given, found 4'],
  ['odd RoPE head size', { '$.models[0].dModel': 6, '$.models[0].heads': 2, '$.models[0].position': 'rope' }, '$.models[0].heads', 'even head size'],
  ['rseBits not below dModel', { '$.models[0].rseBits': 32 }, '$.models[0].rseBits', 'fewer random bits than dModel (32), found 32'],
  ['positionRange below maxLen', { '$.models[0].maxLen': 40, '$.models[0].positionRange': 20 }, '$.models[0].positionRange', 'at least maxLen (40)'],
  ['bad position encoding', { '$.models[0].position': 'alibi' }, '$.models[0].position', 'expected one of "none", "learned"'],
  ['randomizePositions not a boolean', { '$.models[0].randomizePositions': 1 }, '$.models[0].randomizePositions', 'expected true or false, found 1'],
  ['randomized learned positions', { '$.models[0].position': 'learned', '$.models[0].randomizePositions': true }, '$.models[0].randomizePositions', 'need position "sinusoidal" or "rope" (a code defined at every position), found position "learned"'],
  ['randomized default (learned) positions', { '$.models[0].randomizePositions': true }, '$.models[0].randomizePositions', 'found position "learned"'],
  ['randomized spelled out as not randomized', { '$.models[0].position': 'randomized', '$.models[0].randomizePositions': false }, '$.models[0].randomizePositions', 'position "randomized" means sinusoidal with randomizePositions true'],
  ['bad positionEval', { '$.models[0].positionEval': 'fixed' }, '$.models[0].positionEval', 'expected one of "random", "spread", "contiguous", found "fixed"'],
  ['embedScale zero', { '$.models[0].embedScale': 0 }, '$.models[0].embedScale', 'expected a positive number at most 1000, found 0'],
  ['embedScale a word', { '$.models[0].embedScale': 'sqrt' }, '$.models[0].embedScale', 'found "sqrt"'],
  ['causal as string', { '$.models[0].causal': 'yes' }, '$.models[0].causal', 'expected true or false, found "yes"'],
  ['lognBase 1', { '$.models[0].lognBase': 1 }, '$.models[0].lognBase', 'greater than 1'],
  ['lognBase a word other than train', { '$.models[0].lognBase': 'training' }, '$.models[0].lognBase', 'greater than 1 or "train", found "training"'],
  ['attentionScaling misspelt', { '$.models[0].attentionScaling': 'logn' }, '$.models[0].attentionScaling', 'unknown property'],
  ['duplicate model labels', { '$.models[1]': { label: 'small' } }, '$.models[1].label', 'found "small" again (also at index 0)'],
  ['bad scaling', { '$.attentionScalings': ['standard', 'log'] }, '$.attentionScalings[1]', '(did you mean "logn"?)'],
  ['repeated scaling', { '$.attentionScalings': ['logn', 'logn'] }, '$.attentionScalings[1]', 'expected distinct values'],
  ['unknown optimizer', { '$.optimizers[0].name': 'adam' }, '$.optimizers[0].name', '(did you mean "adamw"?)'],
  ['lr misspelt', { '$.optimizers[1].lrr': 1e-3 }, '$.optimizers[1].lrr', 'unknown property "lrr" (did you mean "lr"?)'],
  ['lr missing', { '$.optimizers[0].lr': DELETE }, '$.optimizers[0].lr', 'required property is missing'],
  ['lr a word', { '$.optimizers[1].lr': 'fast' }, '$.optimizers[1].lr', 'expected a positive number at most 1 or a list of them, found "fast"'],
  ['lr zero', { '$.optimizers[0].lr': 0 }, '$.optimizers[0].lr', 'found 0'],
  ['lr list item negative', { '$.optimizers[1].lr': [1e-3, -1] }, '$.optimizers[1].lr[1]', 'found -1'],
  ['lr list empty', { '$.optimizers[1].lr': [] }, '$.optimizers[1].lr', 'found an empty list'],
  ['lr list repeated', { '$.optimizers[1].lr': [1e-3, 1e-3] }, '$.optimizers[1].lr[1]', 'distinct'],
  ['weightDecay negative', { '$.optimizers[1].weightDecay': -0.1 }, '$.optimizers[1].weightDecay', 'from 0 to 10'],
  ['beta1 of 1', { '$.optimizers[0].beta1': 1 }, '$.optimizers[0].beta1', 'in [0, 1), found 1'],
  ['beta given to adamw', { '$.optimizers[0].beta': 0.9 }, '$.optimizers[0].beta', '"beta" does not apply to adamw (it takes lr, weightDecay, beta1, beta2, eps)'],
  ['eps given to lion', { '$.optimizers[1].eps': 1e-8 }, '$.optimizers[1].eps', 'does not apply to lion'],
  ['accumulate fractional', { '$.train.accumulate': 1.5 }, '$.train.accumulate', 'an integer from 1 to 1024, found 1.5'],
  ['accumulate on an optimizer (moved to train)', { '$.optimizers[0]': { name: 'tiger', lr: 1e-3, accumulate: 4 } }, '$.optimizers[0].accumulate', 'set for every optimizer as train.accumulate'],
  ['accumulate list item zero', { '$.train.accumulate': [1, 0] }, '$.train.accumulate[1]', 'found 0'],
  ['batchSize and accumulate lists of different lengths', { '$.train.batchSize': [32, 8], '$.train.accumulate': [1, 4, 8] }, '$.train.accumulate', 'paired entry by entry'],
  ['batchSize and accumulate lists with a repeated pair', { '$.train.batchSize': [8, 8], '$.train.accumulate': [4, 4] }, '$.train.accumulate[1]', 'distinct (batchSize, accumulate) pairs, found [8,4] again'],
  ['batchSize list repeated', { '$.train.batchSize': [8, 8] }, '$.train.batchSize[1]', 'distinct values'],
  ['duplicate optimizer without label', { '$.optimizers[1]': { name: 'adamw', lr: 3e-4 } }, '$.optimizers[1].label', 'found "adamw" again'],
  ['optimizer label clashing with a name', { '$.optimizers[1].label': 'adamw' }, '$.optimizers[1].label', 'found "adamw" again'],
  ['seeds repeated', { '$.seeds': [1, 2, 1] }, '$.seeds[2]', 'expected distinct values, found 1 again'],
  ['seed fractional', { '$.seeds': [1.5] }, '$.seeds[0]', 'found 1.5'],
  ['seed negative', { '$.seeds': [-1] }, '$.seeds[0]', 'from 0 to 4294967295'],
  ['seeds missing', { '$.seeds': DELETE }, '$.seeds', 'required property is missing'],
  ['train not an object', { '$.train': 100 }, '$.train', 'expected an object of training settings, found 100'],
  ['steps zero', { '$.train.steps': 0 }, '$.train.steps', 'found 0'],
  ['unknown train property', { '$.train.epochs': 3 }, '$.train.epochs', 'unknown property "epochs"'],
  ['q below 1', { '$.train.q': 0.5 }, '$.train.q', 'from 1 to 32'],
  ['q list item above 32', { '$.train.q': [1, 64] }, '$.train.q[1]', 'found 64'],
  ['schedule kind unknown', { '$.train.schedule': { kind: 'cosine' } }, '$.train.schedule.kind', 'expected one of "constant", "warmup-cosine", "piecewise"'],
  ['schedule missing minFactor', { '$.train.schedule': { kind: 'warmup-cosine', warmupSteps: 10 } }, '$.train.schedule.minFactor', 'required property is missing'],
  ['warmup beyond the steps', { '$.train.schedule': { kind: 'warmup-cosine', warmupSteps: 500, minFactor: 0 } }, '$.train.schedule.warmupSteps', 'at most train.steps (100), found 500'],
  ['property of another schedule kind', { '$.train.schedule': { kind: 'constant', warmupSteps: 10 } }, '$.train.schedule.warmupSteps', 'unknown property'],
  ['piecewise step key not an integer', { '$.train.schedule': { kind: 'piecewise', points: { '1e3': 1 } } }, '$.train.schedule.points["1e3"]', 'expected a step number'],
  ['piecewise factor negative', { '$.train.schedule': { kind: 'piecewise', points: { '10': -1 } } }, '$.train.schedule.points["10"]', 'found -1'],
  ['piecewise without points', { '$.train.schedule': { kind: 'piecewise', points: {} } }, '$.train.schedule.points', 'at least one'],
];

for (const [what, changes, path, text] of INVALID) {
  test(`invalid: ${what} → ${path}`, () => {
    const value = what === 'spec not an object' ? [1] : specWith(changes);
    const errors = errorsOf(value);
    const hit = errors.find((e) => e.path === path);
    assert.ok(hit, `expected an error at ${path}, got ${JSON.stringify(errors)}`);
    assert.ok(hit.message.includes(text), `message "${hit.message}" should contain "${text}"`);
  });
}

test('every problem of a spec is reported at once', () => {
  const errors = errorsOf(specWith({ '$.name': 'a b', '$.models[0].heads': 0, '$.optimizers[1].lrr': 1, '$.seeds': [] }));
  assert.deepEqual(errors.map((e) => e.path).sort(), ['$.models[0].heads', '$.name', '$.optimizers[1].lrr', '$.seeds']);
});

test('valid variations are accepted', () => {
  const variations: Record<string, unknown>[] = [
    { '$.train': DELETE },
    { '$.tasks[0].evalLengths': DELETE },
    { '$.optimizers[1].label': 'lion2', '$.optimizers[2]': { name: 'lion', lr: 1e-4, beta1: 0.95, beta2: 0.98 } },
    { '$.optimizers[0]': { name: 'tiger', lr: 1e-3, beta: 0.965, shrink: 0.99 }, '$.train.accumulate': 4 },
    { '$.train.batchSize': [32, 8], '$.train.accumulate': [1, 4] },
    { '$.train.batchSize': [8, 8], '$.train.accumulate': [1, 4] },
    { '$.train.accumulate': [1, 2] },
    { '$.optimizers[0]': { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: [0, 1e-4] } },
    { '$.models[0].rseBits': 8, '$.train.q': [1, 4], '$.train.seedsPerInput': 4 },
    { '$.train.schedule': { kind: 'piecewise', points: { '0': 0.1, '50': 1, '100': 0.1 } } },
    { '$.train.schedule': { kind: 'constant' } },
    { '$.backend': 'wasm', '$.parallel': 2, '$.description': 'x' },
    { '$.tasks[0]': { name: 'recall', trainLengths: [4], options: { capacity: 2 } } },
  ];
  for (const v of variations) {
    const r = validateSpec(specWith(v));
    assert.ok(r.ok, `${JSON.stringify(v)}: ${JSON.stringify(r)}`);
  }
});
