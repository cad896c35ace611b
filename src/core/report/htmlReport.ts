/**
 * The self-contained HTML report of `attention-lab report --html`: one file with the built
 * report app (dist/webview/report.js, the dashboard's charts without the host) and the
 * experiments' data inlined, so it opens from disk, offline, in any browser and can be mailed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findBundleFile } from '../bundlePaths';
import { writeFileAtomic } from '../io/atomicWrite';
import { escapeHtml, jsonForScriptTag } from './htmlText';
import type { ReportData } from '../../protocol/viewData';
import { readExperimentSnapshot } from './readExperiments';

export type { ReportData };


/** Builds the report page from the report app's code and the data. Pure: no file access. */
export function buildHtmlReport(data: ReportData, reportScript: string): string {
  // A closing tag inside the bundle (in a string or regex) would end the script element early.
  const script = reportScript.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="Attention Lab">
<title>${escapeHtml(data.title)}</title>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="report-data">${jsonForScriptTag(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}

export interface WriteHtmlReportOptions {
  /** Report title; "Attention Lab report: <experiment names>" by default. */
  title?: string;
  /** Path of the built report app; found next to the running bundle (dist/webview/report.js) by default. */
  reportScript?: string;
}

/**
 * Writes the report of the given experiment folders to `outFile` (atomically) and returns the
 * number of runs it holds. The function the CLI's `report --html` calls.
 */
export function writeHtmlReport(outFile: string, experimentDirs: readonly string[], options: WriteHtmlReportOptions = {}): { runs: number; bytes: number } {
  if (experimentDirs.length === 0) throw new Error('report: no experiment folder given');
  const experiments = experimentDirs.map((dir) => {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`report: ${dir}: no such experiment folder`);
    return readExperimentSnapshot(dir);
  });
  const scriptFile = options.reportScript ?? findBundleFile(path.join('webview', 'report.js'));
  const script = fs.readFileSync(scriptFile, 'utf8');
  const data: ReportData = {
    title: options.title ?? `Attention Lab report: ${experiments.map((e) => e.name).join(', ')}`,
    createdAt: new Date().toISOString(),
    experiments,
  };
  const html = buildHtmlReport(data, script);
  writeFileAtomic(outFile, html);
  return { runs: experiments.reduce((n, e) => n + e.runs.length, 0), bytes: Buffer.byteLength(html) };
}
