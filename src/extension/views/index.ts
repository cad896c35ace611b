/**
 * Registers the extension's webviews: the dashboard panel (and its serializer, so it is restored
 * after a reload), the live-run sidebar view and the checkpoint inspector custom editor. Called
 * once from activation; everything goes into `context.subscriptions`.
 */
import * as vscode from 'vscode';
import { CHECKPOINT_INSPECTOR_VIEW_TYPE, CheckpointInspectorProvider } from './checkpointInspectorProvider';
import { DASHBOARD_VIEW_TYPE, DashboardPanel, DashboardSerializer } from './dashboardPanel';
import type { DashboardTarget } from './dashboardPanel';
import { LIVE_RUN_VIEW_ID, LiveRunViewProvider } from './liveRunViewProvider';
import { RunsStore } from './runsStore';
import type { ViewServices } from './viewServices';

export type { ViewServices, TraceRunParams, RunsActivity } from './viewServices';
export type { DashboardTarget } from './dashboardPanel';
export { CHECKPOINT_INSPECTOR_VIEW_TYPE, DASHBOARD_VIEW_TYPE, LIVE_RUN_VIEW_ID };

export interface Views {
  /**
   * Opens (or reveals) the dashboard, optionally on one experiment (its folder name) or on
   * exactly the given run folders (`{ runDirs }`, which may come from different experiments).
   */
  openDashboard(target?: string | DashboardTarget): void;
  /** Opens a .safetensors file in the checkpoint inspector. */
  openCheckpoint(file: vscode.Uri): Thenable<unknown>;
}

export function registerViews(context: vscode.ExtensionContext, services: ViewServices): Views {
  const store = new RunsStore(() => services.runsRoot());
  const liveRun = new LiveRunViewProvider(context.extensionUri, services, store);
  context.subscriptions.push(
    store,
    services.onRunsActivity((activity) => store.noteActivity(activity)),
    liveRun,
    vscode.window.registerWebviewViewProvider(LIVE_RUN_VIEW_ID, liveRun),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, new DashboardSerializer(context.extensionUri, services, store)),
    vscode.window.registerCustomEditorProvider(CHECKPOINT_INSPECTOR_VIEW_TYPE, new CheckpointInspectorProvider(context.extensionUri, services), {
      supportsMultipleEditorsPerDocument: true,
      // VS Code's find widget (Ctrl+F) searches the page's text: tensor names, table rows.
      webviewOptions: { retainContextWhenHidden: false, enableFindWidget: true },
    }),
    { dispose: () => DashboardPanel.instance?.dispose() },
  );
  return {
    openDashboard: (target) => {
      DashboardPanel.createOrShow(context.extensionUri, services, store, target === undefined ? null : typeof target === 'string' ? { experiment: target } : target);
    },
    openCheckpoint: (file) => vscode.commands.executeCommand('vscode.openWith', file, CHECKPOINT_INSPECTOR_VIEW_TYPE),
  };
}
