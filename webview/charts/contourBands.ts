/**
 * The contour plot's filled bands: levels evenly spaced on log(f − min + ε) (or on f with
 * logLevels false), computed with d3-contour on the grid and drawn from light (low) to dark (high)
 * between the theme's background and a blue-grey.
 */
import { contours, geoPath, geoTransform, interpolateLab } from 'd3';
import type { ContourMultiPolygon } from 'd3';
import type { ChartTheme } from '../theme/theme';
import type { ContourFrame } from './contourFrame';
import type { ContourOptions, FunctionGrid } from './types';

export interface ContourLevels {
  /** One multipolygon per threshold, lowest first; `value` is on the transformed scale. */
  bands: ContourMultiPolygon[];
  /** How many thresholds (≥ 3). */
  nLevels: number;
  /** From the transformed scale back to f (the bands' data-level). */
  inv: (t: number) => number;
}

/** The bands of the grid's finite values at `levels` thresholds (default 14), on a log scale unless logLevels is false. */
export function contourLevels(grid: FunctionGrid, o: ContourOptions): ContourLevels {
  const ny = grid.values.length;
  const nx = grid.values[0]?.length ?? 0;
  const flat = grid.values.flat();
  let fmin = Infinity;
  let fmax = -Infinity;
  for (const v of flat) {
    if (!Number.isFinite(v)) continue;
    fmin = Math.min(fmin, v);
    fmax = Math.max(fmax, v);
  }
  const logLevels = o.logLevels !== false;
  const eps = Math.max(1e-9, (fmax - fmin) * 1e-4);
  const tf = (v: number): number => (logLevels ? Math.log(v - fmin + eps) : v);
  const inv = (t: number): number => (logLevels ? Math.exp(t) + fmin - eps : t);
  const tvals = flat.map((v) => (Number.isFinite(v) ? tf(v) : NaN));
  const t0 = tf(fmin);
  const t1 = tf(fmax);
  const nLevels = Math.max(3, o.levels ?? 14);
  const thresholds = Array.from({ length: nLevels }, (_, i) => t0 + ((t1 - t0) * i) / nLevels);
  const bands = contours().size([nx, ny]).thresholds(thresholds)(tvals);
  return { bands, nLevels, inv };
}

/** Draws the bands into the frame's plot area (clipped), over a background rect. */
export function drawContourBands(frame: ContourFrame, grid: FunctionGrid, o: ContourOptions, theme: ChartTheme): void {
  const { pw, ph, x, y, plot, clip } = frame;
  const { bands, nLevels, inv } = contourLevels(grid, o);
  const ny = grid.values.length;
  const nx = grid.values[0]?.length ?? 0;
  const [gx0, gx1] = grid.x;
  const [gy0, gy1] = grid.y;
  // Grid value i sits at contour coordinate i + 0.5.
  const sx = (gx1 - gx0) / (nx - 1);
  const sy = (gy1 - gy0) / (ny - 1);
  const proj = geoTransform({
    point(this: { stream: { point(x: number, y: number): void } }, cx: number, cy: number) {
      this.stream.point(x(gx0 + (cx - 0.5) * sx), y(gy0 + (cy - 0.5) * sy));
    },
  });
  const path = geoPath(proj);
  const dark = theme.kind === 'dark' || theme.kind === 'high-contrast';
  const fill = interpolateLab(theme.background, dark ? '#5a6b8c' : '#8fa6c9');
  const cg = plot.append('g').attr('class', 'al-contours').attr('clip-path', `url(#${clip})`);
  cg.append('rect').attr('width', pw).attr('height', ph).attr('fill', theme.background);
  bands.forEach((b, i) => {
    cg.append('path')
      .attr('class', 'al-contour')
      .attr('data-level', String(inv(b.value)))
      .attr('d', path(b))
      .attr('fill', fill(1 - i / nLevels))
      .attr('stroke', theme.grid)
      .attr('stroke-width', 0.6);
  });
}
