import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentSpec } from '../../src/protocol/spec';

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `al-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tiny but real experiment: copy task, 1-layer model, a few steps. */
export function tinySpec(overrides: Partial<ExperimentSpec> = {}): ExperimentSpec {
  return {
    name: 'tiny',
    tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [4, 6], options: { values: 6 } }],
    models: [{ label: 'm', layers: 1, dModel: 16, heads: 2, dFf: 32, position: 'learned' }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 3e-3 }],
    seeds: [1],
    train: { steps: 12, batchSize: 8, evalEvery: 6, evalExamples: 8, logEvery: 2, checkpointEvery: 5 },
    ...overrides,
  };
}

/** Path of the built CLI entry. */
export const CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'attention-lab.js');
