/**
 * TransNAR in the views and reports: the inspector groups a NAR checkpoint's tensors (and a
 * TransNAR model's cross-attention), the probe rebuilds the graph from a typed CLRS-Text prompt
 * and returns the cross-attention with node labels, the dashboard's with/without-NAR table and the
 * summary's paired differences.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';
import { saveCheckpoint } from '../../src/engine/checkpoint/checkpoint';
import { expandGrid } from '../../src/core/experiment/grid';
import { createModel } from '../../src/engine/model/transformer';
import { buildNar, readNar, saveNar } from '../../src/engine/nar/narCheckpoint';
import { createNar } from '../../src/engine/nar/narModel';
import { createTask } from '../../src/core/tasks';
import type { ClrsTextTask } from '../../src/core/tasks/clrs/clrsTask';
import { Rng } from '../../src/core/random';
import { summarizeRuns, transnarComparisons, type RunData } from '../../src/core/analysis/summarizeExperiment';
import { probeAttention } from '../../src/backend/handlers/probeAttention';
import { headerView, tensorGroup } from '../../src/extension/views/inspector/checkpointData';
import { narComparisonTable } from '../../webview/dashboard/shapeData';
import { makeCheckpointMetadata } from '../../src/protocol/checkpoint';
import type { RunConfig, TaskName } from '../../src/protocol/config';
import type { EvalResult, RunFile } from '../../src/protocol/runFolder';
import type { RunSnapshot } from '../../src/protocol/viewData';
import { formatSummary } from '../../src/cli/reportCommand';
import { tempDir } from './fixtures';

const { dir, cleanup } = tempDir();
test.after(cleanup);

const TRAIN = { hidden: 6, steps: 1, batchSize: 1, lr: 1e-3, trainLengths: [3], evalLengths: [3], hintWeight: 1, seed: 1, taskOptions: {} };

async function narFile(): Promise<string> {
  const file = path.join(dir, 'bfs.safetensors');
  const nar = createNar({ algorithm: 'bfs', hidden: 6 }, 2);
  await saveNar(file, nar, { train: TRAIN, eval: [{ length: 3, accuracy: 0.5, exact: 0.25 }], createdAt: '2026-01-01T00:00:00Z' });
  nar.dispose();
  return file;
}

function transnarConfig(checkpoint: string): RunConfig {
  const [config] = expandGrid({
    name: 'x',
    tasks: [{ name: 'bfs', trainLengths: [3], evalLengths: [3, 4] }],
    models: [{ label: 'tn', layers: 2, dModel: 8, heads: 2, dFf: 8, position: 'rope', nar: { checkpoint, layers: [1] } }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-3 }],
    seeds: [1],
  });
  assert.ok(config);
  return config;
}

test("the inspector groups a NAR checkpoint's tensors into encoders, processor and decoders, and a TransNAR model's cross-attention apart", async () => {
  await initBackend('cpu');
  const file = await narFile();
  const st = await openSafetensors(file);
  try {
    const h = headerView(st);
    assert.deepEqual(h.nar?.nar, { algorithm: 'bfs', hidden: 6 });
    assert.equal(h.checkpointProblem, null);
    const groups = new Map<string, string[]>();
    for (const t of h.tensors) groups.set(t.group, [...(groups.get(t.group) ?? []), t.name]);
    assert.deepEqual([...groups.keys()].sort(), ['nar-decoders', 'nar-encoders', 'nar-processor']);
    assert.deepEqual(groups.get('nar-encoders')?.sort(), ['encoders.A.bias', 'encoders.A.kernel', 'encoders.pos.bias', 'encoders.pos.kernel', 'encoders.s.bias', 'encoders.s.kernel']);
    assert.ok(groups.get('nar-processor')?.includes('processor.msg.mlp.kernel'));
    assert.ok(groups.get('nar-decoders')?.includes('decoders.output.pi.out.kernel'));
    assert.ok(groups.get('nar-decoders')?.includes('decoders.hint.reach_h.kernel'));
  } finally {
    await st.close();
  }
  assert.equal(tensorGroup('blocks.1.xattn.kv.kernel', false), 'cross-attention');
  assert.equal(tensorGroup('blocks.1.attn.qkv.kernel', false), 'model');
  assert.equal(tensorGroup('optimizer/blocks.1.xattn.gate/m', false), 'optimizer');
  assert.equal(tensorGroup('encoders.key.kernel', false), 'model', 'outside a NAR checkpoint the names mean nothing special');
});

test('the probe of a TransNAR checkpoint reads the graph from the typed prompt and returns its cross-attention with node labels', async () => {
  await initBackend('cpu');
  const nf = await narFile();
  const config = transnarConfig(nf);
  // The run folder's layout: the NAR where the run's link points (../nar/bfs-tn.safetensors).
  const runDir = path.join(dir, 'exp', config.id);
  const linked = path.resolve(runDir, config.model.nar?.checkpoint ?? '');
  const { promises: fsp } = await import('node:fs');
  await fsp.mkdir(path.dirname(linked), { recursive: true });
  await fsp.copyFile(nf, linked);
  const nar = buildNar(await readNar(nf));
  const model = createModel(config.model, config.seed, { nar });
  const file = path.join(runDir, 'checkpoints', 'step-0.safetensors');
  await fsp.mkdir(path.dirname(file), { recursive: true });
  try {
    await saveCheckpoint(file, { metadata: makeCheckpointMetadata(config, 0, 'cpu', {}), params: model.params, optimizerState: new Map() });
  } finally {
    model.dispose();
  }
  const input = 'bfs : ⏎ s : 2 , A : [ [ 1 1 0 ] , [ 1 0 0 ] , [ 0 0 0 ] ] ⏎ pi : ⏎ | [ 0';
  const r = await probeAttention({ checkpoint: file, input });
  assert.ok(r.cross);
  assert.deepEqual(r.cross.blocks, [1]);
  assert.deepEqual(r.cross.nodes, ['0', '1', '2']);
  const T = r.tokens.length;
  assert.equal(r.cross.patterns[0]?.length, 2, 'one pattern per head');
  const head = r.cross.patterns[0]?.[0] ?? [];
  assert.equal(head.length, T * 3);
  for (let q = 0; q < T; q++) assert.ok(Math.abs(head.slice(q * 3, q * 3 + 3).reduce((a, b) => a + b, 0) - 1) < 1e-3, `row ${q} sums to 1 over the nodes`);
  await assert.rejects(probeAttention({ checkpoint: file, input: 'bfs : ⏎ s : 0 ⏎ pi : ⏎' }), /no "A:" field/);
  await assert.rejects(probeAttention({ checkpoint: file, input: 'bfs : ⏎ s : 5 , A : [ [ 0 1 ] , [ 1 0 ] ] ⏎ pi : ⏎' }), /s = 5 is not a node of 2/);
});

test('a CLRS-Text prompt reads back as the instance it was written from, for every task', () => {
  for (const name of ['insertion-sort', 'minimum', 'binary-search', 'bfs'] as TaskName[]) {
    const task = createTask({ name, trainLengths: [5], evalLengths: [5, 11], options: {} }) as ClrsTextTask;
    const rng = new Rng(4);
    for (const n of [5, 11]) {
      const ex = task.example(rng, n);
      const back = task.instanceFromTokens([...ex.prompt, 1, ...ex.answer]);
      assert.deepEqual(back, ex.graph, `${name} n=${n}`);
    }
  }
  const t = createTask({ name: 'binary-search', trainLengths: [3], evalLengths: [3], options: { values: 10 } }) as ClrsTextTask;
  assert.throws(() => t.instanceFromTokens(t.example(new Rng(1), 3).prompt.map((x) => (x === t.vocab.indexOf('binary_search') ? t.vocab.indexOf('minimum') : x))), /a prompt starts with "binary_search:"/);
});

/** A finished run's data with the given CLRS score at n = 8 and 12 (shape 1 when the score is > 0). */
function runData(config: RunConfig, seed: number, clrs8: number, clrs12: number, nar: boolean): RunData {
  const id = `${config.id.replace(/-s\d+$/, '')}-s${seed}`;
  const ev = (length: number, clrs: number): EvalResult => ({ length, tokens: 30, loss: 1 - clrs, exact: clrs > 0.9 ? 1 : 0, tokenAccuracy: clrs, shape: clrs > 0 ? 1 : 0, parse: 1, clrs });
  const run = {
    version: 1,
    id,
    experiment: 'e',
    config: { ...config, id, seed, model: { ...config.model, nar: nar ? config.model.nar : null } },
    status: 'completed',
    backend: 'cpu',
    parameters: 1,
    optimizerStateBytes: 1,
    step: 10,
    timings: { createdAt: '', startedAt: '', endedAt: '', trainSeconds: 1, evalSeconds: 1 },
    lastCheckpoint: null,
    error: null,
    final: [ev(8, clrs8), ev(12, clrs12)],
    versions: {},
  } as RunFile;
  return { run, metrics: [], analysis: null };
}

test('summary and dashboard: TransNAR against its plain twin, paired by seed, with 95 % intervals', async () => {
  const nf = await narFile();
  const [base] = expandGrid({
    name: 'x',
    tasks: [{ name: 'bfs', trainLengths: [4, 8], evalLengths: [8, 12] }],
    models: [{ label: 'tn', layers: 2, dModel: 8, heads: 2, dFf: 8, position: 'rope', nar: { checkpoint: nf, layers: [1] } }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-3 }],
    seeds: [1],
  });
  assert.ok(base);
  const plainCfg = { ...base, id: base.id.replace('-tn-', '-plain-') };
  // Paired differences at n = 12: 0.3, 0.4, 0.5 → mean 0.4, sd 0.1, t(2) = 4.303 → ± 0.248.
  const data = [
    runData(base, 1, 0.9, 0.5, true),
    runData(base, 2, 0.9, 0.6, true),
    runData(base, 3, 0.9, 0.7, true),
    runData(plainCfg, 1, 0.8, 0.2, false),
    runData(plainCfg, 2, 0.9, 0.2, false),
    runData(plainCfg, 3, 1.0, 0.2, false),
  ];
  const cmp = transnarComparisons(data);
  assert.equal(cmp?.length, 1);
  const c = cmp?.[0];
  assert.equal(c?.nar, 'bfs-tn-standard-adamw');
  assert.equal(c?.plain, 'bfs-plain-standard-adamw');
  assert.deepEqual(c?.seeds, [1, 2, 3]);
  const at12 = c?.rows.find((r) => r.length === 12);
  assert.equal(at12?.beyondTraining, true);
  assert.ok(Math.abs((at12?.diff.clrs.mean ?? NaN) - 0.4) < 1e-9);
  assert.ok(Math.abs((at12?.diff.clrs.halfWidth ?? NaN) - (4.302653 * 0.1) / Math.sqrt(3)) < 1e-4);
  const at8 = c?.rows.find((r) => r.length === 8);
  assert.ok(Math.abs(at8?.diff.clrs.mean ?? NaN) < 1e-9, 'no effect in training range');
  const summary = summarizeRuns('e', data);
  assert.ok(summary.clrs);
  assert.equal(summary.transnar?.length, 1);
  const text = formatSummary(summary);
  assert.match(text, /TransNAR: with the NAR − without/);
  assert.match(text, /\| 12\* \| 0\.20 ± 0\.00 \| 0\.60 ± 0\.25 \| 0\.40 ± 0\.25 \|/);
  assert.match(text, /CLRS-Text scores of the greedy answers/);
  // The dashboard's table reads the same pairs from run snapshots.
  const snaps = data.map((d) => ({ run: d.run, metrics: [], analysis: null }) as unknown as RunSnapshot);
  const table = narComparisonTable(snaps, 'clrs');
  assert.ok(table);
  const row = table.rows.find((r) => r.length === 12);
  assert.equal(row?.seeds, 3);
  assert.ok(Math.abs((row?.diff as number) - 0.4) < 1e-9);
  assert.equal(narComparisonTable(snaps.slice(3), 'clrs'), null, 'no TransNAR run: no table');
});
