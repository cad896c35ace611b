/**
 * The dashboard's training curves: the chosen metric per group of runs, mean with a band across
 * runs, live while runs train; the band kind, x axis (step or wall time), individual runs and log x
 * are chosen on the card, the metric, smoothing and log y on the page's toolbar.
 */
import { lineChart } from '../charts/index';
import type { ChartHandle } from '../charts/index';
import type { LineSeries } from '../charts/types';
import type { ExperimentSnapshot } from '../../src/protocol/viewData';
import { chartCard, type ChartCard } from '../shared/chartCard';
import { checkbox, el, select } from '../shared/dom';
import { BAND_CHOICES, type BandKind } from './curves';
import { curveData, zoomed, type DashboardContext } from './dashboardContext';
import { parseMetric } from './shapeData';

/** The curves card and its chart, which the page's toolbar updates in place (smoothing, log y). */
export interface CurvesCard {
  card: ChartCard;
  handle: ReturnType<typeof lineChart> | null;
}

/** The training curves card (wide, first in the grid) with its band, x axis, run-line and log-x controls. */
export function renderCurves(ctx: DashboardContext, exp: ExperimentSnapshot, grid: HTMLElement): CurvesCard {
  const bandText = ctx.state.band === 'none' ? '' : ` ${BAND_CHOICES.find((b) => b.value === ctx.state.band)?.label ?? ''} across runs`;
  const card = chartCard(grid, ctx.host, 'curves', `Training curves (mean${bandText})`, { wide: true });
  const series = curveData(ctx.state, exp);
  const choice = parseMetric(ctx.state.metric);
  const redraw = (): void => ctx.render();
  card.body.before(
    el(
      'div',
      { class: 'al-toolbar', role: 'toolbar', 'aria-label': 'Curve controls' },
      select('Band', BAND_CHOICES.map((b) => ({ value: b.value, label: b.label })), ctx.state.band, (v) => {
        ctx.save({ band: (BAND_CHOICES.find((b) => b.value === v)?.value ?? 'std') as BandKind });
        redraw();
      }),
      select('x axis', [{ value: 'step', label: 'step' }, { value: 'wallTime', label: 'wall time' }], ctx.state.xAxis, (v) => {
        ctx.save({ xAxis: v === 'wallTime' ? 'wallTime' : 'step', zoom: {} });
        redraw();
      }),
      checkbox('Individual runs', ctx.state.showSeeds, (v) => {
        ctx.save({ showSeeds: v });
        redraw();
      }),
      checkbox('Log x', ctx.state.logX, (v) => {
        ctx.save({ logX: v, zoom: {} });
        redraw();
      }),
    ),
  );
  const handle = lineChart(card.body, series, {
    title: 'curves',
    xLabel: ctx.state.xAxis === 'wallTime' ? 'wall time' : 'step',
    xTime: ctx.state.xAxis === 'wallTime',
    yLabel: choice.source === 'train' ? `train ${choice.metric}` : `eval ${choice.metric} @ n=${choice.length}`,
    logY: ctx.state.logY,
    logX: ctx.state.logX,
    smoothing: ctx.state.smoothing,
    hidden: ctx.state.hidden,
    onToggle: (hidden) => ctx.save({ hidden }),
    emptyText: 'No metrics yet: the runs have not logged a step.',
    height: 320,
    ...zoomed(ctx, 'curves'),
  });
  card.setChart(handle);
  ctx.live(handle as unknown as ChartHandle<LineSeries[], unknown>, () => curveData(ctx.state, exp));
  return { card, handle };
}

