/** The CLI as a user runs it: a real process, real files, exit codes and messages. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunFile } from '../../src/core/experiment/runFolder';
import { CLI, tempDir, tinySpec } from './helpers';

function cli(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user error: status 2, one line on stderr naming the problem, no stack trace. */
function assertUserError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] as string, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('bad input exits with status 2 and one clear line', () => {
  const dir = tempDir('cli-bad');
  assertUserError(cli(['run', '--preset', 'nope']), /unknown preset "nope"; available: quick/);
  assertUserError(cli(['run', path.join(dir, 'missing.json')]), /missing\.json/);
  fs.writeFileSync(path.join(dir, 'broken.json'), '{ "name": "x",\n  "tasks": [ }');
  assertUserError(cli(['run', path.join(dir, 'broken.json')]), /broken\.json:2:\d+: invalid JSON/);
  const bad = { ...tinySpec(), models: [{ label: 'm', dModel: 16, heads: 0 }] };
  fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
  assertUserError(cli(['run', path.join(dir, 'bad.json')]), /\$\.models\[0\]\.heads/);
  assertUserError(cli(['frobnicate']), /unknown command "frobnicate"/);
  assertUserError(cli(['run', '--preset', 'quick', '--parallel', 'many']), /--parallel: expected a positive integer/);
  assertUserError(cli(['run', '--preset', 'quick', '--backend', 'gpu']), /--backend/);
  assertUserError(cli(['run', '--preset', 'quick', '--wat']), /wat/);
  assertUserError(cli(['inspect', path.join(dir, 'none.safetensors')]), /no such file/);
  fs.writeFileSync(path.join(dir, 'corrupt.safetensors'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 2, 3]));
  assertUserError(cli(['inspect', path.join(dir, 'corrupt.safetensors')]), /corrupt\.safetensors/);
  assertUserError(cli(['resume', dir]), /run\.json/);
  assertUserError(cli(['trace', '--optimizer', 'adam', '--function', 'beale']), /--optimizer must be one of adamw, lion, tiger, sgd/);
  assertUserError(cli(['trace', '--optimizer', 'lion', '--function', 'banana']), /--function must be one of/);
});

test('run → inspect → resume on a spec file, through the CLI', () => {
  const dir = tempDir('cli-run');
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(tinySpec({ name: 'cli' })));
  const r = cli(['run', 'spec.json', '--backend', 'wasm', '--parallel', '1'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cli-m-standard-adamw-s1|copy/);
  assert.match(r.stdout, /completed\s+12\/12/);
  assert.match(r.stdout, /exact@6/);
  const runDir = path.join(dir, 'runs', 'cli', fs.readdirSync(path.join(dir, 'runs', 'cli')).find((f) => f !== 'experiment.json') as string);
  const ckpt = path.join(runDir, 'checkpoints', 'step-12.safetensors');
  const ins = cli(['inspect', ckpt]);
  assert.equal(ins.status, 0, ins.stderr);
  assert.match(ins.stdout, /Attention Lab checkpoint: run .*step 12, adamw/);
  assert.match(ins.stdout, /blocks\.0\.attn\.qkv\.kernel\s+model\s+F32\s+\[16, 48\]/);
  assert.match(ins.stdout, /optimizer\/blocks\.0\.attn\.qkv\.kernel\/m\s+optimizer/);
  const json = JSON.parse(cli(['inspect', ckpt, '--json']).stdout) as { tensors: { name: string }[] };
  assert.ok(json.tensors.length > 10);

  // report: the Markdown table, summary.json, and a self-contained HTML report with the charts' code inlined
  const rep = cli(['report', path.join(dir, 'runs', 'cli'), '--html', path.join(dir, 'report.html')]);
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /^\| configuration \|/m);
  assert.ok(fs.existsSync(path.join(dir, 'runs', 'cli', 'summary.json')));
  const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
  assert.match(html, /<script( nonce="[^"]+")?>/, 'the charts code is inlined');
  assert.doesNotMatch(html, /<script[^>]+src=/, 'no external script');
  assert.ok(html.includes(path.basename(runDir)), 'the report carries the run');

  // Resuming a completed run is a no-op that stays completed; resuming after more steps were asked for trains on.
  const run = readRunFile(runDir);
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...run, status: 'cancelled', config: { ...run.config, train: { ...run.config.train, steps: 15 } } }));
  const res = cli(['resume', runDir, '--backend', 'wasm']);
  assert.equal(res.status, 0, res.stderr);
  const after = readRunFile(runDir);
  assert.equal(after.status, 'completed');
  assert.equal(after.step, 15);
  assert.ok(fs.existsSync(path.join(runDir, 'checkpoints', 'step-15.safetensors')));
});

test('presets lists every preset; trace prints a path as JSON', () => {
  const p = cli(['presets']);
  assert.equal(p.status, 0);
  for (const name of ['quick', 'entropy', 'optimizers', 'robustness', 'tiger-accumulation', 'randomized-recall', 'position-probe']) assert.match(p.stdout, new RegExp(`^${name}\\s`, 'm'));
  const t = cli(['trace', '--optimizer', 'tiger', '--function', 'quadratic', '--steps', '50', '--lr', '0.05', '--json']);
  assert.equal(t.status, 0, t.stderr);
  const trace = JSON.parse(t.stdout) as { points: { loss: number }[]; function: string };
  assert.equal(trace.function, 'quadratic');
  assert.equal(trace.points.length, 51);
  assert.ok((trace.points.at(-1) as { loss: number }).loss < (trace.points[0] as { loss: number }).loss);
});

test('Ctrl-C cancels cleanly: exit 130, runs marked cancelled with a checkpoint', async () => {
  const dir = tempDir('cli-sigint');
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(tinySpec({ name: 'long', train: { steps: 5000, batchSize: 8, evalEvery: 10000, evalExamples: 8, logEvery: 10 } })));
  const child = spawn(process.execPath, [CLI, 'run', 'spec.json', '--backend', 'wasm', '--parallel', '1'], { cwd: dir });
  let stderr = '';
  const status = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/step \d+\/5000/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (code) => resolve(code));
  });
  assert.equal(status, 130, stderr);
  assert.match(stderr, /stopping/);
  const expDir = path.join(dir, 'runs', 'long');
  const runId = fs.readdirSync(expDir).find((f) => f !== 'experiment.json') as string;
  const run = readRunFile(path.join(expDir, runId));
  assert.equal(run.status, 'cancelled');
  assert.ok(run.step > 0 && run.lastCheckpoint !== null);
});

test('conventions: --help on every command (stdout, exit 0), usage errors on stderr with a hint, "did you mean"', () => {
  for (const command of ['run', 'resume', 'status', 'inspect', 'presets', 'analyze', 'report', 'trace']) {
    for (const flag of ['--help', '-h']) {
      const r = cli([command, flag]);
      assert.equal(r.status, 0, `${command} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage:\\n  attention-lab ${command}`), `${command} ${flag}`);
      assert.equal(r.stderr, '');
    }
  }
  assert.match(cli(['help', 'report']).stdout, /attention-lab report <experiment-dir>/);
  // No command at all is a usage error: the help on stderr, nothing on stdout, status 2.
  const none = cli([]);
  assert.equal(none.status, 2);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^attention-lab .* — train small Transformers/);
  assertUserError(cli(['run', '--preset', 'quick', '--stpes', '10']), /^attention-lab: run: unknown option '--stpes'; did you mean --steps\? \(see: attention-lab run --help\)$/);
  assertUserError(cli(['inspect', 'x.safetensors', '--jsn']), /unknown option '--jsn'; did you mean --json\?/);
  assertUserError(cli(['trace', '--optimzer', 'lion']), /trace: unknown option '--optimzer'; did you mean --optimizer\?/);
  assertUserError(cli(['report', '--frobnicate']), /unknown option '--frobnicate'; options: --json, --html/);
  assertUserError(cli(['reprot', 'runs/x']), /unknown command "reprot"; did you mean "report"\?/);
  assertUserError(cli(['run', '--preset', 'quik']), /unknown preset "quik"; did you mean "quick"\?/);
  assertUserError(cli(['run', '--preset', 'quick', '--backend', 'wsam']), /--backend: expected one of auto, node, wasm, cpu, got "wsam"; did you mean wasm\?/);
  assertUserError(cli(['run', '--preset', 'quick', '--out']), /run: option '--out <value>' argument missing/);
});

test('presets show prints a spec that runs as it is', () => {
  const dir = tempDir('cli-presets-show');
  const r = cli(['presets', 'show', 'quick']);
  assert.equal(r.status, 0, r.stderr);
  const spec = JSON.parse(r.stdout) as { name: string; train: { steps: number } };
  assert.equal(spec.name, 'quick');
  fs.writeFileSync(path.join(dir, 'mine.attention-lab.json'), r.stdout);
  // The printed spec validates (a run of one step on a grid that the budget allows proves it).
  const run = cli(['run', 'mine.attention-lab.json', '--steps', '1', '--backend', 'wasm', '--parallel', '2', '--json'], dir);
  assert.equal(run.status, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { runs: unknown[] }).runs.length, 6);
  assertUserError(cli(['presets', 'show', 'nope']), /unknown preset "nope"/);
  assertUserError(cli(['presets', 'shwo', 'quick']), /presets: unknown argument "shwo"; did you mean "show"\?/);
});

test('--backend node where @tensorflow/tfjs-node is missing: one line, nothing created', () => {
  // The CLI bundle alone, where no node_modules can be found: tfjs-node does not resolve.
  const dir = tempDir('cli-no-native');
  const bundle = path.join(dir, 'cli.js');
  fs.copyFileSync(path.resolve(path.dirname(CLI), '..', 'dist', 'cli.js'), bundle);
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(tinySpec({ name: 'native' })));
  const r = spawnSync(process.execPath, [bundle, 'run', 'spec.json', '--backend', 'node'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  assertUserError({ status: r.status, stderr: r.stderr }, /backend 'node' is not available: @tensorflow\/tfjs-node is not installed/);
  assert.equal(fs.existsSync(path.join(dir, 'runs')), false, 'no runs folder was created');
});
