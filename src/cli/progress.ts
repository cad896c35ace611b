/**
 * Progress of an experiment in the terminal: a line per active run and an overall line with
 * ETA, redrawn in place on a TTY; on a pipe or in CI, a line when a run starts, every 25 % and
 * when it ends.
 */
import type { RunnerEvent } from '../engine/experiment/runner';
import { fitWidth, formatDuration, formatNumber } from './table';

interface RunState {
  id: string;
  step: number;
  total: number;
  loss: number;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  startedAt: number;
  lastQuarter: number;
}

export class ProgressDisplay {
  private runs = new Map<string, RunState>();
  private order: string[] = [];
  private drawnLines = 0;
  private started = Date.now();
  private lastDraw = 0;
  private backendsSeen = new Set<string>();
  private silent = false;
  /** Slurm state of each run's task (run/queue events), and what was last printed of them. */
  private queue = new Map<string, { jobId: string; state: string }>();
  private queuePrinted = '';
  private queuePrintedAt = 0;

  constructor(private readonly out: NodeJS.WriteStream, private readonly tty = Boolean(out.isTTY)) {}

  /** Writes nothing more (the terminal is gone: SIGHUP). */
  silence(): void {
    this.silent = true;
  }

  handle(event: RunnerEvent): void {
    if (this.silent) return;
    switch (event.type) {
      case 'experiment/start':
        this.started = Date.now();
        for (const c of event.runs) {
          this.runs.set(c.id, { id: c.id, step: 0, total: c.train.steps, loss: NaN, status: 'pending', startedAt: 0, lastQuarter: 0 });
          this.order.push(c.id);
        }
        this.print(`experiment ${event.name}: ${event.runs.length} run(s) → ${event.dir}`);
        break;
      case 'worker/ready':
        // `--backend auto` says what it picked, once per backend.
        if (!this.backendsSeen.has(event.backend)) {
          this.backendsSeen.add(event.backend);
          this.print(`backend: ${event.backend} (${event.reason})`);
        }
        break;
      case 'run/progress': {
        const r = this.runs.get(event.runId);
        if (!r) return;
        if (r.status !== 'running') {
          r.status = 'running';
          r.startedAt = Date.now();
          if (!this.tty) this.print(`▶ ${r.id}`);
        }
        r.step = event.step;
        r.total = event.totalSteps;
        r.loss = event.loss;
        const quarter = Math.floor((4 * r.step) / Math.max(1, r.total));
        if (!this.tty && quarter > r.lastQuarter && quarter < 4) {
          r.lastQuarter = quarter;
          this.print(`  ${r.id}: step ${r.step}/${r.total} loss ${formatNumber(r.loss)} · overall ${this.overall()}`);
        }
        break;
      }
      case 'run/queue': {
        const first = this.queue.size === 0;
        this.queue.set(event.runId, { jobId: event.jobId, state: event.state });
        if (first) this.print(`Slurm job array ${event.jobId.replace(/_\d+$/, '')}: one task per run`);
        const counts = this.queueCounts();
        // On a pipe: the task states when they change (once every run's is known), at most every 5 s.
        if (!this.tty && this.queue.size >= this.runs.size && counts !== this.queuePrinted && Date.now() - this.queuePrintedAt > 5000) {
          this.queuePrinted = counts;
          this.queuePrintedAt = Date.now();
          this.print(`  Slurm: ${counts}`);
        }
        break;
      }
      case 'run/end': {
        const r = this.runs.get(event.runId);
        if (!r) return;
        r.status = event.status;
        const final = event.final?.map((e) => `n=${e.length} exact ${formatNumber(e.exact)}`).join(', ') ?? '';
        const err = event.error ? `: ${event.error}` : '';
        this.print(`${event.status === 'completed' ? '✔' : event.status === 'cancelled' ? '■' : '✖'} ${r.id} ${event.status}${err}${final ? ` (${final})` : ''}`);
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
    for (const q of this.queue.values()) counts.set(q.state, (counts.get(q.state) ?? 0) + 1);
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
  }

  private overall(): string {
    let done = 0;
    let total = 0;
    for (const r of this.runs.values()) {
      total += r.total;
      done += r.status === 'completed' ? r.total : r.step;
    }
    const elapsed = (Date.now() - this.started) / 1000;
    const frac = total ? done / total : 0;
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
    for (const id of this.order) {
      const r = this.runs.get(id) as RunState;
      if (r.status !== 'running') continue;
      const frac = r.total ? r.step / r.total : 0;
      const filled = Math.round(frac * width);
      const job = this.queue.get(r.id);
      lines.push(`  ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${r.id}  ${r.step}/${r.total}  loss ${formatNumber(r.loss)}${job ? `  [${job.jobId}]` : ''}`);
    }
    lines.push(`  overall ${this.overall()}${this.queue.size > 0 ? ` · Slurm: ${this.queueCounts()}` : ''}`);
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
