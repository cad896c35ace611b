/**
 * The heatmap's geometry (margins, cell size, whether column labels rotate) from its data, options,
 * width and font size, and the scene its drawing steps share (heatmapCells.ts, heatmapLabels.ts,
 * heatmapCursor.ts).
 */
import type { Selection } from 'd3';
import type { ChartTheme } from '../theme/theme';
import type { Margins } from './axes';
import { COLOR_LEGEND_WIDTH } from './colorLegend';
import type { ColumnMarker, HeatmapData, HeatmapOptions } from './types';

export interface HeatmapLayout {
  /** Margins around the cells: row labels left, column labels bottom, the colour legend right, the marker row top. */
  m: Margins;
  /** Width of the cells' area, cell width and height, height of the cells' area, the svg's height. */
  pw: number;
  cw: number;
  ch: number;
  ph: number;
  height: number;
  /** Column labels drawn at −45° (they would not fit under their column). */
  rotate: boolean;
  /** Font size of labels and cell numbers. */
  small: number;
}

/** What every drawing step of one heatmap reads. */
export interface HeatmapScene {
  data: HeatmapData;
  o: HeatmapOptions;
  theme: ChartTheme;
  layout: HeatmapLayout;
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  /** The group translated to the cells' top left corner. */
  plot: Selection<SVGGElement, unknown, null, undefined>;
  /** The column markers by column. */
  markers: Map<number, ColumnMarker>;
  /** The text note of cell (r, c) (HeatmapOptions.cellNotes), or null. */
  note: (r: number, c: number) => string | null;
}

function estimateTextWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/** The geometry of a heatmap `width` wide; `hasMarkerRow` when column markers with values get a row above the cells. */
export function heatmapLayout(data: HeatmapData, o: HeatmapOptions, width: number, fontSize: number, hasMarkerRow: boolean): HeatmapLayout {
  const rows = data.values.length;
  const cols = data.columnLabels.length;
  const fs = fontSize;
  const small = Math.max(10, fs - 2);
  const rowLabelW = Math.min(180, Math.max(...data.rowLabels.map((l) => estimateTextWidth(l, small))) + 10);
  const m = {
    top: 8 + (hasMarkerRow ? fs + 8 : 0),
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
  return { m, pw, cw, ch, ph, height, rotate, small };
}
