/**
 * `npm run science [-- --only entropy,optimizers] [--out DIR] [--no-readme]`: re-runs the built-in
 * presets one after the other through the CLI, exactly as a user would (`attention-lab run
 * --preset <name>`), and writes docs/results/<preset>.md for each — the machine, backend, wall
 * time, seeds and the report's tables — and the README's digest of it between
 * `<!-- results:<preset> -->` markers. Whole experiments: minutes each, never part of `npm test`.
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

function main(): void {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { only: { type: 'string' }, out: { type: 'string' }, 'no-readme': { type: 'boolean' }, backend: { type: 'string' } },
  });
  const presets = listPresets();
  const names = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : presets.map((p) => p.name);
  for (const n of names) if (!presets.some((p) => p.name === n)) fail(`unknown preset "${n}"; presets: ${presets.map((p) => p.name).join(', ')}`);
  const outRoot = path.resolve(values.out ?? path.join(root, 'runs', 'science'));
  const resultsDir = path.join(root, 'docs', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const cli = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) fail('dist/cli.js is missing: run `node scripts/build.mjs` first (npm run science does)');

  for (const name of names) {
    const preset = presets.find((p) => p.name === name) as (typeof presets)[number];
    const out = path.join(outRoot, new Date().toISOString().replace(/[:.]/g, '-'));
    fs.mkdirSync(out, { recursive: true });
    const args = ['run', '--preset', name, '--out', out, ...(values.backend ? ['--backend', values.backend] : [])];
    const command = `attention-lab ${args.filter((a, i) => !(a === '--out' || args[i - 1] === '--out')).join(' ')}`;
    process.stderr.write(`\nscience: ${command} (into ${path.relative(process.cwd(), out) || out})\n`);
    const startedAt = new Date();
    const loadBefore = os.loadavg()[0] as number;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const loadAfter = os.loadavg()[0] as number;
    if (r.status !== 0) fail(`preset ${name} exited with status ${r.status ?? r.signal}; nothing written for it`);
    const dir = path.join(out, name);
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
    const meta: ResultsMeta = {
      preset: name,
      description: preset.spec.description ?? preset.description,
      startedAt: startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
      wallSeconds,
      backends,
      machine: machine(),
      load: { before: loadBefore, after: loadAfter },
      command,
      statuses,
    };
    const page = path.join(resultsDir, `${name}.md`);
    const old = fs.existsSync(page) ? fs.readFileSync(page, 'utf8') : null;
    writeFileAtomic(page, keepNotes(old, resultsPage(meta, summary, tables)));
    process.stderr.write(`science: wrote ${path.relative(process.cwd(), page)} (${Math.round(wallSeconds)} s)\n`);
    if (!values['no-readme']) {
      const readme = path.join(root, 'README.md');
      const { text, replaced } = replaceMarkedSection(fs.readFileSync(readme, 'utf8'), name, readmeDigest(meta, summary, tables));
      if (replaced) {
        writeFileAtomic(readme, text);
        process.stderr.write(`science: updated the README's ${name} table\n`);
      } else process.stderr.write(`science: the README has no <!-- results:${name} --> markers; left as it is\n`);
    }
  }
}

main();
