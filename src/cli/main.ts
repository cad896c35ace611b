/**
 * attention-lab: the headless CLI on the engine. A thin front end: parse arguments, call the
 * engine, print. Bad input exits with status 2 and one line; Ctrl-C cancels runs cleanly
 * (status 130), a second Ctrl-C exits at once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKEND_CHOICES } from '../protocol/backend';
import type { BackendChoice } from '../protocol/backend';
import { BackendUnavailableError, checkNativeBackend } from '../engine/backend';
import { SafetensorsError, openFailure } from '../core/checkpoint/safetensors';
import { CheckpointError } from '../protocol/checkpoint';
import { PRESETS } from '../core/experiment/presets';
import { InvalidSpecError, UnknownPresetError, resolveSpec, type SpecSource } from '../core/experiment/resolveSpec';
import { RunFolderError, readRunFile } from '../core/experiment/runFolder';
import { SpecFileError } from '../core/experiment/validateSpec';
import { attentionLabVersion } from '../engine/versions';
import { UsageError } from './usageError';
import { closest, COMMAND_NAMES, helpHint, parseCommandArgs, RUN_FLAGS, SLURM_HELP, USAGE, wantsHelp, type CommandName } from './usage';
import { runCommand, resumeCommand } from './runCommand';
import { inspectCommand } from './inspectCommand';
import { traceCommand } from './traceCommand';
import { analyzeCommand } from './analyzeCommand';
import { reportCommand } from './reportCommand';
import { formatTable, terminalWidth } from './table';
import { statusCommand } from './statusCommand';
import { checkInDir, checkOutDir } from './checkPaths';
import { BudgetError } from '../core/experiment/budget';
import { WriteError } from '../core/io/atomicWrite';
import { MAX_PARALLEL } from '../engine/experiment/runner';
import { SlurmError } from '../core/slurm/slurmCommands';
import { SlurmConfigError } from '../core/slurm/slurmConfig';
import { SLURM_FLAGS, cancelCommand, runOnSlurm, runsOnSlurm, slurmOptionsFromFlags, taskCommand } from './slurmCommands';

const HELP = `attention-lab ${attentionLabVersion()} — train small Transformers and compare optimizers and attention scaling

Usage:
  attention-lab run <spec.json> [options]      run an experiment spec file
  attention-lab run --preset <name> [options]  run a built-in preset (see: attention-lab presets)
  attention-lab resume <run-dir> [options]     continue a run from its newest valid checkpoint
  attention-lab status <experiment-dir|run-dir> [--json]
                                               each run's status (and Slurm job and state); repairs runs whose process is gone
  attention-lab cancel <experiment-dir>        cancel an experiment's Slurm job array (scancel); runs keep their checkpoints
  attention-lab inspect <file.safetensors|model.safetensors.index.json> [--json]
  attention-lab presets [--json]               list the built-in experiments
  attention-lab presets show <name>            print a preset's spec, to start your own from
  attention-lab analyze <run-dir|checkpoint.safetensors> [--out FILE] [--seed N] [--backend b] [--json]
                                               write analysis.json (entropy, length generalization, seeds)
  attention-lab report <experiment-dir> [--json] [--html FILE]
                                               write summary.json, print the headline comparison (Markdown)
  attention-lab trace --optimizer <adamw|lion|tiger|sgd> --function <name> --steps N
                      [--lr X] [--weight-decay X] [--beta1 X] [--beta2 X] [--beta X]
                      [--x0 X --y0 Y] [--json]

Run options:
${RUN_FLAGS}

${SLURM_HELP}

attention-lab <command> --help shows a command's own help.
`;

function parseBackend(value: string | undefined): BackendChoice {
  if (value === undefined) return 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) {
    const guess = closest(value, BACKEND_CHOICES);
    throw new UsageError(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${value}"${guess ? `; did you mean ${guess}?` : ''}`);
  }
  // The native backend is asked for by name: make sure it loads before anything is created.
  if (value === 'node') checkNativeBackend();
  return value as BackendChoice;
}

export function parsePositiveInt(flag: string, value: string | undefined, max?: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: expected a positive integer, got "${value}"`);
  if (max !== undefined && n > max) throw new UsageError(`${flag}: expected at most ${max}, got ${value}`);
  return n;
}

function presetNamed(name: string): (typeof PRESETS)[string] {
  const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (p) return p;
  const guess = closest(name, Object.keys(PRESETS));
  throw new UsageError(`unknown preset "${name}"${guess ? `; did you mean "${guess}"?` : ''}; available: ${Object.keys(PRESETS).join(', ')}`);
}

function specSource(file: string | undefined, preset: string | undefined): SpecSource {
  if (preset !== undefined && file !== undefined) throw new UsageError('give either a spec file or --preset, not both');
  if (preset !== undefined) {
    presetNamed(preset); // an unknown name is a usage error with a did-you-mean
    return { kind: 'preset', name: preset };
  }
  if (file === undefined) throw new UsageError('run: give a spec file or --preset <name> (see: attention-lab presets)');
  return { kind: 'file', path: file };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    // A usage error: the help goes to stderr, stdout stays empty.
    process.stderr.write(HELP);
    return 2;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0];
    if (topic !== undefined && (COMMAND_NAMES as readonly string[]).includes(topic)) process.stdout.write(USAGE[topic as CommandName]);
    else process.stdout.write(HELP);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(attentionLabVersion() + '\n');
    return 0;
  }
  if ((COMMAND_NAMES as readonly string[]).includes(command) && wantsHelp(rest)) {
    process.stdout.write(USAGE[command as CommandName]);
    return 0;
  }
  switch (command) {
    case 'run': {
      const { values, positionals } = parseCommandArgs('run', rest, {
        preset: { type: 'string' },
        out: { type: 'string' },
        backend: { type: 'string' },
        parallel: { type: 'string' },
        steps: { type: 'string' },
        json: { type: 'boolean' },
        'allow-large': { type: 'boolean' },
        ...SLURM_FLAGS,
      });
      if (positionals.length > 1) throw new UsageError(`run: one spec file at a time, got ${positionals.length} (${helpHint('run')})`);
      const onSlurm = runsOnSlurm(values);
      const out = checkOutDir(values.out ?? 'runs');
      const parallel = parsePositiveInt('--parallel', values.parallel, MAX_PARALLEL);
      if (values['allow-large']) process.env.ATTENTION_LAB_ALLOW_LARGE = '1';
      const source = specSource(positionals[0], values.preset);
      const spec = resolveSpec(source, { steps: parsePositiveInt('--steps', values.steps) });
      // Every check before the runner creates the experiment folder.
      const backend = parseBackend(values.backend ?? spec.backend);
      if (onSlurm) {
        return runOnSlurm({
          spec,
          out: path.resolve(out),
          backend,
          slurm: slurmOptionsFromFlags(values, parallel),
          detach: values.detach ?? false,
          json: values.json ?? false,
        });
      }
      return runCommand(spec, {
        out,
        backend,
        parallel: parallel ?? spec.parallel,
        json: values.json ?? false,
      });
    }
    case 'resume': {
      const { values, positionals } = parseCommandArgs('resume', rest, { backend: { type: 'string' }, json: { type: 'boolean' }, 'allow-large': { type: 'boolean' } });
      const runDir = positionals[0];
      if (runDir === undefined || positionals.length > 1) throw new UsageError(`resume: give one run folder (${helpHint('resume')})`);
      checkInDir(runDir, 'resume', 'a run folder');
      if (values['allow-large']) process.env.ATTENTION_LAB_ALLOW_LARGE = '1';
      readRunFile(runDir); // clear error early if it is not a run folder
      const backend = parseBackend(values.backend);
      return resumeCommand(path.resolve(runDir), { backend, json: values.json ?? false });
    }
    case 'inspect': {
      const { values, positionals } = parseCommandArgs('inspect', rest, { json: { type: 'boolean' } });
      const file = positionals[0];
      if (file === undefined || positionals.length > 1) throw new UsageError(`inspect: give one .safetensors file or sharded index (${helpHint('inspect')})`);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch (err) {
        throw new UsageError(`inspect: ${file}: ${openFailure(err)}`);
      }
      if (stat.isDirectory()) throw new UsageError(`inspect: ${file} is a folder; give a .safetensors file`);
      return inspectCommand(file, values.json ?? false);
    }
    case 'presets': {
      const { values, positionals } = parseCommandArgs('presets', rest, { json: { type: 'boolean' } });
      if (positionals[0] === 'show') {
        const name = positionals[1];
        if (name === undefined || positionals.length > 2) throw new UsageError(`presets show: give one preset name; available: ${Object.keys(PRESETS).join(', ')}`);
        // The spec as a file would hold it: run it with `attention-lab run <file>` or edit it first.
        process.stdout.write(JSON.stringify(presetNamed(name).spec, null, 2) + '\n');
        return 0;
      }
      if (positionals.length > 0) {
        const guess = closest(positionals[0] as string, ['show']);
        throw new UsageError(`presets: unknown argument "${positionals[0]}"${guess ? '; did you mean "show"?' : ''} (${helpHint('presets')})`);
      }
      if (values.json) {
        process.stdout.write(JSON.stringify(PRESETS, null, 2) + '\n');
        return 0;
      }
      const rows = Object.entries(PRESETS).map(([name, p]) => [name, p.description]);
      process.stdout.write(formatTable(['preset', 'description'], rows, { width: terminalWidth() }) + '\n');
      return 0;
    }
    case 'trace':
      return traceCommand(rest);
    case 'analyze':
      return analyzeCommand(rest);
    case 'report':
      return reportCommand(rest);
    case 'status':
      return statusCommand(rest);
    case 'cancel':
      return cancelCommand(rest);
    case 'task':
      // Internal: what each task of a Slurm job array (or Kubernetes indexed pod) runs.
      return taskCommand(rest, parseBackend);
    default: {
      const guess = command.startsWith('-') ? undefined : closest(command, COMMAND_NAMES);
      throw new UsageError(`unknown command "${command}"${guess ? `; did you mean "${guess}"?` : ''}; commands: ${COMMAND_NAMES.join(', ')} (${helpHint()})`);
    }
  }
}

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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isSystemError(err)) {
      // The operating system refused (a read-only disk, a full disk, a path through a file): not a bug.
      process.stderr.write(`attention-lab: ${err.message}\n`);
      process.exitCode = 2;
    } else if (isUserError(err)) {
      process.stderr.write(`attention-lab: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      const msg = err instanceof Error ? (process.env.ATTENTION_LAB_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
      process.stderr.write(`attention-lab: internal error: ${msg}\n`);
      process.exitCode = 1;
    }
  },
);
