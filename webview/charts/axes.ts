/** Axes, grid lines and axis titles drawn in the theme's colours (concrete values: exports keep them). */
import { axisBottom, axisLeft, format } from 'd3';
import type { Axis, AxisDomain, ScaleContinuousNumeric, Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';

type G = Selection<SVGGElement, unknown, null, undefined>;

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** Colours an axis group drawn by d3-axis. */
export function styleAxis(g: G, theme: ChartTheme): void {
  g.attr('font-family', theme.fontFamily).attr('font-size', Math.max(10, theme.fontSize - 2));
  g.selectAll<SVGPathElement, unknown>('.domain').attr('stroke', theme.grid);
  g.selectAll<SVGLineElement, unknown>('.tick line').attr('stroke', theme.grid);
  g.selectAll<SVGTextElement, unknown>('.tick text').attr('fill', theme.muted);
}

/** Short tick labels: SI-ish for large numbers, 3 significant digits otherwise. */
export const tickFormat = (v: number): string => {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 || a < 1e-3) return format('.2~e')(v);
  return format('.3~g')(v);
};

/** Log-axis labels: only powers of ten and 2×, 5× between them, so labels do not collide. */
export function logTickFormat(v: number): string {
  const e = Math.log10(v);
  const m = v / 10 ** Math.floor(e + 1e-9);
  if (Math.abs(m - 1) < 1e-6 || Math.abs(m - 2) < 1e-6 || Math.abs(m - 5) < 1e-6) return tickFormat(v);
  return '';
}

/** Left axis with horizontal grid lines across the plot width. */
export function drawYAxis(
  g: G,
  scale: ScaleContinuousNumeric<number, number>,
  theme: ChartTheme,
  plotWidth: number,
  log: boolean,
  ticks = 6,
): void {
  const axis = axisLeft(scale)
    .ticks(ticks)
    .tickFormat((d) => (log ? logTickFormat(d as number) : tickFormat(d as number)))
    .tickSizeOuter(0);
  g.call(axis);
  g.selectAll<SVGLineElement, unknown>('.tick line').attr('x2', plotWidth).attr('stroke-opacity', 0.6);
  g.select('.domain').remove();
  styleAxis(g, theme);
  g.selectAll<SVGLineElement, unknown>('.tick line').attr('stroke', theme.grid);
  g.selectAll<SVGTextElement, unknown>('.tick text').attr('x', -6);
  if (log) {
    // Unlabelled log ticks (3×, 4×, …) get faint grid lines, so the decades stand out.
    g.selectAll<SVGGElement, number>('.tick')
      .filter((d) => logTickFormat(d) === '')
      .select('line')
      .attr('stroke-opacity', 0.22);
  }
}

export function drawXAxis<T extends AxisDomain>(g: G, axis: Axis<T>, theme: ChartTheme): void {
  g.call(axis);
  styleAxis(g, theme);
}

/** Bottom axis of a numeric scale. */
export function numericXAxis(scale: ScaleContinuousNumeric<number, number>, ticks: number): Axis<number> {
  return axisBottom<number>(scale)
    .ticks(ticks)
    .tickFormat((d) => tickFormat(d))
    .tickSizeOuter(0);
}

/** Axis titles: x centred under the plot, y rotated along the left edge. */
export function axisTitles(
  svg: Selection<SVGSVGElement, unknown, null, undefined>,
  theme: ChartTheme,
  m: Margins,
  plotW: number,
  plotH: number,
  xLabel: string | undefined,
  yLabel: string | undefined,
): void {
  if (xLabel) {
    svg
      .append('text')
      .attr('class', 'al-axis-title al-x-title')
      .attr('x', m.left + plotW / 2)
      .attr('y', m.top + plotH + m.bottom - 6)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.foreground)
      .text(xLabel);
  }
  if (yLabel) {
    svg
      .append('text')
      .attr('class', 'al-axis-title al-y-title')
      .attr('transform', `translate(${14},${m.top + plotH / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.foreground)
      .text(yLabel);
  }
}
