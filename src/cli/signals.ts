/**
 * How the CLI's long commands (run, resume, the Slurm `task`) stop on a signal; its own file so
 * the task bundle (dist/task.js) takes it without the rest of runCommand.ts.
 */
import type { ProgressDisplay } from './progress';

/**
 * Ctrl-C, SIGTERM (`timeout`, `kill -- -PGID`) or SIGHUP (the terminal closed) once: cancel the
 * runs (running ones checkpoint and are marked cancelled, queued ones are marked cancelled); a
 * second Ctrl-C exits now. After SIGHUP nothing more is written to the gone terminal.
 */
export function cancelOnSignals(display: ProgressDisplay): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const handler = (sig: NodeJS.Signals): void => {
    count++;
    if (sig === 'SIGHUP') display.silence();
    if (count === 1) {
      if (sig !== 'SIGHUP') process.stderr.write(`\nattention-lab: stopping (${sig}) — saving checkpoints and marking runs cancelled (Ctrl-C again to quit now)\n`);
      controller.abort();
    } else if (sig === 'SIGINT') process.exit(130);
  };
  const ignore = (): void => undefined;
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
  // A closed terminal turns writes into EIO / EPIPE errors: they must not stop the shutdown.
  process.stderr.on('error', ignore);
  process.stdout.on('error', ignore);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('SIGHUP', handler);
    },
  };
}
