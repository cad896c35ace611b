import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint, optimizerStateTensors, restoreInto, saveCheckpoint } from '../../src/engine/checkpoint/checkpoint';
import { formatInspectTable, inspectFile } from '../../src/core/checkpoint/inspect';
import { openSafetensors, writeSafetensors } from '../../src/core/checkpoint/safetensors';
import type { ModelParam } from '../../src/engine/model/params';
import { tf } from '../../src/engine/tf';
import type { Tensor } from '../../src/engine/tf';
import {
  CheckpointError,
  decodeCheckpointMetadata,
  encodeCheckpointMetadata,
  makeCheckpointMetadata,
  type CheckpointMetadata,
} from '../../src/protocol/checkpoint';
import type { RunConfig } from '../../src/protocol/config';
import { fixturePath, tempDir } from './helpers';

const RUN: RunConfig = {
  id: 'recall-logn-adamw-s1',
  task: { name: 'recall', trainLengths: [8, 16], evalLengths: [32], options: { keys: 4 } },
  model: {
    causal: true, layers: 2, dModel: 8, heads: 2, dFf: 16, vocabSize: 12, maxLen: 64, position: 'rope', randomizePositions: false, positionRange: 64, positionEval: 'random', embedScale: 1,
    attentionScaling: 'logn', lognBase: 512, trainLength: 16, rseBits: 0,
    attention: 'softmax', keySize: 4, valueSize: 4, embedding: 'learned', init: 'gpt2', norm: 'layer', rseProjection: false, nar: null,
  },
  optimizer: { name: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
  train: {
    steps: 100, batchSize: 4, accumulate: 1, schedule: { kind: 'constant' }, gradClip: 1, evalEvery: 50, evalExamples: 8, logEvery: 10,
    checkpointEvery: 0, q: 1, seedsPerInput: 1, qWarmup: 0,
  },
  seed: 1,
};

const META: CheckpointMetadata = makeCheckpointMetadata(RUN, 1234, 'cpu', { 'attention-lab': '0.1.0', 'tfjs-core': tf.version_core }, new Date('2025-01-02T03:04:05Z'));

function makeParams(scale: number): ModelParam[] {
  const v = (name: string, shape: number[]) =>
    tf.variable(tf.tidy(() => tf.mul(tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1)), shape), scale)), true, `${name}-${scale}-${Math.random()}`);
  return [
    { name: 'embed.kernel', kind: 'embedding', variable: v('embed', [12, 8]) },
    { name: 'blocks.0.attn.qkv.kernel', kind: 'matrix', variable: v('qkv', [8, 24]) },
    { name: 'blocks.0.ln1.gain', kind: 'norm-gain', variable: v('gain', [8]) },
  ];
}

function disposeParams(params: readonly ModelParam[]): void {
  for (const p of params) p.variable.dispose();
}

function makeState(params: readonly ModelParam[]): Map<string, Tensor> {
  const state = new Map<string, Tensor>();
  for (const p of params) {
    state.set(`${p.name}/m`, tf.fill(p.variable.shape, 0.25));
    state.set(`${p.name}/v`, tf.fill(p.variable.shape, NaN));
  }
  state.set('step', tf.scalar(1234, 'int32'));
  return state;
}

before(async () => {
  await initBackend('cpu');
});

test('checkpoint metadata encodes to strings and decodes back', () => {
  const raw = encodeCheckpointMetadata(META);
  for (const v of Object.values(raw)) assert.equal(typeof v, 'string');
  assert.equal(raw.step, '1234');
  assert.deepEqual(JSON.parse(raw.runConfig as string), RUN);
  assert.deepEqual(decodeCheckpointMetadata(raw), META);
});

test('decodeCheckpointMetadata names the problem', () => {
  const raw = encodeCheckpointMetadata(META);
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /f\.st: not an Attention Lab checkpoint \(its metadata has no "format" key — it has no metadata at all\)/],
    [{ format: 'pt' }, /not an Attention Lab checkpoint \(metadata format is "pt"/],
    [{ ...raw, formatVersion: '2' }, /format version "2" is not supported.*newer Attention Lab/],
    [{ ...raw, step: '-1' }, /"step" must be a non-negative integer/],
    [{ ...raw, step: '1.5' }, /"step" must be a non-negative integer/],
    [{ ...raw, runConfig: '{' }, /"runConfig" is not valid JSON/],
    [{ ...raw, runConfig: JSON.stringify({ ...RUN, model: undefined }) }, /"runConfig" has no "model" object/],
    [{ ...raw, optimizer: 'lion' }, /"optimizer" is "lion" but runConfig.optimizer.name is "adamw"/],
    [{ ...raw, optimizer: 'rmsprop' }, /"optimizer" "rmsprop" is not one of adamw, lion, tiger, sgd/],
    [{ ...raw, backend: 'gpu' }, /"backend" "gpu" is not one of/],
    [{ ...raw, createdAt: 'yesterday' }, /"createdAt" "yesterday" is not a date/],
    [{ ...raw, versions: '[1]' }, /"versions" must be a JSON object of strings/],
    [Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'backend')), /metadata key "backend" is missing/],
  ];
  for (const [input, pattern] of cases) {
    assert.throws(() => decodeCheckpointMetadata(input, 'f.st'), (err: Error) => err instanceof CheckpointError && pattern.test(err.message), String(pattern));
  }
});

test('save → load → restore gives back parameters, optimizer state and metadata, without leaking tensors', async () => {
  const { dir, cleanup } = tempDir();
  const params = makeParams(0.5);
  const state = makeState(params);
  const target = makeParams(-1);
  try {
    const file = path.join(dir, 'step-1234.safetensors');
    const tensorsBefore = tf.memory().numTensors;
    await saveCheckpoint(file, { params, optimizerState: state, metadata: META });
    assert.deepEqual(fs.readdirSync(dir), ['step-1234.safetensors']);

    // The file layout: parameters under their names (F32), state under optimizer/ (F32, int32 as I32).
    const st = await openSafetensors(file);
    assert.deepEqual(st.tensors.map((t) => `${t.name}:${t.dtype}`), [
      'embed.kernel:F32', 'blocks.0.attn.qkv.kernel:F32', 'blocks.0.ln1.gain:F32',
      'optimizer/embed.kernel/m:F32', 'optimizer/embed.kernel/v:F32', 'optimizer/blocks.0.attn.qkv.kernel/m:F32',
      'optimizer/blocks.0.attn.qkv.kernel/v:F32', 'optimizer/blocks.0.ln1.gain/m:F32', 'optimizer/blocks.0.ln1.gain/v:F32', 'optimizer/step:I32',
    ]);
    assert.equal(st.metadata.format, 'attention-lab-checkpoint');
    await st.close();

    const loaded = await loadCheckpoint(file);
    assert.deepEqual(loaded.metadata, META);
    assert.deepEqual([...loaded.params.keys()], params.map((p) => p.name));
    assert.deepEqual(loaded.optimizerState.get('step'), { shape: [], dtype: 'int32', data: new Int32Array([1234]) });
    assert.ok(Number.isNaN(loaded.optimizerState.get('embed.kernel/v')?.data[0]));

    restoreInto(loaded, target);
    for (let i = 0; i < params.length; i++) {
      const want = (params[i] as ModelParam).variable;
      const got = (target[i] as ModelParam).variable;
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual(await got.data(), await want.data());
    }
    // The restored variables do not alias the loaded arrays.
    (loaded.params.get('blocks.0.ln1.gain') as { data: Float32Array }).data[1] = 99;
    assert.equal((await (target[2] as ModelParam).variable.data())[1], 0.5);

    const restoredState = optimizerStateTensors(loaded);
    assert.deepEqual([...restoredState.keys()], [...state.keys()]);
    for (const [slot, t] of state) {
      const r = restoredState.get(slot) as Tensor;
      assert.equal(r.dtype, t.dtype, slot);
      assert.deepEqual(r.shape, t.shape, slot);
      assert.deepEqual(await r.data(), await t.data(), slot);
    }
    for (const t of restoredState.values()) t.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore);
  } finally {
    disposeParams(params);
    disposeParams(target);
    for (const t of state.values()) t.dispose();
    cleanup();
  }
});

test('restoreInto refuses a checkpoint that does not fit, and changes nothing', async () => {
  const { dir, cleanup } = tempDir();
  const params = makeParams(1);
  try {
    const file = path.join(dir, 'c.safetensors');
    await saveCheckpoint(file, { params, optimizerState: new Map(), metadata: META });
    const loaded = await loadCheckpoint(file);

    const fewer = makeParams(2).slice(0, 2);
    const tensorsBefore = tf.memory().numTensors;
    assert.throws(() => restoreInto(loaded, fewer), /c\.safetensors: checkpoint does not fit the model.*tensor "blocks\.0\.ln1\.gain", which the model has no parameter for/);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.equal((await (fewer[0] as ModelParam).variable.data())[1], 2, 'unchanged');

    const extra: ModelParam[] = [...fewer, makeParams(3)[2] as ModelParam, { name: 'head.bias', kind: 'bias', variable: tf.variable(tf.zeros([12])) }];
    assert.throws(() => restoreInto(loaded, extra), /parameter "head\.bias" \[12\] is missing from the checkpoint/);

    const wrongShape: ModelParam[] = [{ name: 'embed.kernel', kind: 'embedding', variable: tf.variable(tf.zeros([12, 4])) }, ...fewer.slice(1), extra[2] as ModelParam];
    assert.throws(() => restoreInto(loaded, wrongShape), (err: Error) => err instanceof CheckpointError && /"embed\.kernel" has shape \[12, 8\] in the checkpoint but \[12, 4\] in the model/.test(err.message));
    assert.equal((await (wrongShape[1] as ModelParam).variable.data())[1], 2, 'unchanged');
    disposeParams([...extra, wrongShape[0] as ModelParam]);
  } finally {
    disposeParams(params);
    cleanup();
  }
});

test('loadCheckpoint rejects a safetensors file that is not an Attention Lab checkpoint', async () => {
  await assert.rejects(loadCheckpoint(fixturePath('python-dtypes.safetensors')), (err: Error) => err instanceof CheckpointError && /python-dtypes\.safetensors: not an Attention Lab checkpoint \(its metadata has no "format" key\)/.test(err.message));
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'ints.safetensors');
    await writeSafetensors(file, [{ name: 'w', dtype: 'I32', shape: [1], data: [1] }], encodeCheckpointMetadata(META));
    await assert.rejects(loadCheckpoint(file), /parameter "w" is I32; parameters must be floating point/);
  } finally {
    cleanup();
  }
});

test('saveCheckpoint checks its input before writing', async () => {
  const { dir, cleanup } = tempDir();
  const params = makeParams(1);
  try {
    const file = path.join(dir, 'c.safetensors');
    await assert.rejects(saveCheckpoint(file, { params, optimizerState: new Map(), metadata: { ...META, step: -1 } }), /"step" must be a non-negative integer/);
    const reserved: ModelParam[] = [{ name: 'optimizer/x', kind: 'bias', variable: params[0]?.variable as tf.Variable }];
    await assert.rejects(saveCheckpoint(file, { params: reserved, optimizerState: new Map(), metadata: META }), /reserved for optimizer state/);
    const disposed = tf.zeros([2]);
    disposed.dispose();
    await assert.rejects(saveCheckpoint(file, { params, optimizerState: new Map([['m', disposed]]), metadata: META }), /optimizer state "optimizer\/m": its tensor was disposed/);
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    disposeParams(params);
    cleanup();
  }
});

test('inspectFile groups model and optimizer tensors and formatInspectTable shows run, step and aligned columns', async () => {
  const { dir, cleanup } = tempDir();
  const params = makeParams(0.5);
  const state = makeState(params);
  try {
    const file = path.join(dir, 'step-1234.safetensors');
    await saveCheckpoint(file, { params, optimizerState: state, metadata: META });
    const report = await inspectFile(file);
    assert.equal(report.fileSize, fs.statSync(file).size);
    assert.equal(report.tensorCount, 10);
    assert.equal(report.parameterCount, 96 + 192 + 8);
    assert.equal(report.optimizerValueCount, 2 * (96 + 192 + 8) + 1);
    assert.deepEqual(report.checkpoint, META);
    assert.deepEqual(report.tensors.map((t) => t.group), ['model', 'model', 'model', ...Array<string>(7).fill('optimizer')]);
    const gain = report.tensors[2];
    // gain = 0.5 · [0, 1, …, 7]: mean 1.75, population std 0.5 · sqrt(5.25).
    assert.deepEqual([gain?.stats?.min, gain?.stats?.max, gain?.stats?.mean, gain?.stats?.zero], [0, 3.5, 1.75, 1]);
    assert.ok(Math.abs((gain?.stats?.std as number) - 0.5 * Math.sqrt(5.25)) < 1e-6);
    assert.equal(report.tensors[4]?.stats?.nan, 96);
    // JSON-ready: survives a round trip (NaN statistics become null).
    assert.equal(JSON.parse(JSON.stringify(report)).tensors[4].stats.mean, null);

    const table = formatInspectTable(report);
    const lines = table.trimEnd().split('\n');
    assert.equal(lines[0], file);
    assert.match(lines[1] as string, /^ {2}\d+\.\d KiB, 10 tensors, 296 parameters \(\+ 593 optimizer values\)$/);
    assert.match(table, /Attention Lab checkpoint: run recall-logn-adamw-s1, step 1,234, adamw, backend cpu, written 2025-01-02T03:04:05\.000Z/);
    assert.match(table, /2 layers, d_model 8, 2 heads/);
    const headerIndex = lines.findIndex((l) => l.startsWith('name '));
    const rows = lines.slice(headerIndex + 2);
    assert.equal(rows.length, 10);
    // Aligned: each column starts at the same offset on every line; numbers are right-aligned.
    const header = lines[headerIndex] as string;
    for (const row of rows) {
      assert.equal(row.indexOf(' F32 ') >= 0 || row.indexOf(' I32 ') >= 0, true, row);
      assert.equal(row.search(/ (F32|I32) /) + 1, header.indexOf('dtype'), row);
      assert.ok(row.length <= header.length + 0, `${row}\n${header}`);
    }
    assert.match(rows[4] as string, /optimizer\/embed\.kernel\/v +optimizer +F32 +\[12, 8\] +384 B +- +- +- +- +96 +0 +0$/);
    assert.match(rows[2] as string, /blocks\.0\.ln1\.gain +model +F32 +\[8\] +32 B +0 +3\.5 +1\.75 +1\.146 +0 +0 +1$/);
  } finally {
    disposeParams(params);
    for (const t of state.values()) t.dispose();
    cleanup();
  }
});

test('inspect works on any safetensors file and shows its metadata', async () => {
  const report = await inspectFile(fixturePath('python-dtypes.safetensors'));
  assert.equal(report.checkpoint, null);
  assert.equal(report.checkpointProblem, null);
  assert.equal(report.tensorCount, 12);
  const table = formatInspectTable(report);
  assert.match(table, /\n {2}metadata:\n(?: {4}.*\n)* {4}source: make_fixtures\.py\n/);
  assert.match(table, /\bf16 +model +F16 +\[10\] +20 B +-2 +65504 /);
  assert.match(table, /\bi64 +model +I64 +\[5\]/);
  assert.doesNotMatch(table, /Attention Lab checkpoint:/);
});
