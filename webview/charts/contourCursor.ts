/**
 * The contour plot's cursor on path points: hovering shows the nearest point within 14 px; the arrow
 * keys step along a path (← →, Shift for 10 steps, Home/End) and switch paths (↑ ↓); the tooltip
 * gives the step, position and loss. Leaving, Escape or blur ends it.
 */
import type { ChartTheme } from '../theme/theme';
import type { ContourFrame } from './contourFrame';
import type { VisiblePath } from './contourMarks';
import { formatValue } from './format';
import { pointerIn } from './pointer';
import type { Tooltip } from './tooltip';
import type { PathPoint } from './types';

export interface PathCursorInput {
  frame: ContourFrame;
  theme: ChartTheme;
  tooltip: Tooltip;
  root: HTMLElement;
  visible: VisiblePath[];
  colors: string[];
  /** The chart's title, for the svg's aria-label. */
  title: string | undefined;
}

/** Adds the hover circle, the overlay that tracks the pointer and the svg's keyboard handlers. */
export function attachPathCursor(input: PathCursorInput): void {
  const { frame, theme, tooltip, root, visible, colors } = input;
  const { m, pw, ph, x, y, svg, plot } = frame;
  const cursor = plot.append('circle').attr('class', 'al-hover').attr('r', 6).attr('fill', 'none').attr('stroke', theme.foreground).attr('stroke-width', 2).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let cur: [number, number] = [-1, -1];
  const legendH = root.querySelector('.al-legend')?.clientHeight ?? 0;
  const show = (vi: number, k: number): void => {
    if (visible.length === 0) return;
    vi = ((vi % visible.length) + visible.length) % visible.length;
    const { p, i } = visible[vi] as VisiblePath;
    k = Math.max(0, Math.min(p.points.length - 1, k));
    cur = [vi, k];
    const q = p.points[k] as PathPoint;
    cursor.attr('cx', x(q.x)).attr('cy', y(q.y)).attr('visibility', 'visible');
    const rows = [
      { label: 'x', value: formatValue(q.x) },
      { label: 'y', value: formatValue(q.y) },
    ];
    if (q.loss !== undefined) rows.push({ label: 'f', value: formatValue(q.loss) });
    tooltip.show(`${p.label} · step ${q.step ?? k}`, rows.map((r) => ({ ...r, color: colors[i] as string })), m.left + x(q.x), m.top + y(q.y) + legendH);
  };
  const hide = (): void => {
    cur = [-1, -1];
    cursor.attr('visibility', 'hidden');
    tooltip.hide();
  };
  plot
    .append('rect')
    .attr('class', 'al-overlay')
    .attr('width', pw)
    .attr('height', ph)
    .attr('fill', 'transparent')
    .on('pointermove', (ev: PointerEvent) => {
      const [mx, my] = pointerIn(ev, ev.currentTarget as Element);
      let best: [number, number, number] = [-1, -1, 14 * 14];
      visible.forEach(({ p }, vi) => {
        p.points.forEach((q, k) => {
          const d = (x(q.x) - mx) ** 2 + (y(q.y) - my) ** 2;
          if (d < best[2]) best = [vi, k, d];
        });
      });
      if (best[0] >= 0) show(best[0], best[1]);
      else hide();
    })
    .on('pointerleave', hide);
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${input.title ?? 'Optimizer paths'}: ${visible.length} paths; left and right step along a path, up and down switch paths`)
    .on('keydown', (ev: KeyboardEvent) => {
      const first = cur[0] < 0;
      const [vi, k] = first ? [0, 0] : cur;
      const step = ev.shiftKey ? 10 : 1;
      if (ev.key === 'ArrowRight') show(vi, first ? 0 : k + step);
      else if (ev.key === 'ArrowLeft') show(vi, first ? 0 : k - step);
      else if (ev.key === 'ArrowDown') show(first ? 0 : vi + 1, k);
      else if (ev.key === 'ArrowUp') show(first ? 0 : vi - 1, k);
      else if (ev.key === 'End') show(vi, Number.MAX_SAFE_INTEGER);
      else if (ev.key === 'Home') show(vi, 0);
      else if (ev.key === 'Escape') hide();
      else return;
      ev.preventDefault();
    })
    .on('blur', hide);
}
