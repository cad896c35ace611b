/**
 * The checkpoint inspector: a read-only custom editor for `*.safetensors` and sharded
 * checkpoints (`*.safetensors.index.json`, opened as one). It posts the header
 * as soon as it is parsed (any file size opens at once), then each tensor's statistics in
 * batches, and reads a tensor's values only when the page asks for its histogram and heatmap.
 * A malformed file shows the reader's SafetensorsError message in the editor.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TensorStatsView } from '../../protocol/viewData';
import { openTensorFile, type TensorFile } from '../../core/checkpoint/tensorFile';
import { diffCheckpoints, headerView, tensorDetail, tensorStatsOf } from './inspector/checkpointData';
import { saveExport } from './saveExport';
import type { ViewServices } from './viewServices';
import { WebviewChannel } from './webviewChannel';


/** Statistics are posted every this many tensors (or every STATS_BATCH_MS) so the table fills as it goes. */
const STATS_BATCH = 8;
const STATS_BATCH_MS = 150;

class CheckpointDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class CheckpointInspectorProvider implements vscode.CustomReadonlyEditorProvider<CheckpointDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: ViewServices,
  ) {}

  openCustomDocument(uri: vscode.Uri): CheckpointDocument {
    return new CheckpointDocument(uri);
  }

  resolveCustomEditor(document: CheckpointDocument, panel: vscode.WebviewPanel): void {
    const file = document.uri.fsPath;
    let st: TensorFile | null = null;
    let closed = false;
    let generation = 0;
    const channel = new WebviewChannel(panel.webview, this.extensionUri, 'inspector', path.basename(file), this.services.log);
    const ep = channel.endpoint;
    ep.handle('tensor/get', async ({ name }) => {
      if (st === null) throw new Error(`${path.basename(file)} is not open`);
      return tensorDetail(st, name);
    });
    ep.handle('diff/pick', async () => {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        defaultUri: vscode.Uri.file(path.dirname(file)),
        filters: { Safetensors: ['safetensors'] },
        openLabel: 'Compare with this checkpoint',
      });
      if (!picked || picked.length === 0) return { diff: null };
      return { diff: await diffCheckpoints(file, (picked[0] as vscode.Uri).fsPath) };
    });
    ep.handle('attention/probe', ({ input, sigma }) => this.services.probeAttention({ checkpoint: file, input, ...(sigma ? { sigma } : {}) }));
    ep.handle('export/save', async (p) => ({ saved: (await saveExport(p.format, p.fileName, p.data)) !== undefined }));

    const load = async (): Promise<void> => {
      const mine = ++generation;
      await st?.close();
      st = null;
      try {
        st = await openTensorFile(file);
      } catch (err) {
        ep.emit('checkpoint/error', { message: message(err) });
        return;
      }
      ep.emit('checkpoint/header', { header: headerView(st) });
      let batch: { name: string; stats: TensorStatsView }[] = [];
      let last = Date.now();
      for (const t of st.tensors) {
        if (closed || mine !== generation || st === null) return;
        if (t.opaque) continue; // shape and bytes only: the table says so
        try {
          batch.push({ name: t.name, stats: await tensorStatsOf(st, t.name) });
        } catch (err) {
          ep.emit('tensor/error', { name: t.name, message: message(err) });
        }
        if (batch.length >= STATS_BATCH || Date.now() - last > STATS_BATCH_MS) {
          ep.emit('checkpoint/stats', { stats: batch, done: false });
          batch = [];
          last = Date.now();
        }
      }
      ep.emit('checkpoint/stats', { stats: batch, done: true });
    };

    const ready = channel.onDidBecomeReady(() => void load());
    // The file changed on disk (a run overwrote it): read it again.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const reload = (): void => {
      if (channel.isReady) void load();
    };
    watcher.onDidChange(reload);
    watcher.onDidCreate(reload);
    panel.onDidDispose(() => {
      closed = true;
      ready.dispose();
      watcher.dispose();
      channel.dispose();
      void st?.close();
    });
  }
}
