/** Run folders and checkpoints written for the view tests (real files in a temporary folder). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunConfig } from '../../src/protocol/config';
import { encodeCheckpointMetadata, makeCheckpointMetadata } from '../../src/protocol/checkpoint';
import type { EvalResult, MetricsRecord, RunFile } from '../../src/protocol/runFolder';
import { writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { expandGrid } from '../../src/core/experiment/grid';
import { PRESETS } from '../../src/core/experiment/presets';

export function tempDir(prefix = 'al-views-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The quick preset's run configs (sort, 3 optimizers × 2 scalings). */
export function quickConfigs(): RunConfig[] {
  const preset = PRESETS.quick;
  if (!preset) throw new Error('no quick preset');
  return expandGrid(preset.spec);
}

export function evalResult(length: number, exact: number): EvalResult {
  return { length, tokens: 2 * length + 2, loss: 1 - exact, exact, tokenAccuracy: exact, shape: 1, parse: 1, clrs: exact };
}

/** A run folder with a deterministic loss curve `loss = a / (1 + step / 10)`. */
export function writeRun(expDir: string, config: RunConfig, opts: { status: RunFile['status']; steps: number; a: number; entropy?: boolean; optim?: boolean }): string {
  const runDir = path.join(expDir, config.id);
  fs.mkdirSync(path.join(runDir, 'checkpoints'), { recursive: true });
  const run: RunFile = {
    version: 1,
    id: config.id,
    experiment: path.basename(expDir),
    config,
    status: opts.status,
    backend: 'cpu',
    parameters: 1000,
    optimizerStateBytes: 8000,
    step: opts.steps,
    timings: { createdAt: '2025-01-01T00:00:00.000Z', startedAt: '2025-01-01T00:00:01.000Z', endedAt: null, trainSeconds: 3, evalSeconds: 1 },
    lastCheckpoint: null,
    error: null,
    final: opts.status === 'completed' ? [evalResult(8, 0.5), evalResult(12, 0.1)] : null,
    versions: {},
  };
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
  const lines: MetricsRecord[] = [];
  for (let s = 0; s < opts.steps; s += 10) {
    lines.push({ kind: 'train', step: s, loss: opts.a / (1 + s / 10), accuracy: 0.5, gradNorm: 1, updateNorm: 0.1, lr: 0.001, nanEvents: 0, wallTime: s / 100, length: 8 });
    if (opts.optim) {
      // Optimizer diagnostics with simple closed forms (the tests recompute them): update RMS
      // a·0.01/(1 + s/10), sign agreement 0.5 + 0.01·a after the first step, weight RMS 0.1 + a·s/1000,
      // one NaN event at step 20, Tiger's effective step lr·weight RMS per tensor.
      const tiger = config.optimizer.name === 'tiger';
      const upd = (0.01 * opts.a) / (1 + s / 10);
      const w = 0.1 + (opts.a * s) / 1000;
      lines.push({
        kind: 'optim',
        step: s,
        lr: 0.001,
        updateRms: upd,
        signAgreement: s === 0 ? null : 0.5 + 0.01 * opts.a,
        nanEvents: s === 20 ? 1 : 0,
        stateBytes: 8000,
        weightRms: w,
        groups: [{ kind: 'matrix', weightRms: w, maxAbs: 3 * w }],
        tensors: [
          { name: 'embed.token', updateRms: upd, weightRms: w, effectiveStep: tiger ? 0.001 * w : null },
          { name: 'blocks.0.attn.qkv.kernel', updateRms: 2 * upd, weightRms: w, effectiveStep: tiger ? 0.002 * w : null },
        ],
      });
    }
  }
  if (opts.entropy) {
    lines.push({ kind: 'entropy', step: opts.steps, length: 8, tokens: 18, heads: ['L0.H0', 'L0.H1'], meanNormalized: [0.4, 0.6], meanEntropy: [1.2, 1.7] });
  }
  fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  return runDir;
}

export function writeExperiment(root: string, name: string, configs: RunConfig[]): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'experiment.json'), JSON.stringify({ version: 1, name, spec: PRESETS.quick?.spec, runs: configs.map((c) => c.id), createdAt: '2025-01-01T00:00:00Z' }));
  return dir;
}

/** An Attention Lab checkpoint-like file: a 300 × 5 matrix, a vector with a NaN and an optimizer slot. */
export async function writeCheckpoint(file: string, config: RunConfig, scale = 1): Promise<void> {
  const big = new Float32Array(300 * 5).map((_, i) => (i % 5) * scale + Math.floor(i / 5) / 1000);
  await writeSafetensors(
    file,
    [
      { name: 'embed.token', dtype: 'F32', shape: [300, 5], data: big },
      { name: 'lnf.gain', dtype: 'F32', shape: [4], data: [1, NaN, 0, 2] },
      { name: 'optimizer/embed.token/m', dtype: 'F32', shape: [300, 5], data: new Float32Array(1500) },
    ],
    encodeCheckpointMetadata(makeCheckpointMetadata(config, 10, 'cpu', { 'attention-lab': 'test' })),
  );
}
