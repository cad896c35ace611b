/**
 * Line chart for training curves, at the level TensorBoard and W&B users expect: several series
 * (one per group of runs), bands across seeds (std, min–max or a 95 % interval: the caller puts
 * `lo`/`hi` or `std` on the points), EMA smoothing with the raw line faint underneath, log x and
 * y, drag-to-zoom on x with a reset (double-click or the button), individual runs as thin
 * "member" lines in their group's colour, colours by a stable `colorIndex`, legend toggles, and a
 * crosshair tooltip listing every visible series at the hovered x (smoothed and raw values; the
 * arrow keys move it too). The CSV holds what is drawn: raw and smoothed values and the band.
 *
 * The steps: the table lineTable.ts, the scales lineScales.ts (points: linePoints.ts), the lines and
 * bands lineMarks.ts, the crosshair lineCrosshair.ts, pointer, zoom and keyboard lineZoom.ts.
 */
import { axisBottom } from 'd3';
import type { Selection } from 'd3';
import { seriesColor } from '../theme/theme';
import type { ChartTheme } from '../theme/theme';
import { axisTitles, drawXAxis, drawYAxis, logTickFormat, numericXAxis } from './axes';
import type { Margins } from './axes';
import { chartHeight, makeChart, nextId } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { addCrosshair } from './lineCrosshair';
import { drawLineMarks } from './lineMarks';
import { preparePoints } from './linePoints';
import { lineScales } from './lineScales';
import type { Drawn, LineFlags, LineScales } from './lineScales';
import { lineTable } from './lineTable';
import { attachZoomAndKeys } from './lineZoom';
import { formatDuration } from './format';
import { drawLegend, toggled } from './legend';
import type { ChartHandle, ChartTarget } from './handle';
import type { DataTable, LineChartOptions, LineSeries } from './types';

export { preparePoints };
export { keyZoom } from './lineZoom';
export { pointerIn } from './pointer';

function draw(ctx: DrawContext<LineChartOptions>, data: LineSeries[]): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  const smoothing = Math.min(0.999, Math.max(0, o.smoothing ?? 0));
  const logY = o.logY === true;
  const logX = o.logX === true;
  const hidden = new Set(o.hidden ?? []);
  const all: Drawn[] = data.map((s, i) => ({ series: s, color: s.color ?? seriesColor(theme, s.colorIndex ?? i), points: preparePoints(s, smoothing, logX, logY) }));
  const leaders = all.filter((d) => d.series.member === undefined);
  const { table, stdOf } = lineTable(data, all, smoothing);
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
  const flags: LineFlags = { smoothing, logX, logY, bands: o.bands !== false, withRaw: smoothing > 0 && o.showRaw !== false };
  // x: the data's extent, or the zoomed window; y fits what is inside the window.
  const scales = lineScales((visible.length > 0 ? visible : all).flatMap((d) => d.points), o, flags, pw, ph);

  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  drawLineAxes(svg, plot, scales, o, theme, m, pw, ph);
  const clipId = nextId('clip');
  svg.append('defs').append('clipPath').attr('id', clipId).append('rect').attr('width', pw).attr('height', ph);
  const marks = plot.append('g').attr('clip-path', `url(#${clipId})`);
  drawLineMarks(marks, visible, visibleLeaders, scales, flags, theme);

  // Crosshair: snaps to the x values present in the data (inside the zoomed window).
  const crosshair = addCrosshair({ plot, root, theme, tooltip, o, m, ph, scales, leaders: visibleLeaders, stdOf, smoothing });
  attachZoomAndKeys({ ctx, svg, plot, pw, ph, scales, crosshair, lines: visibleLeaders.length });
  return table;
}

/** The y axis (with grid lines), the x axis (durations on a wall-time axis, powers of ten on a log one) and the titles. */
function drawLineAxes(
  svg: Selection<SVGSVGElement, unknown, null, undefined>,
  plot: Selection<SVGGElement, unknown, null, undefined>,
  scales: LineScales,
  o: LineChartOptions,
  theme: ChartTheme,
  m: Margins,
  pw: number,
  ph: number,
): void {
  const { x, y } = scales;
  const logX = o.logX === true;
  drawYAxis(plot.append('g').attr('class', 'al-y-axis'), y, theme, pw, o.logY === true, Math.max(3, Math.floor(ph / 45)));
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
}

/** Draws training curves; see LineChartOptions for smoothing, log axes, bands, zoom and toggles. */
export function lineChart(target: ChartTarget, data: LineSeries[], options: LineChartOptions = {}): ChartHandle<LineSeries[], LineChartOptions> {
  return makeChart('line', target, data, options, draw);
}
