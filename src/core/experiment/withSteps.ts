import type { TrainSpec } from '../../protocol/spec';
import { TRAIN_DEFAULTS } from './defaults';

/**
 * `--steps N`: the spec's training with N steps, its step-based settings (warm-up, schedule
 * points, evaluation and checkpoint intervals) scaled by the same factor so they still fit.
 */
export function withSteps(train: TrainSpec, steps: number): TrainSpec {
  const old = train.steps ?? TRAIN_DEFAULTS.steps;
  const f = steps / old;
  const scale = (x: number): number => Math.max(1, Math.round(x * f));
  const out: TrainSpec = { ...train, steps };
  const s = train.schedule;
  if (s?.kind === 'warmup-cosine') out.schedule = { ...s, warmupSteps: Math.min(steps, scale(s.warmupSteps)) };
  if (s?.kind === 'piecewise') {
    out.schedule = { kind: 'piecewise', points: Object.fromEntries(Object.entries(s.points).map(([k, v]) => [String(Number(k) === 0 ? 0 : scale(Number(k))), v])) };
  }
  if (train.evalEvery !== undefined) out.evalEvery = Math.min(steps, scale(train.evalEvery));
  if (train.checkpointEvery) out.checkpointEvery = Math.min(steps, scale(train.checkpointEvery));
  return out;
}
