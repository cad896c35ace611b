/**
 * Reads the runs folder (docs/run-folder.md) into the summaries the sidebar tree and the
 * commands show. Host-side and light: plain fs and JSON, with the run folder's own checkpoint
 * listing (src/core/experiment/runFolder.ts has no TensorFlow.js in it). Tolerant by design: a half-written
 * experiment, a missing run.json or a foreign folder becomes a problem line, never an exception,
 * because the folder changes under us while runs train.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '../../protocol/runFolder';
import { listCheckpoints } from '../../core/experiment/runFolder';

export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

/** A checkpoint file `step-<N>.safetensors` of a run (runFolder.listCheckpoints). */
export type CheckpointSummary = ReturnType<typeof listCheckpoints>[number];

export interface RunSummary {
  id: string;
  dir: string;
  experiment: string;
  status: RunStatus;
  step: number;
  totalSteps: number | null;
  optimizer: string | null;
  attentionScaling: string | null;
  seed: number | null;
  /** The tfjs backend that trained it (`tensorflow`, `wasm`, `cpu`), once it has started. */
  backend: string | null;
  error: string | null;
  /** Sorted by step. */
  checkpoints: CheckpointSummary[];
  /** The run's Slurm task (docs/scale-out.md): its job id, the state run.json last recorded (null before the task started) and its log. */
  slurm: { jobId: string; state: string | null; log: string | null } | null;
  /** The user's tags and note from run.json (organise.ts). */
  tags: string[];
  note: string | null;
}

export interface ExperimentSummary {
  name: string;
  dir: string;
  createdAt: string | null;
  runs: RunSummary[];
  /** Things that could not be read, one line each (shown in the tree's tooltip). */
  problems: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One run folder; a missing or unreadable run.json yields a `pending` run with the problem as error. */
export function readRunSummary(runDir: string, experiment: string): RunSummary {
  const id = path.basename(runDir);
  const base: RunSummary = {
    id,
    dir: runDir,
    experiment,
    status: 'pending',
    step: 0,
    totalSteps: null,
    optimizer: null,
    attentionScaling: null,
    seed: null,
    backend: null,
    error: null,
    checkpoints: listCheckpoints(runDir),
    slurm: null,
    tags: [],
    note: null,
  };
  let raw: unknown;
  try {
    raw = readJson(path.join(runDir, 'run.json'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ...base, error: code === 'ENOENT' ? null : `run.json: ${(err as Error).message}` };
  }
  if (!isObj(raw)) return { ...base, error: 'run.json: not an object' };
  const status = RUN_STATUSES.find((s) => s === raw.status);
  const config = isObj(raw.config) ? raw.config : {};
  const train = isObj(config.train) ? config.train : {};
  const optimizer = isObj(config.optimizer) ? config.optimizer : {};
  const model = isObj(config.model) ? config.model : {};
  return {
    ...base,
    id: str(raw.id) ?? id,
    status: status ?? 'pending',
    step: num(raw.step) ?? 0,
    totalSteps: num(train.steps),
    optimizer: str(optimizer.name),
    attentionScaling: str(model.attentionScaling),
    seed: num(config.seed),
    backend: str(raw.backend),
    error: status ? str(raw.error) : `run.json: unknown status ${JSON.stringify(raw.status)}`,
    slurm: isObj(raw.slurm) && typeof raw.slurm.jobId === 'string' ? { jobId: raw.slurm.jobId, state: str(raw.slurm.state), log: str(raw.slurm.log) } : null,
    tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string') : [],
    note: str(raw.note),
  };
}

/** The array job id of an experiment submitted to Slurm (its slurm.json), or null. */
function arrayJobIdOf(dir: string): string | null {
  try {
    const raw = readJson(path.join(dir, 'slurm.json'));
    return isObj(raw) && typeof raw.arrayJobId === 'string' ? raw.arrayJobId : null;
  } catch {
    return null;
  }
}

/** One experiment folder (holding experiment.json), runs in grid order. */
export function readExperiment(dir: string): ExperimentSummary {
  const problems: string[] = [];
  let runIds: string[] = [];
  let name = path.basename(dir);
  let createdAt: string | null = null;
  try {
    const raw = readJson(path.join(dir, 'experiment.json'));
    if (!isObj(raw)) throw new Error('not an object');
    name = str(raw.name) ?? name;
    createdAt = str(raw.createdAt);
    if (Array.isArray(raw.runs)) runIds = raw.runs.filter((r): r is string => typeof r === 'string' && !r.includes('/') && !r.includes('\\') && r !== '..');
  } catch (err) {
    problems.push(`experiment.json: ${(err as Error).message}`);
  }
  const listed = runIds.length > 0;
  if (!listed) {
    // no list (unreadable file): show the run folders that are there
    try {
      runIds = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'run.json')))
        .map((e) => e.name)
        .sort();
    } catch {
      // the folder vanished
    }
  }
  // a run deleted from the tree is gone from disk but still listed in experiment.json
  const present = runIds.filter((id) => fs.existsSync(path.join(dir, id)));
  // Runs of a Slurm array that have not started yet know their task from slurm.json: task i is runs[i].
  const arrayJobId = listed ? arrayJobIdOf(dir) : null;
  const runs = present.map((id) => {
    const run = readRunSummary(path.join(dir, id), name);
    const index = runIds.indexOf(id);
    if (run.slurm === null && arrayJobId !== null && index >= 0) run.slurm = { jobId: `${arrayJobId}_${index}`, state: null, log: null };
    return run;
  });
  return { name, dir, createdAt, runs, problems };
}

/** Every experiment under the runs folder, newest first; [] when the folder does not exist. */
export function readRunsFolder(root: string): ExperimentSummary[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const experiments = entries
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, 'experiment.json')))
    .map((e) => readExperiment(path.join(root, e.name)));
  return experiments.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.name.localeCompare(b.name));
}
