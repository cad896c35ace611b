/**
 * summary.json's statistics (docs/science.md §3): per group n seeds and mean ± 95 % Student t
 * interval, paired differences between optimizers and between batch settings over shared seeds,
 * divergence (non-finite or above-chance final loss) shown as such, and weight RMS from the
 * optimizer diagnostics. Run data are built by hand; summarizeRuns is pure.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { expandGrid } from '../../src/core/experiment/grid';
import { HEADLINE_NOTE, summarizeRuns } from '../../src/core/analysis/summarizeExperiment';
import { formatSummary } from '../../src/cli/reportCommand';
import type { RunData } from '../../src/core/analysis/summarizeExperiment';
import type { RunConfig } from '../../src/protocol/config';
import type { MetricsRecord, RunFile } from '../../src/protocol/runFolder';
import { RUN_FOLDER_VERSION } from '../../src/protocol/runFolder';
import type { ExperimentSpec } from '../../src/protocol/spec';

const close = (a: number | null | undefined, b: number, tol = 1e-9): void => assert.ok(typeof a === 'number' && Math.abs(a - b) <= tol, `${a} vs ${b}`);

function configs(spec: Partial<ExperimentSpec>): RunConfig[] {
  return expandGrid({
    name: 'sum',
    tasks: [{ name: 'sort', trainLengths: [4], evalLengths: [4], options: { values: 8 } }],
    models: [{ label: 'm', layers: 1, dModel: 16, heads: 2, dFf: 32, position: 'rope' }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-2 }],
    seeds: [1, 2, 3],
    train: { steps: 10 },
    ...spec,
  });
}

/** A finished run with final loss/exact at n = 4 (null loss: NaN written to JSON), a last train loss and an optim record. */
function runData(config: RunConfig, loss: number | null, exact: number, opts: { trainLoss?: number | null; matrixRms?: number; final?: boolean } = {}): RunData {
  const final = opts.final === false ? null : [{ length: 4, tokens: 10, loss: loss as number, exact, tokenAccuracy: exact, shape: 1, parse: 1, clrs: exact }];
  const run: RunFile = {
    version: RUN_FOLDER_VERSION,
    id: config.id,
    experiment: 'sum',
    config,
    status: final ? 'completed' : 'failed',
    backend: 'wasm',
    parameters: 100,
    optimizerStateBytes: 800,
    step: 10,
    timings: { createdAt: '', startedAt: null, endedAt: null, trainSeconds: 1, evalSeconds: 0 },
    lastCheckpoint: null,
    error: null,
    final,
    versions: {},
  };
  const metrics: MetricsRecord[] = [
    { kind: 'train', step: 9, loss: (opts.trainLoss === undefined ? 0.5 : opts.trainLoss) as number, accuracy: 0, gradNorm: 1, updateNorm: 1, lr: 0.01, nanEvents: 0, wallTime: 1, length: 4 },
  ];
  if (opts.matrixRms !== undefined) {
    metrics.push({
      kind: 'optim',
      step: 9,
      lr: 0.01,
      updateRms: 0.01,
      signAgreement: null,
      nanEvents: 0,
      stateBytes: 800,
      weightRms: opts.matrixRms / 2,
      groups: [
        { kind: 'matrix', weightRms: opts.matrixRms, maxAbs: 3 * opts.matrixRms },
        { kind: 'norm-gain', weightRms: 1, maxAbs: 1.2 },
      ],
      tensors: [],
    });
  }
  return { run, metrics, analysis: null };
}

test('groups: n seeds and mean ± 95 % interval; paired differences between optimizers at their best lr', () => {
  const cs = configs({ optimizers: [{ name: 'adamw', lr: [1e-2, 3e-2] }, { name: 'lion', lr: 3e-3 }] });
  // adamw lr 1e-2: 0.5, 0.7, 0.6 (best adamw group); lr 3e-2: 0.9, 1.1, 1.0; lion: 0.4, 0.5, 0.45.
  const losses: Record<string, number[]> = { 'adamw-lr0.01': [0.5, 0.7, 0.6], 'adamw-lr0.03': [0.9, 1.1, 1.0], lion: [0.4, 0.5, 0.45] };
  const data = cs.map((c) => {
    const key = Object.keys(losses).find((k) => c.id.includes(`-${k}-`)) as string;
    return runData(c, (losses[key] as number[])[c.seed - 1] as number, 0.1 * c.seed, { matrixRms: c.optimizer.name === 'lion' ? 0.3 : 0.5 });
  });
  const s = summarizeRuns('sum', data);
  const g = s.groups.find((x) => x.label === 'sort-m-standard-adamw-lr0.01');
  assert.ok(g);
  // mean 0.6, s = 0.1, half = 4.302652730·0.1/√3 = 0.248413771.
  close(g.finalLoss.mean, 0.6);
  close(g.finalLoss.ci95?.halfWidth, 0.248413771, 1e-8);
  close(g.finalMatrixRms?.mean, 0.5);
  assert.equal(g.diverged, 0);
  // Optimizers: adamw's best group (lr 1e-2) against lion, over seeds 1–3: d = [0.1, 0.2, 0.15].
  const opt = s.pairedDifferences?.filter((d) => d.factor === 'optimizer') ?? [];
  assert.equal(opt.length, 1);
  assert.equal(opt[0]?.a, 'sort-m-standard-adamw-lr0.01');
  assert.equal(opt[0]?.b, 'sort-m-standard-lion');
  assert.deepEqual(opt[0]?.seeds, [1, 2, 3]);
  close(opt[0]?.loss?.mean, 0.15);
  close(opt[0]?.loss?.halfWidth, 0.124206886, 1e-8);
  close(opt[0]?.exact?.mean, 0);
  assert.equal(opt[0]?.exact?.halfWidth, 0);
  // The headline: ± is the 95 % interval, the weight RMS column is there.
  assert.equal(s.headline.note, HEADLINE_NOTE);
  const row = s.headline.rows.find((r) => r[0] === 'sort-m-standard-adamw-lr0.01');
  assert.deepEqual(row?.slice(0, 3), ['sort-m-standard-adamw-lr0.01', 3, '0.600 ± 0.248']);
  assert.ok(s.headline.columns.includes('weight RMS'));
  assert.equal(row?.[s.headline.columns.indexOf('weight RMS')], '0.500 ± 0.000');
  const text = formatSummary(s);
  assert.ok(text.includes('| sort-m-standard-adamw-lr0.01 | sort-m-standard-lion | 3 | +0.150 ± 0.124 | +0.000 ± 0.000 | loss |'), text);
  assert.ok(text.includes('95 % confidence interval'));
});

test('divergence: a non-finite or above-chance final loss, or a non-finite last training loss', () => {
  const cs = configs({ optimizers: [{ name: 'lion', lr: [1e-3, 1e-1] }] });
  const chance = Math.log(cs[0]?.model.vocabSize as number);
  const data = cs.map((c) => {
    if (c.optimizer.lr === 1e-3) return runData(c, 0.3 + 0.1 * c.seed, 1);
    // lr 0.1: seed 1 NaN loss, seed 2 above ln V, seed 3 finite final but NaN training loss.
    if (c.seed === 1) return runData(c, null, 0);
    if (c.seed === 2) return runData(c, chance + 0.01, 0);
    return runData(c, 1.0, 0, { trainLoss: null });
  });
  const s = summarizeRuns('sum', data);
  assert.deepEqual(
    s.runs.map((r) => r.diverged),
    [false, false, false, true, true, true],
  );
  close(s.runs[0]?.chanceLoss, chance);
  const [grid] = s.robustness;
  assert.ok(grid);
  assert.deepEqual(grid.meanFinalLoss.values[0]?.map((v) => (v === null ? null : Number(v.toFixed(6)))), [0.5, null]);
  assert.deepEqual(grid.divergedRuns?.values, [[0, 3]]);
  const row = s.headline.rows.find((r) => r[0] === 'sort-m-standard-lion-lr0.1');
  assert.equal(row?.[2], 'diverged 3/3');
  const text = formatSummary(s);
  assert.ok(/\| wd=0\.1 \| 0\.500 ± 0\.248 \| diverged 3\/3 \|/.test(text), text);
});

test('one finished run: "(n=1)" and "1/2 seeds", never a std of 0; batch settings are paired', () => {
  const cs = configs({ seeds: [1, 2], optimizers: [{ name: 'tiger', lr: 0.1 }], train: { steps: 10, batchSize: [32, 8], accumulate: [1, 4] } });
  const data = cs.map((c) => runData(c, c.train.accumulate === 4 ? 0.5 + 0.01 * c.seed : 0.4 + 0.03 * c.seed, 0.5, { final: !(c.train.accumulate === 1 && c.seed === 2) }));
  const s = summarizeRuns('sum', data);
  const row = s.headline.rows.find((r) => r[0] === 'sort-m-standard-tiger-b32-k1');
  assert.deepEqual(row?.slice(1, 3), ['1/2', '0.430 (n=1)']);
  assert.deepEqual(s.runs.map((r) => [r.batchSize, r.accumulate]), [[32, 1], [32, 1], [8, 4], [8, 4]]);
  const batching = s.pairedDifferences?.filter((d) => d.factor === 'batching') ?? [];
  assert.equal(batching.length, 1);
  assert.deepEqual(batching[0]?.seeds, [1]);
  close(batching[0]?.loss?.mean, 0.43 - 0.51);
  assert.equal(batching[0]?.loss?.halfWidth, null, 'one shared seed: no interval');
});

test('grid world: a loss in steps (6.5 of at most 9) is not "diverged" the way a loss above ln V is; 10 steps would be', () => {
  const [base] = expandGrid({
    name: 'g',
    tasks: [{ name: 'grid-world', trainLengths: [3], options: { budget: 8 } }],
    models: [{ label: 'R', layers: 1, dModel: 16, heads: 2, dFf: 32, rseBits: 4, position: 'learned' }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 0.03 }],
    seeds: [1],
  });
  const config = base as RunConfig;
  const at3 = (loss: number): RunData => {
    const d = runData(config, loss, 0.8);
    (d.run.final as { length: number }[])[0]!.length = 3;
    return d;
  };
  assert.equal(summarizeRuns('g', [at3(6.5)]).runs[0]?.diverged, false, 'ln 13 = 2.56 < 6.5 would have called it diverged');
  assert.equal(summarizeRuns('g', [at3(10)]).runs[0]?.diverged, true);
});
