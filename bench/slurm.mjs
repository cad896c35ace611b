// `npm run bench:slurm`: the scale-out figures of docs/scale-out.md, measured through the CLI on
// the cluster that answers here (the single-node one of scripts/ensure-slurm.sh):
//   - submission: wall time of `attention-lab run --on slurm --detach` for arrays of N tasks
//     (node start-up, spec checks, sbatch --test-only, the experiment folder, sbatch), and of the
//     sbatch call alone (from the CLI's own log), per task;
//   - start-up: time from the command starting to the first metrics line of a run on disk, on
//     Slurm (1 task, detached) and locally (`run` in the foreground, 1 run), same spec, same backend.
// Medians over --rounds rounds (default 5); the submitted arrays are cancelled at once. The
// machine is shared: say so with the figures, and compare Slurm with local in the same round.
// Usage: node bench/slurm.mjs [--rounds 5] [--tasks 1,4,16,64] [--backend wasm]
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '5'));
const taskCounts = arg('tasks', '1,4,16,64').split(',').map(Number);
const backend = arg('backend', 'wasm');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

if (spawnSync('scontrol', ['ping'], { encoding: 'utf8' }).status !== 0) {
  console.error('bench:slurm: no Slurm cluster answers here (bash scripts/ensure-slurm.sh)');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'al-bench-slurm-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const config = join(work, 'slurm.json');
writeFileSync(config, JSON.stringify({ pollSeconds: 0.2 }));

function spec(name, seeds) {
  const file = join(work, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [4] }],
      models: [{ label: 'xs', layers: 1, dModel: 16, heads: 2, dFf: 32 }],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 1e-2 }],
      seeds: Array.from({ length: seeds }, (_, i) => i + 1),
      train: { steps: 200, batchSize: 8, evalEvery: 200, evalExamples: 8, logEvery: 1, checkpointEvery: 200 },
    }),
  );
  return file;
}

/** Runs the CLI; resolves with its exit code, output and the ms it took. */
function run(args, onStart) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    onStart?.(t0, child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err, ms: performance.now() - t0 }));
  });
}

/** ms from t0 until `file` exists and holds a line (polled every 5 ms). */
async function firstLine(file, t0, timeoutMs = 120_000) {
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes('\n')) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`no line in ${file} within ${timeoutMs / 1000} s`);
    await setTimeout(5);
  }
}

function sbatchMs() {
  const t0 = performance.now();
  const r = spawnSync('sbatch', ['--parsable', '--array=0-0', '--hold', '--output=/dev/null', '--wrap=true'], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  spawnSync('scancel', [r.stdout.trim()]);
  return ms;
}

const submit = new Map(taskCounts.map((n) => [n, []]));
const sbatchAlone = [];
const slurmFirst = [];
const localFirst = [];
for (let round = 0; round < rounds; round++) {
  sbatchAlone.push(sbatchMs());
  for (const n of taskCounts) {
    const out = join(work, `submit-${round}-${n}`);
    const r = await run(['run', spec(`s${n}`, n), '--on', 'slurm', '--detach', '--json', '--slurm-config', config, '--backend', backend, '--out', out]);
    if (r.code !== 0) throw new Error(r.err);
    submit.get(n).push(r.ms);
    await run(['cancel', JSON.parse(r.out).dir]);
  }
  // Start-up to the first metrics line: Slurm (one task) and local (one run), back to back.
  const outS = join(work, `first-slurm-${round}`);
  let t0 = 0;
  const detached = run(['run', spec('first', 1), '--on', 'slurm', '--detach', '--json', '--slurm-config', config, '--backend', backend, '--out', outS], (t) => (t0 = t));
  const metricsS = join(outS, 'first', 'copy-xs-standard-adamw-s1', 'metrics.jsonl');
  slurmFirst.push(await firstLine(metricsS, t0));
  const d = await detached;
  await run(['cancel', JSON.parse(d.out).dir]);
  const outL = join(work, `first-local-${round}`);
  const metricsL = join(outL, 'first', 'copy-xs-standard-adamw-s1', 'metrics.jsonl');
  let child;
  const local = run(['run', spec('first', 1), '--backend', backend, '--out', outL], (t, c) => {
    t0 = t;
    child = c;
  });
  localFirst.push(await firstLine(metricsL, t0));
  child.kill('SIGINT');
  await local;
  console.error(`round ${round + 1}/${rounds} done`);
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`Slurm scale-out figures (${rounds} rounds, medians; backend ${backend}; ${new Date().toISOString()})`);
console.log(`sbatch alone (one held array task): ${fmt(median(sbatchAlone))}`);
console.log('| tasks | run --on slurm --detach | per task |');
console.log('|---:|---:|---:|');
for (const n of taskCounts) console.log(`| ${n} | ${fmt(median(submit.get(n)))} | ${(median(submit.get(n)) / n).toFixed(0)} ms |`);
console.log(`start → first metrics line: Slurm ${fmt(median(slurmFirst))} (all: ${slurmFirst.map(fmt).join(', ')}); local ${fmt(median(localFirst))} (all: ${localFirst.map(fmt).join(', ')})`);
