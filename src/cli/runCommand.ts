import * as path from 'node:path';
import type { BackendChoice } from '../protocol/backend';
import type { ExperimentSpec } from '../protocol/spec';
import type { Executor, ExperimentOutcome, PoolOptions } from '../engine/experiment/runner';
import { resumeRun, runExperiment } from '../engine/experiment/runner';
import { readRunFile } from '../core/experiment/runFolder';
import { ProgressDisplay } from './progress';
import { cancelOnSignals } from './signals';
import { formatDuration, formatTable, terminalWidth } from './table';

export interface RunCommandOptions {
  out: string;
  backend: BackendChoice;
  parallel: number | undefined;
  json: boolean;
  /** Where the runs execute; default: the local pool. */
  executor?: Executor;
}

/** Runs with the progress display on stderr (stdout keeps the table or the JSON). */
async function withProgress(go: (opts: PoolOptions) => Promise<ExperimentOutcome>): Promise<{ outcome: ExperimentOutcome; cancelled: boolean }> {
  const display = new ProgressDisplay(process.stderr);
  const { signal, dispose } = cancelOnSignals(display);
  try {
    const outcome = await go({ signal, onEvent: (e) => display.handle(e) });
    display.finish();
    return { outcome, cancelled: signal.aborted };
  } finally {
    dispose();
  }
}

export function summaryTable(outcome: ExperimentOutcome): string {
  const lengths = [...new Set(outcome.runs.flatMap((r) => r.final?.map((e) => e.length) ?? []))].sort((a, b) => a - b);
  const headers = ['run', 'status', 'steps', 'train time', ...lengths.flatMap((n) => [`loss@${n}`, `exact@${n}`, `clrs@${n}`])];
  const rows = outcome.runs.map((r) => {
    let steps = '';
    let time = '';
    try {
      const run = readRunFile(r.runDir);
      steps = `${run.step}/${run.config.train.steps}`;
      time = formatDuration(run.timings.trainSeconds);
    } catch {
      // summary shows what it can
    }
    const byLength = new Map((r.final ?? []).map((e) => [e.length, e]));
    return [
      r.id,
      r.status + (r.error ? ` (${r.error})` : ''),
      steps,
      time,
      ...lengths.flatMap((n) => {
        const e = byLength.get(n);
        return e ? [e.loss, e.exact, e.clrs] : [NaN, NaN, NaN];
      }),
    ];
  });
  return formatTable(headers, rows, { width: terminalWidth() });
}

function report(outcome: ExperimentOutcome, json: boolean, cancelled: boolean): number {
  if (cancelled && !process.stdout.writable) return 130;
  if (json) process.stdout.write(JSON.stringify(outcome, null, 2) + '\n');
  else {
    process.stdout.write(summaryTable(outcome) + '\n');
    process.stdout.write(`\nrun folders: ${path.relative(process.cwd(), outcome.dir) || '.'}\n`);
  }
  if (cancelled) return 130;
  return outcome.runs.every((r) => r.status === 'completed') ? 0 : 1;
}

export async function runCommand(spec: ExperimentSpec, options: RunCommandOptions): Promise<number> {
  const { outcome, cancelled } = await withProgress((pool) =>
    runExperiment(spec, options.out, { ...pool, backend: options.backend, parallel: options.parallel, executor: options.executor }),
  );
  return report(outcome, options.json, cancelled);
}

export async function resumeCommand(runDir: string, options: { backend: BackendChoice; json: boolean }): Promise<number> {
  const { outcome, cancelled } = await withProgress((pool) => resumeRun(runDir, { ...pool, backend: options.backend }));
  return report(outcome, options.json, cancelled);
}
