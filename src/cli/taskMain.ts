/**
 * dist/task.js: the entry each Slurm array task runs (the batch script's exec line), the same as
 * `attention-lab task` (taskCommand.ts) without the CLI's other commands, so the .vsix ships
 * this small bundle and no CLI (docs/scale-out.md).
 *
 *   node dist/task.js <experiment-dir> [--index N] [--backend b]
 */
import { exitWithStatus } from './exitStatus';
import { taskCommand } from './taskCommand';

exitWithStatus(taskCommand(process.argv.slice(2)));
