/**
 * The native backend in the extension: the "Set Up Native Backend" command (a cancellable
 * progress notification around runNativeSetup, a clear error with Open Log), the one-time offer
 * when a run would start on wasm, and what the backend process is started with (chooseNative).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NativeManifest } from '../../core/native/nativeManifest';
import { COMMANDS } from '../ids';
import type { Settings } from '../settings';
import { bundledNative, chooseNative, managedNativeDir, shouldOfferNative, type NativeChoice } from './nativeChoice';
import { NativeSetupCancelled, findUserNode, runNativeSetup } from './nativeSetupProcess';
import type { Log } from '../log/logChannel';

/** globalState key: the offer was shown once (whatever the answer). */
const OFFERED_KEY = 'attentionLab.nativeOffered';

export class NativeBackend {
  private running: Promise<NativeManifest | undefined> | null = null;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly settings: () => Settings,
    private readonly output: Log,
    /** Called after a successful setup: the idle backend restarts so the next run uses it. */
    private readonly onReady: (manifest: NativeManifest) => void,
  ) {}

  /** What the backend process is started with now. */
  choice(): NativeChoice {
    return chooseNative(this.settings(), vscode.workspace.isTrusted, this.context.globalStorageUri.fsPath);
  }

  /** The command: sets up tfjs-node in the global storage (one setup at a time). */
  setUp(): Promise<NativeManifest | undefined> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<NativeManifest | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Attention Lab: the native backend is used in trusted workspaces only; this one trains on wasm. Trust the workspace first.');
      return undefined;
    }
    const dir = managedNativeDir(this.context.globalStorageUri.fsPath);
    const script = path.join(this.context.extensionPath, 'dist', 'setup-native.js');
    const log = (line: string): void => this.output.appendLine(`[native] ${line}`);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Attention Lab: setting up the native backend', cancellable: true },
        async (progress, token) => {
          const { node, version } = findUserNode(this.settings().nodePath);
          log(`setting up @tensorflow/tfjs-node in ${dir} with Node ${version} (${node})`);
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          const manifest = await runNativeSetup({
            script, node, dir, signal: abort.signal, log,
            onEvent: (e) => {
              if (e.type === 'step') {
                const pct = Math.round(e.fraction * 100);
                progress.report({ message: e.message, increment: Math.max(0, pct - reported) });
                reported = Math.max(reported, pct);
                log(e.message);
              } else if (e.type === 'note') log(e.message);
            },
          });
          log(`ready: TensorFlow ${manifest.tensorflow} (${manifest.route} route), Node ${manifest.nodeVersion}`);
          this.onReady(manifest);
          void vscode.window.showInformationMessage(
            `Attention Lab: the native backend is ready (TensorFlow ${manifest.tensorflow}). New runs train on it; their run.json records backend "tensorflow".`,
          );
          return manifest;
        },
      );
    } catch (err) {
      if (err instanceof NativeSetupCancelled) {
        log('cancelled; runs keep training on wasm');
        void vscode.window.showInformationMessage('Attention Lab: native backend setup cancelled; runs keep training on wasm.');
        return undefined;
      }
      const message = err instanceof Error ? err.message : String(err);
      log(`failed: ${message}`);
      void vscode.window.showErrorMessage(`Attention Lab: setting up the native backend failed: ${message}`, 'Open Log').then((p) => p && this.output.show(true));
      return undefined;
    }
  }

  /**
   * Before a run starts: when it would train on wasm and the native backend could work here,
   * offer the setup once (never again, whatever the answer). Does not wait for the answer.
   */
  offerIfUseful(): void {
    const settings = this.settings();
    const offer = shouldOfferNative({
      settings,
      trusted: vscode.workspace.isTrusted,
      choice: this.choice(),
      bundled: bundledNative(this.context.extensionPath),
      alreadyOffered: this.context.globalState.get<boolean>(OFFERED_KEY) === true,
    });
    if (!offer) return;
    void this.context.globalState.update(OFFERED_KEY, true);
    const setUp = 'Set Up Native Backend';
    void vscode.window
      .showInformationMessage(
        'Attention Lab: this run trains on wasm (one core). The native TensorFlow backend is several times faster; set it up now? ' +
          'It installs @tensorflow/tfjs-node (~1 GB) with your Node and npm into the extension’s storage.',
        setUp,
        'Not Now',
      )
      .then((pick) => {
        if (pick === setUp) void vscode.commands.executeCommand(COMMANDS.setUpNativeBackend);
      });
  }
}
