// Packages the extension as a .vsix with @vscode/vsce (3.x runs on Node 20) and checks what went
// in: the bundles, wasm binaries, webview apps, media, schemas and README; no sources, tests,
// tooling or node_modules. Usage: node scripts/package.mjs [--out file.vsix] [--no-build]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The entries of a zip file from its central directory (no unzip tool needed): name, method, sizes, local header offset. */
function zipDirectory(buf, file) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file}: not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    entries.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), method: buf.readUInt16LE(p + 10), size: buf.readUInt32LE(p + 20), offset: buf.readUInt32LE(p + 42) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Entry names of a zip file. */
export function zipEntries(file) {
  return zipDirectory(readFileSync(file), file).map((e) => e.name);
}

/** One entry's bytes (stored or deflated); sizes from the central directory (a local header may leave them to a data descriptor). */
export function zipRead(file, name) {
  const buf = readFileSync(file);
  const e = zipDirectory(buf, file).find((x) => x.name === name);
  if (!e) throw new Error(`${file}: no entry ${name}`);
  const start = e.offset + 30 + buf.readUInt16LE(e.offset + 26) + buf.readUInt16LE(e.offset + 28);
  const data = buf.subarray(start, start + e.size);
  return e.method === 0 ? data : inflateRawSync(data);
}

/**
 * The README's relative link and image targets that the .vsix lacks (the extension's details page
 * resolves them inside the installed extension). vsce renames LICENSE and CHANGELOG.md.
 */
function unresolvedReadmeLinks(file, names) {
  const readme = names.find((n) => n.toLowerCase() === 'extension/readme.md');
  if (!readme) return [];
  const text = zipRead(file, readme).toString('utf8');
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
  const lower = new Set(names.map((n) => n.toLowerCase()));
  const renamed = { license: 'license.txt', 'changelog.md': 'changelog.md' };
  const missing = [];
  for (const t of targets) {
    if (/^[a-z][\w+.-]*:/i.test(t) || t.startsWith('#')) continue;
    const rel = t.replace(/#.*$/, '').replace(/^\.\//, '');
    const key = rel.toLowerCase();
    const shipped = key.endsWith('/') ? [...lower].some((n) => n.startsWith(`extension/${key}`)) : lower.has(`extension/${renamed[key] ?? key}`);
    if (shipped) continue;
    // A page not written yet is the README's problem, not the package's: said, not fatal.
    if (existsSync(join(root, rel))) missing.push(`README links to ${t}, which is not in the .vsix`);
    else process.stderr.write(`warning: README links to ${t}, which does not exist in the repository\n`);
  }
  return missing;
}

export const REQUIRED = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/backend.js',
  'extension/dist/worker.js',
  'extension/dist/es-worker.js',
  'extension/dist/setup-native.js',
  // what Slurm array tasks submitted from the extension run (the batch script's exec line)
  'extension/dist/task.js',
  'extension/dist/tfjs-backend-wasm-simd.wasm',
  'extension/dist/tfjs-backend-wasm.wasm',
  'extension/media/icon.png',
  'extension/media/attention-lab.svg',
  'extension/schemas/experiment.schema.json',
  'extension/LICENSE.txt',
  'extension/changelog.md',
  'extension/dist/webview/dashboard.js',
  'extension/dist/webview/liveRun.js',
  'extension/dist/webview/inspector.js',
  'extension/dist/webview/report.js',
  'extension/docs/screenshots/report.png',
];
// The charts gallery (a test page), the threaded wasm (unused in Node), the CLI bundle (the task
// entry does what the extension needs of it) and the science runner are not shipped.
const FORBIDDEN = [/^extension\/dist\/webview\/gallery\.js$/, /threaded-simd\.wasm$/, /^extension\/dist\/cli\.js$/, /^extension\/dist\/science\.js$/, /^extension\/bin\//, /^extension\/src\//, /^extension\/test\//, /^extension\/node_modules\//, /^extension\/scripts\//, /\.map$/, /\.ts$/, /^extension\/\.cache\//, /^extension\/runs\//, /^extension\/dist\/test\//, /^extension\/dist\/bench/];

/** Problems with a .vsix's contents, one line each; [] when it is right. */
export function checkVsix(file) {
  const names = zipEntries(file);
  const problems = [];
  for (const r of REQUIRED) if (!names.includes(r)) problems.push(`missing ${r}`);
  if (!names.some((n) => n.toLowerCase() === 'extension/readme.md')) problems.push('missing extension/README.md');
  if (!names.some((n) => /^extension\/dist\/webview\/[^/]+\.js$/.test(n))) problems.push('missing the webview bundles (extension/dist/webview/*.js)');
  for (const n of names) if (FORBIDDEN.some((re) => re.test(n))) problems.push(`should not contain ${n}`);
  problems.push(...unresolvedReadmeLinks(file, names));
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
    // No flag that skips a check: package.json's `vsce` field says there is no public repository
    // yet (allowMissingRepository: no prompt) and that the bundles carry their dependencies
    // (dependencies: false). The README's links and images stay relative (docs/ ships in the
    // .vsix, so they open from the installed extension); vsce would rewrite them to a hosted
    // repository's URLs, which needs one. --follow-symlinks: the staging folder is links.
    execFileSync(process.execPath, [vsce, 'package', '--no-rewrite-relative-links', '--follow-symlinks', '--out', resolve(out)], {
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
