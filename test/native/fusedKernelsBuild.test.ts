/**
 * The native setup's build of the fused kernels (src/core/native/fusedKernelsBuild.ts) is optional:
 * where it cannot be done it says why and the setup goes on. And the library's file name carries
 * the version the C source declares, so an engine never loads kernels built from another source.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import source from '../../src/core/native/fusedKernels.c';
import { buildFusedKernels, compileArgs } from '../../src/core/native/fusedKernelsBuild';
import { FUSED_KERNELS_FILE, FUSED_KERNELS_VERSION, fusedKernelsPath } from '../../src/core/native/fusedKernelsFile';

test('the kernels file name carries the version the C source declares', () => {
  const m = /#define AL_KERNELS_VERSION (\d+)/.exec(source);
  assert.ok(m, 'AL_KERNELS_VERSION not found in fusedKernels.c');
  assert.equal(Number(m[1]), FUSED_KERNELS_VERSION);
  assert.equal(FUSED_KERNELS_FILE, `attention-lab-kernels.v${FUSED_KERNELS_VERSION}.so`);
  assert.equal(fusedKernelsPath('/x/tfjs-node'), path.join('/x/tfjs-node', 'deps', 'lib', FUSED_KERNELS_FILE));
});

test('a build that fails its check replaces nothing: the earlier library stays, no temporary file is left', { skip: process.platform !== 'linux' ? 'Linux only' : false }, () => {
  // A stand-in compiler that writes an empty file; the check then fails in a fresh process, so
  // the old library must stay (only a checked build replaces anything).
  const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'al-kernels-'));
  try {
    fs.mkdirSync(path.join(pkg, 'deps', 'lib'), { recursive: true });
    fs.mkdirSync(path.join(pkg, 'deps', 'include', 'tensorflow', 'c'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'deps', 'include', 'tensorflow', 'c', 'kernels.h'), '');
    fs.writeFileSync(path.join(pkg, 'deps', 'lib', 'attention-lab-kernels.v0.so'), 'old');
    const cc = path.join(pkg, 'fake-cc');
    fs.writeFileSync(cc, '#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\n: > "$2"\n', { mode: 0o755 });
    const saved = process.env.CC;
    process.env.CC = cc;
    try {
      const r = buildFusedKernels(pkg, () => {});
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, /built but failed their check/);
    } finally {
      if (saved === undefined) delete process.env.CC;
      else process.env.CC = saved;
    }
    assert.deepEqual(fs.readdirSync(path.join(pkg, 'deps', 'lib')), ['attention-lab-kernels.v0.so']);
  } finally {
    fs.rmSync(pkg, { recursive: true, force: true });
  }
});

test('the compiler gets no fused multiply-adds and finds TensorFlow beside the library', () => {
  const args = compileArgs('k.c', 'k.so', '/p/deps');
  for (const a of ['-ffp-contract=off', '-shared', '-fPIC', '-l:libtensorflow_framework.so.2', '-Wl,-rpath,$ORIGIN']) assert.ok(args.includes(a), a);
  assert.deepEqual(args.slice(args.indexOf('-I'), args.indexOf('-I') + 2), ['-I', path.join('/p/deps', 'include')]);
});

test('a build that cannot be done says why and throws nothing (headers missing, no compiler)', { skip: process.platform !== 'linux' ? 'Linux only' : false }, () => {
  const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'al-kernels-'));
  try {
    fs.mkdirSync(path.join(pkg, 'deps', 'lib'), { recursive: true });
    const noHeaders = buildFusedKernels(pkg, () => {});
    assert.equal(noHeaders.ok, false);
    assert.match(noHeaders.ok ? '' : noHeaders.reason, /C kernel headers are not in .*deps.include/);

    fs.mkdirSync(path.join(pkg, 'deps', 'include', 'tensorflow', 'c'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'deps', 'include', 'tensorflow', 'c', 'kernels.h'), '');
    const saved = process.env.CC;
    process.env.CC = path.join(pkg, 'no-such-cc');
    try {
      const noCompiler = buildFusedKernels(pkg, () => {});
      assert.equal(noCompiler.ok, false);
      assert.match(noCompiler.ok ? '' : noCompiler.reason, /no-such-cc could not build attention-lab-kernels\.v\d+\.so/);
    } finally {
      if (saved === undefined) delete process.env.CC;
      else process.env.CC = saved;
    }
    assert.deepEqual(fs.readdirSync(path.join(pkg, 'deps', 'lib')), [], 'no temporary file left behind');
  } finally {
    fs.rmSync(pkg, { recursive: true, force: true });
  }
});
