/**
 * The dashboard page: composes the chart library's charts over an experiment's runs. Shared by
 * the VS Code dashboard (live, connected to the host) and the static HTML report. UI state
 * (experiment, metric, smoothing, selections) is kept with the host's getState/setState, so a
 * restored panel comes back as it was (dashboardState.ts). Instead of one experiment it can show a
 * comparison of selected runs (from the host's "Compare Selected Runs"); the compared run folders
 * are saved in the state so the host can restore the same selection after a reload.
 *
 * One function per section, in the order of the page: the toolbar dashboardToolbar.ts, the curves
 * curvesSection.ts, the optimizer table, length generalization and entropy across lengths
 * resultsSection.ts, robustness robustnessSection.ts, the optimizer diagnostics
 * optimizerSection.ts, one run's analysis analysisSection.ts (with patternSection.ts,
 * randomizedSection.ts, coloringSection.ts, noiseSection.ts), and the optimizer paths
 * traceSection.ts. They share a DashboardContext (dashboardContext.ts).
 */
import type { ChartHandle } from '../charts/index';
import type { MetricsRecord, RunFile } from '../../src/protocol/runFolder';
import type { DashboardComparison, ExperimentSnapshot, RunSnapshot } from '../../src/protocol/viewData';
import type { LineSeries } from '../charts/types';
import { clear, el } from '../shared/dom';
import type { AppHost } from '../shared/host';
import { renderAnalysis } from './analysisSection';
import { renderCurves, type CurvesCard } from './curvesSection';
import { empty, shown, type DashboardContext } from './dashboardContext';
import { restoredState, type DashboardState } from './dashboardState';
import { dashboardToolbar } from './dashboardToolbar';
import { renderOptimizerSection } from './optimizerSection';
import { renderEntropyAcrossLengths, renderLengthGeneralization, renderOptimizerTable } from './resultsSection';
import { renderRobustness } from './robustnessSection';
import { evalLengths } from './shapeData';
import { createTraceSection } from './traceSection';

export type { DashboardState } from './dashboardState';

export interface DashboardController {
  setData(experiments: ExperimentSnapshot[], focus: string | null, comparison?: DashboardComparison | null): void;
  addMetrics(experiment: string, runId: string, records: MetricsRecord[], replace: boolean): void;
  setRunStatus(experiment: string, run: RunFile): void;
}

/** Appends records to a run's metrics (after clearing them when `replace`), dropping those already held. */
function appendMetrics(run: RunSnapshot, records: MetricsRecord[], replace: boolean): void {
  if (replace) run.metrics = [];
  // Drop records already held (a snapshot and an increment may overlap): same kind, step not newer.
  const last = new Map<string, number>();
  for (const m of run.metrics) last.set(m.kind, Math.max(last.get(m.kind) ?? -1, m.step));
  for (const r of records) if (r.step > (last.get(r.kind) ?? -1)) run.metrics.push(r);
}

/** The sections of one experiment (or comparison) with runs, in the page's grid. */
function renderSections(ctx: DashboardContext, exp: ExperimentSnapshot, lengths: number[], grid: HTMLElement, trace: { render(exp: ExperimentSnapshot, grid: HTMLElement): void }): CurvesCard {
  const { state } = ctx;
  const view = shown(state, exp);
  const curves = renderCurves(ctx, exp, grid);
  renderOptimizerTable(ctx, exp, view, lengths, grid);
  renderLengthGeneralization(ctx, view, grid);
  renderEntropyAcrossLengths(ctx, view, grid);
  renderRobustness(ctx, exp, grid);
  renderOptimizerSection({
    host: ctx.host,
    grid,
    runs: view.runs,
    groupBy: state.groupBy,
    curve: view.curve,
    logX: state.logX,
    smoothing: state.smoothing,
    hidden: state.hidden,
    state: { tensorGroup: state.tensorGroup, zoom: state.zoom },
    save: (patch) => ctx.save(patch),
    rerender: () => ctx.render(),
    keep: (h) => ctx.keep(h),
    live: (handle, data) => ctx.live(handle, data),
  });
  renderAnalysis(ctx, exp, grid);
  trace.render(exp, grid);
  return curves;
}

export function renderDashboard(root: HTMLElement, host: AppHost, opts: { title?: string } = {}): DashboardController {
  let state: DashboardState = restoredState(host.getState<Partial<DashboardState>>());
  let experiments: ExperimentSnapshot[] = [];
  let comparison: DashboardComparison | null = null;
  const handles: ChartHandle<never, never>[] = [];
  let curves: CurvesCard | null = null;
  /** Charts that follow new metrics while runs train, with how to recompute their data. */
  let liveCharts: { handle: ChartHandle<LineSeries[], unknown>; data: () => LineSeries[] }[] = [];

  const ctx: DashboardContext = {
    host,
    get state() {
      return state;
    },
    save: (patch) => {
      state = { ...state, ...patch };
      host.setState(state);
    },
    render: () => render(),
    keep: <D, O>(h: ChartHandle<D, O>): ChartHandle<D, O> => {
      handles.push(h as unknown as ChartHandle<never, never>);
      return h;
    },
    live: (handle, data) => liveCharts.push({ handle, data }),
  };
  const trace = createTraceSection(ctx);

  const current = (): ExperimentSnapshot | undefined => comparison?.snapshot ?? experiments.find((e) => e.name === state.experiment) ?? experiments[0];

  /** Leaves the comparison for a whole experiment (the host forgets the selection too). */
  const leaveComparison = (experiment: string): void => {
    comparison = null;
    ctx.save({ compare: null, experiment, run: null });
    if (host.connected) host.request('dashboard/open', { experiment }).catch((e: Error) => console.warn(e.message));
    render();
  };

  /** The compared run reading the same folder as `run` (the comparison holds its own copies). */
  const comparedCopy = (run: RunSnapshot): RunSnapshot | undefined => comparison?.snapshot.runs.find((r) => r.dir === run.dir);

  /** The experiment holding the first compared run (where "Show whole experiment" goes). */
  const comparedExperiment = (): string => {
    const first = comparison?.snapshot.runs[0]?.dir;
    return (experiments.find((e) => e.runs.some((r) => r.dir === first)) ?? experiments[0])?.name ?? '';
  };

  const destroyAll = (): void => {
    for (const h of handles.splice(0)) h.destroy();
    curves?.handle?.destroy();
    curves = null;
    liveCharts = [];
  };

  function render(): void {
    destroyAll();
    clear(root);
    root.append(el('h1', {}, opts.title ?? 'Attention Lab'));
    if (comparison) root.append(el('h2', { class: 'al-comparison-title' }, comparison.snapshot.name));
    if (experiments.length === 0 && !comparison) {
      empty(root, 'No runs yet. Run an experiment (Attention Lab: Run Experiment) and its curves appear here as it trains.');
      return;
    }
    const exp = current() as ExperimentSnapshot;
    // Stay on the experiment shown: one that appears later (a new run) does not take its place.
    if (!comparison && state.experiment !== exp.name) ctx.save({ experiment: exp.name });
    const lengths = evalLengths(exp);
    root.append(dashboardToolbar(ctx, { root, exp, experiments, comparison, lengths, leaveComparison, comparedExperiment, curves: () => curves }));
    const view = shown(state, exp);
    if (state.filter.trim() !== '') {
      root.append(el('p', { class: 'al-muted', id: 'filter-count', role: 'status' }, `${view.runs.length} of ${exp.runs.length} runs match the filter "${state.filter.trim()}".`));
    }
    for (const p of exp.problems) root.append(el('div', { class: 'al-error' }, p));
    if (exp.runs.length === 0) {
      empty(root, 'This experiment has no runs yet.');
      return;
    }
    const grid = el('div', { class: 'al-grid' });
    root.append(grid);
    curves = renderSections(ctx, exp, lengths, grid, trace);
  }

  return {
    setData(next, focus, nextComparison = null) {
      experiments = next;
      comparison = nextComparison;
      ctx.save({ compare: comparison?.runDirs ?? null });
      if (focus !== null && next.some((e) => e.name === focus)) ctx.save({ experiment: focus });
      render();
    },
    addMetrics(experiment, runId, records, replace) {
      const run = experiments.find((e) => e.name === experiment)?.runs.find((r) => r.run.id === runId);
      if (!run) return;
      const copy = comparedCopy(run);
      appendMetrics(run, records, replace);
      if (copy) appendMetrics(copy, records, replace);
      const exp = current();
      if (exp && (exp.runs.includes(run) || (copy !== undefined && exp.runs.includes(copy)))) for (const c of liveCharts) c.handle.update(c.data());
    },
    setRunStatus(experiment, run) {
      const snap = experiments.find((e) => e.name === experiment)?.runs.find((r) => r.run.id === run.id);
      if (!snap) return;
      const copy = comparedCopy(snap);
      const finished = snap.run.final === null && run.final !== null;
      snap.run = run;
      // The copy keeps its (possibly experiment-qualified) id.
      if (copy) copy.run = { ...run, id: copy.run.id };
      if (finished) render();
    },
  };
}
