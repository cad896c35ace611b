/**
 * The optimizer half of the dashboard, from the diagnostics each run records on logged steps
 * (`{"kind":"optim"}` lines, docs/analysis.md): update RMS, sign agreement, weight RMS (all
 * parameters or one parameter kind), NaN events, Tiger's effective step per tensor, per-tensor
 * update RMS and the optimizer's state size. Curves are grouped like the training curves (mean
 * with a band over seeds); the per-tensor views are heatmaps of one group (mean over its runs).
 * Pure, no DOM.
 */
import type { OptimRecord, TrainRecord } from '../../src/protocol/runFolder';
import type { RunSnapshot } from '../../src/protocol/viewData';
import type { BarData, HeatmapData, LineSeries } from '../charts/types';
import { groupCurves, type CurveOptions, type RunCurve } from './curves';
import { groupRuns, type GroupBy } from './grouping';

export type OptimMetric = 'updateRms' | 'signAgreement' | 'weightRms' | 'matrixWeightRms' | 'nanEvents';

export const OPTIM_METRICS: readonly { value: OptimMetric; label: string; axis: string; logY: boolean }[] = [
  { value: 'updateRms', label: 'update RMS (all parameters)', axis: 'RMS of θₜ₊₁ − θₜ', logY: true },
  { value: 'signAgreement', label: 'sign agreement with the step before', axis: 'fraction of update signs kept', logY: false },
  { value: 'weightRms', label: 'weight RMS (all parameters)', axis: 'RMS of θ', logY: true },
  { value: 'matrixWeightRms', label: 'weight RMS (weight matrices)', axis: 'RMS of the matrices', logY: true },
  { value: 'nanEvents', label: 'NaN/Inf events at logged steps, cumulative', axis: 'tensors with a non-finite gradient', logY: false },
];

const optimRecords = (r: RunSnapshot): OptimRecord[] => r.metrics.filter((m): m is OptimRecord => m.kind === 'optim');

/** Wall time of each logged training step (optim records are written at the same steps). */
function wallTimes(r: RunSnapshot): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of r.metrics) if (m.kind === 'train') out.set(m.step, (m as TrainRecord).wallTime);
  return out;
}

/** One run's curve of an optimizer diagnostic. */
export function optimCurve(r: RunSnapshot, metric: OptimMetric): RunCurve {
  const wall = wallTimes(r);
  const out: RunCurve = new Map();
  let nan = 0;
  for (const rec of optimRecords(r)) {
    let v: number | null | undefined;
    if (metric === 'updateRms') v = rec.updateRms;
    else if (metric === 'signAgreement') v = rec.signAgreement;
    else if (metric === 'weightRms') v = rec.weightRms;
    else if (metric === 'matrixWeightRms') v = rec.groups?.find((g) => g.kind === 'matrix')?.weightRms;
    else {
      nan += rec.nanEvents;
      v = nan;
    }
    if (typeof v === 'number' && Number.isFinite(v)) out.set(rec.step, { value: v, wall: wall.get(rec.step) ?? null });
  }
  return out;
}

/** Grouped curves of one diagnostic; groups with no record of it are left out. */
export function optimSeries(runs: readonly RunSnapshot[], metric: OptimMetric, opts: CurveOptions): LineSeries[] {
  return groupCurves(runs, (r) => optimCurve(r, metric), opts).filter((s) => s.points.length > 0);
}

/** Whether any run recorded diagnostics (older run folders have none). */
export function hasOptimRecords(runs: readonly RunSnapshot[]): boolean {
  return runs.some((r) => r.metrics.some((m) => m.kind === 'optim'));
}

/**
 * A per-tensor view of one group: rows tensors, columns logged steps, each cell the mean over the
 * group's runs — Tiger's effective step η·RMS(θ) (null unless Tiger), or the update RMS.
 */
export function tensorHeatmap(runs: readonly RunSnapshot[], pick: 'effectiveStep' | 'updateRms'): HeatmapData | null {
  const sums = new Map<string, Map<number, { sum: number; n: number }>>();
  const names: string[] = [];
  const steps = new Set<number>();
  for (const r of runs) {
    for (const rec of optimRecords(r)) {
      for (const t of rec.tensors) {
        const v = pick === 'effectiveStep' ? t.effectiveStep : t.updateRms;
        if (v === null || !Number.isFinite(v)) continue;
        if (!sums.has(t.name)) {
          sums.set(t.name, new Map());
          names.push(t.name);
        }
        const row = sums.get(t.name) as Map<number, { sum: number; n: number }>;
        const cell = row.get(rec.step) ?? { sum: 0, n: 0 };
        cell.sum += v;
        cell.n += 1;
        row.set(rec.step, cell);
        steps.add(rec.step);
      }
    }
  }
  if (names.length === 0) return null;
  const cols = [...steps].sort((a, b) => a - b);
  return {
    rowLabels: names,
    columnLabels: cols.map(String),
    values: names.map((n) => cols.map((s) => {
      const c = sums.get(n)?.get(s);
      return c ? c.sum / c.n : NaN;
    })),
  };
}

/** The groups (under `by`) whose runs use Tiger: the ones with an effective step to show. */
export function tigerGroups(runs: readonly RunSnapshot[], by: GroupBy): string[] {
  return groupRuns(runs, by)
    .filter((g) => g.runs.some((r) => r.run.config.optimizer.name === 'tiger'))
    .map((g) => g.key);
}

/**
 * Optimizer state per group in KiB, one bar (series) per group in its colour: the last
 * diagnostics record's size, else run.json's; runs that never trained are left out.
 */
export function stateSizes(runs: readonly RunSnapshot[], by: GroupBy, colors?: ReadonlyMap<string, number>): BarData {
  const groups = groupRuns(runs, by);
  const values = groups.map((g) => {
    const sizes = g.runs
      .map((r) => optimRecords(r).at(-1)?.stateBytes ?? (r.run.timings.startedAt !== null && r.run.optimizerStateBytes > 0 ? r.run.optimizerStateBytes : undefined))
      .filter((v): v is number => v !== undefined && v > 0);
    return sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024 : NaN;
  });
  return {
    series: groups.map((g) => g.key),
    colorIndexes: groups.map((g, i) => colors?.get(g.key) ?? i),
    groups: [{ label: 'optimizer state (KiB)', values }],
  };
}
