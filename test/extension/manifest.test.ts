/**
 * The extension's manifest against its code: every command, view and editor id the code uses is
 * contributed and the other way round, and the files the manifest names exist. (That the
 * extension host holds no TensorFlow.js is a lint rule: test/lint/layers.test.ts.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { findBundleFile } from '../../src/core/bundlePaths';
import { COMMANDS, CONTEXT_KEYS, CUSTOM_EDITORS, PANELS, SETTING_KEYS, settingId, VIEWS } from '../../src/extension/ids';
import { EXPERIMENT_FILE } from '../../src/protocol/runFolder';
import { DEFAULT_SLURM_OPTIONS } from '../../src/protocol/slurm';

const root = path.dirname(path.dirname(findBundleFile('extension.js', __dirname)));
interface Manifest {
  main: string;
  icon: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string; type?: string }[]>;
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    viewsWelcome: { view: string; contents: string }[];
    customEditors: { viewType: string }[];
    configuration: { properties: Record<string, unknown> };
    jsonValidation: { url: string }[];
    walkthroughs: { steps: { media: { markdown: string } }[] }[];
  };
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const c = pkg.contributes;

test('every command in the code is contributed (category Attention Lab, attentionLab.<verb><Noun>) and vice versa', () => {
  const contributed: string[] = c.commands.map((x) => x.command).sort();
  assert.deepEqual(contributed, Object.values(COMMANDS).sort() as string[]);
  for (const cmd of c.commands) {
    assert.equal(cmd.category, 'Attention Lab');
    assert.match(cmd.command, /^attentionLab\.[a-z]+[A-Z][A-Za-z]*$/);
  }
  for (const [menu, items] of Object.entries(c.menus)) for (const item of items) assert.ok(contributed.includes(item.command), `${menu}: ${item.command} is not a contributed command`);
  for (const w of c.viewsWelcome) for (const m of w.contents.matchAll(/command:(attentionLab\.\w+)/g)) assert.ok(contributed.includes(m[1] as string));
});

test('views, the custom editor and settings match the ids the code registers', () => {
  assert.deepEqual(
    c.viewsContainers.activitybar.map((v) => v.id),
    [VIEWS.container],
  );
  assert.deepEqual(
    (c.views[VIEWS.container] ?? []).map((v) => v.id),
    [VIEWS.runs, VIEWS.liveRun],
  );
  assert.equal(c.views[VIEWS.container]?.[1]?.type, 'webview');
  assert.deepEqual(
    c.customEditors.map((e) => e.viewType),
    [CUSTOM_EDITORS.checkpointInspector],
  );
  assert.deepEqual(Object.keys(c.configuration.properties).sort(), SETTING_KEYS.map(settingId).sort());
  // The dashboard panel is restored after a reload; the inspector opens on its files; activation names the run folder's file.
  assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${PANELS.dashboard}`));
  assert.ok(pkg.activationEvents.includes(`onCustomEditor:${CUSTOM_EDITORS.checkpointInspector}`));
  assert.ok(pkg.activationEvents.includes(`onView:${VIEWS.runs}`));
  assert.ok(pkg.activationEvents.includes(`workspaceContains:runs/*/${EXPERIMENT_FILE}`));
  // Every context key the code sets is used in a `when` clause, and every attentionLab.* key a clause uses is set.
  const whens = JSON.stringify(c.menus) + JSON.stringify(c.viewsWelcome);
  const used = new Set([...whens.matchAll(/\b(attentionLab\.[A-Za-z]+)\b/g)].map((m) => m[1] as string).filter((k) => !(Object.values(COMMANDS) as string[]).includes(k) && !(Object.values(VIEWS) as string[]).includes(k)));
  assert.deepEqual([...used].sort(), Object.values(CONTEXT_KEYS).sort());
  // Remote-SSH: the extension runs where the workspace is (a cluster's login node), never in the local UI.
  assert.deepEqual((pkg as unknown as { extensionKind: string[] }).extensionKind, ['workspace']);
  // The Slurm setting's keys are the options the code reads.
  const slurmSetting = (c.configuration.properties as Record<string, { properties?: Record<string, unknown> }>)['attentionLab.slurm'];
  assert.deepEqual(Object.keys(slurmSetting?.properties ?? {}).sort(), Object.keys(DEFAULT_SLURM_OPTIONS).sort());
  assert.ok(pkg.activationEvents.every((e) => !e.startsWith('*')), 'no eager activation');
});

test('the files the manifest names exist', () => {
  const files = [pkg.main, pkg.icon, ...c.viewsContainers.activitybar.map((v) => v.icon), ...c.jsonValidation.map((j) => j.url), ...c.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.markdown))];
  for (const f of files) assert.ok(fs.existsSync(path.join(root, f)), `${f} is missing`);
});
