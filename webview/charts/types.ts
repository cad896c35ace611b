/**
 * Data shapes and options of every chart (the handle is in handle.ts: this file has no DOM
 * types, so Node code such as fixtures and tests can import it). Charts are pure functions
 * `(element, data, options) => ChartHandle`: no messaging inside, deterministic output for the
 * same data, options, size and theme. Matrices are `number[][]` (rows of columns) with label
 * arrays; NaN marks a missing value wherever numbers appear.
 */

/** A chart's data as a table, for CSV export and for reading values in tests. */
export interface DataTable {
  columns: string[];
  rows: (string | number | null)[][];
}

/** Options every chart accepts. */
export interface BaseChartOptions {
  /** Accessible name and export file name stem. */
  title?: string;
  /** Pixels; the container's height (or a chart-specific default) when omitted. */
  height?: number;
  /** Pixels; the container's width when omitted. */
  width?: number;
  /** Text shown when there is nothing to draw. Default: "No data yet". */
  emptyText?: string;
}

// ---- line chart ----------------------------------------------------------------------------

export interface LinePoint {
  x: number;
  y: number;
  /** Standard deviation at x (e.g. across seeds): drawn as a y ± std band when present (and no lo/hi). */
  std?: number;
  /** The band's bounds at x (min–max, a 95 % interval, …); take precedence over std. */
  lo?: number;
  hi?: number;
}

export interface LineSeries {
  /** Stable id (legend toggles are remembered by id). */
  id: string;
  label: string;
  points: LinePoint[];
  /** Colour override; the theme's series colour by `colorIndex` (or position) otherwise. */
  color?: string;
  /** Index into the theme's series colours: keep it per group so a group has one colour in every chart. */
  colorIndex?: number;
  /** Dashed stroke (e.g. a second metric or a reference curve). */
  dashed?: boolean;
  /** Id of the series this one belongs to (one seed of a group): drawn thin, no legend entry, hidden with it. */
  member?: string;
}

export interface LineChartOptions extends BaseChartOptions {
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y axis; points with y ≤ 0 are then left out. */
  logY?: boolean;
  /** Logarithmic x axis; points with x ≤ 0 are then left out. */
  logX?: boolean;
  /** x values are seconds: ticks and tooltips as durations (wall-time axes). */
  xTime?: boolean;
  /** With smoothing, the raw values drawn faint under the smoothed line. Default true. */
  showRaw?: boolean;
  /** The zoomed x window (drag across the plot to set it); null or absent: everything. */
  xDomain?: [number, number] | null;
  /** Called when the user zooms (a window) or resets (null), for the app's saved state. */
  onZoom?: (domain: [number, number] | null) => void;
  /** EMA smoothing weight in [0, 1): 0 is raw, 0.9 is heavy (TensorBoard's slider). */
  smoothing?: number;
  /** Draw mean ± std bands for points that carry `std`. Default true. */
  bands?: boolean;
  /** Series ids hidden via the legend. */
  hidden?: string[];
  /** Called when the user toggles a series in the legend (for the app's saved state). */
  onToggle?: (hidden: string[]) => void;
}

// ---- heatmap ------------------------------------------------------------------------------

export interface HeatmapData {
  /** values[row][column]; NaN = missing. */
  values: number[][];
  rowLabels: string[];
  columnLabels: string[];
}

/** A mark on one column, drawn across the rows at value `at` of the colour scale or as a flag. */
export interface ColumnMarker {
  /** Column index. */
  column: number;
  /** Label in the tooltip and legend, e.g. "ln n = 4.16". */
  label: string;
  /**
   * A reference value for this column (e.g. ln n for the entropy heatmap): shown on the colour
   * legend, and cells within `tolerance` of it are outlined.
   */
  value?: number;
}

export interface HeatmapOptions extends BaseChartOptions {
  xLabel?: string;
  yLabel?: string;
  /** Title of the colour legend (what the values are). */
  valueLabel?: string;
  /** 'sequential' (default) or 'diverging' around `center` (default 0). */
  scale?: 'sequential' | 'diverging';
  center?: number;
  /** Colour domain; the data's finite min and max when omitted. */
  domain?: [number, number];
  /** Write the value in each cell when cells are big enough. Default true. */
  showValues?: boolean;
  /** Reference markers per column (e.g. ln n per evaluation length). */
  columnMarkers?: ColumnMarker[];
  /** A column boundary to mark with a vertical line (e.g. the training length): index of the
   * last column inside it. */
  splitAfterColumn?: number;
  splitLabel?: string;
  /** Cells whose value is within this distance of their column marker's value are outlined. */
  markerTolerance?: number;
  /** Digits in cell text (tooltips always show the full value). Default 2. */
  cellDigits?: number;
  /**
   * Text for some cells (same shape as the values; null = none), drawn in the cell instead of
   * its value — also on a missing (hatched) cell — and shown in the tooltip and the data table,
   * e.g. "diverged 2/3" where a mean would only be a huge number.
   */
  cellNotes?: (string | null)[][];
}

// ---- attention pattern --------------------------------------------------------------------

export interface AttentionData {
  /** T×T, probs[query][key] ∈ [0, 1]; rows of a causal model are zero above the diagonal. */
  probs: number[][];
  /** Token strings, length T (shown on the axes when T is small). */
  tokens?: string[];
}

export interface AttentionOptions extends BaseChartOptions {
  /** Colour scale maximum; 1 by default (probabilities); 'auto' uses the largest value. */
  max?: number | 'auto';
  /** Token labels are drawn when T ≤ this. Default 48. */
  maxLabeledTokens?: number;
}

// ---- all heads at once ------------------------------------------------------------------

export interface AttentionGridData {
  /** probs[layer][head][query][key] ∈ [0, 1]; every matrix T×T. */
  probs: number[][][][];
  /** Token strings, length T (in tooltips). */
  tokens?: string[];
}

export interface AttentionGridOptions extends BaseChartOptions {
  /** Colour scale maximum; 1 by default; 'auto' uses the largest value. */
  max?: number | 'auto';
  /** Largest tile side in pixels. Default 140. */
  tileSize?: number;
  /** The head shown in the single-head view: outlined. */
  selected?: { layer: number; head: number };
  /** A tile was clicked (or Enter pressed on it). */
  onSelect?: (layer: number, head: number) => void;
}

// ---- bars and table ----------------------------------------------------------------------

export interface BarGroup {
  /** Category on the x axis, e.g. a task. */
  label: string;
  /** One value per series, in `series` order; NaN = missing. */
  values: number[];
  /** Optional error bars (e.g. seed std), same order. */
  errors?: number[];
}

export interface BarData {
  /** Series names (e.g. optimizers); one bar per series in each group. */
  series: string[];
  /** Colour index of each series (a group's colour in every chart); its position otherwise. */
  colorIndexes?: number[];
  groups: BarGroup[];
}

export interface BarChartOptions extends BaseChartOptions {
  xLabel?: string;
  yLabel?: string;
  logY?: boolean;
  /** Y domain; [0, max] (or [min, max] with negatives) when omitted. */
  domain?: [number, number];
}

export interface TableColumn {
  key: string;
  label: string;
  /** Numbers are right-aligned and formatted; 'text' sorts by locale. Default: from the data. */
  type?: 'number' | 'text';
  /** Fixed digits for display; full value in the cell's title. */
  digits?: number;
  /** Lower is better: the best value in the column is highlighted. */
  best?: 'min' | 'max';
  /**
   * Row fields holding each value's confidence interval. With `best`, the best value is then
   * highlighted only when its interval and the interval of every other row with a value are
   * disjoint (a row with a value but no interval, e.g. one seed, rules the highlight out).
   */
  interval?: { low: string; high: string };
}

export interface TableData {
  columns: TableColumn[];
  rows: Record<string, string | number | null>[];
}

export interface TableOptions extends BaseChartOptions {
  sortBy?: string;
  descending?: boolean;
  onSort?: (key: string, descending: boolean) => void;
}

// ---- contour with optimizer paths ----------------------------------------------------------

/** Values of f on a regular grid: values[j][i] = f(x_i, y_j), x and y increasing. */
export interface FunctionGrid {
  x: [number, number];
  y: [number, number];
  /** values[row j (y)][column i (x)]. */
  values: number[][];
}

export interface PathPoint {
  x: number;
  y: number;
  step?: number;
  loss?: number;
}

export interface OptimizerPath {
  label: string;
  points: PathPoint[];
  color?: string;
  /** The run blew up: the path ends with a cross instead of a dot. */
  diverged?: boolean;
}

export interface ContourData {
  grid: FunctionGrid;
  paths: OptimizerPath[];
  /** Global minima, drawn as stars. */
  minima?: [number, number][];
  /** e.g. the formula, shown under the plot. */
  caption?: string;
}

export interface ContourOptions extends BaseChartOptions {
  /** Number of contour levels. Default 14. */
  levels?: number;
  /** Levels spaced on log(f − min + ε) (default true): valleys like Rosenbrock's show. */
  logLevels?: boolean;
  hidden?: string[];
}

// ---- histogram -----------------------------------------------------------------------------

/** The engine's Histogram (src/core/checkpoint/stats.ts): edges.length = counts.length + 1. */
export interface HistogramData {
  edges: number[];
  counts: number[];
  /** Non-finite or out-of-range values, reported under the plot. */
  skipped?: number;
}

export interface HistogramOptions extends BaseChartOptions {
  xLabel?: string;
  logY?: boolean;
}

// ---- coloured graph ------------------------------------------------------------------------

export interface ColoredGraphData {
  /** Vertex labels, vertex u at index u. */
  ids: string[];
  /** Undirected edges [u, v]. */
  edges: [number, number][];
  /** [seed][vertex] colour index (0…C−1): one colouring per seed. */
  colorings: number[][];
  /** Extra text after the caption (e.g. the graph's success rate over seeds). */
  note?: string;
}

export interface ColoredGraphOptions extends BaseChartOptions {
  /** 0-based seed whose colouring is shown. */
  seed?: number;
  /** Called when the user moves the seed slider (for the app's saved state). */
  onSeed?: (seed: number) => void;
}

// ---- grid-world trajectories ---------------------------------------------------------------

export interface GridTrajectoryData {
  /** Grid side n; cell c is (x, y) = (c mod n, ⌊c / n⌋), y up; the start is cell 0. */
  side: number;
  /** Per seed, the cells visited from the start (trajectory[0] = 0). */
  trajectories: number[][];
  /** Per cell, the first-visit step averaged over seeds (cell shading); optional. */
  meanFirstVisit?: number[];
  /** The adversary's cell (outlined); optional. */
  worstCell?: number;
  /** Extra text after the caption. */
  note?: string;
}

export interface GridTrajectoryOptions extends BaseChartOptions {
  /** Seeds drawn (the first k trajectories); default all. */
  seeds?: number;
}
