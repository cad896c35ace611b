/** The handle every chart returns, and what it draws into. */
import type { DataTable } from './types';

/**
 * Where a chart draws: a container element (usually a <div>) that the chart fills in width. Not
 * an <svg>: tooltips, legends, tables and canvases need HTML around the plot.
 */
export type ChartTarget = HTMLElement;

export interface ChartHandle<D, O> {
  /** The chart's root element (class `al-chart`): export helpers and menus attach to it. */
  readonly root: HTMLElement;
  /** Redraws with new data (undefined keeps the current data) and options merged into the current ones. */
  update(data?: D, options?: Partial<O>): void;
  /** The data currently shown, as a table (after smoothing where the chart smooths). */
  table(): DataTable;
  /** Removes the chart, its listeners and observers. */
  destroy(): void;
}

