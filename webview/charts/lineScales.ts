/**
 * The line chart's series as drawn and its scales: x over the data's extent (or the zoomed
 * window), y fitted to what is inside the window (band and raw values included), with a little
 * air on a linear axis. Pure, no DOM.
 */
import { scaleLinear, scaleLog } from 'd3';
import type { ScaleContinuousNumeric } from 'd3';
import type { Pt } from './linePoints';
import type { LineChartOptions, LineSeries } from './types';

/** A series with its colour and the points it draws (linePoints.ts). */
export interface Drawn {
  series: LineSeries;
  color: string;
  points: Pt[];
}

/** The options that decide what is drawn, resolved once per draw. */
export interface LineFlags {
  /** EMA weight in [0, 0.999]. */
  smoothing: number;
  logX: boolean;
  logY: boolean;
  /** Bands around group means (LineChartOptions.bands). */
  bands: boolean;
  /** The faint raw line under a smoothed one. */
  withRaw: boolean;
}

export interface LineScales {
  x: ScaleContinuousNumeric<number, number>;
  y: ScaleContinuousNumeric<number, number>;
  /** The x window shown (widened when it is a single value). */
  xDomain: [number, number];
  /** The data's whole x extent (the keyboard zoom stays inside it). */
  full: [number, number];
  /** The zoomed window asked for, or null. */
  zoom: [number, number] | null;
  /** The bottom of the y axis (a band is clipped to it on a log axis). */
  yMin: number;
}

/** The scales of a plot pw × ph pixels over `pool`, the points of the visible series (all series when none is visible). */
export function lineScales(pool: Pt[], o: LineChartOptions, f: LineFlags, pw: number, ph: number): LineScales {
  const { logX, logY, bands, withRaw } = f;
  const xs0 = pool.map((p) => p.x);
  let [x0, x1] = [Math.min(...xs0), Math.max(...xs0)];
  const full: [number, number] = [x0, x1];
  const zoom = o.xDomain !== undefined && o.xDomain !== null && o.xDomain[1] > o.xDomain[0] ? o.xDomain : null;
  if (zoom) [x0, x1] = [Math.max(zoom[0], logX ? Number.MIN_VALUE : -Infinity), zoom[1]];
  const inView = pool.filter((p) => p.x >= x0 && p.x <= x1);
  const yPool = inView.length > 0 ? inView : pool;
  const lows = yPool.flatMap((p) => [p.y, ...(bands && p.lo !== undefined ? [p.lo] : []), ...(withRaw ? [p.raw] : [])]).filter((v) => Number.isFinite(v) && (!logY || v > 0));
  const highs = yPool.flatMap((p) => [p.y, ...(bands && p.hi !== undefined ? [p.hi] : []), ...(withRaw ? [p.raw] : [])]).filter((v) => Number.isFinite(v));
  let y0 = Math.min(...lows);
  let y1 = Math.max(...highs);
  if (y0 === y1) {
    y0 = logY ? y0 / 2 : y0 - 1;
    y1 = logY ? y1 * 2 : y1 + 1;
  } else if (!logY) {
    // A little air so a line on the minimum or maximum does not sit on the frame.
    const pad = (y1 - y0) * 0.04;
    y0 = y0 >= 0 && y0 - pad < 0 ? 0 : y0 - pad;
    y1 += pad;
  }
  const xDomain: [number, number] = x0 === x1 ? (logX ? [x0 / 2, x1 * 2] : [x0 - 1, x1 + 1]) : [x0, x1];
  const x: ScaleContinuousNumeric<number, number> = logX ? scaleLog().domain(xDomain).range([0, pw]) : scaleLinear().domain(xDomain).range([0, pw]);
  const y: ScaleContinuousNumeric<number, number> = logY ? scaleLog().domain([y0, y1]).range([ph, 0]).nice() : scaleLinear().domain([y0, y1]).range([ph, 0]).nice();
  const yMin = y.domain()[0] as number;
  return { x, y, xDomain, full, zoom, yMin };
}
