// The peer harness's entry point (Node side). Usage, from the repository root:
//   node bench/peers/run.mjs speed      (= npm run bench:peers) tokens/s of Attention Lab's backends,
//                                       PyTorch eager and JAX jit side by side, plus numpy's matmul ceiling
//                                       (options after it: --rounds N --steps N --lengths 32,128)
//   node bench/peers/run.mjs fixtures   regenerate test/fixtures/peers/ (checkpoints by the CLI,
//                                       references by the Python peers)
// Both need the Python environment of bench/peers/setup.sh; `npm test` needs neither.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { nodeOptions } from '../../scripts/build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const python = join(here, '.venv', 'bin', 'python');
const command = process.argv[2] ?? 'speed';

function fail(message) {
  console.error(`bench/peers: ${message}`);
  process.exit(1);
}

// No __pycache__ folders in the source tree.
const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env });
  if (r.status !== 0) fail(`${relative(root, cmd) || cmd} ${args.map((a) => relative(root, a) || a).join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Bundles bench/peers/<name>.ts with the options scripts/build.mjs gives the CLI, into dist/peers/. */
async function bundle(name) {
  await esbuild.build({
    ...nodeOptions,
    entryPoints: [join(here, `${name}.ts`)],
    outfile: join(root, 'dist', 'peers', `${name}.js`),
  });
  return join(root, 'dist', 'peers', `${name}.js`);
}

if (command !== 'speed' && command !== 'fixtures') fail(`unknown command '${command}' (expected speed or fixtures)`);
if (!existsSync(python)) {
  fail('the Python environment bench/peers/.venv is missing: run bench/peers/setup.sh first (it creates it with pip; ~6 GB, a few minutes)');
}
// dist/cli.js and the wasm binaries beside the bundles.
run(process.execPath, [join(root, 'scripts', 'build.mjs')]);

if (command === 'fixtures') {
  run(process.execPath, [await bundle('checkpointFixture'), root]);
  run(python, [join(here, 'make_fixtures.py')]);
} else {
  run(process.execPath, [await bundle('speed'), root, python, ...process.argv.slice(3)]);
}
