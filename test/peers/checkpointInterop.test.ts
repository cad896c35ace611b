/**
 * Checkpoint interop with PyTorch, both ways of the fixture: test/fixtures/peers/checkpoint-<name>.safetensors
 * were written by Attention Lab's CLI (bench/peers/checkpointFixture.ts); the Python harness
 * (bench/peers/make_fixtures.py) opened them with the `safetensors` package, loaded them into a
 * PyTorch module of the same architecture, asserted its logits equal the ones Attention Lab
 * recorded (.ours.json) and recorded its own (.torch.json). Here the current engine loads the
 * same file and must give PyTorch's logits, so a change to the model or the checkpoint format
 * that breaks compatibility with PyTorch (or with checkpoints already written) fails in CI.
 * Files written by Python's safetensors (every dtype) are read in test/checkpoint/interop.test.ts.
 *
 * Tolerance: 1e-4 absolute on logits of size ~1-5 (float32 both sides; measured ≤ 2e-7).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint, restoreInto } from '../../src/engine/checkpoint/checkpoint';
import { createModel } from '../../src/engine/model/transformer';
import { tf } from '../../src/engine/tf';
import { testBackends, useTestBackend } from '../backends/testBackend';
import { maxAbsDiff, peerFixturePath } from './peerFixture';

const TOLERANCE = 1e-4;
const NAMES = ['learned-standard-causal', 'rope-logn-bidirectional'];

interface Recorded {
  tokens?: number[][];
  logits: number[][][];
  maxAbsDiffToOurs?: number;
}

function readJson(file: string): Recorded {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Recorded;
}

for (const backend of testBackends()) {
  for (const name of NAMES) {
    test(`[${backend}] checkpoint ${name} gives PyTorch's logits (written by the CLI, checked in PyTorch)`, async (t) => {
      await useTestBackend(backend);
      const file = peerFixturePath(`checkpoint-${name}.safetensors`);
      const ours = readJson(file.replace(/\.safetensors$/, '.ours.json'));
      const torch = readJson(file.replace(/\.safetensors$/, '.torch.json'));
      assert.ok(ours.tokens && torch.maxAbsDiffToOurs !== undefined && torch.maxAbsDiffToOurs <= TOLERANCE, path.basename(file));
      const loaded = await loadCheckpoint(file);
      assert.ok(loaded.optimizerState.size > 0, 'the checkpoint carries optimizer state too');
      const model = createModel(loaded.metadata.runConfig.model, 12345); // different init: everything must come from the file
      try {
        restoreInto(loaded, model.params);
        const tokens = ours.tokens;
        const B = tokens.length;
        const T = (tokens[0] as number[]).length;
        const logits = tf.tidy(() => model.forward({ tokens: tf.tensor2d(tokens.flat(), [B, T], 'int32') }).logits.dataSync());
        const dTorch = maxAbsDiff(logits, torch.logits.flat(2));
        const dOurs = maxAbsDiff(logits, ours.logits.flat(2));
        t.diagnostic(`${name}: |ours − PyTorch| ${dTorch.toExponential(1)}, |now − when written| ${dOurs.toExponential(1)}`);
        assert.ok(dTorch <= TOLERANCE, `${name}: logits differ from PyTorch's by ${dTorch}`);
        assert.ok(dOurs <= TOLERANCE, `${name}: logits differ from those recorded when the checkpoint was written by ${dOurs}`);
      } finally {
        model.dispose();
      }
    });
  }
}
