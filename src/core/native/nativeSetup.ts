/**
 * Sets up @tensorflow/tfjs-node, the native backend, in a folder's node_modules, with the Node
 * and npm that run this code. Used by `npm run setup:native` (the repository's own node_modules)
 * and by the extension's "Set Up Native Backend" command (its global storage), through
 * dist/setup-native.js (src/core/native/main.ts). Two routes to TensorFlow's C library:
 *
 * - `download`: tfjs-node's own install script, which fetches libtensorflow 2.9.1 and a prebuilt
 *   binding from its release host (Linux, macOS and Windows on x64, with normal network access);
 * - `python-index` (Linux x64): the same C API ships inside the `tensorflow-cpu` wheel of the
 *   Python package index, which networks that reach package registries only can fetch. The
 *   package is installed without its script, the wheel's `libtensorflow_cc.so.2` and
 *   `libtensorflow_framework.so.2` and C headers are unpacked, tfjs-node's `deps/lib` and
 *   `deps/include` point at them under the names its binding.gyp links (`-ltensorflow`, and the
 *   `libtensorflow.so.2.9.1` marker that makes its install script skip the download), and the
 *   binding is built with npm's node-gyp against the local Node headers.
 *
 * `auto` tries `download` and falls back to `python-index` where that route exists. Every
 * setup then builds Attention Lab's fused kernels beside the library when a C compiler is there
 * (fusedKernelsBuild.ts; optional) and ends with a check in a fresh Node process (TensorFlow's version, an exact 2×2 matmul and
 * a 128×128 matmul against a float64 reference); only then is the manifest written
 * (src/core/native/nativeManifest.ts), so a half-done or cancelled setup is never used.
 * No vscode and no tfjs here: this runs in its own process, which the caller may kill to cancel.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findNodeGyp, findNodeHeaders, findNpm, findPythonWithPip } from './findTools';
import { buildFusedKernels } from './fusedKernelsBuild';
import { runNodeProbe } from './nodeProbe';
import { TFJS_NODE_VERSION, removeManifest, tfjsNodeDir, writeManifest, type NativeManifest, type NativeRoute } from './nativeManifest';

/** The tensorflow-cpu release whose C library tfjs-node 4.22 builds and runs against (the only one the index serves here). */
export const TF_WHEEL_VERSION = '2.21.0';
/** tfjs-node's install script skips its download when this file exists in deps/lib. */
const TFJS_LIB_MARKER = 'libtensorflow.so.2.9.1';
/** Shared libraries the binding needs from the wheel (libtensorflow_cc exports the whole C API). */
const WHEEL_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;

export type SetupStep = 'check' | 'package' | 'download' | 'wheel' | 'unpack' | 'link' | 'build' | 'verify' | 'kernels';

export type SetupEvent =
  | { type: 'step'; step: SetupStep; message: string; fraction: number }
  | { type: 'note'; message: string }
  | { type: 'done'; manifest: NativeManifest; alreadySetUp: boolean };

export interface SetupOptions {
  /** The folder whose node_modules receives @tensorflow/tfjs-node (created when missing). */
  dir: string;
  route: 'auto' | NativeRoute;
  /** Wheels and unpacked libraries, shared between setups: $ATTENTION_LAB_CACHE, else XDG's cache. */
  cacheRoot: string;
  /** false: `npm install --no-save` (the repository: package.json and the lockfile stay as they are). */
  save: boolean;
  /**
   * true: the TensorFlow libraries are hard-linked (else copied) into `dir`, so the setup keeps
   * working when the cache is cleared (the extension); false: links into the cache (the repository).
   */
  selfContained: boolean;
  /** Write `attention-lab-native.json` once verified (the extension reads it). */
  manifest: boolean;
  /** Redo every step even when a working setup is found. */
  force: boolean;
  emit(event: SetupEvent): void;
  /** A line of the tools' output (npm, pip, node-gyp). */
  log(line: string): void;
}

/** A setup failure with a message meant for the user (one or two sentences, no stack). */
export class SetupError extends Error {
  override name = 'SetupError';
}

/** Platforms where tfjs-node 4.22 has a native library: its own download, and the wheel route on Linux x64. */
export function nativePlatformSupport(platform: string = process.platform, arch: string = process.arch): { download: boolean; pythonIndex: boolean } {
  const download = arch === 'x64' && (platform === 'linux' || platform === 'darwin' || platform === 'win32');
  return { download, pythonIndex: platform === 'linux' && arch === 'x64' };
}

export function defaultCacheRoot(): string {
  return process.env.ATTENTION_LAB_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'attention-lab');
}

/** Runs a tool, streaming its output lines to `log`; resolves with its status and last lines. */
function runTool(log: (line: string) => void, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    let child;
    try {
      child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' && /\.(cmd|bat)$/i.test(cmd) });
    } catch (err) {
      resolve({ status: null, tail: [err instanceof Error ? err.message : String(err)] });
      return;
    }
    const onData = (prefix: string) => {
      let buffer = '';
      return (chunk: Buffer): void => {
        buffer += chunk.toString('utf8');
        let i: number;
        while ((i = buffer.search(/[\r\n]/)) >= 0) {
          const line = buffer.slice(0, i).trimEnd();
          buffer = buffer.slice(i + 1);
          if (line === '') continue;
          log(`${prefix}${line}`);
          tail.push(line);
          if (tail.length > 30) tail.shift();
        }
      };
    };
    const name = path.basename(cmd);
    child.stdout.on('data', onData(`[${name}] `));
    child.stderr.on('data', onData(`[${name}] `));
    child.on('error', (err) => {
      tail.push(err.message);
      resolve({ status: null, tail });
    });
    child.on('close', (status) => resolve({ status, tail }));
  });
}

/** The most telling line of a failed tool's output: its first `Error: …` (npm prints the stack after it). */
function firstError(tail: string[]): string {
  const line = tail.find((l) => /\b\w*Error: /.test(l)) ?? tail.find((l) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|\b40[34]\b/.test(l)) ?? tail.at(-1) ?? '';
  return line.replace(/^npm (error|ERR!)\s*/, '').trim();
}

async function mustRun(log: (line: string) => void, what: string, cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await runTool(log, cmd, args, cwd, env);
  if (r.status !== 0) {
    const last = firstError(r.tail);
    throw new SetupError(`${what} failed (${path.basename(cmd)} ${args.slice(0, 2).join(' ')}… exited with ${r.status ?? 'an error'})${last ? `: ${last}` : ''}`);
  }
}

export interface Verified {
  version: string;
  worst: number;
}

/**
 * Loads tfjs-node from `dir` in a fresh process of `node` and checks its numbers: the exact 2×2
 * product and a 128×128 product of deterministic values against a float64 reference in JS.
 */
export function verifyNative(dir: string, node = process.execPath): { ok: true; result: Verified } | { ok: false; error: string } {
  const probe = `
    const tf = require(${JSON.stringify(tfjsNodeDir(dir))});
    if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
    const version = tf.backend().binding.TF_Version;
    const exact = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).arraySync();
    if (JSON.stringify(exact) !== '[[19,22],[43,50]]') throw new Error('2x2 matmul gave ' + JSON.stringify(exact));
    const n = 128, a = new Float32Array(n * n), b = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) { a[i] = Math.sin(i); b[i] = Math.cos(3 * i); }
    const c = tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])).dataSync();
    let worst = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0; for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      worst = Math.max(worst, Math.abs(s - c[i * n + j]));
    }
    if (!(worst < 1e-3)) throw new Error('128x128 matmul differs from the float64 reference by ' + worst);
    process.stdout.write(JSON.stringify({ version, worst }));
  `;
  const r = runNodeProbe(node, probe, dir);
  if (!r.ok) return r;
  try {
    return { ok: true, result: JSON.parse(r.stdout) as Verified };
  } catch {
    return { ok: false, error: `unexpected output: ${r.stdout.slice(0, 200)}` };
  }
}

/** Links `target` at `link` (a file or folder link), replacing whatever is there. */
function forceSymlink(target: string, link: string): void {
  fs.rmSync(link, { recursive: true, force: true });
  try {
    fs.unlinkSync(link);
  } catch {
    // absent (rmSync does not remove a dangling link on every Node version)
  }
  fs.symlinkSync(target, link);
}

/** A hard link of `src` at `dst`, or a copy when the two are on different file systems. */
function linkOrCopy(src: string, dst: string): 'linked' | 'copied' {
  fs.rmSync(dst, { force: true });
  try {
    fs.linkSync(src, dst);
    return 'linked';
  } catch {
    fs.copyFileSync(src, dst);
    return 'copied';
  }
}

const PY_EXTRACT = `
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

/**
 * deps/lib and deps/include of tfjs-node as its binding.gyp expects them, pointing at the unpacked
 * library (or holding copies of it when `selfContained`).
 */
function linkDeps(pkgDir: string, libDir: string, includeDir: string, selfContained: boolean, log: (line: string) => void): void {
  const depsDir = path.join(pkgDir, 'deps');
  const depsLib = path.join(depsDir, 'lib');
  fs.rmSync(depsDir, { recursive: true, force: true });
  fs.mkdirSync(depsLib, { recursive: true });
  let cc = path.join(libDir, 'libtensorflow_cc.so.2');
  let fw = path.join(libDir, 'libtensorflow_framework.so.2');
  if (selfContained) {
    const how = [linkOrCopy(cc, path.join(depsLib, 'libtensorflow_cc.so.2')), linkOrCopy(fw, path.join(depsLib, 'libtensorflow_framework.so.2'))];
    log(`TensorFlow's libraries ${how[0]} into ${depsLib}`);
    cc = 'libtensorflow_cc.so.2';
    fw = 'libtensorflow_framework.so.2';
  } else {
    forceSymlink(cc, path.join(depsLib, 'libtensorflow_cc.so.2'));
  }
  // -ltensorflow resolves libtensorflow.so; the binding then records libtensorflow_cc.so.2 (its soname).
  for (const name of ['libtensorflow.so', 'libtensorflow.so.2', TFJS_LIB_MARKER]) forceSymlink(cc, path.join(depsLib, name));
  if (!selfContained) forceSymlink(fw, path.join(depsLib, 'libtensorflow_framework.so.2'));
  forceSymlink(fw, path.join(depsLib, 'libtensorflow_framework.so'));
  forceSymlink(includeDir, path.join(depsDir, 'include'));
}

/** Runs the setup; resolves with the manifest of a verified setup, or throws a SetupError. */
export async function setUpNative(o: SetupOptions): Promise<NativeManifest> {
  const node = process.execPath;
  const support = nativePlatformSupport();
  if (!support.download && !support.pythonIndex) {
    throw new SetupError(`@tensorflow/tfjs-node ${TFJS_NODE_VERSION} has no native TensorFlow library for ${process.platform}/${process.arch}; Attention Lab trains on wasm here`);
  }
  if (o.route === 'python-index' && !support.pythonIndex) {
    throw new SetupError(`the Python-index route is for Linux x64 only (this is ${process.platform}/${process.arch}); use the download route: tfjs-node's own install with normal network access`);
  }
  if (o.route === 'download' && !support.download) throw new SetupError(`tfjs-node has no download for ${process.platform}/${process.arch}`);
  const step = (s: SetupStep, fraction: number, message: string): void => o.emit({ type: 'step', step: s, message, fraction });
  const finish = (route: NativeRoute, v: Verified, alreadySetUp: boolean): NativeManifest => {
    // The fused kernels are an accelerator: without them the backend works, only slower.
    step('kernels', 0.97, "building Attention Lab's fused kernels with the C compiler");
    const kernels = buildFusedKernels(pkgDir, o.log, o.force, node);
    if (kernels.ok) o.log(`fused kernels ${kernels.built ? 'built and checked' : 'checked'}: ${kernels.path}`);
    else o.emit({ type: 'note', message: `fused kernels not built (${kernels.reason}); training uses TensorFlow's own ops, ~20 % slower (docs/native.md)` });
    const manifest: NativeManifest = {
      schema: 1, node, nodeVersion: process.version, tfjsNode: TFJS_NODE_VERSION, tensorflow: v.version, route,
      platform: process.platform, arch: process.arch, verifiedAt: new Date().toISOString(),
      ...(kernels.ok ? { fusedKernels: path.basename(kernels.path) } : {}),
    };
    if (o.manifest) writeManifest(o.dir, manifest);
    o.emit({ type: 'done', manifest, alreadySetUp });
    return manifest;
  };
  fs.mkdirSync(o.dir, { recursive: true });
  const pkgDir = tfjsNodeDir(o.dir);

  if (!o.force) {
    step('check', 0.02, 'checking for a working setup');
    const v = verifyNative(o.dir, node);
    const route: NativeRoute = fs.existsSync(path.join(pkgDir, 'deps', 'lib', 'libtensorflow_cc.so.2')) ? 'python-index' : 'download';
    if (v.ok) return finish(route, v.result, true);
  }
  // From here on the folder is not in a usable state until verified again.
  if (o.manifest) removeManifest(o.dir);

  const npm = findNpm(node);
  if (!npm) throw new SetupError(`npm was not found next to ${node} or on PATH; install Node.js with npm`);

  // 1. The package, without its install script (the scripted install removes the whole package
  // when its download fails).
  if (!fs.existsSync(path.join(o.dir, 'package.json'))) {
    fs.writeFileSync(path.join(o.dir, 'package.json'), JSON.stringify({ name: 'attention-lab-native', private: true, description: "Attention Lab's native TensorFlow backend" }, null, 2) + '\n');
  }
  if (o.force || !fs.existsSync(path.join(pkgDir, 'package.json'))) {
    step('package', 0.05, `installing @tensorflow/tfjs-node ${TFJS_NODE_VERSION} with npm`);
    await mustRun(o.log, 'installing @tensorflow/tfjs-node', npm, ['install', ...(o.save ? [] : ['--no-save']), '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`], o.dir);
  } else {
    o.log(`@tensorflow/tfjs-node is in ${path.join(o.dir, 'node_modules')}`);
  }

  // 2. tfjs-node's own route: its install script downloads libtensorflow and the binding.
  if (o.route === 'auto' || o.route === 'download') {
    if (support.download) {
      step('download', 0.2, "running tfjs-node's install script (downloads TensorFlow, ~100 MB)");
      fs.rmSync(path.join(pkgDir, 'deps'), { recursive: true, force: true });
      const r = await runTool(o.log, npm, ['rebuild', '--no-audit', '--no-fund', '@tensorflow/tfjs-node'], o.dir);
      const v = r.status === 0 ? verifyNative(o.dir, node) : null;
      if (v?.ok) return finish('download', v.result, false);
      const why = v && !v.ok ? v.error : firstError(r.tail) || `exit ${r.status}`;
      if (o.route === 'download' || !support.pythonIndex) throw new SetupError(`tfjs-node's own download did not work: ${why}`);
      o.emit({ type: 'note', message: `tfjs-node's own download did not work (${why}); using the Python package index instead` });
    }
  }

  // 3. The wheel, from the Python package index (pip's own configuration applies: mirrors, certificates).
  const wheelDir = path.join(o.cacheRoot, 'wheels');
  const findWheel = (): string | undefined =>
    fs.existsSync(wheelDir) ? fs.readdirSync(wheelDir).find((f) => f.startsWith(`tensorflow_cpu-${TF_WHEEL_VERSION}-`) && f.endsWith('.whl')) : undefined;
  let wheel = findWheel();
  const python = findPythonWithPip();
  if (!wheel) {
    if (!python) throw new SetupError('Python with pip is needed to fetch TensorFlow from the Python package index (Debian: apt-get install python3-pip)');
    fs.mkdirSync(wheelDir, { recursive: true });
    step('wheel', 0.3, `downloading tensorflow-cpu ${TF_WHEEL_VERSION} from the Python package index (~274 MB)`);
    // The C library inside does not depend on the Python version: the manylinux x86_64 build for
    // CPython 3.11 whatever Python runs pip, without dependencies.
    await mustRun(o.log, 'downloading the tensorflow-cpu wheel', python, [
      '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--platform', 'manylinux_2_27_x86_64', '--python-version', '3.11',
      '--implementation', 'cp', '--abi', 'cp311', '--progress-bar', 'off', '--dest', wheelDir, `tensorflow-cpu==${TF_WHEEL_VERSION}`,
    ], o.dir);
    wheel = findWheel();
    if (!wheel) throw new SetupError(`pip finished but no tensorflow_cpu-${TF_WHEEL_VERSION}-*.whl is in ${wheelDir}`);
  } else {
    o.log(`wheel cached: ${path.join(wheelDir, wheel)}`);
  }

  // 4. Libraries and headers, unpacked once into the cache (a temporary folder renamed: a partial
  // unpack is never mistaken for a complete one).
  const libRoot = path.join(o.cacheRoot, `libtensorflow-${TF_WHEEL_VERSION}`);
  const libDir = path.join(libRoot, 'lib');
  const includeDir = path.join(libRoot, 'include');
  const unpacked = (): boolean => WHEEL_LIBS.every((f) => fs.existsSync(path.join(libDir, f))) && fs.existsSync(path.join(includeDir, 'tensorflow', 'c', 'c_api.h'));
  if (o.force || !unpacked()) {
    const py = python ?? ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
    if (!py) throw new SetupError('python3 is needed to unpack the wheel');
    step('unpack', 0.55, 'unpacking the TensorFlow C library');
    const tmp = `${libRoot}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    await mustRun(o.log, 'unpacking the wheel', py, ['-c', PY_EXTRACT, path.join(wheelDir, wheel), tmp, WHEEL_LIBS.join(',')], o.dir);
    for (const f of WHEEL_LIBS) if (!fs.existsSync(path.join(tmp, 'lib', f))) throw new SetupError(`the wheel ${wheel} has no tensorflow/${f}`);
    fs.rmSync(libRoot, { recursive: true, force: true });
    fs.renameSync(tmp, libRoot);
  } else {
    o.log(`library cached: ${libRoot}`);
  }

  // 5. deps/lib and deps/include as binding.gyp expects them. The binding's rpath is
  // $ORIGIN/../../deps/lib: whatever deps/lib holds is what loads at run time.
  step('link', 0.65, 'linking TensorFlow into @tensorflow/tfjs-node');
  linkDeps(pkgDir, libDir, includeDir, o.selfContained, o.log);

  // 6. The binding, where node-pre-gyp looks for it (lib/napi-v<N>/tfjs_binding.node).
  // The folder node-pre-gyp loads it from: the highest N-API version the package declares that
  // this Node supports (node-pre-gyp's own rule).
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { binary?: { module_path?: string; napi_versions?: number[] } };
  const napi = Math.max(...(pkg.binary?.napi_versions ?? []).filter((v) => v <= Number(process.versions.napi)));
  if (!Number.isFinite(napi)) throw new SetupError(`@tensorflow/tfjs-node declares no N-API version that Node ${process.version} supports`);
  const modulePath = path.resolve(pkgDir, (pkg.binary?.module_path ?? './lib/napi-v{napi_build_version}').replace('{napi_build_version}', String(napi)));
  const nodeGyp = findNodeGyp(npm, node);
  if (!nodeGyp) throw new SetupError(`node-gyp (shipped with npm) was not found beside ${npm}`);
  const headers = findNodeHeaders(node);
  step('build', 0.7, 'building the TensorFlow binding with node-gyp (needs make and a C++ compiler)');
  await mustRun(o.log, 'building the binding', node, [
    nodeGyp, 'rebuild', ...(headers ? [`--nodedir=${headers}`] : []), '--module_name=tfjs_binding', `--module_path=${modulePath}`, `--napi_build_version=${napi}`, '--loglevel=warn',
  ], pkgDir);
  const binding = path.join(modulePath, 'tfjs_binding.node');
  if (!fs.existsSync(binding) || fs.statSync(binding).size === 0) throw new SetupError(`the build did not produce ${binding}`);
  // The build's object files are not needed at run time (tens of MB).
  fs.rmSync(path.join(pkgDir, 'build'), { recursive: true, force: true });

  // 7. Check.
  step('verify', 0.95, 'checking that TensorFlow loads and computes correctly');
  const v = verifyNative(o.dir, node);
  if (!v.ok) throw new SetupError(`the binding was built but @tensorflow/tfjs-node does not work: ${v.error}`);
  return finish('python-index', v.result, false);
}
