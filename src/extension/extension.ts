/**
 * The extension host entry point (dist/extension.js). Activation is light: it registers the
 * tree, commands, views and settings listeners and reads nothing heavy; TensorFlow.js never
 * loads in this process (training, presets and traces live in the backend process, started on
 * first use). The activation time is measured and written to the output channel.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { BackendProcess } from './backend/backendProcess';
import { looksLikeSpec } from './commands/findSpecFiles';
import { registerCommands } from './commands/registerCommands';
import { CONTEXT_KEYS, SETTINGS_SECTION, settingId, VIEWS } from './ids';
import { JobTracker } from './jobs/jobTracker';
import { NativeBackend } from './native/nativeBackend';
import { RunController } from './jobs/runController';
import { LogChannel } from './log/logChannel';
import { readSettings, type Settings } from './settings';
import { RunsTreeProvider } from './tree/runsTreeProvider';
import { RunsFolder } from './runs/runsFolder';
import type { TreeNode } from './tree/runsTreeModel';
import { registerViews } from './views/index';

/** Milliseconds the last activation took (read by tests through the exported API). */
let activationMs = 0;

export interface AttentionLabApi {
  activationMs: number;
  backendPid(): number | undefined;
}

export function activate(context: vscode.ExtensionContext): AttentionLabApi {
  const t0 = performance.now();
  // Disposed last (pushed at the end of activation): the backend's shutdown lines still reach
  // it, and anything later is dropped instead of hitting a closed channel.
  const output = new LogChannel('Attention Lab');

  const workspaceRoot = (): string => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? context.globalStorageUri.fsPath;
  let warned = '';
  const settings = (): Settings => {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const { settings: s, problems } = readSettings((key) => config.get(key), workspaceRoot(), vscode.workspace.isTrusted);
    const text = problems.join('; ');
    if (text && text !== warned) void vscode.window.showWarningMessage(`Attention Lab settings: ${text}`);
    warned = text;
    return s;
  };
  const runsRoot = (): string | null => (vscode.workspace.workspaceFolders?.length ? settings().runsFolder : null);

  // The backend process: created now, started on first use; its options are read at each start.
  const jobs = new JobTracker();
  // The native backend: attentionLab.nativeModulesPath, else the setup in the global storage
  // ("Set Up Native Backend"), started with the Node that set it up; never when untrusted.
  const native = new NativeBackend(context, settings, output, () => restartBackend('the native backend was set up'));
  const backend = new BackendProcess(() => {
    const choice = native.choice();
    output.appendLine(`[host] native backend: ${choice.source === 'none' ? `none (${choice.reason})` : choice.reason}`);
    return {
      script: path.join(context.extensionPath, 'dist', 'backend.js'),
      nodePath: choice.nodePath,
      nativeModulesPath: choice.nativeModulesPath,
      noNative: !vscode.workspace.isTrusted,
      cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? context.extensionPath,
      log: (line: string) => output.appendLine(line),
    };
  });
  // The one model of the runs folder: the tree, the live view and the dashboard read it.
  const runsFolder = new RunsFolder(runsRoot);
  const ready = backend.onReady((endpoint) =>
    endpoint.on('job/event', ({ jobId, event }) => {
      jobs.apply(jobId, event);
      // The event says which run folder just changed: check it now rather than at the next sweep.
      const dir = jobs.get(jobId)?.progress.dir;
      if (dir && 'runId' in event) runsFolder.touch([path.join(dir, event.runId)]);
      else if (dir) runsFolder.touch([dir]);
    }),
  );
  // An experiment that ended has written its summary.json.
  const ended = jobs.onChange((job) => {
    if (jobs.get(job.id) === undefined && job.progress.dir) runsFolder.touch([job.progress.dir]);
  });
  // attentionLab.hasRuns gates the palette's Resume Run, Compare Selected Runs and Export Report.
  let hasRuns: boolean | null = null;
  const updateHasRuns = (): void => {
    const has = runsFolder.summaries().length > 0;
    if (has === hasRuns) return;
    hasRuns = has;
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hasRuns, has);
  };
  updateHasRuns();
  const runsChanged = runsFolder.onDidChange((change) => {
    if (change.kind === 'structure') updateHasRuns();
  });
  context.subscriptions.push(runsFolder, ready, ended, runsChanged, { dispose: () => backend.dispose() });
  /** Stops an idle backend so the next use starts one with the new settings or trust. */
  const restartBackend = (why: string): void => {
    if (!backend.running) return;
    if (jobs.active().length > 0) {
      output.appendLine(`[host] ${why}: the backend restarts once the running experiments end`);
      const sub = jobs.onChange(() => {
        if (jobs.active().length > 0) return;
        sub.dispose();
        restartBackend(why);
      });
      return;
    }
    output.appendLine(`[host] ${why}: the backend restarts on next use`);
    void backend.stop();
  };

  const runs = new RunController(backend, jobs, settings, output, () => native.offerIfUseful());
  const tree = new RunsTreeProvider(runsFolder, jobs);
  const treeView = vscode.window.createTreeView<TreeNode>(VIEWS.runs, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  context.subscriptions.push(runs, tree, treeView);

  const views = registerViews(
    context,
    {
      traceOptimizer: async (params) => (await backend.ensureStarted()).request('trace/run', params),
      probeAttention: async (params) => (await backend.ensureStarted()).request('attention/probe', params, { timeoutMs: 120_000 }),
      log: (line) => output.appendLine(line),
    },
    runsFolder,
  );
  registerCommands({ context, backend: backend, runs, jobs, tree, treeView, views, output, runsRoot, native });

  // The editor-title ▷ shows on any spec-shaped JSON, not only on *.attention-lab.json names.
  const updateSpecContext = (editor: vscode.TextEditor | undefined): void => {
    const doc = editor?.document;
    const isSpec = doc !== undefined && doc.languageId.startsWith('json') && doc.getText().length < 512 * 1024 && looksLikeSpec(doc.getText());
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.activeEditorIsSpec, isSpec);
  };
  updateSpecContext(vscode.window.activeTextEditor);
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(updateSpecContext),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc === vscode.window.activeTextEditor?.document) updateSpecContext(vscode.window.activeTextEditor);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(settingId('runsFolder'))) tree.refresh();
      for (const key of ['nodePath', 'nativeModulesPath'] as const) if (e.affectsConfiguration(settingId(key))) restartBackend(`${settingId(key)} changed`);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartBackend('the workspace is now trusted')),
    vscode.workspace.onDidChangeWorkspaceFolders(() => tree.refresh()),
  );

  context.subscriptions.push(output);
  activationMs = performance.now() - t0;
  output.appendLine(`[host] Attention Lab activated in ${activationMs.toFixed(1)} ms (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: wasm backend, no custom Node'})`);
  return { activationMs, backendPid: () => backend.pid };
}

export function deactivate(): Promise<void> | undefined {
  // context.subscriptions dispose the backend (SIGTERM: running runs save a checkpoint first).
  return undefined;
}
