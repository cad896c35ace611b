/**
 * Curves of groups of runs, as the dashboard draws them: per group the mean over its runs at
 * each step, a band of the chosen kind (the seed standard deviation, min–max, or the 95 %
 * interval of the mean, Student t), x by step or by wall time, and optionally each run as a thin
 * member line. Pure, no DOM (tested in Node). Used for training and evaluation metrics and for
 * the optimizer diagnostics.
 */
import { meanInterval } from '../../src/core/analysis/confidence';
import type { RunSnapshot } from '../../src/protocol/viewData';
import type { LinePoint, LineSeries } from '../charts/types';
import { groupRuns, type GroupBy } from './grouping';

export type BandKind = 'std' | 'minmax' | 'ci95' | 'none';
export type XAxis = 'step' | 'wallTime';

export const BAND_CHOICES: readonly { value: BandKind; label: string }[] = [
  { value: 'std', label: '± std' },
  { value: 'minmax', label: 'min–max' },
  { value: 'ci95', label: '95% CI of the mean' },
  { value: 'none', label: 'none' },
];

/** One run's curve: step → value, with the wall time (seconds since training started) when known. */
export type RunCurve = Map<number, { value: number; wall: number | null }>;

export interface CurveOptions {
  groupBy: GroupBy;
  band: BandKind;
  x: XAxis;
  /** Each run as a thin member line of its group. */
  seeds: boolean;
  /** Colour index per group key (grouping.colorIndexes over all runs). */
  colors?: ReadonlyMap<string, number>;
}

export const DEFAULT_CURVE_OPTIONS: CurveOptions = { groupBy: 'config', band: 'std', x: 'step', seeds: false };

function sampleStd(vals: readonly number[], mean: number): number {
  return Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (vals.length - 1));
}

/**
 * The group's points: the mean of the runs that have a value at each step, with the band when
 * at least two runs do (one run has no spread). On a wall-time axis x is the mean wall time of
 * those runs at that step (steps without a wall time are left out).
 */
export function aggregateCurves(curves: readonly RunCurve[], band: BandKind, x: XAxis): LinePoint[] {
  const steps = [...new Set(curves.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  const out: LinePoint[] = [];
  for (const step of steps) {
    const here = curves.map((c) => c.get(step)).filter((v): v is { value: number; wall: number | null } => v !== undefined && Number.isFinite(v.value));
    if (here.length === 0) continue;
    const vals = here.map((v) => v.value);
    let xv = step;
    if (x === 'wallTime') {
      const walls = here.map((v) => v.wall).filter((w): w is number => w !== null && Number.isFinite(w));
      if (walls.length === 0) continue;
      xv = walls.reduce((a, b) => a + b, 0) / walls.length;
    }
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const p: LinePoint = { x: xv, y: mean };
    if (vals.length > 1) {
      if (band === 'std') p.std = sampleStd(vals, mean);
      else if (band === 'minmax') {
        p.lo = Math.min(...vals);
        p.hi = Math.max(...vals);
      } else if (band === 'ci95') {
        const m = meanInterval(vals);
        if (m && m.low !== null && m.high !== null) {
          p.lo = m.low;
          p.hi = m.high;
        }
      }
    }
    out.push(p);
  }
  return out;
}

/** One line per group (and, with `seeds`, one member line per run of a group of several), coloured by group. */
export function groupCurves(runs: readonly RunSnapshot[], curveOf: (r: RunSnapshot) => RunCurve, opts: CurveOptions): LineSeries[] {
  const out: LineSeries[] = [];
  groupRuns(runs, opts.groupBy).forEach((g, i) => {
    const curves = g.runs.map(curveOf);
    const colorIndex = opts.colors?.get(g.key) ?? i;
    const unit = opts.groupBy === 'config' ? 'seeds' : 'runs';
    out.push({ id: g.key, label: g.runs.length > 1 ? `${g.label} (${g.runs.length} ${unit})` : g.label, colorIndex, points: aggregateCurves(curves, opts.band, opts.x) });
    if (opts.seeds && g.runs.length > 1) {
      g.runs.forEach((r, k) => {
        out.push({ id: `${g.key}::${r.run.id}`, label: r.run.id, member: g.key, colorIndex, points: aggregateCurves([curves[k] as RunCurve], 'none', opts.x) });
      });
    }
  });
  return out;
}
