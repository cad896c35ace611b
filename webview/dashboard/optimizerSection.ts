/**
 * The dashboard's optimizer section: the diagnostics every run records on logged steps, charted
 * per group with the curves' band, x axis and run lines — update RMS, sign agreement, weight RMS
 * (all parameters or the weight matrices), cumulative NaN/Inf events — and the optimizer's state
 * size per group, Tiger's effective step per tensor and the update RMS per tensor for one group.
 */
import { barChart, heatmap, lineChart, type ChartHandle } from '../charts/index';
import type { LineSeries } from '../charts/types';
import type { RunSnapshot } from '../../src/protocol/viewData';
import { chartCard } from '../shared/chartCard';
import { el, select } from '../shared/dom';
import type { AppHost } from '../shared/host';
import type { CurveOptions } from './curves';
import { groupRuns, type GroupBy } from './grouping';
import { hasOptimRecords, OPTIM_METRICS, optimSeries, stateSizes, tensorHeatmap, tigerGroups, type OptimMetric } from './optimizerData';

export interface OptimizerSectionState {
  /** Group whose per-tensor views are shown (Tiger's effective step, update RMS). */
  tensorGroup: string | null;
  zoom: Record<string, [number, number]>;
}

export interface OptimizerSectionContext {
  host: AppHost;
  grid: HTMLElement;
  runs: readonly RunSnapshot[];
  groupBy: GroupBy;
  curve: CurveOptions;
  logX: boolean;
  smoothing: number;
  hidden: string[];
  state: OptimizerSectionState;
  save(patch: Partial<OptimizerSectionState> & { hidden?: string[] }): void;
  rerender(): void;
  /** Keeps a chart for destruction on the next render. */
  keep<D, O>(h: ChartHandle<D, O>): ChartHandle<D, O>;
  /** Registers a chart that follows new metrics while runs train. */
  live(handle: ChartHandle<LineSeries[], unknown>, data: () => LineSeries[]): void;
}

const CURVES: readonly OptimMetric[] = ['updateRms', 'signAgreement', 'weightRms', 'matrixWeightRms', 'nanEvents'];

export function renderOptimizerSection(c: OptimizerSectionContext): void {
  const { host, grid, runs } = c;
  grid.append(el('h2', { class: 'al-section al-wide', id: 'optimizer-diagnostics' }, 'Optimizer diagnostics'));
  if (!hasOptimRecords(runs)) {
    const card = chartCard(grid, host, 'optim-none', 'Optimizer diagnostics', { wide: true });
    card.body.append(el('div', { class: 'al-empty', role: 'status' }, 'No optimizer diagnostics yet: runs record them on logged steps (`{"kind":"optim"}` lines) from their first logged step.'));
    return;
  }
  const bandText = c.curve.band === 'none' ? '' : `, ${c.curve.band === 'std' ? '± std' : c.curve.band === 'minmax' ? 'min–max' : '95% CI'} over runs`;
  for (const metric of CURVES) {
    const info = OPTIM_METRICS.find((m) => m.value === metric);
    if (!info) continue;
    const id = `optim-${metric}`;
    const data = (): LineSeries[] => optimSeries(runs, metric, c.curve);
    const series = data();
    if (series.length === 0) continue; // e.g. weight RMS in run folders of older versions
    const card = chartCard(grid, host, id, `${info.label} (mean${bandText})`);
    const handle = lineChart(card.body, series, {
      title: id,
      xLabel: c.curve.x === 'wallTime' ? 'wall time' : 'step',
      xTime: c.curve.x === 'wallTime',
      yLabel: info.axis,
      logY: info.logY,
      logX: c.logX,
      smoothing: metric === 'nanEvents' ? 0 : c.smoothing,
      hidden: c.hidden,
      onToggle: (hidden) => c.save({ hidden }),
      xDomain: c.state.zoom[id] ?? null,
      onZoom: (domain) => {
        const zoom = { ...c.state.zoom };
        if (domain) zoom[id] = domain;
        else delete zoom[id];
        c.save({ zoom });
      },
      height: 240,
    });
    card.setChart(c.keep(handle));
    c.live(handle as unknown as ChartHandle<LineSeries[], unknown>, data);
  }

  const sizes = stateSizes(runs, c.groupBy, c.curve.colors);
  const st = chartCard(grid, host, 'optim-state', 'Optimizer state per group (KiB)');
  if (sizes.groups[0]?.values.every((v) => !Number.isFinite(v))) st.body.append(el('div', { class: 'al-empty', role: 'status' }, 'No run has trained yet.'));
  else st.setChart(c.keep(barChart(st.body, sizes, { title: 'optim-state', yLabel: 'KiB', height: 240 })));

  // Per-tensor views of one group: Tiger's effective step (Tiger groups), the update RMS (any).
  const groups = groupRuns(runs, c.groupBy);
  const tiger = tigerGroups(runs, c.groupBy);
  const chosen = groups.some((g) => g.key === c.state.tensorGroup) ? (c.state.tensorGroup as string) : (tiger[0] ?? groups[0]?.key ?? '');
  const group = groups.find((g) => g.key === chosen);
  const picker = el(
    'div',
    { class: 'al-toolbar' },
    select('Group (per-tensor views)', groups.map((g) => ({ value: g.key, label: `${g.key}${tiger.includes(g.key) ? ' (Tiger)' : ''}` })), chosen, (v) => {
      c.save({ tensorGroup: v });
      c.rerender();
    }),
  );
  const perTensor = el('section', { class: 'al-card al-wide', 'aria-label': 'Per-tensor views' }, el('h2', {}, 'Per tensor'), picker);
  grid.append(perTensor);
  if (!group) return;
  if (tiger.includes(chosen)) {
    const eff = tensorHeatmap(group.runs, 'effectiveStep');
    const card = chartCard(grid, host, 'optim-tiger-step', `Tiger's effective step η·RMS(θ) per tensor: ${chosen} (mean over its runs)`, { wide: true });
    if (eff) card.setChart(c.keep(heatmap(card.body, eff, { title: 'optim-tiger-step', xLabel: 'step', yLabel: 'tensor', valueLabel: 'effective step', showValues: false, height: Math.min(520, 60 + 16 * eff.rowLabels.length) })));
    else card.body.append(el('div', { class: 'al-empty', role: 'status' }, 'No effective step recorded yet.'));
  }
  const upd = tensorHeatmap(group.runs, 'updateRms');
  const uc = chartCard(grid, host, 'optim-tensor-update', `Update RMS per tensor: ${chosen} (mean over its runs)`, { wide: true });
  if (upd) uc.setChart(c.keep(heatmap(uc.body, upd, { title: 'optim-tensor-update', xLabel: 'step', yLabel: 'tensor', valueLabel: 'update RMS', showValues: false, height: Math.min(520, 60 + 16 * upd.rowLabels.length) })));
  else uc.body.append(el('div', { class: 'al-empty', role: 'status' }, 'No per-tensor updates recorded yet.'));
}
