// Runs the bundled tests with node's test runner. Usage: node scripts/test.mjs [filter...]
// Without filters, and when @tensorflow/tfjs-node loads (after `npm run setup:native`), the
// backend-parameterised suites (optimizers, model, training, backends) run a second time on the
// native `tensorflow` backend.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

function run(files, env = process.env) {
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    cwd: root,
    env,
  });
  return r.status ?? 1;
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
process.exit(status);
