/**
 * What every section of the dashboard (dashboardView.ts) works with: the host, the UI state (read
 * anew after each save), how to save it and redraw the page, and the page's chart bookkeeping; and
 * the runs the charts show (the filter applied, grouped and coloured as the state says).
 */
import type { ChartHandle } from '../charts/index';
import type { LineSeries } from '../charts/types';
import type { ExperimentSnapshot, RunSnapshot } from '../../src/protocol/viewData';
import { el } from '../shared/dom';
import type { AppHost } from '../shared/host';
import type { CurveOptions } from './curves';
import type { DashboardState } from './dashboardState';
import { colorIndexes, filterRuns } from './grouping';
import { metricSeries, parseMetric } from './shapeData';

export interface DashboardContext {
  readonly host: AppHost;
  /** The UI state now (a getter: it changes with every save). */
  readonly state: DashboardState;
  save(patch: Partial<DashboardState>): void;
  /** Redraws the whole page from the state. */
  render(): void;
  /** Keeps a chart for destruction on the next render. */
  keep<D, O>(h: ChartHandle<D, O>): ChartHandle<D, O>;
  /** Registers a chart that follows new metrics while runs train. */
  live(handle: ChartHandle<LineSeries[], unknown>, data: () => LineSeries[]): void;
}

/** An empty state in `parent` saying why there is no chart. */
export function empty(parent: HTMLElement, text: string): void {
  parent.append(el('div', { class: 'al-empty', role: 'status' }, text));
}

/** The runs the charts show (the filter applied) and how they are grouped and coloured. */
export function shown(state: DashboardState, exp: ExperimentSnapshot): { runs: RunSnapshot[]; curve: CurveOptions } {
  const colors = colorIndexes(exp.runs, state.groupBy);
  return { runs: filterRuns(exp.runs, state.filter), curve: { groupBy: state.groupBy, band: state.band, x: state.xAxis, seeds: state.showSeeds, colors } };
}

/** The training curves of the chosen metric over the shown runs. */
export function curveData(state: DashboardState, exp: ExperimentSnapshot): LineSeries[] {
  const v = shown(state, exp);
  return metricSeries(v.runs, parseMetric(state.metric), v.curve);
}

/** A line chart's zoom options: the saved x window of chart `id`, saved again when it changes. */
export function zoomed(ctx: DashboardContext, id: string): { xDomain: [number, number] | null; onZoom: (domain: [number, number] | null) => void } {
  return {
    xDomain: ctx.state.zoom[id] ?? null,
    onZoom: (domain: [number, number] | null): void => {
      const zoom = { ...ctx.state.zoom };
      if (domain) zoom[id] = domain;
      else delete zoom[id];
      ctx.save({ zoom });
    },
  };
}
