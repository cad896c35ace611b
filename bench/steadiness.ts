/**
 * `npm run bench:steadiness`: what makes a training step's time vary. Trains the reference
 * configuration (bench/referenceRun.ts) for --steps steps after warm-up and records, per step:
 * wall time, the process's CPU time (all threads), V8 garbage collections overlapping the step
 * (kind and duration, from PerformanceObserver 'gc' entries), minor page faults and voluntary /
 * involuntary context switches (getrusage). Then it splits the slow steps (> 1.1 × median) by
 * their likely cause:
 *   - preempted: the step's wall time exceeds its CPU time (another process held the core: load);
 *   - gc: a V8 collection overlapped the step;
 *   - faults: the step took more page faults than the median step (fresh memory from the OS);
 *   - other (CPU time itself was high with none of the above).
 * Options: --backend node|wasm (node)  --T 32  --steps 400  --threads N (native intra-op threads, 1)  --optimizer adamw|lion|tiger|sgd (adamw)
 *          --variant name=value,...  (environment variables for this run, e.g. TF_CPU_ALLOCATOR_USE_BFC=true)
 *          --json FILE (every step's record)
 * The native thread settings must be set before TensorFlow loads, so each configuration is its own
 * process (bench/peers/speed.ts starts them the same way).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { BackendChoice } from '../src/protocol/backend';
import { Rng } from '../src/core/random';
import { initBackend } from '../src/engine/backend';
import { defaultOptimizerConfig } from '../src/engine/optim';
import { tf } from '../src/engine/tf';
import { REFERENCE, ReferenceRun, choicesOption, median, numbersOption, option, randomBatch, warmingUp } from './referenceRun';

interface StepRecord {
  wallMs: number;
  cpuMs: number;
  gcMs: number;
  gcKinds: string[];
  minorFaults: number;
  voluntary: number;
  involuntary: number;
}

const GC_KIND: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] as number;
}

async function main(): Promise<void> {
  const backend = (option('--backend') ?? 'node') as BackendChoice;
  const T = numbersOption('--T', '32')[0] as number;
  const steps = numbersOption('--steps', '400')[0] as number;
  const threads = numbersOption('--threads', '1')[0] as number;
  const optimizer = choicesOption('--optimizer', 'adamw', ['adamw', 'lion', 'tiger', 'sgd'] as const)[0] as 'adamw' | 'lion' | 'tiger' | 'sgd';
  for (const kv of (option('--variant') ?? '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    if (!k || v === undefined) throw new Error(`--variant: expected name=value, found '${kv}'`);
    process.env[k] = v;
  }
  process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  process.env.TF_NUM_INTEROP_THREADS = '1';
  const info = await initBackend(backend);

  const gcs: { start: number; end: number; kind: string }[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: GC_KIND[kind ?? -1] ?? String(kind) });
    }
  });
  obs.observe({ entryTypes: ['gc'] });

  const { batch } = REFERENCE;
  const rng = new Rng(7);
  const batchOf = (): { tokens: Int32Array; targets: Int32Array } => randomBatch(rng, T);
  const run = new ReferenceRun(T, defaultOptimizerConfig(optimizer));
  const records: (StepRecord & { t0: number; t1: number })[] = [];
  const warming = warmingUp({ steps: 60, ms: 3000, maxMs: 20000 });
  let warm = 0;
  for (let i = 0; warming(i); i++, warm++) {
    const b = batchOf();
    const tok = tf.tensor2d(b.tokens, [batch, T], 'int32');
    run.step(i, tok, b.targets);
    tok.dispose();
  }
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) {
    const b = batchOf();
    const tok = tf.tensor2d(b.tokens, [batch, T], 'int32');
    const r0 = process.resourceUsage();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run.step(warm + i, tok, b.targets);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    const r1 = process.resourceUsage();
    tok.dispose();
    records.push({
      t0, t1, wallMs: t1 - t0, cpuMs: (c1.user + c1.system) / 1000, gcMs: 0, gcKinds: [],
      minorFaults: r1.minorPageFault - r0.minorPageFault, voluntary: r1.voluntaryContextSwitches - r0.voluntaryContextSwitches,
      involuntary: r1.involuntaryContextSwitches - r0.involuntaryContextSwitches,
    });
  }
  // Let the observer deliver the last entries.
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  const tensorsAfter = tf.memory().numTensors;
  run.dispose();
  for (const g of gcs) {
    for (const r of records) {
      const overlap = Math.min(g.end, r.t1) - Math.max(g.start, r.t0);
      if (overlap > 0) {
        r.gcMs += overlap;
        r.gcKinds.push(g.kind);
      }
    }
  }

  const wall = records.map((r) => r.wallMs);
  const med = median(wall);
  const medCpu = median(records.map((r) => r.cpuMs));
  const medFaults = median(records.map((r) => r.minorFaults));
  const slow = records.filter((r) => r.wallMs > 1.1 * med);
  const cause = (r: StepRecord): string => {
    if (r.wallMs - r.cpuMs > 0.1 * med && r.involuntary > 0) return 'preempted';
    if (r.gcMs > 0.05 * med) return 'gc';
    if (r.minorFaults > 2 * medFaults + 10) return 'faults';
    return 'other';
  };
  const byCause = new Map<string, number[]>();
  for (const r of slow) byCause.set(cause(r), [...(byCause.get(cause(r)) ?? []), r.wallMs - med]);
  const gcTotal = records.reduce((s, r) => s + r.gcMs, 0);
  const kinds = new Map<string, number>();
  for (const g of gcs) kinds.set(g.kind, (kinds.get(g.kind) ?? 0) + 1);
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

  console.log(`steadiness: backend ${info.name}, ${optimizer}, T = ${T}, ${steps} steps after ${warm} warm-up, intra-op threads ${threads}${option('--variant') ? `, ${option('--variant')}` : ''}`);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`wall ms/step: median ${med.toFixed(2)}, p10 ${quantile(wall, 0.1).toFixed(2)}, p90 ${quantile(wall, 0.9).toFixed(2)}, max ${Math.max(...wall).toFixed(2)}; CPU ms/step median ${medCpu.toFixed(2)} (all threads)`);
  console.log(`steps beyond ±10 % of the median: ${pct(records.filter((r) => Math.abs(r.wallMs - med) > 0.1 * med).length / steps)}; slow (> 1.1 × median): ${slow.length}`);
  for (const [c, extra] of [...byCause].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`  ${c}: ${extra.length} steps, extra ${extra.reduce((s, x) => s + x, 0).toFixed(1)} ms in all (median +${median(extra).toFixed(2)} ms)`);
  }
  console.log(`GC: ${gcs.length} collections (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ${gcTotal.toFixed(1)} ms inside timed steps (${pct(gcTotal / wall.reduce((s, x) => s + x, 0))} of their time)`);
  console.log(`page faults per step: median ${medFaults}, max ${Math.max(...records.map((r) => r.minorFaults))}; context switches per step: voluntary median ${median(records.map((r) => r.voluntary))}, involuntary median ${median(records.map((r) => r.involuntary))}`);
  console.log(`tensors: ${tensorsBefore} before the timed steps, ${tensorsAfter} after`);
  const json = option('--json');
  if (json) fs.writeFileSync(json, JSON.stringify({ backend: info.name, T, threads, variant: option('--variant') ?? '', load: os.loadavg(), records: records.map(({ t0: _t0, t1: _t1, ...r }) => r) }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
