/**
 * Progress of an experiment in the terminal: a line per active run and an overall line with
 * ETA, redrawn in place on a TTY; on a pipe or in CI, a line when a run starts, every 25 % and
 * when it ends.
 */
import type { RunnerEvent } from '../protocol/runner';
import { applyRunnerEvent, emptyProgress, progressTotals, type ExperimentProgress } from '../core/experiment/progress';
import { fitWidth, formatDuration, formatNumber } from './table';

export class ProgressDisplay {
  /** The runs' state: the one progress reducer, shared with the extension. */
  private readonly progress: ExperimentProgress = emptyProgress();
  /** What was printed of each run on a pipe: when it started and the last quarter reported. */
  private readonly printed = new Map<string, { lastQuarter: number }>();
  private drawnLines = 0;
  private started = Date.now();
  private lastDraw = 0;
  private silent = false;
  /** What was last printed of the runs' Slurm task states (the states themselves are in `progress`). */
  private queuePrinted = '';
  private queuePrintedAt = 0;
  private announcedArray = false;

  constructor(private readonly out: NodeJS.WriteStream, private readonly tty = Boolean(out.isTTY)) {}

  /** Writes nothing more (the terminal is gone: SIGHUP). */
  silence(): void {
    this.silent = true;
  }

  handle(event: RunnerEvent): void {
    if (this.silent) return;
    const before = event.type === 'run/progress' ? this.progress.runs.get(event.runId)?.status : undefined;
    const backendsBefore = this.progress.backends.length;
    const narNew = event.type === 'nar/progress' && !this.progress.nars.has(event.id);
    const run = applyRunnerEvent(this.progress, event);
    switch (event.type) {
      case 'experiment/start':
        this.started = Date.now();
        this.print(`experiment ${event.name}: ${event.runs.length} run(s) → ${event.dir}`);
        break;
      case 'worker/ready':
        // `--backend auto` says what it picked, once per backend.
        if (this.progress.backends.length > backendsBefore) this.print(`backend: ${event.backend} (${event.reason})`);
        break;
      case 'run/progress': {
        if (!run) return;
        if (before !== 'running' && !this.tty) this.print(`▶ ${run.runId}`);
        const seen = this.printed.get(run.runId) ?? { lastQuarter: 0 };
        this.printed.set(run.runId, seen);
        const quarter = Math.floor((4 * run.step) / Math.max(1, run.totalSteps));
        if (!this.tty && quarter > seen.lastQuarter && quarter < 4) {
          seen.lastQuarter = quarter;
          this.print(`  ${run.runId}: step ${run.step}/${run.totalSteps} loss ${formatNumber(run.loss ?? NaN)} · overall ${this.overall()}`);
        }
        break;
      }
      case 'run/queue': {
        const queued = [...this.progress.runs.values()].filter((r) => r.queue !== null).length;
        if (!this.announcedArray) {
          this.announcedArray = true;
          this.print(`Slurm job array ${event.jobId.replace(/_\d+$/, '')}: one task per run`);
        }
        const counts = this.queueCounts();
        // On a pipe: the task states when they change (once every run's is known), at most every 5 s.
        if (!this.tty && queued >= this.progress.runs.size && counts !== this.queuePrinted && Date.now() - this.queuePrintedAt > 5000) {
          this.queuePrinted = counts;
          this.queuePrintedAt = Date.now();
          this.print(`  Slurm: ${counts}`);
        }
        break;
      }
      case 'run/end': {
        if (!run) return;
        const final = event.final?.map((e) => `n=${e.length} exact ${formatNumber(e.exact)}`).join(', ') ?? '';
        const err = event.error ? `: ${event.error}` : '';
        this.print(`${event.status === 'completed' ? '✔' : event.status === 'cancelled' ? '■' : '✖'} ${run.runId} ${event.status}${err}${final ? ` (${final})` : ''}`);
        break;
      }
      case 'nar/progress':
        // TransNAR's first phase: a line when a NAR's pretraining starts, then the live line.
        if (narNew) this.print(`▶ pretraining the NAR ${cliNarName(event.id)}`);
        break;
      case 'nar/end': {
        const name = cliNarName(event.id);
        const scores = event.eval?.map((e) => `n=${e.length} accuracy ${formatNumber(e.accuracy)}`).join(', ') ?? '';
        const err = event.error ? `: ${event.error}` : '';
        this.print(`${event.status === 'completed' ? '✔' : event.status === 'cancelled' ? '■' : '✖'} NAR ${name} ${event.status}${err}${scores ? ` (${scores})` : ''}`);
        break;
      }
      default:
        break;
    }
    if (this.tty) this.draw();
  }

  /** `2 RUNNING, 2 PENDING` over the runs' tasks, in a fixed order. */
  private queueCounts(): string {
    const counts = new Map<string, number>();
    for (const { queue: q } of this.progress.runs.values()) if (q) counts.set(q.state, (counts.get(q.state) ?? 0) + 1);
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
  }

  private overall(): string {
    const elapsed = (Date.now() - this.started) / 1000;
    const frac = progressTotals(this.progress).fraction;
    const eta = frac > 0.02 ? (elapsed * (1 - frac)) / frac : NaN;
    return `${(100 * frac).toFixed(0)}% · ${formatDuration(elapsed)} elapsed · ETA ${Number.isNaN(eta) ? '…' : formatDuration(eta)}`;
  }

  private clear(): void {
    if (!this.tty || this.drawnLines === 0) return;
    this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  private print(line: string): void {
    this.clear();
    this.out.write(line + '\n');
  }

  private draw(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.clear();
    const width = 24;
    const lines: string[] = [];
    for (const r of this.progress.runs.values()) {
      if (r.status !== 'running') continue;
      const frac = r.totalSteps ? r.step / r.totalSteps : 0;
      const filled = Math.round(frac * width);
      lines.push(`  ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${r.runId}  ${r.step}/${r.totalSteps}  loss ${formatNumber(r.loss ?? NaN)}${r.queue ? `  [${r.queue.jobId}]` : ''}`);
    }
    for (const n of this.progress.nars.values()) {
      const name = cliNarName(n.id);
      const filled = Math.round((n.steps ? n.step / n.steps : 0) * width);
      lines.push(`  ${'█'.repeat(filled)}${'░'.repeat(width - filled)} NAR ${name}  ${n.step}/${n.steps}  loss ${formatNumber(n.loss ?? NaN)}`);
    }
    const slurm = this.queueCounts();
    lines.push(`  overall ${this.overall()}${slurm ? ` · Slurm: ${slurm}` : ''}`);
    // A line longer than the terminal wraps onto two rows, and the next redraw would move up
    // too few: every line of the live block is cut to the width.
    const columns = this.out.columns;
    const fitted = typeof columns === 'number' && columns > 0 ? lines.map((l) => fitWidth(l, columns - 1)) : lines;
    this.out.write(fitted.join('\n') + '\n');
    this.drawnLines = lines.length;
  }

  /** Removes the live block (before the summary is printed). */
  finish(): void {
    if (!this.silent) this.clear();
  }
}

/** A NAR's pretraining as the terminal names it: its file relative to the experiment (`nar/sort.safetensors`). */
function cliNarName(id: string): string {
  return id.replace(/^nar:/, '');
}
