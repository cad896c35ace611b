// Runs the bundled tests with node's test runner. Usage: node scripts/test.mjs [filter...]
// Without filters, and when @tensorflow/tfjs-node loads (after `npm run setup:native`), the
// backend-parameterised suites (optimizers, model, training, backends) run a second time on the
// native `tensorflow` backend.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE_SUITES = ['test/optim', 'test/model', 'test/train', 'test/backends'];

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// Each run's failures are also written here (scripts/failureRecap.mjs) and printed again at the end.
const recapDir = mkdtempSync(join(tmpdir(), 'attention-lab-test-'));
const recaps = [];

function run(files, env = process.env) {
  const recap = join(recapDir, `${recaps.length}.txt`);
  recaps.push(recap);
  const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${join(root, 'scripts', 'failureRecap.mjs')}`, `--test-reporter-destination=${recap}`];
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', ...reporters, ...files], {
    stdio: 'inherit',
    cwd: root,
    env,
  });
  return r.status ?? 1;
}

/** The failed tests of every run, once more after the last one. */
function printRecap() {
  const text = recaps.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  }).join('');
  rmSync(recapDir, { recursive: true, force: true });
  if (text.trim() !== '') console.log(`\n# failed tests, repeated from above\n\n${text.trimEnd()}\n`);
}

function nativeLoads() {
  const r = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: root, stdio: 'ignore' });
  return r.status === 0;
}

const filters = process.argv.slice(2);
const all = find(join(root, 'dist/test'));
const files = all.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
let status = run(files);
if (filters.length === 0 && !process.env.ATTENTION_LAB_TEST_BACKEND) {
  if (nativeLoads()) {
    console.log('\n# the same optimizer, model, training and backend suites on the native tensorflow backend\n');
    const native = all.filter((f) => NATIVE_SUITES.some((s) => f.includes(join('dist', s))));
    status = run(native, { ...process.env, ATTENTION_LAB_TEST_BACKEND: 'tensorflow' }) || status;
  } else {
    console.log('\n# @tensorflow/tfjs-node is not set up: native-backend suites not run (npm run setup:native)\n');
  }
}
printRecap();
process.exit(status);
