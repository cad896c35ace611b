/**
 * The attention pattern's frame: the square's size from the width (and the token labels' room),
 * and the light SVG overlay around the canvas — token labels on both axes while T is small (else
 * numeric ticks), the 'key' and 'query' titles.
 */
import { axisBottom, axisLeft, scaleBand, scaleLinear } from 'd3';
import type { Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import { styleAxis, tickFormat } from './axes';
import type { Margins } from './axes';
import { COLOR_LEGEND_WIDTH } from './colorLegend';
import type { AttentionOptions } from './types';

export interface PatternLayout {
  T: number;
  m: Margins;
  /** The square's side and one cell's side, in pixels. */
  side: number;
  cell: number;
  height: number;
  /** Token labels on the axes (T ≤ maxLabeledTokens). */
  labeled: boolean;
}

/** The geometry of a T × T pattern `width` wide. */
export function patternLayout(T: number, tokens: string[], o: AttentionOptions, width: number, fontSize: number): PatternLayout {
  const labeled = T <= (o.maxLabeledTokens ?? 48);
  const small = Math.max(10, fontSize - 2);
  const longest = labeled ? Math.max(...tokens.map((t) => t.length)) * small * 0.6 : small * 2.2;
  const m = { top: 8, right: COLOR_LEGEND_WIDTH + 12, bottom: Math.min(90, longest + 12) + 20, left: Math.min(90, longest + 10) + 22 };
  const avail = width - m.left - m.right;
  const side = Math.max(40, Math.floor(Math.min(avail, o.height !== undefined ? o.height - m.top - m.bottom : 560)));
  const cell = side / T;
  const height = m.top + side + m.bottom;
  return { T, m, side, cell, height, labeled };
}

/** The axes in `plot` (token labels or numeric ticks) and the axis titles in `svg`. */
export function drawPatternAxes(
  svg: Selection<SVGSVGElement, unknown, null, undefined>,
  plot: Selection<SVGGElement, unknown, null, undefined>,
  layout: PatternLayout,
  tokens: string[],
  theme: ChartTheme,
): void {
  const { T, m, side, height, labeled } = layout;
  if (labeled) {
    const band = scaleBand<number>()
      .domain(tokens.map((_, i) => i))
      .range([0, side]);
    const fmt = (i: number): string => tokens[i] ?? '';
    const xa = plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${side})`);
    xa.call(axisBottom(band).tickFormat(fmt).tickSizeOuter(0));
    xa.selectAll('text').attr('transform', 'rotate(-60)').attr('text-anchor', 'end').attr('dx', '-0.5em').attr('dy', '0.2em');
    styleAxis(xa, theme);
    const ya = plot.append('g').attr('class', 'al-y-axis');
    ya.call(axisLeft(band).tickFormat(fmt).tickSizeOuter(0));
    styleAxis(ya, theme);
  } else {
    const lin = scaleLinear().domain([0, T]).range([0, side]);
    const xa = plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${side})`);
    xa.call(axisBottom(lin).ticks(8).tickFormat((d) => tickFormat(d as number)).tickSizeOuter(0));
    styleAxis(xa, theme);
    const ya = plot.append('g').attr('class', 'al-y-axis');
    ya.call(axisLeft(lin).ticks(8).tickFormat((d) => tickFormat(d as number)).tickSizeOuter(0));
    styleAxis(ya, theme);
  }
  svg
    .append('text')
    .attr('class', 'al-axis-title al-x-title')
    .attr('x', m.left + side / 2)
    .attr('y', height - 4)
    .attr('text-anchor', 'middle')
    .attr('fill', theme.foreground)
    .text('key');
  svg
    .append('text')
    .attr('class', 'al-axis-title al-y-title')
    .attr('transform', `translate(12,${m.top + side / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('fill', theme.foreground)
    .text('query');
}
