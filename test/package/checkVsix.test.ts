/**
 * scripts/package.mjs's check of a .vsix's contents (issue 17: no test page, no CLI bundle, no
 * unused wasm; the Slurm task entry present), on small zip files written here, so each rule is
 * seen failing. The e2e suites package the real .vsix and install it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface PackageScript {
  REQUIRED: string[];
  checkVsix(file: string): string[];
}
const loadScript = async (): Promise<PackageScript> => (await import(pathToFileURL(path.join(ROOT, 'scripts/package.mjs')).href)) as PackageScript;

/** A zip of stored (uncompressed) entries; the checker reads only names and, for the README, bytes. */
function writeZip(file: string, entries: Record<string, string>): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const n = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(n.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    central.push(dir, n);
    offset += 30 + n.length + data.length;
  }
  const size = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...locals, ...central, end]));
}

test('checkVsix: a complete .vsix passes; the CLI bundle, the gallery, the threaded wasm or a missing task entry each fail it', async () => {
  const { REQUIRED, checkVsix } = await loadScript();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-checkvsix-'));
  try {
    const complete: Record<string, string> = { 'extension/README.md': '# Attention Lab\n' };
    for (const name of REQUIRED) complete[name] = 'x';
    const check = (entries: Record<string, string>): string[] => {
      const file = path.join(dir, 'x.vsix');
      writeZip(file, entries);
      return checkVsix(file);
    };
    assert.ok(REQUIRED.includes('extension/dist/task.js'), 'the task entry is required');
    assert.deepEqual(check(complete), []);
    assert.deepEqual(check({ ...complete, 'extension/dist/cli.js': 'x' }), ['should not contain extension/dist/cli.js']);
    assert.deepEqual(check({ ...complete, 'extension/dist/webview/gallery.js': 'x' }), ['should not contain extension/dist/webview/gallery.js']);
    assert.deepEqual(check({ ...complete, 'extension/dist/tfjs-backend-wasm-threaded-simd.wasm': 'x' }), ['should not contain extension/dist/tfjs-backend-wasm-threaded-simd.wasm']);
    assert.deepEqual(check({ ...complete, 'extension/dist/science.js': 'x' }), ['should not contain extension/dist/science.js']);
    const withoutTask = { ...complete };
    delete withoutTask['extension/dist/task.js'];
    assert.deepEqual(check(withoutTask), ['missing extension/dist/task.js']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
