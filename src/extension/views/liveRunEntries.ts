/**
 * The live-run sidebar view's content from experiment snapshots: the runs of every experiment
 * that has a run pending or running, or else of the newest experiment, each with its loss curve
 * (thinned), progress and the newest attention entropy. Pure, no `vscode`.
 */
import type { EntropyRecord, MetricsRecord } from '../../protocol/runFolder';
import { configColorIndexes, configLabel } from '../../core/experiment/runGroups';
import { LIVE_RUN_MAX_POINTS, type ExperimentSnapshot, type LiveRunEntry, type RunSnapshot } from '../../protocol/viewData';

/** Keeps at most `max` points, evenly spaced, always including the last. */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)] as T);
  return out;
}

function newestEntropy(metrics: readonly MetricsRecord[]): LiveRunEntry['entropy'] {
  for (let i = metrics.length - 1; i >= 0; i--) {
    const r = metrics[i] as MetricsRecord;
    if (r.kind !== 'entropy') continue;
    const e = r as EntropyRecord;
    const finite = e.meanEntropy.filter((v) => typeof v === 'number' && Number.isFinite(v));
    const normalized = e.meanNormalized.filter((v) => typeof v === 'number' && Number.isFinite(v));
    if (finite.length === 0) continue;
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    const meanNormalized = normalized.length > 0 ? normalized.reduce((a, b) => a + b, 0) / normalized.length : null;
    return { step: e.step, mean, meanNormalized, lnN: e.tokens > 1 ? Math.log(e.tokens) : null };
  }
  return null;
}

/**
 * Steps done: run.json's `step` is written only at checkpoints and at the end, so while a run
 * trains its newest logged record says more (a train record's `step` is the 0-based index of the
 * step it logged, so one more step is done; an eval or entropy record's is the count done).
 */
export function stepsDone(snap: RunSnapshot): number {
  const total = snap.run.config.train.steps;
  if (snap.run.status === 'completed') return Math.max(snap.run.step, total);
  let done = snap.run.step;
  for (const r of snap.metrics) {
    const n = r.kind === 'train' || r.kind === 'optim' ? r.step + 1 : r.step;
    if (Number.isFinite(n) && n > done) done = n;
  }
  return Math.min(done, total);
}

/** `colorIndex`: the run's configuration group's colour in the dashboard (default grouping), so a configuration has one colour in both views. */
export function liveRunEntry(experiment: string, snap: RunSnapshot, colorIndex = 0): LiveRunEntry {
  const loss: [number, number][] = [];
  for (const r of snap.metrics) if (r.kind === 'train' && Number.isFinite(r.loss)) loss.push([r.step, r.loss]);
  return {
    experiment,
    runId: snap.run.id,
    status: snap.run.status,
    step: stepsDone(snap),
    totalSteps: snap.run.config.train.steps,
    loss: thin(loss, LIVE_RUN_MAX_POINTS),
    entropy: newestEntropy(snap.metrics),
    group: configLabel(snap.run),
    colorIndex,
  };
}

/** Experiments with an active run (all of them), else the newest one by creation time. */
export function liveRunEntries(experiments: readonly ExperimentSnapshot[]): LiveRunEntry[] {
  const active = experiments.filter((e) => e.runs.some((r) => r.run.status === 'running' || r.run.status === 'pending'));
  let shown = active;
  if (shown.length === 0 && experiments.length > 0) {
    const created = (e: ExperimentSnapshot): string => e.runs.reduce((m, r) => (r.run.timings.createdAt > m ? r.run.timings.createdAt : m), '');
    shown = [[...experiments].sort((a, b) => created(b).localeCompare(created(a)))[0] as ExperimentSnapshot];
  }
  return shown.flatMap((e) => {
    const colors = configColorIndexes(e.runs.map((r) => r.run));
    return e.runs.map((r) => liveRunEntry(e.name, r, colors.get(configLabel(r.run)) ?? 0));
  });
}
