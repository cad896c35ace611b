/**
 * The one function that writes a webview's HTML. Pure (no `vscode` import) so it is unit-tested:
 * a strict Content-Security-Policy with a per-load nonce, and the `csp-nonce` meta tag the UI
 * toolkit needs to run under it without violations (without it, a FAST helper's probe of
 * `:focus-visible` with an empty `<style>` is refused; `'unsafe-inline'` is not needed).
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml, jsonForScriptTag } from '../../core/report/htmlText';

export interface WebviewHtmlOptions {
  /** Page title (escaped). */
  title: string;
  /** The app's bundle as a webview URI string (`webview.asWebviewUri(dist/webview/<app>.js)`). */
  scriptUri: string;
  /**
   * `webview.cspSource`: lets images and fonts load from the extension's own resources. A list of
   * CSP sources, not one: VS Code 1.100 (desktop and code-server) gives `'self' https://*.vscode-cdn.net`.
   */
  cspSource: string;
  /** A fresh nonce per load; `makeNonce()` unless a test fixes one. */
  nonce: string;
  /** Initial JSON the app reads before any message (e.g. the view kind); escaped for a script tag. */
  initialData?: unknown;
}

/** 128 random bits, base64: an unguessable nonce for one page load. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

const NONCE_RE = /^[A-Za-z0-9+/=]{16,}$/;

/**
 * One source of `webview.cspSource`: the `'self'` keyword or a scheme/host source. Anything that
 * could end the directive (`;`, `,`) or widen it with another keyword (`'unsafe-inline'`) is refused.
 */
const CSP_SOURCE_RE = /^(?:'self'|[^\s;,'"]+)$/;

function isCspSourceList(s: string): boolean {
  return s.trim() !== '' && s.trim().split(/ +/).every((x) => CSP_SOURCE_RE.test(x));
}

/** For double-quoted attribute values: quotes stay readable in the CSP (`'none'`). */
function escapeAttr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}


/** The Content-Security-Policy of every Attention Lab webview. */
export function contentSecurityPolicy(nonce: string, cspSource: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    // Canvas PNG export and images from the extension's media folder.
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function buildWebviewHtml(opts: WebviewHtmlOptions): string {
  if (!NONCE_RE.test(opts.nonce)) throw new Error(`webview nonce must be at least 16 base64 characters, got ${JSON.stringify(opts.nonce)}`);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(opts.scriptUri)) throw new Error(`webview script must be an absolute URI, got ${JSON.stringify(opts.scriptUri)}`);
  if (!isCspSourceList(opts.cspSource)) throw new Error(`webview cspSource is not a list of CSP sources: ${JSON.stringify(opts.cspSource)}`);
  const nonce = opts.nonce;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(nonce, opts.cspSource))}">
<meta property="csp-nonce" content="${escapeAttr(nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(opts.title)}</title>
</head>
<body>
<div id="app" aria-live="polite"></div>
<script type="application/json" id="initial-data">${jsonForScriptTag(opts.initialData ?? null)}</script>
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(opts.scriptUri)}"></script>
</body>
</html>
`;
}
