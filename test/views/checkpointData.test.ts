import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors, SafetensorsError } from '../../src/core/checkpoint/safetensors';
import { diffCheckpoints, downsampleMatrix, headerView, tensorDetail, tensorStatsOf } from '../../src/extension/views/inspector/checkpointData';
import { quickConfigs, tempDir, writeCheckpoint } from './fixtures';

const { dir, cleanup } = tempDir();
test.after(cleanup);
const config = quickConfigs()[0]!;

test('the header view lists tensors with groups and shapes, decodes the checkpoint and its vocabulary, reads no data', async () => {
  const file = path.join(dir, 'a.safetensors');
  await writeCheckpoint(file, config);
  const st = await openSafetensors(file);
  try {
    const h = headerView(st);
    assert.equal(h.fileName, 'a.safetensors');
    assert.deepEqual(
      h.tensors.map((t) => [t.name, t.group, t.shape, t.stats]),
      [
        ['embed.token', 'model', [300, 5], null],
        ['lnf.gain', 'model', [4], null],
        ['optimizer/embed.token/m', 'optimizer', [300, 5], null],
      ],
    );
    assert.equal(h.checkpoint?.step, 10);
    assert.equal(h.checkpoint?.runConfig.id, config.id);
    assert.equal(h.checkpointProblem, null);
    assert.deepEqual(h.vocab.slice(0, 4), ['<pad>', '|', '<eos>', '_']);
    assert.ok(h.vocab.includes('3'));
  } finally {
    await st.close();
  }
});

test('statistics count NaN and zeros and leave them out of min/max (null when there is no finite value)', async () => {
  const file = path.join(dir, 'a.safetensors');
  const st = await openSafetensors(file);
  try {
    const s = await tensorStatsOf(st, 'lnf.gain');
    assert.deepEqual(s, { count: 4, min: 0, max: 2, mean: 1, std: Math.sqrt(2 / 3), nan: 1, inf: 0, zero: 1 });
    const detail = await tensorDetail(st, 'lnf.gain');
    assert.equal(detail.heatmap, null, '1-D: no heatmap');
    assert.equal(detail.histogram.counts.reduce((a, b) => a + b, 0), 3);
    assert.equal(detail.histogram.skipped, 1);
    await assert.rejects(tensorDetail(st, 'nope'), /no tensor named "nope"/);
  } finally {
    await st.close();
  }
});

test('a 2-D tensor gets a heatmap of its values, block-averaged above 256 rows', async () => {
  const st = await openSafetensors(path.join(dir, 'a.safetensors'));
  try {
    const d = await tensorDetail(st, 'embed.token');
    assert.ok(d.heatmap);
    assert.equal(d.heatmap.rowStep, 2);
    assert.equal(d.heatmap.colStep, 1);
    assert.equal(d.heatmap.rows, 150);
    assert.equal(d.heatmap.cols, 5);
    // cell (0, 3) averages source rows 0 and 1 of column 3: (3 + 0) and (3 + 0.001).
    assert.ok(Math.abs((d.heatmap.values[3] as number) - 3.0005) < 1e-6);
  } finally {
    await st.close();
  }
});

test('downsampleMatrix keeps small matrices as they are and nulls all-NaN blocks', () => {
  const m = downsampleMatrix([1, 2, 3, 4], 2, 2);
  assert.deepEqual(m, { rows: 2, cols: 2, rowStep: 1, colStep: 1, values: [1, 2, 3, 4] });
  const n = downsampleMatrix([NaN, NaN, 1, 3], 2, 2, 1);
  assert.deepEqual(n.values, [2]);
  assert.deepEqual(downsampleMatrix([NaN, Infinity], 1, 2, 1).values, [null]);
});

test('the diff of two checkpoints gives per-tensor differences and names what only one file has', async () => {
  const a = path.join(dir, 'a.safetensors');
  const b = path.join(dir, 'b.safetensors');
  await writeCheckpoint(b, config, 2);
  const diff = await diffCheckpoints(a, b);
  const embed = diff.rows.find((r) => r.name === 'embed.token');
  assert.equal(embed?.status, 'both');
  // b − a = (i mod 5) at every element: max 4, mean 2.
  assert.ok(Math.abs((embed?.maxAbsDiff as number) - 4) < 1e-5);
  assert.ok(Math.abs((embed?.meanAbsDiff as number) - 2) < 1e-5);
  const slot = diff.rows.find((r) => r.name === 'optimizer/embed.token/m');
  assert.equal(slot?.relativeChange, null, '‖a‖ = 0');
  const same = await diffCheckpoints(a, a);
  assert.ok(same.rows.every((r) => r.maxAbsDiff === 0));
});

test('a malformed file fails to open with a SafetensorsError naming the file', async () => {
  const bad = path.join(dir, 'bad.safetensors');
  fs.writeFileSync(bad, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
  await assert.rejects(openSafetensors(bad), (err: unknown) => err instanceof SafetensorsError && err.message.includes('bad.safetensors'));
});
