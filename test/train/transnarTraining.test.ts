/**
 * TransNAR in training (docs/science.md §5): a pretrained NAR checkpoint round-trips, stays frozen
 * while the Transformer trains (its tensors and its file unchanged), is refused with one clear line
 * when missing, of another algorithm or of mismatched dimensions, and nothing is written then.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { tempDir } from '../integration/helpers';
import { tf } from '../../src/engine/tf';
import { expandGrid } from '../../src/core/experiment/grid';
import { validateSpec } from '../../src/core/experiment/validateSpec';
import { resumeRun, runExperiment } from '../../src/engine/experiment/runner';
import { Trainer } from '../../src/engine/train/trainer';
import { pretrainNar } from '../../src/engine/nar/pretrainNar';
import { readLinkedNar, readNar, saveNar } from '../../src/engine/nar/narCheckpoint';
import { readNarHeaderSync } from '../../src/core/nar/narHeader';
import { createNar } from '../../src/engine/nar/narModel';
import { NAR_PRETRAIN_DEFAULTS } from '../../src/core/nar/narSpec';
import { openSafetensors, writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { formatInspectTable, inspectFile } from '../../src/core/checkpoint/inspect';
import type { NarTrainConfig } from '../../src/protocol/nar';
import type { ExperimentSpec } from '../../src/protocol/spec';

before(async () => {
  await useTestBackend(primaryTestBackend('wasm'));
});

const TRAIN: NarTrainConfig = { hidden: 8, steps: 20, batchSize: 8, lr: 3e-3, trainLengths: [4, 5], evalLengths: [5, 7], hintWeight: 1, seed: 3, taskOptions: { values: 100, edgePercent: 50 } };

/** A small pretrained BFS NAR in `dir`. */
async function pretrained(dir: string, algorithm: 'bfs' | 'minimum' = 'bfs', hidden = 8): Promise<string> {
  const file = path.join(dir, `${algorithm}-${hidden}.safetensors`);
  if (!fs.existsSync(file)) {
    const evaluation = await pretrainNar(algorithm, { ...TRAIN, hidden }, file);
    assert.ok(evaluation && evaluation.length === 2);
  }
  return file;
}

function spec(checkpoint: string, overrides: Partial<ExperimentSpec> = {}): ExperimentSpec {
  return {
    name: 'tn',
    tasks: [{ name: 'bfs', trainLengths: [4, 5], evalLengths: [5] }],
    models: [{ label: 'tn', layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope', nar: { checkpoint, layers: [1] } }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 3e-3 }],
    seeds: [1],
    train: { steps: 6, batchSize: 4, evalExamples: 4, evalEvery: 3, logEvery: 1 },
    ...overrides,
  };
}

const sha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('a pretrained NAR checkpoint round-trips with its config, training and scores', async () => {
  const dir = tempDir('nar');
  const file = await pretrained(dir);
  const header = readNarHeaderSync(file);
  assert.deepEqual(header.nar, { algorithm: 'bfs', hidden: 8 });
  assert.deepEqual(header.train, { ...TRAIN });
  assert.deepEqual(header.eval.map((e) => e.length), [5, 7]);
  for (const e of header.eval) assert.ok(e.accuracy >= 0 && e.accuracy <= 1 && e.exact >= 0 && e.exact <= e.accuracy + 1e-9);
  const weights = await readNar(file);
  const nar = createNar({ algorithm: 'bfs', hidden: 8 }, 99);
  await saveNar(path.join(dir, 'again.safetensors'), { ...nar, params: nar.params.map((p) => ({ ...p, variable: tf.variable(tf.tensor(weights.tensors.get(p.name) as Float32Array, p.variable.shape), false) })) }, {
    train: TRAIN,
    eval: header.eval,
    createdAt: header.createdAt,
  });
  assert.equal(sha(path.join(dir, 'again.safetensors')), sha(file), 'the same tensors and metadata give the same bytes');
  nar.dispose();
  // `attention-lab inspect` names the NAR and groups its tensors.
  const report = await inspectFile(file);
  assert.deepEqual(report.nar?.nar, { algorithm: 'bfs', hidden: 8 });
  assert.deepEqual([...new Set(report.tensors.map((t) => t.group))].sort(), ['nar-decoders', 'nar-encoders', 'nar-processor']);
  assert.equal(report.parameterCount, [...weights.tensors.values()].reduce((n, t) => n + t.length, 0));
  const table = formatInspectTable(report);
  assert.match(table, /NAR checkpoint: bfs, hidden 8, pretrained 20 steps on sizes 4, 5/);
  assert.match(table, /processor\.msg\.mlp\.kernel\s+nar-processor/);
});

test("a frozen NAR's tensors are unchanged after training, and only the Transformer's parameters move", async () => {
  const dir = tempDir('frozen');
  const file = await pretrained(dir);
  const [config] = expandGrid(spec(file));
  assert.ok(config?.model.nar);
  assert.equal(config.model.nar.checkpoint, path.join('..', 'nar', 'bfs-tn.safetensors'), "the experiment's own copy, beside the run folders");
  const weights = await readLinkedNar({ ...config.model.nar, checkpoint: file }, dir);
  const before = sha(file);
  const t = new Trainer(config, weights);
  const nar = t.model.nar;
  assert.ok(nar);
  assert.ok(!t.model.params.some((p) => nar.params.some((q) => q.variable === p.variable)), "the optimizer is never given the NAR's tensors");
  assert.ok(nar.params.every((p) => !p.variable.trainable), 'the NAR is frozen');
  const gate = t.model.params.find((p) => p.name === 'blocks.1.xattn.gate');
  const gate0 = gate?.variable.dataSync()[0];
  for (let i = 0; i < 6; i++) t.trainStep(true);
  for (const p of nar.params) {
    assert.deepEqual(p.variable.dataSync(), weights.tensors.get(p.name), `${p.name} moved`);
  }
  assert.notEqual(gate?.variable.dataSync()[0], gate0, 'the gate trains');
  const results = t.evaluate();
  assert.equal(results.length, 1);
  t.dispose();
  assert.equal(sha(file), before, 'the checkpoint file is untouched');
});

test('a whole TransNAR experiment: a NAR pretrained into the experiment, a named one copied, runs with and without them', async () => {
  const out = tempDir('tn-run');
  const given = await pretrained(tempDir('tn-given'));
  const givenHash = sha(given);
  const s = spec('pretrain', {
    models: [
      { label: 'base', layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope', randomizePositions: true },
      { label: 'tn', layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope', randomizePositions: true, nar: { checkpoint: 'pretrain', layers: [0, 1] } },
      { label: 'given', layers: 2, dModel: 16, heads: 2, dFf: 32, position: 'rope', nar: { checkpoint: given, layers: [1] } },
    ],
    narPretraining: { steps: 10, hidden: 8, batchSize: 8 },
  });
  assert.ok(validateSpec(s).ok);
  const events: string[] = [];
  const outcome = await runExperiment(s, out, { backend: 'wasm', parallel: 2, onEvent: (e) => events.push(e.type === 'run/progress' ? `progress ${e.runId}` : e.type) });
  assert.deepEqual(outcome.runs.map((r) => [r.id, r.status, r.error]), [
    ['bfs-base-standard-adamw-s1', 'completed', null],
    ['bfs-tn-standard-adamw-s1', 'completed', null],
    ['bfs-given-standard-adamw-s1', 'completed', null],
  ]);
  const copy = path.join(outcome.dir, 'nar', 'bfs-given.safetensors');
  assert.equal(sha(copy), givenHash, 'a named NAR is copied into the experiment as it is');
  assert.equal(sha(given), givenHash, 'and the file is left untouched by training');
  const narFile = path.join(outcome.dir, 'nar', 'bfs.safetensors');
  const header = readNarHeaderSync(narFile);
  assert.deepEqual(header.nar, { algorithm: 'bfs', hidden: 8 });
  assert.equal(header.train.steps, 10);
  assert.deepEqual(header.train.trainLengths, [4, 5], "the task's training sizes by default");
  assert.ok(events.includes('nar/end') && events.indexOf('nar/end') < events.indexOf('progress bfs-tn-standard-adamw-s1'), 'the NAR is pretrained before the runs that read it');
  const run = JSON.parse(fs.readFileSync(path.join(outcome.dir, 'bfs-tn-standard-adamw-s1', 'run.json'), 'utf8')) as { config: { model: { nar: { checkpoint: string; hidden: number; source: { kind: string } } } } };
  assert.equal(run.config.model.nar.checkpoint, path.join('..', 'nar', 'bfs.safetensors'));
  assert.equal(run.config.model.nar.source.kind, 'pretrain');
  const analysis = JSON.parse(fs.readFileSync(path.join(outcome.dir, 'bfs-tn-standard-adamw-s1', 'analysis.json'), 'utf8')) as {
    crossAttention: { heads: string[]; nodes: number[]; answerNormalized: { values: (number | null)[][] }; gates: number[] };
    patterns: { inputs: { cross?: { nodes: string[]; probabilities: number[][][][] } }[] };
  };
  assert.deepEqual(analysis.crossAttention.heads, ['X0.H0', 'X0.H1', 'X1.H0', 'X1.H1']);
  assert.deepEqual(analysis.crossAttention.nodes, [5]);
  for (const v of analysis.crossAttention.answerNormalized.values.flat()) assert.ok(v !== null && v > 0 && v <= 1 + 1e-9);
  assert.equal(analysis.crossAttention.gates.length, 2);
  assert.deepEqual(analysis.patterns.inputs[0]?.cross?.nodes, ['0', '1', '2', '3', '4']);
  const summary = JSON.parse(fs.readFileSync(path.join(outcome.dir, 'summary.json'), 'utf8')) as { clrs: unknown; transnar: { nar: string; plain: string; seeds: number[] }[] };
  assert.ok(summary.clrs, 'CLRS scores with intervals');
  assert.deepEqual(summary.transnar.map((t) => [t.nar, t.plain, t.seeds]), [['bfs-tn-standard-adamw', 'bfs-base-standard-adamw', [1]]], 'the TransNAR group against its plain twin');
  const baseAnalysis = JSON.parse(fs.readFileSync(path.join(outcome.dir, 'bfs-base-standard-adamw-s1', 'analysis.json'), 'utf8')) as { crossAttention: unknown };
  assert.equal(baseAnalysis.crossAttention, null);
});

test('a missing, foreign, mismatched or wrong-algorithm NAR checkpoint: one clear line naming the field, nothing written', async () => {
  const dir = tempDir('bad-nar');
  const good = await pretrained(dir);
  const minimum = await pretrained(dir, 'minimum');
  // A file whose tensors do not fit its own config: the processor's matrices of a hidden-4 NAR under a hidden-8 header.
  const weights = await readNar(good);
  const st = await openSafetensors(good);
  const metadata = { ...st.metadata };
  const shapes = new Map(st.tensors.map((t) => [t.name, t.shape]));
  await st.close();
  const mismatched = path.join(dir, 'mismatched.safetensors');
  const small = createNar({ algorithm: 'bfs', hidden: 4 }, 1);
  await writeSafetensors(
    mismatched,
    [...weights.tensors].map(([name, data]) => {
      const p = small.params.find((q) => q.name === name);
      return p && name.startsWith('processor.')
        ? { name, dtype: 'F32' as const, shape: p.variable.shape, data: p.variable.dataSync() as Float32Array }
        : { name, dtype: 'F32' as const, shape: shapes.get(name) as number[], data };
    }),
    metadata,
  );
  small.dispose();
  const notNar = path.join(dir, 'plain.safetensors');
  await writeSafetensors(notNar, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
  const cases: [ExperimentSpec, string, RegExp][] = [
    [spec(path.join(dir, 'absent.safetensors')), '$.models[0].nar.checkpoint', /absent\.safetensors does not exist/],
    [spec(minimum), '$.models[0].nar.checkpoint', /is a NAR for minimum; \$\.tasks\[0\] \("bfs"\) needs one for bfs/],
    [spec(mismatched), '$.models[0].nar.checkpoint', /tensor "processor\.[a-z.]+" has shape \[\d+(, \d+)?\] but a NAR with hidden 8 needs \[\d+(, \d+)?\] \(mismatched dimensions\)/],
    [spec(notNar), '$.models[0].nar.checkpoint', /not a NAR checkpoint/],
    [spec('pretrain', { tasks: [{ name: 'sort', trainLengths: [4] }] }), '$.models[0].nar', /a NAR reads the graph of a CLRS-Text task .*; \$\.tasks\[0\] is "sort"/],
    [spec(good, { models: [{ label: 'tn', layers: 2, nar: { checkpoint: good, layers: [2] } }] }), '$.models[0].nar.layers[0]', /expected an integer from 0 to 1/],
  ];
  for (const [s, where, message] of cases) {
    const checked = validateSpec(s);
    assert.ok(!checked.ok, where);
    assert.equal(checked.errors.length, 1, JSON.stringify(checked.errors));
    assert.equal(checked.errors[0]?.path, where);
    assert.match(checked.errors[0]?.message ?? '', message);
    assert.ok(!(checked.errors[0]?.message ?? '').includes('\n'), 'one line');
    const out = path.join(dir, 'out');
    await assert.rejects(runExperiment(s, out, { backend: 'wasm', parallel: 1 }), message);
    assert.ok(!fs.existsSync(out), 'nothing is written');
  }
  // A run folder whose NAR changed after the run was made: refused when it loads, naming both sizes.
  const [config] = expandGrid(spec(good));
  assert.ok(config?.model.nar);
  await assert.rejects(readLinkedNar({ ...config.model.nar, checkpoint: mismatched }, dir), /mismatched dimensions/);
  await assert.rejects(readLinkedNar({ ...config.model.nar, checkpoint: await pretrained(dir, 'bfs', 4) }, dir), /has hidden 4; the model was built for a NAR with hidden 8 \(mismatched dimensions\)/);
  await assert.rejects(readLinkedNar({ ...config.model.nar, checkpoint: minimum }, dir), /is a NAR for minimum; the model was built for a bfs NAR/);
});

test('a TransNAR run stopped before its NAR was pretrained makes the NAR when it is resumed', async () => {
  const out = tempDir('tn-resume');
  const s = spec('pretrain', { narPretraining: { steps: 5, hidden: 8, batchSize: 4 } });
  const stop = new AbortController();
  stop.abort(); // stopped before anything ran
  const first = await runExperiment(s, out, { backend: 'wasm', parallel: 1, signal: stop.signal });
  const runDir = (first.runs[0] as { runDir: string }).runDir;
  assert.equal(first.runs[0]?.status, 'cancelled');
  assert.ok(!fs.existsSync(path.join(first.dir, 'nar', 'bfs.safetensors')), 'a stopped pretraining writes nothing');
  const again = await resumeRun(runDir, { backend: 'wasm' });
  assert.deepEqual(again.runs.map((r) => [r.status, r.error]), [['completed', null]]);
  assert.deepEqual(readNarHeaderSync(path.join(first.dir, 'nar', 'bfs.safetensors')).train.steps, 5);
});

test('NAR pretraining defaults are what the spec documents', () => {
  assert.deepEqual({ ...NAR_PRETRAIN_DEFAULTS }, { hidden: 64, steps: 500, batchSize: 32, lr: 3e-3, hintWeight: 1, seed: 1 });
});
