/**
 * The extension's output channel behind a guard: lines that arrive after it was disposed (the
 * backend process reporting its exit while the extension host shuts down, a late promise) are
 * dropped instead of reaching a closed channel, which VS Code logs as "Channel has been closed"
 * in the extension host log.
 */
import * as vscode from 'vscode';

/** What the rest of the extension host writes to: a line, or "show the log". */
export interface Log {
  appendLine(line: string): void;
  show(preserveFocus?: boolean): void;
}

export class LogChannel implements Log, vscode.Disposable {
  private channel: vscode.OutputChannel | null;

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name);
  }

  appendLine(line: string): void {
    this.channel?.appendLine(line);
  }

  show(preserveFocus = true): void {
    this.channel?.show(preserveFocus);
  }

  /** True once disposed: nothing more is written. */
  get closed(): boolean {
    return this.channel === null;
  }

  dispose(): void {
    const c = this.channel;
    this.channel = null;
    c?.dispose();
  }
}
