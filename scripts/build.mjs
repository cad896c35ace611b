// The one build script: bundles the CLI, the training worker, the benchmark and the tests with
// esbuild, and copies the wasm binaries beside the bundles. Usage: node scripts/build.mjs [--watch]
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** esbuild options of every Node bundle (also used by bench/peers/run.mjs). */
export const nodeOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  // tfjs marks its backends side-effect free in `sideEffects`; 'module' first keeps the
  // registering imports (docs/tfjs.md, pitfall 4).
  mainFields: ['module', 'main'],
  external: ['@tensorflow/tfjs-node', 'vscode'],
  logLevel: 'warning',
  // C sources travel as text: the native setup compiles src/core/native/fusedKernels.c.
  loader: { '.c': 'text' },
  define: { __ATTENTION_LAB_VERSION__: JSON.stringify(pkg.version) },
};

const nodeEntries = {
  cli: 'src/cli/main.ts',
  // What each Slurm array task runs (`attention-lab task` without the CLI's other commands): the
  // .vsix ships it instead of the CLI (docs/scale-out.md).
  task: 'src/cli/taskMain.ts',
  worker: 'src/engine/experiment/worker.ts',
  // A grid-world run's evolution-strategies population workers (no tfjs).
  'es-worker': 'src/engine/es/esWorker.ts',
  bench: 'bench/bench.ts',
  // npm run bench:steadiness: what makes a step's time vary (GC, page faults, preemption).
  'bench-steadiness': 'bench/steadiness.ts',
  // npm run bench:rounds: why one 60-step round is slower than another (fresh or reused model).
  'bench-rounds': 'bench/rounds.ts',
  // npm run bench:settling: what still settles (V8's tiers, TensorFlow's buffers) after the warm-up.
  'bench-settling': 'bench/settling.ts',
  // npm run bench:es: a grid-world ES step with its population in 1 vs 2 processes.
  'bench-es': 'bench/esPopulation.ts',
  // npm run science: every preset, written to docs/results/.
  science: 'scripts/science.ts',
  // The extension host (no tfjs in it) and the training backend process it starts.
  extension: 'src/extension/extension.ts',
  backend: 'src/backend/main.ts',
  // Sets up @tensorflow/tfjs-node (npm run setup:native, and the extension's Set Up Native Backend).
  'setup-native': 'src/core/native/main.ts',
};

/** Webview apps: every webview/<app>/main.ts becomes dist/webview/<app>.js (one IIFE each). */
function webviewEntries() {
  const dir = join(root, 'webview');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'main.ts')))
    .map((name) => ({ in: join(dir, name, 'main.ts'), out: name }));
}

const webviewOptions = {
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  loader: { '.css': 'text' },
};

// `--only <text>` builds just the test files whose path contains the text (fast inner loop).
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;

async function build() {
  mkdirSync(dist, { recursive: true });
  const entryPoints = only
    ? []
    : Object.entries(nodeEntries)
        .filter(([, src]) => existsSync(join(root, src)))
        .map(([out, src]) => ({ in: join(root, src), out }));
  for (const t of findTests(join(root, 'test'))) {
    if (only && !relative(root, t).includes(only)) continue;
    entryPoints.push({ in: t, out: relative(root, t).replace(/\.ts$/, '') });
  }
  await esbuild.build({ ...nodeOptions, entryPoints, outdir: dist });
  const webviews = only && !only.startsWith('test/webview') ? [] : webviewEntries();
  if (webviews.length > 0) await esbuild.build({ ...webviewOptions, entryPoints: webviews, outdir: join(dist, 'webview') });
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) {
    copyFileSync(join(wasmDir, f), join(dist, f));
  }
}

// Imported for nodeOptions (bench/peers/run.mjs) it builds nothing; run as a script it builds.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build();
