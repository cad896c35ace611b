import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseHostMessage, parseWebviewMessage } from '../../src/protocol/webviewMessages';

function rejected(value: unknown, pattern: RegExp): void {
  const r = parseWebviewMessage(value);
  assert.equal(r.ok, false, `expected ${JSON.stringify(value)} to be rejected`);
  if (!r.ok) assert.match(r.error, pattern);
}

test('valid webview messages pass', () => {
  const ok = [
    { type: 'webview/ready' },
    { type: 'export/save', format: 'png', fileName: 'loss curves.png', data: 'iVBORw0KGgo=' },
    { type: 'export/save', format: 'csv', fileName: 'entropy.csv', data: 'a,b\n1,2\n' },
    { type: 'trace/request', requestId: 3, fn: 'rosenbrock', steps: 200, optimizers: [{ name: 'lion', lr: 0.01, beta1: 0.9, beta2: 0.99, weightDecay: 0 }] },
    { type: 'checkpoint/open', path: '/runs/q/r/checkpoints/step-10.safetensors' },
    { type: 'dashboard/open', experiment: null },
    { type: 'tensor/request', name: 'blocks.0.attn.qkv.kernel' },
    { type: 'diff/request' },
    { type: 'attention/request', requestId: 1, input: '3 1 2 |' },
    { type: 'attention/request', requestId: 2, input: '3 1 2 |', sigma: 1.5 },
  ];
  for (const m of ok) {
    const r = parseWebviewMessage(m);
    assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? '' : r.error}`);
  }
});

test('unknown types and non-objects are rejected', () => {
  rejected(null, /object/);
  rejected([], /object/);
  rejected('webview/ready', /object/);
  rejected({ type: 'run/delete' }, /unknown message type "run\/delete"/);
  rejected({ type: 'toString' }, /unknown message type/);
  rejected({ kind: 'webview/ready' }, /unknown message type/);
});

test('fields of the wrong type or out of range are rejected with the field named', () => {
  rejected({ type: 'export/save', format: 'exe', fileName: 'a.exe', data: '' }, /"format" must be one of png, svg, csv/);
  rejected({ type: 'export/save', format: 'svg', fileName: '../../.bashrc', data: '' }, /plain file name/);
  rejected({ type: 'export/save', format: 'svg', fileName: 'a\u0000b.svg', data: '' }, /plain file name/);
  rejected({ type: 'export/save', format: 'svg', fileName: 'a.svg', data: 7 }, /"data" must be a string/);
  rejected({ type: 'trace/request', requestId: 1, fn: 'beale', steps: 0, optimizers: [{ name: 'lion', lr: 0.1 }] }, /"steps" must be an integer/);
  rejected({ type: 'trace/request', requestId: 1, fn: 'beale', steps: 10, optimizers: [] }, /1 to 8 optimizers/);
  rejected({ type: 'trace/request', requestId: 1, fn: 'beale', steps: 10, optimizers: [{ name: 'adam', lr: 0.1 }] }, /optimizers\[0\]\.name/);
  rejected({ type: 'trace/request', requestId: 1, fn: 'beale', steps: 10, optimizers: [{ name: 'lion', lr: -1 }] }, /optimizers\[0\]\.lr must be a positive/);
  rejected({ type: 'trace/request', requestId: 1, fn: 'beale', steps: 10, optimizers: [{ name: 'lion', lr: 0.1, beta1: 'x' }] }, /optimizers\[0\]\.beta1/);
  rejected({ type: 'trace/request', requestId: 1.5, fn: 'beale', steps: 10, optimizers: [{ name: 'lion', lr: 0.1 }] }, /"requestId"/);
  rejected({ type: 'tensor/request', name: 42 }, /"name" must be a string/);
  rejected({ type: 'attention/request', requestId: 1, input: 'x'.repeat(2001) }, /"input" must be a string of at most 2000/);
  rejected({ type: 'attention/request', requestId: 1, input: '3', sigma: -1 }, /"sigma" must be a number in \[0, 16\]/);
  rejected({ type: 'attention/request', requestId: 1, input: '3', sigma: 17 }, /"sigma" must be a number in \[0, 16\]/);
  rejected({ type: 'dashboard/open' }, /"experiment"/);
});

test('host messages are checked in the webview too', () => {
  assert.ok(parseHostMessage({ type: 'run/metrics', experiment: 'q', runId: 'r', records: [], replace: false }).ok);
  assert.ok(parseHostMessage({ type: 'dashboard/data', experiments: [], focus: null }).ok);
  const bad = parseHostMessage({ type: 'run/metrics', experiment: 'q', runId: 'r', records: 'x', replace: false });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /run\/metrics: "records" must be an array/);
  assert.equal(parseHostMessage({ type: 'checkpoint/header', header: {} }).ok, false);
  assert.equal(parseHostMessage({ type: 'eval' }).ok, false);
});
