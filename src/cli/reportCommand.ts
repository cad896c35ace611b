/**
 * `attention-lab report <experiment-dir> [--html FILE]`: writes summary.json (docs/analysis.md)
 * and prints the headline comparison as a Markdown table, followed by the robustness grids when
 * there are any. `--html` also writes a self-contained HTML report drawn with the dashboard's own
 * charts (webview/charts via dist/webview/report.js, inlined with the data).
 */
import * as path from 'node:path';
import type { MeanInterval, RobustnessGrid, SummaryFile } from '../protocol/analysis';
import { excludesZero } from '../core/analysis/confidence';
import { markdownTable, summarizeExperiment } from '../core/analysis/summarizeExperiment';
import { writeHtmlReport } from '../core/report/htmlReport';
import { UsageError } from './usageError';
import { parseCommandArgs } from './usage';
import { checkInDir, checkOutFile } from './checkPaths';
import { repairStatuses } from './statusCommand';

export function reportCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs('report', args, { json: { type: 'boolean' }, html: { type: 'string' } });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) throw new UsageError('report: give one experiment folder (see: attention-lab report --help)');
  checkInDir(dir, 'report', 'an experiment folder');
  const html = values.html === undefined ? undefined : checkOutFile(values.html, '--html');
  repairStatuses(dir);
  const { file, summary } = summarizeExperiment(dir, (m) => process.stderr.write(`attention-lab: warning: ${m}\n`));
  if (values.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else process.stdout.write(formatSummary(summary) + `\nwrote ${path.relative(process.cwd(), file) || file}\n`);
  if (html !== undefined && values.html !== undefined) {
    const { runs, bytes } = writeHtmlReport(html, [dir]);
    process.stderr.write(`wrote ${values.html}: HTML report of ${runs} run(s), ${(bytes / 1024).toFixed(0)} KiB, self-contained\n`);
  }
  return 0;
}

const f = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));

/** `a − b = mean ± half` of a paired difference, `(n=1)` when one seed is shared. */
function difference(d: MeanInterval | null): string {
  if (d === null) return '–';
  const sign = (x: number): string => (x >= 0 ? `+${f(x)}` : f(x));
  return d.halfWidth === null ? `${sign(d.mean)} (n=1)` : `${sign(d.mean)} ± ${f(d.halfWidth)}`;
}

/** A robustness cell: mean ± 95 % CI half-width, `diverged k/n`, or `(n=1)`. */
function robustnessCell(g: RobustnessGrid, i: number, j: number): string {
  const diverged = g.divergedRuns?.values[i]?.[j] ?? 0;
  const runs = g.runs?.values[i]?.[j] ?? null;
  if (diverged !== null && diverged > 0) return `diverged ${diverged}/${runs ?? '?'}`;
  const mean = g.meanFinalLoss.values[i]?.[j] ?? null;
  if (mean === null) return '–';
  const half = g.ciFinalLoss?.values[i]?.[j] ?? null;
  return half === null ? `${f(mean)} (n=1)` : `${f(mean)} ± ${f(half)}`;
}

export function formatSummary(s: SummaryFile): string {
  const out = [`## ${s.experiment}`, '', markdownTable(s.headline.columns, s.headline.rows)];
  if (s.headline.note) out.push('', `± : ${s.headline.note}.`);
  const diffs = s.pairedDifferences ?? [];
  if (diffs.length > 0) {
    out.push('', `Paired differences a − b over shared seeds at n = ${s.headlineLength} (mean ± 95 % CI; "shows" when the interval excludes 0):`, '');
    out.push(
      markdownTable(
        ['a', 'b', 'seeds', `Δ loss@${s.headlineLength}`, `Δ exact@${s.headlineLength}`, 'shows'],
        diffs.map((d) => [d.a, d.b, d.seeds.length, difference(d.loss), difference(d.exact), [excludesZero(d.loss) ? 'loss' : '', excludesZero(d.exact) ? 'exact' : ''].filter(Boolean).join(', ') || 'no']),
      ),
    );
  }
  for (const g of s.robustness) {
    const chance = g.chanceLoss !== undefined ? `; "diverged": a final loss not finite or above ln V = ${f(g.chanceLoss)}` : '';
    out.push('', `${g.optimizer}: final loss@${s.headlineLength}, mean ± 95 % CI over seeds, rows weight decay, columns lr${chance}:`, '');
    out.push(
      markdownTable(
        ['', ...g.meanFinalLoss.columnLabels],
        g.meanFinalLoss.values.map((row, i) => [g.meanFinalLoss.rowLabels[i] as string, ...row.map((_, j) => robustnessCell(g, i, j))]),
      ),
    );
  }
  const lg = s.lengthGeneralization.exact;
  if (lg.columnLabels.length > 1 && !s.retrieval) {
    out.push('', 'Exact match by evaluation length (mean over seeds):', '');
    out.push(markdownTable(['configuration', ...lg.columnLabels], lg.values.map((row, i) => [lg.rowLabels[i] as string, ...row.map(f)])));
  }
  out.push(...clrsSection(s));
  out.push(...transnarSection(s));
  for (const t of s.tables ?? []) out.push('', `${t.title}`, '', markdownTable(t.columns, t.rows));
  out.push(...entropySection(s));
  return out.join('\n');
}

/** CLRS-Text scores by length, mean ± 95 % CI over seeds: where a model fails, by shape, parse or values (docs/science.md §5). */
function clrsSection(s: SummaryFile): string[] {
  const c = s.clrs;
  if (!c) return [];
  const cols = c.clrs.columnLabels;
  const rows: string[][] = [];
  c.clrs.rowLabels.forEach((label, i) => {
    rows.push([label, 'shape', ...cols.map((_, j) => ci(c.shape.values[i]?.[j], c.shapeCi95.values[i]?.[j], 2))]);
    rows.push(['', 'parse', ...cols.map((_, j) => ci(c.parse.values[i]?.[j], c.parseCi95.values[i]?.[j], 2))]);
    rows.push(['', 'CLRS', ...cols.map((_, j) => ci(c.clrs.values[i]?.[j], c.clrsCi95.values[i]?.[j], 2))]);
    rows.push(['', 'exact', ...cols.map((_, j) => ci(c.exact.values[i]?.[j], c.exactCi95.values[i]?.[j], 2))]);
  });
  return [
    '',
    'CLRS-Text scores of the greedy answers by evaluation length (mean ± 95 % CI over seeds): shape (right number of elements), parse (a well-formed answer), CLRS (fraction of elements right, 0 when the shape is wrong), exact:',
    '',
    markdownTable(['configuration', 'score', ...cols], rows),
  ];
}

/** TransNAR against the same Transformer without the NAR: paired differences over seeds, and how the cross-attention reads the nodes. */
function transnarSection(s: SummaryFile): string[] {
  const list = s.transnar ?? [];
  if (list.length === 0) return [];
  const out = [
    '',
    'TransNAR: with the NAR − without, paired by training seed (mean ± 95 % CI over the seeds), by evaluation length (* beyond training); h = the cross-attention\'s entropy over the nodes / ln N on the answer rows (1 = uniform), peak = mean largest node weight:',
  ];
  for (const t of list) {
    out.push('', `${t.task}: ${t.nar} vs ${t.plain}, seeds ${t.seeds.join(', ')}; gates tanh(α) ${t.gates.map((g) => f(g)).join(', ')}`, '');
    out.push(
      markdownTable(
        ['n', 'CLRS without', 'CLRS with', 'Δ CLRS', 'Δ shape', 'Δ exact', 'h', 'peak'],
        t.rows.map((r) => [
          `${r.length}${r.beyondTraining ? '*' : ''}`,
          ci(r.plain.clrs.mean, r.plain.clrs.halfWidth, 2),
          ci(r.nar.clrs.mean, r.nar.clrs.halfWidth, 2),
          ci(r.diff.clrs.mean, r.diff.clrs.halfWidth, 2),
          ci(r.diff.shape.mean, r.diff.shape.halfWidth, 2),
          ci(r.diff.exact.mean, r.diff.exact.halfWidth, 2),
          f(r.crossNormalizedEntropy),
          f(r.crossPeak),
        ]),
      ),
    );
  }
  return out;
}

/** `mean ± half-width` (or just the mean with one seed). */
const ci = (mean: number | null | undefined, half: number | null | undefined, digits = 3): string =>
  mean === null || mean === undefined || !Number.isFinite(mean) ? '–' : half === null || half === undefined ? mean.toFixed(digits) : `${mean.toFixed(digits)} ± ${half.toFixed(digits)}`;

/** Attention entropy by length: H (nats) first, h beside it, and for retrieval tasks the query row of the retrieval head. */
function entropySection(s: SummaryFile): string[] {
  const out: string[] = [];
  const en = s.entropy;
  if (en.values.every((row) => row.every((v) => v === null))) return out;
  const rt = s.retrieval;
  if (rt) {
    const cols = rt.entropy.columnLabels;
    out.push('', 'Query row of the retrieval head, by evaluation length (mean ± 95 % CI over seeds): attention entropy H in nats — flat is the claim of log-n scaling, ln n is uniform attention —, attention mass on the queried pair, normalized h = H / ln n, exact recall and the loss of the answer:', '');
    const rows: string[][] = [];
    rt.entropy.rowLabels.forEach((label, i) => {
      rows.push([label, 'H (nats)', ...cols.map((_, j) => ci(rt.entropy.values[i]?.[j], rt.entropyCi95.values[i]?.[j], 2))]);
      rows.push(['', 'mass on key', ...cols.map((_, j) => ci(rt.keyMass.values[i]?.[j], rt.keyMassCi95.values[i]?.[j], 2))]);
      rows.push(['', 'h', ...cols.map((_, j) => f(rt.normalized.values[i]?.[j]))]);
      rows.push(['', 'exact', ...cols.map((_, j) => ci(rt.exact.values[i]?.[j], rt.exactCi95.values[i]?.[j], 3))]);
      rows.push(['', 'loss', ...cols.map((_, j) => ci(rt.loss.values[i]?.[j], rt.lossCi95.values[i]?.[j], 4))]);
    });
    out.push(markdownTable(['configuration', 'measure', ...cols], rows));
  }
  out.push('', 'Mean attention entropy H in nats over heads and query rows, by evaluation length (mean over seeds):', '');
  out.push(markdownTable(['configuration', ...en.columnLabels], en.values.map((row, i) => [en.rowLabels[i] as string, ...row.map(f)])));
  const nh = s.entropyNormalized;
  out.push('', 'The same as normalized entropy h = H / ln n:', '');
  out.push(markdownTable(['configuration', ...nh.columnLabels], nh.values.map((row, i) => [nh.rowLabels[i] as string, ...row.map(f)])));
  return out;
}
