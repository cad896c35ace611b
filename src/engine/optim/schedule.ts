import type { ScheduleConfig } from '../../protocol/config';

/** A validated piecewise schedule: points sorted by step, the first one at step 0. */
interface Breakpoint {
  step: number;
  factor: number;
}

const STEP_KEY = /^(0|[1-9][0-9]*)$/;

/**
 * Throws an Error naming the problem if the schedule is malformed: an unknown kind, a negative
 * or fractional warmup, a minFactor outside [0, 1], a piecewise point whose key is not a
 * non-negative integer written in decimal or whose factor is not a finite number >= 0.
 */
export function validateSchedule(schedule: ScheduleConfig): void {
  breakpointsOf(schedule);
}

/**
 * The learning-rate multiplier at a 0-based step of a run of `totalSteps` steps.
 * - constant: 1.
 * - warmup-cosine: linear warmup (s + 1)/W over steps 0…W−1 (1/W at step 0, 1 at step W−1),
 *   then a half cosine from 1 at step max(W−1, 0) down to minFactor at the last step
 *   totalSteps − 1 (minFactor after it). W = 0 starts the cosine at 1 on step 0.
 * - piecewise (Tiger's schedule, docs/science.md §3): linear interpolation through the
 *   {step: factor} points, starting from (0, 0) unless a point at step 0 is given, constant
 *   after the last point. `totalSteps` is not used.
 */
export function scheduleFactor(schedule: ScheduleConfig, step: number, totalSteps: number): number {
  if (!Number.isInteger(step) || step < 0) throw new Error(`schedule step must be an integer >= 0, got ${step}`);
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new Error(`schedule totalSteps must be an integer >= 1, got ${totalSteps}`);
  }
  const points = breakpointsOf(schedule);
  switch (schedule.kind) {
    case 'constant':
      return 1;
    case 'warmup-cosine': {
      const w = schedule.warmupSteps;
      if (step < w) return (step + 1) / w;
      const start = Math.max(w - 1, 0);
      const span = totalSteps - 1 - start;
      if (span <= 0) return step <= start ? 1 : schedule.minFactor;
      const p = Math.min((step - start) / span, 1);
      return schedule.minFactor + (1 - schedule.minFactor) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
    case 'piecewise':
      return interpolate(points, step);
  }
}

function interpolate(points: readonly Breakpoint[], step: number): number {
  let prev = points[0] as Breakpoint;
  for (let i = 1; i < points.length; i++) {
    const next = points[i] as Breakpoint;
    if (step <= next.step) {
      return prev.factor + ((next.factor - prev.factor) * (step - prev.step)) / (next.step - prev.step);
    }
    prev = next;
  }
  return prev.factor;
}

/** Validates the schedule; for 'piecewise' returns its sorted points with (0, 0) prepended if needed. */
function breakpointsOf(schedule: ScheduleConfig): Breakpoint[] {
  const kind = (schedule as { kind?: unknown }).kind;
  switch (schedule.kind) {
    case 'constant':
      return [];
    case 'warmup-cosine': {
      const { warmupSteps, minFactor } = schedule;
      if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
        throw new Error(`warmup-cosine schedule: warmupSteps must be an integer >= 0, got ${String(warmupSteps)}`);
      }
      if (typeof minFactor !== 'number' || !(minFactor >= 0 && minFactor <= 1)) {
        throw new Error(`warmup-cosine schedule: minFactor must be a number in [0, 1], got ${String(minFactor)}`);
      }
      return [];
    }
    case 'piecewise': {
      const raw = schedule.points;
      if (typeof raw !== 'object' || raw === null || Object.keys(raw).length === 0) {
        throw new Error('piecewise schedule: points must be a non-empty object {step: factor}');
      }
      const points: Breakpoint[] = [];
      for (const [key, factor] of Object.entries(raw)) {
        if (!STEP_KEY.test(key)) {
          throw new Error(`piecewise schedule: step '${key}' is not a non-negative integer written in decimal`);
        }
        if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0) {
          throw new Error(`piecewise schedule: factor at step ${key} must be a finite number >= 0, got ${String(factor)}`);
        }
        points.push({ step: Number(key), factor });
      }
      points.sort((a, b) => a.step - b.step);
      if ((points[0] as Breakpoint).step !== 0) points.unshift({ step: 0, factor: 0 });
      return points;
    }
    default:
      throw new Error(`unknown schedule kind '${String(kind)}' (expected constant, warmup-cosine or piecewise)`);
  }
}
