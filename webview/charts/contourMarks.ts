/**
 * What the contour plot draws on top of the bands: the global minima as stars, and each optimizer
 * path as a polyline with a hollow start and a filled end (a cross when the run diverged).
 */
import { line, symbol, symbolCross, symbolStar } from 'd3';
import type { Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import type { ContourFrame } from './contourFrame';
import { formatValue } from './format';
import type { OptimizerPath, PathPoint } from './types';

type G = Selection<SVGGElement, unknown, null, undefined>;

/** A path that is drawn, with its index among the data's paths (for its colour). */
export interface VisiblePath {
  p: OptimizerPath;
  i: number;
}

/** Stars at the minima, each with a title giving its coordinates. */
export function drawMinima(marks: G, frame: ContourFrame, minima: [number, number][], theme: ChartTheme): void {
  const { x, y } = frame;
  for (const mn of minima) {
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
}

/** The visible paths, each in colors[i]: line, start circle, end circle (or cross when diverged). */
export function drawPaths(marks: G, frame: ContourFrame, visible: VisiblePath[], colors: string[], theme: ChartTheme): void {
  const { x, y } = frame;
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
}
