/**
 * The engine's one way to say something that is not a result: a warning (a damaged checkpoint
 * skipped), an error that does not fail the run (an analysis that could not be written). Each
 * front end injects its own: the CLI writes `attention-lab: warning: …` to stderr; a training
 * worker sends `worker/log` events to its runner; the extension's backend forwards them to the
 * host's output channel as `backend/log`.
 */
import type { LogLevel } from '../protocol/runner';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

/** `attention-lab: warning: <message>` on stderr; a closed terminal (EIO, EPIPE) is not worth a crash. */
export function stderrLogger(prefix = 'attention-lab'): Logger {
  return {
    log(level, message) {
      try {
        process.stderr.write(`${prefix}: ${level === 'info' ? '' : `${level === 'warn' ? 'warning' : 'error'}: `}${message}\n`);
      } catch {
        // no terminal left
      }
    },
  };
}

/** The same logger with `<prefix>: ` before every message (a run's id, say). */
export function prefixed(logger: Logger, prefix: string): Logger {
  return { log: (level, message) => logger.log(level, `${prefix}: ${message}`) };
}
