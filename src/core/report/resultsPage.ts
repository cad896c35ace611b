/**
 * The results page of one preset run (`npm run science` writes docs/results/<preset>.md): what
 * ran, where and how long, then the same tables `attention-lab report` prints. Pure: the machine
 * facts and the summary come in, Markdown goes out (tested without running anything).
 */
import type { SummaryFile } from '../../protocol/analysis';

export interface ResultsMeta {
  preset: string;
  description: string;
  /** ISO date-time the preset started. */
  startedAt: string;
  wallSeconds: number;
  /**
   * CPU seconds of the CLI and its training workers (null: not recorded). On a shared machine the
   * wall time depends on the load; CPU seconds / cores is what the preset takes on an idle one.
   */
  cpuSeconds?: number | null;
  /** Backends that trained the runs (from run.json), with their run counts. */
  backends: Record<string, number>;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
  /** 1-minute load average before the preset started and when it ended (null: not recorded). */
  load: { before: number; after: number } | null;
  /** The command that reproduces the page. */
  command: string;
  /** Runs by final status. */
  statuses: Record<string, number>;
}

/** `1 min 42 s`, `7 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** The whole page: a header of facts, then `tables` (the report's Markdown). */
export function resultsPage(meta: ResultsMeta, summary: SummaryFile, tables: string): string {
  const list = (r: Record<string, number>): string =>
    Object.entries(r)
      .map(([k, v]) => `${k} × ${v}`)
      .join(', ') || '–';
  const seeds = [...new Set(summary.runs.map((r) => r.seed))].sort((a, b) => a - b);
  const lines = [
    `# Preset \`${meta.preset}\``,
    '',
    meta.description,
    '',
    '| | |',
    '|---|---|',
    `| command | \`${meta.command}\` |`,
    `| date | ${meta.startedAt} |`,
    `| wall time | ${formatDuration(meta.wallSeconds)} |`,
    `| CPU time | ${meta.cpuSeconds != null ? `${formatDuration(meta.cpuSeconds)} (≈ ${formatDuration(meta.cpuSeconds / meta.machine.cores)} of wall time on an idle ${meta.machine.cores}-core machine)` : 'not recorded'} |`,
    `| runs | ${summary.runs.length} (${list(meta.statuses)}) |`,
    `| training seeds | ${seeds.join(', ')} (n = ${seeds.length} per configuration) |`,
    `| backend | ${list(meta.backends)} |`,
    `| machine | ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB, ${meta.machine.platform}, Node ${meta.machine.node} |`,
    `| load average (1 min) | ${meta.load ? `${meta.load.before.toFixed(2)} before, ${meta.load.after.toFixed(2)} after` : 'not recorded'} |`,
    '',
    'Intervals are 95 % confidence intervals over the training seeds (Student t, n − 1 degrees of',
    'freedom) where the table says so; "±" elsewhere is the standard deviation across seeds.',
    '',
    tables.replace(/^## .*\n\n?/, ''),
    '',
  ];
  return lines.join('\n');
}

const NOTES_OPEN = '<!-- notes -->';
const NOTES_CLOSE = '<!-- /notes -->';

/**
 * The hand-written reading of the numbers (what they show, what was tried) lives in a results
 * page between `<!-- notes -->` and `<!-- /notes -->`: a regenerated page keeps the old page's
 * notes after its new tables (re-read them when the numbers move).
 */
export function keepNotes(oldPage: string | null, newPage: string): string {
  if (oldPage === null) return newPage;
  const a = oldPage.indexOf(NOTES_OPEN);
  const b = oldPage.indexOf(NOTES_CLOSE);
  if (a < 0 || b < a) return newPage;
  return `${newPage.trimEnd()}\n\n${oldPage.slice(a, b + NOTES_CLOSE.length)}\n`;
}

/**
 * Replaces the text between `<!-- results:<preset> -->` and `<!-- /results:<preset> -->` in a
 * document (the README) with `body`; the document unchanged (and `false`) when the markers are missing.
 */
export function replaceMarkedSection(doc: string, preset: string, body: string): { text: string; replaced: boolean } {
  const open = `<!-- results:${preset} -->`;
  const close = `<!-- /results:${preset} -->`;
  const a = doc.indexOf(open);
  const b = doc.indexOf(close);
  if (a < 0 || b < a) return { text: doc, replaced: false };
  return { text: `${doc.slice(0, a + open.length)}\n${body.trim()}\n${doc.slice(b)}`, replaced: true };
}

/** A one-table digest for the README: the headline table, and the retrieval table when there is one. */
export function readmeDigest(meta: ResultsMeta, summary: SummaryFile, tables: string): string {
  const firstTable = (md: string, from = 0): string => {
    const lines = md.split('\n');
    const start = lines.findIndex((l, i) => i >= from && l.startsWith('|'));
    if (start < 0) return '';
    let end = start;
    while (end < lines.length && (lines[end] as string).startsWith('|')) end++;
    return lines.slice(start, end).join('\n');
  };
  const parts = [firstTable(tables)];
  const after = (prefix: string): void => {
    const idx = tables.split('\n').findIndex((l) => l.startsWith(prefix));
    if (idx >= 0) parts.push(firstTable(tables, idx));
  };
  if (summary.retrieval) after('Query row of the retrieval head');
  // CLRS-Text presets: the scores by length, and TransNAR's paired differences (reportCommand.ts).
  if (summary.clrs) after('CLRS-Text scores of the greedy answers');
  if (summary.transnar && summary.transnar.length > 0) after('TransNAR: with the NAR − without');
  // A task's own table says more than the generic headline: the grid world's steps to the goal.
  for (const t of summary.tables ?? []) {
    if (t.id !== 'grid-world') continue;
    const idx = tables.split('\n').findIndex((l) => l === t.title);
    if (idx >= 0) parts.push(firstTable(tables, idx));
  }
  const seeds = new Set(summary.runs.map((r) => r.seed)).size;
  parts.push(
    `${summary.runs.length} runs, ${seeds} seed(s) per configuration, ${formatDuration(meta.wallSeconds)}${meta.cpuSeconds != null ? ` (CPU ${formatDuration(meta.cpuSeconds)})` : ''} on ${Object.keys(meta.backends).join(', ') || '–'} (${meta.machine.cores} cores${meta.load ? `, load ${meta.load.before.toFixed(1)} → ${meta.load.after.toFixed(1)}` : ''}); full tables: [docs/results/${meta.preset}.md](docs/results/${meta.preset}.md).`,
  );
  return parts.filter((p) => p.length > 0).join('\n\n');
}
