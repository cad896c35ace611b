import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { expandGrid, formatNumber, gridSize, taskShape } from '../../src/core/experiment/grid';
import { PRESETS } from '../../src/core/experiment/presets';
import { initBackend } from '../../src/engine/backend';
import { validateModelConfig } from '../../src/engine/model/transformer';
import { createOptimizer, defaultOptimizerConfig } from '../../src/engine/optim';
import { createTask } from '../../src/core/tasks';
import { sequenceLength } from '../../src/core/tasks/layout';
import type { ExperimentSpec } from '../../src/protocol/spec';
import { tf } from '../../src/engine/tf';
import { baseSpec } from './specSamples';

const FILE_SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

test('the base spec expands to tasks × models × scalings × optimizer points × seeds, in a fixed order', () => {
  const runs = expandGrid(baseSpec());
  // 1 task × 1 model × 2 scalings × (adamw + lion at 2 lrs) × 2 seeds
  assert.equal(runs.length, 12);
  assert.equal(gridSize(baseSpec()), 12);
  assert.deepEqual(
    runs.map((r) => r.id),
    [
      'sort-small-standard-adamw-s1',
      'sort-small-standard-adamw-s2',
      'sort-small-standard-lion-lr1e-4-s1',
      'sort-small-standard-lion-lr1e-4-s2',
      'sort-small-standard-lion-lr3e-4-s1',
      'sort-small-standard-lion-lr3e-4-s2',
      'sort-small-logn-adamw-s1',
      'sort-small-logn-adamw-s2',
      'sort-small-logn-lion-lr1e-4-s1',
      'sort-small-logn-lion-lr1e-4-s2',
      'sort-small-logn-lion-lr3e-4-s1',
      'sort-small-logn-lion-lr3e-4-s2',
    ],
  );
  assert.deepEqual(expandGrid(baseSpec()), runs, 'same spec, same runs');
  assert.deepEqual(
    runs.map((r) => [r.seed, r.model.attentionScaling, r.optimizer.lr]),
    runs.map((r) => [Number(r.id.slice(r.id.lastIndexOf('-s') + 2)), r.id.split('-')[2], r.optimizer.lr]),
  );
});

test('defaults are applied and the task fixes vocabulary and lengths', () => {
  const [run] = expandGrid(baseSpec());
  assert.ok(run);
  const task = createTask(run.task);
  assert.deepEqual(run.task, { name: 'sort', trainLengths: [4, 8], evalLengths: [8, 16], options: {} });
  assert.equal(run.model.vocabSize, task.vocab.length);
  assert.equal(run.model.maxLen, sequenceLength(task, 16, true));
  assert.equal(run.model.trainLength, sequenceLength(task, 8, true));
  assert.equal(run.model.maxLen, 33, 'sort, causal: n + 1 + n tokens at n = 16');
  assert.deepEqual(run.model, {
    causal: true,
    layers: 2,
    dModel: 32,
    heads: 2,
    dFf: 256,
    vocabSize: task.vocab.length,
    maxLen: 33,
    position: 'learned',
    randomizePositions: false,
    positionRange: 4 * 33,
    positionEval: 'random',
    embedScale: 1,
    attentionScaling: 'standard',
    lognBase: 512,
    trainLength: 17,
    rseBits: 0,
    attention: 'softmax',
    keySize: 16,
    valueSize: 16,
    embedding: 'learned',
    init: 'gpt2',
    norm: 'layer',
    rseProjection: false,
    nar: null,
  });
  assert.deepEqual(run.optimizer, { ...defaultOptimizerConfig('adamw'), lr: 1e-3 });
  assert.deepEqual(run.train, {
    steps: 100,
    batchSize: 32,
    accumulate: 1,
    schedule: { kind: 'warmup-cosine', warmupSteps: 5, minFactor: 0.1 },
    gradClip: 1,
    evalEvery: 10,
    evalExamples: 128,
    logEvery: 10,
    checkpointEvery: 0,
    q: 1,
    seedsPerInput: 1,
    qWarmup: 0,
  });
  const lion = expandGrid(baseSpec()).find((r) => r.id === 'sort-small-standard-lion-lr3e-4-s2');
  assert.deepEqual(lion?.optimizer, { ...defaultOptimizerConfig('lion'), lr: 3e-4, weightDecay: 0.1 });
});

test('lognBase "train" resolves to the longest training sequence in tokens', () => {
  const spec = baseSpec();
  spec.models = [{ label: 'small', dModel: 32, heads: 2, lognBase: 'train' }];
  spec.attentionScalings = ['logn'];
  const [run] = expandGrid(spec);
  assert.equal(run?.model.trainLength, 17, 'sort, causal, n = 8: 8 + 1 + 8 tokens');
  assert.equal(run?.model.lognBase, 17, 'b = n_train, so log_b(n) = 1 at the longest training sequence');
});

test('evalLengths default to the train lengths; a bidirectional model gets its own lengths', () => {
  const spec = baseSpec();
  spec.tasks = [{ name: 'position-probe', trainLengths: [4, 12] }];
  spec.models = [{ label: 'enc', causal: false }];
  const [run] = expandGrid(spec);
  assert.deepEqual(run?.task.evalLengths, [4, 12]);
  const shape = taskShape(run!.task, false);
  assert.equal(run?.model.maxLen, shape.maxLen);
  assert.equal(shape.maxLen, 12, 'position probe is aligned: T = n');
  assert.equal(run?.model.causal, false);
});

test('adding a model or an optimizer does not rename existing runs', () => {
  const before = expandGrid(baseSpec()).map((r) => r.id);
  const spec = baseSpec();
  spec.models.push({ label: 'wide', dModel: 64 });
  spec.optimizers.push({ name: 'tiger', lr: 1e-3 });
  const after = expandGrid(spec).map((r) => r.id);
  assert.equal(after.length, 2 * 2 * 4 * 2);
  for (const id of before) assert.ok(after.includes(id), id);
  assert.equal(new Set(after).size, after.length);
});

test('weight-decay and q lists expand the grid and name the runs', () => {
  const spec: ExperimentSpec = {
    ...baseSpec(),
    models: [
      { label: 'det', dModel: 32, heads: 2 },
      { label: 'rnd', dModel: 32, heads: 2, rseBits: 4 },
    ],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-3, weightDecay: [0, 0.1] }],
    seeds: [7],
  };
  spec.train = { steps: 50, seedsPerInput: 3 };
  (spec.train as { q?: number | number[] }).q = [1, 4];
  const runs = expandGrid(spec);
  assert.equal(runs.length, gridSize(spec));
  assert.deepEqual(
    runs.map((r) => r.id),
    [
      'sort-det-standard-adamw-wd0-q1-s7',
      'sort-det-standard-adamw-wd0-q4-s7',
      'sort-det-standard-adamw-wd0.1-q1-s7',
      'sort-det-standard-adamw-wd0.1-q4-s7',
      'sort-rnd-standard-adamw-wd0-q1-s7',
      'sort-rnd-standard-adamw-wd0-q4-s7',
      'sort-rnd-standard-adamw-wd0.1-q1-s7',
      'sort-rnd-standard-adamw-wd0.1-q4-s7',
    ],
  );
  assert.deepEqual(runs.map((r) => r.train.q), [1, 4, 1, 4, 1, 4, 1, 4]);
  assert.deepEqual(runs.map((r) => r.optimizer.weightDecay), [0, 0, 0.1, 0.1, 0, 0, 0.1, 0.1]);
  // With or without a random seed encoding every run lays out the same m rows per input (docs/science.md §4).
  assert.deepEqual(runs.map((r) => r.train.seedsPerInput), [3, 3, 3, 3, 3, 3, 3, 3]);
});

test('batchSize and accumulate lists are paired entry by entry; one list alone expands the grid', () => {
  const spec: ExperimentSpec = {
    ...baseSpec(),
    models: [{ label: 'm', dModel: 32, heads: 2 }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'tiger', lr: 1e-2 }],
    seeds: [1, 2],
    train: { steps: 50, batchSize: [32, 8], accumulate: [1, 4] },
  };
  const runs = expandGrid(spec);
  assert.equal(runs.length, gridSize(spec));
  assert.deepEqual(runs.map((r) => r.id), ['sort-m-standard-tiger-b32-k1-s1', 'sort-m-standard-tiger-b32-k1-s2', 'sort-m-standard-tiger-b8-k4-s1', 'sort-m-standard-tiger-b8-k4-s2']);
  assert.deepEqual(runs.map((r) => [r.train.batchSize, r.train.accumulate]), [[32, 1], [32, 1], [8, 4], [8, 4]]);
  const only = expandGrid({ ...spec, seeds: [1], train: { steps: 50, batchSize: 16, accumulate: [1, 2, 3] } });
  assert.deepEqual(only.map((r) => r.id), ['sort-m-standard-tiger-k1-s1', 'sort-m-standard-tiger-k2-s1', 'sort-m-standard-tiger-k3-s1']);
  assert.deepEqual(only.map((r) => r.train.batchSize), [16, 16, 16]);
  const plain = expandGrid({ ...spec, seeds: [1], train: { steps: 50, accumulate: 4 } });
  assert.deepEqual(plain.map((r) => [r.id, r.train.batchSize, r.train.accumulate]), [['sort-m-standard-tiger-s1', 32, 4]]);
});

test('tasks sharing a name are numbered in run ids', () => {
  const spec = baseSpec();
  spec.tasks = [
    { name: 'recall', trainLengths: [4] },
    { name: 'recall', trainLengths: [4], options: { capacity: 2 } },
    { name: 'copy', trainLengths: [4] },
  ];
  spec.attentionScalings = ['standard'];
  spec.optimizers = [{ name: 'adamw', lr: 1e-3 }];
  spec.seeds = [1];
  assert.deepEqual(
    expandGrid(spec).map((r) => r.id),
    ['recall1-small-standard-adamw-s1', 'recall2-small-standard-adamw-s1', 'copy-small-standard-adamw-s1'],
  );
});

test('runs are independent copies', () => {
  const runs = expandGrid(baseSpec());
  runs[0]!.task.trainLengths.push(99);
  runs[0]!.model.layers = 9;
  assert.deepEqual(runs[1]!.task.trainLengths, [4, 8]);
  assert.equal(runs[1]!.model.layers, 2);
});

test('a model too short for its task, or an invalid spec, is an error naming where', () => {
  const spec = baseSpec();
  spec.models[0]!.maxLen = 20;
  assert.throws(() => expandGrid(spec), /\$\.models\[0\] with \$\.tasks\[0\] \(sort\): model "small": maxLen 20 is shorter than the task's longest sequence \(33 tokens\)/);
  const random = baseSpec();
  random.models[0]!.position = 'randomized';
  random.models[0]!.positionRange = 30;
  assert.throws(() => expandGrid(random), /positionRange 30 is smaller than maxLen 33/);
  const bad = baseSpec();
  bad.seeds = [1, 1];
  assert.throws(() => expandGrid(bad), /invalid experiment spec "demo":\n\$\.seeds\[1\]: expected distinct values/);
});

test('formatNumber picks the shorter exact form', () => {
  const cases: [number, string][] = [
    [1e-4, '1e-4'],
    [3e-4, '3e-4'],
    [0.001, '1e-3'],
    [0.1, '0.1'],
    [0.01, '0.01'],
    [0.0015, '0.0015'],
    [1, '1'],
    [0, '0'],
    [4, '4'],
    [1e21, '1e21'],
    [2.5e-7, '2.5e-7'],
  ];
  for (const [x, s] of cases) {
    assert.equal(formatNumber(x), s);
    assert.equal(Number(s), x, 'round-trips');
  }
});

test('every preset expands to unique, file-name safe runs that build valid models and optimizers', async () => {
  await initBackend('cpu');
  const expected: Record<string, number> = { quick: 6, entropy: 9, optimizers: 15, robustness: 45, 'tiger-accumulation': 18, 'randomized-recall': 12, 'graph-coloring': 12, 'softmax-noise': 6, 'grid-world': 12, 'position-probe': 6, 'length-generalization': 12, 'clrs-text': 9, transnar: 6 };
  for (const [name, preset] of Object.entries(PRESETS)) {
    const runs = expandGrid(preset.spec);
    assert.equal(runs.length, expected[name], name);
    assert.equal(gridSize(preset.spec), runs.length, name);
    assert.equal(new Set(runs.map((r) => r.id)).size, runs.length, name);
    const before = tf.memory().numTensors;
    for (const run of runs) {
      assert.match(run.id, FILE_SAFE);
      validateModelConfig(run.model);
      createOptimizer(run.optimizer).dispose();
      assert.ok(run.train.evalEvery <= run.train.steps, run.id);
    }
    assert.equal(tf.memory().numTensors, before);
  }
});

test('presets evaluated beyond their training length use positions that are defined there (not a learned table)', () => {
  let checked = 0;
  for (const [name, preset] of Object.entries(PRESETS)) {
    for (const run of expandGrid(preset.spec)) {
      if (Math.max(...run.task.evalLengths) <= Math.max(...run.task.trainLengths)) continue;
      checked++;
      assert.notEqual(run.model.position, 'learned', `${name}: ${run.id} tests length generalization with learned positions`);
    }
  }
  assert.ok(checked > 0);
});

test('quick preset: small enough for ~1–2 minutes with 2 runs in parallel', () => {
  const runs = expandGrid(PRESETS.quick!.spec);
  const optimizers = new Set(runs.map((r) => r.optimizer.name));
  assert.deepEqual([...optimizers], ['adamw', 'lion', 'tiger']);
  assert.deepEqual([...new Set(runs.map((r) => r.model.attentionScaling))], ['standard', 'logn']);
  for (const run of runs) {
    assert.ok(run.model.maxLen <= 32 && run.model.dModel <= 32 && run.train.steps <= 1000, run.id);
    assert.ok(Math.max(...run.task.trainLengths) <= 8);
  }
});

test('optimizer presets: paired seeds, lr grids from well below each optimum into divergence, accumulation pairs', () => {
  const opt = expandGrid(PRESETS.optimizers!.spec);
  const names = ['adamw', 'lion', 'tiger'] as const;
  for (const name of names) assert.deepEqual(opt.filter((r) => r.optimizer.name === name).map((r) => r.seed), [1, 2, 3, 4, 5], `${name}: the same 5 seeds`);
  const rob = expandGrid(PRESETS.robustness!.spec);
  const best = new Map(opt.map((r) => [r.optimizer.name, r.optimizer.lr]));
  for (const name of names) {
    const lrs = [...new Set(rob.filter((r) => r.optimizer.name === name).map((r) => r.optimizer.lr))];
    assert.equal(lrs.length, 5, `${name}: 5 lr points`);
    const b = best.get(name) as number;
    assert.ok(Math.min(...lrs) <= b / 30 && Math.max(...lrs) >= b * 30, `${name}: ${lrs.join(', ')} spans 1/30 … 30 × the best lr ${b}`);
    assert.equal(new Set(rob.filter((r) => r.optimizer.name === name).map((r) => r.optimizer.weightDecay)).size, 1);
  }
  const acc = expandGrid(PRESETS['tiger-accumulation']!.spec);
  for (const name of names) {
    const mine = acc.filter((r) => r.optimizer.name === name);
    assert.deepEqual([...new Set(mine.map((r) => `${r.train.batchSize}x${r.train.accumulate}`))], ['32x1', '8x4'], name);
    assert.ok(mine.every((r) => r.train.batchSize * r.train.accumulate === 32 && r.optimizer.lr === best.get(name)));
  }
  // A preset evaluated beyond its training lengths must not use learned positions (they cannot extrapolate).
  for (const p of ['optimizers', 'robustness', 'tiger-accumulation']) {
    for (const r of expandGrid(PRESETS[p]!.spec)) {
      if (Math.max(...r.task.evalLengths) > Math.max(...r.task.trainLengths)) assert.notEqual(r.model.position, 'learned', r.id);
    }
  }
});

test('randomized-recall preset: A^E/A^q with a fixed (no) seed and fresh seeds, 3 seeds each, equal rows, the paper\'s model and optimizer', () => {
  const runs = expandGrid(PRESETS['randomized-recall']!.spec);
  const cells = new Map<string, number>();
  for (const r of runs) cells.set(`${r.model.rseBits > 0}-${r.train.q}`, (cells.get(`${r.model.rseBits > 0}-${r.train.q}`) ?? 0) + 1);
  assert.deepEqual([...cells.entries()].sort(), [['false-1', 3], ['false-32', 3], ['true-1', 3], ['true-32', 3]]);
  for (const r of runs) {
    assert.equal(r.train.batchSize * r.train.seedsPerInput, 256, 'RSE on and off lay out the same rows');
    assert.equal(r.task.options.tokensPerPair, 1);
    assert.equal(r.model.attention, 'linear');
    assert.equal(r.model.heads, 1);
    assert.equal(r.model.dModel - r.model.rseBits, 16, 'the same token width with and without seed bits');
    assert.ok(r.model.keySize < Math.max(...r.task.trainLengths), 'the key size is the bottleneck');
    assert.deepEqual([r.optimizer.name, r.optimizer.weightDecay, (r.optimizer as { beta2: number }).beta2, (r.optimizer as { eps: number }).eps], ['adamw', 0, 0.95, 1e-5]);
  }
});

test('length-generalization preset: RoPE and sinusoidal, each fixed and randomized, evaluated beyond training, 3 seeds', () => {
  const runs = expandGrid(PRESETS['length-generalization']!.spec);
  assert.deepEqual(
    [...new Set(runs.map((r) => `${r.model.randomizePositions ? 'randomized ' : ''}${r.model.position}`))],
    ['rope', 'randomized rope', 'sinusoidal', 'randomized sinusoidal'],
  );
  for (const r of runs) {
    assert.ok(Math.max(...r.task.evalLengths) >= 2 * Math.max(...r.task.trainLengths), r.id);
    assert.equal(r.model.positionRange, 4 * r.model.maxLen, r.id);
    assert.equal(r.model.embedScale, r.model.position === 'sinusoidal' ? 8 : 1, r.id);
  }
  assert.deepEqual([...new Set(runs.map((r) => r.seed))], [1, 2, 3]);
});

test('entropy and position-probe presets cover the axes they promise', () => {
  const entropy = expandGrid(PRESETS.entropy!.spec);
  assert.deepEqual([...new Set(entropy.map((r) => r.model.attentionScaling))], ['standard', 'logn', 'logn-train']);
  for (const r of entropy) {
    assert.ok(Math.max(...r.task.evalLengths) >= 8 * Math.max(...r.task.trainLengths));
    assert.equal(r.model.position, 'none', 'retrieval by content: no position code');
    assert.equal(r.task.options.tokensPerPair, 1, 'one token per pair');
    assert.equal(r.model.lognBase, r.model.trainLength, 'log-n with b = the longest training sequence');
  }
  assert.equal(new Set(entropy.map((r) => r.seed)).size, 3, 'three seeds per scaling');
  const probe = expandGrid(PRESETS['position-probe']!.spec);
  assert.deepEqual(
    probe.map((r) => `${r.model.randomizePositions ? 'randomized ' : ''}${r.model.position}`),
    ['none', 'learned', 'sinusoidal', 'rope', 'randomized sinusoidal', 'randomized rope'],
  );
  assert.ok(probe.every((r) => !r.model.causal));
});

test('clrs-text and transnar presets: the four CLRS-Text tasks beyond training between them; the same Transformer with and without a pretrained NAR, 3 seeds, paired', () => {
  const clrs = expandGrid(PRESETS['clrs-text']!.spec);
  assert.deepEqual([...new Set(clrs.map((r) => r.task.name))], ['insertion-sort', 'minimum', 'binary-search']);
  for (const r of clrs) {
    assert.ok(Math.max(...r.task.evalLengths) > Math.max(...r.task.trainLengths), `${r.id} is evaluated beyond training`);
    assert.ok(r.model.randomizePositions && r.model.position === 'rope', 'randomized positions on RoPE, as TransNAR');
    assert.equal(r.model.nar, null);
  }
  assert.deepEqual([...new Set(clrs.map((r) => r.seed))], [1, 2, 3]);
  const tn = expandGrid(PRESETS.transnar!.spec);
  const withNar = tn.filter((r) => r.model.nar);
  const plain = tn.filter((r) => !r.model.nar);
  assert.equal(withNar.length, plain.length);
  for (const r of withNar) {
    assert.equal(r.model.nar?.source.kind, 'pretrain', 'NAR pretraining is part of the preset');
    const twin = plain.find((p) => p.task.name === r.task.name && p.seed === r.seed);
    assert.ok(twin, `${r.id} has a plain twin`);
    const { nar: _a, ...m1 } = r.model;
    const { nar: _b, ...m2 } = twin.model;
    assert.deepEqual(m1, m2, 'the same Transformer apart from the NAR');
    assert.deepEqual([r.train, r.optimizer, r.task], [twin.train, twin.optimizer, twin.task]);
  }
  assert.ok(new Set(withNar.map((r) => r.seed)).size >= 3);
  // BFS, the fourth task, is the transnar preset's: its plain model is clrs-text's Transformer, beyond training too.
  assert.deepEqual([...new Set(tn.map((r) => r.task.name))], ['bfs']);
  const { vocabSize: _v1, maxLen: _m1, positionRange: _p1, trainLength: _t1, ...clrsModel } = (clrs[0] as (typeof clrs)[0]).model;
  for (const r of plain) {
    const { vocabSize: _v2, maxLen: _m2, positionRange: _p2, trainLength: _t2, ...m } = r.model;
    assert.deepEqual(m, clrsModel, 'the plain BFS model is the clrs-text Transformer');
    assert.deepEqual(r.optimizer, (clrs[0] as (typeof clrs)[0]).optimizer);
    assert.ok(Math.max(...r.task.evalLengths) > Math.max(...r.task.trainLengths));
  }
});
