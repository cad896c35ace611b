/**
 * bench:peers's schedule (pure functions, tested in test/peers/schedule.test.ts): the visits that
 * make up one framework's round, and the order in which a round visits the frameworks.
 */

/** One visit's slice of the round's batches: `warmup` untimed steps, then `steps` timed ones, from batch `start`. */
export interface VisitPlan {
  start: number;
  warmup: number;
  steps: number;
}

/**
 * The visits of one framework in one round: `chunk` timed steps at a time until it has `steps`,
 * the first visit after `warmup` untimed steps and every later one after `rewarm` (the first step
 * after another process has run finds the caches cold); each visit takes the batches after the
 * previous one's, so a round trains on batches 0 … total − 1 once.
 */
export function planVisits(steps: number, chunk: number, warmup: number, rewarm: number): VisitPlan[] {
  if (!(steps > 0 && chunk > 0)) throw new Error(`planVisits: steps (${steps}) and chunk (${chunk}) must be positive`);
  const visits: VisitPlan[] = [];
  for (let done = 0, start = 0; done < steps; done += chunk) {
    const v = { start, warmup: done === 0 ? warmup : rewarm, steps: Math.min(chunk, steps - done) };
    visits.push(v);
    start += v.warmup + v.steps;
  }
  return visits;
}

/**
 * The order in which round `round` visits `items`, again at each of its visits: reversed every
 * other round, and rotated by one every two rounds. Visits cycle through the order, so rotation
 * alone would keep each item right after the same other one whenever there are three or more;
 * rotating by the round and then reversing odd rounds would put the same item first in every
 * round when there are two.
 */
export function visitOrder<T>(items: readonly T[], round: number): T[] {
  const shift = Math.floor(round / 2);
  const rotated = items.map((_, i) => items[(i + shift) % items.length] as T);
  return round % 2 === 1 ? rotated.reverse() : rotated;
}
