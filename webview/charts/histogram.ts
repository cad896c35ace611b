/**
 * Histogram of a tensor's values for the checkpoint inspector, from the engine's Histogram
 * (edges and counts). Values outside the bins (NaN, ±Inf) are reported under the plot.
 */
import { scaleLinear, scaleLog } from 'd3';
import type { ScaleContinuousNumeric } from 'd3';
import { axisTitles, drawXAxis, drawYAxis, numericXAxis } from './axes';
import { chartHeight, makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { attachArrowKeys } from './arrowKeys';
import { formatValue } from './format';
import type { ChartHandle, ChartTarget } from './handle';
import type { DataTable, HistogramData, HistogramOptions } from './types';

export function validateHistogram(d: HistogramData): void {
  if (d.edges.length !== d.counts.length + 1) {
    throw new RangeError(`histogram: ${d.edges.length} edges for ${d.counts.length} bins (need bins + 1)`);
  }
  for (let i = 1; i < d.edges.length; i++) {
    if (!((d.edges[i] as number) > (d.edges[i - 1] as number))) throw new RangeError(`histogram: edges must increase (edge ${i})`);
  }
}

function draw(ctx: DrawContext<HistogramOptions>, data: HistogramData): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  validateHistogram(data);
  const table: DataTable = {
    columns: ['from', 'to', 'count'],
    rows: data.counts.map((c, i) => [data.edges[i] as number, data.edges[i + 1] as number, c]),
  };
  const total = data.counts.reduce((a, b) => a + b, 0);
  if (data.counts.length === 0 || total === 0) {
    ctx.empty(data.skipped ? `No finite values (${data.skipped} skipped)` : undefined);
    return table;
  }
  const logY = o.logY === true;
  const height = chartHeight(o, width, 0.4, 160, 300);
  const m = { top: 10, right: 14, bottom: o.xLabel ? 42 : 26, left: 56 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const svg = ctx.addSvg(height);
  const lo = data.edges[0] as number;
  const hi = data.edges[data.edges.length - 1] as number;
  const x = scaleLinear().domain([lo, hi]).range([0, pw]);
  const maxC = Math.max(...data.counts);
  const y: ScaleContinuousNumeric<number, number> = logY ? scaleLog().domain([0.8, maxC * 1.1]).range([ph, 0]).nice() : scaleLinear().domain([0, maxC]).range([ph, 0]).nice();
  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  drawYAxis(plot.append('g').attr('class', 'al-y-axis'), y, theme, pw, logY, Math.max(3, Math.floor(ph / 40)));
  drawXAxis(plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${ph})`), numericXAxis(x, Math.max(3, Math.floor(pw / 90))), theme);
  axisTitles(svg, theme, m, pw, ph, o.xLabel, logY ? 'count (log)' : 'count');
  const g = plot.append('g').attr('class', 'al-bins');
  const color = theme.series[0] ?? theme.foreground;
  data.counts.forEach((c, i) => {
    const a = x(data.edges[i] as number);
    const b = x(data.edges[i + 1] as number);
    const top = c > 0 ? y(c) : ph;
    g.append('rect')
      .attr('class', 'al-bin')
      .attr('data-bin', i)
      .attr('data-count', c)
      .attr('x', a)
      .attr('width', Math.max(0.5, b - a - (b - a > 3 ? 1 : 0)))
      .attr('y', top)
      .attr('height', ph - top)
      .attr('fill', color);
    // A full-height hit area so thin bins are easy to hover.
    g.append('rect').attr('class', 'al-hit').attr('data-bin', i).attr('x', a).attr('width', Math.max(1, b - a)).attr('y', 0).attr('height', ph).attr('fill', 'transparent');
  });
  if (data.skipped) {
    const cap = root.ownerDocument.createElement('div');
    cap.className = 'al-caption';
    cap.textContent = `${data.skipped} value${data.skipped === 1 ? '' : 's'} outside the bins (NaN, ±Inf or out of range)`;
    root.appendChild(cap);
  }
  let cur = -1;
  const show = (i: number): void => {
    cur = Math.max(0, Math.min(data.counts.length - 1, i));
    g.selectAll<SVGRectElement, unknown>('.al-bin').attr('fill-opacity', function () {
      return Number(this.getAttribute('data-bin')) === cur ? 0.65 : null;
    });
    const last = cur === data.counts.length - 1;
    const c = data.counts[cur] as number;
    tooltip.show(
      `[${formatValue(data.edges[cur])}, ${formatValue(data.edges[cur + 1])}${last ? ']' : ')'}`,
      [
        { label: 'count', value: formatValue(c) },
        { label: 'share', value: `${formatValue((100 * c) / total)} %` },
      ],
      m.left + x(data.edges[cur + 1] as number),
      m.top + ph / 3,
    );
  };
  const hide = (): void => {
    g.selectAll('.al-bin').attr('fill-opacity', null);
    tooltip.hide();
  };
  g.on('pointermove', (ev: PointerEvent) => {
    const b = (ev.target as Element).getAttribute('data-bin');
    if (b !== null) show(Number(b));
  }).on('pointerleave', hide);
  attachArrowKeys(svg, `${o.title ?? 'Histogram'}: ${data.counts.length} bins; arrow keys move between them`, { current: () => cur, show, hide });
  return table;
}

/** Draws a histogram from bin edges and counts; see HistogramOptions. */
export function histogram(target: ChartTarget, data: HistogramData, options: HistogramOptions = {}): ChartHandle<HistogramData, HistogramOptions> {
  return makeChart('histogram', target, data, options, draw);
}
