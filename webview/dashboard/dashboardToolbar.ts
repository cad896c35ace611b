/**
 * The dashboard's page toolbar: the experiment (or the comparison of selected runs, with a way
 * back to the whole experiment), the run filter, grouping, the curves' metric, smoothing and log y.
 */
import type { ExperimentSnapshot, DashboardComparison } from '../../src/protocol/viewData';
import { button, checkbox, el, select, slider, textInput } from '../shared/dom';
import type { CurvesCard } from './curvesSection';
import { curveData, type DashboardContext } from './dashboardContext';
import { GROUP_BY_CHOICES, isGroupBy } from './grouping';
import { EVAL_METRICS, TRAIN_METRICS } from './shapeData';

export interface ToolbarInput {
  /** The page's root (the filter field is found there again after the redraw). */
  root: HTMLElement;
  exp: ExperimentSnapshot;
  experiments: ExperimentSnapshot[];
  comparison: DashboardComparison | null;
  /** The evaluation lengths of the experiment (the metric choices). */
  lengths: number[];
  leaveComparison(experiment: string): void;
  /** The experiment holding the first compared run. */
  comparedExperiment(): string;
  /** The curves card drawn now (smoothing and log y update it in place). */
  curves(): CurvesCard | null;
}

/** The toolbar element. */
export function dashboardToolbar(ctx: DashboardContext, t: ToolbarInput): HTMLElement {
  const metricOptions = [
    ...TRAIN_METRICS.map((m) => ({ value: `train:${m}`, label: `train ${m}` })),
    ...t.lengths.flatMap((l) => EVAL_METRICS.map((m) => ({ value: `eval:${m}@${l}`, label: `eval ${m} @ n=${l}` }))),
  ];
  return el(
    'div',
    { class: 'al-toolbar', role: 'toolbar', 'aria-label': 'Dashboard controls' },
    select(
      'Experiment',
      [
        ...(t.comparison ? [{ value: '', label: `${t.comparison.snapshot.runs.length} selected runs` }] : []),
        ...t.experiments.map((e) => ({ value: e.name, label: `${e.name} (${e.runs.length} runs)` })),
      ],
      t.comparison ? '' : t.exp.name,
      (v) => {
        if (v === '') return;
        if (t.comparison) return t.leaveComparison(v);
        ctx.save({ experiment: v, run: null });
        ctx.render();
      },
    ),
    ...(t.comparison ? [button('Show whole experiment', () => t.leaveComparison(t.comparedExperiment()), { secondary: true })] : []),
    textInput('Filter runs', ctx.state.filter, 'run id, tag or note; or /regex/', (v) => {
      ctx.save({ filter: v });
      ctx.render();
      // The page is redrawn: typing goes on in the new field.
      const field = t.root.querySelector<HTMLElement & { value: string; control?: HTMLInputElement }>('vscode-text-field[aria-label="Filter runs"]');
      field?.focus();
      field?.control?.setSelectionRange(field.value.length, field.value.length);
    }),
    select('Group by', GROUP_BY_CHOICES.map((g) => ({ value: g.value, label: g.label })), ctx.state.groupBy, (v) => {
      ctx.save({ groupBy: isGroupBy(v) ? v : 'config', hidden: [], tensorGroup: null });
      ctx.render();
    }),
    select('Metric', metricOptions, ctx.state.metric, (v) => {
      ctx.save({ metric: v, zoom: {} });
      ctx.render();
    }),
    slider('Smoothing', 0, 0.99, 0.01, ctx.state.smoothing, (v) => {
      ctx.save({ smoothing: v });
      t.curves()?.handle?.update(curveData(ctx.state, t.exp), { smoothing: v });
    }),
    checkbox('Log y', ctx.state.logY, (v) => {
      ctx.save({ logY: v });
      t.curves()?.handle?.update(curveData(ctx.state, t.exp), { logY: v });
    }),
  );
}
