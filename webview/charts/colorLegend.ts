/** A vertical colour bar with an axis, for heatmaps and the attention viewer. */
import { axisRight, scaleLinear } from 'd3';
import type { Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import { styleAxis, tickFormat } from './axes';
import { nextId } from './chartFrame';

/** Width the legend needs to the right of the plot, in pixels. */
export const COLOR_LEGEND_WIDTH = 74;

/**
 * Draws the bar at (x, y) with height h for values in [lo, hi]; `color(v)` is the chart's scale.
 * Ticks in `marks` (e.g. a reference value) are drawn as a line across the bar.
 */
export function drawColorLegend(
  svg: Selection<SVGSVGElement, unknown, null, undefined>,
  theme: ChartTheme,
  x: number,
  y: number,
  h: number,
  lo: number,
  hi: number,
  color: (v: number) => string,
  title?: string,
): void {
  const id = nextId('grad');
  const grad = svg.append('defs').append('linearGradient').attr('id', id).attr('x1', 0).attr('x2', 0).attr('y1', 1).attr('y2', 0);
  const n = 24;
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    grad
      .append('stop')
      .attr('offset', `${t * 100}%`)
      .attr('stop-color', color(lo + t * (hi - lo)));
  }
  const g = svg.append('g').attr('class', 'al-color-legend').attr('transform', `translate(${x},${y})`);
  g.append('rect').attr('width', 12).attr('height', h).attr('fill', `url(#${id})`).attr('stroke', theme.grid);
  const s = scaleLinear().domain([lo, hi]).range([h, 0]);
  const axis = g.append('g').attr('transform', 'translate(12,0)');
  axis.call(
    axisRight(s)
      .ticks(Math.max(2, Math.floor(h / 36)))
      .tickSize(4)
      .tickFormat((d) => tickFormat(d as number)),
  );
  styleAxis(axis, theme);
  axis.select('.domain').remove();
  if (title) {
    g.append('text')
      .attr('class', 'al-legend-title')
      .attr('transform', `translate(${COLOR_LEGEND_WIDTH - 12},${h / 2}) rotate(90)`)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.muted)
      .attr('font-size', Math.max(10, theme.fontSize - 2))
      .text(title);
  }
}

/** Black or white text, whichever reads better on `fill` (relative luminance). */
export function textOn(fill: string): string {
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)/.exec(fill) ?? undefined;
  let r: number;
  let g: number;
  let b: number;
  if (m) {
    [r, g, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if (/^#[0-9a-f]{6}$/i.test(fill)) {
    [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(fill.slice(i, i + 2), 16)) as [number, number, number];
  } else return '#000000';
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const L = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return L > 0.22 ? '#111111' : '#f5f5f5';
}
