/**
 * The sidebar tree as plain data: experiments → runs → checkpoints, with labels, status icons
 * and the `contextValue`s the menus in package.json match on. Pure (no vscode), so the tree's
 * content is unit-tested; runsTreeProvider.ts turns these nodes into vscode.TreeItems.
 */
import type { RunStatus } from '../../protocol/runFolder';
import type { CheckpointSummary, ExperimentSummary, RunSummary } from '../runs/runSummary';

export type TreeNode =
  | { kind: 'experiment'; key: string; experiment: ExperimentSummary }
  | { kind: 'run'; key: string; run: RunSummary; live: LiveRunState | undefined }
  | { kind: 'checkpoint'; key: string; run: RunSummary; checkpoint: CheckpointSummary };

/** What the backend's events tell about a run, fresher than its run.json. */
export interface LiveRunState {
  step: number;
  totalSteps: number;
  /** null until the run reported a step. */
  loss: number | null;
  /** Its Slurm task's job id and state, for runs on a cluster. */
  queue?: { jobId: string; state: string; reason: string | null } | null;
}

/** `Slurm 12_3 RUNNING` for a run on a cluster: the live state, else the one run.json recorded (an ended run's final one). */
export function slurmText(run: RunSummary, live: LiveRunState | undefined): string | null {
  const jobId = live?.queue?.jobId ?? run.slurm?.jobId;
  if (!jobId) return null;
  const ended = run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
  const recorded = run.slurm?.state && !(ended && (run.slurm.state === 'RUNNING' || run.slurm.state === 'PENDING')) ? run.slurm.state : null;
  const state = ended ? (recorded ?? null) : (live?.queue?.state ?? recorded);
  const reason = !ended && live?.queue?.reason ? ` (${live.queue.reason})` : '';
  return `Slurm ${jobId}${state ? ` ${state}` : ''}${reason}`;
}

export interface NodeView {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon id, e.g. `pass` or `sync~spin`. */
  icon: string;
  /** A theme colour id for the icon, or null for the default. */
  iconColor: string | null;
  collapsible: 'none' | 'collapsed' | 'expanded';
  /** Matched by `view/item/context` menus: `experiment` (`experiment.slurm` with active Slurm tasks), `run.<status>`, `checkpoint`. */
  contextValue: string;
}

export const STATUS_ICONS: Readonly<Record<RunStatus, { icon: string; color: string | null }>> = {
  pending: { icon: 'circle-large-outline', color: null },
  running: { icon: 'sync~spin', color: 'charts.blue' },
  completed: { icon: 'pass', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  cancelled: { icon: 'circle-slash', color: 'testing.iconSkipped' },
};

/** The status an experiment shows: running if any run runs, failed if any failed, … */
export function experimentStatus(e: ExperimentSummary): RunStatus {
  const s = new Set(e.runs.map((r) => r.status));
  for (const status of ['running', 'failed', 'cancelled', 'pending'] as const) if (s.has(status)) return status;
  return 'completed';
}

/** True when the experiment is a Slurm job array with runs that have not ended. */
export function slurmActive(e: ExperimentSummary): boolean {
  return e.runs.some((r) => r.slurm !== null && (r.status === 'pending' || r.status === 'running'));
}

export function rootNodes(experiments: readonly ExperimentSummary[]): TreeNode[] {
  return experiments.map((experiment) => ({ kind: 'experiment', key: experiment.dir, experiment }));
}

export function childNodes(node: TreeNode, live: ReadonlyMap<string, LiveRunState>): TreeNode[] {
  if (node.kind === 'experiment') return node.experiment.runs.map((run) => ({ kind: 'run', key: run.dir, run, live: live.get(run.dir) }));
  if (node.kind === 'run') return node.run.checkpoints.map((checkpoint) => ({ kind: 'checkpoint', key: checkpoint.file, run: node.run, checkpoint }));
  return [];
}

function stepText(step: number, total: number | null): string {
  return total ? `${step}/${total}` : `${step}`;
}

export function nodeView(node: TreeNode): NodeView {
  if (node.kind === 'experiment') {
    const e = node.experiment;
    const status = experimentStatus(e);
    const done = e.runs.filter((r) => r.status === 'completed').length;
    return {
      label: e.name,
      description: `${done}/${e.runs.length} completed`,
      tooltip: [`${e.name}: ${e.runs.length} runs`, e.createdAt ? `created ${e.createdAt}` : '', e.dir, ...e.problems].filter(Boolean).join('\n'),
      icon: status === 'completed' ? 'beaker' : STATUS_ICONS[status].icon,
      iconColor: status === 'completed' ? null : STATUS_ICONS[status].color,
      collapsible: 'expanded',
      // `experiment.slurm`: runs of its job array may still be queued or running (Cancel Slurm Jobs).
      contextValue: slurmActive(e) ? 'experiment.slurm' : 'experiment',
    };
  }
  if (node.kind === 'run') {
    const r = node.run;
    const live = r.status === 'running' && node.live?.loss != null ? node.live : undefined;
    const step = live ? stepText(live.step, live.totalSteps) : stepText(r.step, r.totalSteps);
    const parts = [r.status, step];
    if (live) parts.push(`loss ${(live.loss as number).toPrecision(3)}`);
    if (r.backend) parts.push(r.backend);
    const slurm = slurmText(r, node.live);
    if (slurm) parts.push(slurm);
    if (r.tags.length > 0) parts.push(r.tags.map((t) => `#${t}`).join(' '));
    if (r.note) parts.push('✎');
    const { icon, color } = STATUS_ICONS[r.status];
    return {
      label: r.id,
      description: parts.join(' · '),
      tooltip: [
        `${r.id} (${r.status})`,
        [r.optimizer, r.attentionScaling, r.seed !== null ? `seed ${r.seed}` : null].filter(Boolean).join(' · '),
        `steps ${step}`,
        r.backend ? `backend ${r.backend}` : '',
        slurm ?? '',
        r.slurm?.log ? `Slurm log: ${r.slurm.log}` : '',
        r.error ? `error: ${r.error}` : '',
        r.tags.length > 0 ? `tags: ${r.tags.join(', ')}` : '',
        r.note ? `note: ${r.note}` : '',
        r.dir,
      ]
        .filter(Boolean)
        .join('\n'),
      icon,
      iconColor: color,
      collapsible: r.checkpoints.length > 0 ? 'collapsed' : 'none',
      contextValue: `run.${r.status}`,
    };
  }
  const c = node.checkpoint;
  return {
    label: `step ${c.step}`,
    description: c.file.split(/[\\/]/).pop() ?? '',
    tooltip: c.file,
    icon: 'database',
    iconColor: null,
    collapsible: 'none',
    contextValue: 'checkpoint',
  };
}
