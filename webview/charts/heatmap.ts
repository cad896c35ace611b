/**
 * Heatmap of a rows × columns matrix: the attention-entropy map (layer·head × evaluation length
 * with the ln n reference and the training length), the lr × weight-decay robustness maps, the
 * seed-variance map and the length-generalisation grid. NaN cells are drawn hatched as missing.
 * Arrow keys move a cell cursor that shows the same tooltip as hovering.
 */
import { color as d3color, scaleDiverging, scaleSequential } from 'd3';
import { COLOR_LEGEND_WIDTH, drawColorLegend, textOn } from './colorLegend';
import { makeChart, nextId } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { formatFixed, formatValue } from './format';
import type { ChartHandle, ChartTarget } from './handle';
import type { ColumnMarker, DataTable, HeatmapData, HeatmapOptions } from './types';

/** Checks that the matrix and labels agree; throws naming what is wrong. */
export function validateHeatmap(d: HeatmapData): void {
  if (d.values.length !== d.rowLabels.length) {
    throw new RangeError(`heatmap: ${d.values.length} rows of values but ${d.rowLabels.length} row labels`);
  }
  d.values.forEach((r, i) => {
    if (r.length !== d.columnLabels.length) {
      throw new RangeError(`heatmap: row ${i} has ${r.length} values but there are ${d.columnLabels.length} column labels`);
    }
  });
}

/** Finite min and max of the matrix; undefined when no value is finite. */
export function finiteExtent(values: number[][]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of values) {
    for (const v of r) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** The colour scale a heatmap uses for these options (exported for the tests and the inspector). */
export function heatmapColor(
  theme: { sequential: (t: number) => string; diverging: (t: number) => string },
  lo: number,
  hi: number,
  scale: 'sequential' | 'diverging' = 'sequential',
  center = 0,
): (v: number) => string {
  if (scale === 'diverging') {
    const r = Math.max(Math.abs(lo - center), Math.abs(hi - center)) || 1;
    const s = scaleDiverging(theme.diverging).domain([center - r, center, center + r]);
    return (v) => s(v);
  }
  const s = scaleSequential(theme.sequential).domain(lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi]);
  return (v) => s(v);
}

function estimateTextWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

function draw(ctx: DrawContext<HeatmapOptions>, data: HeatmapData): DataTable {
  const { theme, width, options: o, tooltip } = ctx;
  validateHeatmap(data);
  const rows = data.values.length;
  const cols = data.columnLabels.length;
  const note = (r: number, c: number): string | null => o.cellNotes?.[r]?.[c] ?? null;
  const table: DataTable = {
    columns: [o.yLabel ?? 'row', ...data.columnLabels],
    rows: data.values.map((r, i) => [data.rowLabels[i] as string, ...r.map((v, j) => note(i, j) ?? (Number.isFinite(v) ? v : null))]),
  };
  const ext = o.domain ?? finiteExtent(data.values);
  if (rows === 0 || cols === 0 || ext === undefined) {
    ctx.empty();
    return table;
  }
  const [lo, hi] = ext;
  const color = heatmapColor(theme, lo, hi, o.scale, o.center);
  const fs = theme.fontSize;
  const small = Math.max(10, fs - 2);
  const markers = new Map<number, ColumnMarker>((o.columnMarkers ?? []).map((mk) => [mk.column, mk]));
  const hasMarkerRow = [...markers.values()].some((mk) => mk.value !== undefined);

  const rowLabelW = Math.min(180, Math.max(...data.rowLabels.map((l) => estimateTextWidth(l, small))) + 10);
  const m = {
    top: 8 + (hasMarkerRow ? fs + 8 : 0) + (o.splitAfterColumn !== undefined ? 0 : 0),
    right: COLOR_LEGEND_WIDTH + 10,
    bottom: 0,
    left: rowLabelW + (o.yLabel ? 22 : 0),
  };
  const pw = Math.max(40, width - m.left - m.right);
  const cw = pw / cols;
  const longest = Math.max(...data.columnLabels.map((l) => estimateTextWidth(l, small)));
  const rotate = longest > cw - 4;
  m.bottom = (rotate ? Math.min(110, longest * 0.72 + 12) : small + 12) + (o.xLabel ? 22 : 4);
  const ch = o.height !== undefined ? Math.max(6, (o.height - m.top - m.bottom) / rows) : Math.min(34, Math.max(14, cw * 0.6));
  const ph = ch * rows;
  const height = m.top + ph + m.bottom;
  const svg = ctx.addSvg(height);
  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);

  const hatch = nextId('hatch');
  const pat = svg
    .append('defs')
    .append('pattern')
    .attr('id', hatch)
    .attr('width', 6)
    .attr('height', 6)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('patternTransform', 'rotate(45)');
  pat.append('rect').attr('width', 6).attr('height', 6).attr('fill', theme.missing);
  pat.append('line').attr('x1', 0).attr('y1', 0).attr('x2', 0).attr('y2', 6).attr('stroke', theme.muted).attr('stroke-width', 1.2).attr('stroke-opacity', 0.6);

  const digits = o.cellDigits ?? 2;
  // Numbers in cells only while they stay readable: room for "0.00" and not a wall of text.
  const textW = (digits + 3) * small * 0.6 + 8;
  const showValues = o.showValues !== false && cw >= textW && ch >= 15 && (rows * cols <= 160 || cw >= 48);
  const tol = o.markerTolerance;
  const gap = cw > 8 && ch > 8 ? 1 : 0;
  const cells = plot.append('g').attr('class', 'al-cells');
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data.values[r]?.[c] as number;
      const finite = Number.isFinite(v);
      const fill = finite ? color(v) : `url(#${hatch})`;
      const rect = cells
        .append('rect')
        .attr('class', 'al-cell')
        .attr('data-row', r)
        .attr('data-col', c)
        .attr('data-value', finite ? String(v) : 'NaN')
        .attr('x', c * cw + gap / 2)
        .attr('y', r * ch + gap / 2)
        .attr('width', Math.max(0.5, cw - gap))
        .attr('height', Math.max(0.5, ch - gap))
        .attr('fill', fill);
      if (!finite) rect.attr('data-missing', 'true');
      const text = note(r, c);
      if (text !== null) rect.attr('data-note', text);
      const mk = markers.get(c);
      if (finite && tol !== undefined && mk?.value !== undefined && Math.abs(v - mk.value) <= tol) {
        rect.attr('stroke', theme.reference).attr('stroke-width', 1.5).classed('al-near-reference', true);
      }
      if (showValues && (finite || text !== null)) {
        cells
          .append('text')
          .attr('class', text !== null ? 'al-cell-text al-cell-note' : 'al-cell-text')
          .attr('x', c * cw + cw / 2)
          .attr('y', r * ch + ch / 2)
          .attr('dy', '0.35em')
          .attr('text-anchor', 'middle')
          .attr('font-size', Math.min(small, ch * 0.6))
          .attr('fill', finite ? textOn(d3color(fill)?.formatRgb() ?? fill) : theme.foreground)
          .attr('pointer-events', 'none')
          .text(text ?? formatFixed(v, digits));
      }
    }
  }

  // Row labels (left), column labels (bottom).
  const rowG = plot.append('g').attr('class', 'al-row-labels').attr('font-size', small).attr('fill', theme.muted);
  data.rowLabels.forEach((l, r) => {
    if (ch < 9 && r % Math.ceil(9 / ch) !== 0) return;
    rowG
      .append('text')
      .attr('x', -6)
      .attr('y', r * ch + ch / 2)
      .attr('dy', '0.35em')
      .attr('text-anchor', 'end')
      .text(l);
  });
  const colG = plot.append('g').attr('class', 'al-col-labels').attr('font-size', small).attr('fill', theme.muted);
  const every = Math.max(1, Math.ceil((rotate ? small + 2 : 0) / cw));
  data.columnLabels.forEach((l, c) => {
    if (c % every !== 0) return;
    const t = colG.append('text').text(l);
    if (rotate) {
      t.attr('transform', `translate(${c * cw + cw / 2},${ph + 6}) rotate(-45)`).attr('text-anchor', 'end').attr('dy', '0.35em');
    } else {
      t.attr('x', c * cw + cw / 2)
        .attr('y', ph + small + 4)
        .attr('text-anchor', 'middle');
    }
  });
  if (o.xLabel) {
    svg
      .append('text')
      .attr('class', 'al-axis-title al-x-title')
      .attr('x', m.left + pw / 2)
      .attr('y', height - 6)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.foreground)
      .text(o.xLabel);
  }
  if (o.yLabel) {
    svg
      .append('text')
      .attr('class', 'al-axis-title al-y-title')
      .attr('transform', `translate(14,${m.top + ph / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.foreground)
      .text(o.yLabel);
  }

  // Per-column reference values (e.g. ln n) in a row above the cells.
  if (hasMarkerRow) {
    const refG = plot.append('g').attr('class', 'al-column-markers').attr('font-size', small).attr('fill', theme.reference);
    for (const [c, mk] of markers) {
      if (mk.value === undefined) continue;
      refG
        .append('text')
        .attr('class', 'al-column-marker')
        .attr('data-col', c)
        .attr('x', c * cw + cw / 2)
        .attr('y', -6)
        .attr('text-anchor', 'middle')
        .text(cw >= 40 ? formatFixed(mk.value, digits) : '▾')
        .append('title')
        .text(mk.label);
    }
    const first = [...markers.values()].find((mk) => mk.value !== undefined);
    const name = first?.label.split('=')[0]?.trim() ?? 'ref';
    plot.append('text').attr('x', -6).attr('y', -6).attr('text-anchor', 'end').attr('font-size', small).attr('fill', theme.reference).text(name);
  }
  if (o.splitAfterColumn !== undefined && o.splitAfterColumn >= 0 && o.splitAfterColumn < cols - 1) {
    const sx = (o.splitAfterColumn + 1) * cw;
    plot
      .append('line')
      .attr('class', 'al-split')
      .attr('x1', sx)
      .attr('x2', sx)
      .attr('y1', -4)
      .attr('y2', ph + 4)
      .attr('stroke', theme.reference)
      .attr('stroke-width', 2)
      .attr('stroke-dasharray', '5 3');
    if (o.splitLabel) {
      svg.select('.al-split').append('title').text(o.splitLabel);
      const cap = ctx.root.ownerDocument.createElement('div');
      cap.className = 'al-caption';
      cap.textContent = `Dashed line: ${o.splitLabel}`;
      ctx.root.appendChild(cap);
    }
  }

  drawColorLegend(svg, theme, m.left + pw + 14, m.top, Math.max(ph, 60), lo, hi, color, o.valueLabel);

  // Hover and keyboard cursor.
  const focus = plot.append('rect').attr('class', 'al-focus-mark').attr('fill', 'none').attr('stroke', theme.focus).attr('stroke-width', 2).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let cur: [number, number] = [-1, -1];
  const show = (r: number, c: number): void => {
    r = Math.max(0, Math.min(rows - 1, r));
    c = Math.max(0, Math.min(cols - 1, c));
    cur = [r, c];
    const v = data.values[r]?.[c] as number;
    focus.attr('x', c * cw).attr('y', r * ch).attr('width', cw).attr('height', ch).attr('visibility', 'visible');
    const text = note(r, c);
    const tipRows = [{ label: o.valueLabel ?? 'value', value: Number.isFinite(v) ? formatValue(v) : (text ?? 'missing') }];
    if (text !== null && Number.isFinite(v)) tipRows.push({ label: 'note', value: text });
    const mk = markers.get(c);
    if (mk !== undefined) {
      const name = mk.label.split('=')[0]?.trim() || 'reference';
      tipRows.push({ label: name, value: mk.value !== undefined ? formatValue(mk.value) : mk.label });
      if (mk.value !== undefined && mk.value !== 0 && Number.isFinite(v)) tipRows.push({ label: `÷ ${name}`, value: formatValue(v / mk.value) });
    }
    const title = `${o.yLabel ? `${o.yLabel} ` : ''}${data.rowLabels[r]} · ${o.xLabel ? `${o.xLabel} ` : ''}${data.columnLabels[c]}`;
    tooltip.show(title, tipRows, m.left + (c + 1) * cw, m.top + (r + 1) * ch);
  };
  // Leaving (pointer out, Escape, blur) ends the cursor; the next arrow key starts at the corner.
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
  return table;
}

/** Draws a rows × columns heatmap; see HeatmapOptions for scales, markers and the split line. */
export function heatmap(target: ChartTarget, data: HeatmapData, options: HeatmapOptions = {}): ChartHandle<HeatmapData, HeatmapOptions> {
  return makeChart('heatmap', target, data, options, draw);
}
