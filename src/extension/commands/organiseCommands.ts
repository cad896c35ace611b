/**
 * Commands that organise runs and start experiments (kept apart from registerCommands.ts):
 * tags and a note per run (run.json, src/core/experiment/organise.ts), renaming an experiment
 * (with confirmation; never while one of its runs trains or while Slurm holds it), and "New
 * Experiment Spec" — a preset's spec written to `<name>.attention-lab.json` in the workspace and
 * opened, with the schema's completions and snippets there to edit it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listPresets } from '../../core/experiment/presets';
import { parseTags, renameExperiment, renameProblem, writeRunAnnotations, MAX_NOTE_LENGTH } from '../../core/experiment/organise';
import { COMMANDS } from '../ids';
import type { TreeNode } from '../tree/runsTreeModel';
import type { CommandDeps } from './registerCommands';

type Register = (id: string, fn: (...args: never[]) => unknown) => void;

/** `<stem>.attention-lab.json` in `dir`, or `<stem>-2.attention-lab.json`, … — the first that does not exist. */
export function freeSpecPath(dir: string, stem: string): string {
  for (let i = 1; ; i++) {
    const file = path.join(dir, `${i === 1 ? stem : `${stem}-${i}`}.attention-lab.json`);
    if (!fs.existsSync(file)) return file;
  }
}

export function registerOrganiseCommands(d: CommandDeps, reg: Register): void {
  reg(COMMANDS.editRunTags, async (node?: TreeNode) => {
    if (node?.kind !== 'run') return;
    const value = await vscode.window.showInputBox({
      title: `Tags of ${node.run.id}`,
      // Opened from a context menu: the tree takes the focus back as the menu closes.
      ignoreFocusOut: true,
      prompt: 'Comma-separated; empty removes them. The dashboard’s run filter finds runs by tag.',
      value: node.run.tags.join(', '),
      validateInput: (text) => {
        try {
          parseTags(text);
          return null;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (value === undefined) return;
    writeRunAnnotations(node.run.dir, { tags: parseTags(value) });
    d.tree.refresh();
  });

  reg(COMMANDS.editRunNote, async (node?: TreeNode) => {
    if (node?.kind !== 'run') return;
    const value = await vscode.window.showInputBox({
      title: `Note on ${node.run.id}`,
      ignoreFocusOut: true,
      prompt: 'Free text, kept in run.json; empty removes it.',
      value: node.run.note ?? '',
      validateInput: (text) => (text.trim().length > MAX_NOTE_LENGTH ? `at most ${MAX_NOTE_LENGTH} characters` : null),
    });
    if (value === undefined) return;
    writeRunAnnotations(node.run.dir, { note: value });
    d.tree.refresh();
  });

  reg(COMMANDS.renameExperiment, async (node?: TreeNode) => {
    if (node?.kind !== 'experiment') return;
    const exp = node.experiment;
    const live = d.jobs.liveRuns();
    if (exp.runs.some((r) => live.get(r.dir)?.status === 'running' || r.status === 'running')) throw new Error(`experiment "${exp.name}" is training: stop it first`);
    if (fs.existsSync(path.join(exp.dir, 'slurm.json'))) throw new Error(`experiment "${exp.name}" was submitted to Slurm: its job scripts name the folder, so it keeps its name`);
    const parent = path.dirname(exp.dir);
    const name = await vscode.window.showInputBox({
      title: `Rename experiment "${exp.name}"`,
      ignoreFocusOut: true,
      prompt: 'The folder, experiment.json and every run.json take the new name.',
      value: exp.name,
      validateInput: (text) => renameProblem(parent, exp.dir, text.trim()),
    });
    if (name === undefined || name.trim() === path.basename(exp.dir)) return;
    const ok = await vscode.window.showWarningMessage(`Rename experiment "${exp.name}" to "${name.trim()}"?`, { modal: true, detail: `${exp.dir} → ${path.join(parent, name.trim())}` }, 'Rename');
    if (ok !== 'Rename') return;
    const result = renameExperiment(exp.dir, name.trim());
    for (const s of result.skipped) d.output.appendLine(`[host] rename ${exp.name}: run.json not updated: ${s}`);
    d.tree.refresh();
  });

  reg(COMMANDS.newExperimentSpec, async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') throw new Error('open a folder first: the spec is written into it');
    const pick = await vscode.window.showQuickPick(
      listPresets().map((p) => ({ label: p.name, detail: p.description, name: p.name })),
      { title: 'New experiment spec: start from which preset?', matchOnDetail: true },
    );
    if (!pick) return;
    const preset = listPresets().find((p) => p.name === pick.name);
    if (!preset) return;
    const file = freeSpecPath(folder.uri.fsPath, `my-${preset.name}`);
    // The experiment's name is the file's: its runs go to runs/<name>/, apart from the preset's.
    const spec = { ...structuredClone(preset.spec), name: path.basename(file, '.attention-lab.json') };
    await vscode.workspace.fs.writeFile(vscode.Uri.file(file), Buffer.from(JSON.stringify(spec, null, 2) + '\n', 'utf8'));
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  });
}
