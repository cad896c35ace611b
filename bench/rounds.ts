/**
 * `npm run bench:rounds`: why one 60-step round of the reference model is slower than the next,
 * in one long-lived process, as bench:peers's rounds run. Per round (--steps timed steps after
 * --warmup untimed ones) it records the median wall and CPU time per step, the CPU that the
 * process's other threads took (V8's workers, TensorFlow's pools), V8's collections inside the
 * round, the machine's steal time (the hypervisor running another guest on our vCPUs) and the
 * process's resident memory, kernel time and page faults — with a fresh model every round (`--model fresh`, as bench:peers does by
 * default) or one model trained on across every round (`--model reused`).
 * Options: --backend node|wasm (node)  --T 32  --rounds 20  --steps 60  --warmup 5
 *          --model fresh|reused (fresh)  --idle-ms N (the process waits N ms before each round, as in
 *          bench:peers while the other frameworks run theirs; 0)  --optimizer adamw|lion|tiger (adamw)  --json FILE
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { BackendChoice } from '../src/protocol/backend';
import { Rng } from '../src/core/random';
import { defaultOptimizerConfig } from '../src/engine/optim';
import { tf } from '../src/engine/tf';
import { REFERENCE, ReferenceRun, choicesOption, countOption, gcClock, initOneThread, median, numbersOption, option, optimizerOption, randomBatch, warmingUp } from './referenceRun';
import { otherThreadsCpuMs, stealMs } from './processTimes';

interface Round {
  wallMs: number;
  cpuMs: number;
  otherThreadsMs: number;
  gcMs: number;
  stealMs: number;
  rssMb: number;
  tensors: number;
  /** Per step: the process's kernel-mode CPU ms and minor page faults (fresh pages mapped for TensorFlow's buffers). */
  systemMs: number;
  minorFaults: number;
}

async function main(): Promise<void> {
  const backend = (option('--backend') ?? 'node') as BackendChoice;
  const T = numbersOption('--T', '32')[0] as number;
  const rounds = numbersOption('--rounds', '20')[0] as number;
  const steps = numbersOption('--steps', '60')[0] as number;
  const warmup = numbersOption('--warmup', '5')[0] as number;
  const model = choicesOption('--model', 'fresh', ['fresh', 'reused'] as const)[0] as 'fresh' | 'reused';
  // Idle time between rounds: in bench:peers a process waits while the other frameworks run theirs.
  const idleMs = countOption('--idle-ms', 0);
  const optimizer = optimizerOption();
  const info = await initOneThread(backend);
  const gc = gcClock();

  const { batch } = REFERENCE;
  const rng = new Rng(7);
  const batches = Array.from({ length: warmup + steps }, () => randomBatch(rng, T));
  const config = defaultOptimizerConfig(optimizer);
  let shared: ReferenceRun | null = model === 'reused' ? new ReferenceRun(T, config) : null;
  let stepIndex = 0;
  const train = (run: ReferenceRun, i: number): { wall: number; cpu: number } => {
    const b = batches[i % batches.length] as { tokens: Int32Array; targets: Int32Array };
    const tok = tf.tensor2d(b.tokens, [batch, T], 'int32');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run.step(stepIndex++, tok, b.targets);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    tok.dispose();
    return { wall, cpu: (c.user + c.system) / 1000 };
  };
  // Warm-up as bench:peers's children do: until V8 has optimized the engine (≥ 60 steps).
  {
    const warming = warmingUp({ steps: 60, ms: 2000, maxMs: 120_000 });
    for (let done = 0; warming(done); done += 5) {
      const run = shared ?? new ReferenceRun(T, config);
      for (let i = 0; i < 5; i++) train(run, i);
      if (run !== shared) run.dispose();
    }
  }

  const out: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    const run = shared ?? new ReferenceRun(T, config);
    for (let i = 0; i < warmup; i++) train(run, i);
    // Node delivers 'gc' entries a tick or more late: let those of the warm-up steps arrive first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const others0 = otherThreadsCpuMs();
    const steal0 = stealMs();
    const gc0 = gc.ms();
    const usage0 = process.resourceUsage();
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < steps; i++) {
      const s = train(run, warmup + i);
      wall.push(s.wall);
      cpu.push(s.cpu);
    }
    const usage = process.resourceUsage();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const round: Round = {
      wallMs: median(wall), cpuMs: median(cpu), otherThreadsMs: (otherThreadsCpuMs() - others0) / steps,
      gcMs: (gc.ms() - gc0) / steps, stealMs: (stealMs() - steal0) / steps, rssMb: process.memoryUsage().rss / 2 ** 20, tensors: tf.memory().numTensors,
      systemMs: (usage.systemCPUTime - usage0.systemCPUTime) / 1000 / steps, minorFaults: (usage.minorPageFault - usage0.minorPageFault) / steps,
    };
    if (run !== shared) run.dispose();
    out.push(round);
    console.log(
      `round ${String(r + 1).padStart(2)}: ${round.wallMs.toFixed(2)} ms/step (CPU ${round.cpuMs.toFixed(2)}); per step: other threads ${round.otherThreadsMs.toFixed(2)} ms, GC ${round.gcMs.toFixed(2)} ms, steal ${round.stealMs.toFixed(2)} ms, system ${round.systemMs.toFixed(2)} ms, ${round.minorFaults.toFixed(0)} page faults; RSS ${round.rssMb.toFixed(0)} MB, ${round.tensors} tensors`,
    );
  }
  shared?.dispose();
  shared = null;
  gc.stop();
  const m = median(out.map((r) => r.wallMs));
  const lo = (100 * (Math.min(...out.map((r) => r.wallMs)) - m)) / m;
  const hi = (100 * (Math.max(...out.map((r) => r.wallMs)) - m)) / m;
  console.log(`\n${info.name}, ${optimizer}, T = ${T}, ${model} model, ${rounds} rounds × ${steps} steps: median ${m.toFixed(2)} ms/step, rounds ${lo.toFixed(1)} … +${hi.toFixed(1)} % of it; ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0]?.toFixed(2)}`);
  const json = option('--json');
  if (json) fs.writeFileSync(json, JSON.stringify({ backend: info.name, T, model, optimizer, rounds: out }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
