/**
 * The README's quick start, as a new user does it, in a real VS Code (code-server + chromium):
 * the packaged .vsix installed into a fresh code-server, an empty folder, the `quick` preset run
 * from the command palette to the end (6 runs, 1,000 steps each, on the default backend), then
 * the organising controls on what it wrote — tags and a note on a run, renaming the experiment —
 * and "New Experiment Spec". The longest suite: the quick preset trains for real (80–101 s on an
 * idle 2-core machine, several minutes under load). Screenshots: test-results/e2e/quickstart/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import type { RunFile } from '../../src/protocol/runFolder';
import { SCREENSHOTS, dismissToast, runCommand, toast, unavailableReason, webview, type Session } from './codeServer';
import { E2eSuite, sleep, until } from './suite';

const unavailable = unavailableReason();
const SHOTS = path.join(SCREENSHOTS, 'quickstart');

describe('the quick start from the packaged .vsix in a real VS Code (code-server)', { skip: unavailable, timeout: 2_400_000 }, () => {
  let s: Session;
  // The packaged extension with the user's defaults: no settings of ours.
  const suite = new E2eSuite({ shots: SHOTS, makeWorkspace: () => fs.mkdtempSync(path.join(os.tmpdir(), 'al-quickstart-')) });
  const { shot, shotOnFailure } = suite;
  const runsDir = (name: string): string => path.join(s.workspace, 'runs', name);
  const readRun = (dir: string): RunFile => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunFile;
  const tree = (): Locator => s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Runs' }) });
  /** Right-clicks a row of the Runs view and chooses a context-menu entry. */
  const contextMenu = async (row: Locator, entry: string): Promise<void> => {
    await row.click({ button: 'right' });
    const item = s.page.locator('.context-view .monaco-menu .action-item', { hasText: entry }).first();
    await item.waitFor({ timeout: 30_000 });
    // VS Code's menu ignores a click that comes right after it opened (it stayed open in this
    // suite): hover to focus the entry, then Enter, as a keyboard user would.
    await sleep(500);
    await item.hover();
    await s.page.keyboard.press('Enter');
    await s.page.locator('.context-view .monaco-menu').waitFor({ state: 'hidden', timeout: 30_000 });
  };
  const answerInput = async (text: string): Promise<void> => {
    const input = s.page.locator('.quick-input-widget .quick-input-box input').first();
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(text);
    await s.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 30_000 });
  };

  before(async () => {
    s = await suite.open();
  });
  after(() => suite.close());

  it('step 1: Run Experiment → quick trains its 6 runs to the end', shotOnFailure('quick', async () => {
    // An empty folder: the Attention Lab view in the activity bar, with its welcome, comes first.
    const item = s.page.locator('.part.activitybar .action-item [aria-label^="Attention Lab"]').first();
    await item.waitFor({ timeout: 120_000 });
    await item.click();
    await s.page.getByText('No runs yet', { exact: false }).first().waitFor({ timeout: 120_000 });
    await shot('00-welcome', 'sidebar');
    const started = Date.now();
    await runCommand(s.page, 'Attention Lab: Run Experiment…');
    const row = s.page.locator('.quick-input-list .monaco-list-row').filter({ has: s.page.locator('.label-name', { hasText: /^\s*quick\s*$/ }) }).first();
    await row.waitFor({ timeout: 120_000 });
    await row.click();
    await until(() => 'runs/quick/experiment.json is written', 120_000, () => fs.existsSync(path.join(runsDir('quick'), 'experiment.json')));
    const ids = (JSON.parse(fs.readFileSync(path.join(runsDir('quick'), 'experiment.json'), 'utf8')) as { runs: string[] }).runs;
    assert.equal(ids.length, 6);
    await until(
      () => `every quick run completed (${ids.map((id) => `${id}: ${fs.existsSync(path.join(runsDir('quick'), id, 'run.json')) ? readRun(path.join(runsDir('quick'), id)).status : 'no run.json'}`).join(', ')})`,
      1_800_000,
      () => ids.every((id) => fs.existsSync(path.join(runsDir('quick'), id, 'run.json')) && ['completed', 'failed', 'cancelled'].includes(readRun(path.join(runsDir('quick'), id)).status)),
    );
    for (const id of ids) {
      const run = readRun(path.join(runsDir('quick'), id));
      assert.equal(run.status, 'completed', `${id}: ${run.error ?? ''}`);
      assert.equal(run.step, 1000);
      assert.ok(run.final !== null && run.final.length === 2, `${id}: final evaluation at n = 8 and 12`);
    }
    // Informative, not asserted (a loaded machine): the wall time a user would wait.
    process.stdout.write(`# quick preset in code-server: ${((Date.now() - started) / 1000).toFixed(0)} s wall (machine load ${os.loadavg()[0]?.toFixed(1)})\n`);
    const done = await toast(s.page, '6 completed', 120_000);
    await dismissToast(done);
    await tree().locator('.monaco-list-row', { hasText: 'quick' }).filter({ hasText: '6/6 completed' }).first().waitFor({ timeout: 60_000 });
    await shot('01-quick-done', 'sidebar');
  }));

  it('step 2: the dashboard shows the quick runs: one line per configuration and the optimizer diagnostics', shotOnFailure('dashboard', async () => {
    await runCommand(s.page, 'Attention Lab: Open Dashboard');
    const dash = webview(s.page, 'editor');
    await dash.locator('#card-curves path.al-line').first().waitFor({ timeout: 120_000 });
    assert.equal(await dash.locator('#card-curves path.al-line').count(), 6);
    assert.equal(await dash.locator('#card-optim-updateRms path.al-line').count(), 6);
    await dash.locator('#card-optim-tiger-step').waitFor({ timeout: 30_000 });
    await shot('02-dashboard');
  }));

  it('the inspector runs a trained quick model on a sort input and shows the attention of every head', shotOnFailure('probe', async () => {
    const ids = (JSON.parse(fs.readFileSync(path.join(runsDir('quick'), 'experiment.json'), 'utf8')) as { runs: string[] }).runs;
    const id = ids.find((r) => r.includes('logn-lion')) ?? (ids[0] as string);
    const expRow = tree().locator('.monaco-list-row', { hasText: 'quick' }).filter({ hasText: 'completed' }).first();
    if ((await tree().locator('.monaco-list-row', { hasText: id }).count()) === 0) await expRow.click();
    // The run's checkpoints are its children: select it, open it with the keyboard, pick the last.
    await tree().locator('.monaco-list-row', { hasText: id }).first().click();
    await s.page.keyboard.press('ArrowRight');
    await tree().locator('.monaco-list-row', { hasText: 'step 1000' }).first().click();
    const inspector = webview(s.page, 'editor');
    await inspector.locator('#summary', { hasText: `run ${id} · step 1000` }).waitFor({ timeout: 60_000 });
    const vocabulary = (await inspector.locator('#probe p', { hasText: 'Vocabulary:' }).innerText()).replace(/^Vocabulary:\s*/, '').split(/\s+/);
    const symbols = vocabulary.filter((t) => /^[a-z0-9]$/.test(t));
    assert.ok(symbols.length >= 6 && vocabulary.includes('|'), `a sort vocabulary: ${vocabulary.join(' ')}`);
    const tokens = [symbols[5], symbols[1], symbols[4], symbols[0], symbols[3], '|'] as string[];
    const input = inspector.locator('#probe-input');
    await input.fill(tokens.join(' '));
    await input.press('Enter');
    const predictions = inspector.locator('#probe-predictions');
    await predictions.waitFor({ timeout: 120_000 });
    assert.equal((await predictions.innerText()).replace(/^.*position:\s*/, '').split(/\s+/).length, tokens.length);
    await inspector.locator('vscode-dropdown[aria-label="View"]').click();
    await inspector.locator('vscode-option', { hasText: 'all heads' }).click();
    const grid = inspector.locator('#card-probe-attention-all');
    await grid.waitFor({ timeout: 30_000 });
    assert.match(await grid.innerText(), /Attention of every head \(\d+ layers? × \d+ heads?\)/);
    await grid.scrollIntoViewIfNeeded();
    await shot('02b-inspector-probe', 'editor');
  }));

  it('organise: tags and a note on a run (run.json, the tree), then rename the experiment', shotOnFailure('organise', async () => {
    const ids = (JSON.parse(fs.readFileSync(path.join(runsDir('quick'), 'experiment.json'), 'utf8')) as { runs: string[] }).runs;
    const id = ids[0] as string;
    // The inspector of the step before fills the editor area: closed, so that no webview can take
    // the focus from the input boxes below (a focus lost closes VS Code's input box).
    await runCommand(s.page, 'View: Close All Editors');
    const expRow = tree().locator('.monaco-list-row', { hasText: 'quick' }).filter({ hasText: 'completed' }).first();
    // Runs are children of the experiment row: expand it when collapsed.
    if ((await tree().locator('.monaco-list-row', { hasText: id }).count()) === 0) await expRow.click();
    const runRow = tree().locator('.monaco-list-row', { hasText: id }).first();
    await runRow.waitFor({ timeout: 30_000 });

    await contextMenu(runRow, 'Edit Tags…');
    await answerInput('baseline, first try');
    await until(() => `${id}'s run.json has the tags`, 30_000, () => JSON.stringify(readRun(path.join(runsDir('quick'), id)).tags) === JSON.stringify(['baseline', 'first try']));
    await tree().locator('.monaco-list-row', { hasText: id }).filter({ hasText: '#baseline #first try' }).first().waitFor({ timeout: 30_000 });

    await contextMenu(tree().locator('.monaco-list-row', { hasText: id }).first(), 'Edit Note…');
    await answerInput('the reference run');
    await until(() => `${id}'s run.json has the note`, 30_000, () => readRun(path.join(runsDir('quick'), id)).note === 'the reference run');
    await shot('03-tagged', 'sidebar');

    await contextMenu(expRow, 'Rename Experiment…');
    await answerInput('quick-first');
    const dialog = s.page.locator('.monaco-dialog-box', { hasText: 'Rename experiment "quick" to "quick-first"?' });
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await until(() => 'runs/quick-first exists and runs/quick is gone', 30_000, () => fs.existsSync(runsDir('quick-first')) && !fs.existsSync(runsDir('quick')));
    // The folder moves first, then each run.json is rewritten (this process may look in between).
    const runFile = path.join(runsDir('quick-first'), id);
    await until(() => `${id}'s run.json names experiment "quick-first" (it says "${readRun(runFile).experiment}")`, 30_000, () => readRun(runFile).experiment === 'quick-first');
    const renamed = readRun(runFile);
    assert.deepEqual(renamed.tags, ['baseline', 'first try'], 'the tags move with the run');
    await tree().locator('.monaco-list-row', { hasText: 'quick-first' }).first().waitFor({ timeout: 30_000 });
    await shot('04-renamed', 'sidebar');
  }));

  it('step 3: New Experiment Spec writes a preset’s spec into the workspace and opens it', shotOnFailure('new-spec', async () => {
    await runCommand(s.page, 'Attention Lab: New Experiment Spec…');
    const row = s.page.locator('.quick-input-list .monaco-list-row').filter({ has: s.page.locator('.label-name', { hasText: /^\s*entropy\s*$/ }) }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const file = path.join(s.workspace, 'my-entropy.attention-lab.json');
    await until(() => `${file} is written`, 30_000, () => fs.existsSync(file));
    const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as { name: string; tasks: unknown[] };
    assert.equal(spec.name, 'my-entropy');
    assert.ok(spec.tasks.length > 0);
    await s.page.locator('.tabs-container .tab.active', { hasText: 'my-entropy.attention-lab.json' }).waitFor({ timeout: 30_000 });
    await shot('05-new-spec', 'editor');
  }));
});
