/**
 * A run's configuration group: its id without the seed suffix, the runs of one configuration
 * that differ only by seed. The dashboard groups by it by default and colours each group by its
 * place in the experiment's grid order; the live-run view colours runs the same way, so a
 * configuration has one colour in every view.
 */
import type { RunFile } from '../../protocol/runFolder';

/** `sort-small-logn-lion-s2` → `sort-small-logn-lion`. */
export function configLabel(run: Pick<RunFile, 'id' | 'config'>): string {
  const suffix = `-s${run.config.seed}`;
  return run.id.endsWith(suffix) ? run.id.slice(0, -suffix.length) : run.id;
}

/** Colour index of each configuration group: the order of first appearance among the runs (grid order). */
export function configColorIndexes(runs: readonly Pick<RunFile, 'id' | 'config'>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of runs) {
    const k = configLabel(r);
    if (!out.has(k)) out.set(k, out.size);
  }
  return out;
}
