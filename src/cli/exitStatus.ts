/**
 * How a CLI entry ends (dist/cli.js and the Slurm task entry dist/task.js alike): the command's
 * own status; the user's input or the operating system refusing → one line on stderr, status 2;
 * anything else is a bug → "internal error", status 1 (the stack with ATTENTION_LAB_DEBUG=1).
 */
import { SafetensorsError } from '../core/checkpoint/safetensors';
import { CheckpointError } from '../protocol/checkpoint';
import { InvalidSpecError, UnknownPresetError } from '../core/experiment/resolveSpec';
import { RunFolderError } from '../core/experiment/runFolder';
import { SpecFileError } from '../core/experiment/validateSpec';
import { BackendUnavailableError } from '../engine/nativeBackend';
import { BudgetError } from '../core/experiment/budget';
import { WriteError } from '../core/io/atomicWrite';
import { SlurmError } from '../core/slurm/slurmCommands';
import { SlurmConfigError } from '../core/slurm/slurmConfig';
import { UsageError } from './usageError';

/** An error of the file system with an errno code (EROFS, ENOSPC, ENOTDIR, …). */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code) && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** Errors that are the user's input, not a bug: one line, exit status 2. */
function isUserError(err: unknown): err is Error {
  return (
    err instanceof UsageError ||
    err instanceof SpecFileError ||
    err instanceof UnknownPresetError ||
    err instanceof InvalidSpecError ||
    err instanceof SafetensorsError ||
    err instanceof CheckpointError ||
    err instanceof RunFolderError ||
    err instanceof BackendUnavailableError ||
    err instanceof BudgetError ||
    err instanceof WriteError ||
    err instanceof SlurmError ||
    err instanceof SlurmConfigError ||
    (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true)
  );
}

/** Sets process.exitCode from a command's outcome (its status, or its error as above). */
export function exitWithStatus(command: Promise<number>): void {
  command.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // The user's input, or the operating system refusing (a read-only disk, a full disk, a path
      // through a file): not a bug.
      if (isUserError(err) || isSystemError(err)) {
        process.stderr.write(`attention-lab: ${err.message}\n`);
        process.exitCode = 2;
      } else {
        const msg = err instanceof Error ? (process.env.ATTENTION_LAB_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
        process.stderr.write(`attention-lab: internal error: ${msg}\n`);
        process.exitCode = 1;
      }
    },
  );
}
