/**
 * Registers the extension's webviews: the dashboard panel (and its serializer, so it is restored
 * after a reload), the live-run sidebar view and the checkpoint inspector custom editor. Called
 * once from activation; everything goes into `context.subscriptions`.
 */
import * as vscode from 'vscode';
import { CheckpointInspectorProvider } from './checkpointInspectorProvider';
import { DashboardPanel, DashboardSerializer } from './dashboardPanel';
import type { DashboardTarget } from './dashboardPanel';
import { LiveRunViewProvider } from './liveRunViewProvider';
import { CUSTOM_EDITORS, PANELS, VIEWS } from '../ids';
import type { ViewServices } from './viewServices';
import type { RunsFolder } from '../runs/runsFolder';

export type { ViewServices } from './viewServices';
export type { DashboardTarget } from './dashboardPanel';

export interface Views {
  /**
   * Opens (or reveals) the dashboard, optionally on one experiment (its folder name) or on
   * exactly the given run folders (`{ runDirs }`, which may come from different experiments).
   */
  openDashboard(target?: string | DashboardTarget): void;
  /** Opens a .safetensors file in the checkpoint inspector. */
  openCheckpoint(file: vscode.Uri): Thenable<unknown>;
}

export function registerViews(context: vscode.ExtensionContext, services: ViewServices, store: RunsFolder): Views {
  const liveRun = new LiveRunViewProvider(context.extensionUri, services, store);
  context.subscriptions.push(
    liveRun,
    vscode.window.registerWebviewViewProvider(VIEWS.liveRun, liveRun),
    vscode.window.registerWebviewPanelSerializer(PANELS.dashboard, new DashboardSerializer(context.extensionUri, services, store)),
    vscode.window.registerCustomEditorProvider(CUSTOM_EDITORS.checkpointInspector, new CheckpointInspectorProvider(context.extensionUri, services), {
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
    openCheckpoint: (file) => vscode.commands.executeCommand('vscode.openWith', file, CUSTOM_EDITORS.checkpointInspector),
  };
}
