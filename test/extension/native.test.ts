/**
 * The native backend's host side without VS Code: the setup's manifest, which tfjs-node the
 * backend process gets (setting, global storage, none; never when untrusted), when the one-time
 * offer shows, and running the setup process (events, errors, cancel ending the whole process
 * group). The real setup (npm, the wheel, node-gyp) runs in the real-VS-Code suite (test/e2e).
 */
import { mergeSlurmOptions } from '../../src/core/slurm/slurmConfig';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findBundleFile } from '../../src/core/bundlePaths';
import { chooseNative, managedNativeDir, shouldOfferNative } from '../../src/extension/native/nativeChoice';
import { NativeSetupCancelled, NativeSetupError, findUserNode, runNativeSetup } from '../../src/extension/native/nativeSetupProcess';
import type { Settings } from '../../src/extension/settings';
import { MANIFEST_FILE, TFJS_NODE_VERSION, readManifest, writeManifest, type NativeManifest } from '../../src/core/native/nativeManifest';
import { nativePlatformSupport, type SetupEvent } from '../../src/core/native/nativeSetup';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'al-native-'));

function manifest(over: Partial<NativeManifest> = {}): NativeManifest {
  return {
    schema: 1, node: process.execPath, nodeVersion: process.version, tfjsNode: TFJS_NODE_VERSION, tensorflow: '2.21.0', route: 'python-index',
    platform: process.platform, arch: process.arch, verifiedAt: '2026-01-01T00:00:00.000Z', ...over,
  };
}

/** A global storage folder with a complete-looking setup in native/ (package.json of tfjs-node and the manifest). */
function storageWithSetup(m: NativeManifest = manifest()): string {
  const storage = tmp();
  const dir = managedNativeDir(storage);
  const pkg = path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), '{}');
  writeManifest(dir, m);
  return storage;
}

const settings = (over: Partial<Settings> = {}): Settings => ({ runsFolder: '/w/runs', backend: 'auto', parallelRuns: 0, nodePath: '', nativeModulesPath: '', runOn: 'local', slurm: mergeSlurmOptions(), ...over });

test('readManifest: a complete setup is used; a missing, torn, foreign or broken one is not, with the reason', () => {
  const storage = storageWithSetup();
  const dir = managedNativeDir(storage);
  const ok = readManifest(dir);
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(ok.manifest.node, process.execPath);

  assert.deepEqual(readManifest(tmp()), { ok: false, reason: 'not set up' });
  const cases: [string, string | NativeManifest, RegExp][] = [
    ['torn', '{"schema": 1, "node', /not JSON/],
    ['other platform', manifest({ platform: process.platform === 'linux' ? 'darwin' : 'linux' }), /set up for .*, this is/],
    ['other tfjs-node', manifest({ tfjsNode: '4.0.0' }), /tfjsNode: 4\.0\.0, this extension needs/],
    ['unknown route', { ...manifest(), route: 'magic' } as unknown as NativeManifest, /route: expected/],
    ['node gone', manifest({ node: path.join(dir, 'no-such-node') }), /Node executable it was set up with is gone/],
  ];
  for (const [what, content, reason] of cases) {
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), typeof content === 'string' ? content : JSON.stringify(content));
    const r = readManifest(dir);
    assert.ok(!r.ok, what);
    assert.match(r.reason, reason, what);
  }
  writeManifest(dir, manifest());
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true });
  const noPkg = readManifest(dir);
  assert.ok(!noPkg.ok && /tfjs-node is missing/.test(noPkg.reason));
});

test('chooseNative: the setting wins, then the global-storage setup with its Node; nothing when untrusted', () => {
  const storage = storageWithSetup(manifest({ node: process.execPath }));
  const managed = chooseNative(settings(), true, storage);
  assert.equal(managed.source, 'managed');
  assert.equal(managed.nativeModulesPath, managedNativeDir(storage));
  assert.equal(managed.nodePath, process.execPath);
  // attentionLab.nodePath overrides the Node the setup recorded
  assert.equal(chooseNative(settings({ nodePath: '/opt/node/bin/node' }), true, storage).nodePath, '/opt/node/bin/node');
  const own = chooseNative(settings({ nativeModulesPath: '/src/attention-lab' }), true, storage);
  assert.deepEqual([own.source, own.nativeModulesPath, own.nodePath], ['setting', '/src/attention-lab', undefined]);
  const untrusted = chooseNative(settings({ nativeModulesPath: '/src/attention-lab', nodePath: '/x/node' }), false, storage);
  assert.deepEqual([untrusted.source, untrusted.nativeModulesPath, untrusted.nodePath], ['untrusted', undefined, undefined]);
  const none = chooseNative(settings(), true, tmp());
  assert.deepEqual([none.source, none.nativeModulesPath, none.reason], ['none', undefined, 'not set up']);
});

test('shouldOfferNative: only for a run that would train on wasm, on a platform with a native library, once', () => {
  const none = chooseNative(settings(), true, tmp());
  const base = { settings: settings(), trusted: true, choice: none, bundled: false, alreadyOffered: false, platform: 'linux', arch: 'x64' };
  assert.equal(shouldOfferNative(base), true);
  assert.equal(shouldOfferNative({ ...base, alreadyOffered: true }), false, 'once');
  assert.equal(shouldOfferNative({ ...base, trusted: false }), false, 'untrusted workspaces stay on wasm');
  assert.equal(shouldOfferNative({ ...base, settings: settings({ backend: 'wasm' }) }), false, 'wasm chosen on purpose');
  assert.equal(shouldOfferNative({ ...base, bundled: true }), false, 'tfjs-node beside the extension');
  assert.equal(shouldOfferNative({ ...base, choice: chooseNative(settings(), true, storageWithSetup()) }), false, 'already set up');
  assert.equal(shouldOfferNative({ ...base, platform: 'linux', arch: 'arm64' }), false, 'no native library for linux/arm64');
  assert.equal(shouldOfferNative({ ...base, platform: 'darwin', arch: 'x64' }), true);
  assert.deepEqual(nativePlatformSupport('linux', 'x64'), { download: true, pythonIndex: true });
  assert.deepEqual(nativePlatformSupport('win32', 'x64'), { download: true, pythonIndex: false });
});

test('findUserNode: the setting, else node on PATH; a clear error when there is none or it does not run', () => {
  assert.equal(findUserNode(process.execPath).version, process.versions.node);
  const bin = tmp();
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  assert.equal(findUserNode('', bin).node, path.join(bin, 'node'));
  assert.throws(() => findUserNode('', tmp()), (e: Error) => e instanceof NativeSetupError && /Node\.js was not found on PATH.*attentionLab\.nodePath/.test(e.message));
  assert.throws(() => findUserNode(path.join(bin, 'missing-node')), (e: Error) => e instanceof NativeSetupError && /does not run/.test(e.message));
});

/** A stand-in for dist/setup-native.js: `body` runs with `emit(event)` available. */
function fakeSetup(body: string): string {
  const file = path.join(tmp(), 'setup.js');
  fs.writeFileSync(file, `const emit = (e) => process.stdout.write(JSON.stringify(e) + '\\n');\n${body}\n`);
  return file;
}

test('runNativeSetup: into a folder that does not exist yet; progress events, tool output to the log, the manifest at the end', async () => {
  const m = manifest();
  const script = fakeSetup(`
    if (!process.argv.includes('--self-contained') || !process.argv.includes('--manifest') || !process.argv.includes('--json')) process.exit(9);
    emit({ type: 'step', step: 'package', message: 'installing', fraction: 0.05 });
    process.stderr.write('[npm] added 90 packages\\n');
    emit({ type: 'note', message: 'download blocked; using the Python package index' });
    emit({ type: 'done', manifest: ${JSON.stringify(m)}, alreadySetUp: false });`);
  const events: SetupEvent[] = [];
  const log: string[] = [];
  // The global storage folder does not exist before the first setup.
  const dir = path.join(tmp(), 'globalStorage', 'native');
  const got = await runNativeSetup({ script, node: process.execPath, dir, onEvent: (e) => events.push(e), log: (l) => log.push(l) });
  assert.deepEqual(got, m);
  assert.ok(fs.statSync(dir).isDirectory());
  assert.deepEqual(events.map((e) => e.type), ['step', 'note', 'done']);
  assert.deepEqual(log, ['[npm] added 90 packages']);
});

test('runNativeSetup: the setup’s own error message, or the exit and last stderr line', async () => {
  const failing = fakeSetup(`emit({ type: 'error', message: 'Python with pip is needed to fetch TensorFlow' }); process.exit(1);`);
  await assert.rejects(
    runNativeSetup({ script: failing, node: process.execPath, dir: tmp(), onEvent: () => undefined, log: () => undefined }),
    (e: Error) => e instanceof NativeSetupError && e.message === 'Python with pip is needed to fetch TensorFlow',
  );
  const crashing = fakeSetup(`process.stderr.write('segfault-ish\\n'); process.exit(3);`);
  await assert.rejects(
    runNativeSetup({ script: crashing, node: process.execPath, dir: tmp(), onEvent: () => undefined, log: () => undefined }),
    (e: Error) => e instanceof NativeSetupError && /exited with code 3: segfault-ish/.test(e.message),
  );
  // exit 0 without a verified manifest is a failure, not a success
  const silent = fakeSetup('');
  await assert.rejects(runNativeSetup({ script: silent, node: process.execPath, dir: tmp(), onEvent: () => undefined, log: () => undefined }), NativeSetupError);
});

test('runNativeSetup: cancel ends the setup and the tools it started (its process group)', { skip: process.platform === 'win32' }, async () => {
  const pidFile = path.join(tmp(), 'grandchild.pid');
  const script = fakeSetup(`
    const { spawn } = require('node:child_process');
    const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
    emit({ type: 'step', step: 'build', message: 'building', fraction: 0.7 });
    setInterval(() => {}, 1000);`);
  const abort = new AbortController();
  const p = runNativeSetup({
    script, node: process.execPath, dir: tmp(), signal: abort.signal, log: () => undefined,
    onEvent: (e) => {
      if (e.type === 'step') abort.abort();
    },
  });
  await assert.rejects(p, NativeSetupCancelled);
  const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
  const deadline = Date.now() + 5000;
  const alive = (): boolean => {
    try {
      process.kill(grandchild, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(), false, `the setup's child ${grandchild} was ended with it`);
});

test('dist/setup-native.js: bad arguments exit 2 with one line; --check on an empty folder fails clearly', () => {
  const script = findBundleFile('setup-native.js', __dirname);
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  const noDir = run();
  assert.equal(noDir.status, 2);
  assert.match(noDir.stderr, /--dir <folder> is required/);
  const badRoute = run('--dir', tmp(), '--route', 'carrier-pigeon');
  assert.equal(badRoute.status, 2);
  assert.match(badRoute.stderr, /--route: expected auto, download or python-index, found 'carrier-pigeon'/);
  const unknown = run('--dir', tmp(), '--fast');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option --fast/);
  const check = run('--dir', tmp(), '--check', '--json');
  assert.equal(check.status, 1);
  const last = JSON.parse(check.stdout.trim().split('\n').at(-1) ?? '{}') as { type: string; message: string };
  assert.equal(last.type, 'error');
  assert.match(last.message, /@tensorflow\/tfjs-node does not load from .* run the setup/);
});
