/**
 * `attention-lab report <experiment-dir> [--html FILE]`: writes summary.json (docs/analysis.md)
 * and prints the headline comparison as a Markdown table, followed by the robustness grids when
 * there are any. `--html` also writes a self-contained HTML report drawn with the dashboard's own
 * charts (webview/charts via dist/webview/report.js, inlined with the data).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { SummaryFile } from '../protocol/analysis';
import { markdownTable, summarizeExperiment } from '../engine/analysis/summarizeExperiment';
import { writeHtmlReport } from '../engine/report/htmlReport';
import { UsageError } from './usageError';
import { checkInDir, checkOutFile } from './checkPaths';
import { repairStatuses } from './statusCommand';

export function reportCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, html: { type: 'string' } } });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) throw new UsageError('report: give one experiment folder');
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

export function formatSummary(s: SummaryFile): string {
  const out = [`## ${s.experiment}`, '', markdownTable(s.headline.columns, s.headline.rows)];
  for (const g of s.robustness) {
    out.push('', `${g.optimizer}: mean final loss@${s.headlineLength} (± std across seeds), rows weight decay, columns lr:`, '');
    out.push(
      markdownTable(
        ['', ...g.meanFinalLoss.columnLabels],
        g.meanFinalLoss.values.map((row, i) => [g.meanFinalLoss.rowLabels[i] as string, ...row.map((v, j) => `${f(v)} ± ${f(g.stdFinalLoss.values[i]?.[j])}`)]),
      ),
    );
  }
  const lg = s.lengthGeneralization.exact;
  if (lg.columnLabels.length > 1) {
    out.push('', 'Exact match by evaluation length (mean over seeds):', '');
    out.push(markdownTable(['configuration', ...lg.columnLabels], lg.values.map((row, i) => [lg.rowLabels[i] as string, ...row.map(f)])));
    const en = s.entropy;
    if (en.values.some((row) => row.some((v) => v !== null))) {
      out.push('', 'Mean normalized attention entropy by evaluation length:', '');
      out.push(markdownTable(['configuration', ...en.columnLabels], en.values.map((row, i) => [en.rowLabels[i] as string, ...row.map(f)])));
    }
  }
  return out.join('\n');
}
