/**
 * Contour plot of a 2-D function with optimizer paths on top (the optimizer-path view): filled
 * contour bands (levels on a log scale by default, so narrow valleys show), each path as a
 * polyline with a hollow start and a filled end (a cross when it diverged), global minima as stars.
 * Hover or arrow keys (←/→ step, ↑/↓ path) show step, position and loss.
 *
 * The steps: frame, scales and axes contourFrame.ts, the bands contourBands.ts, minima and paths
 * contourMarks.ts, hover and keyboard contourCursor.ts.
 */
import { seriesColor } from '../theme/theme';
import { makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { drawContourBands } from './contourBands';
import { attachPathCursor } from './contourCursor';
import { contourFrame, drawContourAxes } from './contourFrame';
import { drawMinima, drawPaths } from './contourMarks';
import type { ChartHandle, ChartTarget } from './handle';
import { drawLegend, toggled } from './legend';
import type { ContourData, ContourOptions, DataTable } from './types';

export function validateGrid(d: ContourData): void {
  const v = d.grid.values;
  if (v.length < 2 || (v[0]?.length ?? 0) < 2) throw new RangeError('contourPaths: the grid needs at least 2 × 2 values');
  const n = v[0]?.length ?? 0;
  v.forEach((r, j) => {
    if (r.length !== n) throw new RangeError(`contourPaths: grid row ${j} has ${r.length} values, row 0 has ${n}`);
  });
  if (!(d.grid.x[1] > d.grid.x[0]) || !(d.grid.y[1] > d.grid.y[0])) throw new RangeError('contourPaths: grid x and y ranges must increase');
}

function draw(ctx: DrawContext<ContourOptions>, data: ContourData): DataTable {
  const { theme, options: o, root, tooltip } = ctx;
  const table: DataTable = {
    columns: ['path', 'step', 'x', 'y', 'loss'],
    rows: data.paths.flatMap((p) => p.points.map((q, i) => [p.label, q.step ?? i, q.x, q.y, q.loss ?? null])),
  };
  if (data.grid.values.length === 0) {
    ctx.empty();
    return table;
  }
  validateGrid(data);
  const hidden = new Set(o.hidden ?? []);
  const colors = data.paths.map((p, i) => p.color ?? seriesColor(theme, i));
  if (data.paths.length > 0) {
    drawLegend(
      root,
      data.paths.map((p, i) => ({ id: p.label, label: p.diverged ? `${p.label} — diverged` : p.label, color: colors[i] as string })),
      hidden,
      (id) => ctx.setOptions({ hidden: toggled(o.hidden, id) }),
    );
  }
  const frame = contourFrame(ctx, data);
  drawContourBands(frame, data.grid, o, theme);
  drawContourAxes(frame, theme);
  const marks = frame.plot.append('g').attr('clip-path', `url(#${frame.clip})`);
  drawMinima(marks, frame, data.minima ?? [], theme);
  const visible = data.paths.map((p, i) => ({ p, i })).filter(({ p }) => !hidden.has(p.label) && p.points.length > 0);
  drawPaths(marks, frame, visible, colors, theme);
  if (data.caption) {
    const cap = root.ownerDocument.createElement('div');
    cap.className = 'al-caption';
    cap.textContent = data.caption;
    root.appendChild(cap);
  }
  attachPathCursor({ frame, theme, tooltip, root, visible, colors, title: o.title });
  return table;
}

/** Draws contours of a gridded function with optimizer paths; see ContourOptions. */
export function contourPaths(target: ChartTarget, data: ContourData, options: ContourOptions = {}): ChartHandle<ContourData, ContourOptions> {
  return makeChart('contour', target, data, options, draw);
}
