/**
 * How the dashboard gathers runs into groups (one line, one band, one table row each), filters
 * them, and colours them. Pure, no DOM (tested in Node).
 *
 * - group by: everything except the seed (the default: seeds of one configuration), or by one
 *   factor — optimizer, attention scaling, learning rate, weight decay, model — pooling the rest;
 * - colours: a group's colour index is its position among all groups of the experiment in grid
 *   order, computed before any filter or legend toggle, so a group keeps its colour in every
 *   chart and view (the live-run view uses the same order for its runs);
 * - filter: a case-insensitive substring of the run id, a tag or the note (run.json), or `/regex/`.
 */
import { configLabel } from '../../src/core/experiment/runGroups';
import type { RunFile } from '../../src/protocol/runFolder';
import type { RunSnapshot } from '../../src/protocol/viewData';

export { configLabel };

export type GroupBy = 'config' | 'optimizer' | 'scaling' | 'lr' | 'weightDecay' | 'model';

export const GROUP_BY_CHOICES: readonly { value: GroupBy; label: string }[] = [
  { value: 'config', label: 'everything but the seed' },
  { value: 'optimizer', label: 'optimizer' },
  { value: 'scaling', label: 'attention scaling' },
  { value: 'lr', label: 'learning rate' },
  { value: 'weightDecay', label: 'weight decay' },
  { value: 'model', label: 'model' },
];

export function isGroupBy(v: unknown): v is GroupBy {
  return GROUP_BY_CHOICES.some((c) => c.value === v);
}

const num = (v: number): string => String(Number(v.toPrecision(4)));

/** The group a run belongs to under `by`: key and label are the same readable text. */
export function groupKey(run: RunFile, by: GroupBy): string {
  const c = run.config;
  switch (by) {
    case 'config':
      return configLabel(run);
    case 'optimizer':
      return c.optimizer.name;
    case 'scaling':
      return c.model.attentionScaling;
    case 'lr':
      return `lr ${num(c.optimizer.lr)}`;
    case 'weightDecay':
      return `wd ${'weightDecay' in c.optimizer ? num(c.optimizer.weightDecay) : '0'}`;
    case 'model':
      // The spec's model label is not in the run config: the shape that tells models apart.
      return `${c.model.layers}L·d${c.model.dModel}·${c.model.heads}h·${c.model.position}${c.model.randomizePositions ? ' randomized' : ''}`;
  }
}

export interface RunGroup {
  key: string;
  label: string;
  runs: RunSnapshot[];
}

/** Runs grouped under `by`, groups in first-seen (grid) order. */
export function groupRuns(runs: readonly RunSnapshot[], by: GroupBy = 'config'): RunGroup[] {
  const out = new Map<string, RunSnapshot[]>();
  for (const r of runs) {
    const k = groupKey(r.run, by);
    const list = out.get(k) ?? [];
    list.push(r);
    out.set(k, list);
  }
  return [...out].map(([key, list]) => ({ key, label: key, runs: list }));
}

/** A group's colour index: its place among every group of the (unfiltered) runs. */
export function colorIndexes(allRuns: readonly RunSnapshot[], by: GroupBy = 'config'): Map<string, number> {
  return new Map(groupRuns(allRuns, by).map((g, i) => [g.key, i]));
}

/** What the filter searches in a run: its id, its tags (also as `#tag`) and its note. */
function searchable(run: RunFile): string[] {
  return [run.id, ...(run.tags ?? []).flatMap((t) => [t, `#${t}`]), ...(run.note ? [run.note] : [])];
}

/** The runs whose id, a tag or the note matches the filter: a case-insensitive substring, or `/pattern/flags`. An invalid pattern matches as text. */
export function filterRuns<T extends { run: RunFile }>(runs: readonly T[], query: string): T[] {
  const q = query.trim();
  if (q === '') return [...runs];
  const re = /^\/(.+)\/([a-z]*)$/.exec(q);
  if (re) {
    try {
      const pattern = new RegExp(re[1] as string, re[2]);
      return runs.filter((r) => searchable(r.run).some((t) => pattern.test(t)));
    } catch {
      // not a valid pattern: the text itself
    }
  }
  const lower = q.toLowerCase();
  return runs.filter((r) => searchable(r.run).some((t) => t.toLowerCase().includes(lower)));
}
