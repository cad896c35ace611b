// Packages the extension as a .vsix with @vscode/vsce (3.x runs on Node 20) and checks what went
// in: the bundles, wasm binaries, webview apps, media, schemas and README; no sources, tests,
// tooling or node_modules. Usage: node scripts/package.mjs [--out file.vsix] [--no-build]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Entry names of a zip file, from its central directory (no unzip tool needed). */
export function zipEntries(file) {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file}: not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** One entry's bytes (stored or deflated). */
export function zipRead(file, name) {
  const buf = readFileSync(file);
  let p = 0;
  while (p < buf.length - 30 && buf.readUInt32LE(p) === 0x04034b50) {
    const method = buf.readUInt16LE(p + 8);
    const size = buf.readUInt32LE(p + 18);
    const nameLen = buf.readUInt16LE(p + 26);
    const extraLen = buf.readUInt16LE(p + 28);
    const entry = buf.toString('utf8', p + 30, p + 30 + nameLen);
    const data = buf.subarray(p + 30 + nameLen + extraLen, p + 30 + nameLen + extraLen + size);
    if (entry === name) return method === 0 ? data : inflateRawSync(data);
    p += 30 + nameLen + extraLen + size;
  }
  throw new Error(`${file}: no entry ${name}`);
}

const REQUIRED = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/backend.js',
  'extension/dist/worker.js',
  'extension/dist/es-worker.js',
  'extension/dist/setup-native.js',
  'extension/dist/tfjs-backend-wasm-simd.wasm',
  'extension/dist/tfjs-backend-wasm.wasm',
  'extension/media/icon.png',
  'extension/media/attention-lab.svg',
  'extension/schemas/experiment.schema.json',
];
const FORBIDDEN = [/^extension\/src\//, /^extension\/test\//, /^extension\/node_modules\//, /^extension\/scripts\//, /\.map$/, /\.ts$/, /^extension\/\.cache\//, /^extension\/runs\//, /^extension\/dist\/test\//, /^extension\/dist\/bench/];

/** Problems with a .vsix's contents, one line each; [] when it is right. */
export function checkVsix(file) {
  const names = zipEntries(file);
  const problems = [];
  for (const r of REQUIRED) if (!names.includes(r)) problems.push(`missing ${r}`);
  if (!names.some((n) => n.toLowerCase() === 'extension/readme.md')) problems.push('missing extension/README.md');
  if (!names.some((n) => /^extension\/dist\/webview\/[^/]+\.js$/.test(n))) problems.push('missing the webview bundles (extension/dist/webview/*.js)');
  for (const n of names) if (FORBIDDEN.some((re) => re.test(n))) problems.push(`should not contain ${n}`);
  return problems;
}

/**
 * Top-level folders that never ship and hold many files. vsce lists every file under its working
 * folder before applying .vscodeignore (~38,000 here with .cache/code-server and bench's Python
 * venv: 14 s); it packages from a folder of links to the other entries instead (2 s). The
 * .vscodeignore still decides what goes in, and checkVsix checks it.
 */
const NEVER_SHIPPED = new Set(['.git', 'node_modules', '.cache', 'bench', 'test-results', 'runs', 'src', 'test']);

export function packageVsix(out, { build = true } = {}) {
  if (build) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
  const stage = mkdtempSync(join(tmpdir(), 'al-package-'));
  try {
    for (const name of readdirSync(root)) if (!NEVER_SHIPPED.has(name)) symlinkSync(join(root, name), join(stage, name));
    // README links point into the repository (docs/…): keep them as they are.
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--follow-symlinks', '--out', resolve(out)], {
      cwd: stage,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const problems = checkVsix(out);
  if (problems.length > 0) throw new Error(`${out}:\n  ${problems.join('\n  ')}`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = resolve(i >= 0 ? process.argv[i + 1] : join(root, 'attention-lab.vsix'));
  packageVsix(out, { build: !process.argv.includes('--no-build') });
  const entries = zipEntries(out);
  process.stdout.write(`${out}: ${entries.length} files, contents checked\n`);
}
