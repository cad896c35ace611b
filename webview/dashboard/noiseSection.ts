/**
 * The dashboard's softmax-noise card (docs/science.md §6): a chosen measure against σ for the
 * experiment's runs (standard vs log-n scaling side by side), with noise on every layer or one, at
 * one evaluation length. Absent when no run has the probe.
 */
import { lineChart } from '../charts/index';
import type { ExperimentSnapshot } from '../../src/protocol/viewData';
import { chartCard } from '../shared/chartCard';
import { el, select } from '../shared/dom';
import type { DashboardContext } from './dashboardContext';
import { NOISE_MEASURES, noiseChoices, noiseCurves, type NoiseMeasure } from './shapeData';

/** The softmax-noise probe across the experiment's runs (standard vs log-n side by side). */
export function renderNoise(ctx: DashboardContext, exp: ExperimentSnapshot, grid: HTMLElement): void {
  const { lengths, targets } = noiseChoices(exp.runs);
  if (lengths.length === 0) return;
  const length = ctx.state.noiseLength !== null && lengths.includes(ctx.state.noiseLength) ? ctx.state.noiseLength : (lengths[lengths.length - 1] as number);
  const target = targets.includes(ctx.state.noiseTarget) ? ctx.state.noiseTarget : 'all';
  const card = chartCard(grid, ctx.host, 'noise-curves', 'Softmax-noise probe: i.i.d. N(0, σ²) on the attention logits', { wide: true });
  card.body.before(
    el(
      'div',
      { class: 'al-toolbar' },
      select('Measure', Object.entries(NOISE_MEASURES).map(([value, label]) => ({ value, label })), ctx.state.noiseMeasure, (v) => {
        ctx.save({ noiseMeasure: v as NoiseMeasure });
        ctx.render();
      }),
      select('Noise on', targets.map((t) => ({ value: t, label: t === 'all' ? 'every layer' : `layer ${t.slice(1)}` })), target, (v) => {
        ctx.save({ noiseTarget: v });
        ctx.render();
      }),
      select('Length', lengths.map((n) => ({ value: String(n), label: `n = ${n}` })), String(length), (v) => {
        ctx.save({ noiseLength: Number(v) });
        ctx.render();
      }),
    ),
  );
  card.setChart(
    ctx.keep(
      lineChart(card.body, noiseCurves(exp.runs, ctx.state.noiseMeasure, target, length), {
        title: `noise-${ctx.state.noiseMeasure}-${target}-n${length}`,
        xLabel: 'σ',
        yLabel: NOISE_MEASURES[ctx.state.noiseMeasure],
        height: 280,
        logY: false,
        smoothing: 0,
      }),
    ),
  );
}
