/**
 * The dashboard's optimizer-path card: the experiment's optimizers (their full configs) traced by
 * the backend on a 2-D test function, drawn as contours with paths. The last paths are kept across
 * redraws; only the newest request's reply is drawn. In the static report (no host) it shows the
 * last paths or says where they come from.
 */
import { contourFromTraces, contourPaths as contourPathsChart } from '../charts/index';
import type { OptimizerConfig } from '../../src/protocol/config';
import type { ExperimentSnapshot, OptimizerPathsView } from '../../src/protocol/viewData';
import { chartCard, type ChartCard } from '../shared/chartCard';
import { button, clear, el, select } from '../shared/dom';
import { empty, type DashboardContext } from './dashboardContext';

const TRACE_FUNCTIONS = ['rosenbrock', 'beale', 'quadratic', 'himmelblau', 'saddle'];

export interface TraceSection {
  /** Adds the card to the grid (its controls when connected) with the last paths, if any. */
  render(exp: ExperimentSnapshot | undefined, grid: HTMLElement): void;
}

/** The optimizer-path card of one dashboard page, which remembers its last paths and request. */
export function createTraceSection(ctx: DashboardContext): TraceSection {
  let traceCard: ChartCard | null = null;
  let traceRequest = 0;
  let lastPaths: OptimizerPathsView | null = null;

  function renderTrace(exp: ExperimentSnapshot | undefined, grid: HTMLElement): void {
    const card = chartCard(grid, ctx.host, 'optimizer-paths', 'Optimizer paths on a 2-D test function', { wide: true });
    traceCard = card;
    if (!ctx.host.connected) {
      if (lastPaths) drawPaths(lastPaths);
      else empty(card.body, 'Optimizer paths are computed by the extension (Attention Lab: Show Optimizer Paths).');
      return;
    }
    const optimizers = experimentOptimizers(exp);
    const status = el('span', { class: 'al-muted', role: 'status' });
    card.body.before(
      el(
        'div',
        { class: 'al-toolbar' },
        select('Function', TRACE_FUNCTIONS.map((f) => ({ value: f, label: f })), ctx.state.traceFn, (v) => ctx.save({ traceFn: v })),
        select('Steps', [100, 300, 1000, 3000].map((n) => ({ value: String(n), label: String(n) })), String(ctx.state.traceSteps), (v) => ctx.save({ traceSteps: Number(v) })),
        button('Trace', () => {
          const mine = ++traceRequest;
          status.textContent = 'Tracing in the backend…';
          ctx.host.request('paths/trace', { fn: ctx.state.traceFn, steps: ctx.state.traceSteps, optimizers }).then(
            (paths) => traceResult(mine, paths, null),
            (err: Error) => traceResult(mine, null, err.message),
          );
        }),
        status,
      ),
    );
    if (lastPaths) drawPaths(lastPaths);
    else empty(card.body, `Press Trace to run ${optimizers.map((o) => o.name).join(', ')} on the function.`);
  }

  /** The reply to the newest trace request (older replies are dropped). */
  function traceResult(requestId: number, paths: OptimizerPathsView | null, error: string | null): void {
    if (requestId !== traceRequest || !traceCard) return;
    if (paths) {
      lastPaths = paths;
      drawPaths(paths);
    } else {
      clear(traceCard.body);
      traceCard.body.append(el('div', { class: 'al-error', role: 'alert' }, `Trace failed: ${error ?? 'unknown error'}`));
    }
  }

  function drawPaths(paths: OptimizerPathsView): void {
    if (!traceCard) return;
    clear(traceCard.body);
    const data = contourFromTraces(
      paths.paths.map((p) => ({ function: paths.function, formula: paths.formula, optimizer: p.optimizer, domain: paths.domain, minima: paths.minima, points: p.points, diverged: p.diverged })),
    );
    traceCard.setChart(ctx.keep(contourPathsChart(traceCard.body, data)));
  }

  return { render: renderTrace };
}

function experimentOptimizers(exp: ExperimentSnapshot | undefined): OptimizerConfig[] {
  const seen = new Map<string, OptimizerConfig>();
  for (const r of exp?.runs ?? []) if (!seen.has(r.run.config.optimizer.name)) seen.set(r.run.config.optimizer.name, r.run.config.optimizer);
  const list = [...seen.values()].filter((o) => o.name !== 'sgd');
  if (list.length > 0) return list.slice(0, 8);
  return [
    { name: 'adamw', lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    { name: 'lion', lr: 0.002, beta1: 0.9, beta2: 0.99, weightDecay: 0 },
    { name: 'tiger', lr: 0.002, beta: 0.945, weightDecay: 0, shrink: 0.5 },
  ];
}
