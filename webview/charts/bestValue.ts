/**
 * Which value of a table column may be marked best when the values carry confidence intervals
 * (pure, no DOM: the table draws with it, the unit tests run it in Node).
 */
import type { TableData } from './types';

/**
 * true when exactly one row holds the best value `b` and its [low, high] interval is disjoint
 * from every other row's with a value; any missing interval (e.g. one seed) means no claim.
 */
export function intervalsSeparateBest(rows: TableData['rows'], key: string, b: number, interval: { low: string; high: string }): boolean {
  const bounds = (r: TableData['rows'][number]): [number, number] | null => {
    const lo = r[interval.low];
    const hi = r[interval.high];
    return typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
  };
  const winners = rows.filter((r) => r[key] === b);
  const winner = winners[0];
  if (winners.length !== 1 || winner === undefined) return false;
  const w = bounds(winner);
  if (w === null || rows.length < 2) return false;
  return rows.every((r) => {
    if (r === winner || typeof r[key] !== 'number' || !Number.isFinite(r[key])) return true;
    const o = bounds(r);
    return o !== null && (o[1] < w[0] || w[1] < o[0]);
  });
}
