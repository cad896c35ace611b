/**
 * Line chart for training curves: several series (one per run or per optimizer), optional
 * mean ± std bands across seeds, EMA smoothing, log-scale y, legend toggles and a crosshair
 * tooltip listing every visible series at the hovered x (arrow keys move it too).
 */
import { area, bisectCenter, extent, line, scaleLinear, scaleLog } from 'd3';
import type { ScaleContinuousNumeric } from 'd3';
import { seriesColor } from '../theme/theme';
import { axisTitles, drawXAxis, drawYAxis, numericXAxis } from './axes';
import { chartHeight, makeChart, nextId } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { ema } from './ema';
import { formatValue } from './format';
import { drawLegend, toggled } from './legend';
import type { ChartHandle, ChartTarget } from './handle';
import type { DataTable, LineChartOptions, LinePoint, LineSeries } from './types';

interface Drawn {
  series: LineSeries;
  color: string;
  points: LinePoint[];
}

/** Smoothed copy of a series' points (y and std smoothed alike), filtered for the y scale. */
function prepare(s: LineSeries, smoothing: number, logY: boolean): LinePoint[] {
  const pts = s.points.filter((p) => Number.isFinite(p.x)).sort((a, b) => a.x - b.x);
  const ys = ema(
    pts.map((p) => p.y),
    smoothing,
  );
  const hasStd = pts.some((p) => p.std !== undefined);
  const stds = hasStd
    ? ema(
        pts.map((p) => p.std ?? NaN),
        smoothing,
      )
    : [];
  const out: LinePoint[] = pts.map((p, i) => {
    const q: LinePoint = { x: p.x, y: ys[i] as number };
    if (hasStd && p.std !== undefined) q.std = stds[i] as number;
    return q;
  });
  return out.filter((p) => Number.isFinite(p.y) && (!logY || p.y > 0));
}

function draw(ctx: DrawContext<LineChartOptions>, data: LineSeries[]): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  const smoothing = Math.min(0.999, Math.max(0, o.smoothing ?? 0));
  const logY = o.logY === true;
  const hidden = new Set(o.hidden ?? []);
  const all: Drawn[] = data.map((s, i) => ({ series: s, color: s.color ?? seriesColor(theme, i), points: prepare(s, smoothing, logY) }));
  const columns = ['series', 'x', smoothing > 0 ? `y (EMA ${smoothing})` : 'y', 'std'];
  const rows = all.flatMap((d) => d.points.map((p) => [d.series.label, p.x, p.y, p.std ?? null]));
  const table: DataTable = { columns, rows };
  if (all.every((d) => d.points.length === 0)) {
    ctx.empty(data.length > 0 && logY && data.some((s) => s.points.length > 0) ? 'No positive values to show on a log scale' : undefined);
    return table;
  }

  drawLegend(
    root,
    all.map((d) => ({ id: d.series.id, label: d.series.label, color: d.color, dashed: d.series.dashed === true })),
    hidden,
    (id) => {
      const next = toggled(o.hidden, id);
      o.onToggle?.(next);
      ctx.setOptions({ hidden: next } as Partial<LineChartOptions>);
    },
  );

  const visible = all.filter((d) => !hidden.has(d.series.id) && d.points.length > 0);
  const height = chartHeight(o, width, 0.5, 200, 380);
  const m = { top: 8, right: 16, bottom: o.xLabel ? 40 : 26, left: o.yLabel ? 62 : 48 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const svg = ctx.addSvg(height);
  const bands = o.bands !== false;

  const pool = (visible.length > 0 ? visible : all).flatMap((d) => d.points);
  const [x0, x1] = extent(pool, (p) => p.x) as [number, number];
  const lows = pool.map((p) => (bands && p.std !== undefined ? p.y - p.std : p.y)).filter((v) => !logY || v > 0);
  const highs = pool.map((p) => (bands && p.std !== undefined ? p.y + p.std : p.y));
  let y0 = Math.min(...lows, ...pool.map((p) => p.y));
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
  const x = scaleLinear()
    .domain(x0 === x1 ? [x0 - 1, x1 + 1] : [x0, x1])
    .range([0, pw]);
  const y: ScaleContinuousNumeric<number, number> = logY ? scaleLog().domain([y0, y1]).range([ph, 0]).nice() : scaleLinear().domain([y0, y1]).range([ph, 0]).nice();
  const yMin = y.domain()[0] as number;

  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  drawYAxis(plot.append('g').attr('class', 'al-y-axis'), y, theme, pw, logY, Math.max(3, Math.floor(ph / 45)));
  drawXAxis(
    plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${ph})`),
    numericXAxis(x, Math.max(3, Math.floor(pw / 90))),
    theme,
  );
  axisTitles(svg, theme, m, pw, ph, o.xLabel, o.yLabel);

  const clipId = nextId('clip');
  svg.append('defs').append('clipPath').attr('id', clipId).append('rect').attr('width', pw).attr('height', ph);
  const marks = plot.append('g').attr('clip-path', `url(#${clipId})`);

  for (const d of visible) {
    const withStd = d.points.filter((p) => p.std !== undefined);
    if (bands && withStd.length > 1) {
      const band = area<LinePoint>()
        .x((p) => x(p.x))
        .y0((p) => y(Math.max(p.y - (p.std as number), logY ? yMin : -Infinity)))
        .y1((p) => y(p.y + (p.std as number)));
      marks
        .append('path')
        .attr('class', 'al-band')
        .attr('data-series', d.series.id)
        .attr('d', band(withStd))
        .attr('fill', d.color)
        .attr('fill-opacity', theme.kind.startsWith('high') ? 0.35 : 0.18)
        .attr('stroke', 'none');
    }
  }
  for (const d of visible) {
    const path = line<LinePoint>()
      .x((p) => x(p.x))
      .y((p) => y(p.y));
    marks
      .append('path')
      .attr('class', 'al-line')
      .attr('data-series', d.series.id)
      .attr('d', path(d.points))
      .attr('fill', 'none')
      .attr('stroke', d.color)
      .attr('stroke-width', theme.lineWidth)
      .attr('stroke-linejoin', 'round')
      .attr('stroke-dasharray', d.series.dashed ? '6 4' : null);
    if (d.points.length === 1) {
      const p = d.points[0] as LinePoint;
      marks.append('circle').attr('class', 'al-point').attr('cx', x(p.x)).attr('cy', y(p.y)).attr('r', 3).attr('fill', d.color);
    }
  }

  // Crosshair: snaps to the x values present in the data.
  const xs = [...new Set(visible.flatMap((d) => d.points.map((p) => p.x)))].sort((a, b) => a - b);
  const cross = plot.append('g').attr('class', 'al-crosshair').attr('pointer-events', 'none').attr('visibility', 'hidden');
  const vline = cross.append('line').attr('y1', 0).attr('y2', ph).attr('stroke', theme.muted).attr('stroke-dasharray', '3 3');
  const dots = cross.append('g');
  let active = -1;

  const show = (i: number): void => {
    if (xs.length === 0) return;
    active = Math.max(0, Math.min(xs.length - 1, i));
    const xv = xs[active] as number;
    const px = x(xv);
    cross.attr('visibility', 'visible');
    vline.attr('x1', px).attr('x2', px);
    dots.selectAll('*').remove();
    const tipRows = [];
    for (const d of visible) {
      const p = d.points.find((q) => q.x === xv);
      if (p === undefined) continue;
      dots.append('circle').attr('cx', px).attr('cy', y(p.y)).attr('r', 3.5).attr('fill', d.color).attr('stroke', theme.background).attr('stroke-width', 1.5);
      tipRows.push({ label: d.series.label, value: p.std !== undefined ? `${formatValue(p.y)} ± ${formatValue(p.std)}` : formatValue(p.y), color: d.color });
    }
    const yTip = tipRows.length > 0 ? m.top + ph / 3 : m.top;
    tooltip.show(`${o.xLabel ?? 'x'} = ${formatValue(xv)}`, tipRows, m.left + px, yTip + (root.querySelector('.al-legend')?.clientHeight ?? 0));
  };
  const hide = (): void => {
    cross.attr('visibility', 'hidden');
    tooltip.hide();
  };

  const overlay = plot
    .append('rect')
    .attr('class', 'al-overlay')
    .attr('width', pw)
    .attr('height', ph)
    .attr('fill', 'transparent')
    .on('pointermove', (ev: PointerEvent) => {
      const [mx] = pointerIn(ev, overlay.node() as SVGRectElement);
      show(bisectCenter(xs, x.invert(mx)));
    })
    .on('pointerleave', hide);
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${o.title ?? 'Line chart'}: ${visible.length} series; arrow keys move the crosshair`)
    .on('keydown', (ev: KeyboardEvent) => {
      const step = ev.shiftKey ? 10 : 1;
      if (ev.key === 'ArrowRight') show(active < 0 ? 0 : active + step);
      else if (ev.key === 'ArrowLeft') show(active < 0 ? xs.length - 1 : active - step);
      else if (ev.key === 'Home') show(0);
      else if (ev.key === 'End') show(xs.length - 1);
      else if (ev.key === 'Escape') hide();
      else return;
      ev.preventDefault();
    })
    .on('blur', hide);
  return table;
}

/** Pointer position in an element's local coordinates. */
export function pointerIn(ev: PointerEvent | MouseEvent, el: Element): [number, number] {
  const r = el.getBoundingClientRect();
  return [ev.clientX - r.left, ev.clientY - r.top];
}

/** Draws training curves; see LineChartOptions for smoothing, log scale, bands and toggles. */
export function lineChart(target: ChartTarget, data: LineSeries[], options: LineChartOptions = {}): ChartHandle<LineSeries[], LineChartOptions> {
  return makeChart('line', target, data, options, draw);
}
