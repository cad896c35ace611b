import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildWebviewHtml, contentSecurityPolicy, makeNonce } from '../../src/extension/views/webviewHtml';
import { jsonForScriptTag } from '../../src/core/report/htmlText';

const base = {
  title: 'Dashboard <x>',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dashboard.js',
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'AAAAAAAAAAAAAAAAAAAAAA==',
};

test('the CSP allows only nonce-tagged scripts and styles and nothing by default', () => {
  const html = buildWebviewHtml(base);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(csp, 'has a CSP meta tag');
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k as string, v]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${base.nonce}'`]);
  assert.deepEqual(directives.get('style-src'), [`'nonce-${base.nonce}'`]);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  assert.equal(contentSecurityPolicy(base.nonce, base.cspSource), csp);
});

test('the csp-nonce meta tag and the one script carry the nonce; no inline handlers', () => {
  const html = buildWebviewHtml(base);
  assert.match(html, new RegExp(`<meta property="csp-nonce" content="${base.nonce.replace(/[+=/]/g, '\\$&')}">`));
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1] as string);
  const executable = scripts.filter((s) => !s.includes('application/json'));
  assert.equal(executable.length, 1);
  assert.ok(executable[0]?.includes(`nonce="${base.nonce}"`));
  assert.ok(executable[0]?.includes(`src="${base.scriptUri}"`));
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  assert.match(html, /<title>Dashboard &lt;x&gt;<\/title>/);
});

test('initial data cannot close its script tag', () => {
  const html = buildWebviewHtml({ ...base, initialData: { evil: '</script><script>alert(1)</script>', sep: '\u2028' } });
  assert.equal(html.match(/<\/script>/g)?.length, 2, 'only the two real closing tags');
  const json = /<script type="application\/json" id="initial-data">(.*?)<\/script>/s.exec(html)?.[1] as string;
  assert.deepEqual(JSON.parse(json), { evil: '</script><script>alert(1)</script>', sep: '\u2028' });
  assert.equal(jsonForScriptTag(undefined), 'null');
});

test('nonces are fresh, long and base64; bad inputs are refused', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
  assert.throws(() => buildWebviewHtml({ ...base, nonce: 'short' }), /nonce/);
  assert.throws(() => buildWebviewHtml({ ...base, nonce: `${base.nonce}' 'unsafe-inline` }), /nonce/);
  assert.throws(() => buildWebviewHtml({ ...base, scriptUri: 'dashboard.js' }), /absolute URI/);
  assert.throws(() => buildWebviewHtml({ ...base, cspSource: "x; script-src 'unsafe-inline'" }), /cspSource/);
  assert.throws(() => buildWebviewHtml({ ...base, cspSource: "'self' 'unsafe-inline'" }), /cspSource/);
  assert.throws(() => buildWebviewHtml({ ...base, cspSource: 'a,b' }), /cspSource/);
  assert.throws(() => buildWebviewHtml({ ...base, cspSource: '' }), /cspSource/);
});

test("VS Code 1.100's cspSource, a list of two sources, goes into img-src and font-src", () => {
  // what webview.cspSource is in code-server 4.100.3 (and desktop VS Code 1.100)
  const cspSource = "'self' https://*.vscode-cdn.net";
  const html = buildWebviewHtml({ ...base, cspSource });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] as string;
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k as string, v]));
  assert.deepEqual(directives.get('img-src'), ["'self'", 'https://*.vscode-cdn.net', 'data:', 'blob:']);
  assert.deepEqual(directives.get('font-src'), ["'self'", 'https://*.vscode-cdn.net']);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${base.nonce}'`]);
});
