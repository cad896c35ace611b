/**
 * The extension in a real VS Code (code-server + chromium), installed from the .vsix that
 * scripts/package.mjs builds (so packaging is tested too): run a tiny experiment from the command
 * palette, watch its runs appear in the Runs tree and finish, open the dashboard on them, open one
 * of their checkpoints in the inspector and read its tensor table, and see a malformed
 * .safetensors file rejected with a clear error. Screenshots go to test-results/e2e/.
 * Waits are on real conditions (elements, files); nothing sleeps as an assertion.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { FrameLocator } from 'playwright-core';
import { ROOT, openVsCode, runCommand, unavailableReason, type Session } from './codeServer';

const unavailable = unavailableReason();
const STEPS = 30;

function makeWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'al-ws-'));
  fs.writeFileSync(
    path.join(ws, 'tiny.attention-lab.json'),
    JSON.stringify(
      {
        name: 'tiny',
        tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [4] }],
        models: [{ label: 'xs', layers: 1, dModel: 16, heads: 2, dFf: 32 }],
        attentionScalings: ['standard'],
        optimizers: [{ name: 'adamw', lr: 3e-3 }, { name: 'lion', lr: 1e-3 }],
        seeds: [1],
        train: { steps: STEPS, batchSize: 8, evalEvery: STEPS, evalExamples: 8, logEvery: 5, checkpointEvery: 15 },
      },
      null,
      2,
    ),
  );
  // 8-byte header length far larger than the file: not a safetensors file
  const bad = Buffer.alloc(64);
  bad.writeBigUInt64LE(1n << 40n, 0);
  fs.writeFileSync(path.join(ws, 'broken.safetensors'), bad);
  return ws;
}

describe('Attention Lab in a real VS Code (code-server)', { skip: unavailable, timeout: 600_000 }, () => {
  let s: Session;
  let runIds: string[] = [];

  before(async () => {
    const { packageVsix } = (await import(pathToFileURL(path.join(ROOT, 'scripts/package.mjs')).href)) as {
      packageVsix(out: string, o: { build: boolean }): string;
    };
    const vsix = packageVsix(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'al-vsix-')), 'attention-lab.vsix'), { build: false });
    s = await openVsCode(makeWorkspace(), vsix);
  });
  after(async () => {
    await s?.close();
  });
  // A failing step leaves a picture of what the workbench showed.
  let step = 0;
  const shotOnFailure = (name: string, body: () => Promise<void>) => async () => {
    step++;
    try {
      await body();
    } catch (err) {
      await s?.screenshot(`failed-${String(step).padStart(2, '0')}-${name}`).catch(() => undefined);
      throw err;
    }
  };

  it('shows its activity-bar container with the welcome view', shotOnFailure('welcome', async () => {
    const item = s.page.locator('.part.activitybar .action-item [aria-label^="Attention Lab"]').first();
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    await s.page.getByText('No runs yet', { exact: false }).first().waitFor({ timeout: 60_000 });
    await s.screenshot('01-welcome');
  }));

  it('runs an experiment from the command palette; its runs appear in the tree and finish', shotOnFailure('run', async () => {
    await runCommand(s.page, 'Attention Lab: Run Experiment…');
    const specRow = s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'tiny.attention-lab.json' }).first();
    await specRow.waitFor({ timeout: 60_000 });
    await s.screenshot('02-quick-pick');
    await specRow.click();

    const expFile = path.join(s.workspace, 'runs', 'tiny', 'experiment.json');
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(expFile)) {
      assert.ok(Date.now() < deadline, 'the experiment folder was not created within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    runIds = (JSON.parse(fs.readFileSync(expFile, 'utf8')) as { runs: string[] }).runs;
    assert.equal(runIds.length, 2);
    const tree = s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Runs' }) });
    for (const id of runIds) await tree.locator('.monaco-list-row', { hasText: id }).first().waitFor({ timeout: 60_000 });
    await s.screenshot('03-training');
    for (const id of runIds) {
      await tree.locator('.monaco-list-row', { hasText: id }).filter({ hasText: `completed · ${STEPS}/${STEPS}` }).first().waitFor({ timeout: 180_000 });
    }
    await tree.locator('.monaco-list-row', { hasText: 'tiny' }).filter({ hasText: '2/2 completed' }).first().waitFor({ timeout: 30_000 });
    await s.page.locator('.notifications-toasts .notification-toast', { hasText: '2 completed' }).first().waitFor({ timeout: 30_000 });
    await s.screenshot('04-finished');
  }));

  it('opens the dashboard with the run’s loss curve', shotOnFailure('dashboard', async () => {
    await runCommand(s.page, 'Attention Lab: Open Dashboard');
    const frame: FrameLocator = s.page.frameLocator('iframe.webview.ready:not([src*="purpose=webviewView"])').first().frameLocator('#active-frame');
    await frame.locator('svg path').first().waitFor({ timeout: 60_000 });
    const text = await frame.locator('body').innerText();
    assert.match(text, /loss/i);
    assert.ok(runIds.some((id) => text.includes(id)) || text.includes('tiny'), 'the dashboard names the experiment or its runs');
    await s.screenshot('05-dashboard');
  }));

  it('opens a checkpoint of the run in the inspector and shows its tensor table', shotOnFailure('inspector', async () => {
    const first = runIds[0] as string;
    const ckpt = path.join(s.workspace, 'runs', 'tiny', first, 'checkpoints', `step-${STEPS}.safetensors`);
    assert.ok(fs.existsSync(ckpt));
    // through the tree: expand the run, click its last checkpoint
    const tree = s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Runs' }) });
    await tree.locator('.monaco-list-row', { hasText: first }).first().click();
    await s.page.keyboard.press('ArrowRight');
    await tree.locator('.monaco-list-row', { hasText: `step ${STEPS}` }).first().click();
    const frame = s.page.frameLocator(`iframe.webview.ready:not([src*="purpose=webviewView"])`).last().frameLocator('#active-frame');
    const row = frame.locator('tr', { hasText: 'embed.token' }).first();
    await row.waitFor({ timeout: 60_000 });
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0], 'embed.token');
    assert.match(cells.join(' '), /F32|float32/i);
    await s.screenshot('06-inspector');
  }));

  it('shows a clear error for a malformed .safetensors file', shotOnFailure('malformed', async () => {
    await s.page.keyboard.press('Control+P');
    const input = s.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('broken.safetensors');
    await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'broken.safetensors' }).first().waitFor({ timeout: 30_000 });
    await s.page.keyboard.press('Enter');
    const frame = s.page.frameLocator('iframe.webview.ready:not([src*="purpose=webviewView"])').last().frameLocator('#active-frame');
    const error = frame.locator('#error');
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.innerText(), /broken\.safetensors|header/i);
    await s.screenshot('07-malformed');
  }));
});

if (unavailable) it(`real VS Code suite skipped: ${unavailable}`, { skip: true }, () => undefined);
