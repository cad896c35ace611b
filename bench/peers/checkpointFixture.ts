/**
 * Writes the Attention Lab side of the checkpoint interop fixtures (`node bench/peers/run.mjs
 * fixtures` runs it before bench/peers/make_fixtures.py): trains two small models with the real
 * CLI (`attention-lab run`), copies each final checkpoint to
 * test/fixtures/peers/checkpoint-<name>.safetensors and records fixed tokens and the logits our
 * model gives on them in checkpoint-<name>.ours.json. The Python harness then loads the file with
 * safetensors into its PyTorch module of the same architecture, asserts the same logits, and
 * records its own (checkpoint-<name>.torch.json) for test/peers/checkpointInterop.test.ts.
 *
 * Usage: node dist/peers/checkpointFixture.js <repo root>
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentSpec } from '../../src/protocol/spec';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint, restoreInto } from '../../src/engine/checkpoint/checkpoint';
import { createModel } from '../../src/engine/model/transformer';
import { Rng } from '../../src/core/random';
import { tf } from '../../src/engine/tf';
import { writeFileAtomic } from '../../src/core/io/atomicWrite';

/** Fixture name → the one-run experiment that produces it (Lion: one state slot, a small file). */
const EXPERIMENTS: Record<string, ExperimentSpec> = {
  'learned-standard-causal': spec('learned-standard-causal', { label: 'learned', position: 'learned', causal: true }, 'standard'),
  'rope-logn-bidirectional': spec('rope-logn-bidirectional', { label: 'rope', position: 'rope', causal: false }, 'logn'),
};

function spec(name: string, model: ExperimentSpec['models'][number], scaling: 'standard' | 'logn'): ExperimentSpec {
  return {
    name,
    backend: 'wasm',
    parallel: 1,
    tasks: [{ name: 'reverse', trainLengths: [4, 5], evalLengths: [5], options: { values: 8 } }],
    models: [{ ...model, layers: 2, dModel: 16, heads: 2, dFf: 32 }],
    attentionScalings: [scaling],
    optimizers: [{ name: 'lion', lr: 3e-3, weightDecay: 0.1 }],
    seeds: [3],
    train: { steps: 30, batchSize: 8, evalEvery: 30, evalExamples: 8 },
  };
}

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? '.');
  const cli = path.join(root, 'dist', 'cli.js');
  const out = path.join(root, 'test', 'fixtures', 'peers');
  fs.mkdirSync(out, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lab-peers-'));
  await initBackend('wasm');
  try {
    for (const [name, experiment] of Object.entries(EXPERIMENTS)) {
      const specFile = path.join(work, `${name}.json`);
      fs.writeFileSync(specFile, JSON.stringify(experiment));
      const r = spawnSync(process.execPath, [cli, 'run', specFile, '--out', work, '--json'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`attention-lab run ${name} failed (${r.status}): ${r.stderr}`);
      const expDir = path.join(work, experiment.name);
      const runId = (JSON.parse(fs.readFileSync(path.join(expDir, 'experiment.json'), 'utf8')) as { runs: string[] }).runs[0];
      if (runId === undefined) throw new Error(`${name}: the experiment has no run`);
      const ckptDir = path.join(expDir, runId, 'checkpoints');
      const last = fs.readdirSync(ckptDir).filter((f) => f.endsWith('.safetensors')).sort().at(-1);
      if (last === undefined) throw new Error(`${name}: no checkpoint in ${ckptDir}`);
      const target = path.join(out, `checkpoint-${name}.safetensors`);
      fs.copyFileSync(path.join(ckptDir, last), target);

      const loaded = await loadCheckpoint(target);
      const config = loaded.metadata.runConfig.model;
      const model = createModel(config, 0);
      restoreInto(loaded, model.params);
      const B = 2;
      const T = config.maxLen;
      const rng = new Rng(11);
      const ids = Int32Array.from({ length: B * T }, () => rng.int(0, config.vocabSize));
      const logits = tf.tidy(() => model.forward({ tokens: tf.tensor2d(ids, [B, T], 'int32') }).logits.arraySync());
      model.dispose();
      const tokens = Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * T, (b + 1) * T)));
      writeFileAtomic(
        path.join(out, `checkpoint-${name}.ours.json`),
        JSON.stringify({ producedBy: 'bench/peers/checkpointFixture.ts', backend: 'wasm', step: loaded.metadata.step, tokens, logits }) + '\n',
      );
      console.log(`wrote test/fixtures/peers/checkpoint-${name}.safetensors (${fs.statSync(target).size} bytes) and its logits`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
