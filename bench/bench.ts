/**
 * `npm run bench`: training throughput of the reference configuration (2 layers, d_model 64,
 * 4 heads, d_ff 256, vocab 32, batch 32) at T = 16/32/64 on every backend that loads, and the
 * throughput of N parallel runs (worker threads, one per core) against one run.
 * Figures are medians over timed steps after warm-up; the machine is shared, so compare ratios
 * measured in the same run rather than absolute numbers across runs.
 */
import * as os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { BackendChoice, BackendName } from '../src/protocol/backend';
import type { ModelConfig, OptimizerConfig } from '../src/protocol/config';
import { initBackend } from '../src/engine/backend';
import { createModel } from '../src/engine/model/transformer';
import { createOptimizer, defaultOptimizerConfig } from '../src/engine/optim';
import { Rng } from '../src/engine/random';
import { tf } from '../src/engine/tf';
import { optimizationStep } from '../src/engine/train/trainer';

const BATCH = 32;
const VOCAB = 32;

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

/** Times `steps` training steps after `warmup` on the current backend; median ms per step. */
function measure(backend: BackendName, T: number, warmup: number, steps: number, optimizer: OptimizerConfig): Measurement {
  const model = createModel(referenceModel(T), 1);
  const opt = createOptimizer(optimizer);
  const rng = new Rng(7);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const tokens = new Int32Array(BATCH * T);
    const targets = new Int32Array(BATCH * T);
    for (let j = 0; j < tokens.length; j++) {
      tokens[j] = rng.int(0, VOCAB);
      targets[j] = rng.int(0, VOCAB);
    }
    const tokensT = tf.tensor2d(tokens, [BATCH, T], 'int32');
    const t0 = performance.now();
    optimizationStep(model, opt, { tokens: tokensT, targets, seedBits: undefined, positions: undefined, mask: null, inputs: BATCH, seeds: 1, n: T }, {
      step: i, lr: 1e-3, gradClip: 1, q: 1, measure: false,
    });
    const dt = performance.now() - t0;
    tokensT.dispose();
    if (i >= warmup) times.push(dt);
  }
  model.dispose();
  opt.dispose();
  const ms = median(times);
  return { backend, T, msPerStep: ms, stepsPerSecond: 1000 / ms, tokensPerSecond: (BATCH * T * 1000) / ms };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const fmt = (x: number, d = 1): string => x.toFixed(d);

async function workerMain(): Promise<void> {
  const { backend, T, warmup, steps } = workerData as { backend: BackendChoice; T: number; warmup: number; steps: number };
  const info = await initBackend(backend);
  const m = measure(info.name, T, warmup, steps, defaultOptimizerConfig('adamw'));
  parentPort?.postMessage(m);
}

function inWorkers(n: number, backend: BackendChoice, T: number, warmup: number, steps: number): Promise<{ perRun: Measurement[]; wallSeconds: number }> {
  const t0 = performance.now();
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise<Measurement>((resolve, reject) => {
        const w = new Worker(__filename, { workerData: { backend, T, warmup, steps } });
        w.once('message', (m: Measurement) => resolve(m));
        w.once('error', reject);
      }),
    ),
  ).then((perRun) => ({ perRun, wallSeconds: (performance.now() - t0) / 1000 }));
}

async function main(): Promise<void> {
  const lengths = [16, 32, 64];
  const candidates: BackendChoice[] = ['node', 'wasm', 'cpu'];
  console.log(`Attention Lab benchmark — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, Node ${process.versions.node}, tfjs-core ${tf.version_core}`);
  console.log('reference config: 2 layers, d_model 64, 4 heads, d_ff 256, vocab 32, batch 32, AdamW; medians after warm-up\n');
  console.log('| backend | T | ms/step | steps/s | tokens/s |');
  console.log('|---|---|---|---|---|');
  const available: BackendChoice[] = [];
  for (const choice of candidates) {
    let info;
    try {
      info = await initBackend(choice);
    } catch (err) {
      console.log(`| ${choice} | – | not available: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} | | |`);
      continue;
    }
    if (info.name === 'cpu' && choice !== 'cpu') continue;
    available.push(choice);
    const slow = info.name === 'cpu';
    for (const T of lengths) {
      const m = measure(info.name, T, slow ? 1 : 5, slow ? 3 : 20, defaultOptimizerConfig('adamw'));
      console.log(`| ${info.name} | ${T} | ${fmt(m.msPerStep)} | ${fmt(m.stepsPerSecond, 2)} | ${fmt(m.tokensPerSecond, 0)} |`);
    }
  }
  const cores = os.availableParallelism();
  if (cores > 1) {
    console.log(`\nparallel runs (T = 32, worker threads): aggregate tokens/s of N runs at once vs 1 run`);
    console.log('| backend | N | tokens/s per run (median) | aggregate tokens/s | speed-up vs 1 run |');
    console.log('|---|---|---|---|---|');
    for (const choice of available.filter((c) => c !== 'cpu')) {
      const one = await inWorkers(1, choice, 32, 5, 20);
      const single = one.perRun[0] as Measurement;
      const many = await inWorkers(cores, choice, 32, 5, 20);
      const aggregate = many.perRun.reduce((a, m) => a + m.tokensPerSecond, 0);
      console.log(`| ${single.backend} | 1 | ${fmt(single.tokensPerSecond, 0)} | ${fmt(single.tokensPerSecond, 0)} | 1.00× |`);
      console.log(`| ${single.backend} | ${cores} | ${fmt(median(many.perRun.map((m) => m.tokensPerSecond)), 0)} | ${fmt(aggregate, 0)} | ${fmt(aggregate / single.tokensPerSecond, 2)}× |`);
    }
  }
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  void workerMain();
}
