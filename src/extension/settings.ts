/**
 * The extension's settings (`attentionLab.*` in package.json), read through a tiny getter so
 * the parsing and the trust rules are unit-tested without VS Code.
 */
import * as path from 'node:path';
import { BACKEND_CHOICES, type BackendChoice } from '../protocol/backend';
import { EXECUTOR_KINDS, type ExecutorKind, type SlurmOptions } from '../protocol/slurm';
import { checkSlurmOptions, mergeSlurmOptions } from '../core/slurm/slurmConfig';
import { settingId, type SettingKey } from './ids';

export interface Settings {
  /** Absolute runs folder. */
  runsFolder: string;
  backend: BackendChoice;
  /** Parallel runs; 0 = one per core. */
  parallelRuns: number;
  /** Node executable for the backend; '' = the extension host's own runtime. */
  nodePath: string;
  /** Folder whose node_modules holds @tensorflow/tfjs-node for the backend process; '' = none. */
  nativeModulesPath: string;
  /** Where experiments run: local worker processes, or one Slurm array task per run. */
  runOn: ExecutorKind;
  /** The Slurm options (defaults filled in); used when runOn is `slurm`. */
  slurm: SlurmOptions;
}

/** `key → value` as the configuration holds it (unknown: settings.json can say anything). */
export type SettingGetter = (key: SettingKey) => unknown;

/**
 * Reads and checks the settings. `workspaceRoot` resolves a relative runs folder; `trusted`
 * false applies the restricted mode: no custom Node executable and no native backend (the
 * workspace's settings must not make us run its binaries or load its native modules).
 * Problems (a bad value) are returned so the caller can show them; defaults are used instead.
 */
export function readSettings(get: SettingGetter, workspaceRoot: string, trusted: boolean): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const runsRaw = get('runsFolder');
  let runsFolder = 'runs';
  if (typeof runsRaw === 'string' && runsRaw.trim() !== '') runsFolder = runsRaw.trim();
  else if (runsRaw !== undefined && runsRaw !== '') problems.push(`${settingId('runsFolder')}: expected a folder path, found ${JSON.stringify(runsRaw)}`);

  const backendRaw = get('backend') ?? 'auto';
  let backend: BackendChoice = 'auto';
  if ((BACKEND_CHOICES as readonly unknown[]).includes(backendRaw)) backend = backendRaw as BackendChoice;
  else problems.push(`${settingId('backend')}: expected one of ${BACKEND_CHOICES.join(', ')}, found ${JSON.stringify(backendRaw)}`);

  const parallelRaw = get('parallelRuns') ?? 0;
  let parallelRuns = 0;
  if (Number.isInteger(parallelRaw) && (parallelRaw as number) >= 0 && (parallelRaw as number) <= 64) parallelRuns = parallelRaw as number;
  else problems.push(`${settingId('parallelRuns')}: expected an integer from 0 to 64, found ${JSON.stringify(parallelRaw)}`);

  const nodeRaw = get('nodePath') ?? '';
  let nodePath = '';
  if (typeof nodeRaw === 'string') nodePath = nodeRaw.trim();
  else problems.push(`${settingId('nodePath')}: expected a path, found ${JSON.stringify(nodeRaw)}`);

  const nativeRaw = get('nativeModulesPath') ?? '';
  let nativeModulesPath = '';
  if (typeof nativeRaw === 'string') nativeModulesPath = nativeRaw.trim() === '' ? '' : path.resolve(workspaceRoot, nativeRaw.trim());
  else problems.push(`${settingId('nativeModulesPath')}: expected a folder path, found ${JSON.stringify(nativeRaw)}`);

  const runOnRaw = get('runOn') ?? 'local';
  let runOn: ExecutorKind = 'local';
  if ((EXECUTOR_KINDS as readonly unknown[]).includes(runOnRaw)) runOn = runOnRaw as ExecutorKind;
  else problems.push(`${settingId('runOn')}: expected one of ${EXECUTOR_KINDS.join(', ')}, found ${JSON.stringify(runOnRaw)}`);

  let slurm = mergeSlurmOptions();
  try {
    const raw = get('slurm') ?? {};
    // The settings editor writes an empty string for a cleared field: that is the default.
    const cleaned = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')) : raw;
    slurm = mergeSlurmOptions(checkSlurmOptions(cleaned, settingId('slurm')));
  } catch (err) {
    problems.push((err as Error).message);
  }

  if (!trusted) {
    nodePath = '';
    nativeModulesPath = '';
    if (backend === 'auto' || backend === 'node') backend = 'wasm';
    // Submitting runs the workspace's setup lines and executables on a cluster: trusted workspaces only.
    runOn = 'local';
  }
  return { settings: { runsFolder: path.resolve(workspaceRoot, runsFolder), backend, parallelRuns, nodePath, nativeModulesPath, runOn, slurm }, problems };
}
