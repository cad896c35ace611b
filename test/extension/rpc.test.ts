import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiGuards, Envelope, RpcApi, RpcTransport } from '../../src/protocol/rpc';
import { RpcCancelledError, RpcEndpoint, RpcError, RpcTimeoutError, is, isEnvelope } from '../../src/protocol/rpc';

interface ServerApi extends RpcApi {
  requests: {
    'sum/compute': { params: { values: number[] }; result: { sum: number } };
    'job/fail': { params: { why: string }; result: { never: boolean } };
    'job/hang': { params: Record<string, never>; result: { done: boolean } };
  };
  events: { 'job/progress': { step: number } };
}
interface ClientApi extends RpcApi {
  requests: Record<never, never>;
  events: Record<never, never>;
}
const SERVER: ApiGuards<ServerApi> = {
  params: { 'sum/compute': is.object({ values: is.arrayOf(is.number) }), 'job/fail': is.object({ why: is.string }), 'job/hang': is.nothing },
  results: { 'sum/compute': is.object({ sum: is.number }), 'job/fail': is.object({ never: is.boolean }), 'job/hang': is.object({ done: is.boolean }) },
  events: { 'job/progress': is.object({ step: is.integer }) },
};
const CLIENT: ApiGuards<ClientApi> = { params: {}, results: {}, events: {} };

/** Two transports wired to each other, delivering asynchronously like IPC and postMessage do; `tap` sees every message. */
function pair(tap: (from: 'a' | 'b', m: Envelope) => Envelope | null = (_f, m) => m): [RpcTransport, RpcTransport, (to: 'a' | 'b', raw: unknown) => void] {
  const handlers: Record<'a' | 'b', Set<(raw: unknown) => void>> = { a: new Set(), b: new Set() };
  const deliver = (to: 'a' | 'b', raw: unknown): void => {
    const copy: unknown = JSON.parse(JSON.stringify(raw));
    setImmediate(() => handlers[to].forEach((h) => h(copy)));
  };
  const make = (self: 'a' | 'b', other: 'a' | 'b'): RpcTransport => ({
    post: (m) => {
      const out = tap(self, m);
      if (out) deliver(other, out);
    },
    listen: (h) => {
      handlers[self].add(h);
      return () => handlers[self].delete(h);
    },
  });
  return [make('a', 'b'), make('b', 'a'), deliver];
}

function setup(tap?: (from: 'a' | 'b', m: Envelope) => Envelope | null) {
  const [ta, tb, inject] = pair(tap);
  const invalid: string[] = [];
  const server = new RpcEndpoint<ServerApi, ClientApi>(ta, SERVER, CLIENT, (r) => invalid.push(`server: ${r}`));
  const client = new RpcEndpoint<ClientApi, ServerApi>(tb, CLIENT, SERVER, (r) => invalid.push(`client: ${r}`));
  server.handle('sum/compute', ({ values }) => ({ sum: values.reduce((a, b) => a + b, 0) }));
  server.handle('job/fail', ({ why }) => {
    throw new Error(`failed: ${why}`);
  });
  server.handle('job/hang', () => new Promise(() => undefined));
  return { server, client, invalid, inject };
}

/** Waits until `done()` holds (messages cross the channel asynchronously; a loaded machine can take a while), at most 5 s. */
async function until(done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

test('a request gets its own reply, with the envelope {id, inReplyTo, body}', async () => {
  const seen: Envelope[] = [];
  const { client } = setup((_f, m) => (seen.push(m), m));
  const [a, b] = await Promise.all([client.request('sum/compute', { values: [1, 2, 3] }), client.request('sum/compute', { values: [10] })]);
  assert.deepEqual(a, { sum: 6 });
  assert.deepEqual(b, { sum: 10 });
  const reply = seen.find((m) => m.inReplyTo !== undefined);
  assert.ok(reply && isEnvelope(reply));
  assert.equal(reply.body.type, 'reply/ok');
  assert.equal(client.pendingCount, 0);
});

test('a handler that throws becomes a rejected request with its message', async () => {
  const { client } = setup();
  await assert.rejects(client.request('job/fail', { why: 'disk full' }), (e: Error) => e instanceof RpcError && e.message === 'failed: disk full');
});

test('unknown request types and malformed params are rejected at the boundary and never reach a handler', async () => {
  const invalid: string[] = [];
  let called = false;
  // a raw client that bypasses the types, as a compromised webview could
  const [ta, tb] = pair();
  const srv = new RpcEndpoint<ServerApi, ClientApi>(ta, SERVER, CLIENT, (r) => invalid.push(r));
  srv.handle('sum/compute', () => {
    called = true;
    return { sum: 0 };
  });
  const replies: Envelope[] = [];
  tb.listen((raw) => replies.push(raw as Envelope));
  tb.post({ id: 1, body: { type: 'file/delete', params: { path: '/' } } });
  tb.post({ id: 2, body: { type: 'sum/compute', params: { values: ['1'] } } });
  tb.post({ id: 3, body: { type: 'sum/compute', params: { values: [1] } } });
  await until(() => replies.length >= 3);
  assert.equal(replies.length, 3);
  const byId = new Map(replies.map((r) => [r.inReplyTo, r.body]));
  assert.deepEqual(byId.get(1), { type: 'reply/error', message: 'unknown request "file/delete"' });
  assert.deepEqual(byId.get(2), { type: 'reply/error', message: 'sum/compute: malformed params: $.values[0] must be a finite number (got string)' });
  assert.equal(byId.get(3)?.type, 'reply/ok');
  assert.equal(called, true); // only for id 3
  assert.ok(invalid.includes('unknown request file/delete'));
  assert.ok(invalid.includes('sum/compute: malformed params: $.values[0] must be a finite number (got string)'));
});

test('garbage that is not an envelope is reported and ignored', async () => {
  const { client, invalid, inject } = setup();
  for (const raw of [null, 'hello', 42, { id: 'x', body: { type: 'a' } }, { id: 1 }, { id: 1, body: { type: 7 } }, { id: 1, body: { type: 'job/progress' } }]) inject('b', raw);
  await until(() => invalid.length >= 7);
  assert.equal(invalid.length, 7);
  assert.deepEqual(await client.request('sum/compute', { values: [2] }), { sum: 2 }); // still works
});

test('events reach their listeners only when the payload passes its guard', async () => {
  const { server, client, invalid, inject } = setup();
  const steps: number[] = [];
  const off = client.on('job/progress', (p) => steps.push(p.step));
  server.emit('job/progress', { step: 1 });
  inject('b', { id: 99, body: { type: 'job/progress', payload: { step: 'two' } } });
  inject('b', { id: 100, body: { type: 'job/unknown', payload: {} } });
  server.emit('job/progress', { step: 3 });
  await until(() => steps.length >= 2 && invalid.length >= 2);
  off();
  server.emit('job/progress', { step: 4 });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(steps, [1, 3]);
  assert.deepEqual(invalid, ['client: job/progress: malformed payload: $.step must be an integer (got string)', 'client: unknown event job/unknown']);
});

test('a malformed reply rejects the request instead of resolving with bad data', async () => {
  const { client, invalid } = setup((from, m) => (from === 'a' && m.body.type === 'reply/ok' ? { ...m, body: { type: 'reply/ok', result: { sum: 'six' } } } : m));
  await assert.rejects(client.request('sum/compute', { values: [1, 2, 3] }), /sum\/compute: malformed reply: \$\.result\.sum must be a finite number/);
  assert.deepEqual(invalid, ['client: sum/compute: malformed reply: $.result.sum must be a finite number (got string)']);
});

test('requests race a timeout and a cancellation signal', async () => {
  const { client } = setup();
  await assert.rejects(client.request('job/hang', {}, { timeoutMs: 30 }), (e: Error) => e instanceof RpcTimeoutError && /no reply within 30 ms/.test(e.message));
  const ac = new AbortController();
  const p = client.request('job/hang', {}, { signal: ac.signal });
  setTimeout(() => ac.abort(), 10);
  await assert.rejects(p, RpcCancelledError);
  assert.equal(client.pendingCount, 0);
  const done = new AbortController();
  done.abort();
  await assert.rejects(client.request('sum/compute', { values: [] }, { signal: done.signal }), RpcCancelledError);
});

test('waitFor resolves on the first accepted event, or times out (the ready handshake)', async () => {
  const { server, client } = setup();
  const waiting = client.waitFor('job/progress', { accept: (p) => p.step >= 2, timeoutMs: 1000 });
  server.emit('job/progress', { step: 1 });
  server.emit('job/progress', { step: 2 });
  assert.deepEqual(await waiting, { step: 2 });
  await assert.rejects(client.waitFor('job/progress', { timeoutMs: 20 }), RpcTimeoutError);
});

test('dispose and rejectAll fail the waiting requests (the other side died)', async () => {
  const { client } = setup();
  const p1 = client.request('job/hang', {});
  client.rejectAll(new RpcError('backend exited with code 1'));
  await assert.rejects(p1, /backend exited with code 1/);
  const p2 = client.request('job/hang', {});
  client.dispose();
  await assert.rejects(p2, /channel was closed/);
  await assert.rejects(client.request('sum/compute', { values: [1] }), /channel is closed/);
});
