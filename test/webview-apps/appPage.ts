/**
 * Loads one built webview app (dist/webview/<app>.js) in headless Debian Chromium, in the HTML
 * the extension writes (buildWebviewHtml: strict CSP with a nonce), with a fake acquireVsCodeApi
 * that records what the page posts and keeps its state. The page speaks the one request/reply
 * protocol (src/protocol/views.ts): tests push the host's events with `send`, see the page's
 * requests and events in `posted` (as `{ type, ...params }`) and answer a request with `reply`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type * as Playwright from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { Envelope } from '../../src/protocol/rpc';
import type { HostViewApi } from '../../src/protocol/views';
import { buildWebviewHtml, makeNonce } from '../../src/extension/views/webviewHtml';

const { chromium } = createRequire(__filename)('playwright-core') as typeof Playwright;

export const CHROMIUM = '/usr/bin/chromium';
export const root = resolve(__dirname, '..', '..', '..');
export const shotDir = join(root, 'test-results', 'apps');

/** Why these tests cannot run, or undefined. On CI (env CI set) a missing browser is an error. */
export function appTestsUnavailable(): string | undefined {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run scripts/ensure-chromium.sh)`);
  for (const app of ['dashboard', 'liveRun', 'inspector', 'report']) {
    if (!existsSync(join(root, `dist/webview/${app}.js`))) missing.push(`dist/webview/${app}.js (run node scripts/build.mjs)`);
  }
  if (missing.length === 0) return undefined;
  const why = `webview app tests need ${missing.join(' and ')}`;
  if (process.env.CI) throw new Error(`${why}; on CI, .ci/run must call scripts/ensure-chromium.sh before npm test`);
  return why;
}

export async function launch(): Promise<Browser> {
  mkdirSync(shotDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--allow-file-access-from-files'],
  });
}

type Events = HostViewApi['events'];
type Requests = HostViewApi['requests'];
/** A request or event the page posted, flattened: its type, its params or payload, and the envelope id. */
export type Posted = { type: string; id: number } & Record<string, unknown>;

export interface AppPage {
  page: Page;
  /** Requests and events the page posted, in order. */
  posted(): Promise<Posted[]>;
  /** Pushes one of the host's events. */
  send<K extends keyof Events & string>(message: { type: K } & Events[K]): Promise<void>;
  /** Answers the page's newest request of this type. */
  reply<K extends keyof Requests & string>(type: K, result: Requests[K]['result']): Promise<void>;
  /** CSP violations reported by the page. */
  violations(): Promise<string[]>;
}

/** Opens `app` the way the extension does; `state` is what getState returns at load (a restored view). */
export async function openApp(browser: Browser, app: string, opts: { state?: unknown; width?: number; height?: number } = {}): Promise<AppPage> {
  const html = join(shotDir, `${app}.html`);
  writeFileSync(
    html,
    buildWebviewHtml({ title: app, scriptUri: pathToFileURL(join(root, `dist/webview/${app}.js`)).href, cspSource: 'file:', nonce: makeNonce(), initialData: { app } }).replace(
      '<body>',
      '<body class="vscode-dark">',
    ),
  );
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 }, deviceScaleFactor: 1 });
  await page.addInitScript((initial) => {
    const g = globalThis as unknown as Record<string, unknown> & { document: { addEventListener(t: string, f: (e: { violatedDirective: string }) => void): void } };
    const posted: unknown[] = [];
    const violations: string[] = [];
    let state: unknown = initial ?? undefined;
    g.__posted = posted;
    g.__violations = violations;
    g.__state = () => state;
    g.document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    let acquired = false;
    g.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => state,
        setState: (s: unknown) => {
          state = s;
        },
      };
    };
  }, opts.state ?? null);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction('window.__posted.some((m) => m.body && m.body.type === "webview/ready")');
  if (errors.length > 0) throw new Error(`${app}: page errors: ${errors.join('; ')}`);
  let nextId = 1_000_000;
  const posted = async (): Promise<Posted[]> => {
    const envelopes = await page.evaluate(() => (globalThis as unknown as { __posted: Envelope[] }).__posted);
    return envelopes.map((e) => {
      const body = e.body as { type: string; params?: Record<string, unknown>; payload?: Record<string, unknown> };
      return { ...(body.params ?? body.payload ?? {}), type: body.type, id: e.id };
    });
  };
  const deliver = async (envelope: Envelope): Promise<void> => {
    await page.evaluate((msg) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(msg, '*'), envelope);
    await page.waitForTimeout(30);
  };
  return {
    page,
    posted,
    send: async ({ type, ...payload }) => {
      await deliver({ id: nextId++, body: { type, payload } });
    },
    reply: async (type, result) => {
      const request = (await posted()).filter((m) => m.type === type).at(-1);
      if (!request) throw new Error(`the page sent no ${type} request to reply to`);
      await deliver({ id: nextId++, inReplyTo: request.id, body: { type: 'reply/ok', result } });
    },
    violations: () => page.evaluate(() => (globalThis as unknown as { __violations: string[] }).__violations),
  };
}

/** A DARK theme's core variables, as VS Code sets them on <html>. */
export async function darkTheme(page: Page): Promise<void> {
  await page.evaluate(() => {
    const s = (globalThis as unknown as { document: { documentElement: { style: { setProperty(k: string, v: string): void } } } }).document.documentElement.style;
    const vars: Record<string, string> = {
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-font-family': '"DejaVu Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-descriptionForeground': '#9d9d9d',
    };
    for (const [k, v] of Object.entries(vars)) s.setProperty(k, v);
  });
}
