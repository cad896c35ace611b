/**
 * `npm run bench:peers`: training speed of the reference configuration (2 layers, d_model 64,
 * 4 heads, d_ff 256, vocab 32, batch 32, AdamW, gradient clip 1) at T = 32 and 128 with each
 * Attention Lab backend that loads, beside the same model in PyTorch (eager) and JAX (jit) on the
 * CPU, one thread each, on the same batches, in one run; plus numpy's float32 matmul as the
 * machine's ceiling and each framework's achieved GFLOP/s per training step.
 *
 * Started by bench/peers/run.mjs (which checks the Python environment and bundles this file):
 *   node dist/peers/speed.js <repo root> <python of bench/peers/.venv>
 * Each framework's time is the median of its timed steps after warm-up, taken in ROUNDS rounds
 * that interleave the frameworks (so a change in the machine's load hits all of them alike); the
 * table shows the median round and the range, and the per-round ratio of every Attention Lab
 * backend to PyTorch eager with its median. Compare ratios from one run: the machine may be shared.
 * Options (after `npm run bench:peers --`): --rounds N (3)  --steps N (timed steps per round, 10)
 *   --lengths 32,128
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendChoice } from '../../src/protocol/backend';
import { initBackend } from '../../src/engine/backend';
import { defaultOptimizerConfig } from '../../src/engine/optim';
import { Rng } from '../../src/core/random';
import { tf } from '../../src/engine/tf';
import { REFERENCE, ReferenceRun, median, numbersOption, warmingUp } from '../referenceRun';

const { batch: BATCH, vocab: VOCAB, layers: LAYERS, dModel: D, heads: HEADS, dFf: D_FF } = REFERENCE;
const LENGTHS = numbersOption('--lengths', '32,128');
/** Warm-up and timed steps; the pure-JS cpu backend is ~20× slower than wasm, so fewer there. */
const FAST = { warmup: 5, steps: numbersOption('--steps', '10')[0] as number };
const SLOW = { warmup: 1, steps: 2 };
/** Interleaved rounds of the fast frameworks; the table shows the median round and the range. */
const ROUNDS = numbersOption('--rounds', '3')[0] as number;

interface Row {
  framework: string;
  threads: string;
  T: number;
  msPerStep: number;
  tokensPerSecond: number;
  note?: string;
}

/**
 * Matmul FLOPs of one training step, the same count for every framework: forward = dense layers
 * (qkv 6D², out 2D², MLP 4·D·F per token and layer), head 2·D·V per token, attention QKᵀ and
 * PV over the full T×T (4·T·D per token and layer); backward = 2 × forward. Embedding lookups,
 * norms, softmax and the optimizer are left out (a few per cent).
 */
function trainingFlops(T: number): number {
  const perToken = LAYERS * (8 * D * D + 4 * D * D_FF + 4 * T * D) + 2 * D * VOCAB;
  return 3 * perToken * BATCH * T;
}

/** Tokens then targets of every step, int32 [steps, B, T] each, from the project's seeded Rng. */
function makeData(T: number, steps: number): { tokens: Int32Array; targets: Int32Array } {
  const rng = new Rng(7);
  const n = steps * BATCH * T;
  const tokens = new Int32Array(n);
  const targets = new Int32Array(n);
  for (let s = 0; s < steps; s++) {
    for (let j = 0; j < BATCH * T; j++) {
      tokens[s * BATCH * T + j] = rng.int(0, VOCAB);
      targets[s * BATCH * T + j] = rng.int(0, VOCAB);
    }
  }
  return { tokens, targets };
}

/** Attention Lab's training step on the current backend: median ms over `steps` timed steps after `warmup`, on given data. */
function measureOurs(T: number, warmup: number, steps: number, data: { tokens: Int32Array; targets: Int32Array }): number {
  const run = new ReferenceRun(T, defaultOptimizerConfig('adamw'));
  const times: number[] = [];
  const size = BATCH * T;
  try {
    for (let i = 0; i < warmup + steps; i++) {
      const tokens = tf.tensor2d(data.tokens.subarray(i * size, (i + 1) * size), [BATCH, T], 'int32');
      const targets = data.targets.slice(i * size, (i + 1) * size);
      const t0 = performance.now();
      run.step(i, tokens, targets);
      const dt = performance.now() - t0;
      tokens.dispose();
      if (i >= warmup) times.push(dt);
    }
  } finally {
    run.dispose();
  }
  return median(times);
}

/** Untimed training steps on fresh models of 5 steps each, by warmingUp()'s rule with these limits. */
const WARM_UP = { steps: 50, ms: 1500, maxMs: 5000 };
function warmUp(T: number): void {
  const data = makeData(T, 5);
  for (let done = 0, warming = warmingUp(WARM_UP); warming(done); done += 5) measureOurs(T, 5, 0, data);
}

function runPython(python: string, script: string, args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []): Record<string, unknown> {
  const cmd = prefix.length > 0 ? (prefix[0] as string) : python;
  const argv = prefix.length > 0 ? [...prefix.slice(1), python, script, ...args] : [script, ...args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${path.basename(python)} ${path.basename(script)} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

/** The environment with one thread everywhere; OPENBLAS_CORETYPE/L2_SIZE are kept except for the matmul ceiling. */
function oneThreadEnv(extra: Record<string, string> = {}, drop: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', ...extra };
  for (const k of drop) delete env[k];
  return env;
}

const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
const k = (x: number): string => `${(x / 1000).toFixed(1)}k`;

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? '.');
  const python = process.argv[3] ?? path.join(root, 'bench', 'peers', '.venv', 'bin', 'python');
  const script = path.join(root, 'bench', 'peers', 'speed.py');
  // One intra-op and one inter-op thread for the native backend too, whatever the caller's
  // environment says; TensorFlow reads these when initBackend('node') loads it below.
  process.env.TF_NUM_INTRAOP_THREADS = '1';
  process.env.TF_NUM_INTEROP_THREADS = '1';
  const load0 = os.loadavg();
  const started = new Date();
  console.log(`Attention Lab vs PyTorch and JAX — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, tfjs-core ${tf.version_core}`);
  console.log(`reference config: ${LAYERS} layers, d_model ${D}, ${HEADS} heads, d_ff ${D_FF}, vocab ${VOCAB}, batch ${BATCH}, AdamW + clip 1; 1 thread each; same batches; medians`);
  console.log(`load average at start: ${load0.map((x) => x.toFixed(2)).join(' ')}\n`);

  const rows: Row[] = [];
  /** Per T, per Attention Lab backend: its tokens/s over PyTorch's in each round. */
  const ratios: { T: number; framework: string; perRound: number[] }[] = [];
  const ceilings: Record<string, unknown>[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lab-bench-peers-'));
  try {
    const backends: { choice: BackendChoice; name: string }[] = [];
    for (const choice of ['node', 'wasm', 'cpu'] as BackendChoice[]) {
      try {
        const name = (await initBackend(choice)).name;
        if (!backends.some((b) => b.name === name)) backends.push({ choice, name });
      } catch (err) {
        console.log(`tfjs backend '${choice}' not available: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }
    // A process-level warm-up per backend and length, untimed: wasm compiles and grows its memory
    // on first use, and V8 optimizes tfjs's JavaScript only after some 40 steps (before that a
    // native step at T = 32 takes ~25 ms instead of ~15). Twice round the backends: the first
    // switch to the other backend makes V8 re-optimize the engine's shared code.
    for (let pass = 0; pass < 2; pass++) {
      for (const b of backends.filter((x) => x.name !== 'cpu')) {
        await initBackend(b.choice);
        for (const T of LENGTHS) warmUp(T);
      }
    }
    for (const T of LENGTHS) {
      const { warmup, steps } = FAST;
      const data = makeData(T, warmup + steps);
      const file = path.join(work, `data-${T}.bin`);
      fs.writeFileSync(file, Buffer.concat([Buffer.from(data.tokens.buffer), Buffer.from(data.targets.buffer)]));
      const args = ['--data', file, '--T', String(T), '--batch', String(BATCH), '--warmup', String(warmup), '--steps', String(steps)];
      const jaxEnv = oneThreadEnv({ XLA_FLAGS: '--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1' });
      // Rounds interleave the frameworks, so a change in the machine's load hits them alike.
      const perRound = new Map<string, { threads: string; ms: number[] }>();
      const record = (framework: string, threads: string, ms: number): void => {
        const entry = perRound.get(framework) ?? { threads, ms: [] };
        entry.ms.push(ms);
        perRound.set(framework, entry);
        console.log(`  T=${T} ${framework}: ${fmt(ms, 1)} ms/step`);
      };
      for (let round = 0; round < ROUNDS; round++) {
        // The ceiling: OpenBLAS choosing its kernel for this CPU (the machine pins an older one by default).
        ceilings.push(runPython(python, script, ['matmul', '--n', '1024', '--repeats', '20'], oneThreadEnv({}, ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'])));
        for (const b of backends.filter((x) => x.name !== 'cpu')) {
          await initBackend(b.choice);
          record(`Attention Lab, tfjs-${b.name}`, b.name === 'tensorflow' ? '1 (intra-op, inter-op)' : '1', measureOurs(T, warmup, steps, data));
        }
        const torch = runPython(python, script, ['torch', ...args], oneThreadEnv());
        record(`PyTorch ${String(torch.version)} eager`, String(torch.threads), torch.msPerStep as number);
        const jax = runPython(python, script, ['jax', ...args], jaxEnv, ['taskset', '-c', '0']);
        record(`JAX ${String(jax.version)} jit`, `1 (taskset -c ${(jax.affinity as number[]).join(',')})`, jax.msPerStep as number);
      }
      // The pure-JS backend is ~20× slower than wasm: one short round.
      const cpu = backends.find((b) => b.name === 'cpu');
      if (cpu) {
        await initBackend(cpu.choice);
        record('Attention Lab, tfjs-cpu', '1', measureOurs(T, SLOW.warmup, SLOW.steps, data));
      }
      const torchMs = [...perRound].find(([name]) => name.startsWith('PyTorch'))?.[1].ms ?? [];
      for (const [framework, { ms }] of perRound) {
        if (framework.startsWith('Attention Lab') && ms.length === torchMs.length) ratios.push({ T, framework, perRound: ms.map((m, i) => (torchMs[i] as number) / m) });
      }
      for (const [framework, { threads, ms }] of perRound) {
        const med = median(ms);
        const spread = ms.length > 1 ? `${fmt(Math.min(...ms), 1)}–${fmt(Math.max(...ms), 1)}` : '';
        rows.push({ framework, threads, T, msPerStep: med, tokensPerSecond: (BATCH * T * 1000) / med, note: spread });
      }
    }
    const ceiling = Math.max(...ceilings.map((m) => m.gflops as number));
    const matmul = ceilings.find((m) => m.gflops === ceiling) as Record<string, unknown>;

    console.log(`\n| framework | threads | T | ms/step (median round) | rounds' range, ms | tokens/s | × tfjs-wasm | GFLOP/s per step | % of ceiling |`);
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const T of LENGTHS) {
      const base = rows.find((r) => r.T === T && r.framework.endsWith('tfjs-wasm')) ?? rows.find((r) => r.T === T);
      for (const r of rows.filter((x) => x.T === T)) {
        const gflops = trainingFlops(T) / (r.msPerStep / 1000) / 1e9;
        const ratio = base ? r.tokensPerSecond / base.tokensPerSecond : NaN;
        console.log(`| ${r.framework} | ${r.threads} | ${T} | ${fmt(r.msPerStep, 1)} | ${r.note ?? ''} | ${k(r.tokensPerSecond)} | ${fmt(ratio, 2)}× | ${fmt(gflops, 1)} | ${fmt((100 * gflops) / ceiling, 1)} % |`);
      }
    }
    console.log(`\nAttention Lab ÷ PyTorch eager, tokens/s, round by round (same round, same batches):`);
    for (const r of ratios) {
      console.log(`  T=${r.T} ${r.framework}: ${r.perRound.map((x) => fmt(x, 2)).join(', ')} — median ${fmt(median(r.perRound), 2)}×`);
    }
    console.log(`\nFLOPs per training step (matmuls, 3 × forward): ${LENGTHS.map((T) => `T=${T}: ${(trainingFlops(T) / 1e6).toFixed(0)} MFLOP`).join(', ')}`);
    console.log(`ceiling: numpy ${String(matmul.numpy)} (${String(matmul.blas)}) float32 ${String(matmul.n)}³ matmul, 1 thread, OPENBLAS_CORETYPE unset, best of 20 repeats × ${ceilings.length} rounds: ${fmt(ceiling, 1)} GFLOP/s (rounds' medians ${ceilings.map((m) => fmt(m.medianGflops as number, 0)).join(', ')})`);
    const load1 = os.loadavg();
    console.log(`load average at end: ${load1.map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} cores; above ~1 the machine was shared while measuring); ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
