/**
 * `npm run science [-- --only entropy,optimizers] [--out DIR] [--from DIR…] [--no-readme]`: re-runs the built-in
 * presets one after the other through the CLI, exactly as a user would (`attention-lab run
 * --preset <name>`), and writes docs/results/<preset>.md for each — the machine, backend, wall
 * time, seeds and the report's tables — and the README's digest of it between
 * `<!-- results:<preset> -->` markers. Whole experiments: minutes each, never part of `npm test`.
 * `--from DIR…` writes the same pages from experiment folders trained earlier (the facts of their
 * execution are read from the science-meta.json science leaves beside each one).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { readRunData, summarizeExperiment } from '../src/core/analysis/summarizeExperiment';
import { readExperimentFile } from '../src/core/experiment/runFolder';
import { listPresets } from '../src/core/experiment/presets';
import { writeFileAtomic } from '../src/core/io/atomicWrite';
import { keepNotes, readmeDigest, replaceMarkedSection, resultsPage, type ResultsMeta } from '../src/core/report/resultsPage';
import { formatSummary } from '../src/cli/reportCommand';

const root = path.join(__dirname, '..');

function fail(message: string): never {
  process.stderr.write(`science: ${message}\n`);
  process.exit(2);
}

function machine(): ResultsMeta['machine'] {
  const cpus = os.cpus();
  return {
    cpu: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.versions.node,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** Facts about one preset's execution that its run folders do not hold; kept beside them as science-meta.json. */
interface ExecutionFacts {
  startedAt: string;
  wallSeconds: number;
  /** CPU seconds of the CLI and its workers (Linux; null elsewhere or when not recorded). */
  cpuSeconds?: number | null;
  load: { before: number; after: number } | null;
  command: string;
  machine: ResultsMeta['machine'];
}
const FACTS_FILE = 'science-meta.json';

/**
 * CPU seconds used by this process's children that have ended and been waited for (Linux: the
 * cutime and cstime fields of /proc/self/stat, which include their own waited-for children, i.e.
 * the CLI's training workers); null where /proc is missing.
 */
function childCpuSeconds(): number | null {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command name start at field 3 (state): cutime is field 16, cstime 17.
    const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
    const hz = 100; // USER_HZ, 100 on every Linux this runs on
    return Number.isFinite(ticks) ? ticks / hz : null;
  } catch {
    return null;
  }
}

/** Facts of a folder run before science-meta.json existed: wall time from the runs' own start and end times. */
function factsFromRuns(dir: string, name: string): ExecutionFacts {
  const exp = readExperimentFile(dir);
  let first = Infinity;
  let last = -Infinity;
  for (const id of exp.runs) {
    const run = readRunData(path.join(dir, id)).run;
    if (run.timings.startedAt) first = Math.min(first, Date.parse(run.timings.startedAt));
    if (run.timings.endedAt) last = Math.max(last, Date.parse(run.timings.endedAt));
  }
  if (!Number.isFinite(first) || !Number.isFinite(last)) fail(`${dir}: no run has start and end times, and there is no ${FACTS_FILE}`);
  return {
    startedAt: new Date(first).toISOString().replace(/\.\d+Z$/, 'Z'),
    wallSeconds: (last - first) / 1000,
    load: null,
    command: `attention-lab run --preset ${name}`,
    machine: machine(),
  };
}

/** Writes docs/results/<name>.md (keeping its notes) and, unless told not to, the README's digest. */
function writeResults(name: string, dir: string, facts: ExecutionFacts, description: string, readme: boolean): void {
  const exp = readExperimentFile(dir);
  const backends: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  for (const id of exp.runs) {
    const run = readRunData(path.join(dir, id)).run;
    const b = run.backend ?? 'unknown';
    backends[b] = (backends[b] ?? 0) + 1;
    statuses[run.status] = (statuses[run.status] ?? 0) + 1;
  }
  const { summary } = summarizeExperiment(dir, (m) => process.stderr.write(`science: warning: ${m}\n`));
  const tables = formatSummary(summary);
  const meta: ResultsMeta = { preset: name, description, ...facts, backends, statuses };
  const resultsDir = path.join(root, 'docs', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const page = path.join(resultsDir, `${name}.md`);
  const old = fs.existsSync(page) ? fs.readFileSync(page, 'utf8') : null;
  writeFileAtomic(page, keepNotes(old, resultsPage(meta, summary, tables)));
  process.stderr.write(`science: wrote ${path.relative(process.cwd(), page)} (${Math.round(facts.wallSeconds)} s)\n`);
  if (!readme) return;
  const readmePath = path.join(root, 'README.md');
  const { text, replaced } = replaceMarkedSection(fs.readFileSync(readmePath, 'utf8'), name, readmeDigest(meta, summary, tables));
  if (replaced) {
    writeFileAtomic(readmePath, text);
    process.stderr.write(`science: updated the README's ${name} table\n`);
  } else process.stderr.write(`science: the README has no <!-- results:${name} --> markers; left as it is\n`);
}

const USAGE = `usage: npm run science [-- [--only a,b] [--out DIR] [--backend NAME] [--no-readme]]
       npm run science -- --from DIR [--from DIR…] [--no-readme]

Re-runs the built-in presets through the CLI (every preset, or those named by --only) and writes
docs/results/<preset>.md and the README's digest between <!-- results:<preset> --> markers.
--from writes the same pages from experiment folders trained earlier.
`;

function parse(): { only?: string; out?: string; from?: string[]; 'no-readme'?: boolean; backend?: string } {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        only: { type: 'string' },
        out: { type: 'string' },
        from: { type: 'string', multiple: true },
        'no-readme': { type: 'boolean' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    return values;
  } catch (e) {
    process.stderr.write(`science: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

function main(): void {
  const values = parse();
  const presets = listPresets();
  const describe = (name: string): string => {
    const preset = presets.find((p) => p.name === name);
    return preset ? (preset.spec.description ?? preset.description) : '';
  };
  const readme = !values['no-readme'];

  // --from DIR…: pages from experiment folders already trained (by an earlier `npm run science`, or by hand).
  if (values.from) {
    for (const dir of values.from.map((d) => path.resolve(d))) {
      if (!fs.existsSync(path.join(dir, 'experiment.json'))) fail(`${dir} is not an experiment folder (no experiment.json)`);
      const name = readExperimentFile(dir).spec.name;
      if (!presets.some((p) => p.name === name)) fail(`${dir}: experiment "${name}" is not a preset`);
      const factsPath = path.join(path.dirname(dir), FACTS_FILE);
      const facts = fs.existsSync(factsPath) ? (JSON.parse(fs.readFileSync(factsPath, 'utf8')) as ExecutionFacts) : factsFromRuns(dir, name);
      writeResults(name, dir, facts, describe(name), readme);
    }
    return;
  }

  const names = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : presets.map((p) => p.name);
  for (const n of names) if (!presets.some((p) => p.name === n)) fail(`unknown preset "${n}"; presets: ${presets.map((p) => p.name).join(', ')}`);
  const outRoot = path.resolve(values.out ?? path.join(root, 'runs', 'science'));
  const cli = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) fail('dist/cli.js is missing: run `node scripts/build.mjs` first (npm run science does)');

  for (const name of names) {
    const out = path.join(outRoot, new Date().toISOString().replace(/[:.]/g, '-'));
    fs.mkdirSync(out, { recursive: true });
    const args = ['run', '--preset', name, '--out', out, ...(values.backend ? ['--backend', values.backend] : [])];
    const command = `attention-lab ${args.filter((a, i) => !(a === '--out' || args[i - 1] === '--out')).join(' ')}`;
    process.stderr.write(`\nscience: ${command} (into ${path.relative(process.cwd(), out) || out})\n`);
    const startedAt = new Date();
    const loadBefore = os.loadavg()[0] as number;
    const cpu0 = childCpuSeconds();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = childCpuSeconds();
    if (r.status !== 0) fail(`preset ${name} exited with status ${r.status ?? r.signal}; nothing written for it`);
    const facts: ExecutionFacts = {
      startedAt: startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
      wallSeconds,
      cpuSeconds: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      load: { before: loadBefore, after: os.loadavg()[0] as number },
      command,
      machine: machine(),
    };
    writeFileAtomic(path.join(out, FACTS_FILE), `${JSON.stringify(facts, null, 2)}\n`);
    writeResults(name, path.join(out, name), facts, describe(name), readme);
  }
}

main();
