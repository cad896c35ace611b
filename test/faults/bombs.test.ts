/**
 * Resource bombs, bad paths and spec edge cases (issue 11 §6, §7): each is refused before any
 * folder is made or any tensor allocated, with one line naming the numbers or the real reason,
 * and exit 2.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertUserError, cli, mountTmpfs, tempDir, tinySpec, writeSpec } from './helpers';

const quick = { timeoutMs: 30_000 };

test('a grid of a million runs, all schema maxima, a huge batch and a huge evaluation are refused with the numbers', () => {
  const dir = tempDir('bombs');
  const out = path.join(dir, 'runs');
  const million = tinySpec({ name: 'million', seeds: Array.from({ length: 1000 }, (_, i) => i), optimizers: [{ name: 'adamw', lr: Array.from({ length: 1000 }, (_, i) => (i + 1) / 1e4) }] });
  assertUserError(cli(['run', writeSpec(dir, million, 'million.json'), '--out', out], quick), /expands to 1\.0 million runs, above the limit of 10,000.*--allow-large/, 'a grid of 10^6 runs');
  const maxima = tinySpec({
    name: 'maxima',
    models: [{ label: 'm', layers: 64, dModel: 4096, heads: 256, dFf: 16384, position: 'learned' }],
  });
  assertUserError(cli(['run', writeSpec(dir, maxima, 'maxima.json'), '--out', out], quick), /about 12\.\d billion parameters, above the limit of 100\.0 million/, 'all schema maxima');
  const batch = tinySpec({ name: 'batch', tasks: [{ name: 'copy', trainLengths: [1024] }], train: { steps: 10, batchSize: 4096 } });
  assertUserError(cli(['run', writeSpec(dir, batch, 'batch.json'), '--out', out], quick), /one training step needs about [\d.]+ GiB of activations.*lower batchSize/, 'batch 4096 at n = 1024');
  const evals = tinySpec({ name: 'evals', tasks: [{ name: 'copy', trainLengths: [8], evalLengths: [1024] }], train: { steps: 10, batchSize: 8, evalExamples: 100000 } });
  assertUserError(cli(['run', writeSpec(dir, evals, 'evals.json'), '--out', out], quick), /an evaluation needs about [\d.]+ GiB.*lower evalExamples/, '100k evaluation examples at n = 1024');
  assert.equal(fs.existsSync(out), false, 'nothing written');
});

test('bad --out, --html, --parallel and inspect targets exit 2 with the real reason', () => {
  const dir = tempDir('paths');
  const spec = writeSpec(dir, tinySpec());
  fs.writeFileSync(path.join(dir, 'a-file'), 'x');
  assertUserError(cli(['run', spec, '--out', '/proc'], quick), /--out: \/proc is on the kernel's proc pseudo-file system/, '--out /proc');
  assertUserError(cli(['run', spec, '--out', '/proc/self/fdinfo/x'], quick), /--out: .*(proc pseudo-file system|ENOTDIR|not a folder)/, '--out under /proc');
  assertUserError(cli(['run', spec, '--out', path.join(dir, 'a-file')], quick), /--out: .*a-file is a file, not a folder \(ENOTDIR\)/, '--out at a file');
  assertUserError(cli(['run', spec, '--out', path.join(dir, 'a-file', 'sub')], quick), /--out: .*a-file.*\(ENOTDIR\)/, '--out below a file');
  assertUserError(cli(['run', spec, '--out', '/dev/null'], quick), /--out: \/dev\/null is not a folder/, '--out /dev/null');
  assertUserError(cli(['run', spec, '--out', ''], quick), /--out: give a folder \(an empty path would write into the current folder\)/, "--out ''");
  assertUserError(cli(['run', spec, '--out', dir, '--parallel', '10000'], quick), /--parallel: expected at most 64, got 10000/, '--parallel 10000');
  assertUserError(cli(['inspect', dir], quick), /inspect: .* is a folder/, 'inspect <folder>');
  assertUserError(cli(['report', dir, '--html', dir], quick), /--html: .* is a folder \(EISDIR\)/, '--html <folder>');
  assertUserError(cli(['status', path.join(dir, 'a-file')], quick), /status: .*a-file is not a folder/, 'status <file>');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a-file', 'spec.json'], 'nothing written');
});

test('a read-only --out reports EROFS (root: a read-only tmpfs)', (t) => {
  const m = mountTmpfs(256, 'ro');
  if ('skip' in m) {
    t.skip(m.skip);
    return;
  }
  try {
    const dir = tempDir('rofs');
    const spec = writeSpec(dir, tinySpec());
    assertUserError(cli(['run', spec, '--out', m.dir], quick), /--out: cannot write run folders in .*: the file system is read-only \(EROFS\)/, 'read-only --out');
    assertUserError(cli(['run', spec, '--out', path.join(m.dir, 'a', 'b')], quick), /EROFS/, 'read-only --out, missing subfolders');
  } finally {
    m.unmount();
  }
});

test('duplicate keys, prototype names and preset names are refused', () => {
  const dir = tempDir('spec-edge');
  const out = path.join(dir, 'runs');
  const text = JSON.stringify(tinySpec()).replace('"lr":0.003', '"lr":-1,"lr":0.003');
  fs.writeFileSync(path.join(dir, 'dup.json'), text);
  assertUserError(cli(['run', path.join(dir, 'dup.json'), '--out', out], quick), /dup\.json:1:\d+: duplicate property \$\.optimizers\[0\]\.lr \(first given at line 1, column \d+/, 'duplicate key');
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const spec = tinySpec();
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(spec).replace('"options":{"values":6}', `"options":{"values":6,"${name}":3}`));
    assertUserError(cli(['run', file, '--out', out], quick), new RegExp(`\\$\\.tasks\\[0\\]\\.options(\\.${name}|\\["${name}"\\])?: .*${name}`), `task option ${name}`);
  }
  assertUserError(cli(['run', '--preset', '__proto__', '--out', out], quick), /unknown preset "__proto__"; available: quick/, '--preset __proto__');
  assertUserError(cli(['run', '--preset', 'constructor', '--out', out], quick), /unknown preset "constructor"/, '--preset constructor');
  fs.writeFileSync(path.join(dir, 'deep.json'), '['.repeat(100_000) + ']'.repeat(100_000));
  assertUserError(cli(['run', path.join(dir, 'deep.json'), '--out', out], quick), /deep\.json/, 'nesting 100,000 deep');
  fs.writeFileSync(path.join(dir, 'big.json'), Buffer.alloc(2 * 1024 * 1024, 0x20));
  assertUserError(cli(['run', path.join(dir, 'big.json'), '--out', out], quick), /big\.json: \d+ bytes is too large for a spec file/, 'a 2 MB spec');
  assert.equal(fs.existsSync(out), false, 'nothing written');
});
