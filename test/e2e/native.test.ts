/**
 * The native backend out of the box, in a real VS Code (code-server + chromium), from the .vsix
 * (which carries no node_modules, so no tfjs-node): with `attentionLab.backend: auto` a first run
 * trains on wasm and the one-time offer to set up the native backend appears; the command
 * "Attention Lab: Set Up Native Backend" then installs @tensorflow/tfjs-node into the extension's
 * global storage with this machine's Node and npm (tfjs-node's own download where the network
 * allows it, else the Python-index route) and verifies it; the next run's run.json records
 * backend `tensorflow`, and the Runs tree shows it. Screenshots: test-results/e2e-native/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findPythonWithPip } from '../../src/core/native/findTools';
import { FUSED_KERNELS_FILE, FUSED_KERNELS_VERSION } from '../../src/core/native/fusedKernelsFile';
import { readManifest } from '../../src/core/native/nativeManifest';
import { nativePlatformSupport } from '../../src/core/native/nativeSetup';
import type { RunFile } from '../../src/protocol/runFolder';
import { ROOT, runCommand, unavailableReason, type Session } from './codeServer';
import { E2eSuite, runSpecToEnd } from './suite';

const SHOTS = path.join(ROOT, 'test-results/e2e-native');
/** The extension's global storage folder under code-server's user data (publisher.name). */
const STORAGE = path.join('User', 'globalStorage', 'attention-lab.attention-lab');

function nativeUnavailable(): string | undefined {
  const base = unavailableReason();
  if (base) return base;
  const support = nativePlatformSupport();
  // Here (and on CI) tfjs-node's own download is blocked: the Python-index route must work.
  const why = !support.pythonIndex ? `the Python-index route needs Linux x64 (this is ${process.platform}/${process.arch})` : !findPythonWithPip() ? 'python3 with pip is missing' : undefined;
  if (why && process.env.CI) throw new Error(`native setup suite: ${why}`);
  return why;
}
const unavailable = nativeUnavailable();

function spec(ws: string, name: string): string {
  const file = path.join(ws, `${name}.attention-lab.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      name,
      tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [4] }],
      models: [{ label: 'xs', layers: 1, dModel: 16, heads: 2, dFf: 32 }],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 1e-2 }],
      seeds: [1],
      train: { steps: 20, batchSize: 8, evalEvery: 20, evalExamples: 8, logEvery: 5, checkpointEvery: 20 },
    }),
  );
  return file;
}

/** Runs a spec file of the workspace through Run Experiment… and waits for its one run's run.json to end. */
async function runSpec(s: Session, name: string): Promise<RunFile> {
  return (await runSpecToEnd(s, name)).run;
}

function makeWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'al-ws-native-'));
  spec(ws, 'before');
  spec(ws, 'after');
  return ws;
}

const toast = (page: Page, text: string) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();

describe('Set Up Native Backend in a real VS Code (code-server)', { skip: unavailable, timeout: 1_800_000 }, () => {
  let s: Session;
  const suite = new E2eSuite({ shots: SHOTS, makeWorkspace, settings: { 'attentionLab.backend': 'auto', 'attentionLab.parallelRuns': 1 } });
  const { shot, shotOnFailure } = suite;

  before(async () => {
    s = await suite.open();
  });
  after(() => suite.close());

  it('trains on wasm at first and offers the native backend once', shotOnFailure('offer', async () => {
    await s.page.locator('.part.activitybar .action-item [aria-label^="Attention Lab"]').first().click({ timeout: 60_000 });
    const run = await runSpec(s, 'before');
    assert.equal(run.status, 'completed');
    assert.equal(run.backend, 'wasm', 'without tfjs-node the .vsix trains on wasm');
    const offer = toast(s.page, 'The native TensorFlow backend is several times faster');
    await offer.waitFor({ timeout: 60_000 });
    await shot('01-offer');
    // Dismissed (other toasts may re-render the list under the click, or it may have moved to the
    // notification center already: either way it is out of the next pictures).
    await offer.locator('.monaco-button', { hasText: 'Not Now' }).click({ timeout: 15_000 }).catch(() => undefined);
  }));

  it('runs the command: tfjs-node is installed into the global storage with progress and verified', shotOnFailure('setup', async () => {
    await runCommand(s.page, 'Attention Lab: Set Up Native Backend');
    await toast(s.page, 'setting up the native backend').waitFor({ timeout: 60_000 });
    await shot('02-progress');
    const done = s.page.locator('.notifications-toasts .notification-toast', { hasText: /native backend is ready|setting up the native backend failed/ }).first();
    await done.waitFor({ timeout: 1_500_000 });
    const text = await done.innerText();
    await shot('03-ready');
    assert.match(text, /the native backend is ready \(TensorFlow \d+\.\d+/, text);
    const state = readManifest(path.join(s.userData, STORAGE, 'native'));
    assert.ok(state.ok, JSON.stringify(state));
    assert.equal(state.manifest.platform, process.platform);
    assert.ok(['download', 'python-index'].includes(state.manifest.route));
    // The setup compiled and checked Attention Lab's fused kernels beside TensorFlow (a C compiler is on this machine).
    assert.equal(state.manifest.fusedKernels, FUSED_KERNELS_FILE);
  }));

  it('the next run trains on it: run.json records tensorflow, and the tree shows it', shotOnFailure('native-run', async () => {
    const run = await runSpec(s, 'after');
    assert.equal(run.status, 'completed', run.error ?? '');
    assert.equal(run.backend, 'tensorflow');
    assert.equal(run.versions['attention-lab-kernels'], `v${FUSED_KERNELS_VERSION}`, `the run used the fused kernels: ${JSON.stringify(run.versions)}`);
    // Expand the experiment (its twistie; the tree may refresh under the click, so until it shows
    // expanded): its run's row (same run id as the wasm one, other experiment) names the backend.
    const tree = s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Runs' }) });
    const experiment = tree.locator('.monaco-list-row', { hasText: 'after' }).filter({ hasText: 'completed' }).first();
    await experiment.waitFor({ timeout: 60_000 });
    const expanded = tree.locator('.monaco-list-row[aria-expanded="true"]', { hasText: 'after' }).first();
    for (let i = 0; i < 5 && !(await expanded.isVisible()); i++) {
      await experiment.locator('.monaco-tl-twistie').click();
      await expanded.waitFor({ timeout: 5000 }).catch(() => undefined);
    }
    assert.ok(await expanded.isVisible(), 'the experiment "after" expands in the Runs tree');
    const row = tree.locator('.monaco-list-row', { hasText: run.id }).filter({ hasText: 'tensorflow' }).first();
    await row.waitFor({ timeout: 60_000 });
    await shot('04-native-run');
  }));
});

if (unavailable) it(`native setup suite skipped: ${unavailable}`, { skip: true }, () => undefined);
