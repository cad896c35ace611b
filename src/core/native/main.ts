/**
 * dist/setup-native.js: sets up @tensorflow/tfjs-node with the Node that runs it (nativeSetup.ts).
 *
 *   node dist/setup-native.js --dir <folder> [--route auto|download|python-index] [--no-save]
 *                             [--self-contained] [--manifest] [--force] [--check] [--json]
 *
 * `npm run setup:native` runs it on the repository (python-index route, --no-save); the extension's
 * "Set Up Native Backend" command on its global storage (auto route, self-contained, manifest,
 * --json). With --json, stdout carries one JSON event per line (SetupEvent, plus
 * `{type:'error', message}`) and the tools' output goes to stderr; otherwise both are text.
 * Exit status: 0 set up and verified, 1 failed, 2 bad arguments.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkKernels } from './fusedKernelsBuild';
import { fusedKernelsPath } from './fusedKernelsFile';
import { manifestPath, tfjsNodeDir, type NativeRoute } from './nativeManifest';
import { SetupError, defaultCacheRoot, setUpNative, verifyNative, type SetupEvent } from './nativeSetup';

function usage(message: string): never {
  process.stderr.write(`setup-native: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) usage(`${name} needs a value`);
  return v;
};
const known = new Set(['--dir', '--route', '--no-save', '--self-contained', '--manifest', '--force', '--check', '--json']);
for (const f of flags) if (!known.has(f)) usage(`unknown option ${f} (known: ${[...known].join(' ')})`);
const dirArg = value('--dir');
if (!dirArg) usage('--dir <folder> is required (the folder whose node_modules gets @tensorflow/tfjs-node)');
const dir = path.resolve(dirArg);
const routeArg = value('--route') ?? 'auto';
if (routeArg !== 'auto' && routeArg !== 'download' && routeArg !== 'python-index') usage(`--route: expected auto, download or python-index, found '${routeArg}'`);
const route: 'auto' | NativeRoute = routeArg;
const json = flags.has('--json');
const started = performance.now();

const out = (e: SetupEvent | { type: 'error'; message: string }): void => {
  if (json) {
    process.stdout.write(JSON.stringify(e) + '\n');
    return;
  }
  const say = (m: string): void => void process.stdout.write(`setup:native: ${m}\n`);
  if (e.type === 'step') say(e.message);
  else if (e.type === 'note') say(e.message);
  else if (e.type === 'error') process.stderr.write(`setup:native: error: ${e.message}\n`);
  else {
    const m = e.manifest;
    say(`${e.alreadySetUp ? 'already set up; ' : ''}OK: @tensorflow/tfjs-node ${m.tfjsNode} runs on TensorFlow ${m.tensorflow} with Node ${m.nodeVersion} (${m.route} route)`);
    say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; \`--backend auto\` now picks 'tensorflow'${flags.has('--manifest') ? ` (${manifestPath(dir)})` : ''}`);
  }
};
const log = (line: string): void => void (json ? process.stderr : process.stdout).write(line + '\n');

async function main(): Promise<void> {
  if (flags.has('--check')) {
    const v = verifyNative(dir);
    if (!v.ok) throw new SetupError(`@tensorflow/tfjs-node does not load from ${dir} or gives wrong numbers (${v.error}); run the setup`);
    log(`setup:native: OK: TensorFlow ${v.result.version}; 128×128 matmul within ${v.result.worst.toExponential(1)} of a float64 reference`);
    const lib = fusedKernelsPath(tfjsNodeDir(dir));
    if (!fs.existsSync(lib)) log(`setup:native: no fused kernels (${path.basename(lib)}): training uses TensorFlow's own ops; the setup builds them where a C compiler is`);
    else {
      const problem = checkKernels(tfjsNodeDir(dir), lib);
      if (problem) throw new SetupError(`the fused kernels in ${lib} do not work (${problem}); run the setup again`);
      log(`setup:native: OK: fused kernels ${path.basename(lib)} agree with TensorFlow's ops`);
    }
    return;
  }
  await setUpNative({
    dir, route, cacheRoot: defaultCacheRoot(), save: !flags.has('--no-save'), selfContained: flags.has('--self-contained'),
    manifest: flags.has('--manifest'), force: flags.has('--force'), emit: out, log,
  });
}

main().catch((err: unknown) => {
  const message = err instanceof SetupError ? err.message : err instanceof Error ? `${err.message}` : String(err);
  out({ type: 'error', message });
  if (!(err instanceof SetupError) && err instanceof Error && err.stack) log(err.stack);
  process.exit(1);
});
