/**
 * The damage catalogue (issue 11 §5): one real experiment, then each of its files damaged by hand
 * in a copy. Every command ends with one clear line and exit 2, or goes on with a warning where
 * it can (report over the runs left, analyze from an older checkpoint) — never an "internal
 * error", a stack trace or a hang (FIFOs, devices, symlink loops are recognized before reading).
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors, writeSafetensors, type Dtype } from '../../src/core/checkpoint/safetensors';
import { assertUserError, cli, readRun, runDirs, tempDir, tinySpec, writeSpec } from './helpers';

let golden = '';

before(() => {
  const dir = tempDir('damage');
  const spec = writeSpec(dir, tinySpec({ name: 'golden', seeds: [1, 2], train: { steps: 12, batchSize: 8, evalEvery: 6, evalExamples: 8, logEvery: 2, checkpointEvery: 5 } }));
  const r = cli(['run', spec, '--backend', 'wasm', '--parallel', '2', '--out', path.join(dir, 'runs')], { timeoutMs: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  golden = path.join(dir, 'runs', 'golden');
});

/** A fresh copy of the golden experiment; returns its folder and its first run folder. */
function copy(): { exp: string; run: string } {
  const exp = path.join(tempDir('damaged'), 'golden');
  fs.cpSync(golden, exp, { recursive: true });
  return { exp, run: runDirs(exp)[0] as string };
}

function editJson(file: string, edit: (v: Record<string, unknown>) => unknown): void {
  fs.writeFileSync(file, JSON.stringify(edit(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)));
}

function mkfifo(file: string): void {
  fs.rmSync(file, { force: true, recursive: true });
  const r = spawnSync('mkfifo', [file]);
  assert.equal(r.status, 0, 'mkfifo');
}

/** report goes on over the other run, warns about the damaged one, and still writes summary.json. */
function assertReportWarns(exp: string, pattern: RegExp, what: string): void {
  const r = cli(['report', exp]);
  assert.equal(r.signal, null, `${what}: a hang`);
  assert.equal(r.status, 0, `${what}: ${r.stderr}`);
  assert.match(r.stderr, pattern, what);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, what);
  assert.ok(fs.existsSync(path.join(exp, 'summary.json')), `${what}: summary.json written`);
}

test('damaged run.json: report skips the run with a warning, resume refuses with the JSON path', () => {
  const cases: [string, (v: Record<string, unknown>) => unknown, RegExp][] = [
    ['timings: null', (v) => ({ ...v, timings: null }), /\$\.timings: expected an object, found null/],
    ['final: "x"', (v) => ({ ...v, final: 'x' }), /\$\.final: expected a list of evaluation results or null/],
    ['status: 7', (v) => ({ ...v, status: 7 }), /\$\.status: expected one of/],
    ['step: -1', (v) => ({ ...v, step: -1 }), /\$\.step: expected an integer/],
    ['an empty object', () => ({}), /\$\.id: expected the run id/],
    ['a list', () => [], /\$: expected a run object/],
  ];
  for (const [what, edit, pattern] of cases) {
    const { exp, run } = copy();
    editJson(path.join(run, 'run.json'), edit);
    assertReportWarns(exp, pattern, `report, run.json ${what}`);
    assertUserError(cli(['resume', run, '--backend', 'wasm']), pattern, `resume, run.json ${what}`);
  }
  const { exp, run } = copy();
  fs.writeFileSync(path.join(run, 'run.json'), '{"id": "x", ');
  assertReportWarns(exp, /run\.json: not valid JSON/, 'report, torn run.json');
});

test('absurd configs in run.json are refused before any work (no training on steps 1e12)', () => {
  const cases: [string, (c: Record<string, Record<string, unknown>>) => void, RegExp][] = [
    ['steps 1e12', (c) => void (c.train!.steps = 1e12), /\$\.config\.train\.steps: expected an integer from 1 to 10000000, found 1000000000000/],
    ['dModel 100000', (c) => void (c.model!.dModel = 100000), /\$\.config\.model\.dModel/],
    ['layers -3', (c) => void (c.model!.layers = -3), /\$\.config\.model\.layers/],
    ['optimizer "adam"', (c) => void (c.optimizer!.name = 'adam'), /\$\.config\.optimizer\.name/],
    ['vocabulary 5', (c) => void (c.model!.vocabSize = 5), /\$\.config\.model\.vocabSize: expected 10/],
  ];
  for (const [what, edit, pattern] of cases) {
    const { run } = copy();
    editJson(path.join(run, 'run.json'), (v) => {
      const config = structuredClone(v.config) as Record<string, Record<string, unknown>>;
      edit(config);
      return { ...v, status: 'cancelled', config };
    });
    assertUserError(cli(['resume', run, '--backend', 'wasm'], { timeoutMs: 30_000 }), pattern, `resume, config ${what}`);
  }
});

test('damaged experiment.json: resume and report refuse at once (no hang on {} or a name that is not a string)', () => {
  const cases: [string, unknown, RegExp][] = [
    ['{}', {}, /experiment\.json: not a usable Attention Lab experiment file: \$\.name/],
    ['name 5', { name: 5, spec: {}, runs: [] }, /\$\.name: expected the experiment's file-name safe name, found 5/],
    ['runs "x"', { name: 'golden', spec: {}, runs: 'x' }, /\$\.runs: expected a list of run ids/],
  ];
  for (const [what, value, pattern] of cases) {
    const { exp, run } = copy();
    fs.writeFileSync(path.join(exp, 'experiment.json'), JSON.stringify(value));
    assertUserError(cli(['resume', run, '--backend', 'wasm'], { timeoutMs: 30_000 }), pattern, `resume, experiment.json ${what}`);
    assertUserError(cli(['report', exp], { timeoutMs: 30_000 }), pattern, `report, experiment.json ${what}`);
  }
});

test('damaged metrics.jsonl and analysis.json: report warns, skips the bad line or analysis, and goes on', () => {
  {
    const { exp, run } = copy();
    fs.appendFileSync(path.join(run, 'metrics.jsonl'), '{"kind":"train","step":"5","loss":"x"}\n{"kind":"eval","step":3,"results":"x"}\n');
    assertReportWarns(exp, /metrics\.jsonl: line \d+: step: expected an integer/, 'report, metrics line of wrong types');
  }
  for (const [what, edit] of [
    ['entropy: null', (v: Record<string, unknown>) => ({ ...v, entropy: null })],
    ['randomized: 3', (v: Record<string, unknown>) => ({ ...v, randomized: 3 })],
    ['lengthGeneralization: {}', (v: Record<string, unknown>) => ({ ...v, lengthGeneralization: {} })],
  ] as const) {
    const { exp, run } = copy();
    editJson(path.join(run, 'analysis.json'), edit);
    assertReportWarns(exp, /analysis\.json: ignored: \$\./, `report, analysis.json ${what}`);
  }
});

/** A copy of a checkpoint with its metadata's runConfig edited. */
async function withRunConfig(src: string, dst: string, edit: (c: Record<string, Record<string, unknown>>) => void): Promise<void> {
  const f = await openSafetensors(src);
  const tensors = [];
  for (const t of f.tensors) tensors.push({ name: t.name, dtype: t.dtype as Dtype, shape: t.shape, data: await f.read(t.name) });
  const metadata = { ...f.metadata };
  await f.close();
  const config = JSON.parse(metadata.runConfig as string) as Record<string, Record<string, unknown>>;
  edit(config);
  metadata.runConfig = JSON.stringify(config);
  await writeSafetensors(dst, tensors as never, metadata);
}

test('damaged checkpoint metadata: analyze refuses before building the model', async () => {
  const { run } = copy();
  const src = path.join(run, 'checkpoints', 'step-12.safetensors');
  for (const [what, edit, pattern] of [
    ['dModel 100000', (c: Record<string, Record<string, unknown>>) => void (c.model!.dModel = 100000), /\$\.model\.dModel: expected an integer from 1 to 4096, found 100000/],
    ['layers -3', (c: Record<string, Record<string, unknown>>) => void (c.model!.layers = -3), /\$\.model\.layers: expected an integer from 1 to 64, found -3/],
  ] as const) {
    const file = path.join(path.dirname(run), `bad-${what.replace(/\W/g, '')}.safetensors`);
    await withRunConfig(src, file, edit);
    assertUserError(cli(['analyze', file, '--backend', 'wasm'], { timeoutMs: 60_000 }), pattern, `analyze, metadata ${what}`);
  }
});

test('a folder, a symlink loop or a FIFO named step-N.safetensors: inspect refuses, analyze and resume use the newest real checkpoint', () => {
  const makers: [string, (file: string) => void, RegExp][] = [
    ['a folder', (f) => fs.mkdirSync(f), /is a folder/],
    ['a symlink loop', (f) => fs.symlinkSync(path.basename(f), f), /symbolic link loop \(ELOOP\)/],
    ['a FIFO', (f) => mkfifo(f), /FIFO/],
  ];
  for (const [what, make, pattern] of makers) {
    const { run } = copy();
    const file = path.join(run, 'checkpoints', 'step-99.safetensors');
    make(file);
    assertUserError(cli(['inspect', file], { timeoutMs: 30_000 }), pattern, `inspect ${what}`);
    const a = cli(['analyze', run, '--backend', 'wasm', '--json'], { timeoutMs: 120_000 });
    assert.equal(a.signal, null, `analyze with ${what}: a hang`);
    assert.equal(a.status, 0, `analyze with ${what}: ${a.stderr}`);
    assert.equal((JSON.parse(a.stdout) as { source: { step: number } }).source.step, 12, `analyze with ${what} uses step 12`);
    assert.match(a.stderr, /step-99\.safetensors: skipped/);
  }
});

test('FIFOs, devices and folders where files should be: no command hangs or grows', () => {
  const { exp, run } = copy();
  mkfifo(path.join(run, 'metrics.jsonl'));
  const r = cli(['report', exp], { timeoutMs: 30_000 });
  assert.equal(r.signal, null, 'report over a FIFO metrics.jsonl: a hang');
  assert.match(r.stderr, /metrics\.jsonl: is not a regular file/);
  const second = runDirs(exp)[1] as string;
  mkfifo(path.join(second, 'run.json'));
  const s = cli(['status', exp], { timeoutMs: 30_000 });
  assert.equal(s.signal, null, 'status over a FIFO run.json: a hang');
  assert.equal(s.status, 2, s.stderr);
  assert.match(s.stdout, /unreadable/);
  const dir = tempDir('fifo-spec');
  mkfifo(path.join(dir, 'spec.json'));
  assertUserError(cli(['run', path.join(dir, 'spec.json'), '--out', dir], { timeoutMs: 30_000 }), /spec\.json: is not a regular file/, 'run on a FIFO spec');
  assertUserError(cli(['run', '/dev/zero', '--out', dir], { timeoutMs: 30_000 }), /\/dev\/zero: is not a regular file/, 'run on /dev/zero');
  assertUserError(cli(['run', dir, '--out', dir], { timeoutMs: 30_000 }), /is a folder, not a spec file/, 'run on a folder');
  assert.equal(readRun(run).status, 'completed');
});
