/**
 * The gallery page's API on `window.attentionLabGallery`, used by the browser tests. Plain
 * types only (no DOM), so Node test code can import them.
 */
import type { TraceLike } from '../charts/functionGrid';
import type {
  AttentionData,
  AttentionGridData,
  AttentionGridOptions,
  AttentionOptions,
  ColoredGraphData,
  ColoredGraphOptions,
  GridTrajectoryData,
  GridTrajectoryOptions,
  BarChartOptions,
  BarData,
  ContourData,
  ContourOptions,
  DataTable,
  HeatmapData,
  HeatmapOptions,
  HistogramData,
  HistogramOptions,
  LineChartOptions,
  LineSeries,
  TableData,
  TableOptions,
} from '../charts/types';

interface Base {
  /** Unique; the chart card's id is `chart-<id>`. */
  id: string;
  title: string;
  /** Spans the gallery's full width. */
  wide?: boolean;
}

export type GalleryEntry = Base &
  (
    | { kind: 'line'; data: LineSeries[]; options?: LineChartOptions }
    | { kind: 'heatmap'; data: HeatmapData; options?: HeatmapOptions }
    | { kind: 'attention'; data: AttentionData; options?: AttentionOptions }
    | { kind: 'attention-grid'; data: AttentionGridData; options?: AttentionGridOptions }
    | { kind: 'bar'; data: BarData; options?: BarChartOptions }
    | { kind: 'table'; data: TableData; options?: TableOptions }
    | { kind: 'contour'; data: ContourData; options?: ContourOptions }
    | { kind: 'traces'; data: TraceLike[]; options?: ContourOptions }
    | { kind: 'histogram'; data: HistogramData; options?: HistogramOptions }
    | { kind: 'coloredGraph'; data: ColoredGraphData; options?: ColoredGraphOptions }
    | { kind: 'gridTrajectories'; data: GridTrajectoryData; options?: GridTrajectoryOptions }
  );

export interface GalleryApi {
  /** Renders the entries (replacing what was there); returns the time it took in ms. */
  render(entries: GalleryEntry[]): number;
  /** Redraws one chart with new options (merged). */
  update(id: string, options: Record<string, unknown>): void;
  table(id: string): DataTable;
  exportSvg(id: string): string;
  /** PNG as base64. */
  exportPng(id: string, scale?: number): Promise<string>;
  exportCsv(id: string): string;
  /** Milliseconds to redraw chart `id` `times` times (median), for the 256×256 smoothness check. */
  redrawMs(id: string, times: number): number;
  /** Content Security Policy violations seen since load. */
  cspViolations: string[];
  /** Uncaught errors seen since load. */
  errors: string[];
}

export interface GalleryWindow {
  attentionLabGallery: GalleryApi;
}

/** What webview/gallery/toolkitCheck.ts records for the toolkit test. */
export interface ToolkitCheckWindow {
  toolkitCheck: { events: string[]; cspViolations: string[] };
}
