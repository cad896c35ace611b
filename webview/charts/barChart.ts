/**
 * Grouped bar chart (e.g. final accuracy per task, one bar per optimizer) with optional error
 * bars (seed std). Arrow keys walk the bars and show the same tooltip as hovering.
 */
import { axisBottom, scaleBand, scaleLinear, scaleLog } from 'd3';
import type { ScaleContinuousNumeric, Selection } from 'd3';
import { seriesColor } from '../theme/theme';
import { axisTitles, drawXAxis, drawYAxis } from './axes';
import { chartHeight, makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { attachArrowKeys } from './arrowKeys';
import { formatValue } from './format';
import type { ChartHandle, ChartTarget } from './handle';
import { drawLegend } from './legend';
import type { BarChartOptions, BarData, DataTable } from './types';

/** A vertical error bar at x `cx` from `top` to `bottom` with caps of half-width `cap`. */
function drawErrorBar(parent: Selection<SVGGElement, unknown, null, undefined>, color: string, cx: number, top: number, bottom: number, cap: number): void {
  const eb = parent.append('g').attr('class', 'al-error').attr('stroke', color).attr('stroke-width', 1.2).attr('pointer-events', 'none');
  eb.append('line').attr('x1', cx).attr('x2', cx).attr('y1', top).attr('y2', bottom);
  eb.append('line').attr('x1', cx - cap).attr('x2', cx + cap).attr('y1', top).attr('y2', top);
  eb.append('line').attr('x1', cx - cap).attr('x2', cx + cap).attr('y1', bottom).attr('y2', bottom);
}

function draw(ctx: DrawContext<BarChartOptions>, data: BarData): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  data.groups.forEach((g) => {
    if (g.values.length !== data.series.length) {
      throw new RangeError(`barChart: group "${g.label}" has ${g.values.length} values for ${data.series.length} series`);
    }
  });
  const table: DataTable = {
    columns: ['group', 'series', 'value', 'error'],
    rows: data.groups.flatMap((g) => data.series.map((s, i) => [g.label, s, Number.isFinite(g.values[i]) ? (g.values[i] as number) : null, g.errors?.[i] ?? null])),
  };
  const logY = o.logY === true;
  const vals = data.groups.flatMap((g) => g.values.map((v, i) => [v, g.errors?.[i] ?? 0] as const)).filter(([v]) => Number.isFinite(v) && (!logY || v > 0));
  if (data.series.length === 0 || vals.length === 0) {
    ctx.empty();
    return table;
  }
  const colors = data.series.map((_, i) => seriesColor(theme, data.colorIndexes?.[i] ?? i));
  if (data.series.length > 1) {
    drawLegend(
      root,
      data.series.map((s, i) => ({ id: s, label: s, color: colors[i] as string, shape: 'box' })),
      new Set(),
    );
  }
  const height = chartHeight(o, width, 0.45, 200, 340);
  const m = { top: 10, right: 12, bottom: o.xLabel ? 44 : 28, left: o.yLabel ? 62 : 48 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const svg = ctx.addSvg(height);
  const hi = Math.max(...vals.map(([v, e]) => v + e));
  const lo = Math.min(...vals.map(([v, e]) => v - e));
  const domain: [number, number] = o.domain ?? (logY ? [Math.min(...vals.map(([v]) => v)) / 1.5, hi * 1.2] : [Math.min(0, lo), Math.max(0, hi)]);
  const y: ScaleContinuousNumeric<number, number> = logY ? scaleLog().domain(domain).range([ph, 0]).nice() : scaleLinear().domain(domain).range([ph, 0]).nice();
  const x0 = scaleBand<string>()
    .domain(data.groups.map((g) => g.label))
    .range([0, pw])
    .paddingInner(0.22)
    .paddingOuter(0.1);
  const x1 = scaleBand<number>()
    .domain(data.series.map((_, i) => i))
    .range([0, x0.bandwidth()])
    .padding(0.08);
  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  drawYAxis(plot.append('g').attr('class', 'al-y-axis'), y, theme, pw, logY, Math.max(3, Math.floor(ph / 45)));
  drawXAxis(plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${ph})`), axisBottom(x0).tickSizeOuter(0), theme);
  axisTitles(svg, theme, m, pw, ph, o.xLabel, o.yLabel);
  const base = logY ? ph : y(0);
  const bars: { g: number; s: number; x: number; y: number }[] = [];
  const barG = plot.append('g').attr('class', 'al-bars');
  data.groups.forEach((g, gi) => {
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v) || (logY && v <= 0)) {
        // Say that the value is missing rather than leaving a gap that reads as zero.
        barG
          .append('text')
          .attr('class', 'al-bar-missing')
          .attr('x', (x0(g.label) ?? 0) + (x1(si) ?? 0) + x1.bandwidth() / 2)
          .attr('y', base - 4)
          .attr('text-anchor', 'middle')
          .attr('font-size', Math.max(10, theme.fontSize - 3))
          .attr('fill', theme.muted)
          .text('n/a');
        return;
      }
      const bx = (x0(g.label) ?? 0) + (x1(si) ?? 0);
      const by = y(v);
      bars.push({ g: gi, s: si, x: bx + x1.bandwidth() / 2, y: Math.min(by, base) });
      barG
        .append('rect')
        .attr('class', 'al-bar')
        .attr('data-group', gi)
        .attr('data-series', si)
        .attr('data-value', String(v))
        .attr('x', bx)
        .attr('width', x1.bandwidth())
        .attr('y', Math.min(by, base))
        .attr('height', Math.max(0.5, Math.abs(base - by)))
        .attr('rx', 1.5)
        .attr('fill', colors[si] as string);
      const e = g.errors?.[si];
      if (e !== undefined && Number.isFinite(e) && e > 0) {
        drawErrorBar(barG, theme.foreground, bx + x1.bandwidth() / 2, y(v + e), logY && v - e <= 0 ? ph : y(v - e), Math.min(6, x1.bandwidth() / 3));
      }
    });
  });
  let cur = -1;
  const legendH = root.querySelector('.al-legend')?.clientHeight ?? 0;
  const show = (i: number): void => {
    if (bars.length === 0) return;
    cur = Math.max(0, Math.min(bars.length - 1, i));
    const b = bars[cur] as (typeof bars)[number];
    const g = data.groups[b.g] as BarData['groups'][number];
    const v = g.values[b.s] as number;
    const e = g.errors?.[b.s];
    barG.selectAll<SVGRectElement, unknown>('.al-bar').attr('stroke', function () {
      return Number(this.getAttribute('data-group')) === b.g && Number(this.getAttribute('data-series')) === b.s ? theme.focus : null;
    });
    tooltip.show(g.label, [{ label: data.series[b.s] as string, value: e !== undefined ? `${formatValue(v)} ± ${formatValue(e)}` : formatValue(v), color: colors[b.s] as string }], m.left + b.x, m.top + b.y + legendH);
  };
  const hide = (): void => {
    barG.selectAll('.al-bar').attr('stroke', null);
    tooltip.hide();
  };
  barG
    .on('pointermove', (ev: PointerEvent) => {
      const t = ev.target as Element;
      if (!t.classList.contains('al-bar')) return;
      const gi = Number(t.getAttribute('data-group'));
      const si = Number(t.getAttribute('data-series'));
      show(bars.findIndex((b) => b.g === gi && b.s === si));
    })
    .on('pointerleave', hide);
  attachArrowKeys(svg, `${o.title ?? 'Bar chart'}: ${bars.length} bars; arrow keys move between them`, { current: () => cur, show, hide });
  return table;
}

/** Draws grouped bars; see BarChartOptions. */
export function barChart(target: ChartTarget, data: BarData, options: BarChartOptions = {}): ChartHandle<BarData, BarChartOptions> {
  return makeChart('bar', target, data, options, draw);
}
