/**
 * The heatmap's cell cursor: hovering a cell or moving with the arrow keys (Home/End: first/last
 * column) outlines the cell and shows its value, note and column marker (with the value ÷ the
 * marker) in the tooltip; leaving, Escape or blur ends it, and the next arrow key starts at the corner.
 */
import type { Selection } from 'd3';
import { formatValue } from './format';
import type { HeatmapScene } from './heatmapLayout';
import type { Tooltip, TooltipRow } from './tooltip';

/** The tooltip's rows for cell (r, c). */
function cellRows(scene: HeatmapScene, r: number, c: number): TooltipRow[] {
  const { data, o, markers, note } = scene;
  const v = data.values[r]?.[c] as number;
  const text = note(r, c);
  const tipRows = [{ label: o.valueLabel ?? 'value', value: Number.isFinite(v) ? formatValue(v) : (text ?? 'missing') }];
  if (text !== null && Number.isFinite(v)) tipRows.push({ label: 'note', value: text });
  const mk = markers.get(c);
  if (mk !== undefined) {
    const name = mk.label.split('=')[0]?.trim() || 'reference';
    tipRows.push({ label: name, value: mk.value !== undefined ? formatValue(mk.value) : mk.label });
    if (mk.value !== undefined && mk.value !== 0 && Number.isFinite(v)) tipRows.push({ label: `÷ ${name}`, value: formatValue(v / mk.value) });
  }
  return tipRows;
}

/** Adds the focus mark and the hover and keyboard handlers (on `cells` and the svg). */
export function attachCellCursor(scene: HeatmapScene, cells: Selection<SVGGElement, unknown, null, undefined>, tooltip: Tooltip): void {
  const { data, o, theme, svg, plot } = scene;
  const { m, cw, ch } = scene.layout;
  const rows = data.values.length;
  const cols = data.columnLabels.length;
  const focus = plot.append('rect').attr('class', 'al-focus-mark').attr('fill', 'none').attr('stroke', theme.focus).attr('stroke-width', 2).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let cur: [number, number] = [-1, -1];
  const show = (r: number, c: number): void => {
    r = Math.max(0, Math.min(rows - 1, r));
    c = Math.max(0, Math.min(cols - 1, c));
    cur = [r, c];
    focus.attr('x', c * cw).attr('y', r * ch).attr('width', cw).attr('height', ch).attr('visibility', 'visible');
    const title = `${o.yLabel ? `${o.yLabel} ` : ''}${data.rowLabels[r]} · ${o.xLabel ? `${o.xLabel} ` : ''}${data.columnLabels[c]}`;
    tooltip.show(title, cellRows(scene, r, c), m.left + (c + 1) * cw, m.top + (r + 1) * ch);
  };
  const hide = (): void => {
    cur = [-1, -1];
    focus.attr('visibility', 'hidden');
    tooltip.hide();
  };
  cells
    .on('pointermove', (ev: PointerEvent) => {
      const t = ev.target as Element;
      const r = Number(t.getAttribute('data-row'));
      const c = Number(t.getAttribute('data-col'));
      if (t.classList.contains('al-cell')) show(r, c);
    })
    .on('pointerleave', hide);
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${o.title ?? 'Heatmap'}: ${rows} × ${cols}; arrow keys move between cells`)
    .on('keydown', (ev: KeyboardEvent) => {
      const [r, c] = cur[0] < 0 ? [0, 0] : cur;
      const first = cur[0] < 0;
      if (ev.key === 'ArrowRight') show(r, first ? c : c + 1);
      else if (ev.key === 'ArrowLeft') show(r, first ? c : c - 1);
      else if (ev.key === 'ArrowDown') show(first ? r : r + 1, c);
      else if (ev.key === 'ArrowUp') show(first ? r : r - 1, c);
      else if (ev.key === 'Home') show(r, 0);
      else if (ev.key === 'End') show(r, cols - 1);
      else if (ev.key === 'Escape') hide();
      else return;
      ev.preventDefault();
    })
    .on('blur', hide);
}
