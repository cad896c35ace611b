/**
 * Every command of the extension (category "Attention Lab", ids in ../ids.ts). Thin: each
 * resolves its target (tree node, editor, quick pick, dialog) and hands over to the run
 * controller, the views or the file system.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeHtmlReport } from '../../core/report/htmlReport';
import type { BackendProcess } from '../backend/backendProcess';
import { COMMANDS, VIEWS } from '../ids';
import type { Log } from '../log/logChannel';
import type { RunController } from '../jobs/runController';
import type { JobTracker } from '../jobs/jobTracker';
import type { NativeBackend } from '../native/nativeBackend';
import type { RunsTreeProvider } from '../tree/runsTreeProvider';
import type { TreeNode } from '../tree/runsTreeModel';
import type { RunSummary } from '../runs/runSummary';
import type { Views } from '../views/index';
import { isSpecFile } from './findSpecFiles';
import { registerOrganiseCommands } from './organiseCommands';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  backend: BackendProcess;
  runs: RunController;
  jobs: JobTracker;
  tree: RunsTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  views: Views;
  output: Log;
  runsRoot: () => string | null;
  native: NativeBackend;
}

type PickItem = vscode.QuickPickItem & { source?: { kind: 'preset'; name: string } | { kind: 'file'; path: string } };

export function registerCommands(d: CommandDeps): void {
  const reg = (id: string, fn: (...args: never[]) => unknown): void => {
    d.context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          d.output.appendLine(`[host] ${id}: ${message}`);
          void vscode.window.showErrorMessage(`Attention Lab: ${message}`, 'Open Log').then((p) => p && d.output.show(true));
          return undefined;
        }
      }),
    );
  };

  reg(COMMANDS.runExperiment, () => pickAndRun(d));
  reg(COMMANDS.setUpNativeBackend, () => d.native.setUp());
  reg(COMMANDS.runSpecFile, async (uri?: vscode.Uri) => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== 'file') throw new Error('open an experiment spec (.json) in the editor first');
    const doc = vscode.workspace.textDocuments.find((t) => t.uri.toString() === target.toString());
    if (doc?.isDirty) await doc.save();
    return d.runs.run({ source: { kind: 'file', path: target.fsPath }, label: path.basename(target.fsPath) });
  });
  reg(COMMANDS.stopRun, async () => {
    const active = d.jobs.active();
    if (active.length === 0) return void vscode.window.showInformationMessage('Attention Lab: nothing is running.');
    if (active.length === 1) return d.runs.stop(active[0]?.id);
    const pick = await vscode.window.showQuickPick(
      [{ label: 'All experiments', id: undefined as string | undefined }, ...active.map((j) => ({ label: j.label, description: j.progress.name ?? '', id: j.id }))],
      { title: 'Stop which experiment?' },
    );
    if (pick) d.runs.stop(pick.id);
  });
  reg(COMMANDS.resumeRun, async (node?: TreeNode) => {
    // From the tree: that run; from the command palette: a pick of the runs that can go on.
    const run = runOf(node) ?? (await pickRunToResume(d));
    if (!run) return undefined;
    if (run.checkpoints.length === 0) {
      // Nothing to continue from: say so instead of silently training from step 0.
      const restart = 'Start from Step 0';
      const pick = await vscode.window.showWarningMessage(
        `${run.id} has no checkpoint (it stopped before saving one), so it cannot be resumed. Train it from step 0 instead?`,
        { modal: true, detail: 'Its metrics so far are replaced by the new run.' },
        restart,
      );
      if (pick !== restart) return undefined;
    }
    return d.runs.resume(run.dir, `resume ${run.id}`);
  });
  // From the tree a node; from the live-run view or the end-of-run notification an experiment (folder) name.
  reg(COMMANDS.openDashboard, (target?: TreeNode | string) => d.views.openDashboard(typeof target === 'string' ? target : experimentNameOf(target)));
  reg(COMMANDS.compareRuns, async (node?: TreeNode, nodes?: TreeNode[]) => {
    const selected = nodes && nodes.length > 0 ? nodes : node ? [node] : [...d.treeView.selection];
    // Exactly the selected runs (a selected experiment stands for all of its runs), across experiments.
    let runDirs = [...new Set(selected.flatMap((n) => (n.kind === 'experiment' ? n.experiment.runs.map((r) => r.dir) : [n.run.dir])))];
    // From the command palette with nothing selected in the tree: pick them.
    if (runDirs.length === 0 && node === undefined) runDirs = await pickRunsToCompare(d);
    if (runDirs.length === 0) return;
    d.views.openDashboard({ runDirs });
  });
  reg(COMMANDS.showLiveRun, () => vscode.commands.executeCommand(`${VIEWS.liveRun}.focus`));
  reg(COMMANDS.openCheckpoint, async (arg?: TreeNode | vscode.Uri) => {
    let uri: vscode.Uri | undefined;
    if (arg instanceof vscode.Uri) uri = arg;
    else if (arg?.kind === 'checkpoint') uri = vscode.Uri.file(arg.checkpoint.file);
    else if (arg?.kind === 'run' && arg.run.checkpoints.length > 0) uri = vscode.Uri.file((arg.run.checkpoints.at(-1) as { file: string }).file);
    if (!uri) {
      const root = d.runsRoot();
      const picked = await vscode.window.showOpenDialog({
        title: 'Open a checkpoint',
        filters: { Safetensors: ['safetensors'], 'Sharded checkpoint index (*.safetensors.index.json)': ['json'] },
        canSelectMany: false,
        ...(root && fs.existsSync(root) ? { defaultUri: vscode.Uri.file(root) } : {}),
      });
      uri = picked?.[0];
    }
    if (uri) await d.views.openCheckpoint(uri);
  });
  reg(COMMANDS.exportReport, (node?: TreeNode) => exportReport(d, node));
  // The optimizer paths are a section of the dashboard (traced by the backend's trace/run).
  reg(COMMANDS.showOptimizerPaths, () => d.views.openDashboard());
  reg(COMMANDS.refreshRuns, () => d.tree.refresh());
  reg(COMMANDS.revealRun, async (node?: TreeNode) => {
    const target = node?.kind === 'experiment' ? node.experiment.dir : node?.kind === 'checkpoint' ? node.checkpoint.file : node?.run.dir;
    if (!target) return;
    const uri = vscode.Uri.file(target);
    const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
  });
  reg(COMMANDS.deleteRun, async (node?: TreeNode) => {
    if (!node || node.kind === 'checkpoint') return;
    const target = node.kind === 'experiment' ? node.experiment.dir : node.run.dir;
    const what = node.kind === 'experiment' ? `experiment "${node.experiment.name}" and its ${node.experiment.runs.length} runs` : `run "${node.run.id}"`;
    const live = d.jobs.liveRuns();
    const busy = node.kind === 'experiment' ? node.experiment.runs.some((r) => live.get(r.dir)?.status === 'running') : live.get(node.run.dir)?.status === 'running';
    if (busy) throw new Error(`${what} is training: stop it first`);
    const ok = await vscode.window.showWarningMessage(`Delete ${what}? Its metrics and checkpoints are deleted from disk.`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    const uri = vscode.Uri.file(target);
    try {
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
    } catch {
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
    }
    d.tree.refresh();
  });
  reg(COMMANDS.showLog, () => d.output.show(true));
  reg(COMMANDS.cancelSlurmJobs, async (node?: TreeNode) => {
    if (node?.kind !== 'experiment') return;
    const dir = node.experiment.dir;
    // Followed by this window: Stop does it (the job's own cancel, with its progress).
    const followed = d.jobs.active().find((j) => j.progress.dir === dir);
    if (followed) return d.runs.stop(followed.id);
    const ok = await vscode.window.showWarningMessage(
      `Cancel the Slurm jobs of "${node.experiment.name}"? Running runs save a checkpoint and end cancelled; queued ones never start.`,
      { modal: true },
      'Cancel Jobs',
    );
    if (ok !== 'Cancel Jobs') return;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Attention Lab: cancelling the Slurm jobs of ${node.experiment.name}…` }, async () =>
      (await d.backend.ensureStarted()).request('slurm/cancel', { dir }, { timeoutMs: 600_000 }),
    );
    d.output.appendLine(`[host] ${node.experiment.name}: Slurm jobs cancelled: ${result.cancelled} cancelled, ${result.completed} completed, ${result.failed} failed`);
    d.tree.refresh();
    void vscode.window.showInformationMessage(`Attention Lab: ${node.experiment.name}: ${result.cancelled} cancelled, ${result.completed} completed, ${result.failed} failed`);
  });
  registerOrganiseCommands(d, reg);
}

function runOf(node?: TreeNode): RunSummary | undefined {
  if (node?.kind === 'run' || node?.kind === 'checkpoint') return node.run;
  return undefined;
}

/** The runs of the runs folder that can be resumed (cancelled or failed), newest experiment first. */
async function pickRunToResume(d: CommandDeps): Promise<RunSummary | undefined> {
  d.tree.refresh();
  const live = d.jobs.liveRuns();
  const items = [...d.tree.current()]
    .reverse()
    .flatMap((e) => e.runs.filter((r) => (r.status === 'cancelled' || r.status === 'failed') && !live.has(r.dir)).map((r) => ({ e, r })))
    .map(({ e, r }) => ({
      label: r.id,
      description: `${e.name} · ${r.status} · ${r.step}/${r.totalSteps ?? '?'}`,
      detail: r.checkpoints.length > 0 ? `continues from step ${r.checkpoints.at(-1)?.step}` : 'no checkpoint: would train from step 0',
      run: r,
    }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Attention Lab: no cancelled or failed run to resume.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title: 'Resume which run?', matchOnDescription: true }))?.run;
}

/** Every run of the runs folder, several to pick (the palette's Compare Selected Runs). */
async function pickRunsToCompare(d: CommandDeps): Promise<string[]> {
  d.tree.refresh();
  const items = d.tree.current().flatMap((e) => [
    { label: e.name, kind: vscode.QuickPickItemKind.Separator, dir: '' },
    ...e.runs.map((r) => ({ label: r.id, description: `${r.status} · ${r.step}/${r.totalSteps ?? '?'}`, dir: r.dir })),
  ]);
  if (items.length === 0) throw new Error('there is no run in the runs folder yet');
  const picks = await vscode.window.showQuickPick(items, { title: 'Compare which runs?', canPickMany: true, matchOnDescription: true });
  return (picks ?? []).map((p) => p.dir).filter((dir) => dir !== '');
}

function experimentNameOf(node?: TreeNode): string | undefined {
  if (!node) return undefined;
  return path.basename(node.kind === 'experiment' ? node.experiment.dir : path.dirname(node.run.dir));
}

async function pickAndRun(d: CommandDeps): Promise<unknown> {
  const qp = vscode.window.createQuickPick<PickItem>();
  // Where it will train (attentionLab.runOn), so a run never goes to the cluster or the laptop by surprise.
  qp.title = `Attention Lab: Run Experiment ${d.runs.where()}`;
  qp.placeholder = 'A built-in preset or a spec file of the workspace';
  qp.busy = true;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  const specs: PickItem[] = [];
  const presets: PickItem[] = [];
  const update = (): void => {
    qp.items = [
      ...(specs.length > 0 ? [{ label: 'Spec files', kind: vscode.QuickPickItemKind.Separator }, ...specs] : []),
      ...(presets.length > 0 ? [{ label: 'Presets', kind: vscode.QuickPickItemKind.Separator }, ...presets] : []),
    ];
  };
  const chosen = new Promise<PickItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0]));
    qp.onDidHide(() => resolve(undefined));
  });
  qp.show();
  const loadSpecs = vscode.workspace.findFiles('**/*.json', '{**/node_modules/**,**/.git/**,**/runs/**,**/dist/**}', 1000).then((uris) => {
    for (const u of uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
      if (u.scheme === 'file' && isSpecFile(u.fsPath)) specs.push({ label: `$(file) ${path.basename(u.fsPath)}`, description: vscode.workspace.asRelativePath(u), source: { kind: 'file', path: u.fsPath } });
    }
    update();
  });
  const loadPresets = d.backend
    .ensureStarted()
    .then((e) => e.request('presets/list', {}, { timeoutMs: 30_000 }))
    .then(({ presets: list }) => {
      for (const p of list) presets.push({ label: `$(beaker) ${p.name}`, description: `${p.runs} runs`, detail: p.description, source: { kind: 'preset', name: p.name } });
      update();
    })
    .catch((err: Error) => d.output.appendLine(`[host] presets: ${err.message}`));
  void Promise.allSettled([loadSpecs, loadPresets]).then(() => {
    qp.busy = false;
  });
  const pick = await chosen;
  qp.dispose();
  if (!pick?.source) return undefined;
  const label = pick.source.kind === 'preset' ? `preset ${pick.source.name}` : path.basename(pick.source.path);
  return d.runs.run({ source: pick.source, label });
}

async function exportReport(d: CommandDeps, node?: TreeNode): Promise<void> {
  let dirs: string[];
  if (node?.kind === 'experiment') dirs = [node.experiment.dir];
  else {
    const experiments = d.tree.current();
    if (experiments.length === 0) throw new Error('there is no experiment in the runs folder yet');
    const picks = await vscode.window.showQuickPick(
      experiments.map((e) => ({ label: e.name, description: `${e.runs.length} runs`, dir: e.dir, picked: experiments.length === 1 })),
      { title: 'Export a report of which experiments?', canPickMany: true },
    );
    if (!picks || picks.length === 0) return;
    dirs = picks.map((p) => p.dir);
  }
  const first = dirs[0] as string;
  const target = await vscode.window.showSaveDialog({
    title: 'Save the HTML report',
    defaultUri: vscode.Uri.file(path.join(path.dirname(first), `${path.basename(first)}-report.html`)),
    filters: { HTML: ['html'] },
  });
  if (!target) return;
  const { runs, bytes } = writeHtmlReport(target.fsPath, dirs);
  d.output.appendLine(`[host] report: ${target.fsPath} (${runs} runs, ${bytes} bytes)`);
  const pick = await vscode.window.showInformationMessage(`Attention Lab: report written (${runs} runs): ${path.basename(target.fsPath)}`, 'Reveal');
  if (pick === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', target);
}
