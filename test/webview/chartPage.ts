/**
 * One headless Debian Chromium for the chart tests, showing the gallery bundle
 * (dist/webview/gallery.js) under the strict CSP a VS Code webview uses. Chromium is installed by
 * scripts/ensure-chromium.sh, never by the tests: without it the tests skip locally and fail on CI.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type * as Esbuild from 'esbuild';
import type * as Playwright from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

// Loaded at run time, not bundled: playwright-core reads its own package files from disk.
// (Adding 'playwright-core' to `external` in scripts/build.mjs would allow a plain import.)
const { chromium } = createRequire(__filename)('playwright-core') as typeof Playwright;

/** Debian's chromium; ATTENTION_LAB_CHROMIUM points elsewhere (or at nothing, to try the skip). */
export const CHROMIUM = process.env.ATTENTION_LAB_CHROMIUM ?? '/usr/bin/chromium';
export const root = resolve(__dirname, '..', '..', '..');
export const shotDir = join(root, 'test-results', 'charts');

/** Why the chart tests cannot run, or undefined when they can. Throws on CI: there they must run. */
export function chartTestsUnavailable(): string | undefined {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run scripts/ensure-chromium.sh)`);
  if (!existsSync(join(root, 'dist/webview/gallery.js'))) missing.push('dist/webview/gallery.js (run node scripts/build.mjs)');
  if (missing.length === 0) return undefined;
  const why = `chart tests need ${missing.join(' and ')}`;
  if (process.env.CI) throw new Error(`${why}; on CI, .ci/run must call scripts/ensure-chromium.sh before npm test`);
  return why;
}

const NONCE = 'chartTestNonce0123456789';

/** A page under VS Code's webview CSP (nonce'd script, no inline styles), dark theme class. */
function pageHtml(scriptFile: string): string {
  const script = pathToFileURL(scriptFile).href;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'; img-src data: blob:;">
<meta property="csp-nonce" content="${NONCE}">
<title>Attention Lab chart gallery</title>
</head><body class="vscode-dark">
<script nonce="${NONCE}" src="${script}"></script>
</body></html>`;
}

export async function openGallery(): Promise<{ browser: Browser; page: Page }> {
  mkdirSync(shotDir, { recursive: true });
  const html = join(shotDir, 'gallery.html');
  writeFileSync(html, pageHtml(join(root, 'dist/webview/gallery.js')));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--allow-file-access-from-files'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction('typeof window.attentionLabGallery === "object"');
  return { browser, page };
}

/** VS Code's Dark Modern values for the variables the charts read, set like VS Code sets them. */
export const DARK_VARS: Record<string, string> = {
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-font-family': '"DejaVu Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-charts-foreground': '#cccccc',
  '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-editorHoverWidget-background': '#202020',
  '--vscode-editorHoverWidget-border': '#454545',
  '--vscode-descriptionForeground': '#9d9d9d',
};

/** Switches theme as VS Code does: body class plus the CSS variables on <html> (CSSOM, not a style attribute). */
export async function setTheme(page: Page, bodyClass: string, vars: Record<string, string>): Promise<void> {
  await page.evaluate(
    ([cls, v]) => {
      const g = globalThis as unknown as {
        document: { body: { className: string }; documentElement: { style: { cssText: string; setProperty(k: string, x: string): void } } };
      };
      g.document.documentElement.style.cssText = '';
      for (const [k, x] of Object.entries(v)) g.document.documentElement.style.setProperty(k, x);
      g.document.body.className = cls;
    },
    [bodyClass, vars] as const,
  );
  // Charts redraw on a microtask after the mutation observer fires.
  await page.waitForTimeout(50);
}

/**
 * Opens webview/gallery/toolkitCheck.ts (bundled here with esbuild: it is a test page, not an
 * app the build ships) in a new page of `browser`.
 */
export async function openToolkitCheck(browser: Browser): Promise<Page> {
  const esbuild = createRequire(__filename)('esbuild') as typeof Esbuild;
  const js = join(shotDir, 'toolkit-check.js');
  await esbuild.build({
    entryPoints: [join(root, 'webview/gallery/toolkitCheck.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    outfile: js,
    logLevel: 'warning',
  });
  const html = join(shotDir, 'toolkit-check.html');
  writeFileSync(html, pageHtml(js));
  const page = await browser.newPage({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction('typeof window.toolkitCheck === "object"');
  return page;
}
