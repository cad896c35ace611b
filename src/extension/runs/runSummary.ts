/**
 * A run as the sidebar tree and the commands show it, from its parsed run.json, read leniently:
 * a missing run.json is a `pending` run, a damaged one a `pending` run with the problem as its
 * error, an unknown status the same — the folder changes under us while runs train.
 */
import * as path from 'node:path';
import type { RunStatus } from '../../protocol/runFolder';
import { RUN_STATUSES } from '../../protocol/runFolder';
import type { listCheckpoints } from '../../core/experiment/runFolder';

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
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * One run from its parsed run.json (`raw`; undefined when there is none or it could not be
 * read, `problem` then says why).
 */
export function runSummary(raw: unknown, runDir: string, experiment: string, checkpoints: CheckpointSummary[], problem: string | null = null): RunSummary {
  const id = path.basename(runDir);
  const base: RunSummary = { id, dir: runDir, experiment, status: 'pending', step: 0, totalSteps: null, optimizer: null, attentionScaling: null, seed: null, backend: null, error: problem, checkpoints, slurm: null, tags: [], note: null };
  if (raw === undefined) return base;
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
