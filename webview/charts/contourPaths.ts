/**
 * Contour plot of a 2-D function with optimizer paths on top (the optimizer-path view): filled
 * contour bands (levels on a log scale by default, so narrow valleys show), each path as a
 * polyline with a hollow start and a filled end (a cross when it diverged), global minima as stars.
 * Hover or arrow keys (←/→ step, ↑/↓ path) show step, position and loss.
 */
import { contours, geoPath, geoTransform, interpolateLab, line, scaleLinear, symbol, symbolCross, symbolStar } from 'd3';
import { seriesColor } from '../theme/theme';
import { axisTitles, drawXAxis, drawYAxis, numericXAxis } from './axes';
import { chartHeight, makeChart, nextId } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { formatValue } from './format';
import type { ChartHandle, ChartTarget } from './handle';
import { drawLegend, toggled } from './legend';
import { pointerIn } from './lineChart';
import type { ContourData, ContourOptions, DataTable, PathPoint } from './types';

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
  const { theme, width, options: o, root, tooltip } = ctx;
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
  const ny = data.grid.values.length;
  const nx = data.grid.values[0]?.length ?? 0;
  const [gx0, gx1] = data.grid.x;
  const [gy0, gy1] = data.grid.y;
  const m = { top: 8, right: 14, bottom: 40, left: 52 };
  const pw = width - m.left - m.right;
  // Keep the plot's aspect close to the domain's, so circles look round.
  const aspect = (gy1 - gy0) / (gx1 - gx0);
  const height = o.height !== undefined ? chartHeight(o, width, 0.7, 200, 640) : Math.round(Math.min(560, Math.max(220, pw * aspect)) + m.top + m.bottom);
  const ph = height - m.top - m.bottom;
  const svg = ctx.addSvg(height);
  const x = scaleLinear().domain([gx0, gx1]).range([0, pw]);
  const y = scaleLinear().domain([gy0, gy1]).range([ph, 0]);
  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  const clip = nextId('clip');
  svg.append('defs').append('clipPath').attr('id', clip).append('rect').attr('width', pw).attr('height', ph);

  // Contours: on log(f − min + ε) unless disabled.
  const flat = data.grid.values.flat();
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
  drawYAxis(plot.append('g').attr('class', 'al-y-axis'), y, theme, 0, false, Math.max(3, Math.floor(ph / 50)));
  plot.select('.al-y-axis').selectAll('.tick line').attr('x2', -4);
  drawXAxis(plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${ph})`), numericXAxis(x, Math.max(3, Math.floor(pw / 80))), theme);
  plot.append('rect').attr('width', pw).attr('height', ph).attr('fill', 'none').attr('stroke', theme.grid);
  axisTitles(svg, theme, m, pw, ph, 'x', 'y');

  const marks = plot.append('g').attr('clip-path', `url(#${clip})`);
  for (const mn of data.minima ?? []) {
    marks
      .append('path')
      .attr('class', 'al-minimum')
      .attr('transform', `translate(${x(mn[0])},${y(mn[1])})`)
      .attr('d', symbol(symbolStar, 90)())
      .attr('fill', theme.reference)
      .attr('stroke', theme.background)
      .attr('stroke-width', 0.8)
      .append('title')
      .text(`minimum (${formatValue(mn[0])}, ${formatValue(mn[1])})`);
  }
  const visible = data.paths.map((p, i) => ({ p, i })).filter(({ p }) => !hidden.has(p.label) && p.points.length > 0);
  for (const { p, i } of visible) {
    const c = colors[i] as string;
    const g = marks.append('g').attr('class', 'al-path').attr('data-path', p.label);
    g.append('path')
      .attr('class', 'al-path-line')
      .attr('d', line<PathPoint>().x((q) => x(q.x)).y((q) => y(q.y))(p.points))
      .attr('fill', 'none')
      .attr('stroke', c)
      .attr('stroke-width', theme.lineWidth)
      .attr('stroke-linejoin', 'round');
    const s = p.points[0] as PathPoint;
    const e = p.points[p.points.length - 1] as PathPoint;
    g.append('circle').attr('class', 'al-start').attr('cx', x(s.x)).attr('cy', y(s.y)).attr('r', 5).attr('fill', theme.background).attr('stroke', c).attr('stroke-width', 2);
    if (p.diverged) {
      g.append('path').attr('class', 'al-end al-diverged').attr('transform', `translate(${x(e.x)},${y(e.y)}) rotate(45)`).attr('d', symbol(symbolCross, 80)()).attr('fill', c);
    } else {
      g.append('circle').attr('class', 'al-end').attr('cx', x(e.x)).attr('cy', y(e.y)).attr('r', 4.5).attr('fill', c).attr('stroke', theme.background).attr('stroke-width', 1.2);
    }
  }
  if (data.caption) {
    const cap = root.ownerDocument.createElement('div');
    cap.className = 'al-caption';
    cap.textContent = data.caption;
    root.appendChild(cap);
  }

  // Hover / keyboard cursor on path points.
  const cursor = plot.append('circle').attr('class', 'al-hover').attr('r', 6).attr('fill', 'none').attr('stroke', theme.foreground).attr('stroke-width', 2).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let cur: [number, number] = [-1, -1];
  const legendH = root.querySelector('.al-legend')?.clientHeight ?? 0;
  const show = (vi: number, k: number): void => {
    if (visible.length === 0) return;
    vi = ((vi % visible.length) + visible.length) % visible.length;
    const { p, i } = visible[vi] as (typeof visible)[number];
    k = Math.max(0, Math.min(p.points.length - 1, k));
    cur = [vi, k];
    const q = p.points[k] as PathPoint;
    cursor.attr('cx', x(q.x)).attr('cy', y(q.y)).attr('visibility', 'visible');
    const rows = [
      { label: 'x', value: formatValue(q.x) },
      { label: 'y', value: formatValue(q.y) },
    ];
    if (q.loss !== undefined) rows.push({ label: 'f', value: formatValue(q.loss) });
    tooltip.show(`${p.label} · step ${q.step ?? k}`, rows.map((r) => ({ ...r, color: colors[i] as string })), m.left + x(q.x), m.top + y(q.y) + legendH);
  };
  const hide = (): void => {
    cur = [-1, -1];
    cursor.attr('visibility', 'hidden');
    tooltip.hide();
  };
  plot
    .append('rect')
    .attr('class', 'al-overlay')
    .attr('width', pw)
    .attr('height', ph)
    .attr('fill', 'transparent')
    .on('pointermove', (ev: PointerEvent) => {
      const [mx, my] = pointerIn(ev, ev.currentTarget as Element);
      let best: [number, number, number] = [-1, -1, 14 * 14];
      visible.forEach(({ p }, vi) => {
        p.points.forEach((q, k) => {
          const d = (x(q.x) - mx) ** 2 + (y(q.y) - my) ** 2;
          if (d < best[2]) best = [vi, k, d];
        });
      });
      if (best[0] >= 0) show(best[0], best[1]);
      else hide();
    })
    .on('pointerleave', hide);
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${o.title ?? 'Optimizer paths'}: ${visible.length} paths; left and right step along a path, up and down switch paths`)
    .on('keydown', (ev: KeyboardEvent) => {
      const first = cur[0] < 0;
      const [vi, k] = first ? [0, 0] : cur;
      const step = ev.shiftKey ? 10 : 1;
      if (ev.key === 'ArrowRight') show(vi, first ? 0 : k + step);
      else if (ev.key === 'ArrowLeft') show(vi, first ? 0 : k - step);
      else if (ev.key === 'ArrowDown') show(first ? 0 : vi + 1, k);
      else if (ev.key === 'ArrowUp') show(first ? 0 : vi - 1, k);
      else if (ev.key === 'End') show(vi, Number.MAX_SAFE_INTEGER);
      else if (ev.key === 'Home') show(vi, 0);
      else if (ev.key === 'Escape') hide();
      else return;
      ev.preventDefault();
    })
    .on('blur', hide);
  return table;
}

/** Draws contours of a gridded function with optimizer paths; see ContourOptions. */
export function contourPaths(target: ChartTarget, data: ContourData, options: ContourOptions = {}): ChartHandle<ContourData, ContourOptions> {
  return makeChart('contour', target, data, options, draw);
}
