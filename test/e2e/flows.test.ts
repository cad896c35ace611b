/**
 * The flows a user of the extension touches, in a real VS Code (code-server + chromium, the
 * packaged .vsix): each test here is a flow that was broken (it failed on the commit before its
 * fix; run with ATTENTION_LAB_E2E_VSIX=<older .vsix> to see it fail) or a control added with it.
 * Three small experiments train for real on wasm: `six` (6 groups, for the series colours),
 * `live` (3 runs one at a time, watched while it trains) and `partial` (stopped after its first
 * run, so some groups never trained). Expected values come from the files the runs wrote.
 * Screenshots go to test-results/e2e/flows/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import type * as Playwright from 'playwright-core';
import type { RunFile } from '../../src/protocol/runFolder';
import { writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { colorDistance, MIN_SERIES_DELTA } from '../../webview/theme/colorDistance';
import { CHROMIUM, SCREENSHOTS, dismissToast, paletteRow, paletteTitles, pickQuickItem, runCommand, setColorTheme, toast, unavailableReason, webview, type Session } from './codeServer';
import { E2eSuite, sleep, until as untilEvery } from './suite';

// Loaded at run time, not bundled: playwright-core reads its own package files from disk.
const { chromium } = createRequire(__filename)('playwright-core') as typeof Playwright;
const unavailable = unavailableReason();
// Run inside the page by Playwright (this file is type-checked without the DOM library).
declare const getComputedStyle: (e: unknown) => { color: string; backgroundColor: string };
declare const document: { body: unknown };
const SHOTS = path.join(SCREENSHOTS, 'flows');

const tiny = { name: 'copy', trainLengths: [3, 4], evalLengths: [4] };
const xs = { label: 'xs', layers: 1, dModel: 16, heads: 2, dFf: 32 };
const SPECS = {
  six: {
    name: 'six',
    tasks: [tiny],
    models: [xs],
    attentionScalings: ['standard', 'logn'],
    optimizers: [{ name: 'adamw', lr: 1e-2 }, { name: 'lion', lr: 3e-3 }, { name: 'tiger', lr: 1e-2 }],
    seeds: [1],
    parallel: 2,
    train: { steps: 20, batchSize: 8, evalEvery: 20, evalExamples: 8, logEvery: 2, checkpointEvery: 20 },
  },
  live: {
    name: 'live',
    tasks: [tiny],
    models: [xs],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-2 }, { name: 'lion', lr: 3e-3 }],
    seeds: [1],
    parallel: 1,
    train: { steps: 200, batchSize: 8, evalEvery: 200, evalExamples: 8, logEvery: 4, checkpointEvery: 200 },
  },
  partial: {
    name: 'partial',
    tasks: [tiny],
    models: [xs],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-2 }, { name: 'lion', lr: 3e-3 }],
    seeds: [1, 2],
    parallel: 1,
    // Stop is clicked (from a palette opened beforehand) once the second run has its first
    // checkpoint; the steps leave it seconds to arrive before that run ends, on an idle machine
    // too (a run of 600 steps took ~5 s there: the first attempt, stop after the first run's end
    // through the palette, came after every run had finished).
    // Few metrics lines: under load the window's rendering of fast live curves delayed the Stop by tens of seconds.
    train: { steps: 1200, batchSize: 8, evalEvery: 1200, evalExamples: 8, logEvery: 50, checkpointEvery: 20 },
  },
};

/** A safetensors file as another tool writes it: an F32 tensor and an 8-bit float one this reader does not decode. */
function opaqueFile(file: string): void {
  const header = JSON.stringify({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, q: { dtype: 'F8_E4M3', shape: [4], data_offsets: [16, 20] } });
  const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const data = Buffer.alloc(20);
  [0.5, -1.5, 2, 4].forEach((v, i) => data.writeFloatLE(v, 4 * i));
  data.set([0x38, 0x40, 0xb8, 0x00], 16);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(padded.length));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(padded), data]));
}

async function makeWorkspace(): Promise<string> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'al-flows-'));
  for (const [name, spec] of Object.entries(SPECS)) fs.writeFileSync(path.join(ws, `${name}.attention-lab.json`), JSON.stringify(spec, null, 2));
  fs.writeFileSync(path.join(ws, 'settings-like.json'), JSON.stringify({ editor: { tabSize: 2 }, files: ['a', 'b'] }, null, 2));
  opaqueFile(path.join(ws, 'opaque.safetensors'));
  // A sharded checkpoint: two shards and the index that maps every tensor to its shard.
  await writeSafetensors(path.join(ws, 'model-00001-of-00002.safetensors'), [{ name: 'embed.weight', dtype: 'F32', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }]);
  await writeSafetensors(path.join(ws, 'model-00002-of-00002.safetensors'), [{ name: 'head.weight', dtype: 'F16', shape: [2], data: [0.25, -8] }]);
  fs.writeFileSync(
    path.join(ws, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: 28 }, weight_map: { 'embed.weight': 'model-00001-of-00002.safetensors', 'head.weight': 'model-00002-of-00002.safetensors' } }, null, 2),
  );
  return ws;
}

const readRun = (dir: string): RunFile => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunFile;
/** Polls `ok` (files or the page) every 150 ms until it holds, failing with `what()` after `ms`; `ok` may throw to fail at once. */
const until = (what: () => string, ms: number, ok: () => boolean | Promise<boolean>): Promise<void> => untilEvery(what, ms, ok, 150);

/** WCAG contrast ratio of two rgb()/rgba() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((x) => Number(x) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * (r as number) + 0.7152 * (g as number) + 0.0722 * (bl as number);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('Attention Lab flows in a real VS Code (code-server)', { skip: unavailable, timeout: 1_800_000 }, () => {
  let s: Session;
  const suite = new E2eSuite({ shots: SHOTS, makeWorkspace, settings: { 'attentionLab.parallelRuns': 0 } });
  const { shot, shotOnFailure } = suite;
  const runsDir = (experiment: string): string => path.join(s.workspace, 'runs', experiment);
  const runIds = (experiment: string): string[] => (JSON.parse(fs.readFileSync(path.join(runsDir(experiment), 'experiment.json'), 'utf8')) as { runs: string[] }).runs;

  before(async () => {
    s = await suite.open();
  });
  after(() => suite.close());

  const openFile = async (name: string): Promise<void> => {
    await s.page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => undefined);
    await s.page.keyboard.press('Control+P');
    const input = s.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    await s.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
    await s.page.keyboard.press('Enter');
    await s.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
  };
  const runSpec = async (name: string): Promise<void> => {
    await runCommand(s.page, 'Attention Lab: Run Experiment…');
    await pickQuickItem(s.page, `${name}.attention-lab.json`);
    await until(() => `the experiment folder of ${name} appears`, 60_000, () => fs.existsSync(path.join(runsDir(name), 'experiment.json')));
  };
  const endToast = async (name: string, text: string): Promise<ReturnType<typeof toast>> => toast(s.page, `${name}: ${text}`, 300_000);
  const dashboardExperiment = async (): Promise<string> => {
    const dash = webview(s.page, 'editor');
    const dropdown = dash.locator('vscode-dropdown[aria-label="Experiment"]');
    await dropdown.waitFor({ timeout: 60_000 });
    return dropdown.evaluate((d) => (d as unknown as { value: string }).value);
  };
  /** Opens the dashboard (palette) on `name`, choosing it in the Experiment dropdown when another is shown. */
  const showDashboardOn = async (name: string): Promise<void> => {
    await runCommand(s.page, 'Attention Lab: Open Dashboard');
    if ((await dashboardExperiment()) === name) return;
    const dash = webview(s.page, 'editor');
    await dash.locator('vscode-dropdown[aria-label="Experiment"]').click();
    await dash.locator('vscode-option', { hasText: `${name} (` }).click();
    await until(() => `the dashboard shows "${name}"`, 30_000, async () => (await dashboardExperiment()) === name);
  };
  /**
   * A notification by its text: its toast, or its entry in the notification center (a toast
   * times out after a while; the center keeps the notification and its buttons).
   */
  const notification = async (text: string, timeout: number) => {
    const inToast = s.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    const inCenter = s.page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
    const deadline = Date.now() + timeout;
    let centerShown = false;
    for (let i = 0; ; i++) {
      if (await inToast.isVisible()) return inToast;
      if (await inCenter.isVisible()) return inCenter;
      assert.ok(Date.now() < deadline, `no notification "${text}" within ${timeout / 1000} s`);
      if (!centerShown && i >= 10 && (await s.page.locator('.notifications-center').isHidden())) {
        await runCommand(s.page, 'Notifications: Show Notifications');
        centerShown = true;
      }
      await sleep(500);
    }
  };
  const legendColors = async (): Promise<string[]> => {
    const swatches = webview(s.page, 'editor').locator('.al-chart[aria-label="curves"] .al-legend [data-series] .al-swatch');
    await swatches.first().waitFor({ timeout: 60_000 });
    return swatches.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
  };
  const assertDistinct = (colors: string[], where: string): void => {
    for (let i = 0; i < colors.length; i++) {
      for (let j = i + 1; j < colors.length; j++) {
        const d = colorDistance(colors[i] as string, colors[j] as string);
        assert.ok(d >= MIN_SERIES_DELTA, `${where}: series ${i} ${colors[i]} and ${j} ${colors[j]} are only ΔE00 ${d.toFixed(1)} apart`);
      }
    }
  };

  it('offers "Run This Spec File" for spec files only, and the run commands only once there are runs', shotOnFailure('palette', async () => {
    const item = s.page.locator('.part.activitybar .action-item [aria-label^="Attention Lab"]').first();
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    await s.page.getByText('No runs yet', { exact: false }).first().waitFor({ timeout: 60_000 });
    // No runs yet: exporting a report, resuming or comparing has nothing to work on.
    const before = await paletteTitles(s.page, 'Attention Lab: ');
    assert.ok(before.includes('Attention Lab: Run Experiment…'), before.join(' | '));
    for (const t of ['Attention Lab: Export Report…', 'Attention Lab: Resume Run', 'Attention Lab: Compare Selected Runs']) assert.ok(!before.includes(t), `"${t}" offered with no runs: ${before.join(' | ')}`);
    await openFile('settings-like.json');
    const onOther = await paletteTitles(s.page, 'Attention Lab: Run');
    assert.ok(onOther.includes('Attention Lab: Run Experiment…'), onOther.join(' | '));
    assert.ok(!onOther.includes('Attention Lab: Run This Spec File'), `offered on a JSON file that is no spec: ${onOther.join(' | ')}`);
    await openFile('six.attention-lab.json');
    const onSpec = await paletteTitles(s.page, 'Attention Lab: Run');
    assert.ok(onSpec.includes('Attention Lab: Run This Spec File'), onSpec.join(' | '));
  }));

  it('trains a 6-group experiment; every pair of series colours is tellable apart, in a dark and a light theme', shotOnFailure('colours', async () => {
    await runSpec('six');
    const done = await endToast('six', '6 completed');
    await dismissToast(done);
    await showDashboardOn('six');
    const dash = webview(s.page, 'editor');
    try {
      await setColorTheme(s.page, 'Default Dark Modern');
      await dash.locator('body.vscode-dark').waitFor({ timeout: 30_000 });
      const dark = await legendColors();
      assert.equal(dark.length, 6);
      await shot('01-six-dark', 'editor');
      assertDistinct(dark, 'Default Dark Modern');
      await setColorTheme(s.page, 'Default Light Modern');
      await dash.locator('body.vscode-light').waitFor({ timeout: 30_000 });
      const light = await legendColors();
      await shot('02-six-light', 'editor');
      assertDistinct(light, 'Default Light Modern');
    } finally {
      await setColorTheme(s.page, 'Default Dark Modern');
    }
  }));

  it('live run view: steps advance while a run trains, and only runs that started are in the legend', shotOnFailure('live-progress', async () => {
    await runSpec('live');
    const ids = runIds('live');
    const first = ids[0] as string;
    const live = webview(s.page, 'view');
    const row = live.locator(`.al-run[data-run="${first}"]`);
    // run.json says step 0 until the end (no checkpoint before it): the view must read further.
    let seen = '';
    await until(() => `${first} shows a step between 0 and 200 while it trains (last seen: "${seen}")`, 120_000, async () => {
      const runFile = path.join(runsDir('live'), first);
      if (fs.existsSync(path.join(runFile, 'run.json')) && readRun(runFile).status === 'completed') throw new Error(`${first} finished while its live row still read "${seen}"`);
      seen = (await row.innerText().catch(() => '')).replace(/\s+/g, ' ');
      const m = /running · (\d+)\/200/.exec(seen);
      return m !== null && Number(m[1]) > 0 && Number(m[1]) < 200;
    });
    await shot('03-live-progress', 'sidebar');
    // The runs still queued have no curve: no legend entry either.
    const legend = live.locator('#live-loss .al-legend [data-series]');
    await legend.first().waitFor({ timeout: 30_000 });
    const pending = await live.locator('.al-run[data-status="pending"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run')));
    assert.ok(pending.length > 0, 'some runs are still queued');
    const entries = await legend.evaluateAll((els) => els.map((e) => e.getAttribute('data-series')));
    for (const id of pending) assert.ok(!entries.includes(id), `queued run ${id} is in the legend: ${entries.join(', ')}`);
  }));

  it('the status bar item reveals the live run and does not stop it', shotOnFailure('status-bar', async () => {
    // Another view in the sidebar first, so that revealing shows.
    await runCommand(s.page, 'View: Show Explorer');
    await s.page.locator('.part.sidebar .composite.title', { hasText: /Explorer/i }).waitFor({ timeout: 30_000 });
    const item = s.page.locator('.part.statusbar .statusbar-item', { hasText: 'Attention Lab' }).first();
    await item.waitFor({ timeout: 30_000 });
    await item.click();
    await webview(s.page, 'view').locator('#live-list').waitFor({ timeout: 30_000 });
    await shot('04-status-bar-reveals', 'sidebar');
    const ids = runIds('live');
    const dirs = ids.map((id) => path.join(runsDir('live'), id));
    await until(() => 'every run of "live" ends', 300_000, () => dirs.every((d) => ['completed', 'failed', 'cancelled'].includes(readRun(d).status)));
    assert.deepEqual(dirs.map((d) => readRun(d).status), dirs.map(() => 'completed'), 'clicking the status bar item stopped nothing');
  }));

  it('"Open Dashboard" in the end-of-run notification shows the experiment that just ended', shotOnFailure('end-toast', async () => {
    // The dashboard shows another experiment when "live" ends.
    await notification('live: ', 300_000);
    await showDashboardOn('six');
    const n = await notification('live: ', 30_000);
    await n.getByRole('button', { name: 'Open Dashboard' }).click();
    if (await s.page.locator('.notifications-center').isVisible()) await runCommand(s.page, 'Notifications: Hide Notifications');
    await until(() => 'the dashboard switches to "live"', 30_000, async () => (await dashboardExperiment()) === 'live');
    await shot('05-dashboard-live', 'editor');
  }));

  it('the live run view\'s "Open dashboard" opens its experiment, without an error', shotOnFailure('live-open', async () => {
    await showDashboardOn('six');
    await runCommand(s.page, 'Attention Lab: Show Live Run').catch(async () => {
      // (older builds have no such command: the activity bar item shows the view)
      await s.page.locator('.part.activitybar .action-item [aria-label^="Attention Lab"]').first().click();
    });
    await webview(s.page, 'view').locator('vscode-button', { hasText: 'Open dashboard' }).click();
    await until(() => 'the dashboard switches to "live"', 30_000, async () => (await dashboardExperiment()) === 'live');
    const errors = await s.page.locator('.notifications-toasts .notification-toast', { hasText: 'Attention Lab:' }).filter({ has: s.page.locator('.codicon-error') }).count();
    assert.equal(errors, 0, 'an error notification appeared');
  }));

  it('the optimizer table marks no best among groups that never trained, and gives no spread for one final run', shotOnFailure('table', async () => {
    // No dashboard redrawing while the Stop must land (it opens again below).
    await runCommand(s.page, 'View: Close All Editors');
    await runSpec('partial');
    const ids = runIds('partial');
    // The second run has written a checkpoint (so it can resume) and is still training: stop now.
    const second = path.join(runsDir('partial'), ids[1] as string);
    const stop = await paletteRow(s.page, 'Attention Lab: Stop Run');
    await until(() => `${ids[1]} writes its first checkpoint`, 600_000, () => {
      if (fs.existsSync(path.join(second, 'run.json')) && readRun(second).status === 'completed') throw new Error(`${ids[1]} completed before it could be stopped`);
      return fs.existsSync(path.join(second, 'checkpoints')) && fs.readdirSync(path.join(second, 'checkpoints')).some((f) => f.endsWith('.safetensors'));
    });
    await stop.click();
    await until(() => `the Stop reaches ${ids[1]} while it trains (run.json: ${readRun(second).status}, step ${readRun(second).step})`, 120_000, () => {
      const st = readRun(second).status;
      if (st === 'completed') throw new Error(`${ids[1]} completed: the Stop came too late`);
      return st === 'cancelled';
    });
    const done = await endToast('partial', '1 completed');
    await dismissToast(done);
    const runs = ids.map((id) => readRun(path.join(runsDir('partial'), id)));
    assert.deepEqual(runs.map((r) => r.status), ['completed', 'cancelled', 'cancelled', 'cancelled']);
    const neverTrained = runs.filter((r) => r.config.optimizer.name === 'lion');
    assert.ok(neverTrained.every((r) => r.step === 0), 'the lion runs never started');

    await showDashboardOn('partial');
    const dash = webview(s.page, 'editor');
    const table = dash.locator('table.al-table[aria-label="optimizer-table"]');
    await until(() => 'the table shows the "partial" groups', 30_000, async () => (await table.locator('tbody tr').count()) === 2);
    const headers = (await table.locator('thead th').allInnerTexts()).map((h) => h.trim());
    const col = (label: string): number => {
      const i = headers.findIndex((h) => h.startsWith(label));
      assert.ok(i >= 0, `a "${label}" column: ${headers.join(' | ')}`);
      return i;
    };
    const lossCol = col('Loss@4');
    const spreadCol = lossCol + 1; // the spread of the final loss over seeds (± …)
    assert.match(headers[spreadCol] as string, /^±/);
    const rowOf = (optimizer: string) => table.locator('tbody tr').filter({ has: dash.locator('td:first-child', { hasText: `standard-${optimizer}` }) });
    const lion = rowOf('lion');
    const adamw = rowOf('adamw');
    const cells = async (r: typeof lion): Promise<string[]> => (await r.locator('td').allInnerTexts()).map((c) => c.trim());
    const lionCells = await cells(lion);
    await shot('06-table-partial', 'editor');
    for (const label of ['State KiB', 'Train s']) {
      const i = col(label);
      assert.equal(lionCells[i], '—', `${label} of a group that never trained: ${lionCells[i]}`);
      assert.equal(await lion.locator('td').nth(i).evaluate((td) => td.classList.contains('al-best')), false, `${label} of a group that never trained is marked best`);
    }
    // adamw: two seeds, one final evaluation: a mean and no spread.
    const adamwCells = await cells(adamw);
    assert.ok(Number.isFinite(Number(adamwCells[lossCol])), `adamw's final loss: ${adamwCells[lossCol]}`);
    assert.equal(adamwCells[spreadCol], '—', `spread over one final run: ${adamwCells[spreadCol]}`);
  }));

  it('Resume Run from the palette: a run without a checkpoint asks before starting over; one with a checkpoint continues', shotOnFailure('resume', async () => {
    const ids = runIds('partial');
    const lionId = ids[2] as string;
    const adamw2 = ids[1] as string;
    const lionDir = path.join(runsDir('partial'), lionId);
    const adamwDir = path.join(runsDir('partial'), adamw2);
    await runCommand(s.page, 'Attention Lab: Resume Run');
    await pickQuickItem(s.page, lionId);
    const dialog = s.page.locator('.monaco-dialog-box', { hasText: 'has no checkpoint' });
    await dialog.waitFor({ timeout: 30_000 });
    await shot('07-resume-no-checkpoint');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(readRun(lionDir).status, 'cancelled');
    assert.equal(readRun(lionDir).step, 0);

    const stepBefore = readRun(adamwDir).step;
    assert.ok(stepBefore > 0 && fs.readdirSync(path.join(adamwDir, 'checkpoints')).length > 0, `${adamw2} stopped with a checkpoint`);
    await runCommand(s.page, 'Attention Lab: Resume Run');
    await pickQuickItem(s.page, adamw2);
    const done = await endToast('partial', '1 completed');
    await dismissToast(done);
    const after = readRun(adamwDir);
    assert.equal(after.status, 'completed');
    assert.equal(after.step, SPECS.partial.train.steps);
    const trainSteps = fs.readFileSync(path.join(adamwDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number }).filter((r) => r.kind === 'train').map((r) => r.step);
    assert.deepEqual(trainSteps, [...trainSteps].sort((a, b) => a - b), 'train records in order');
    assert.equal(new Set(trainSteps).size, trainSteps.length, 'no step logged twice');
  }));

  it('Compare Selected Runs from the palette picks runs across experiments', shotOnFailure('compare', async () => {
    const a = runIds('six')[0] as string;
    const b = runIds('live')[1] as string;
    await runCommand(s.page, 'Attention Lab: Compare Selected Runs');
    await pickQuickItem(s.page, a);
    await pickQuickItem(s.page, b);
    await s.page.keyboard.press('Enter');
    const dash = webview(s.page, 'editor');
    await dash.locator('h2.al-comparison-title').waitFor({ timeout: 30_000 });
    const groups = await dash.locator('table.al-table[aria-label="optimizer-table"] tbody td:first-child').allInnerTexts();
    assert.equal(groups.length, 2, groups.join(' | '));
    await shot('08-compare', 'editor');
  }));

  it('the exported HTML report is readable on a light page and on a dark one', shotOnFailure('report', async () => {
    // The save dialog proposes <runs folder>/<experiment>-report.html: accepted as it is.
    const out = path.join(s.workspace, 'runs', 'partial-report.html');
    await runCommand(s.page, 'Attention Lab: Export Report…');
    await pickQuickItem(s.page, 'partial');
    await s.page.keyboard.press('Enter');
    const input = s.page.locator('.quick-input-widget input');
    await until(() => 'the save dialog proposes partial-report.html', 30_000, async () => (await input.inputValue().catch(() => '')).endsWith('partial-report.html'));
    await s.page.keyboard.press('Enter');
    await toast(s.page, 'report written');
    await until(() => `${out} is written`, 30_000, () => fs.existsSync(out));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1200, height: 900 } });
        await page.goto(`file://${out}`);
        const box = page.locator('vscode-checkbox').filter({ hasText: /Log (y|scale)/ });
        await box.waitFor({ timeout: 30_000 });
        await page.screenshot({ path: path.join(SHOTS, `09-report-${scheme}.png`) });
        const [fg, bg] = await box.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(document.body).backgroundColor]);
        assert.ok(contrast(fg as string, bg as string) >= 4.5, `${scheme}: "Log y" ${fg} on ${bg} has contrast ${contrast(fg as string, bg as string).toFixed(2)} < 4.5`);
        const dropdown = page.locator('vscode-dropdown').first();
        const [dfg, dbg] = await dropdown.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
        assert.ok(contrast(dfg as string, dbg as string) >= 4.5, `${scheme}: a dropdown ${dfg} on ${dbg}`);
        assert.ok(contrast(dbg as string, bg as string) < 3, `${scheme}: the dropdown's background ${dbg} stands out from the page ${bg} like a control of the other theme`);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }));

  it('opens a safetensors file with a dtype it does not decode: that tensor is listed as opaque, the others read', shotOnFailure('opaque', async () => {
    await openFile('opaque.safetensors');
    const inspector = webview(s.page, 'editor');
    const q = inspector.locator('#tensors-model tr[data-tensor="q"]');
    await q.waitFor({ timeout: 60_000 });
    assert.match(await q.innerText(), /F8_E4M3[\s\S]*opaque: 4 B of F8_E4M3, not decoded/);
    const w = inspector.locator('#tensors-model tr[data-tensor="w"]');
    await w.locator('td.num').first().waitFor({ timeout: 60_000 });
    const cells = (await w.locator('td').allInnerTexts()).map((c) => c.trim());
    assert.deepEqual(cells.slice(0, 5), ['w', '[2, 2]', 'F32', '-1.5', '4']);
    await shot('10-opaque', 'editor');
  }));

  it('opens a sharded checkpoint by its index as one file', shotOnFailure('sharded', async () => {
    await openFile('model.safetensors.index.json');
    const inspector = webview(s.page, 'editor');
    await inspector.locator('#summary', { hasText: '2 shards' }).waitFor({ timeout: 60_000 });
    const head = inspector.locator('#tensors-model tr[data-tensor="head.weight"]');
    await head.locator('td.num').first().waitFor({ timeout: 60_000 });
    const cells = (await head.locator('td').allInnerTexts()).map((c) => c.trim());
    assert.deepEqual([cells[0], cells[1], cells[2], cells[3], cells[4], cells.at(-1)], ['head.weight', '[2]', 'F16', '-8', '0.25', 'model-00002-of-00002.safetensors']);
    await shot('11-sharded', 'editor');
  }));

  it('logged no Content-Security-Policy violation and no error from the extension', shotOnFailure('console', async () => {
    const ours = s.consoleErrors().filter((e) => e.includes('Content Security Policy') || /attention-?lab/i.test(e));
    assert.deepEqual(ours, []);
  }));

  it('writes nothing to its closed output channel when the window reloads (the extension host shuts it down)', shotOnFailure('shutdown', async () => {
    // The backend is running (it trained the experiments): the reload disposes it with the extension.
    await runCommand(s.page, 'Developer: Reload Window');
    await s.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The old extension host logs its exit when it is done: only then is its log complete.
    await until(() => 'the first extension host logs its exit', 60_000, () => /Extension host with pid \d+ exiting/.test(s.extensionHostLogs()));
    // Log entries start with a time stamp; an entry is ours when its stack passes through our bundle.
    const entries = s.extensionHostLogs().split(/\n(?=\d{4}-\d\d-\d\d )/);
    const ours = entries.filter((e) => e.includes('Channel has been closed') && e.includes('attention-lab'));
    assert.deepEqual(ours, [], 'the extension wrote to its output channel after it was closed');
  }));
});

if (unavailable) it(`flows suite skipped: ${unavailable}`, { skip: true }, () => undefined);
