/**
 * The CLI's Slurm side (docs/scale-out.md): the options of `run --on slurm` (flags over a config
 * file over the defaults), `--detach`, and `cancel <experiment-dir>` (each array task runs
 * taskCommand.ts).
 */
import * as path from 'node:path';
import type { BackendChoice } from '../protocol/backend';
import type { SlurmOptions } from '../protocol/slurm';
import type { ExperimentSpec } from '../protocol/spec';
import { prepareExperiment, writeSummaryQuietly } from '../engine/experiment/runner';
import { readExperimentFile, readRunFile } from '../core/experiment/runFolder';
import { checkSlurmOptions, mergeSlurmOptions, readSlurmConfig, SlurmConfigError, slurmConfigFile } from '../core/slurm/slurmConfig';
import { followArray, slurmExecutor, submitArray } from '../core/slurm/slurmExecutor';
import { requireSlurmCommands } from '../core/slurm/slurmCommands';
import { isSlurmExperiment, readSubmission } from '../core/slurm/submission';
import { checkInDir } from './checkPaths';
import { ProgressDisplay } from './progress';
import { runCommand as runWithDisplay } from './runCommand';
import { UsageError } from './usageError';
import { parseCommandArgs } from './usage';

/** `run`'s Slurm flags (parseArgs options). */
export const SLURM_FLAGS = {
  on: { type: 'string' },
  detach: { type: 'boolean' },
  partition: { type: 'string' },
  time: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  mem: { type: 'string' },
  account: { type: 'string' },
  qos: { type: 'string' },
  'sbatch-arg': { type: 'string', multiple: true },
  'slurm-config': { type: 'string' },
} as const;

export interface SlurmFlagValues {
  on?: string;
  detach?: boolean;
  partition?: string;
  time?: string;
  'cpus-per-task'?: string;
  mem?: string;
  account?: string;
  qos?: string;
  'sbatch-arg'?: string[];
  'slurm-config'?: string;
}

/** Checks one flag as the option it sets; a bad value is `--flag: expected …`. */
function flag<K extends keyof SlurmOptions>(name: string, key: K, value: unknown): Partial<SlurmOptions> {
  try {
    return checkSlurmOptions({ [key]: value }, '$');
  } catch (err) {
    throw new UsageError((err as Error).message.replace(`$.${key}`, `--${name}`));
  }
}

/** The Slurm options of a `run`: defaults, then the config file, then the flags. `parallel` throttles the array. */
export function slurmOptionsFromFlags(v: SlurmFlagValues, parallel: number | undefined): SlurmOptions {
  const file = slurmConfigFile(v['slurm-config']);
  const fromFile = file ? readSlurmConfig(file) : {};
  const flags: Partial<SlurmOptions>[] = [];
  if (v.partition !== undefined) flags.push(flag('partition', 'partition', v.partition));
  if (v.time !== undefined) flags.push(flag('time', 'time', v.time));
  if (v['cpus-per-task'] !== undefined) flags.push(flag('cpus-per-task', 'cpusPerTask', Number(v['cpus-per-task'])));
  if (v.mem !== undefined) flags.push(flag('mem', 'mem', v.mem));
  if (v.account !== undefined) flags.push(flag('account', 'account', v.account));
  if (v.qos !== undefined) flags.push(flag('qos', 'qos', v.qos));
  if (v['sbatch-arg'] !== undefined) flags.push(flag('sbatch-arg', 'sbatchArgs', [...(fromFile.sbatchArgs ?? []), ...v['sbatch-arg']]));
  if (parallel !== undefined) flags.push({ maxParallel: parallel });
  return mergeSlurmOptions(fromFile, ...flags);
}

/** Whether `run` goes to Slurm: `--on slurm`; Slurm flags without it are a usage error. */
export function runsOnSlurm(v: SlurmFlagValues): boolean {
  if (v.on !== undefined && v.on !== 'local' && v.on !== 'slurm') throw new UsageError(`--on: expected local or slurm, got "${v.on}"`);
  const onSlurm = v.on === 'slurm';
  if (!onSlurm) {
    const given = (Object.keys(SLURM_FLAGS) as (keyof SlurmFlagValues)[]).filter((k) => k !== 'on' && v[k] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given[0]} needs --on slurm`);
  }
  return onSlurm;
}

export interface SlurmRunInput {
  spec: ExperimentSpec;
  out: string;
  backend: BackendChoice;
  slurm: SlurmOptions;
  detach: boolean;
  json: boolean;
}

/** `run --on slurm`: submit, then follow with the live display (or return at once with --detach). */
export async function runOnSlurm(input: SlurmRunInput): Promise<number> {
  const executor = slurmExecutor({ slurm: input.slurm, backend: input.backend });
  if (!input.detach) return runWithDisplay(input.spec, { out: input.out, backend: input.backend, parallel: undefined, json: input.json, executor });
  const prepared = await prepareExperiment(input.spec, input.out, executor);
  const submission = await submitArray(prepared.dir, prepared.jobs, { slurm: input.slurm, backend: input.backend });
  const rel = path.relative(process.cwd(), prepared.dir) || '.';
  if (input.json) {
    process.stdout.write(JSON.stringify({ dir: prepared.dir, name: prepared.name, jobId: submission.arrayJobId, runs: prepared.jobs.map((j) => j.config.id) }, null, 2) + '\n');
  } else {
    process.stdout.write(
      `submitted job array ${submission.arrayJobId ?? '?'}: ${prepared.jobs.length} task(s), one per run → ${rel}\n` +
        `follow: attention-lab status ${rel}   cancel: attention-lab cancel ${rel}\n`,
    );
  }
  return 0;
}

/** `attention-lab cancel <experiment-dir>`: scancel its array, wait until every task ended, mark the runs. */
export async function cancelCommand(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs('cancel', args, {});
  if (positionals.length !== 1) throw new UsageError('cancel: give one experiment folder (see: attention-lab cancel --help)');
  const dir = path.resolve(checkInDir(positionals[0] as string, 'cancel', 'an experiment folder'));
  if (!isSlurmExperiment(dir)) {
    throw new UsageError(`cancel: ${dir} is not a Slurm experiment (no slurm.json); a local experiment stops with Ctrl-C in its terminal, or kill -TERM <pid> of its runner`);
  }
  const submission = readSubmission(dir);
  if (submission.arrayJobId === null) throw new UsageError(`cancel: ${dir}: nothing to cancel: the job array was never submitted (${submission.error ?? 'no job id'})`);
  requireSlurmCommands(['scancel', 'squeue']);
  const display = new ProgressDisplay(process.stderr, false);
  const exp = readExperimentFile(dir);
  process.stderr.write(`cancelling job array ${submission.arrayJobId} (${exp.runs.length} task(s)); running runs save a checkpoint first\n`);
  const configs = exp.runs.flatMap((id) => {
    try {
      return [readRunFile(path.join(dir, id)).config];
    } catch {
      return [];
    }
  });
  display.handle({ type: 'experiment/start', dir, name: exp.name, runs: configs });
  const aborted = new AbortController();
  aborted.abort();
  const { outcomes } = await followArray(dir, { slurm: submission.options, backend: 'auto', signal: aborted.signal, onEvent: (e) => display.handle(e) });
  writeSummaryQuietly(dir);
  const count = (s: string): number => outcomes.filter((o) => o.status === s).length;
  process.stdout.write(`${exp.name}: ${count('cancelled')} cancelled, ${count('completed')} completed, ${count('failed')} failed\n`);
  return 0;
}

export { SlurmConfigError };
