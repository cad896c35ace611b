/**
 * What `npm run bench` (bench.ts) and `npm run bench:peers` (peers/speed.ts) share: the reference
 * configuration, one training run of it step by step, the warm-up rule, and small helpers.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { BackendChoice } from '../src/protocol/backend';
import type { ModelConfig, OptimizerConfig } from '../src/protocol/config';
import { initBackend } from '../src/engine/backend';
import { createModel } from '../src/engine/model/transformer';
import { createOptimizer } from '../src/engine/optim';
import type { Tensor } from '../src/engine/tf';
import { optimizationStep } from '../src/engine/train/trainer';
import type { Rng } from '../src/core/random';

/** The reference configuration: 2 layers, d_model 64, 4 heads, d_ff 256, vocab 32, batch 32. */
export const REFERENCE = { layers: 2, dModel: 64, heads: 4, dFf: 256, vocab: 32, batch: 32 } as const;

export function referenceModel(T: number): ModelConfig {
  const { layers, dModel, heads, dFf, vocab } = REFERENCE;
  return {
    causal: true, layers, dModel, heads, dFf, vocabSize: vocab, maxLen: T,
    position: 'learned', randomizePositions: false, positionRange: T, positionEval: 'random', embedScale: 1, attentionScaling: 'standard', lognBase: 512, trainLength: T, rseBits: 0,
    attention: 'softmax', keySize: dModel / heads, valueSize: dModel / heads, embedding: 'learned', init: 'gpt2', norm: 'layer', rseProjection: false, nar: null,
  };
}

/**
 * A fresh reference model and optimizer, trained one batch at a time with lr 1e-3 and clip 1
 * (the caller makes the token tensor, so its upload stays outside what it times or counts).
 */
export class ReferenceRun {
  private readonly model;
  private readonly opt;

  constructor(readonly T: number, optimizer: OptimizerConfig) {
    this.model = createModel(referenceModel(T), 1);
    this.opt = createOptimizer(optimizer);
  }

  /** Training step `i` on tokens [batch, T] (int32) and their targets. */
  step(i: number, tokens: Tensor, targets: Int32Array): void {
    const { batch } = REFERENCE;
    optimizationStep(this.model, this.opt, { tokens, targets, seedBits: undefined, positions: undefined, mask: null, nodes: undefined, inputs: batch, seeds: 1, n: this.T }, {
      step: i, lr: 1e-3, gradClip: 1, q: 1, measure: false,
    });
  }

  dispose(): void {
    this.model.dispose();
    this.opt.dispose();
  }
}

/** A random batch of the reference shape at length T: uniform tokens and targets from `rng`. */
export function randomBatch(rng: Rng, T: number): { tokens: Int32Array; targets: Int32Array } {
  const { batch, vocab } = REFERENCE;
  const tokens = new Int32Array(batch * T);
  const targets = new Int32Array(batch * T);
  for (let j = 0; j < tokens.length; j++) {
    tokens[j] = rng.int(0, vocab);
    targets[j] = rng.int(0, vocab);
  }
  return { tokens, targets };
}

export interface WarmUpLimits {
  steps: number;
  ms: number;
  maxMs: number;
}

/**
 * Warm-up before timing: V8 optimizes tfjs's JavaScript only after some 40 steps (a native step
 * at T = 32 takes ~25 ms before, ~15 after), so at least `steps` steps and `ms`, but no more than
 * `maxMs` (the slow backends at long T). Returns "still warming up?" for step i.
 */
export function warmingUp(limits: WarmUpLimits): (i: number) => boolean {
  const t0 = performance.now();
  return (i) => {
    const elapsed = performance.now() - t0;
    return !((i >= limits.steps && elapsed >= limits.ms) || elapsed >= limits.maxMs);
  };
}

export { median } from './peers/roundStats';

/** The backend with one TensorFlow thread of each kind, as the one-thread benchmarks measure it. */
export function initOneThread(backend: BackendChoice): ReturnType<typeof initBackend> {
  process.env.TF_NUM_INTRAOP_THREADS = '1';
  process.env.TF_NUM_INTEROP_THREADS = '1';
  return initBackend(backend);
}

/**
 * Milliseconds V8's collector has taken since the call (PerformanceObserver 'gc' entries, which
 * Node delivers a tick or more late: wait a few ms before reading it after the work).
 */
export function gcClock(): { ms(): number; stop(): void } {
  let total = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) total += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  return { ms: () => total, stop: () => obs.disconnect() };
}

/** --optimizer adamw|lion|tiger (adamw). */
export function optimizerOption(): 'adamw' | 'lion' | 'tiger' {
  return choicesOption('--optimizer', 'adamw', ['adamw', 'lion', 'tiger'] as const)[0] as 'adamw' | 'lion' | 'tiger';
}

/** The value after `--name` on the command line. */
export function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A command-line mistake: one line on stderr, exit status 2, no stack trace. */
function usage(message: string): never {
  console.error(message);
  process.exit(2);
}

/** `--name N`, a whole number ≥ 0 (a count or a number of milliseconds), else `fallback`. */
export function countOption(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(x) || x < 0) usage(`${name}: expected a whole number ≥ 0, got '${raw}'`);
  return x;
}

/** `--name a,b,c` of positive integers (numbers with `fractional`), else `fallback`. */
export function numbersOption(name: string, fallback: string, fractional = false): number[] {
  const raw = option(name) ?? fallback;
  const xs = raw.split(',').map(Number);
  if (xs.some((x) => !(x > 0) || !Number.isFinite(x) || (!fractional && !Number.isInteger(x)))) {
    usage(`${name}: expected ${fractional ? 'positive numbers' : 'positive integers'}, got '${raw}'`);
  }
  return xs;
}

/** `--name a,b,c` of words from `allowed`, else `fallback`. */
export function choicesOption<T extends string>(name: string, fallback: string, allowed: readonly T[]): T[] {
  const raw = option(name) ?? fallback;
  const xs = raw.split(',');
  const bad = xs.filter((x) => !(allowed as readonly string[]).includes(x));
  if (bad.length > 0) usage(`${name}: unknown ${bad.map((b) => `'${b}'`).join(', ')} (expected a comma-separated list of: ${allowed.join(', ')})`);
  return xs as T[];
}
