/**
 * The contour plot's frame: margins, a plot area whose aspect follows the grid's domain (so circles
 * look round), the x and y scales, the svg with its plot group and a clip path for what is drawn
 * inside, and the axes around it. Shared by the drawing steps (contourBands.ts, contourMarks.ts,
 * contourCursor.ts).
 */
import { scaleLinear } from 'd3';
import type { ScaleLinear, Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import { axisTitles, drawXAxis, drawYAxis, numericXAxis } from './axes';
import type { Margins } from './axes';
import { chartHeight, nextId } from './chartFrame';
import type { DrawContext } from './chartFrame';
import type { ContourData, ContourOptions } from './types';

export interface ContourFrame {
  m: Margins;
  /** The plot area's width and height. */
  pw: number;
  ph: number;
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  /** The group translated to the plot area's top left corner. */
  plot: Selection<SVGGElement, unknown, null, undefined>;
  /** The id of the clip path of the plot area. */
  clip: string;
}

/** Adds the svg (its height from the options, else from the domain's aspect) with the plot group and the clip path. */
export function contourFrame(ctx: DrawContext<ContourOptions>, data: ContourData): ContourFrame {
  const { width, options: o } = ctx;
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
  return { m, pw, ph, x, y, svg, plot, clip };
}

/** The y and x axes, the plot area's border and the axis titles. */
export function drawContourAxes(frame: ContourFrame, theme: ChartTheme): void {
  const { m, pw, ph, x, y, svg, plot } = frame;
  drawYAxis(plot.append('g').attr('class', 'al-y-axis'), y, theme, 0, false, Math.max(3, Math.floor(ph / 50)));
  plot.select('.al-y-axis').selectAll('.tick line').attr('x2', -4);
  drawXAxis(plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${ph})`), numericXAxis(x, Math.max(3, Math.floor(pw / 80))), theme);
  plot.append('rect').attr('width', pw).attr('height', ph).attr('fill', 'none').attr('stroke', theme.grid);
  axisTitles(svg, theme, m, pw, ph, 'x', 'y');
}
