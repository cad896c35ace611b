/**
 * The live-run sidebar view: each current run's loss curve, progress bar and newest attention
 * entropy. The host posts the whole (small, thinned) state on every change.
 */
import { lineChart, type ChartHandle } from '../charts/index';
import type { LineChartOptions, LineSeries } from '../charts/types';
import type { LiveRunEntry } from '../../src/protocol/viewData';
import { applyAppStyles } from '../shared/appStyles';
import { button, clear, el } from '../shared/dom';
import { vscodeHost } from '../shared/host';

applyAppStyles();
const host = vscodeHost();
const root = document.getElementById('app') as HTMLElement;
let chart: ChartHandle<LineSeries[], LineChartOptions> | null = null;

/**
 * One line per run that has logged a loss (runs still queued have nothing to show, nor a legend
 * entry), in its configuration's dashboard colour; a configuration's second and later seeds dashed.
 */
export function lossSeries(runs: readonly LiveRunEntry[]): LineSeries[] {
  const seen = new Set<string>();
  return runs
    .map((r) => {
      const later = seen.has(r.group);
      seen.add(r.group);
      return { r, later };
    })
    .filter(({ r }) => r.loss.length > 0)
    .map(({ r, later }) => ({ id: r.runId, label: r.runId, colorIndex: r.colorIndex, ...(later ? { dashed: true } : {}), points: r.loss.map(([x, y]) => ({ x, y })) }));
}

function render(runs: LiveRunEntry[]): void {
  const series = lossSeries(runs);
  if (chart && runs.length > 0 && root.querySelector('#live-loss')) {
    chart.update(series);
    renderList(runs);
    return;
  }
  chart?.destroy();
  chart = null;
  clear(root);
  if (runs.length === 0) {
    root.append(el('div', { class: 'al-empty', role: 'status' }, 'No runs yet. Run an experiment to watch it train here.'));
    return;
  }
  const chartBox = el('div', { id: 'live-loss' });
  root.append(el('h2', {}, 'Training loss'), chartBox, el('div', { id: 'live-list' }), button('Open dashboard', () => void host.request('dashboard/open', { experiment: runs[0]?.experiment ?? null }).catch((e: Error) => console.warn(e.message)), { secondary: true }));
  chart = lineChart(chartBox, series, { title: 'live-loss', xLabel: 'step', yLabel: 'loss', logY: true, smoothing: 0.6, height: 180 });
  renderList(runs);
}

function renderList(runs: LiveRunEntry[]): void {
  const list = root.querySelector('#live-list');
  if (!list) return;
  clear(list);
  for (const r of runs) {
    const pct = r.totalSteps > 0 ? Math.min(100, (100 * r.step) / r.totalSteps) : 0;
    const bar = el('div', { class: 'al-progress' });
    bar.style.width = `${pct.toFixed(1)}%`;
    const entropy = r.entropy
      ? `attention entropy H = ${r.entropy.mean.toFixed(2)} nats${r.entropy.lnN !== null ? ` (uniform: ln T = ${r.entropy.lnN.toFixed(2)})` : ''}${r.entropy.meanNormalized !== null ? `, h = ${r.entropy.meanNormalized.toFixed(2)}` : ''} at step ${r.entropy.step}`
      : 'no entropy record yet';
    list.append(
      el(
        'div',
        { class: 'al-run', 'data-run': r.runId, 'data-status': r.status },
        el('div', {}, el('strong', {}, r.runId), ' ', el('span', { class: 'al-muted' }, `${r.status} · ${r.step}/${r.totalSteps}`)),
        el('div', { class: 'al-progress-track', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': r.totalSteps, 'aria-valuenow': r.step, 'aria-label': `${r.runId} progress` }, bar),
        el('div', { class: 'al-muted al-entropy' }, entropy),
      ),
    );
  }
}

host.on('liveRun/state', (m) => render(m.runs));
host.ready();
