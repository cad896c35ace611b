/**
 * `npm run bench`: training throughput of the reference configuration (2 layers, d_model 64,
 * 4 heads, d_ff 256, vocab 32, batch 32, AdamW) at T = 16/32/64/128 on every backend that loads
 * (the native one at one intra-op thread, the thread count PyTorch is compared at), and the
 * throughput of N parallel runs (one per core) against one run, in worker threads and in separate
 * processes, all runs timed over the same window (--window seconds, default 8), in --rounds rounds.
 * Figures are medians over timed steps after warm-up; the machine is shared, so compare ratios
 * measured in the same run rather than absolute numbers across runs.
 * Before the timings it counts the kernels one step launches (load-independent; see kernelCount.ts)
 * for each optimizer at T = 32.
 * Options: --backends node,wasm,cpu  --lengths 32,128  --steps N (timed steps)  --no-parallel
 *          --count-only (kernel counts, no timings)  --optimizers adamw,lion,tiger,sgd (counted)
 *          --window S  --rounds R  --modes processes,threads (parallel section)  --count-length T (32)  --verbose (every kernel name, native calls, per-kernel time medians)
 */
import { fork } from 'node:child_process';
import * as os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { BackendChoice, BackendName } from '../src/protocol/backend';
import type { OptimizerConfig, OptimizerName } from '../src/protocol/config';
import { initBackend } from '../src/engine/backend';
import { defaultOptimizerConfig } from '../src/engine/optim';
import { Rng } from '../src/core/random';
import { tf } from '../src/engine/tf';
import { countKernels, kernelTimes, topKernels } from './kernelCount';
import type { KernelCount } from './kernelCount';
import { REFERENCE, ReferenceRun, choicesOption, median, numbersOption, randomBatch, warmingUp } from './referenceRun';

const { batch: BATCH } = REFERENCE;
/** The pure-JS backend takes seconds per step beyond this length. */
const CPU_MAX_T = 32;

interface Measurement {
  backend: BackendName;
  T: number;
  msPerStep: number;
  stepsPerSecond: number;
  tokensPerSecond: number;
  /** CPU time of the whole process per step (all its threads), parallel section only. */
  cpuMsPerStep?: number;
}


/** Runs training steps on random batches while `more(i)`; `each(i, run)` wraps step i (timing or counting). */
function trainSteps(T: number, more: (i: number) => boolean, optimizer: OptimizerConfig, each: (i: number, run: () => void) => void): void {
  const run = new ReferenceRun(T, optimizer);
  const rng = new Rng(7);
  try {
    for (let i = 0; more(i); i++) {
      const { tokens, targets } = randomBatch(rng, T);
      const tokensT = tf.tensor2d(tokens, [BATCH, T], 'int32');
      try {
        each(i, () => run.step(i, tokensT, targets));
      } finally {
        tokensT.dispose();
      }
    }
  } finally {
    run.dispose();
  }
}

/**
 * Warm-up (referenceRun.ts says why). The parallel section warms up longer: V8 keeps optimizing
 * the less hot functions for seconds, on helper threads that two runs on two cores would
 * otherwise share with the other run's main thread.
 */
const WARM_UP = { steps: 50, ms: 2000, maxMs: 8000 };
const PARALLEL_WARM_UP = { steps: 100, ms: 6000, maxMs: 15000 };

/** Times `steps` training steps after warm-up (`warmup` steps, or by warmingUp() when undefined); median ms per step. */
function measure(backend: BackendName, T: number, warmup: number | undefined, steps: number, optimizer: OptimizerConfig): Measurement {
  const times: number[] = [];
  const warming = warmup === undefined ? warmingUp(WARM_UP) : (i: number) => i < warmup;
  let first = -1;
  trainSteps(T, (i) => first < 0 || i < first + steps, optimizer, (i, run) => {
    if (first < 0 && !warming(i)) first = i;
    const t0 = performance.now();
    run();
    const dt = performance.now() - t0;
    if (first >= 0) times.push(dt);
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
  trainSteps(T, (i) => i < 2 + timedSteps, optimizer, (i, run) => {
    if (i >= 2) counts.push(countKernels(run));
    else run();
  });
  const first = counts[0];
  if (first === undefined) throw new Error('countStep: no step was counted');
  const msByName = new Map<string, number>();
  for (const name of first.msByName.keys()) msByName.set(name, median(counts.map((c) => c.msByName.get(name) ?? 0)));
  return { ...first, msByName };
}

const fmt = (x: number, d = 1): string => x.toFixed(d);

interface Job {
  backend: BackendChoice;
  T: number;
  /** Length of the timed window, the same for every run started together. */
  windowMs: number;
}

/** Messages between the parent and a parallel run (worker thread or child process). */
type ToRun = { type: 'go' };
type FromRun = { type: 'ready' } | { type: 'result'; measurement: Measurement } | { type: 'error'; message: string };

/**
 * One run of the parallel section: builds the model, warms up, reports ready, waits for the
 * parent's go (sent to every run at once, so the timed windows overlap), then trains for
 * `windowMs` and reports the steps it finished in that window as throughput.
 */
async function runJob(job: Job, post: (m: FromRun) => void, go: Promise<void>): Promise<void> {
  const info = await initBackend(job.backend);
  const run = new ReferenceRun(job.T, defaultOptimizerConfig('adamw'));
  const rng = new Rng(7);
  const step = (i: number): void => {
    const { tokens, targets } = randomBatch(rng, job.T);
    tf.tidy(() => run.step(i, tf.tensor2d(tokens, [BATCH, job.T], 'int32'), targets));
  };
  try {
    let i = 0;
    for (const warming = warmingUp(PARALLEL_WARM_UP); warming(i); i++) step(i);
    post({ type: 'ready' });
    await go;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let done = 0;
    while (performance.now() - t0 < job.windowMs) step(i + done++);
    const ms = (performance.now() - t0) / done;
    const cpu = process.cpuUsage(cpu0);
    post({
      type: 'result',
      measurement: {
        backend: info.name, T: job.T, msPerStep: ms, stepsPerSecond: 1000 / ms, tokensPerSecond: (BATCH * job.T * 1000) / ms,
        cpuMsPerStep: (cpu.user + cpu.system) / 1000 / done,
      },
    });
  } finally {
    run.dispose();
  }
}

type Mode = 'threads' | 'processes';

interface RunHandle {
  send(m: ToRun): void;
  on(listener: (m: FromRun) => void): void;
  onFailure(listener: (err: Error) => void): void;
}

function startRun(mode: Mode, job: Job): RunHandle {
  if (mode === 'threads') {
    const w = new Worker(__filename, { workerData: job });
    return {
      send: (m) => w.postMessage(m),
      on: (l) => void w.on('message', l),
      onFailure: (l) => {
        w.once('error', l);
        w.once('exit', (code) => code !== 0 && l(new Error(`bench worker exited with ${code}`)));
      },
    };
  }
  const child = fork(__filename, ['--parallel-run', JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    send: (m) => child.send(m),
    on: (l) => void child.on('message', (m) => l(m as FromRun)),
    onFailure: (l) => {
      child.once('error', l);
      child.once('exit', (code) => code !== 0 && l(new Error(`bench child exited with ${code}`)));
    },
  };
}

/**
 * N copies of a job at once, as worker threads or as child processes: every run warms up, then
 * all start their timed window together, so the throughputs are measured over the same interval
 * (a run that started early would otherwise have the machine to itself for a while).
 */
function inParallel(n: number, mode: Mode, job: Job): Promise<Measurement[]> {
  return new Promise((resolve, reject) => {
    const runs = Array.from({ length: n }, () => startRun(mode, job));
    const results: Measurement[] = [];
    let ready = 0;
    for (const run of runs) {
      run.onFailure(reject);
      run.on((m) => {
        if (m.type === 'error') reject(new Error(m.message));
        else if (m.type === 'ready' && ++ready === n) for (const r of runs) r.send({ type: 'go' });
        else if (m.type === 'result' && results.push(m.measurement) === n) resolve(results);
      });
    }
  });
}

/** The body of a parallel run: the parent's messages arrive on `port`, results go back on it. */
function serveRun(job: Job, port: { send(m: FromRun): void; onGo(l: () => void): void }, exit: () => void): void {
  const go = new Promise<void>((resolve) => port.onGo(resolve));
  runJob(job, (m) => port.send(m), go).then(exit, (err: unknown) => {
    port.send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    exit();
  });
}

async function main(): Promise<void> {
  const lengths = numbersOption('--lengths', '16,32,64,128');
  const candidates = choicesOption<BackendChoice>('--backends', 'node,wasm,cpu', ['node', 'wasm', 'cpu']);
  const timed = numbersOption('--steps', '20')[0] as number;
  const counted = choicesOption<OptimizerName>('--optimizers', 'adamw,lion,tiger,sgd', ['adamw', 'lion', 'tiger', 'sgd']);
  const countT = numbersOption('--count-length', '32')[0] as number;
  const windowMs = (numbersOption('--window', '8', true)[0] as number) * 1000;
  const rounds = numbersOption('--rounds', '3')[0] as number;
  const modes = choicesOption<Mode>('--modes', 'processes', ['processes', 'threads']);
  const cores = os.availableParallelism();
  console.log(`Attention Lab benchmark — ${os.cpus()[0]?.model ?? 'cpu'} × ${cores}, Node ${process.versions.node}, tfjs-core ${tf.version_core}`);
  console.log(`reference config: 2 layers, d_model 64, 4 heads, d_ff 256, vocab 32, batch 32, AdamW; medians of ${timed} steps after warm-up`);
  console.log(`native backend: TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS ?? '1'}, TF_NUM_INTEROP_THREADS=${process.env.TF_NUM_INTEROP_THREADS ?? '1'}\n`);
  const countOnly = process.argv.includes('--count-only');
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
      const m = measure(info.name, T, slow ? 1 : undefined, slow ? 3 : timed, defaultOptimizerConfig('adamw'));
      console.log(`| ${info.name} | ${T} | ${fmt(m.msPerStep)} | ${fmt(m.stepsPerSecond, 2)} | ${fmt(m.tokensPerSecond, 0)} |`);
    }
  }
  if (cores > 1 && !process.argv.includes('--no-parallel')) {
    console.log(`\nparallel runs (T = 32): ${cores} runs at once against 1 run, each trained for the same ${windowMs / 1000} s window after warm-up, one intra-op thread per run;`);
    console.log(`${rounds} rounds of (1 run, then ${cores}); the speed-up is the median of the rounds' ratios (the runner runs its pool in processes)`);
    console.log(`CPU ms/step: CPU time of a run's whole process (all threads) per step, medians; in threads mode the process is shared, so only processes show it`);
    console.log(`| backend | runs in | 1 run, tokens/s (median) | ${cores} runs, aggregate tokens/s (median) | speed-up per round | speed-up (median) | ≥ 0.9 N? | 1 run: wall / CPU ms per step | ${cores} runs: wall / CPU ms per step |`);
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const choice of available.filter((c) => c !== 'cpu')) {
      for (const mode of modes) {
        const job: Job = { backend: choice, T: 32, windowMs };
        const singles: Measurement[] = [];
        const manys: Measurement[] = [];
        const aggregates: number[] = [];
        const ratios: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const [single] = (await inParallel(1, mode, job)) as [Measurement];
          const many = await inParallel(cores, mode, job);
          singles.push(single);
          manys.push(...many);
          aggregates.push(many.reduce((a, m) => a + m.tokensPerSecond, 0));
          ratios.push((aggregates.at(-1) as number) / single.tokensPerSecond);
        }
        const speedUp = median(ratios);
        const times = (ms: Measurement[]): string =>
          mode === 'processes' ? `${fmt(median(ms.map((m) => m.msPerStep)))} / ${fmt(median(ms.map((m) => m.cpuMsPerStep ?? NaN)))}` : '–';
        console.log(
          `| ${singles[0]?.backend ?? choice} | ${mode} | ${fmt(median(singles.map((m) => m.tokensPerSecond)), 0)} | ${fmt(median(aggregates), 0)} | ` +
            `${ratios.map((x) => fmt(x, 2)).join(', ')} | ${fmt(speedUp, 2)}× | ${speedUp >= 0.9 * cores ? 'yes' : 'no'} | ${times(singles)} | ${times(manys)} |`,
        );
      }
    }
  }
}

const fail = (err: unknown): void => {
  console.error(err);
  process.exitCode = 1;
};
if (!isMainThread) {
  serveRun(workerData as Job, { send: (m) => parentPort?.postMessage(m), onGo: (l) => parentPort?.once('message', l) }, () => parentPort?.close());
} else if (process.argv[2] === '--parallel-run') {
  serveRun(
    JSON.parse(process.argv[3] ?? '{}') as Job,
    { send: (m) => process.send?.(m), onGo: (l) => process.once('message', l) },
    () => process.disconnect?.(),
  );
} else {
  // One intra-op thread per run unless the caller set it: the thread count PyTorch is compared at,
  // and one core per run in the parallel section. Set before any worker or child starts.
  process.env.TF_NUM_INTRAOP_THREADS ??= '1';
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  main().catch(fail);
}
