/**
 * Messages between the experiment runner and its training workers (child processes, threads, or the
 * extension's backend process). String-literal types in `noun/verb` form; every message that
 * crosses a boundary is checked with `isWorkerMessage` / `isRunnerMessage` before use.
 */
import type { BackendChoice, BackendName } from './backend';
import type { RunConfig } from './config';
import type { EvalResult, RunStatus } from './runFolder';

/** Runner → worker. */
export type RunnerMessage =
  | { type: 'run/start'; runDir: string; experiment: string; config: RunConfig; backend: BackendChoice; resume: boolean }
  | { type: 'run/cancel' };

/** Worker → runner. */
export type WorkerMessage =
  | { type: 'worker/ready'; backend: BackendName; reason: string }
  | { type: 'run/progress'; runId: string; step: number; totalSteps: number; loss: number; lr: number; wallTime: number }
  | { type: 'run/eval'; runId: string; step: number; results: EvalResult[] }
  | { type: 'run/checkpoint'; runId: string; step: number; file: string }
  | { type: 'run/end'; runId: string; status: Exclude<RunStatus, 'pending' | 'running'>; error: string | null; final: EvalResult[] | null };

const RUNNER_TYPES = new Set(['run/start', 'run/cancel']);
const WORKER_TYPES = new Set(['worker/ready', 'run/progress', 'run/eval', 'run/checkpoint', 'run/end']);

function hasType(value: unknown): value is { type: string } {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function isRunnerMessage(value: unknown): value is RunnerMessage {
  if (!hasType(value) || !RUNNER_TYPES.has(value.type)) return false;
  if (value.type === 'run/start') {
    const v = value as Partial<Extract<RunnerMessage, { type: 'run/start' }>>;
    return typeof v.runDir === 'string' && typeof v.experiment === 'string' && typeof v.config === 'object' && v.config !== null && typeof v.resume === 'boolean';
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
    default:
      return false;
  }
}
