/**
 * A real VS Code for the e2e suite: code-server (installed by scripts/ensure-code-server.sh in
 * .cache/code-server) serving a fresh user-data dir and workspace, driven by playwright-core in
 * Debian's chromium (docs/extension.md, Packaging and tests). Tests never install anything themselves.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Playwright from 'playwright-core';
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { findBundleFile } from '../../src/core/bundlePaths';

// Loaded at run time, not bundled: playwright-core reads its own package files from disk.
const { chromium } = createRequire(__filename)('playwright-core') as typeof Playwright;

export const ROOT = path.dirname(path.dirname(findBundleFile('extension.js', __dirname)));
export const CODE_SERVER = path.join(ROOT, '.cache/code-server/node_modules/.bin/code-server');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results/e2e');

/** Why the suite cannot run, or undefined. On CI a missing piece is an error, not a skip. */
export function unavailableReason(): string | undefined {
  const missing: string[] = [];
  if (!existsSync(CODE_SERVER)) missing.push(`${CODE_SERVER} (run: bash scripts/ensure-code-server.sh)`);
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run: bash scripts/ensure-code-server.sh)`);
  if (missing.length === 0) return undefined;
  const why = `real VS Code suite needs ${missing.join(' and ')}`;
  if (process.env.CI) throw new Error(`${why}; on CI, .ci/run must call scripts/ensure-code-server.sh before npm test`);
  return why;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Session {
  page: Page;
  workspace: string;
  /** Merges settings into the user settings.json (VS Code picks the change up while running). */
  setUserSettings(patch: Record<string, unknown>): void;
  /** The text of every extension host log written so far (one per extension host, reloads included). */
  extensionHostLogs(): string;
  /** How many extension host logs exist (a reload starts a new extension host). */
  extensionHostLogCount(): number;
  /** The user-data folder code-server runs with (global storage is under User/globalStorage/). */
  userData: string;
  /** A PNG in test-results/e2e/: the whole window, or only the sidebar or the editor area. */
  screenshot(name: string, part?: 'sidebar' | 'editor'): Promise<void>;
  /**
   * Errors the browser logged (workbench, extension host and webview consoles, with the
   * extension host's exceptions forwarded) and Content-Security-Policy violations, in order.
   */
  consoleErrors(): readonly string[];
  /** For a failure report: the console errors, the extension's output channel and the extension host log. */
  diagnostics(): string;
  /** Stops the browser and code-server and deletes their temporary folders. */
  close(): Promise<void>;
}

/** Files under `dir` (recursively) whose name passes `keep`. */
function findFiles(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => keep(path.basename(f)))
    .map((f) => path.join(dir, f));
}

/** Settings every session starts with (a test may add its own). */
const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'attentionLab.backend': 'wasm',
  'attentionLab.parallelRuns': 2,
};

/**
 * The .vsix the suite installs: ATTENTION_LAB_E2E_VSIX when set (e.g. one built from an older
 * commit, to see a test fail before its fix), else one packaged now from the built dist/ into
 * `dir` by scripts/package.mjs (so packaging is tested too).
 */
export async function vsixUnderTest(dir: string): Promise<string> {
  const given = process.env.ATTENTION_LAB_E2E_VSIX;
  if (given) return given;
  const { packageVsix } = (await import(pathToFileURL(path.join(ROOT, 'scripts/package.mjs')).href)) as {
    packageVsix(out: string, o: { build: boolean }): string;
  };
  return packageVsix(path.join(dir, 'attention-lab.vsix'), { build: false });
}

/**
 * Installs the .vsix into a fresh extensions dir, starts code-server on `workspace` and opens it
 * in chromium. `settings` are added to (or override) BASE_SETTINGS.
 */
export async function openVsCode(workspace: string, vsix: string, settings: Record<string, unknown> = {}): Promise<Session> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'al-e2e-'));
  const config = path.join(home, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const userData = path.join(home, 'user-data');
  const extensions = path.join(home, 'extensions');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  const settingsFile = path.join(userData, 'User', 'settings.json');
  let userSettings: Record<string, unknown> = { ...BASE_SETTINGS, ...settings };
  writeFileSync(settingsFile, JSON.stringify(userSettings, null, 2));
  const install = spawnSync(CODE_SERVER, ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], { encoding: 'utf8' });
  if (install.status !== 0) {
    rmSync(home, { recursive: true, force: true });
    throw new Error(`installing ${vsix} failed: ${install.stderr || install.stdout}`);
  }

  const port = await freePort();
  const server: ChildProcess = spawn(
    CODE_SERVER,
    [
      '--config', config,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      workspace,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const serverLog: string[] = [];
  server.stdout?.on('data', (d: Buffer) => serverLog.push(d.toString()));
  server.stderr?.on('data', (d: Buffer) => serverLog.push(d.toString()));
  let context: BrowserContext | undefined;
  const stop = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  };
  // Console events of every frame, webviews included, arrive here.
  const errors: string[] = [];
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`code-server exited (${server.exitCode}): ${serverLog.join('')}`);
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s: ${serverLog.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    context = await chromium.launchPersistentContext(path.join(home, 'chromium'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || m.text().includes('Content Security Policy')) errors.push(`[${m.type()}] ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`[pageerror] ${e.message}`));
    // A loaded machine can take longer than playwright's 30 s default to serve the workbench.
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`, { timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const logs = path.join(userData, 'logs');
    return {
      page,
      workspace,
      setUserSettings: (patch) => {
        userSettings = { ...userSettings, ...patch };
        writeFileSync(settingsFile, JSON.stringify(userSettings, null, 2));
      },
      extensionHostLogs: () => findFiles(logs, (n) => n === 'remoteexthost.log').map((f) => readFileSync(f, 'utf8')).join('\n'),
      extensionHostLogCount: () => findFiles(logs, (n) => n === 'remoteexthost.log').length,
      userData,
      screenshot: (name, part) => screenshotTo(page, path.join(SCREENSHOTS, `${name}.png`), part),
      consoleErrors: () => errors,
      diagnostics: () => {
        const files = [...findFiles(logs, (n) => n.endsWith('Attention Lab.log')), ...findFiles(logs, (n) => n === 'remoteexthost.log')];
        return [
          `console errors (${errors.length}):`,
          ...errors,
          ...files.map((f) => `\n--- ${path.relative(logs, f)}\n${readFileSync(f, 'utf8')}`),
          `\n--- code-server\n${serverLog.join('')}`,
        ].join('\n');
      },
      close: stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A PNG of the whole window, or only the sidebar or the editor area, at `file`. */
export async function screenshotTo(page: Page, file: string, part?: 'sidebar' | 'editor'): Promise<void> {
  if (part === undefined) await page.screenshot({ path: file });
  else await page.locator(part === 'sidebar' ? '.part.sidebar' : '.part.editor').screenshot({ path: file });
}

/**
 * The document inside the visible webview: the sidebar's view (`view`) or the active editor's
 * panel or custom editor (`editor`). Webviews are iframes near the workbench root (outer
 * `iframe.webview`, inner `#active-frame`), each in a positioned div; an editor's div names its
 * editor element (`data-parent-flow-to-element-id="webview-editor-element-…"`), a view's does
 * not (its iframe's `purpose=webviewView` is gone once the view was hidden and shown again).
 * Hidden ones stay in the DOM, so pick the visible one. A locator, so waits re-resolve it when
 * another editor becomes active.
 */
export function webview(page: Page, where: 'view' | 'editor'): FrameLocator {
  const editorDiv = 'div[data-parent-flow-to-element-id^="webview-editor-element"]';
  const outer = where === 'view' ? `div:not(${editorDiv}) > iframe.webview.ready` : `${editorDiv} > iframe.webview.ready`;
  return page.locator(outer).filter({ visible: true }).first().contentFrame().locator('#active-frame').contentFrame();
}

/** Switches the colour theme from the palette (Preferences: Color Theme) and waits for the workbench to show it. */
export async function setColorTheme(page: Page, theme: 'Default Dark Modern' | 'Default Light Modern'): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  // The picker labels themes without "Default " ("Dark Modern"); the setting's value has it.
  const label = theme.replace(/^Default /, '');
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${label}`) }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
  await page.locator(`.monaco-workbench.${theme.includes('Dark') ? 'vs-dark' : 'vs'}`).waitFor({ timeout: 30_000 });
}

/** Runs a command from the palette by its title. */
/**
 * Gives the workbench the keyboard: a click on the window (it closes hovers and menus), then, when
 * the click landed in a webview (a dashboard or inspector filling the editor area), the webview's
 * frame gives the focus back to the page, so that F1 reaches VS Code itself rather than being
 * forwarded from inside the frame.
 */
async function focusWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => undefined);
  await page.evaluate("(() => { const f = document.activeElement; if (f && f.tagName === 'IFRAME') f.blur(); })()").catch(() => undefined);
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await (await paletteRow(page, title)).click();
}

/**
 * Opens the palette on a command and returns its row, not yet chosen: a test that must run the
 * command at a precise moment (while a short run trains) clicks it then, without the palette's latency.
 */
export async function paletteRow(page: Page, title: string): Promise<Locator> {
  await focusWorkbench(page);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  // The row whose label is exactly the title (another command may contain it and rank first).
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ timeout: 30_000 });
  return row;
}

/**
 * The titles the command palette lists for `query` (the `>` is added): waits until the palette has
 * filtered (a row, or its "no matching commands" message), reads the rows, and closes it.
 */
export async function paletteTitles(page: Page, query: string): Promise<string[]> {
  await focusWorkbench(page);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${query}`);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const none = page.locator('.quick-input-widget', { hasText: 'No matching commands' });
  await rows.first().or(none).first().waitFor({ timeout: 30_000 });
  const titles = (await rows.allInnerTexts()).map((t) => t.split('\n')[0]?.trim() ?? '');
  await page.keyboard.press('Escape');
  await input.waitFor({ state: 'hidden' });
  return titles;
}

/**
 * What the window shows, in a few lines, for a failing step's error (a CI log keeps no picture):
 * notifications, a dialog, the quick input, the active editor tab and the focused element.
 */
export async function describeScreen(page: Page): Promise<string> {
  const texts = async (selector: string, max = 300): Promise<string[]> =>
    (await page.locator(selector).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim().slice(0, max)).filter((t) => t !== '');
  const list = (items: string[], none: string): string => (items.length === 0 ? none : items.map((t) => `"${t}"`).join('; '));
  const quick = page.locator('.quick-input-widget');
  const quickInput = (await quick.isVisible())
    ? `${(await texts('.quick-input-widget .quick-input-title')).join(' ')} [${await quick.locator('input').first().inputValue().catch(() => '')}] ${(await texts('.quick-input-widget .quick-input-list', 200)).join(' ')}`
    : 'closed';
  // A string, evaluated in the page: this tsconfig has no DOM types.
  const focus = await page.evaluate(`(() => {
    const f = document.activeElement;
    if (!f) return 'none';
    const label = f.getAttribute('aria-label');
    return f.tagName.toLowerCase() + (f.className ? '.' + String(f.className).split(/\\s+/).slice(0, 3).join('.') : '') + (label ? ' "' + label + '"' : '');
  })()`);
  return [
    `notifications: ${list(await texts('.notifications-toasts .notification-toast'), 'none')}`,
    `dialog: ${list(await texts('.monaco-dialog-box'), 'none')}`,
    `quick input: ${quickInput}`,
    `active editor tab: ${(await texts('.tabs-container .tab.active', 100)).join(' | ') || 'none'}`,
    `focus: ${String(focus)}`,
  ].join('\n');
}

/** Picks a row of the open quick pick by its text (waits for it) and accepts it with Enter. */
export async function pickQuickItem(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 60_000 });
  await row.click();
}

/** The notification toast whose text contains `text` (waits for it). */
export async function toast(page: Page, text: string, timeout = 60_000): Promise<Locator> {
  const t = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await t.waitFor({ timeout });
  return t;
}

/** Closes a toast with its × button. */
export async function dismissToast(t: Locator): Promise<void> {
  await t.hover();
  await t.locator('.codicon-notifications-clear').click();
  await t.waitFor({ state: 'hidden', timeout: 30_000 });
}
