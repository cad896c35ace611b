/**
 * `npm run bench:peers`: training speed of the reference configuration (2 layers, d_model 64,
 * 4 heads, d_ff 256, vocab 32, batch 32, AdamW, gradient clip 1) at T = 32 and 128 with each
 * Attention Lab backend that loads, beside the same model in PyTorch (eager) and JAX (jit) on the
 * CPU, on the same batches, in one run; at one thread each, and (native and PyTorch) with every
 * core; plus numpy's float32 matmul as the machine's ceiling and each framework's GFLOP/s.
 *
 * Started by bench/peers/run.mjs (which checks the Python environment and bundles this file):
 *   node dist/peers/speed.js <repo root> <python of bench/peers/.venv> [options]
 * Every Attention Lab configuration (backend × threads) trains in its own long-lived Node process
 * (this file with `--child`), as PyTorch and JAX each train in a long-lived Python process
 * (speed.py serve-torch / serve-jax; one process per thread count): TensorFlow
 * reads its thread counts once, and one process switching between backends makes V8 re-optimize
 * the engine's shared code at each switch, which made rounds unsteady. Each process warms up once
 * (V8 optimizes tfjs's JavaScript only after some 40 steps), then answers one request per round.
 * Rounds interleave the frameworks (their order reversed every other round and rotated every two,
 * bench/peers/schedule.ts), and within a round each framework is visited --chunk steps at a time
 * until it has trained --steps (one model per round, trained on across its visits), so a change in
 * the machine's load hits all of them alike and a slow stretch of a few seconds falls on a few
 * visits rather than on one whole round; a row is the median round, with the rounds' range; per
 * step the wall time and
 * the process's CPU time are recorded (the CPU time is less sensitive to other processes' load);
 * a one-thread Attention Lab round whose other threads (V8's helpers, TensorFlow's pools) took
 * ≥ 0.5 ms of CPU per step says so in its line. Every process also times a fixed piece of work
 * (its core gauge, bench/peers/coreGauge.ts and speed.py's CoreGauge) just before each step: a
 * slow round whose gauge slowed too was the core's (the host's), one with a steady gauge our step's.
 * The output ends with one verdict line per T: Attention Lab's native backend ÷ PyTorch eager,
 * one thread each (median of the rounds' ratios, its order-statistic interval, PASS/FAIL against
 * 1.0×), and whether every round stayed within ±10 % of its median.
 * Options (after `npm run bench:peers --`): --rounds N (9)  --steps N (timed steps per round, 60)
 *   --chunk N (timed steps per visit, 10; --chunk 60 gives the contiguous rounds of sessions 7–8)
 *   --warmup N (untimed steps at the start of each round, 5; each later visit has one; an
 *     untimed round 0 of every framework comes before the timed rounds of each length)
 *   --model fresh|reused (fresh: every framework trains a new model each round; reused: one model
 *     per length across its rounds — not steadier in session 8's runs, docs/benchmarks.md)
 *   --lengths 32,128  --no-all-cores (skip the all-cores comparison)  --no-jax  --no-cpu
 *   --no-wasm (native and PyTorch only: on a loaded machine wasm's warm-up at T = 128 takes minutes)
 *   --no-twin (skip the native twin: the one-thread native configuration again in a second
 *     process, the same code measured beside itself, whose rounds outside ±10 % are the machine's)
 */
import { spawn, spawnSync, fork, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendChoice } from '../../src/protocol/backend';
import { Rng } from '../../src/core/random';
import { initBackend } from '../../src/engine/backend';
import { defaultOptimizerConfig } from '../../src/engine/optim';
import { tf } from '../../src/engine/tf';
import { REFERENCE, ReferenceRun, choicesOption, median, numbersOption, randomBatch, referenceModel, warmingUp } from '../referenceRun';
import { stepFlops } from '../../src/core/experiment/stepFlops';
import { otherThreadsCpuMs, stealMs } from '../processTimes';
import { timeCoreGauge } from './coreGauge';
import { describeOutlier, describeSteadiness, deviations, medianInterval, outliers, twinCheck } from './roundStats';
import { planVisits, visitOrder } from './schedule';

const { batch: BATCH, vocab: VOCAB, layers: LAYERS, dModel: D, heads: HEADS, dFf: D_FF } = REFERENCE;

/** One framework's steps in one round: wall and process-CPU milliseconds per timed step. */
interface StepTimes {
  wallMs: number[];
  cpuMs: number[];
  /** Attention Lab only, on Linux: CPU ms per timed step of the process's threads other than the main one (V8's helpers, TensorFlow's pools). */
  otherThreadsMs?: number;
  /** Microseconds of the process's fixed core-speed gauge, timed just before each timed step (bench/peers/coreGauge.ts; speed.py's Python loop). */
  gaugeUs: number[];
}

/**
 * One visit to a framework within a round: batches start … start + warmup + steps − 1 of the
 * length's data file, the first `warmup` of them untimed; `fresh` starts a new model (the round's
 * first visit with --model fresh), otherwise the framework trains on the model of its last visit.
 */
interface Visit {
  T: number;
  file: string;
  start: number;
  warmup: number;
  steps: number;
  fresh: boolean;
}

/** One framework's visits in one round, added up: its steps' times, its other threads' CPU ms, the steal and wall ms around its visits. */
interface VisitTotals {
  t: StepTimes;
  otherMs: number;
  stolenMs: number;
  elapsedMs: number;
}

/** A request to an Attention Lab child process, and its replies. */
type ToChild = { type: 'init'; choice: BackendChoice } | ({ type: 'measure' } & Visit);
type FromChild = { type: 'ready'; name: string; reason: string } | { type: 'unavailable'; message: string } | ({ type: 'measured' } & StepTimes) | { type: 'failed'; message: string };

/**
 * Matmul FLOPs of one training step of the reference model at T, the same count for every
 * framework: the runner's estimate (src/core/experiment/stepFlops.ts — dense layers, head,
 * attention's QKᵀ and PV over T×T; backward = 2 × forward; embeddings, norms, softmax and the
 * optimizer left out, a few per cent).
 */
export function trainingFlops(T: number): number {
  return stepFlops({ model: referenceModel(T), train: { batchSize: BATCH, accumulate: 1 } });
}

/** Tokens then targets of every step, int32 [steps, B, T] each: the reference batches of the project's seeded Rng. */
function makeData(T: number, steps: number): { tokens: Int32Array; targets: Int32Array } {
  const rng = new Rng(7);
  const size = BATCH * T;
  const tokens = new Int32Array(steps * size);
  const targets = new Int32Array(steps * size);
  for (let s = 0; s < steps; s++) {
    const b = randomBatch(rng, T);
    tokens.set(b.tokens, s * size);
    targets.set(b.targets, s * size);
  }
  return { tokens, targets };
}

/** What the harness prints about the machine, so that figures from different machines are never mixed. */
function describeMachine(): string {
  let model = os.cpus()[0]?.model ?? 'cpu';
  let detail = '';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
    model = field('model name') ?? model;
    const flags = new Set((field('flags') ?? '').split(/\s+/));
    const isa = ['avx2', 'avx512f', 'avx512_bf16', 'amx_tile'].filter((f) => flags.has(f)).join(' ');
    detail = ` (${field('vendor_id') ?? '?'} family ${field('cpu family') ?? '?'} model ${field('model') ?? '?'} stepping ${field('stepping') ?? '?'}; ${isa || 'no AVX2'}${flags.has('hypervisor') ? '; virtual machine' : ''})`;
  } catch {
    // not Linux: the model name is all there is
  }
  return `${model}${detail} × ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
}

function runPython(python: string, script: string, args: string[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const r = spawnSync(python, [script, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${path.basename(python)} ${path.basename(script)} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

/** The environment with `threads` threads everywhere; OPENBLAS_CORETYPE/L2_SIZE are kept except for the matmul ceiling. */
function threadEnv(threads: number, extra: Record<string, string> = {}, drop: string[] = []): NodeJS.ProcessEnv {
  const n = String(threads);
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: n, MKL_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, ...extra };
  for (const k of drop) delete env[k];
  return env;
}

const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
const signedPct = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} %`;
const threadsLabel = (n: number): string => `${n} thread${n > 1 ? 's' : ''}`;
const kTok = (x: number): string => `${(x / 1000).toFixed(1)}k`;

/** An Attention Lab backend at a thread count, in its own Node process (this file with --child). */
class OursProcess {
  private readonly child: ChildProcess;
  private pending: ((m: FromChild) => void) | null = null;
  name = '';

  constructor(readonly choice: BackendChoice, readonly threads: number) {
    const env: NodeJS.ProcessEnv = { ...process.env, TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: '1', TF_CPP_MIN_LOG_LEVEL: '2' };
    this.child = fork(__filename, ['--child'], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    this.child.on('message', (m: FromChild) => {
      const p = this.pending;
      this.pending = null;
      p?.(m);
    });
    this.child.on('exit', (code) => {
      const p = this.pending;
      this.pending = null;
      p?.({ type: 'failed', message: `the ${choice} process exited (${code})` });
    });
  }

  request(m: ToChild): Promise<FromChild> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.child.send(m);
    });
  }

  stop(): void {
    this.child.kill();
  }
}

/**
 * PyTorch or JAX at a thread count in one long-lived Python process (speed.py serve-torch|serve-jax),
 * answering one round per request, as the Attention Lab processes do: every framework's rounds run
 * warm and back to back, seconds apart rather than a Python start-up (~3 s of imports) apart.
 */
class PythonProcess {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor(python: string, script: string, what: 'torch' | 'jax', threads: number, env: NodeJS.ProcessEnv, prefix: string[]) {
    // `prefix` runs Python under another command (JAX under taskset).
    const command = [...prefix, python, script, `serve-${what}`, '--threads', String(threads)];
    this.child = spawn(command[0] as string, command.slice(1), { env, stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = readline.createInterface({ input: this.child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  }

  async request(r: { data: string; T: number; batch: number; start: number; warmup: number; steps: number; fresh: boolean }): Promise<Record<string, unknown>> {
    this.child.stdin?.write(`${JSON.stringify(r)}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`the Python process exited (${this.child.exitCode ?? this.child.signalCode ?? '?'})`);
    const out = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof out.error === 'string') throw new Error(out.error);
    return out;
  }

  stop(): void {
    this.child.stdin?.end();
    this.child.kill();
  }
}

interface Framework {
  label: string;
  threads: number;
  /** Trains and times one visit's steps. */
  measure(visit: Visit): Promise<StepTimes>;
  ours: boolean;
  native: boolean;
  /** The native one-thread configuration again, in a second process: the same code, so its rounds show how much the machine alone moves a round. */
  twin?: boolean;
}

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? '.');
  const python = process.argv[3] ?? path.join(root, 'bench', 'peers', '.venv', 'bin', 'python');
  const script = path.join(root, 'bench', 'peers', 'speed.py');
  const LENGTHS = numbersOption('--lengths', '32,128');
  // 60 timed steps per round (0.7 s at T = 32 natively): the host's slow stretches last tens of
  // steps and hit every framework; a 20-step round's median was often one of them (docs/benchmarks.md, Session 7).
  const STEPS = numbersOption('--steps', '60')[0] as number;
  // Untimed steps at the start of each round, before its timed ones.
  const WARMUP = numbersOption('--warmup', '5')[0] as number;
  // A round visits each framework for CHUNK timed steps at a time, in turn, until each has STEPS:
  // a slow stretch of the host (seconds) then falls on a few visits of every framework instead of
  // on one framework's whole round. --chunk equal to --steps gives contiguous rounds.
  const CHUNK = Math.min(numbersOption('--chunk', '10')[0] as number, STEPS);
  // The visits of one framework in one round (the same for every round and length); every visit
  // after the first starts with 1 untimed step, as the caches are cold after another process ran.
  const VISITS = planVisits(STEPS, CHUNK, WARMUP, 1);
  const BATCHES = VISITS.reduce((n, v) => n + v.warmup + v.steps, 0);
  // Each framework trains a fresh model each round, or (reused) one model per length across its rounds.
  const FRESH = choicesOption('--model', 'fresh', ['fresh', 'reused'] as const)[0] === 'fresh';
  const ROUNDS = numbersOption('--rounds', '9')[0] as number;
  const ALL_CORES = os.availableParallelism();
  const allCores = !process.argv.includes('--no-all-cores') && ALL_CORES > 1;
  const withJax = !process.argv.includes('--no-jax');
  const withCpu = !process.argv.includes('--no-cpu');
  const withWasm = !process.argv.includes('--no-wasm');
  const withTwin = !process.argv.includes('--no-twin');
  const started = Date.now();
  const loads: number[] = [os.loadavg()[0] as number];

  const ceilingOnce = (): Record<string, unknown> => runPython(python, script, ['matmul', '--n', '1024', '--repeats', '20'], threadEnv(1, {}, ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']));
  const first = ceilingOnce();
  console.log(`Attention Lab vs PyTorch and JAX, ${new Date().toISOString()}`);
  console.log(`machine: ${describeMachine()}; Node ${process.versions.node}`);
  console.log(`numpy ${String(first.numpy)} (${String(first.blas)}) float32 1024³ matmul ceiling, 1 thread: ${fmt(first.gflops as number, 1)} GFLOP/s (best of 20; OPENBLAS_CORETYPE unset)`);
  console.log(`reference config: ${LAYERS} layers, d_model ${D}, ${HEADS} heads, d_ff ${D_FF}, vocab ${VOCAB}, batch ${BATCH}, AdamW + clip 1; same batches; ${ROUNDS} rounds × ${STEPS} timed steps${CHUNK < STEPS ? `, visiting each framework ${CHUNK} steps at a time` : ' in one visit'}`);
  console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${ALL_CORES} cores; above ~1 the machine is shared while measuring)\n`);

  // Attention Lab's configurations, each in its own process.
  const ours: OursProcess[] = [];
  const frameworks: Framework[] = [];
  const configs: { choice: BackendChoice; threads: number; twin?: boolean }[] = [{ choice: 'node', threads: 1 }];
  if (withTwin) configs.push({ choice: 'node', threads: 1, twin: true });
  if (withWasm) configs.push({ choice: 'wasm', threads: 1 });
  if (allCores) configs.push({ choice: 'node', threads: ALL_CORES });
  for (const c of configs) {
    const p = new OursProcess(c.choice, c.threads);
    const r = await p.request({ type: 'init', choice: c.choice });
    if (r.type !== 'ready' || (c.twin && r.name !== 'tensorflow')) {
      if (!c.twin) console.log(`tfjs backend '${c.choice}' not available: ${r.type === 'unavailable' || r.type === 'failed' ? r.message : r.type}`);
      p.stop();
      continue;
    }
    p.name = r.name;
    ours.push(p);
    // Which native build ran (with or without the fused kernels): figures of the two are never mixed.
    if (r.name === 'tensorflow' && c.threads === 1 && !c.twin) console.log(`native backend: ${r.reason}`);
    frameworks.push({
      label: `Attention Lab, tfjs-${r.name}${c.twin ? ' (native twin)' : r.name === 'tensorflow' ? ' (native)' : ''}`,
      threads: c.threads,
      ours: true,
      native: r.name === 'tensorflow' && !c.twin,
      twin: c.twin,
      measure: async (visit) => {
        const m = await p.request({ type: 'measure', ...visit });
        if (m.type !== 'measured') throw new Error(`tfjs-${r.name}: ${m.type === 'failed' ? m.message : m.type}`);
        return m;
      },
    });
  }
  const pythons: PythonProcess[] = [];
  const python1 = (what: 'torch' | 'jax', threads: number) => {
    const env = what === 'jax' ? threadEnv(threads, { XLA_FLAGS: `--xla_cpu_multi_thread_eigen=${threads > 1} intra_op_parallelism_threads=${threads}` }) : threadEnv(threads);
    const p = new PythonProcess(python, script, what, threads, env, what === 'jax' ? ['taskset', '-c', Array.from({ length: threads }, (_, i) => i).join(',')] : []);
    pythons.push(p);
    const warmed = new Set<number>();
    return async ({ T, file, start, warmup, steps, fresh }: Visit): Promise<StepTimes> => {
      const request = { data: file, T, batch: BATCH, start, warmup, steps, fresh };
      // A first untimed round at each length (every visit of one), as the Attention Lab processes warm up once per length.
      if (!warmed.has(T)) {
        for (const v of VISITS) await p.request({ ...request, ...v, fresh: FRESH && v.start === 0 });
        warmed.add(T);
      }
      const r = await p.request(request);
      versions[what] = String(r.version);
      return { wallMs: r.stepMs as number[], cpuMs: r.stepCpuMs as number[], gaugeUs: r.gaugeUs as number[] };
    };
  };
  const versions: Record<string, string> = {};
  frameworks.push({ label: 'PyTorch eager', threads: 1, ours: false, native: false, measure: python1('torch', 1) });
  if (withJax) frameworks.push({ label: 'JAX jit', threads: 1, ours: false, native: false, measure: python1('jax', 1) });
  if (allCores) frameworks.push({ label: 'PyTorch eager', threads: ALL_CORES, ours: false, native: false, measure: python1('torch', ALL_CORES) });

  interface Row { framework: Framework; T: number; wall: number[]; cpu: number[]; gauge: number[] }
  const rows: Row[] = [];
  const ceilings: Record<string, unknown>[] = [first];
  // The matmul ceiling's median GFLOP/s measured at the start of each round, per length.
  const roundCeilings = new Map<number, number[]>();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lab-bench-peers-'));
  try {
    for (const T of LENGTHS) {
      const data = makeData(T, BATCHES);
      const file = path.join(work, `data-${T}.bin`);
      fs.writeFileSync(file, Buffer.concat([Buffer.from(data.tokens.buffer), Buffer.from(data.targets.buffer)]));
      const byFramework = new Map<Framework, Row>(frameworks.map((f) => [f, { framework: f, T, wall: [], cpu: [], gauge: [] }]));
      roundCeilings.set(T, []);
      // Round 0 is untimed: every framework's first visits (and the other processes' warm-ups
      // around them) then come before the timed rounds, and the first timed round is like the rest.
      for (let round = 0; round <= ROUNDS; round++) {
        const timed = round > 0;
        if (timed) {
          const c = ceilingOnce();
          ceilings.push(c);
          roundCeilings.get(T)?.push(c.medianGflops as number);
        }
        // Reversed every other round and rotated every two: no framework always runs right after
        // the same other one (rotation alone had the native process always after PyTorch's).
        const order = visitOrder(frameworks, round);
        const times = new Map<Framework, VisitTotals>(
          order.map((f) => [f, { t: { wallMs: [], cpuMs: [], gaugeUs: [] }, otherMs: 0, stolenMs: 0, elapsedMs: 0 }]),
        );
        for (const v of VISITS) {
          for (const f of order) {
            const steal0 = stealMs();
            const t0 = performance.now();
            // With --model fresh, a new model at the round's first visit, trained on at its later ones.
            const t = await f.measure({ T, file, ...v, fresh: FRESH && v.start === 0 });
            const acc = times.get(f) as VisitTotals;
            acc.elapsedMs += performance.now() - t0;
            if (steal0 >= 0) acc.stolenMs += stealMs() - steal0;
            acc.otherMs += (t.otherThreadsMs ?? 0) * v.steps;
            acc.t.wallMs.push(...t.wallMs);
            acc.t.cpuMs.push(...t.cpuMs);
            acc.t.gaugeUs.push(...t.gaugeUs);
          }
        }
        for (const f of timed ? order : []) {
          const { t: all, otherMs, stolenMs, elapsedMs } = times.get(f) as VisitTotals;
          const t: StepTimes = { ...all, otherThreadsMs: otherMs / STEPS };
          // The hypervisor's steal time over the framework's visits, as a share of both vCPUs' time (a host-side slowdown).
          const steal = stolenMs / (elapsedMs * ALL_CORES);
          const row = byFramework.get(f) as Row;
          row.wall.push(median(t.wallMs));
          row.cpu.push(median(t.cpuMs));
          row.gauge.push(median(t.gaugeUs));
          // A one-thread run whose other threads took CPU beside its steps says so (what made a round slow).
          const others = f.threads === 1 && (t.otherThreadsMs ?? 0) >= 0.5 ? `; other threads ${fmt(t.otherThreadsMs as number, 1)} ms/step` : '';
          const stolen = steal >= 0.01 ? `; steal ${fmt(100 * steal)} %` : '';
          console.log(`  T=${T} round ${round} ${f.label}, ${threadsLabel(f.threads)}: ${fmt(median(t.wallMs), 1)} ms/step (CPU ${fmt(median(t.cpuMs), 1)} ms; core gauge ${fmt(median(t.gaugeUs), 1)} µs${others}${stolen})`);
        }
        if (timed) loads.push(os.loadavg()[0] as number);
      }
      rows.push(...byFramework.values());
      // The pure-JS backend is ~20× slower than wasm: one short round in a fresh process.
      if (withCpu) {
        const p = new OursProcess('cpu', 1);
        const r = await p.request({ type: 'init', choice: 'cpu' });
        if (r.type === 'ready') {
          const m = await p.request({ type: 'measure', T, file, start: 0, warmup: 1, steps: 2, fresh: true });
          if (m.type === 'measured') rows.push({ framework: { label: 'Attention Lab, tfjs-cpu', threads: 1, ours: true, native: false, measure: async () => m }, T, wall: [median(m.wallMs)], cpu: [median(m.cpuMs)], gauge: [median(m.gaugeUs)] });
        }
        p.stop();
      }
    }
  } finally {
    for (const p of ours) p.stop();
    for (const p of pythons) p.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const ceiling = Math.max(...ceilings.map((m) => m.gflops as number));
  const label = (f: Framework): string => (f.label === 'PyTorch eager' ? `PyTorch ${versions.torch ?? ''} eager` : f.label === 'JAX jit' ? `JAX ${versions.jax ?? ''} jit` : f.label);
  console.log(`\n| framework | threads | T | ms/step (median round) | rounds' range, ms | tokens/s | CPU ms/step | × tfjs-wasm | GFLOP/s per step | % of 1-thread ceiling |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const T of LENGTHS) {
    const base = rows.find((r) => r.T === T && r.framework.label.endsWith('tfjs-wasm'));
    for (const r of rows.filter((x) => x.T === T)) {
      const ms = median(r.wall);
      const gflops = trainingFlops(T) / (ms / 1000) / 1e9;
      const ratio = base ? median(base.wall) / ms : NaN;
      const range = r.wall.length > 1 ? `${fmt(Math.min(...r.wall), 1)}–${fmt(Math.max(...r.wall), 1)}` : '';
      console.log(`| ${label(r.framework)} | ${r.framework.threads} | ${T} | ${fmt(ms, 1)} | ${range} | ${kTok((BATCH * T * 1000) / ms)} | ${fmt(median(r.cpu), 1)} | ${fmt(ratio, 2)}× | ${fmt(gflops, 1)} | ${fmt((100 * gflops) / ceiling, 1)} % |`);
    }
  }

  // Steadiness: each framework's rounds against its median; a round outside ±10 % is shown beside
  // what the other frameworks at the same thread count and the machine's matmul ceiling did in it.
  const outliersOf = (r: Row) =>
    outliers(
      { label: label(r.framework), wall: r.wall, gauge: r.gauge },
      rows.filter((o) => o !== r && o.T === r.T && o.framework.threads === r.framework.threads && o.wall.length > 1).map((o) => ({ label: label(o.framework), wall: o.wall })),
      roundCeilings.get(r.T),
    );
  console.log(`\nRounds within ±10 % of their median (steadiness; wall time):`);
  const spread = (xs: readonly number[]): string => {
    const d = deviations(xs).map((x) => 100 * x);
    return `${signedPct(Math.min(...d))} … ${signedPct(Math.max(...d))}`;
  };
  for (const r of rows.filter((x) => x.wall.length > 1)) {
    const out = outliersOf(r);
    console.log(`  T=${r.T} ${label(r.framework)}, ${threadsLabel(r.framework.threads)}: ${spread(r.wall)} — ${out.length === 0 ? 'steady' : 'NOT steady'}`);
    for (const o of out) console.log(`      ${describeOutlier(o)}`);
    // The process's core gauge over the same rounds: how much the core itself changed speed.
    console.log(`      its core gauge ${spread(r.gauge)}`);
  }
  const ceilingSpread = [...roundCeilings].map(([T, g]) => {
    const m = median(g);
    return `T=${T} rounds ${signedPct(100 * (m / Math.max(...g) - 1))} … ${signedPct(100 * (m / Math.min(...g) - 1))}`;
  });
  console.log(`  the machine itself (numpy's matmul, time per product, measured before each round): ${ceilingSpread.join('; ')}`);

  console.log(`\nFLOPs per training step (matmuls, 3 × forward): ${LENGTHS.map((T) => `T=${T}: ${(trainingFlops(T) / 1e6).toFixed(0)} MFLOP`).join(', ')}`);
  console.log(`ceiling: best of 20 repeats × ${ceilings.length} measurements: ${fmt(ceiling, 1)} GFLOP/s (medians ${ceilings.map((m) => fmt(m.medianGflops as number, 0)).join(', ')})`);
  console.log(`load average (1 min) at start and after each round: ${loads.map((x) => x.toFixed(1)).join(', ')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);

  // The verdicts: native ÷ PyTorch eager at equal threads, round by round (same round, same batches).
  const verdict = (T: number, threads: number): string | undefined => {
    const nat = rows.find((r) => r.T === T && r.framework.native && r.framework.threads === threads);
    const torch = rows.find((r) => r.T === T && r.framework.label === 'PyTorch eager' && r.framework.threads === threads);
    if (!nat || !torch || nat.wall.length !== torch.wall.length) return undefined;
    const ratios = nat.wall.map((m, i) => (torch.wall[i] as number) / m);
    const cpuRatios = nat.cpu.map((m, i) => (torch.cpu[i] as number) / m);
    const med = median(ratios);
    const ci = medianInterval(ratios);
    // Steadiness is the native step's: its rounds, with any outside ±10 % named beside what moved
    // with them, and how many of PyTorch's rounds left the band in the same run.
    // The twin runs the same code in a second process: its rounds outside the band are the machine's.
    const twin = rows.find((r) => r.T === T && r.framework.twin && r.framework.threads === threads && r.wall.length === nat.wall.length);
    const steadiness = describeSteadiness('native', outliersOf(nat), nat.wall.length, [
      { label: 'PyTorch', outOfBand: outliersOf(torch).length },
      ...(twin ? [{ label: "native's twin", outOfBand: outliersOf(twin).length }] : []),
    ]);
    const pass = med >= 1;
    const sure = ci.lo >= 1 || ci.hi < 1 ? '' : ', the interval includes 1.0';
    return (
      `VERDICT T=${T}, ${threadsLabel(threads)}: native ÷ PyTorch eager = ${fmt(med, 2)}× (median of ${ratios.length} rounds: ${ratios.map((x) => fmt(x, 2)).join(', ')}; ` +
      `${Math.round(100 * ci.coverage)} % interval ${fmt(ci.lo, 2)}–${fmt(ci.hi, 2)}; CPU-time ratio ${fmt(median(cpuRatios), 2)}×) — ${pass ? 'PASS' : 'FAIL'} against 1.0×${sure}; ${steadiness}`
    );
  };
  console.log('');
  for (const threads of allCores ? [1, ALL_CORES] : [1]) {
    for (const T of LENGTHS) {
      const line = verdict(T, threads);
      if (line) console.log(line);
    }
  }
  // The harness's own check: the same code in two processes, visited alternately, should time alike.
  for (const T of LENGTHS) {
    const nat = rows.find((r) => r.T === T && r.framework.native && r.framework.threads === 1);
    const twin = rows.find((r) => r.T === T && r.framework.twin);
    if (!nat || !twin || nat.wall.length !== twin.wall.length) continue;
    const c = twinCheck(nat.wall, twin.wall);
    console.log(
      `harness check T=${T}: native ÷ its twin = ${fmt(c.median, 2)}× (${Math.round(100 * c.coverage)} % interval ${fmt(c.lo, 2)}–${fmt(c.hi, 2)}; rounds ${fmt(c.min, 2)}–${fmt(c.max, 2)}, ` +
        `${c.apart} of ${nat.wall.length} more than 10 % apart)`,
    );
  }
}

// ---- the child: one Attention Lab backend in its own process ------------------------------------

function child(): void {
  const warmed = new Set<number>();
  // The model of each length that the last visit trained: a fresh visit replaces it, a later one
  // trains on (the rest of the round, or with --model reused every round).
  const runs = new Map<number, { run: ReferenceRun; step: number }>();
  const send = (m: FromChild): void => void process.send?.(m);

  const measure = (T: number, start: number, warmup: number, steps: number, tokens: Int32Array, targets: Int32Array, fresh: boolean): StepTimes => {
    let state = runs.get(T);
    if (fresh || !state) {
      state?.run.dispose();
      state = { run: new ReferenceRun(T, defaultOptimizerConfig('adamw')), step: 0 };
      runs.set(T, state);
    }
    const size = BATCH * T;
    const out: StepTimes = { wallMs: [], cpuMs: [], gaugeUs: [] };
    let others = -1;
    try {
      for (let i = 0; i < warmup + steps; i++) {
        const j = (start + i) % (tokens.length / size);
        const tok = tf.tensor2d(tokens.subarray(j * size, (j + 1) * size), [BATCH, T], 'int32');
        const tgt = targets.slice(j * size, (j + 1) * size);
        if (i === warmup) others = otherThreadsCpuMs();
        const gauge = timeCoreGauge();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        state.run.step(state.step++, tok, tgt);
        const dt = performance.now() - t0;
        const dc = process.cpuUsage(c0);
        tok.dispose();
        if (i >= warmup) {
          out.wallMs.push(dt);
          out.cpuMs.push((dc.user + dc.system) / 1000);
          out.gaugeUs.push(gauge);
        }
      }
    } catch (err) {
      state.run.dispose();
      runs.delete(T);
      throw err;
    }
    const end = otherThreadsCpuMs();
    if (others >= 0 && end >= 0 && steps > 0) out.otherThreadsMs = (end - others) / steps;
    return out;
  };

  process.on('message', (m: ToChild) => {
    void (async () => {
      try {
        if (m.type === 'init') {
          try {
            const info = await initBackend(m.choice);
            if (m.choice !== 'cpu' && info.name === 'cpu') throw new Error(`${m.choice} fell back to cpu`);
            send({ type: 'ready', name: info.name, reason: info.reason });
          } catch (err) {
            send({ type: 'unavailable', message: err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err) });
          }
          return;
        }
        const raw = new Int32Array(new Uint8Array(fs.readFileSync(m.file)).buffer);
        const tokens = raw.subarray(0, raw.length / 2);
        const targets = raw.subarray(raw.length / 2);
        if (!warmed.has(m.T) && m.steps > 2) {
          // Untimed steps until V8 has optimized the engine: at least 60 steps whatever the load (V8
          // counts calls; a loaded machine only makes them slower), on fresh models of 5 steps each
          // (with --model reused, the rounds then train on the last of them).
          for (let done = 0, warming = warmingUp({ steps: 60, ms: 2000, maxMs: 120_000 }); warming(done); done += 5) measure(m.T, 0, 5, 0, tokens, targets, true);
          warmed.add(m.T);
        }
        send({ type: 'measured', ...measure(m.T, m.start, m.warmup, m.steps, tokens, targets, m.fresh) });
      } catch (err) {
        send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--child')) {
  child();
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
