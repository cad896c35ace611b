/**
 * Saves a chart export posted by a webview (`export/save`): asks where with a save dialog
 * (suggesting the chart's file name in the workspace), then writes the bytes. The webview never
 * touches the file system.
 */
import * as vscode from 'vscode';
import type { ExportFormat } from '../../protocol/views';

const FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  csv: { 'CSV table': ['csv'] },
};

/** The bytes of an export: PNG data arrives base64 (optionally as a data: URL), SVG and CSV as text. */
export function exportBytes(format: ExportFormat, data: string): Uint8Array {
  if (format === 'png') {
    const base64 = data.replace(/^data:image\/png;base64,/, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new Error('PNG export is not base64 data');
    return Buffer.from(base64, 'base64');
  }
  return Buffer.from(data, 'utf8');
}

export async function saveExport(format: ExportFormat, fileName: string, data: string): Promise<vscode.Uri | undefined> {
  const bytes = exportBytes(format, data);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = fileName.endsWith(`.${format}`) ? fileName : `${fileName}.${format}`;
  const target = await vscode.window.showSaveDialog({
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
    filters: FILTERS[format],
    saveLabel: `Export ${format.toUpperCase()}`,
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.setStatusBarMessage(`Attention Lab: saved ${vscode.workspace.asRelativePath(target)}`, 4000);
  return target;
}
