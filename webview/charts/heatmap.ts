/**
 * Heatmap of a rows × columns matrix: the attention-entropy map (layer·head × evaluation length
 * with the ln n reference and the training length), the lr × weight-decay robustness maps, the
 * seed-variance map and the length-generalisation grid. NaN cells are drawn hatched as missing.
 * Arrow keys move a cell cursor that shows the same tooltip as hovering.
 *
 * The steps: geometry heatmapLayout.ts, cells heatmapCells.ts, labels, marker row and split line
 * heatmapLabels.ts, hover and keyboard heatmapCursor.ts.
 */
import { scaleDiverging, scaleSequential } from 'd3';
import { drawColorLegend } from './colorLegend';
import { makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import type { ChartHandle, ChartTarget } from './handle';
import { drawCells } from './heatmapCells';
import { attachCellCursor } from './heatmapCursor';
import { drawAxisLabels, drawColumnMarkers, drawSplit } from './heatmapLabels';
import { heatmapLayout } from './heatmapLayout';
import type { HeatmapScene } from './heatmapLayout';
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
  const markers = new Map<number, ColumnMarker>((o.columnMarkers ?? []).map((mk) => [mk.column, mk]));
  const hasMarkerRow = [...markers.values()].some((mk) => mk.value !== undefined);
  const layout = heatmapLayout(data, o, width, theme.fontSize, hasMarkerRow);
  const { m, pw, ph } = layout;
  const svg = ctx.addSvg(layout.height);
  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  const scene: HeatmapScene = { data, o, theme, layout, svg, plot, markers, note };
  const cells = drawCells(scene, color);
  drawAxisLabels(scene);
  if (hasMarkerRow) drawColumnMarkers(scene);
  drawSplit(scene, ctx.root);
  drawColorLegend(svg, theme, m.left + pw + 14, m.top, Math.max(ph, 60), lo, hi, color, o.valueLabel);
  attachCellCursor(scene, cells, tooltip);
  return table;
}

/** Draws a rows × columns heatmap; see HeatmapOptions for scales, markers and the split line. */
export function heatmap(target: ChartTarget, data: HeatmapData, options: HeatmapOptions = {}): ChartHandle<HeatmapData, HeatmapOptions> {
  return makeChart('heatmap', target, data, options, draw);
}
