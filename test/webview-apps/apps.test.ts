/**
 * The four webview apps in a real Chromium under the extension's CSP, fed fixture data the way
 * the host feeds it (after `webview/ready`), with a fake acquireVsCodeApi that records posts.
 * Asserts that the charts show the fixture's values, that controls post the right messages and
 * keep state, and saves screenshots in test-results/apps/.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { ANALYSIS_VERSION } from '../../src/protocol/analysis';
import type { RunConfig } from '../../src/protocol/config';
import type { ExperimentSnapshot } from '../../src/protocol/viewData';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';
import { readExperimentSnapshot } from '../../src/core/report/readExperiments';
import { writeHtmlReport } from '../../src/core/report/htmlReport';
import { headerView, tensorDetail, tensorStatsOf } from '../../src/extension/views/inspector/checkpointData';
import { liveRunEntries } from '../../src/extension/views/liveRunEntries';
import { createNar } from '../../src/engine/nar/narModel';
import { initBackend } from '../../src/engine/backend';
import { saveNar } from '../../src/engine/nar/narCheckpoint';
import { quickConfigs, tempDir, writeCheckpoint, writeExperiment, writeRun } from '../views/fixtures';
import { appTestsUnavailable, darkTheme, launch, openApp, root, shotDir } from './appPage';

const unavailable = appTestsUnavailable();
// Run inside the page by Playwright (this file is type-checked without the DOM library).
declare const getComputedStyle: (e: unknown) => { backgroundColor: string };
const { dir, cleanup } = tempDir('al-apps-test-');
/** The stroke of the lion group's line in the dashboard (dark theme), for the live view's colour check. */
let dashboardLionStroke: string | null = null;

/** A small analysis.json: 1 layer × 2 heads, lengths 8 and 12, one 4-token pattern input. */
function analysisFixture(config: RunConfig): unknown {
  const heads = ['L0.H0', 'L0.H1'];
  return {
    version: ANALYSIS_VERSION,
    kind: 'run-analysis',
    runId: config.id,
    experiment: 'quick',
    entropy: {
      heads,
      layers: 1,
      headsPerLayer: 2,
      lengths: [8, 12],
      tokens: [18, 26],
      beyondTraining: [false, true],
      meanNormalized: { rowLabels: heads, columnLabels: ['8', '12'], values: [[0.5, 0.45], [0.9, null]] },
      meanEntropy: { rowLabels: heads, columnLabels: ['8', '12'], values: [[1.25, 1.5], [2.6, 3.1]] },
      perPosition: [],
      slopes: [null, null],
      meanSlope: null,
      minimum: null,
    },
    patterns: {
      inputs: [
        {
          length: 2,
          text: 'key: [3 1] | sorted: [1 3]',
          tokens: ['3', '1', '|', '1'],
          probabilities: [
            [
              [[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.2, 0.3, 0.5, 0], [0.1, 0.6, 0.1, 0.2]],
              [[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0.1, 0.1, 0.8, 0], [0.25, 0.25, 0.25, 0.25]],
            ],
          ],
        },
      ],
    },
    randomized: {
      rseBits: 8,
      length: 8,
      inputs: 4,
      seeds: 4,
      outputPositions: ['a0', 'a1'],
      pCorrectVariance: { rowLabels: ['i0', 'i1'], columnLabels: ['a0', 'a1'], values: [[0, 0.01], [0.02, 0]] },
      pCorrectMean: { rowLabels: ['i0', 'i1'], columnLabels: ['a0', 'a1'], values: [[0.9, 0.8], [0.7, 0.6]] },
      seedSpread: { rowLabels: ['i0', 'i1'], columnLabels: ['a0', 'a1'], values: [[0.1, 0], [0.8, 0]] },
      properlyRandom: { bound: 0.5, fraction: 0.25, meanSpread: 0.3 },
      answerVariance: { mean: 0.01, p95: 0.02 },
      success: { mean: 0.5, p5: 0, atZero: 0.25, atOne: 0.25, histogram: { edges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], fractions: [0.25, 0, 0, 0, 0, 0.5, 0, 0, 0, 0.25] } },
      accuracy: 0.5,
      majorityVote: { seeds: [1, 2, 3, 4], accuracy: [0.5, 0.5, 0.75, 0.75] },
      loss: { mean: 1, p95: 2, worst: 3, qNorm: [] },
      adversarial: {
        pairs: 4,
        capacity: 2,
        values: 8,
        seeds: 4,
        inputs: 4,
        meanError: 0.45,
        worstKeyError: 0.875,
        worstKeyMajorityError: 0.5,
        matchedCapacity: 1.94,
        matchedStore: { capacity: 1.94, seeds: 4, trials: 100, random: { meanError: 0.45, worstKeyError: 0.71, worstKeyMajorityError: 0.3, worstKeyErrorBand: [0.6, 0.8] }, deterministic: { meanError: 0.45, worstKeyError: 0.98 } },
        taskStore: { capacity: 2, seeds: 4, trials: 100, random: { meanError: 0.44, worstKeyError: 0.7, worstKeyMajorityError: 0.29, worstKeyErrorBand: [0.6, 0.8] }, deterministic: { meanError: 0.44, worstKeyError: 0.98 } },
      },
    },
    entropyOverTraining: null,
    optimizer: null,
  };
}

describe('webview apps in Chromium', { skip: unavailable }, () => {
  let browser: Browser;
  let experiment: ExperimentSnapshot;
  const configs = quickConfigs();
  const seed2 = configs.slice(0, 2).map((c) => ({ ...c, seed: 2, id: c.id.replace(/-s1$/, '-s2') }));

  before(async () => {
    const exp = writeExperiment(dir, 'quick', [...configs.slice(0, 2), ...seed2]);
    writeRun(exp, configs[0]!, { status: 'completed', steps: 200, a: 2, entropy: true, optim: true });
    writeRun(exp, seed2[0]!, { status: 'completed', steps: 200, a: 3, optim: true });
    writeRun(exp, configs[1]!, { status: 'running', steps: 100, a: 1, optim: true });
    writeRun(exp, seed2[1]!, { status: 'running', steps: 100, a: 1.5, optim: true });
    fs.writeFileSync(path.join(exp, configs[0]!.id, 'analysis.json'), JSON.stringify(analysisFixture(configs[0]!)));
    experiment = readExperimentSnapshot(exp);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    cleanup();
  });

  it('dashboard: empty state, then curves with seed bands, the comparison table and the analysis charts', async () => {
    const app = await openApp(browser, 'dashboard');
    await darkTheme(app.page);
    await app.send({ type: 'dashboard/data', experiments: [], focus: null, comparison: null });
    assert.match(await app.page.locator('[role=status]').first().innerText(), /No runs yet/);

    await app.send({ type: 'dashboard/data', experiments: [experiment], focus: 'quick', comparison: null });
    const curves = app.page.locator('#card-curves');
    // Two seed groups → two lines, each with a std band (two seeds at every step).
    assert.equal(await curves.locator('path.al-line').count(), 2);
    assert.equal(await curves.locator('path.al-band').count(), 2);
    const legend = await curves.locator('.al-legend').innerText();
    assert.match(legend, new RegExp(`${configs[0]!.id.replace(/-s1$/, '')} \\(2 seeds\\)`));

    const table = app.page.locator('#card-optimizer-table table');
    const text = await table.innerText();
    assert.match(text, /adamw/);
    assert.match(text, /lion/);
    // Final exact at n=8 is 0.5 for both completed runs of the first group: mean 0.500, std 0.000.
    const firstRow = await table.locator('tbody tr').first().innerText();
    assert.match(firstRow, /0\.500/);

    // Entropy heatmap: 2 heads × 2 lengths, one missing cell; ln T markers.
    const ent = app.page.locator('#card-entropy-heatmap');
    assert.equal(await ent.locator('rect.al-cell').count(), 4);
    assert.match(await ent.innerText(), /L0\.H1/);
    // Attention pattern viewer: canvas, layer/head pickers.
    assert.equal(await app.page.locator('#card-attention-pattern canvas').count() >= 1, true);
    // Length generalization: 2 groups × 2 lengths.
    assert.equal(await app.page.locator('#card-length-generalization rect.al-cell').count(), 4);
    // Randomized seeds: the per-input success histogram (10 bins: 1 input at 0, 2 at 0.5, 1 at 1), the
    // caption with the properly-random measure, and the adversary beside the simulated ideal stores.
    const hist = app.page.locator('#card-success-histogram');
    assert.deepEqual(await hist.locator('rect.al-bin').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count')))), [1, 0, 0, 0, 0, 2, 0, 0, 0, 1]);
    assert.match(await hist.innerText(), /properly random on 0\.25 of the inputs/);
    const adversary = app.page.locator('#card-adversary table');
    assert.equal(await adversary.locator('tbody tr').count(), 5);
    assert.match(await adversary.innerText(), /ideal random store, matched capacity/);
    await app.page.screenshot({ path: path.join(shotDir, 'dashboard.png'), fullPage: true });

    // Controls keep state and the trace button posts a checked request.
    await app.page.locator('vscode-checkbox:has-text("Log y")').click();
    await app.page.locator('vscode-button:has-text("Trace")').click();
    const posted = await app.posted();
    const trace = posted.find((m) => m.type === 'paths/trace');
    assert.ok(trace, 'the Trace button asks the host for paths');
    const experimentOptimizers = [...new Map(experiment.runs.map((r) => [r.run.config.optimizer.name, r.run.config.optimizer])).values()];
    assert.deepEqual(trace.optimizers, experimentOptimizers, "the request carries the experiment's optimizers, every hyper-parameter");
    const state = (await app.page.evaluate(() => (globalThis as unknown as { __state(): unknown }).__state())) as { logY: boolean };
    assert.equal(state.logY, false);

    // Live metrics append to the curves.
    const before = await curves.locator('path.al-line').first().getAttribute('d');
    await app.send({
      type: 'run/metrics',
      experiment: 'quick',
      runId: configs[1]!.id,
      records: [{ kind: 'train', step: 500, loss: 0.01, accuracy: 1, gradNorm: 1, updateNorm: 1, lr: 1, nanEvents: 0, wallTime: 1, length: 8 }],
      replace: false,
    });
    const lines = await curves.locator('path.al-line').evaluateAll((els) => els.map((e) => e.getAttribute('d')));
    assert.ok(lines.some((d) => d !== before) || lines.length === 2);
    assert.deepEqual(await app.violations(), []);
    await app.page.close();
  });

  it('dashboard: curve controls (band kind, runs, wall time, raw under smoothed, zoom), group by, filter, stable colours', async () => {
    const app = await openApp(browser, 'dashboard');
    await darkTheme(app.page);
    await app.send({ type: 'dashboard/data', experiments: [experiment], focus: 'quick', comparison: null });
    const page = app.page;
    const curves = page.locator('#card-curves');
    const state = async (): Promise<Record<string, unknown>> => (await page.evaluate(() => (globalThis as unknown as { __state(): unknown }).__state())) as Record<string, unknown>;
    const choose = async (label: string, option: string): Promise<void> => {
      await page.locator(`vscode-dropdown[aria-label="${label}"]`).first().click();
      await page.locator(`vscode-dropdown[aria-label="${label}"] vscode-option`, { hasText: option }).first().click();
    };
    const swatch = async (card: string, series: string): Promise<string> =>
      page.locator(`#card-${card} .al-legend [data-series="${series}"] .al-swatch`).evaluate((e) => getComputedStyle(e).backgroundColor);
    const [adamw, lion] = [configs[0]!.id.replace(/-s1$/, ''), configs[1]!.id.replace(/-s1$/, '')];

    // Smoothing 0.6 (the default): the raw values faint under each smoothed line.
    assert.equal(await curves.locator('path.al-raw').count(), 2);
    // Colours: a group has one colour in the curves and in every optimizer chart.
    const lionColour = await swatch('curves', lion);
    dashboardLionStroke = await curves.locator(`path.al-line[data-series="${lion}"]`).getAttribute('stroke');
    for (const card of ['optim-updateRms', 'optim-signAgreement', 'optim-weightRms', 'optim-nanEvents']) assert.equal(await swatch(card, lion), lionColour, card);

    // The optimizer section: grouped curves with bands, the state size, the per-tensor update RMS.
    const upd = page.locator('#card-optim-updateRms');
    assert.equal(await upd.locator('path.al-line').count(), 2);
    assert.equal(await upd.locator('path.al-band').count(), 2);
    assert.equal(await page.locator('#card-optim-state rect.al-bar').count(), 2);
    assert.equal(await page.locator('#card-optim-tensor-update rect.al-cell').count(), 2 * 20, '2 tensors × 20 logged steps of the adamw group');
    const nan = page.locator('#card-optim-nanEvents');
    // Cumulative NaN events: 0 until step 20, then 1 in every run: the top tick is 1.
    assert.ok((await nan.locator('.al-y-axis .tick text').allTextContents()).includes('1'));

    // Band kinds: min–max and none.
    await choose('Band', 'min–max');
    assert.equal((await state()).band, 'minmax');
    assert.equal(await page.locator('#card-curves path.al-band').count(), 2);
    await choose('Band', 'none');
    assert.equal(await page.locator('#card-curves path.al-band').count(), 0);
    await choose('Band', '± std');

    // Individual runs: a thin line per run, in its group's colour.
    await page.locator('vscode-checkbox', { hasText: 'Individual runs' }).click();
    const members = page.locator('#card-curves path.al-member');
    assert.equal(await members.count(), 4);
    assert.equal(await page.locator(`#card-curves path.al-member[data-member-of="${lion}"]`).first().getAttribute('stroke'), await page.locator(`#card-curves path.al-line[data-series="${lion}"]`).getAttribute('stroke'));
    await page.locator('vscode-checkbox', { hasText: 'Individual runs' }).click();

    // Wall time on x: durations on the axis.
    await choose('x axis', 'wall time');
    assert.ok((await page.locator('#card-curves .al-x-axis .tick text').allTextContents()).some((t) => /^[\d.]+s$/.test(t)), 'durations on the x axis');
    await choose('x axis', 'step');

    // Drag across the plot: zoomed to that window, with a reset.
    const overlay = page.locator('#card-curves rect.al-overlay');
    const box = await overlay.boundingBox();
    assert.ok(box !== null);
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const zoom = ((await state()).zoom as Record<string, [number, number]>).curves;
    assert.ok(zoom && zoom[0] > 40 && zoom[1] < 110 && zoom[1] > zoom[0], `zoomed to ${zoom}`);
    const ticks = (await page.locator('#card-curves .al-x-axis .tick text').allTextContents()).map(Number);
    assert.ok(Math.min(...ticks) >= zoom[0] - 1e-9 && Math.max(...ticks) <= zoom[1] + 1e-9, `ticks ${ticks} inside ${zoom}`);
    await page.screenshot({ path: path.join(shotDir, 'dashboard-zoomed.png') });
    await page.locator('#card-curves .al-zoom-reset').click();
    assert.equal(((await state()).zoom as Record<string, unknown>).curves, undefined);
    assert.equal(await page.locator('#card-curves .al-zoom-reset').count(), 0);
    // The keyboard: Tab reaches the plot, + zooms around the crosshair (Home: step 0), 0 resets.
    await page.locator('#card-curves svg.al-plot').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('+');
    const keyed = ((await state()).zoom as Record<string, [number, number]>).curves;
    assert.ok(keyed && keyed[0] === 0 && Math.abs(keyed[1] - 95) < 1e-9, `keyboard zoom of [0, 190] to its first half: ${keyed}`);
    await page.locator('#card-curves svg.al-plot').focus();
    await page.keyboard.press('0');
    assert.equal(((await state()).zoom as Record<string, unknown>).curves, undefined);

    // Group by optimizer: one line per optimizer, the table's rows too.
    await choose('Group by', 'optimizer');
    assert.deepEqual(await page.locator('#card-curves .al-legend [data-series]').evaluateAll((els) => els.map((e) => e.getAttribute('data-series'))), ['adamw', 'lion']);
    assert.equal(await page.locator('#card-optimizer-table tbody tr').count(), 2);
    await choose('Group by', 'everything but the seed');

    // Filter: only the lion runs; lion keeps its colour.
    const filter = page.getByRole('textbox', { name: 'Filter runs' });
    await filter.fill('lion');
    await page.locator('#filter-count', { hasText: '2 of 4 runs' }).waitFor();
    assert.equal(await page.locator('#card-curves path.al-line').count(), 1);
    assert.equal(await swatch('curves', lion), lionColour, 'a group keeps its colour when others are filtered out');
    await page.screenshot({ path: path.join(shotDir, 'dashboard-filtered.png'), fullPage: true });
    await filter.fill('/adamw-s[12]$/');
    await page.locator('#filter-count', { hasText: '2 of 4 runs match the filter "/adamw' }).waitFor();
    assert.deepEqual(await page.locator('#card-curves .al-legend [data-series]').evaluateAll((els) => els.map((e) => e.getAttribute('data-series'))), [adamw]);

    // A light theme: every chart redraws in its colours (series, grid, text), no reload.
    const darkStroke = await page.locator(`#card-curves path.al-line[data-series="${adamw}"]`).getAttribute('stroke');
    await filter.fill('');
    await page.locator('#filter-count').waitFor({ state: 'detached' });
    await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { body: { className: string }; documentElement: { style: { setProperty(k: string, v: string): void } } } }).document;
      const vars: Record<string, string> = { '--vscode-editor-background': '#ffffff', '--vscode-foreground': '#3b3b3b', '--vscode-editor-foreground': '#3b3b3b', '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171' };
      for (const [k, v] of Object.entries(vars)) d.documentElement.style.setProperty(k, v);
      d.body.className = 'vscode-light';
    });
    await page.waitForFunction((dark) => {
      const el = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } }).document.querySelector('#card-curves path.al-line');
      return el !== null && el.getAttribute('stroke') !== dark;
    }, darkStroke);
    await page.screenshot({ path: path.join(shotDir, 'dashboard-light.png'), fullPage: true });
    assert.deepEqual(await app.violations(), []);
    await app.page.close();
  });

  it('dashboard: a restored panel comes back with its saved state', async () => {
    const app = await openApp(browser, 'dashboard', { state: { metric: 'train:gradNorm', logY: false, smoothing: 0 } });
    await app.send({ type: 'dashboard/data', experiments: [experiment], focus: null, comparison: null });
    const metricSelect = app.page.locator('vscode-dropdown[aria-label="Metric"]');
    assert.equal(await metricSelect.evaluate((e) => (e as unknown as { value: string }).value), 'train:gradNorm');
    assert.match((await app.page.locator('#card-curves .al-y-title').textContent()) ?? '', /gradNorm/);
    await app.page.close();
  });

  it('dashboard: a comparison of selected runs, saved in the state, with a way back to the experiment', async () => {
    const app = await openApp(browser, 'dashboard');
    const selected = experiment.runs.filter((r) => r.run.id === configs[0]!.id || r.run.id === seed2[0]!.id);
    const snapshot = { ...experiment, name: 'Comparison of 2 selected runs', runs: selected, summary: null };
    const runDirs = selected.map((r) => r.dir);
    await app.send({ type: 'dashboard/data', experiments: [experiment], focus: null, comparison: { runDirs, snapshot } });
    assert.equal(await app.page.locator('h2.al-comparison-title').innerText(), 'Comparison of 2 selected runs');
    // The two seeds of one configuration: one line with its seed band, not the experiment's two groups.
    assert.equal(await app.page.locator('#card-curves path.al-line').count(), 1);
    assert.equal(await app.page.locator('#card-curves path.al-band').count(), 1);
    const state = (): Promise<unknown> => app.page.evaluate(() => (globalThis as unknown as { __state: () => unknown }).__state());
    assert.deepEqual(((await state()) as { compare: unknown }).compare, runDirs);

    await app.page.locator('vscode-button:has-text("Show whole experiment")').click();
    const last = (await app.posted()).at(-1);
    assert.deepEqual([last?.type, last?.experiment], ['dashboard/open', 'quick']);
    assert.equal(await app.page.locator('h2.al-comparison-title').count(), 0);
    assert.equal(await app.page.locator('#card-curves path.al-line').count(), 2);
    assert.equal(((await state()) as { compare: unknown }).compare, null);
    assert.deepEqual(await app.violations(), []);
    await app.page.close();
  });

  it('live-run view: loss per run, progress and the newest entropy', async () => {
    const app = await openApp(browser, 'liveRun', { width: 360, height: 700 });
    await darkTheme(app.page);
    await app.send({ type: 'liveRun/state', runs: [] });
    assert.match(await app.page.locator('[role=status]').innerText(), /No runs yet/);
    await app.send({ type: 'liveRun/state', runs: liveRunEntries([experiment]) });
    assert.equal(await app.page.locator('#live-loss path.al-line').count(), 4);
    // A configuration has its dashboard colour here too; its second seed is dashed.
    const stroke = (id: string) => app.page.locator(`#live-loss path.al-line[data-series="${id}"]`).getAttribute('stroke');
    assert.equal(await stroke(seed2[1]!.id), await stroke(configs[1]!.id));
    assert.notEqual(await stroke(configs[0]!.id), await stroke(configs[1]!.id));
    if (dashboardLionStroke !== null) assert.equal(await stroke(configs[1]!.id), dashboardLionStroke, 'the same colour as in the dashboard');
    assert.notEqual(await app.page.locator(`#live-loss path.al-line[data-series="${seed2[1]!.id}"]`).getAttribute('stroke-dasharray'), null);
    const first = app.page.locator(`[data-run="${configs[0]!.id}"]`);
    assert.match(await first.innerText(), /attention entropy H = 1\.45 nats \(uniform: ln T = 2\.89\), h = 0\.50 at step 200/);
    const running = app.page.locator(`[data-run="${configs[1]!.id}"] [role=progressbar]`);
    assert.equal(await running.getAttribute('aria-valuenow'), '100');
    await app.page.locator('vscode-button:has-text("Open dashboard")').click();
    assert.ok((await app.posted()).some((m) => m.type === 'dashboard/open'));
    await app.page.screenshot({ path: path.join(shotDir, 'liveRun.png'), fullPage: true });
    await app.page.close();
  });

  it('checkpoint inspector: header, stats as they arrive, histogram and heatmap of the selected tensor, probe request', async () => {
    const file = path.join(dir, 'step-10.safetensors');
    await writeCheckpoint(file, configs[0]!);
    const st = await openSafetensors(file);
    const app = await openApp(browser, 'inspector');
    await darkTheme(app.page);
    try {
      await app.send({ type: 'checkpoint/header', header: headerView(st) });
      assert.match(await app.page.locator('#summary').innerText(), /Attention Lab checkpoint · run/);
      assert.equal(await app.page.locator('#tensors-model tbody tr').count(), 2);
      assert.equal(await app.page.locator('#tensors-optimizer tbody tr').count(), 1);
      assert.match(await app.page.locator('#tensors-model').innerText(), /reading…/);
      await app.send({ type: 'checkpoint/stats', stats: [{ name: 'lnf.gain', stats: await tensorStatsOf(st, 'lnf.gain') }], done: true });
      const gain = await app.page.locator('tr[data-tensor="lnf.gain"]').innerText();
      assert.match(gain, /\b1\b.*\b1\b.*\b1\b/s, 'NaN count 1, zero count 1, mean 1');
      await app.page.locator('tr[data-tensor="embed.token"]').click();
      const req = (await app.posted()).filter((m) => m.type === 'tensor/get');
      assert.equal(req.at(-1)?.name, 'embed.token');
      await app.reply('tensor/get', await tensorDetail(st, 'embed.token'));
      assert.ok((await app.page.locator('#card-tensor-histogram rect.al-bin').count()) > 0);
      assert.equal(await app.page.locator('#card-tensor-heatmap rect.al-cell').count(), 150 * 5);
      await app.page.locator('#probe-input').fill('3 1 2 |');
      await app.page.locator('#probe vscode-button:has-text("Run")').click();
      const probe = (await app.posted()).find((m) => m.type === 'attention/probe');
      assert.equal(probe?.input, '3 1 2 |');
      await app.reply('attention/probe', { tokens: ['3', '1'], layers: 1, heads: 1, patterns: [[[1, 0, 0.4, 0.6]]], predictions: ['1', '3'] });
      assert.match(await app.page.locator('#probe-predictions').innerText(), /1 3/);
      await app.page.screenshot({ path: path.join(shotDir, 'inspector.png'), fullPage: true });
      assert.deepEqual(await app.violations(), []);
    } finally {
      await st.close();
      await app.page.close();
    }
  });

  it('checkpoint inspector: a NAR checkpoint grouped by encoders, processor and decoders; a TransNAR probe with node labels', async () => {
    await initBackend('cpu');
    const file = path.join(dir, 'nar.safetensors');
    const nar = createNar({ algorithm: 'bfs', hidden: 4 }, 1);
    await saveNar(file, nar, { train: { hidden: 4, steps: 10, batchSize: 2, lr: 1e-3, trainLengths: [4, 5], evalLengths: [5, 8], hintWeight: 1, seed: 1, taskOptions: {} }, eval: [{ length: 5, accuracy: 0.9, exact: 0.5 }, { length: 8, accuracy: 0.8, exact: 0.25 }], createdAt: '2026-01-01T00:00:00Z' });
    nar.dispose();
    const st = await openSafetensors(file);
    const app = await openApp(browser, 'inspector');
    await darkTheme(app.page);
    try {
      await app.send({ type: 'checkpoint/header', header: headerView(st) });
      assert.match(await app.page.locator('#summary').innerText(), /NAR checkpoint · bfs · hidden 4 · pretrained 10 steps on sizes 4, 5 · output accuracy n=5 0\.9, n=8 0\.8/);
      assert.equal(await app.page.locator('#tensors-model').count(), 0, 'no plain model table');
      assert.equal(await app.page.locator('#tensors-nar-encoders tbody tr').count(), 6, 'pos, s and A: kernel and bias each');
      assert.ok((await app.page.locator('#tensors-nar-processor tbody tr').count()) >= 10);
      assert.ok((await app.page.locator('#tensors-nar-decoders tbody tr').count()) >= 6);
      assert.match(await app.page.locator('#tensors-nar-processor caption').innerText(), /shared by every message-passing step/);
      await app.page.screenshot({ path: path.join(shotDir, 'inspector-nar.png'), fullPage: true });
      assert.deepEqual(await app.violations(), []);
    } finally {
      await st.close();
      await app.page.close();
    }
    // A TransNAR model's checkpoint: the probe shows the cross-attention to the nodes of the typed graph.
    const ck = path.join(dir, 'tn-step-10.safetensors');
    await writeCheckpoint(ck, configs[0]!);
    const st2 = await openSafetensors(ck);
    const app2 = await openApp(browser, 'inspector');
    try {
      const h = headerView(st2);
      const link = { checkpoint: '../nar/bfs.safetensors', layers: [1], algorithm: 'bfs' as const, hidden: 4, source: { kind: 'pretrain' as const, train: { hidden: 4, steps: 10, batchSize: 2, lr: 1e-3, trainLengths: [4], evalLengths: [4], hintWeight: 1, seed: 1, taskOptions: {} } } };
      const header = { ...h, checkpoint: h.checkpoint ? { ...h.checkpoint, runConfig: { ...h.checkpoint.runConfig, model: { ...h.checkpoint.runConfig.model, nar: link } } } : null };
      await app2.send({ type: 'checkpoint/header', header });
      assert.match(await app2.page.locator('#summary').innerText(), /TransNAR: blocks 1 cross-attend to a frozen bfs NAR \(hidden 4/);
      assert.match(await app2.page.locator('#probe-nar-hint').innerText(), /type a whole CLRS-Text prompt/);
      await app2.page.locator('#probe-input').fill('x');
      await app2.page.locator('#probe vscode-button:has-text("Run")').click();
      const probe = (await app2.posted()).find((m) => m.type === 'attention/probe');
      assert.equal(probe?.input, 'x');
      const T = 3;
      const cross = { blocks: [1], nodes: ['0', '1'], patterns: [[[1, 0, 0.5, 0.5, 0.2, 0.8], [0, 1, 0.5, 0.5, 0.9, 0.1]]] };
      await app2.reply('attention/probe', { tokens: ['a', 'b', 'c'], layers: 1, heads: 2, patterns: [[new Array(T * T).fill(1 / T), new Array(T * T).fill(1 / T)]], predictions: ['a', 'b', 'c'], cross });
      const card = app2.page.locator('#card-probe-cross-attention');
      await card.waitFor();
      assert.equal(await card.locator('rect.al-cell').count(), T * 2, 'tokens × nodes');
      assert.match(await card.innerText(), /node 0/);
      assert.deepEqual(await app2.violations(), []);
    } finally {
      await st2.close();
      await app2.page.close();
    }
  });

  it('checkpoint inspector: a malformed file shows its error', async () => {
    const app = await openApp(browser, 'inspector');
    const bad = path.join(dir, 'bad.safetensors');
    fs.writeFileSync(bad, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    const err = await openSafetensors(bad).then(
      () => null,
      (e: unknown) => (e as Error).message,
    );
    assert.ok(err);
    await app.send({ type: 'checkpoint/error', message: err });
    assert.match(await app.page.locator('#error').innerText(), /bad\.safetensors.*header length/s);
    await app.page.screenshot({ path: path.join(shotDir, 'inspector-error.png') });
    await app.page.close();
  });

  it('the HTML report opens from disk and shows the same charts', async () => {
    const out = path.join(shotDir, 'report.html');
    writeHtmlReport(out, [experiment.dir], { reportScript: path.join(root, 'dist/webview/report.js') });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(out).href);
    await page.locator('#card-curves path.al-line').first().waitFor();
    assert.equal(await page.locator('#card-curves path.al-line').count(), 2);
    assert.equal(await page.locator('#card-entropy-heatmap rect.al-cell').count(), 4);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(shotDir, 'report.png'), fullPage: true });
    await page.close();
  });
});
