/**
 * Every channel of the extension speaks the one request/reply endpoint (src/protocol/rpc.ts):
 * host ↔ backend (BackendApi), host ↔ webview (HostViewApi), runner ↔ training worker
 * (WorkerApi). For each API, every request type is sent once valid (it reaches its handler and
 * the reply passes the result guard) and once malformed (refused at the boundary, with the JSON
 * path of the problem, before any handler runs), and every event type is emitted once valid
 * (delivered) and once malformed (dropped and reported). A message type without samples here
 * fails the test, so a new message cannot skip validation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcEndpoint, type ApiGuards, type Envelope, type RpcApi, type RpcTransport } from '../../src/protocol/rpc';
import { BACKEND_GUARDS, HOST_GUARDS } from '../../src/protocol/backendMessages';
import { HOST_VIEW_GUARDS, WEBVIEW_GUARDS } from '../../src/protocol/views';
import { RUNNER_GUARDS, WORKER_GUARDS, isRunnerEvent } from '../../src/protocol/runner';

/** Two transports wired to each other through JSON (like Node IPC and postMessage), asynchronous. */
function pair(): [RpcTransport, RpcTransport] {
  const handlers: [Set<(raw: unknown) => void>, Set<(raw: unknown) => void>] = [new Set(), new Set()];
  const make = (self: 0 | 1): RpcTransport => ({
    post: (m: Envelope) => {
      const copy: unknown = JSON.parse(JSON.stringify(m));
      setImmediate(() => handlers[self === 0 ? 1 : 0].forEach((h) => h(copy)));
    },
    listen: (h) => {
      handlers[self].add(h);
      return () => handlers[self].delete(h);
    },
  });
  return [make(0), make(1)];
}

interface Samples {
  /** Per request: valid params, the result its handler gives, and malformed params with the problem expected. */
  requests: Record<string, { params: unknown; result: unknown; bad: [unknown, RegExp][] }>;
  /** Per event: a valid payload and malformed ones with the problem expected. */
  events: Record<string, { payload: unknown; bad: [unknown, RegExp][] }>;
}

async function checkChannel<Server extends RpcApi, Client extends RpcApi>(name: string, server: ApiGuards<Server>, client: ApiGuards<Client>, samples: Samples): Promise<void> {
  assert.deepEqual(Object.keys(samples.requests).sort(), Object.keys(server.params).sort(), `${name}: samples for every request type`);
  assert.deepEqual(Object.keys(samples.events).sort(), Object.keys(server.events).sort(), `${name}: samples for every event type`);
  const [ta, tb] = pair();
  const invalid: string[] = [];
  const srv = new RpcEndpoint<Server, Client>(ta, server, client, (r) => invalid.push(r));
  const cli = new RpcEndpoint<Client, Server>(tb, client, server, (r) => invalid.push(r));
  const reached: string[] = [];
  for (const [type, s] of Object.entries(samples.requests)) {
    srv.handle(type as never, ((params: unknown) => {
      reached.push(type);
      assert.deepEqual(params, JSON.parse(JSON.stringify(s.params)), `${name} ${type}: the handler sees the params`);
      return s.result;
    }) as never);
  }
  for (const [type, s] of Object.entries(samples.requests)) {
    const result = await cli.request(type as never, s.params as never, { timeoutMs: 5000 });
    assert.deepEqual(result, JSON.parse(JSON.stringify(s.result)), `${name} ${type}: round trip`);
    for (const [bad, problem] of s.bad) {
      const before = reached.length;
      await assert.rejects(cli.request(type as never, bad as never, { timeoutMs: 5000 }), (e: Error) => {
        assert.match(e.message, new RegExp(`^${type.replace('/', '\\/')}: malformed params: ${problem.source}`), `${name} ${type}: ${JSON.stringify(bad)}`);
        return true;
      });
      assert.equal(reached.length, before, `${name} ${type}: a malformed request never reaches the handler`);
    }
  }
  for (const [type, s] of Object.entries(samples.events)) {
    const got: unknown[] = [];
    const off = cli.on(type as never, (p: unknown) => got.push(p));
    srv.emit(type as never, s.payload as never);
    for (const [bad] of s.bad) srv.emit(type as never, bad as never);
    for (let waited = 0; got.length < 1 || invalid.filter((r) => r.startsWith(`${type}: malformed payload`)).length < s.bad.length; waited += 5) {
      if (waited > 5000) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    off();
    assert.deepEqual(got, [JSON.parse(JSON.stringify(s.payload))], `${name} ${type}: only the valid payload is delivered`);
    const reasons = invalid.filter((r) => r.startsWith(`${type}: malformed payload`));
    assert.equal(reasons.length, s.bad.length, `${name} ${type}: every malformed payload is reported`);
    s.bad.forEach(([, problem], i) => assert.match(reasons[i] ?? '', new RegExp(`malformed payload: ${problem.source}`)));
  }
  srv.dispose();
  cli.dispose();
}

const config = { id: 'r1', task: {}, model: {}, optimizer: { name: 'adamw', lr: 1e-3 }, train: { steps: 10 }, seed: 1 };
const tiger = { name: 'tiger', lr: 0.002, beta: 0.945, weightDecay: 0.3, shrink: 0.5 };
const trace = {
  function: 'rosenbrock',
  formula: 'f',
  optimizer: tiger,
  schedule: { kind: 'constant' },
  start: [-1.5, 2],
  minimum: [1, 1],
  minima: [[1, 1]],
  minValue: 0,
  domain: { x: [-2, 2], y: [-1, 3] },
  points: [{ step: 0, x: -1.5, y: 2, loss: 1, lr: 0 }],
  diverged: false,
};
const outcome = { dir: '/runs/q', name: 'q', runs: [{ id: 'r1', runDir: '/runs/q/r1', status: 'completed', error: null }], backends: ['wasm'] };
const probe = { tokens: ['3', '|'], layers: 1, heads: 1, patterns: [[[1, 0, 0.5, 0.5]]], predictions: ['3', '3'] };
const progress = { runId: 'r1', step: 5, totalSteps: 10, loss: 1.5, lr: 1e-3, wallTime: 0.5 };

test('host ↔ backend: every request and event of BackendApi, valid and malformed', async () => {
  await checkChannel('backend', BACKEND_GUARDS, HOST_GUARDS, {
    requests: {
      'presets/list': { params: {}, result: { presets: [{ name: 'quick', description: 'd', runs: 4 }] }, bad: [[{ extra: 1 }, /\$ must be an empty object/]] },
      'spec/check': { params: { path: '/a.json' }, result: { name: 'a', runs: 2 }, bad: [[{ path: 7 }, /\$\.path must be a string/]] },
      'experiment/run': {
        params: { jobId: 'j', outDir: '/runs', backend: 'wasm', parallel: 0, source: { kind: 'preset', name: 'quick' }, steps: null },
        result: outcome,
        bad: [
          [{ jobId: 'j', outDir: '/runs', backend: 'gpu', parallel: 0, source: { kind: 'preset', name: 'quick' }, steps: null }, /\$\.backend must be one of auto, node, wasm, cpu/],
          [{ jobId: 'j', outDir: '/runs', backend: 'wasm', parallel: 0, source: { kind: 'url', href: 'x' }, steps: null }, /\$\.source\.kind must be one of preset, file/],
          [{ jobId: 'j', outDir: '/runs', backend: 'wasm', parallel: 0, source: { kind: 'file', path: '/a' }, steps: 0 }, /\$\.steps must be a positive integer/],
          [{ jobId: 'j', outDir: '/runs', backend: 'wasm', parallel: 0, source: { kind: 'file', path: '/a' }, steps: null, on: 'k8s' }, /\$\.on must be one of local, slurm/],
          [{ jobId: 'j', outDir: '/runs', backend: 'wasm', parallel: 0, source: { kind: 'file', path: '/a' }, steps: null, on: 'slurm', slurm: 'gpu' }, /\$\.slurm must be/],
        ],
      },
      'slurm/cancel': { params: { dir: '/runs/q' }, result: { cancelled: 2, completed: 1, failed: 0 }, bad: [[{ dir: null }, /\$\.dir must be a string/]] },
      'run/resume': { params: { jobId: 'j', backend: 'cpu', runDir: '/runs/q/r1' }, result: outcome, bad: [[{ jobId: '', backend: 'cpu', runDir: '/x' }, /\$\.jobId must be/]] },
      'experiment/cancel': { params: { jobId: 'j' }, result: { cancelled: true }, bad: [[{}, /\$\.jobId must be/]] },
      'trace/run': {
        params: { optimizer: tiger, fn: 'rosenbrock', steps: 100, start: null },
        result: trace,
        bad: [
          [{ optimizer: { name: 'tiger' }, fn: 'rosenbrock', steps: 100, start: null }, /\$\.optimizer\.lr must be a finite number/],
          [{ optimizer: { ...tiger, beta: 'x' }, fn: 'rosenbrock', steps: 100, start: null }, /\$\.optimizer\.beta must be a finite number/],
          [{ optimizer: tiger, fn: 'rosenbrock', steps: 100, start: [1] }, /\$\.start must be a point/],
        ],
      },
      'attention/probe': { params: { checkpoint: '/c.safetensors', input: '3 |' }, result: probe, bad: [[{ checkpoint: '/c' }, /\$\.input must be a string/]] },
    },
    events: {
      'backend/ready': { payload: { pid: 1, node: 'v20', tfjsNode: 'allowed' }, bad: [[{ pid: 1, node: 'v20', tfjsNode: 'maybe' }, /\$\.tfjsNode must be one of allowed, forbidden/]] },
      'backend/log': { payload: { level: 'warn', message: 'm' }, bad: [[{ level: 'debug', message: 'm' }, /\$\.level must be one of info, warn, error/]] },
      'job/event': {
        payload: { jobId: 'j', event: { type: 'run/progress', ...progress } },
        bad: [
          [{ jobId: 'j', event: { type: 'run/explode' } }, /\$\.event\.type must be one of/],
          [{ jobId: 'j', event: { type: 'run/progress', ...progress, step: 'five' } }, /\$\.event\.step must be an integer/],
          [{ jobId: 'j', event: { type: 'run/queue', runId: 'r1', jobId: '9_0', state: 'PENDING', reason: 7 } }, /\$\.event\.reason must be/],
        ],
      },
    },
  });
});

test('host ↔ webview: every request and event of HostViewApi, valid and malformed', async () => {
  await checkChannel('views', HOST_VIEW_GUARDS, WEBVIEW_GUARDS, {
    requests: {
      'export/save': {
        params: { format: 'png', fileName: 'loss curves.png', data: 'iVBORw0KGgo=' },
        result: { saved: true },
        bad: [
          [{ format: 'exe', fileName: 'a.exe', data: '' }, /\$\.format must be one of png, svg, csv/],
          [{ format: 'svg', fileName: '../../.bashrc', data: '' }, /\$\.fileName must be a plain file name/],
          [{ format: 'svg', fileName: 'a\u0000b.svg', data: '' }, /\$\.fileName must be a plain file name/],
          [{ format: 'svg', fileName: 'a.svg', data: 7 }, /\$\.data must be a string/],
        ],
      },
      'paths/trace': {
        params: { fn: 'rosenbrock', steps: 200, optimizers: [tiger] },
        result: { function: 'rosenbrock', formula: 'f', domain: { x: [-2, 2], y: [-1, 3] }, minima: [[1, 1]], start: [-1.5, 2], paths: [{ optimizer: tiger, points: [], diverged: false }] },
        bad: [
          [{ fn: 'beale', steps: 0, optimizers: [tiger] }, /\$\.steps must be an integer in \[1, 5000\]/],
          [{ fn: 'beale', steps: 10, optimizers: [] }, /\$\.optimizers must hold 1 to 8 items/],
          [{ fn: 'beale', steps: 10, optimizers: [{ name: 'adam', lr: 0.1 }] }, /\$\.optimizers\[0\]\.name must be one of adamw, lion, tiger, sgd/],
          [{ fn: 'beale', steps: 10, optimizers: [{ name: 'lion', lr: -1 }] }, /\$\.optimizers\[0\]\.lr must be a positive number/],
          [{ fn: 'beale', steps: 10, optimizers: [{ name: 'lion', lr: 0.1, beta1: 'x' }] }, /\$\.optimizers\[0\]\.beta1 must be a finite number/],
        ],
      },
      'dashboard/open': { params: { experiment: null }, result: {}, bad: [[{}, /\$\.experiment must be a string/]] },
      'tensor/get': {
        params: { name: 'blocks.0.attn.qkv.kernel' },
        result: { name: 'x', shape: [2], histogram: { edges: [0, 1], counts: [2], skipped: 0 }, heatmap: null },
        bad: [[{ name: 42 }, /\$\.name must be a string/]],
      },
      'diff/pick': { params: {}, result: { diff: null }, bad: [[{ file: '/etc/passwd' }, /\$ must be an empty object/]] },
      'attention/probe': { params: { input: '3 1 2 |' }, result: probe, bad: [[{ input: 'x'.repeat(2001) }, /\$\.input must be a string of at most 2000 characters/]] },
    },
    events: {
      'dashboard/data': { payload: { experiments: [], focus: null, comparison: null }, bad: [[{ experiments: [], focus: null, comparison: { snapshot: {} } }, /\$\.comparison\.runDirs must be an array/]] },
      'run/metrics': { payload: { experiment: 'q', runId: 'r', records: [], replace: false }, bad: [[{ experiment: 'q', runId: 'r', records: 'x', replace: false }, /\$\.records must be an array/]] },
      'run/status': { payload: { experiment: 'q', run: {} }, bad: [[{ experiment: 'q' }, /\$\.run must be an object/]] },
      'liveRun/state': { payload: { runs: [] }, bad: [[{ runs: {} }, /\$\.runs must be an array/]] },
      'checkpoint/header': { payload: { header: { tensors: [], vocab: [] } }, bad: [[{ header: {} }, /\$\.header\.tensors must be an array/]] },
      'checkpoint/stats': { payload: { stats: [], done: true }, bad: [[{ stats: [], done: 'yes' }, /\$\.done must be true or false/]] },
      'checkpoint/error': { payload: { message: 'bad header' }, bad: [[{}, /\$\.message must be a string/]] },
      'tensor/error': { payload: { name: 'x', message: 'm' }, bad: [[{ message: 'm' }, /\$\.name must be a string/]] },
    },
  });
  // and the other way: the page's only event
  await checkChannel('webview', WEBVIEW_GUARDS, HOST_VIEW_GUARDS, {
    requests: {},
    events: { 'webview/ready': { payload: {}, bad: [[{ now: true }, /\$ must be an empty object/]] } },
  });
});

const narTrain = { hidden: 8, steps: 10, batchSize: 4, lr: 1e-3, trainLengths: [4], evalLengths: [5], hintWeight: 1, seed: 1, taskOptions: {} };

test('runner ↔ training worker: every request and event of WorkerApi, valid and malformed', async () => {
  await checkChannel('worker', WORKER_GUARDS, RUNNER_GUARDS, {
    requests: {
      'run/start': {
        params: { runDir: '/runs/q/r1', experiment: 'q', config, backend: 'auto', resume: false },
        result: { runId: 'r1', status: 'completed', error: null, final: [] },
        bad: [
          [{ runDir: '/nowhere', experiment: 5, config, backend: 'wasm', resume: true }, /\$\.experiment must be a string/],
          [{ runDir: '/r', experiment: 'q', config: { id: 'r1' }, backend: 'wasm', resume: true }, /\$\.config\.task must be an object/],
          [{ runDir: '/r', experiment: 'q', config, backend: 'wasm', resume: 'yes' }, /\$\.resume must be true or false/],
        ],
      },
      'run/cancel': { params: {}, result: { cancelled: true }, bad: [[{ now: 1 }, /\$ must be an empty object/]] },
      'nar/pretrain': {
        params: { id: 'nar:nar/bfs.safetensors', file: '/runs/q/nar/bfs.safetensors', algorithm: 'bfs', train: narTrain, backend: 'cpu' },
        result: { id: 'nar:nar/bfs.safetensors', status: 'completed', error: null, eval: [{ length: 5, accuracy: 0.9, exact: 0.5 }] },
        bad: [
          [{ id: 'n', file: '/f', algorithm: 'quicksort', train: narTrain, backend: 'cpu' }, /\$\.algorithm must be one of insertion_sort, minimum, binary_search, bfs/],
          [{ id: 'n', file: '/f', algorithm: 'bfs', train: { ...narTrain, trainLengths: 4 }, backend: 'cpu' }, /\$\.train\.trainLengths must be an array/],
        ],
      },
    },
    events: {
      'nar/progress': { payload: { id: 'nar:nar/bfs.safetensors', step: 3, steps: 10, loss: null }, bad: [[{ id: 'n', step: 3, steps: '10', loss: 1 }, /\$\.steps must be an integer/]] },
      'worker/ready': { payload: { backend: 'wasm', reason: 'asked for wasm' }, bad: [[{ backend: 'gpu', reason: '' }, /\$\.backend must be one of tensorflow, wasm, cpu/]] },
      'run/progress': { payload: { ...progress, loss: null }, bad: [[{ ...progress, totalSteps: 1.5 }, /\$\.totalSteps must be an integer/]] },
      'run/eval': { payload: { runId: 'r1', step: 5, results: [{ length: 4, tokens: 9, loss: 1, exact: 0.5 }] }, bad: [[{ runId: 'r1', step: 5, results: {} }, /\$\.results must be an array/]] },
      'run/checkpoint': { payload: { runId: 'r1', step: 5, file: '/runs/q/r1/checkpoints/step-5.safetensors' }, bad: [[{ runId: 'r1', step: 5 }, /\$\.file must be a string/]] },
      'worker/log': { payload: { level: 'warn', message: 'skipped a damaged checkpoint' }, bad: [[{ level: 'loud', message: 'm' }, /\$\.level must be one of info, warn, error/]] },
    },
  });
});

test('runner events of a NAR pretraining pass isRunnerEvent, malformed ones do not', () => {
  assert.ok(isRunnerEvent({ type: 'nar/progress', id: 'nar:nar/bfs.safetensors', step: 3, steps: 10, loss: 0.5 }));
  assert.ok(isRunnerEvent({ type: 'nar/end', id: 'nar:nar/bfs.safetensors', status: 'completed', error: null, eval: [{ length: 5, accuracy: 0.9, exact: 0.5 }] }));
  assert.ok(isRunnerEvent({ type: 'nar/end', id: 'nar:nar/bfs.safetensors', status: 'failed', error: 'no memory', eval: null }));
  assert.ok(!isRunnerEvent({ type: 'nar/progress', id: 'n', step: 3, steps: 10 }), 'the loss is required (null when not finite)');
  assert.ok(!isRunnerEvent({ type: 'nar/end', id: 'n', status: 'running', error: null, eval: null }), 'an end status');
});
