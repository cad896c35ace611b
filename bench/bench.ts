/**
 * `npm run bench`: training throughput of the reference configuration (2 layers, d_model 64,
 * 4 heads, d_ff 256, vocab 32, batch 32, AdamW) at T = 16/32/64/128 on every backend that loads
 * (the native one at one intra-op thread, the thread count PyTorch is compared at), and the
 * throughput of N parallel runs (one per core) against one run: in worker threads as the runner
 * runs them, and for the native backend also in separate processes.
 * Figures are medians over timed steps after warm-up; the machine is shared, so compare ratios
 * measured in the same run rather than absolute numbers across runs.
 * Before the timings it counts the kernels one step launches (load-independent; see kernelCount.ts)
 * for each optimizer at T = 32.
 * Options: --backends node,wasm,cpu  --lengths 32,128  --steps N (timed steps)  --no-parallel
 *          --count-only (kernel counts, no timings)  --optimizers adamw,lion,tiger,sgd (counted)
 *          --count-length T (32)  --verbose (every kernel name, native calls, per-kernel time medians)
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { BackendChoice, BackendName } from '../src/protocol/backend';
import type { ModelConfig, OptimizerConfig, OptimizerName } from '../src/protocol/config';
import { initBackend } from '../src/engine/backend';
import { createModel } from '../src/engine/model/transformer';
import { createOptimizer, defaultOptimizerConfig } from '../src/engine/optim';
import { Rng } from '../src/engine/random';
import { tf } from '../src/engine/tf';
import { optimizationStep } from '../src/engine/train/trainer';
import { countKernels, kernelTimes, topKernels } from './kernelCount';
import type { KernelCount } from './kernelCount';

const BATCH = 32;
const VOCAB = 32;
/** The pure-JS backend takes seconds per step beyond this length. */
const CPU_MAX_T = 32;

function referenceModel(T: number): ModelConfig {
  return {
    causal: true, layers: 2, dModel: 64, heads: 4, dFf: 256, vocabSize: VOCAB, maxLen: T,
    position: 'learned', positionRange: T, attentionScaling: 'standard', lognBase: 512, trainLength: T, rseBits: 0,
  };
}

interface Measurement {
  backend: BackendName;
  T: number;
  msPerStep: number;
  stepsPerSecond: number;
  tokensPerSecond: number;
}

/** A random batch of the reference task shape (uniform tokens and targets). */
function randomBatch(rng: Rng, T: number): { tokens: Int32Array; targets: Int32Array } {
  const tokens = new Int32Array(BATCH * T);
  const targets = new Int32Array(BATCH * T);
  for (let j = 0; j < tokens.length; j++) {
    tokens[j] = rng.int(0, VOCAB);
    targets[j] = rng.int(0, VOCAB);
  }
  return { tokens, targets };
}

/** Runs `warmup + steps` training steps; `each(i, run)` wraps step i (timing or counting). */
function trainSteps(T: number, total: number, optimizer: OptimizerConfig, each: (i: number, run: () => void) => void): void {
  const model = createModel(referenceModel(T), 1);
  const opt = createOptimizer(optimizer);
  const rng = new Rng(7);
  try {
    for (let i = 0; i < total; i++) {
      const { tokens, targets } = randomBatch(rng, T);
      const tokensT = tf.tensor2d(tokens, [BATCH, T], 'int32');
      each(i, () => {
        optimizationStep(model, opt, { tokens: tokensT, targets, seedBits: undefined, positions: undefined, mask: null, inputs: BATCH, seeds: 1, n: T }, {
          step: i, lr: 1e-3, gradClip: 1, q: 1, measure: false,
        });
      });
      tokensT.dispose();
    }
  } finally {
    model.dispose();
    opt.dispose();
  }
}

/** Times `steps` training steps after `warmup` on the current backend; median ms per step. */
function measure(backend: BackendName, T: number, warmup: number, steps: number, optimizer: OptimizerConfig): Measurement {
  const times: number[] = [];
  trainSteps(T, warmup + steps, optimizer, (i, run) => {
    const t0 = performance.now();
    run();
    const dt = performance.now() - t0;
    if (i >= warmup) times.push(dt);
  });
  const ms = median(times);
  return { backend, T, msPerStep: ms, stepsPerSecond: 1000 / ms, tokensPerSecond: (BATCH * T * 1000) / ms };
}

/**
 * Kernels launched by the third training step (the first two create the optimizer state); with
 * `timedSteps` > 1, the kernel times are the per-name medians over that many steps.
 */
function countStep(T: number, optimizer: OptimizerConfig, timedSteps = 1): KernelCount {
  const counts: KernelCount[] = [];
  trainSteps(T, 2 + timedSteps, optimizer, (i, run) => {
    if (i >= 2) counts.push(countKernels(run));
    else run();
  });
  const first = counts[0];
  if (first === undefined) throw new Error('countStep: no step was counted');
  const msByName = new Map<string, number>();
  for (const name of first.msByName.keys()) msByName.set(name, median(counts.map((c) => c.msByName.get(name) ?? 0)));
  return { ...first, msByName };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const fmt = (x: number, d = 1): string => x.toFixed(d);

interface Job {
  backend: BackendChoice;
  T: number;
  warmup: number;
  steps: number;
}

async function runJob(job: Job): Promise<Measurement> {
  const info = await initBackend(job.backend);
  return measure(info.name, job.T, job.warmup, job.steps, defaultOptimizerConfig('adamw'));
}

type Mode = 'threads' | 'processes';

/** N copies of a job at once, as worker threads or as child processes; per-run medians. */
function inParallel(n: number, mode: Mode, job: Job): Promise<Measurement[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      mode === 'threads'
        ? new Promise<Measurement>((resolve, reject) => {
            const w = new Worker(__filename, { workerData: job });
            w.once('message', (m: Measurement) => resolve(m));
            w.once('error', reject);
          })
        : new Promise<Measurement>((resolve, reject) => {
            const child = spawn(process.execPath, [__filename, '--child', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.once('error', reject);
            child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Measurement) : reject(new Error(`bench child exited with ${code}`))));
          }),
    ),
  );
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const lengths = (option('--lengths') ?? '16,32,64,128').split(',').map(Number);
  const candidates = (option('--backends') ?? 'node,wasm,cpu').split(',') as BackendChoice[];
  const timed = Number(option('--steps') ?? 20);
  const cores = os.availableParallelism();
  console.log(`Attention Lab benchmark — ${os.cpus()[0]?.model ?? 'cpu'} × ${cores}, Node ${process.versions.node}, tfjs-core ${tf.version_core}`);
  console.log(`reference config: 2 layers, d_model 64, 4 heads, d_ff 256, vocab 32, batch 32, AdamW; medians of ${timed} steps after warm-up`);
  console.log(`native backend: TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS ?? '1'}, TF_NUM_INTEROP_THREADS=${process.env.TF_NUM_INTEROP_THREADS ?? '1'}\n`);
  const countOnly = process.argv.includes('--count-only');
  const counted = (option('--optimizers') ?? 'adamw,lion,tiger,sgd').split(',') as OptimizerName[];
  const available: BackendChoice[] = [];
  const names = new Map<BackendChoice, BackendName>();
  for (const choice of candidates) {
    let info;
    try {
      info = await initBackend(choice);
    } catch (err) {
      console.log(`${choice}: not available: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    if (info.name === 'cpu' && choice !== 'cpu') continue;
    available.push(choice);
    names.set(choice, info.name);
  }
  const countT = Number(option('--count-length') ?? 32);
  console.log(`kernels per training step, T = ${countT} (load-independent; native calls on tensorflow only)`);
  console.log('| backend | optimizer | kernels | native ops | native uploads | most frequent |');
  console.log('|---|---|---|---|---|---|');
  for (const choice of available) {
    await initBackend(choice);
    for (const name of counted) {
      const c = countStep(countT, defaultOptimizerConfig(name), process.argv.includes('--verbose') ? 15 : 1);
      console.log(`| ${names.get(choice) ?? choice} | ${name} | ${c.kernels} | ${c.nativeOps || '–'} | ${c.nativeUploads || '–'} | ${topKernels(c)} |`);
      if (process.argv.includes('--verbose')) {
        console.log(`  all kernels: ${topKernels(c, 1000)}`);
        if (c.nativeOps) console.log(`  native: ${topKernels(c, 1000, true)}`);
        console.log(`  kernel time (one step, load-dependent): ${kernelTimes(c)}`);
      }
    }
  }
  if (countOnly) return;
  console.log('\n| backend | T | ms/step | steps/s | tokens/s |');
  console.log('|---|---|---|---|---|');
  for (const choice of available) {
    const info = await initBackend(choice);
    const slow = info.name === 'cpu';
    for (const T of lengths) {
      if (slow && T > CPU_MAX_T) continue;
      const m = measure(info.name, T, slow ? 1 : 5, slow ? 3 : timed, defaultOptimizerConfig('adamw'));
      console.log(`| ${info.name} | ${T} | ${fmt(m.msPerStep)} | ${fmt(m.stepsPerSecond, 2)} | ${fmt(m.tokensPerSecond, 0)} |`);
    }
  }
  if (cores > 1 && !process.argv.includes('--no-parallel')) {
    console.log(`\nparallel runs (T = 32): aggregate tokens/s of N runs at once vs 1 run, one intra-op thread per run`);
    console.log('| backend | runs in | N | tokens/s per run (median) | aggregate tokens/s | speed-up vs 1 run |');
    console.log('|---|---|---|---|---|---|');
    for (const choice of available.filter((c) => c !== 'cpu')) {
      const modes: Mode[] = choice === 'node' ? ['threads', 'processes'] : ['threads'];
      for (const mode of modes) {
        const job: Job = { backend: choice, T: 32, warmup: 5, steps: timed };
        const [single] = (await inParallel(1, mode, job)) as [Measurement];
        const many = await inParallel(cores, mode, job);
        const aggregate = many.reduce((a, m) => a + m.tokensPerSecond, 0);
        console.log(`| ${single.backend} | ${mode} | 1 | ${fmt(single.tokensPerSecond, 0)} | ${fmt(single.tokensPerSecond, 0)} | 1.00× |`);
        console.log(`| ${single.backend} | ${mode} | ${cores} | ${fmt(median(many.map((m) => m.tokensPerSecond)), 0)} | ${fmt(aggregate, 0)} | ${fmt(aggregate / single.tokensPerSecond, 2)}× |`);
      }
    }
  }
}

const fail = (err: unknown): void => {
  console.error(err);
  process.exitCode = 1;
};
if (!isMainThread) {
  runJob(workerData as Job).then((m) => parentPort?.postMessage(m), fail);
} else if (process.argv[2] === '--child') {
  runJob(JSON.parse(process.argv[3] ?? '{}') as Job).then((m) => process.stdout.write(JSON.stringify(m)), fail);
} else {
  // One intra-op thread per run unless the caller set it: the thread count PyTorch is compared at,
  // and one core per run in the parallel section. Set before any worker or child starts.
  process.env.TF_NUM_INTRAOP_THREADS ??= '1';
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  main().catch(fail);
}
