/**
 * Line chart for training curves, at the level TensorBoard and W&B users expect: several series
 * (one per group of runs), bands across seeds (std, min–max or a 95 % interval: the caller puts
 * `lo`/`hi` or `std` on the points), EMA smoothing with the raw line faint underneath, log x and
 * y, drag-to-zoom on x with a reset (double-click or the button), individual runs as thin
 * "member" lines in their group's colour, colours by a stable `colorIndex`, legend toggles, and a
 * crosshair tooltip listing every visible series at the hovered x (smoothed and raw values; the
 * arrow keys move it too). The CSV holds what is drawn: raw and smoothed values and the band.
 */
import { area, axisBottom, bisectCenter, line, scaleLinear, scaleLog } from 'd3';
import type { ScaleContinuousNumeric } from 'd3';
import { seriesColor } from '../theme/theme';
import { axisTitles, drawXAxis, drawYAxis, logTickFormat, numericXAxis } from './axes';
import { chartHeight, makeChart, nextId } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { preparePoints, type Pt } from './linePoints';
import { formatDuration, formatValue } from './format';
import { drawLegend, toggled } from './legend';
import type { ChartHandle, ChartTarget } from './handle';
import type { DataTable, LineChartOptions, LineSeries } from './types';

export { preparePoints };

interface Drawn {
  series: LineSeries;
  color: string;
  points: Pt[];
}

function draw(ctx: DrawContext<LineChartOptions>, data: LineSeries[]): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  const smoothing = Math.min(0.999, Math.max(0, o.smoothing ?? 0));
  const logY = o.logY === true;
  const logX = o.logX === true;
  const hidden = new Set(o.hidden ?? []);
  const all: Drawn[] = data.map((s, i) => ({ series: s, color: s.color ?? seriesColor(theme, s.colorIndex ?? i), points: preparePoints(s, smoothing, logX, logY) }));
  const leaders = all.filter((d) => d.series.member === undefined);
  const hasStd = data.some((s) => s.points.some((p) => p.std !== undefined));
  const lohi = data.some((s) => s.points.some((p) => p.lo !== undefined));
  // The CSV: what is drawn (smoothed), the raw value when smoothed, and the band.
  const columns = ['series', 'x', smoothing > 0 ? `y (EMA ${smoothing})` : 'y', ...(hasStd || !lohi ? ['std'] : []), ...(smoothing > 0 ? ['y raw'] : []), ...(lohi ? ['band low', 'band high'] : [])];
  const stdOf = new Map(data.map((s) => [s.id, new Map(s.points.map((p) => [p.x, p.std]))]));
  const rows = all.flatMap((d) =>
    d.points.map((p) => {
      const std = smoothing > 0 ? (p.lo !== undefined && p.hi !== undefined ? (p.hi - p.lo) / 2 : null) : (stdOf.get(d.series.id)?.get(p.x) ?? null);
      return [d.series.label, p.x, p.y, ...(hasStd || !lohi ? [std] : []), ...(smoothing > 0 ? [p.raw] : []), ...(lohi ? [p.lo ?? null, p.hi ?? null] : [])];
    }),
  );
  const table: DataTable = { columns, rows };
  if (all.every((d) => d.points.length === 0)) {
    ctx.empty(data.length > 0 && (logY || logX) && data.some((s) => s.points.length > 0) ? 'No positive values to show on a log scale' : undefined);
    return table;
  }

  drawLegend(
    root,
    leaders.map((d) => ({ id: d.series.id, label: d.series.label, color: d.color, dashed: d.series.dashed === true })),
    hidden,
    (id) => {
      const next = toggled(o.hidden, id);
      o.onToggle?.(next);
      ctx.setOptions({ hidden: next } as Partial<LineChartOptions>);
    },
  );

  // A member (one run of a group) is hidden with its group.
  const shown = (d: Drawn): boolean => !hidden.has(d.series.id) && (d.series.member === undefined || !hidden.has(d.series.member)) && d.points.length > 0;
  const visible = all.filter(shown);
  const visibleLeaders = visible.filter((d) => d.series.member === undefined);
  const height = chartHeight(o, width, 0.5, 200, 380);
  const m = { top: 8, right: 16, bottom: o.xLabel ? 40 : 26, left: o.yLabel ? 62 : 48 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const svg = ctx.addSvg(height);
  const bands = o.bands !== false;

  // x: the data's extent, or the zoomed window; y fits what is inside the window.
  const pool = (visible.length > 0 ? visible : all).flatMap((d) => d.points);
  const xs0 = pool.map((p) => p.x);
  let [x0, x1] = [Math.min(...xs0), Math.max(...xs0)];
  const full: [number, number] = [x0, x1];
  const zoom = o.xDomain !== undefined && o.xDomain !== null && o.xDomain[1] > o.xDomain[0] ? o.xDomain : null;
  if (zoom) [x0, x1] = [Math.max(zoom[0], logX ? Number.MIN_VALUE : -Infinity), zoom[1]];
  const inView = pool.filter((p) => p.x >= x0 && p.x <= x1);
  const yPool = inView.length > 0 ? inView : pool;
  const withRaw = smoothing > 0 && o.showRaw !== false;
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

  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  drawYAxis(plot.append('g').attr('class', 'al-y-axis'), y, theme, pw, logY, Math.max(3, Math.floor(ph / 45)));
  const xTicks = Math.max(3, Math.floor(pw / 90));
  const xAxis = o.xTime
    ? axisBottom<number>(x)
        .ticks(xTicks)
        .tickFormat((d) => formatDuration(d))
        .tickSizeOuter(0)
    : logX
      ? axisBottom<number>(x)
          .ticks(xTicks)
          .tickFormat((d) => logTickFormat(d))
          .tickSizeOuter(0)
      : numericXAxis(x, xTicks);
  drawXAxis(plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${ph})`), xAxis, theme);
  axisTitles(svg, theme, m, pw, ph, o.xLabel, o.yLabel);

  const clipId = nextId('clip');
  svg.append('defs').append('clipPath').attr('id', clipId).append('rect').attr('width', pw).attr('height', ph);
  const marks = plot.append('g').attr('clip-path', `url(#${clipId})`);
  const path = (pick: (p: Pt) => number) =>
    line<Pt>()
      .x((p) => x(p.x))
      .y((p) => y(pick(p)))
      .defined((p) => Number.isFinite(pick(p)) && (!logY || pick(p) > 0));

  for (const d of visibleLeaders) {
    const withBand = d.points.filter((p) => p.lo !== undefined && p.hi !== undefined);
    if (bands && withBand.length > 1) {
      const band = area<Pt>()
        .x((p) => x(p.x))
        .y0((p) => y(Math.max(p.lo as number, logY ? yMin : -Infinity)))
        .y1((p) => y(p.hi as number));
      marks
        .append('path')
        .attr('class', 'al-band')
        .attr('data-series', d.series.id)
        .attr('d', band(withBand))
        .attr('fill', d.color)
        .attr('fill-opacity', theme.kind.startsWith('high') ? 0.35 : 0.18)
        .attr('stroke', 'none');
    }
  }
  // The raw values, faint, under the smoothed line (TensorBoard's look).
  if (withRaw) {
    for (const d of visibleLeaders) {
      marks
        .append('path')
        .attr('class', 'al-raw')
        .attr('data-series', d.series.id)
        .attr('d', path((p) => p.raw)(d.points))
        .attr('fill', 'none')
        .attr('stroke', d.color)
        .attr('stroke-opacity', 0.25)
        .attr('stroke-width', 1);
    }
  }
  for (const d of visible.filter((v) => v.series.member !== undefined)) {
    marks
      .append('path')
      .attr('class', 'al-member')
      .attr('data-series', d.series.id)
      .attr('data-member-of', d.series.member ?? '')
      .attr('d', path((p) => p.y)(d.points))
      .attr('fill', 'none')
      .attr('stroke', d.color)
      .attr('stroke-opacity', 0.55)
      .attr('stroke-width', 1);
  }
  for (const d of visibleLeaders) {
    marks
      .append('path')
      .attr('class', 'al-line')
      .attr('data-series', d.series.id)
      .attr('d', path((p) => p.y)(d.points))
      .attr('fill', 'none')
      .attr('stroke', d.color)
      .attr('stroke-width', theme.lineWidth)
      .attr('stroke-linejoin', 'round')
      .attr('stroke-dasharray', d.series.dashed ? '6 4' : null);
    if (d.points.length === 1) {
      const p = d.points[0] as Pt;
      marks.append('circle').attr('class', 'al-point').attr('cx', x(p.x)).attr('cy', y(p.y)).attr('r', 3).attr('fill', d.color);
    }
  }

  // Crosshair: snaps to the x values present in the data (inside the zoomed window).
  const xs = [...new Set(visibleLeaders.flatMap((d) => d.points.map((p) => p.x)))].filter((v) => v >= xDomain[0] && v <= xDomain[1]).sort((a, b) => a - b);
  const cross = plot.append('g').attr('class', 'al-crosshair').attr('pointer-events', 'none').attr('visibility', 'hidden');
  const vline = cross.append('line').attr('y1', 0).attr('y2', ph).attr('stroke', theme.muted).attr('stroke-dasharray', '3 3');
  const dots = cross.append('g');
  let active = -1;
  const xText = (v: number): string => (o.xTime ? formatDuration(v) : formatValue(v));

  const show = (i: number): void => {
    if (xs.length === 0) return;
    active = Math.max(0, Math.min(xs.length - 1, i));
    const xv = xs[active] as number;
    const px = x(xv);
    cross.attr('visibility', 'visible');
    vline.attr('x1', px).attr('x2', px);
    dots.selectAll('*').remove();
    const tipRows = [];
    for (const d of visibleLeaders) {
      const p = d.points.find((q) => q.x === xv);
      if (p === undefined) continue;
      dots.append('circle').attr('cx', px).attr('cy', y(p.y)).attr('r', 3.5).attr('fill', d.color).attr('stroke', theme.background).attr('stroke-width', 1.5);
      const std = stdOf.get(d.series.id)?.get(xv);
      const spread = smoothing === 0 && std !== undefined ? ` ± ${formatValue(std)}` : p.lo !== undefined && p.hi !== undefined ? ` [${formatValue(p.lo)}, ${formatValue(p.hi)}]` : '';
      const raw = smoothing > 0 ? ` (raw ${formatValue(p.raw)})` : '';
      tipRows.push({ label: d.series.label, value: `${formatValue(p.y)}${raw}${spread}`, color: d.color });
    }
    const yTip = tipRows.length > 0 ? m.top + ph / 3 : m.top;
    tooltip.show(`${o.xLabel ?? 'x'} = ${xText(xv)}`, tipRows, m.left + px, yTip + (root.querySelector('.al-legend')?.clientHeight ?? 0));
  };
  const hide = (): void => {
    cross.attr('visibility', 'hidden');
    tooltip.hide();
  };

  // Drag across the plot to zoom into that x range; double-click (or the button) resets.
  const setZoom = (domain: [number, number] | null): void => {
    o.onZoom?.(domain);
    ctx.setOptions({ xDomain: domain } as Partial<LineChartOptions>);
  };
  const brush = plot.append('rect').attr('class', 'al-brush').attr('y', 0).attr('height', ph).attr('fill', theme.focus).attr('fill-opacity', 0.15).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let dragFrom: number | null = null;
  const overlay = plot
    .append('rect')
    .attr('class', 'al-overlay')
    .attr('width', pw)
    .attr('height', ph)
    .attr('fill', 'transparent')
    .style('cursor', 'crosshair')
    .on('pointerdown', (ev: PointerEvent) => {
      if (ev.button !== 0) return;
      dragFrom = pointerIn(ev, overlay.node() as SVGRectElement)[0];
      (overlay.node() as SVGRectElement).setPointerCapture?.(ev.pointerId);
    })
    .on('pointermove', (ev: PointerEvent) => {
      const [mx] = pointerIn(ev, overlay.node() as SVGRectElement);
      if (dragFrom !== null) {
        const a = Math.max(0, Math.min(dragFrom, mx));
        const b = Math.min(pw, Math.max(dragFrom, mx));
        brush.attr('visibility', 'visible').attr('x', a).attr('width', b - a);
      }
      show(bisectCenter(xs, x.invert(mx)));
    })
    .on('pointerup', (ev: PointerEvent) => {
      if (dragFrom === null) return;
      const [mx] = pointerIn(ev, overlay.node() as SVGRectElement);
      const [a, b] = [Math.max(0, Math.min(dragFrom, mx)), Math.min(pw, Math.max(dragFrom, mx))];
      dragFrom = null;
      brush.attr('visibility', 'hidden');
      // A click is not a drag: at least 5 pixels.
      if (b - a >= 5) setZoom([x.invert(a), x.invert(b)]);
    })
    .on('dblclick', () => {
      if (zoom) setZoom(null);
    })
    .on('pointerleave', () => {
      if (dragFrom === null) hide();
    });
  if (zoom) {
    const reset = root.ownerDocument.createElement('button');
    reset.type = 'button';
    reset.className = 'al-zoom-reset';
    reset.textContent = 'Reset zoom';
    reset.title = `Showing ${o.xLabel ?? 'x'} ${xText(xDomain[0])} – ${xText(xDomain[1])}; double-click the plot also resets`;
    reset.addEventListener('click', () => setZoom(null));
    root.insertBefore(reset, root.querySelector('svg.al-plot'));
  }
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${o.title ?? 'Line chart'}: ${visibleLeaders.length} series; arrow keys move the crosshair; + and − zoom around it, 0 resets${zoom ? ' (Escape twice too)' : ''}`)
    .on('keydown', (ev: KeyboardEvent) => {
      const step = ev.shiftKey ? 10 : 1;
      if (ev.key === 'ArrowRight') show(active < 0 ? 0 : active + step);
      else if (ev.key === 'ArrowLeft') show(active < 0 ? xs.length - 1 : active - step);
      else if (ev.key === 'Home') show(0);
      else if (ev.key === 'End') show(xs.length - 1);
      else if (ev.key === '+' || ev.key === '=' || ev.key === '-' || ev.key === '−') {
        // The keyboard's zoom: halve (or double) the window around the crosshair (else its middle).
        const centre = active >= 0 && xs[active] !== undefined ? (xs[active] as number) : (xDomain[0] + xDomain[1]) / 2;
        const next = keyZoom(xDomain, full, centre, ev.key === '+' || ev.key === '=' ? 0.5 : 2, logX);
        setZoom(next);
      } else if (ev.key === '0') {
        if (zoom) setZoom(null);
      } else if (ev.key === 'Escape') {
        if (active < 0 && zoom) setZoom(null);
        else {
          active = -1;
          hide();
        }
      } else return;
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

/**
 * The window after a keyboard zoom by `factor` around `centre` (in log space on a log axis), kept
 * inside the data's extent; null once it covers all of it (no zoom).
 */
export function keyZoom(domain: readonly [number, number], full: readonly [number, number], centre: number, factor: number, log: boolean): [number, number] | null {
  const to = (v: number): number => (log ? Math.log(v) : v);
  const from = (v: number): number => (log ? Math.exp(v) : v);
  const [f0, f1] = [to(full[0]), to(full[1])];
  const half = ((to(domain[1]) - to(domain[0])) * factor) / 2;
  if (2 * half >= f1 - f0) return null;
  let a = to(centre) - half;
  let b = to(centre) + half;
  if (a < f0) [a, b] = [f0, f0 + 2 * half];
  if (b > f1) [a, b] = [f1 - 2 * half, f1];
  return [from(a), from(b)];
}

/** Draws training curves; see LineChartOptions for smoothing, log axes, bands, zoom and toggles. */
export function lineChart(target: ChartTarget, data: LineSeries[], options: LineChartOptions = {}): ChartHandle<LineSeries[], LineChartOptions> {
  return makeChart('line', target, data, options, draw);
}
