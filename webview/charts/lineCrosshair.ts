/**
 * The line chart's crosshair: a vertical line snapped to the x values present in the data (inside
 * the window), a dot on each visible group line, and a tooltip listing every group's value there
 * (raw beside smoothed, ± std or the band's bounds).
 */
import type { Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import type { Margins } from './axes';
import { formatDuration, formatValue } from './format';
import type { Drawn, LineScales } from './lineScales';
import type { StdBySeries } from './lineTable';
import type { Tooltip, TooltipRow } from './tooltip';
import type { LineChartOptions } from './types';

export interface Crosshair {
  /** The x values the crosshair snaps to, ascending. */
  xs: number[];
  /** Index into xs of the crosshair, −1 when none. */
  active(): number;
  /** Shows the crosshair at xs[i] (clamped). */
  show(i: number): void;
  /** Hides it (the index is kept for the keyboard). */
  hide(): void;
  /** Hides it and forgets the index. */
  clear(): void;
}

export interface CrosshairInput {
  plot: Selection<SVGGElement, unknown, null, undefined>;
  root: HTMLElement;
  theme: ChartTheme;
  tooltip: Tooltip;
  o: LineChartOptions;
  m: Margins;
  ph: number;
  scales: LineScales;
  leaders: Drawn[];
  stdOf: StdBySeries;
  smoothing: number;
}

/** An x value as the axis shows it (a duration on a wall-time axis). */
export function xValueText(o: LineChartOptions, v: number): string {
  return o.xTime ? formatDuration(v) : formatValue(v);
}

/** The tooltip's row of one group at x = xv, or null when it has no point there. */
function tipRow(d: Drawn, xv: number, input: CrosshairInput): TooltipRow | null {
  const { stdOf, smoothing } = input;
  const p = d.points.find((q) => q.x === xv);
  if (p === undefined) return null;
  const std = stdOf.get(d.series.id)?.get(xv);
  const spread = smoothing === 0 && std !== undefined ? ` ± ${formatValue(std)}` : p.lo !== undefined && p.hi !== undefined ? ` [${formatValue(p.lo)}, ${formatValue(p.hi)}]` : '';
  const raw = smoothing > 0 ? ` (raw ${formatValue(p.raw)})` : '';
  return { label: d.series.label, value: `${formatValue(p.y)}${raw}${spread}`, color: d.color };
}

/** Adds the (hidden) crosshair to the plot. */
export function addCrosshair(input: CrosshairInput): Crosshair {
  const { plot, root, theme, tooltip, o, m, ph, leaders } = input;
  const { x, y, xDomain } = input.scales;
  const xs = [...new Set(leaders.flatMap((d) => d.points.map((p) => p.x)))].filter((v) => v >= xDomain[0] && v <= xDomain[1]).sort((a, b) => a - b);
  const cross = plot.append('g').attr('class', 'al-crosshair').attr('pointer-events', 'none').attr('visibility', 'hidden');
  const vline = cross.append('line').attr('y1', 0).attr('y2', ph).attr('stroke', theme.muted).attr('stroke-dasharray', '3 3');
  const dots = cross.append('g');
  let active = -1;
  const show = (i: number): void => {
    if (xs.length === 0) return;
    active = Math.max(0, Math.min(xs.length - 1, i));
    const xv = xs[active] as number;
    const px = x(xv);
    cross.attr('visibility', 'visible');
    vline.attr('x1', px).attr('x2', px);
    dots.selectAll('*').remove();
    const tipRows: TooltipRow[] = [];
    for (const d of leaders) {
      const row = tipRow(d, xv, input);
      if (row === null) continue;
      const p = d.points.find((q) => q.x === xv) as { y: number };
      dots.append('circle').attr('cx', px).attr('cy', y(p.y)).attr('r', 3.5).attr('fill', d.color).attr('stroke', theme.background).attr('stroke-width', 1.5);
      tipRows.push(row);
    }
    const yTip = tipRows.length > 0 ? m.top + ph / 3 : m.top;
    tooltip.show(`${o.xLabel ?? 'x'} = ${xValueText(o, xv)}`, tipRows, m.left + px, yTip + (root.querySelector('.al-legend')?.clientHeight ?? 0));
  };
  const hide = (): void => {
    cross.attr('visibility', 'hidden');
    tooltip.hide();
  };
  return {
    xs,
    active: () => active,
    show,
    hide,
    clear: () => {
      active = -1;
      hide();
    },
  };
}
