/**
 * The machinery every chart shares, so each chart file is only its drawing: a root element in
 * the container, theme colours (redrawn when VS Code switches theme), width from the container
 * (redrawn when it changes), the tooltip, the empty state and the ChartHandle.
 */
import { select } from 'd3';
import type { Selection } from 'd3';
import { readTheme, watchTheme } from '../theme/theme';
import type { ChartTheme } from '../theme/theme';
import { applyThemeVars, ensureChartStyles } from './chartStyles';
import { createTooltip } from './tooltip';
import type { Tooltip } from './tooltip';
import type { ChartHandle, ChartTarget } from './handle';
import type { BaseChartOptions, DataTable } from './types';

export interface DrawContext<O> {
  readonly root: HTMLElement;
  readonly theme: ChartTheme;
  readonly width: number;
  readonly tooltip: Tooltip;
  readonly options: O;
  /** Changes options from inside the chart (legend toggles, sorting) and redraws. */
  setOptions(patch: Partial<O>): void;
  /** Appends an <svg class="al-plot"> of the given height to the root. */
  addSvg(height: number, parent?: HTMLElement): Selection<SVGSVGElement, unknown, null, undefined>;
  /** Shows the empty state instead of a chart. */
  empty(text?: string): void;
}

export type DrawFn<D, O> = (ctx: DrawContext<O>, data: D) => DataTable;

const DEFAULT_WIDTH = 640;

/** Builds a chart from its draw function. `kind` names the chart (root class `al-<kind>`). */
export function makeChart<D, O extends BaseChartOptions>(
  kind: string,
  target: ChartTarget,
  data: D,
  options: O,
  draw: DrawFn<D, O>,
): ChartHandle<D, O> {
  if (!(target instanceof HTMLElement)) {
    throw new TypeError(`${kind}: the target must be an HTML element such as a <div> (got ${String(target)})`);
  }
  ensureChartStyles(target.ownerDocument);
  const root = target.ownerDocument.createElement('div');
  root.className = `al-chart al-${kind}`;
  root.dataset.chart = kind;
  target.appendChild(root);

  let currentData = data;
  let currentOptions = { ...options };
  let table: DataTable = { columns: [], rows: [] };
  let lastWidth = -1;
  let destroyed = false;

  const render = (): void => {
    if (destroyed) return;
    const theme = readTheme(root);
    applyThemeVars(root, theme);
    root.replaceChildren();
    const width = Math.max(160, Math.floor(currentOptions.width ?? (target.clientWidth || DEFAULT_WIDTH)));
    lastWidth = target.clientWidth;
    const tooltip = createTooltip(root);
    if (currentOptions.title !== undefined) root.setAttribute('aria-label', currentOptions.title);
    const ctx: DrawContext<O> = {
      root,
      theme,
      width,
      tooltip,
      options: currentOptions,
      setOptions(patch) {
        currentOptions = { ...currentOptions, ...patch };
        render();
      },
      addSvg(height, parent = root) {
        const svg = select(parent)
          .append('svg')
          .attr('class', 'al-plot')
          .attr('xmlns', 'http://www.w3.org/2000/svg')
          .attr('width', width)
          .attr('height', height)
          .attr('viewBox', `0 0 ${width} ${height}`)
          .attr('role', 'img')
          .attr('font-family', theme.fontFamily)
          .attr('font-size', theme.fontSize);
        if (currentOptions.title !== undefined) svg.attr('aria-label', currentOptions.title);
        // Keep the tooltip above the plot in document order.
        root.appendChild(tooltip.element);
        return svg;
      },
      empty(text) {
        root.replaceChildren();
        const div = root.ownerDocument.createElement('div');
        div.className = 'al-empty';
        div.setAttribute('role', 'status');
        div.textContent = text ?? currentOptions.emptyText ?? 'No data yet';
        root.appendChild(div);
      },
    };
    table = draw(ctx, currentData);
  };

  const stopTheme = watchTheme(render, target.ownerDocument);
  const resize =
    typeof ResizeObserver === 'function'
      ? new ResizeObserver(() => {
          // Width only: the chart sets its own height, so watching height would loop.
          if (currentOptions.width === undefined && target.clientWidth !== lastWidth && target.clientWidth > 0) render();
        })
      : undefined;
  resize?.observe(target);
  render();

  return {
    root,
    update(d, o) {
      if (d !== undefined) currentData = d;
      if (o !== undefined) currentOptions = { ...currentOptions, ...o };
      render();
    },
    table: () => table,
    destroy() {
      destroyed = true;
      stopTheme();
      resize?.disconnect();
      root.remove();
    },
  };
}

/** Height from the options, else a proportion of the width kept in [min, max]. */
export function chartHeight(options: BaseChartOptions, width: number, ratio: number, min: number, max: number): number {
  if (options.height !== undefined) return Math.max(80, options.height);
  return Math.round(Math.min(max, Math.max(min, width * ratio)));
}

let idCounter = 0;
/** Ids for clip paths and gradients: unique in the page, and the same on every page load. */
export function nextId(prefix: string): string {
  idCounter += 1;
  return `al-${prefix}-${idCounter}`;
}
