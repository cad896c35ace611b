/**
 * The attention pattern's cell cursor: hovering or the arrow keys (Shift: 8 cells) outline a cell
 * and show query → key and its probability; leaving, Escape or blur ends it, and the next arrow
 * key starts at the corner.
 */
import type { Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import type { PatternLayout } from './attentionPatternFrame';
import { formatValue } from './format';
import { pointerIn } from './pointer';
import type { Tooltip } from './tooltip';

export interface PatternCursorInput {
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  plot: Selection<SVGGElement, unknown, null, undefined>;
  layout: PatternLayout;
  probs: number[][];
  tokens: string[];
  theme: ChartTheme;
  tooltip: Tooltip;
  /** The chart's title, for the svg's aria-label. */
  title: string | undefined;
}

/** Adds the focus mark, the overlay that tracks the pointer and the svg's keyboard handlers. */
export function attachPatternCursor(input: PatternCursorInput): void {
  const { svg, plot, probs, tokens, theme, tooltip } = input;
  const { T, m, side, cell } = input.layout;
  // Foreground, not the focus blue: it must stand out on the dark low end of the scale.
  const focus = plot.append('rect').attr('class', 'al-focus-mark').attr('fill', 'none').attr('stroke', theme.foreground).attr('stroke-width', 1.5).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let cur: [number, number] = [-1, -1];
  const show = (q: number, k: number): void => {
    q = Math.max(0, Math.min(T - 1, q));
    k = Math.max(0, Math.min(T - 1, k));
    cur = [q, k];
    const p = probs[q]?.[k] as number;
    const s = Math.max(cell, 3);
    focus
      .attr('x', k * cell + cell / 2 - s / 2)
      .attr('y', q * cell + cell / 2 - s / 2)
      .attr('width', s)
      .attr('height', s)
      .attr('visibility', 'visible');
    tooltip.show(
      `query ${q} (${tokens[q]}) → key ${k} (${tokens[k]})`,
      [{ label: 'p', value: Number.isFinite(p) ? formatValue(p) : 'missing' }],
      m.left + (k + 1) * cell,
      m.top + (q + 1) * cell,
    );
  };
  const hide = (): void => {
    cur = [-1, -1];
    focus.attr('visibility', 'hidden');
    tooltip.hide();
  };
  plot
    .append('rect')
    .attr('class', 'al-overlay')
    .attr('width', side)
    .attr('height', side)
    .attr('fill', 'transparent')
    .on('pointermove', (ev: PointerEvent) => {
      const [x, y] = pointerIn(ev, ev.currentTarget as Element);
      show(Math.floor(y / cell), Math.floor(x / cell));
    })
    .on('pointerleave', hide);
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${input.title ?? 'Attention pattern'}: ${T} × ${T}; arrow keys move between query (up, down) and key (left, right)`)
    .on('keydown', (ev: KeyboardEvent) => {
      const first = cur[0] < 0;
      const [q, k] = first ? [0, 0] : cur;
      const step = ev.shiftKey ? 8 : 1;
      if (ev.key === 'ArrowRight') show(q, first ? k : k + step);
      else if (ev.key === 'ArrowLeft') show(q, first ? k : k - step);
      else if (ev.key === 'ArrowDown') show(first ? q : q + step, k);
      else if (ev.key === 'ArrowUp') show(first ? q : q - step, k);
      else if (ev.key === 'Escape') hide();
      else return;
      ev.preventDefault();
    })
    .on('blur', hide);
}
