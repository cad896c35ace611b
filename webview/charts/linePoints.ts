/**
 * The points a line chart draws, from a series: EMA-smoothed y with the raw value kept beside it
 * (tooltip, CSV, the faint raw line), and the band's bounds (from `lo`/`hi`, else y ± std)
 * smoothed alike. Pure, no DOM (tested in Node).
 */
import { ema } from './ema';
import type { LineSeries } from './types';

/** A point as drawn: smoothed y (EMA), the raw value, and the band's bounds when there is one. */
export interface Pt {
  x: number;
  y: number;
  raw: number;
  lo?: number;
  hi?: number;
}

/** Smoothed copy of a series' points (y and the band bounds smoothed alike), filtered for log axes. */
export function preparePoints(s: LineSeries, smoothing: number, logX: boolean, logY: boolean): Pt[] {
  const pts = s.points.filter((p) => Number.isFinite(p.x) && (!logX || p.x > 0)).sort((a, b) => a.x - b.x);
  const ys = ema(
    pts.map((p) => p.y),
    smoothing,
  );
  const hasBand = pts.some((p) => p.std !== undefined || (p.lo !== undefined && p.hi !== undefined));
  const lo = hasBand ? ema(pts.map((p) => (p.lo !== undefined ? p.lo : p.std !== undefined ? p.y - p.std : NaN)), smoothing) : [];
  const hi = hasBand ? ema(pts.map((p) => (p.hi !== undefined ? p.hi : p.std !== undefined ? p.y + p.std : NaN)), smoothing) : [];
  const out: Pt[] = pts.map((p, i) => {
    const q: Pt = { x: p.x, y: ys[i] as number, raw: p.y };
    if (hasBand && Number.isFinite(lo[i]) && Number.isFinite(hi[i])) {
      q.lo = lo[i] as number;
      q.hi = hi[i] as number;
    }
    return q;
  });
  return out.filter((p) => Number.isFinite(p.y) && (!logY || p.y > 0));
}

