/**
 * The extension in a real VS Code (code-server + chromium), installed from the .vsix that
 * scripts/package.mjs builds (so packaging is tested too): run a tiny experiment from the command
 * palette, watch its runs appear in the Runs tree and finish, open the dashboard on them, open one
 * of their checkpoints in the inspector and read its tensor table, and see a malformed
 * .safetensors file rejected with a clear error. Expected values (loss curves, final losses,
 * tensor shapes, the reader's error) come from the files the run wrote, read here with the
 * engine's own readers. Screenshots go to test-results/e2e/; a failing step also leaves the
 * console errors and the extension's logs next to its screenshot.
 * Waits are on real conditions (elements, files); nothing sleeps as an assertion.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { RunFile, TrainRecord } from '../../src/protocol/runFolder';
import { openSafetensors, SafetensorsError } from '../../src/core/checkpoint/safetensors';
import { ROOT, SCREENSHOTS, runCommand, unavailableReason, webview, type Session } from './codeServer';
import { E2eSuite } from './suite';
import { clusterUnavailable } from '../slurm/cluster';

const unavailable = unavailableReason();
// The Slurm step needs the single-node cluster of scripts/ensure-slurm.sh (on CI: required).
const slurmUnavailable = unavailable ? undefined : clusterUnavailable();
const STEPS = 30;
const EVAL_LENGTH = 4;
const TENSOR = 'blocks.0.attn.qkv.kernel';

/** What a run wrote: run.json and its train records. */
function readRun(runDir: string): { run: RunFile; train: TrainRecord[] } {
  const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunFile;
  const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const train = lines.map((l) => JSON.parse(l) as { kind: string }).filter((r): r is TrainRecord => r.kind === 'train');
  return { run, train };
}

/** The dashboard's seed group of a run: its id without the `-s<seed>` suffix. */
function groupOf(run: RunFile): string {
  const suffix = `-s${run.config.seed}`;
  return run.id.endsWith(suffix) ? run.id.slice(0, -suffix.length) : run.id;
}

function makeWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'al-ws-'));
  fs.writeFileSync(
    path.join(ws, 'tiny.attention-lab.json'),
    JSON.stringify(
      {
        name: 'tiny',
        tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [EVAL_LENGTH] }],
        models: [{ label: 'xs', layers: 1, dModel: 16, heads: 2, dFf: 32 }],
        attentionScalings: ['standard'],
        optimizers: [{ name: 'adamw', lr: 1e-2 }, { name: 'lion', lr: 3e-3 }],
        seeds: [1],
        train: { steps: STEPS, batchSize: 8, evalEvery: STEPS, evalExamples: 8, logEvery: 2, checkpointEvery: 15 },
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
  // This suite's pictures are the files at the top of SCREENSHOTS (other suites keep theirs in sub-folders).
  const suite = new E2eSuite({ shots: SCREENSHOTS, makeWorkspace });
  // A failing step leaves a picture of what the workbench showed, and the logs.
  const { shotOnFailure } = suite;
  const runDir = (id: string): string => path.join(s.workspace, 'runs', 'tiny', id);

  before(async () => {
    s = await suite.open();
  });
  after(() => suite.close());

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
    assert.equal(await s.page.locator('.quick-input-widget .quick-input-title').innerText(), 'Attention Lab: Run Experiment on this machine');
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
    const toast = s.page.locator('.notifications-toasts .notification-toast', { hasText: '2 completed' }).first();
    await toast.waitFor({ timeout: 30_000 });
    // dismissed, so that it covers nothing in the next pictures
    await toast.hover();
    await toast.locator('.codicon-notifications-clear').click();
    await toast.waitFor({ state: 'hidden', timeout: 30_000 });

    // The sidebar's live-run view follows the runs to the end: a loss line and a finished row each.
    const live = webview(s.page, 'view');
    for (const id of runIds) {
      const row = live.locator(`.al-run[data-run="${id}"][data-status="completed"]`);
      await row.waitFor({ timeout: 60_000 });
      assert.match(await row.innerText(), new RegExp(`completed · ${STEPS}/${STEPS}`));
      await live.locator(`#live-loss path.al-line[data-series="${id}"]`).waitFor({ timeout: 30_000 });
    }
    await s.screenshot('04-finished');
    await s.screenshot('readme-sidebar', 'sidebar');
  }));

  it('shows a run started from the CLI (another process, mkdir -p) live in the sidebar', shotOnFailure('cli-live', async () => {
    const spec = path.join(s.workspace, 'cli.attention-lab.json');
    // The run id: task-model-scaling-optimizer-seed (src/core/experiment/grid.ts).
    const id = 'copy-cli-standard-adamw-s3';
    fs.writeFileSync(
      spec,
      JSON.stringify({
        name: 'from-cli',
        tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [EVAL_LENGTH] }],
        models: [{ label: 'cli', layers: 1, dModel: 16, heads: 2, dFf: 32 }],
        attentionScalings: ['standard'],
        optimizers: [{ name: 'adamw', lr: 1e-2 }],
        seeds: [3],
        train: { steps: 400, batchSize: 8, evalEvery: 400, evalExamples: 8, logEvery: 2, checkpointEvery: 0 },
      }),
    );
    const cli = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', spec, '--out', path.join(s.workspace, 'runs'), '--backend', 'wasm', '--json'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => cli.once('exit', r));
    try {
      const live = webview(s.page, 'view');
      // While it trains: its row says running, and its loss line is drawn from metrics.jsonl as it grows.
      await live.locator(`.al-run[data-run="${id}"][data-status="running"]`).waitFor({ timeout: 60_000 });
      await live.locator(`#live-loss path.al-line[data-series="${id}"]`).waitFor({ timeout: 30_000 });
      await live.locator(`.al-run[data-run="${id}"][data-status="completed"]`).waitFor({ timeout: 180_000 });
      assert.equal(await exited, 0);
      await s.screenshot('cli-live', 'sidebar');
    } finally {
      cli.kill();
      // The later steps expect the palette's experiment to be the newest: this one goes again, and the views follow.
      fs.rmSync(path.join(s.workspace, 'runs', 'from-cli'), { recursive: true, force: true });
      fs.rmSync(spec, { force: true });
    }
    const tree = s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Runs' }) });
    await tree.locator('.monaco-list-row', { hasText: 'from-cli' }).waitFor({ state: 'detached', timeout: 30_000 });
  }));

  it('opens the dashboard: the loss curves and the comparison table show the runs’ data', shotOnFailure('dashboard', async () => {
    await runCommand(s.page, 'Attention Lab: Open Dashboard');
    const dash = webview(s.page, 'editor');
    const curves = dash.locator('.al-chart[aria-label="curves"]');
    const table = dash.locator('table.al-table[aria-label="optimizer-table"]');
    await table.waitFor({ timeout: 60_000 });
    const headers = (await table.locator('thead th').allInnerTexts()).map((h) => h.trim());
    const column = (label: string): number => {
      const i = headers.findIndex((h) => h.startsWith(label));
      assert.ok(i >= 0, `the comparison table has a "${label}" column: ${headers.join(' | ')}`);
      return i;
    };
    const trainLossColumn = column('Train loss');
    const finalLossColumn = column(`Loss@${EVAL_LENGTH}`);
    for (const id of runIds) {
      const { run, train } = readRun(runDir(id));
      const group = groupOf(run);
      // one line per seed group (one seed here), with a vertex per logged training step
      const line = curves.locator(`path.al-line[data-series="${group}"]`);
      await line.waitFor({ timeout: 60_000 });
      const vertices = ((await line.getAttribute('d')) ?? '').match(/[ML]/g)?.length ?? 0;
      assert.ok(train.length >= 2, `${id} logged training steps`);
      assert.equal(vertices, train.length, `the ${group} loss curve has one point per logged step of ${id}`);
      assert.equal((await curves.locator(`.al-legend [data-series="${group}"]`).innerText()).trim(), group);

      const row = table.locator('tbody tr').filter({ has: dash.locator('td:first-child', { hasText: group }) });
      const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
      const finalLoss = run.final?.find((r) => r.length === EVAL_LENGTH)?.loss;
      assert.ok(finalLoss !== undefined, `${id} has a final evaluation at n=${EVAL_LENGTH}`);
      assert.ok(Math.abs(Number(cells[finalLossColumn]) - finalLoss) < 5e-5, `final loss of ${id}: table ${cells[finalLossColumn]}, run.json ${finalLoss}`);
      const lastTrainLoss = (train[train.length - 1] as TrainRecord).loss;
      assert.ok(Math.abs(Number(cells[trainLossColumn]) - lastTrainLoss) < 5e-5, `last train loss of ${id}: table ${cells[trainLossColumn]}, metrics ${lastTrainLoss}`);
    }
    await s.screenshot('05-dashboard');
    await s.screenshot('readme-dashboard', 'editor');
  }));

  it('opens a checkpoint of the run in the inspector and shows its tensor table', shotOnFailure('inspector', async () => {
    const first = runIds[0] as string;
    const ckpt = path.join(runDir(first), 'checkpoints', `step-${STEPS}.safetensors`);
    const file = await openSafetensors(ckpt);
    const info = file.get(TENSOR);
    await file.close();
    assert.ok(info, `${ckpt} holds ${TENSOR}`);
    // through the tree: expand the run, click its last checkpoint
    const tree = s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Runs' }) });
    await tree.locator('.monaco-list-row', { hasText: first }).first().click();
    await s.page.keyboard.press('ArrowRight');
    await tree.locator('.monaco-list-row', { hasText: `step ${STEPS}` }).first().click();
    const inspector = webview(s.page, 'editor');
    await inspector.locator('#summary', { hasText: `run ${first} · step ${STEPS}` }).waitFor({ timeout: 60_000 });
    const row = inspector.locator(`#tensors-model tr[data-tensor="${TENSOR}"]`);
    await row.waitFor({ timeout: 60_000 });
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 3), [TENSOR, `[${info.shape.join(', ')}]`, info.dtype]);
    await s.screenshot('06-inspector');
    await s.screenshot('readme-inspector', 'editor');
  }));

  it('runs the checkpoint’s model from the inspector: next-token predictions, one head, then every head', shotOnFailure('probe', async () => {
    const inspector = webview(s.page, 'editor');
    const vocabulary = (await inspector.locator('#probe p', { hasText: 'Vocabulary:' }).innerText()).replace(/^Vocabulary:\s*/, '').split(/\s+/);
    // A copy prompt: three symbols, then the separator.
    const symbols = vocabulary.filter((t) => /^[a-z0-9]$/.test(t)).slice(0, 3);
    assert.equal(symbols.length, 3, `symbols in the copy task's vocabulary: ${vocabulary.join(' ')}`);
    const tokens = [...symbols, '|'];
    const input = inspector.locator('#probe-input');
    await input.fill(tokens.join(' '));
    await input.press('Enter');
    // The backend process loads the checkpoint and runs one forward pass.
    const predictions = inspector.locator('#probe-predictions');
    await predictions.waitFor({ timeout: 120_000 });
    const predicted = (await predictions.innerText()).replace(/^.*position:\s*/, '').split(/\s+/);
    assert.equal(predicted.length, tokens.length, `one prediction per position: ${predicted.join(' ')}`);
    for (const t of predicted) assert.ok(vocabulary.includes(t), `prediction ${t} is a token of the vocabulary`);
    await inspector.locator('#card-probe-attention').waitFor({ timeout: 30_000 });
    assert.match(await inspector.locator('#card-probe-attention').innerText(), /Attention, layer 0 head 0/);
    // Every head at once, from the View dropdown.
    const view = inspector.locator('vscode-dropdown[aria-label="View"]');
    await view.click();
    await inspector.locator('vscode-option', { hasText: 'all heads' }).click();
    const grid = inspector.locator('#card-probe-attention-all');
    await grid.waitFor({ timeout: 30_000 });
    assert.match(await grid.innerText(), /Attention of every head \(1 layer × 2 heads\)/);
    await grid.scrollIntoViewIfNeeded();
    await s.screenshot('06b-probe');
  }));

  it('shows the reader’s error for a malformed .safetensors file', shotOnFailure('malformed', async () => {
    const broken = path.join(s.workspace, 'broken.safetensors');
    const expected = await openSafetensors(broken).then(
      () => assert.fail(`${broken} should not parse`),
      (err: unknown) => {
        assert.ok(err instanceof SafetensorsError, String(err));
        return err.message;
      },
    );
    await s.page.keyboard.press('Control+P');
    const input = s.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('broken.safetensors');
    await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'broken.safetensors' }).first().waitFor({ timeout: 30_000 });
    await s.page.keyboard.press('Enter');
    const error = webview(s.page, 'editor').locator('#error');
    await error.waitFor({ timeout: 60_000 });
    assert.equal((await error.innerText()).trim(), expected);
    await s.screenshot('07-malformed');
  }));

  it('runs on Slurm when attentionLab.runOn is slurm: the runs show their job ids in the tree and complete; Stop cancels', { skip: slurmUnavailable }, shotOnFailure('slurm', async () => {
    // The workspace's settings switch to the cluster (the single-node one of scripts/ensure-slurm.sh).
    fs.mkdirSync(path.join(s.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(s.workspace, '.vscode', 'settings.json'), JSON.stringify({ 'attentionLab.runOn': 'slurm', 'attentionLab.slurm': { pollSeconds: 0.5, cpusPerTask: 1 } }));
    const spec = JSON.parse(fs.readFileSync(path.join(s.workspace, 'tiny.attention-lab.json'), 'utf8')) as { name: string; seeds: number[]; train: { steps: number; checkpointEvery: number } };
    fs.writeFileSync(path.join(s.workspace, 'cluster.attention-lab.json'), JSON.stringify({ ...spec, name: 'cluster' }));
    fs.writeFileSync(path.join(s.workspace, 'endless.attention-lab.json'), JSON.stringify({ ...spec, name: 'endless', seeds: [1], train: { ...spec.train, steps: 1_000_000, checkpointEvery: 20 } }));
    const tree = s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Runs' }) });
    const pick = async (file: string): Promise<void> => {
      // The picker's title says where the run will train; VS Code reads the new settings.json a
      // moment after it is written, so ask again until it says Slurm.
      const title = s.page.locator('.quick-input-widget .quick-input-title');
      const deadline = Date.now() + 60_000;
      for (;;) {
        await runCommand(s.page, 'Attention Lab: Run Experiment…');
        await title.waitFor({ state: 'visible', timeout: 30_000 });
        const text = await title.innerText();
        if (text.includes('on Slurm')) break;
        await s.page.keyboard.press('Escape');
        assert.ok(Date.now() < deadline, `the Run Experiment picker still says "${text}" 60 s after attentionLab.runOn was set to slurm`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const row = s.page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first();
      await row.waitFor({ timeout: 60_000 });
      await row.click();
    };

    await pick('cluster.attention-lab.json');
    const exp = path.join(s.workspace, 'runs', 'cluster');
    const slurmJson = path.join(exp, 'slurm.json');
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(slurmJson)) {
      assert.ok(Date.now() < deadline, 'the job array was not submitted within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const arrayJobId = (JSON.parse(fs.readFileSync(slurmJson, 'utf8')) as { arrayJobId: string }).arrayJobId;
    assert.match(arrayJobId, /^\d+$/);
    // The tasks run the installed extension's dist/task.js (the .vsix ships no CLI bundle).
    const exec = fs.readFileSync(path.join(exp, 'slurm', 'job.sh'), 'utf8').split('\n').find((l) => l.startsWith('exec ')) ?? '';
    const taskScript = exec.split(' ')[2] ?? '';
    assert.match(taskScript, /\/extensions\/[^/]*attention-lab[^/]*\/dist\/task\.js$/, exec);
    assert.ok(fs.existsSync(taskScript) && !fs.existsSync(path.join(path.dirname(taskScript), 'cli.js')), `${taskScript} is installed, cli.js beside it is not`);
    const ids = (JSON.parse(fs.readFileSync(path.join(exp, 'experiment.json'), 'utf8')) as { runs: string[] }).runs;
    for (const [i, id] of ids.entries()) {
      await tree.locator('.monaco-list-row', { hasText: id }).filter({ hasText: `Slurm ${arrayJobId}_${i}` }).first().waitFor({ timeout: 60_000 });
    }
    await s.screenshot('08-slurm-submitted', 'sidebar');
    for (const [i, id] of ids.entries()) {
      await tree
        .locator('.monaco-list-row', { hasText: id })
        .filter({ hasText: `completed · ${STEPS}/${STEPS}` })
        .filter({ hasText: `Slurm ${arrayJobId}_${i} COMPLETED` })
        .first()
        .waitFor({ timeout: 240_000 });
      const run = JSON.parse(fs.readFileSync(path.join(exp, id, 'run.json'), 'utf8')) as RunFile;
      assert.equal(run.status, 'completed');
      assert.equal(run.slurm?.jobId, `${arrayJobId}_${i}`);
    }
    await tree.locator('.monaco-list-row', { hasText: 'cluster' }).filter({ hasText: `${ids.length}/${ids.length} completed` }).first().waitFor({ timeout: 30_000 });
    await s.screenshot('09-slurm-completed', 'sidebar');

    // Stop cancels the array with scancel: the running run saves a checkpoint and ends cancelled.
    await pick('endless.attention-lab.json');
    const endless = path.join(s.workspace, 'runs', 'endless');
    const runId = await (async () => {
      const until = Date.now() + 120_000;
      for (;;) {
        try {
          const id = (JSON.parse(fs.readFileSync(path.join(endless, 'experiment.json'), 'utf8')) as { runs: string[] }).runs[0] as string;
          if (fs.existsSync(path.join(endless, id, 'checkpoints', 'step-20.safetensors'))) return id;
        } catch {
          // not there yet
        }
        assert.ok(Date.now() < until, 'the endless run wrote no checkpoint within 120 s');
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await tree.locator('.monaco-list-row', { hasText: runId }).filter({ hasText: 'RUNNING' }).first().waitFor({ timeout: 60_000 });
    await runCommand(s.page, 'Attention Lab: Stop Run');
    await tree.locator('.monaco-list-row', { hasText: runId }).filter({ hasText: 'cancelled' }).filter({ hasText: 'CANCELLED' }).first().waitFor({ timeout: 120_000 });
    const cancelled = JSON.parse(fs.readFileSync(path.join(endless, runId, 'run.json'), 'utf8')) as RunFile;
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.lastCheckpoint !== null && fs.existsSync(path.join(endless, runId, cancelled.lastCheckpoint)), 'the cancelled run keeps its checkpoint');
    await s.screenshot('10-slurm-stopped', 'sidebar');
    fs.rmSync(path.join(s.workspace, '.vscode'), { recursive: true, force: true });
  }));

  it('logged no Content-Security-Policy violation and no error from the extension', shotOnFailure('console', async () => {
    const ours = s.consoleErrors().filter((e) => e.includes('Content Security Policy') || /attention-?lab/i.test(e));
    assert.deepEqual(ours, []);
  }));
});

if (unavailable) it(`real VS Code suite skipped: ${unavailable}`, { skip: true }, () => undefined);
