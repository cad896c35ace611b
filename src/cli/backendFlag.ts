/** `--backend <b>` of the CLI's commands (and of the Slurm task entry): one of the backend choices. */
import { BACKEND_CHOICES, type BackendChoice } from '../protocol/backend';
import { checkNativeBackend } from '../engine/nativeBackend';
import { closest } from './usage';
import { UsageError } from './usageError';

export function parseBackend(value: string | undefined): BackendChoice {
  if (value === undefined) return 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) {
    const guess = closest(value, BACKEND_CHOICES);
    throw new UsageError(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${value}"${guess ? `; did you mean ${guess}?` : ''}`);
  }
  // The native backend is asked for by name: make sure it loads before anything is created.
  if (value === 'node') checkNativeBackend();
  return value as BackendChoice;
}
