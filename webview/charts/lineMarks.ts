/**
 * What the line chart draws inside its plot, back to front: the bands of the group means, the faint
 * raw lines (TensorBoard's look), the member lines (one run of a group, thin), the group lines
 * (dashed when asked) with a dot for a single point.
 */
import { area, line } from 'd3';
import type { Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import type { Pt } from './linePoints';
import type { Drawn, LineFlags, LineScales } from './lineScales';

type G = Selection<SVGGElement, unknown, null, undefined>;

function drawBands(marks: G, leaders: Drawn[], s: LineScales, logY: boolean, theme: ChartTheme): void {
  const { x, y, yMin } = s;
  for (const d of leaders) {
    const withBand = d.points.filter((p) => p.lo !== undefined && p.hi !== undefined);
    if (withBand.length > 1) {
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
}

/** Draws the visible series (`visible`; `leaders` are those that are not a member of a group). */
export function drawLineMarks(marks: G, visible: Drawn[], leaders: Drawn[], s: LineScales, f: LineFlags, theme: ChartTheme): void {
  const { x, y } = s;
  const { logY } = f;
  const path = (pick: (p: Pt) => number) =>
    line<Pt>()
      .x((p) => x(p.x))
      .y((p) => y(pick(p)))
      .defined((p) => Number.isFinite(pick(p)) && (!logY || pick(p) > 0));
  if (f.bands) drawBands(marks, leaders, s, logY, theme);
  // The raw values, faint, under the smoothed line (TensorBoard's look).
  if (f.withRaw) {
    for (const d of leaders) {
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
  for (const d of leaders) {
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
}
