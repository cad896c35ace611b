/**
 * Messages between the experiment runner and its training workers (child processes, threads, or the
 * extension's backend process). String-literal types in `noun/verb` form; every message that
 * crosses a boundary is checked with `isWorkerMessage` / `isRunnerMessage` before use.
 */
import type { BackendChoice, BackendName } from './backend';
import type { RunConfig } from './config';
import type { EvalResult, RunStatus } from './runFolder';
import type { NarAlgorithm, NarEvalResult, NarTrainConfig } from './nar';

/** Runner → worker. */
export type RunnerMessage =
  | { type: 'run/start'; runDir: string; experiment: string; config: RunConfig; backend: BackendChoice; resume: boolean }
  /** Pretrain a NAR (TransNAR, docs/science.md §5) and write its checkpoint to `file`; `id` names it in the replies. */
  | { type: 'nar/pretrain'; id: string; file: string; algorithm: NarAlgorithm; train: NarTrainConfig; backend: BackendChoice }
  | { type: 'run/cancel' };

/** Worker → runner. */
export type WorkerMessage =
  | { type: 'worker/ready'; backend: BackendName; reason: string }
  | { type: 'run/progress'; runId: string; step: number; totalSteps: number; loss: number; lr: number; wallTime: number }
  | { type: 'run/eval'; runId: string; step: number; results: EvalResult[] }
  | { type: 'run/checkpoint'; runId: string; step: number; file: string }
  | { type: 'run/end'; runId: string; status: Exclude<RunStatus, 'pending' | 'running'>; error: string | null; final: EvalResult[] | null }
  | { type: 'nar/progress'; id: string; step: number; steps: number; loss: number }
  | { type: 'nar/end'; id: string; status: Exclude<RunStatus, 'pending' | 'running'>; error: string | null; eval: NarEvalResult[] | null };

const RUNNER_TYPES = new Set(['run/start', 'nar/pretrain', 'run/cancel']);
const WORKER_TYPES = new Set(['worker/ready', 'run/progress', 'run/eval', 'run/checkpoint', 'run/end', 'nar/progress', 'nar/end']);

function hasType(value: unknown): value is { type: string } {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function isRunnerMessage(value: unknown): value is RunnerMessage {
  if (!hasType(value) || !RUNNER_TYPES.has(value.type)) return false;
  if (value.type === 'run/start') {
    const v = value as Partial<Extract<RunnerMessage, { type: 'run/start' }>>;
    return typeof v.runDir === 'string' && typeof v.experiment === 'string' && typeof v.config === 'object' && v.config !== null && typeof v.resume === 'boolean';
  }
  if (value.type === 'nar/pretrain') {
    const v = value as Partial<Extract<RunnerMessage, { type: 'nar/pretrain' }>>;
    return typeof v.id === 'string' && typeof v.file === 'string' && typeof v.algorithm === 'string' && typeof v.train === 'object' && v.train !== null;
  }
  return true;
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (!hasType(value) || !WORKER_TYPES.has(value.type)) return false;
  const v = value as Record<string, unknown>;
  switch (value.type) {
    case 'worker/ready':
      return typeof v.backend === 'string';
    case 'run/progress':
      return typeof v.runId === 'string' && typeof v.step === 'number' && typeof v.totalSteps === 'number';
    case 'run/eval':
      return typeof v.runId === 'string' && Array.isArray(v.results);
    case 'run/checkpoint':
      return typeof v.runId === 'string' && typeof v.file === 'string';
    case 'run/end':
      return typeof v.runId === 'string' && typeof v.status === 'string';
    case 'nar/progress':
      return typeof v.id === 'string' && typeof v.step === 'number' && typeof v.steps === 'number';
    case 'nar/end':
      return typeof v.id === 'string' && typeof v.status === 'string';
    default:
      return false;
  }
}
