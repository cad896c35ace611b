// `npm run setup:native`: gives @tensorflow/tfjs-node its native TensorFlow library from the
// Python package index, builds its binding and checks it. For networks that reach package
// registries only: tfjs-node's own install script downloads libtensorflow from elsewhere and
// fails there (npm then drops the optional package). Idempotent: a working setup is verified
// and left alone. Steps (each skipped when already done):
//   1. @tensorflow/tfjs-node in node_modules (`npm install --no-save --ignore-scripts`: the
//      lockfile already lists it, so package.json and package-lock.json stay unchanged);
//   2. the tensorflow-cpu wheel (`pip download`, cached outside the repository);
//   3. its shared libraries and C headers, unpacked once into the cache;
//   4. tfjs-node's deps/lib and deps/include pointing at them (the names its binding.gyp links);
//   5. the binding built with node-gyp against the local Node headers (no header download);
//   6. a check in a fresh Node process: TensorFlow's version and matmuls against a reference.
// Options: --force (redo steps 3–5), --check (only step 6). Cache: $ATTENTION_LAB_CACHE, else
// $XDG_CACHE_HOME/attention-lab, else ~/.cache/attention-lab.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, lstatSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The tfjs-node version the project declares (optionalDependencies). */
const TFJS_NODE_VERSION = pkg.optionalDependencies?.['@tensorflow/tfjs-node'] ?? '4.22.0';
/** The tensorflow-cpu release whose C library tfjs-node 4.22 is built against here (tfjs-notes.md). */
const TF_VERSION = '2.21.0';
/** tfjs-node's install script skips its download when this file exists in deps/lib. */
const TFJS_LIB_MARKER = 'libtensorflow.so.2.9.1';
/** Shared libraries the binding needs from the wheel (libtensorflow_cc exports the C API). */
const WHEEL_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];

const args = new Set(process.argv.slice(2));
const force = args.has('--force');
const checkOnly = args.has('--check');
const cacheRoot = process.env.ATTENTION_LAB_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'attention-lab');
const pkgDir = join(root, 'node_modules', '@tensorflow', 'tfjs-node');
const started = performance.now();

const say = (msg) => console.log(`setup:native: ${msg}`);
function fail(msg) {
  console.error(`setup:native: error: ${msg}`);
  process.exit(1);
}
/** Runs a command with inherited output; throws a clear error when it fails. */
function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', ...opts });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${cmdArgs.join(' ')} exited with status ${r.status}`);
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  fail(
    `the wheel route is for Linux x64 only (this is ${process.platform}/${process.arch}); ` +
      'elsewhere tfjs-node installs its own library: `npm install @tensorflow/tfjs-node` with normal network access',
  );
}

/** Step 6, also the idempotency test: loads tfjs-node in a child process and checks numbers. */
function verify(quiet) {
  const probe = `
    const tf = require('@tensorflow/tfjs-node');
    const version = tf.backend().binding.TF_Version;
    const exact = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).arraySync();
    if (JSON.stringify(exact) !== '[[19,22],[43,50]]') throw new Error('2x2 matmul gave ' + JSON.stringify(exact));
    // 128x128 product of deterministic values against a float64 reference computed in JS.
    const n = 128, a = new Float32Array(n * n), b = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) { a[i] = Math.sin(i) ; b[i] = Math.cos(3 * i); }
    const c = tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])).dataSync();
    let worst = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0; for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      worst = Math.max(worst, Math.abs(s - c[i * n + j]));
    }
    if (!(worst < 1e-3)) throw new Error('128x128 matmul differs from the float64 reference by ' + worst);
    process.stdout.write(JSON.stringify({ backend: tf.getBackend(), version, worst }));
  `;
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  if (r.status !== 0) {
    if (!quiet) console.error(r.stderr.trim().split('\n').slice(-6).join('\n'));
    return null;
  }
  return JSON.parse(r.stdout);
}

function report(v) {
  say(`OK: @tensorflow/tfjs-node ${TFJS_NODE_VERSION} runs on TensorFlow ${v.version} (backend '${v.backend}'; 128×128 matmul within ${v.worst.toExponential(1)} of a float64 reference)`);
  say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; \`--backend auto\` now picks 'tensorflow'`);
}

if (checkOnly) {
  const v = verify(false);
  if (!v) fail('@tensorflow/tfjs-node does not load or gives wrong numbers; run `npm run setup:native`');
  report(v);
  process.exit(0);
}

if (!force) {
  const v = verify(true);
  if (v) {
    say('already set up');
    report(v);
    process.exit(0);
  }
}

// 1. The package itself (npm drops it from node_modules when its install script fails).
if (!existsSync(join(pkgDir, 'package.json'))) {
  say(`installing @tensorflow/tfjs-node@${TFJS_NODE_VERSION} without its install script (package.json and the lockfile stay unchanged)`);
  run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`], { cwd: root });
} else {
  say('@tensorflow/tfjs-node is in node_modules');
}

// 2. The wheel, from the Python package index (pip's own configuration applies: mirrors, certificates).
const wheelDir = join(cacheRoot, 'wheels');
const findWheel = () => (existsSync(wheelDir) ? readdirSync(wheelDir).find((f) => f.startsWith(`tensorflow_cpu-${TF_VERSION}-`) && f.endsWith('.whl')) : undefined);
let wheel = findWheel();
if (!wheel) {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
  if (!python) fail('pip is needed to fetch the tensorflow-cpu wheel from the Python package index: install python3 with pip (Debian: apt-get install python3-pip)');
  mkdirSync(wheelDir, { recursive: true });
  say(`downloading tensorflow-cpu ${TF_VERSION} (~274 MB) with pip into ${wheelDir}`);
  // The C library inside does not depend on the Python version: ask for the manylinux x86_64
  // build for CPython 3.11 whatever Python runs pip, with no dependencies.
  run(python, [
    '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--platform', 'manylinux_2_27_x86_64',
    '--python-version', '3.11', '--implementation', 'cp', '--abi', 'cp311', '--dest', wheelDir, `tensorflow-cpu==${TF_VERSION}`,
  ]);
  wheel = findWheel();
  if (!wheel) fail(`pip finished but no tensorflow_cpu-${TF_VERSION}-*.whl is in ${wheelDir}`);
} else {
  say(`wheel cached: ${join(wheelDir, wheel)}`);
}

// 3. Libraries and headers, unpacked once (into a temporary folder, then renamed: a partial
// unpack is never mistaken for a complete one).
const libRoot = join(cacheRoot, `libtensorflow-${TF_VERSION}`);
const libDir = join(libRoot, 'lib');
const includeDir = join(libRoot, 'include');
const unpacked = () => WHEEL_LIBS.every((f) => existsSync(join(libDir, f))) && existsSync(join(includeDir, 'tensorflow', 'c', 'c_api.h'));
if (force || !unpacked()) {
  say(`unpacking the TensorFlow C library and headers into ${libRoot}`);
  const tmp = `${libRoot}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // Python's zipfile (pip implies Python) rather than unzip, which may not be installed.
  const extract = `
import sys, zipfile, os, shutil
wheel, out, libs = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.startswith('tensorflow/include/') and not name.endswith('/'):
            dest = os.path.join(out, 'include', name[len('tensorflow/include/'):])
        elif name.startswith('tensorflow/') and name[len('tensorflow/'):] in libs:
            dest = os.path.join(out, 'lib', name[len('tensorflow/'):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
`;
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!python) fail('python3 is needed to unpack the wheel');
  run(python, ['-c', extract, join(wheelDir, wheel), tmp, WHEEL_LIBS.join(',')]);
  for (const f of WHEEL_LIBS) if (!existsSync(join(tmp, 'lib', f))) fail(`the wheel ${wheel} has no tensorflow/${f}`);
  rmSync(libRoot, { recursive: true, force: true });
  renameSync(tmp, libRoot);
} else {
  say(`library cached: ${libRoot}`);
}

// 4. deps/lib and deps/include as binding.gyp expects them (links into the cache).
const depsDir = join(pkgDir, 'deps');
const depsLib = join(depsDir, 'lib');
mkdirSync(depsLib, { recursive: true });
const link = (target, name) => {
  const p = join(depsLib, name);
  try {
    lstatSync(p);
    rmSync(p, { recursive: true, force: true });
  } catch {
    // absent
  }
  symlinkSync(target, p);
};
const cc = join(libDir, 'libtensorflow_cc.so.2');
const fw = join(libDir, 'libtensorflow_framework.so.2');
// -ltensorflow resolves libtensorflow.so; the binding then records libtensorflow_cc.so.2 (its soname).
for (const name of ['libtensorflow.so', 'libtensorflow.so.2', TFJS_LIB_MARKER, 'libtensorflow_cc.so.2']) link(cc, name);
for (const name of ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']) link(fw, name);
const depsInclude = join(depsDir, 'include');
rmSync(depsInclude, { recursive: true, force: true });
symlinkSync(includeDir, depsInclude);
say(`linked ${depsLib} and ${depsInclude} to the cache`);

// 5. The binding, built where node-pre-gyp looks for it (lib/napi-v<N>/tfjs_binding.node).
const pkgRequire = createRequire(join(pkgDir, 'package.json'));
const bindingPath = pkgRequire('@mapbox/node-pre-gyp').find(join(pkgDir, 'package.json'));
const modulePath = dirname(bindingPath);
const napi = /napi-v(\d+)/.exec(modulePath)?.[1];
if (!napi) fail(`unexpected binding path ${bindingPath}`);
const npmGyp = process.env.npm_config_node_gyp;
const nodeGyp = [npmGyp, join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find((p) => p && existsSync(p));
if (!nodeGyp) fail("node-gyp not found (it ships with npm); run this script through `npm run setup:native`");
// Local headers: Node's own include folder, so node-gyp does not download them.
const nodeDir = resolve(dirname(process.execPath), '..');
if (!existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) {
  fail(`Node's C headers are not in ${join(nodeDir, 'include', 'node')}; install them (Debian: apt-get install libnode-dev, or a Node build that ships include/)`);
}
say(`building the binding with node-gyp (napi ${napi}, headers from ${nodeDir})`);
run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, '--module_name=tfjs_binding', `--module_path=${modulePath}`, `--napi_build_version=${napi}`, '--loglevel=warn'], {
  cwd: pkgDir,
});
if (!existsSync(bindingPath) || statSync(bindingPath).size === 0) fail(`the build did not produce ${bindingPath}`);

// 6. Check.
const v = verify(false);
if (!v) fail('the binding was built but @tensorflow/tfjs-node does not work (see the output above)');
report(v);
