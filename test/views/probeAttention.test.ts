import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { makeCheckpointMetadata } from '../../src/protocol/checkpoint';
import { saveCheckpoint } from '../../src/engine/checkpoint/checkpoint';
import { initBackend } from '../../src/engine/backend';
import { createModel } from '../../src/engine/model/transformer';
import { probeAttention, tokenizeProbeInput } from '../../src/backend/handlers/probeAttention';
import { quickConfigs, tempDir } from './fixtures';

const { dir, cleanup } = tempDir();
test.after(cleanup);

test('the probe runs the checkpoint model and returns causal attention rows that sum to 1', async () => {
  await initBackend('cpu');
  const config = quickConfigs()[0]!;
  const model = createModel(config.model, config.seed);
  const file = path.join(dir, 'step-0.safetensors');
  try {
    await saveCheckpoint(file, { metadata: makeCheckpointMetadata(config, 0, 'cpu', {}), params: model.params, optimizerState: new Map() });
  } finally {
    model.dispose();
  }
  const r = await probeAttention({ checkpoint: file, input: '3 1 2 |' });
  assert.deepEqual(r.tokens, ['3', '1', '2', '|']);
  assert.equal(r.patterns.length, config.model.layers);
  assert.equal(r.patterns[0]?.length, config.model.heads);
  assert.equal(r.predictions.length, 4);
  for (const layer of r.patterns) {
    for (const head of layer) {
      assert.equal(head.length, 16);
      for (let q = 0; q < 4; q++) {
        const row = head.slice(q * 4, q * 4 + 4);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3, `row ${q} sums to 1`);
        if (config.model.causal) for (let k = q + 1; k < 4; k++) assert.equal(row[k], 0, 'causal: no attention to later keys');
      }
    }
  }
  await assert.rejects(probeAttention({ checkpoint: file, input: '3 x' }), /token 2 "x" is not in the task's vocabulary/);
  // The σ slider: σ = 0 is the plain pass; σ > 0 moves the rows (reported per layer and head), the same draw every time.
  const zero = await probeAttention({ checkpoint: file, input: '3 1 2 |', sigma: 0 });
  assert.deepEqual(zero.patterns, r.patterns);
  assert.equal(zero.rowChange, undefined);
  const noisy = await probeAttention({ checkpoint: file, input: '3 1 2 |', sigma: 2 });
  assert.equal(noisy.sigma, 2);
  assert.notDeepEqual(noisy.patterns, r.patterns);
  assert.equal(noisy.rowChange?.length, config.model.layers);
  assert.ok(noisy.rowChange?.every((layer) => layer.length === config.model.heads && layer.every((c) => c > 0 && c <= 1)));
  assert.deepEqual((await probeAttention({ checkpoint: file, input: '3 1 2 |', sigma: 2 })).patterns, noisy.patterns, 'one fixed draw');
});

test('tokenizing names the bad token and refuses an empty input', () => {
  assert.deepEqual(tokenizeProbeInput(' a  b ', ['a', 'b']), [0, 1]);
  assert.throws(() => tokenizeProbeInput('   ', ['a']), /at least one token/);
});
