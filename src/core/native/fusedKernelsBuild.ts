/**
 * Builds Attention Lab's fused TensorFlow kernels (fusedKernels.c, bundled as text) beside the
 * TensorFlow library a native setup installed, with the system's C compiler, and checks them in a
 * fresh Node process before the engine may load them. Optional: when it cannot be done (no
 * compiler, not Linux, headers missing) the native backend trains with TensorFlow's own ops, as
 * before, only slower (docs/native.md). No vscode and no tfjs here.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import source from './fusedKernels.c';
import { FUSED_KERNELS_FILE, fusedKernelsPath } from './fusedKernelsFile';
import { findOnPath } from './findTools';
import { runNodeProbe } from './nodeProbe';

export type KernelsResult = { ok: true; path: string; built: boolean } | { ok: false; reason: string };

/** The C compiler: $CC, else cc, gcc or clang on PATH. */
export function findCCompiler(): string | undefined {
  const fromEnv = process.env.CC?.trim();
  if (fromEnv) return path.isAbsolute(fromEnv) ? fromEnv : findOnPath(fromEnv) ?? fromEnv;
  return findOnPath('cc') ?? findOnPath('gcc') ?? findOnPath('clang');
}

/** The compiler's arguments for `src` → `out`, against the headers and libraries of tfjs-node's deps/. */
export function compileArgs(src: string, out: string, depsDir: string): string[] {
  return [
    '-std=gnu11', '-O3', '-fPIC', '-shared',
    // No fused multiply-adds: AdamW then gives bit for bit what TensorFlow's separate ops give.
    '-ffp-contract=off', '-fno-math-errno', '-fvisibility=hidden',
    '-I', path.join(depsDir, 'include'), '-o', out, src,
    '-L', path.join(depsDir, 'lib'), '-l:libtensorflow_framework.so.2',
    // The library sits in deps/lib beside TensorFlow's.
    '-Wl,-rpath,$ORIGIN',
  ];
}

/**
 * Loads the kernels from `lib` into a fresh Node process with tfjs-node from `pkgDir` and checks
 * each op against the same formula in tf.* ops; '' when they agree.
 */
export function checkKernels(pkgDir: string, lib: string, node = process.execPath): string {
  const probe = `
    const tf = require(${JSON.stringify(pkgDir)});
    process.dlopen({ exports: {} }, ${JSON.stringify(lib)});
    const b = tf.backend(), B = b.binding;
    const run = (name, attrs, inputs, n) => b.executeMultipleOutputs(name, attrs, inputs, n);
    const v = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
    const x = tf.tensor2d(v(12 * 40, (i) => Math.sin(i) * 3), [12, 40]);
    const g = tf.tensor1d(v(40, (i) => 1 + Math.cos(i) / 2)), c = tf.tensor1d(v(40, (i) => Math.sin(2 * i) / 3));
    const worst = (a, r) => tf.max(tf.abs(tf.sub(a, r))).dataSync()[0];
    const out = {};
    const [y, normed, rstd] = run('AttentionLabLayerNorm', [{ name: 'epsilon', type: B.TF_ATTR_FLOAT, value: 1e-5 }], [x, g, c], 3);
    const { mean, variance } = tf.moments(x, 1, true);
    out.layerNorm = worst(y, tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), c));
    const [dx] = run('AttentionLabLayerNormGrad', [], [tf.onesLike(x), normed, rstd, g], 3);
    out.layerNormGrad = worst(tf.sum(dx, 1), tf.zeros([12]));
    const [gy, s] = run('AttentionLabGelu', [], [x], 2);
    const C = Math.sqrt(2 / Math.PI);
    out.gelu = worst(gy, tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), C)))));
    const [gd] = run('AttentionLabGeluGrad', [], [tf.onesLike(x), x, s], 1);
    out.geluGrad = worst(gd, tf.grad((t) => tf.mul(t, tf.sigmoid(tf.mul(t, tf.add(tf.mul(tf.square(t), 2 * C * 0.044715), 2 * C)))))(x));
    const h = tf.tensor1d([0.9, 0.1, 0.999, 0.001, 0.99, 1e-8, 0.01]);
    const [t1, m1, v1] = run('AttentionLabAdamW', [], [x, tf.mul(x, 0.5), tf.abs(x), tf.cos(x), h], 3);
    const rm = tf.add(tf.mul(tf.mul(x, 0.5), 0.9), tf.mul(tf.cos(x), 0.1)), rv = tf.add(tf.mul(tf.abs(x), 0.999), tf.mul(tf.square(tf.cos(x)), 0.001));
    out.adamw = Math.max(worst(m1, rm), worst(v1, rv), worst(t1, tf.sub(tf.mul(x, 0.99), tf.mul(tf.div(rm, tf.add(tf.sqrt(rv), 1e-8)), 0.01))));
    const [l1, lm] = run('AttentionLabLion', [], [x, tf.mul(x, 0.5), tf.cos(x), tf.tensor1d([0.9, 0.1, 0.99, 0.01, 0.01, 0.999])], 2);
    const dir = tf.sign(tf.add(tf.mul(tf.mul(x, 0.5), 0.9), tf.mul(tf.cos(x), 0.1)));
    out.lion = Math.max(worst(lm, tf.add(tf.mul(tf.mul(x, 0.5), 0.99), tf.mul(tf.cos(x), 0.01))), worst(l1, tf.sub(tf.mul(x, 0.999), tf.mul(dir, 0.01))));
    const [g1, gm] = run('AttentionLabTiger', [{ name: 'group', type: B.TF_ATTR_INT, value: 40 }], [x, tf.mul(x, 0.5), tf.cos(x), tf.tensor1d([0.9, 0.1, 0.01, 0.05])], 2);
    const tm = tf.add(tf.mul(tf.mul(x, 0.5), 0.9), tf.mul(tf.cos(x), 0.1));
    const rms = tf.sqrt(tf.mean(tf.square(x), 1, true));
    out.tiger = Math.max(worst(gm, tm), worst(g1, tf.sub(x, tf.mul(tf.add(tf.sign(tm), tf.mul(x, 0.05)), tf.mul(rms, 0.01)))));
    process.stdout.write(JSON.stringify(out));
  `;
  const r = runNodeProbe(node, probe, path.dirname(pkgDir));
  if (!r.ok) return r.error;
  let worst: Record<string, number>;
  try {
    worst = JSON.parse(r.stdout) as Record<string, number>;
  } catch {
    return `unexpected output: ${r.stdout.slice(0, 200)}`;
  }
  const limits: Record<string, number> = { layerNorm: 1e-5, layerNormGrad: 1e-5, gelu: 1e-5, geluGrad: 1e-5, adamw: 0, lion: 0, tiger: 1e-6 };
  const off = Object.entries(limits).filter(([k, lim]) => !(typeof worst[k] === 'number' && (worst[k] as number) <= lim));
  return off.length === 0 ? '' : `wrong numbers: ${off.map(([k, lim]) => `${k} off by ${worst[k]} (allowed ${lim})`).join(', ')}`;
}

/** Libraries of earlier kernel versions beside `lib` are never loaded again: removed. */
function removeOlderVersions(lib: string): void {
  for (const f of fs.readdirSync(path.dirname(lib))) {
    const m = /^(attention-lab-kernels\.v\d+\.so)(\.sha256)?$/.exec(f);
    if (m && m[1] !== FUSED_KERNELS_FILE) fs.rmSync(path.join(path.dirname(lib), f), { force: true });
  }
}

/**
 * Builds (unless a checked build is there and `force` is false) and checks the kernels for the
 * tfjs-node package in `pkgDir`. Never throws: a failure is a reason the caller reports.
 */
export function buildFusedKernels(pkgDir: string, log: (line: string) => void, force = false, node = process.execPath): KernelsResult {
  const lib = fusedKernelsPath(pkgDir);
  if (process.platform !== 'linux') return { ok: false, reason: `the fused kernels are built on Linux only (this is ${process.platform})` };
  // The source's hash beside the library: a library built from another source of the same
  // version (a developer's edit) is rebuilt, not kept.
  const stamp = `${lib}.sha256`;
  const hash = createHash('sha256').update(source).digest('hex');
  const stamped = (): boolean => {
    try {
      return fs.readFileSync(stamp, 'utf8').trim() === hash;
    } catch {
      return false;
    }
  };
  if (!force && fs.existsSync(lib) && stamped()) {
    const problem = checkKernels(pkgDir, lib, node);
    if (!problem) {
      removeOlderVersions(lib);
      return { ok: true, path: lib, built: false };
    }
    // Never left for the engine to load, whether or not the rebuild below works.
    fs.rmSync(lib, { force: true });
    fs.rmSync(stamp, { force: true });
    log(`the fused kernels in ${lib} did not work (${problem}); removed, building them again`);
  }
  const depsDir = path.join(pkgDir, 'deps');
  if (!fs.existsSync(path.join(depsDir, 'include', 'tensorflow', 'c', 'kernels.h'))) {
    return { ok: false, reason: `TensorFlow's C kernel headers are not in ${path.join(depsDir, 'include')} (this TensorFlow build has no custom-op API)` };
  }
  const cc = findCCompiler();
  if (!cc) return { ok: false, reason: 'no C compiler (cc, gcc or clang) on PATH; set CC or install one (Debian: apt-get install gcc)' };
  const tmp = `${lib}.tmp-${process.pid}`;
  const src = `${tmp}.c`;
  try {
    fs.writeFileSync(src, source);
    const args = compileArgs(src, tmp, depsDir);
    const r = spawnSync(cc, args, { encoding: 'utf8', timeout: 300_000 });
    for (const line of `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')) if (line.trim()) log(`[${path.basename(cc)}] ${line}`);
    if (r.status !== 0) {
      const first = `${r.stderr ?? ''}`.split('\n').find((l) => /error/.test(l)) ?? r.error?.message ?? `exit ${r.status}`;
      return { ok: false, reason: `${path.basename(cc)} could not build ${FUSED_KERNELS_FILE}: ${first.trim()}` };
    }
    const problem = checkKernels(pkgDir, tmp, node);
    if (problem) return { ok: false, reason: `the fused kernels built but failed their check: ${problem}` };
    fs.renameSync(tmp, lib);
    fs.writeFileSync(stamp, `${hash}\n`);
    removeOlderVersions(lib);
    return { ok: true, path: lib, built: true };
  } finally {
    fs.rmSync(src, { force: true });
    fs.rmSync(tmp, { force: true });
  }
}
