/**
 * `npm run bench:settling`: what still settles in a native training process after bench:peers's
 * warm-up. One process follows the bench:peers child's schedule — the warm-up (fresh 5-step models
 * until ≥ 60 steps and ≥ 2 s), an untimed round 0, then timed rounds — each round in visits of
 * `--chunk` steps (the first with 5 untimed steps, each later one with 1) on one fresh model per
 * round, idling `--idle-ms` between visits as the child does while the other frameworks run theirs.
 * Every step is recorded with what changed during it: V8's code space (it grows in chunks of some
 * 240 KB as compiled code is installed, so it only shows that compiling goes on; run the bundle
 * under `node --trace-opt --trace-deopt dist/bench-settling.js` to see which functions), the time
 * V8's collector took, the process's minor page faults (fresh pages for TensorFlow's buffers) and
 * the core gauge. It prints one line per round and, with --json FILE, every step.
 * Options: --backend node|wasm (node)  --T 32  --rounds 8  --steps 60  --chunk 10  --idle-ms 150
 *          --optimizer adamw|lion|tiger (adamw)  --json FILE
 *
 * With --pair N it instead compares two such processes side by side, visit for visit as
 * bench:peers alternates its frameworks: one warmed up as bench:peers's child is, the other
 * trained N more steps first (an "aged" process, whose JavaScript V8 has long finished
 * optimizing). Each round prints both medians and their ratio; a ratio above 1 is what the
 * bench:peers warm-up leaves unsettled. --pair 0 gives two identical processes (twins): their
 * ratio's spread is what the machine alone does to a round. --cpu N pins both (every thread) to
 * vCPU N. Results: docs/benchmarks.md, Session 10.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as v8 from 'node:v8';
import type { BackendChoice } from '../src/protocol/backend';
import type { OptimizerConfig } from '../src/protocol/config';
import { Rng } from '../src/core/random';
import { defaultOptimizerConfig } from '../src/engine/optim';
import { tf } from '../src/engine/tf';
import { REFERENCE, ReferenceRun, countOption, gcClock, initOneThread, median, numbersOption, option, optimizerOption, randomBatch, warmingUp } from './referenceRun';
import { timeCoreGauge } from './peers/coreGauge';
import { planVisits } from './peers/schedule';
import { currentCpu } from './processTimes';

/** One training step and what changed in the process while it ran. */
interface StepRecord {
  /** 'warmup' (the process's warm-up), 0 (untimed round 0) or the timed round's number. */
  round: number | 'warmup';
  visit: number;
  timed: boolean;
  wallMs: number;
  gaugeUs: number;
  /** Bytes by which V8's code space grew during the step (compiled code installed). */
  codeBytes: number;
  gcMs: number;
  minorFaults: number;
}

/** The options both modes share: the length, the rounds and their visits, the idle time between visits. */
function roundOptions(): { T: number; rounds: number; steps: number; chunk: number; idleMs: number } {
  return {
    T: numbersOption('--T', '32')[0] as number,
    rounds: numbersOption('--rounds', '8')[0] as number,
    steps: numbersOption('--steps', '60')[0] as number,
    chunk: numbersOption('--chunk', '10')[0] as number,
    idleMs: countOption('--idle-ms', 150),
  };
}

/** bench:peers's child warm-up: fresh models of 5 steps each until ≥ 60 steps and ≥ 2 s (at most 2 min). */
function warmUp(T: number, config: OptimizerConfig, step: (run: ReferenceRun) => void): void {
  const warming = warmingUp({ steps: 60, ms: 2000, maxMs: 120_000 });
  for (let done = 0; warming(done); done += 5) {
    const run = new ReferenceRun(T, config);
    for (let i = 0; i < 5; i++) step(run);
    run.dispose();
  }
}

function codeSpaceBytes(): number {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'code_space');
  return space?.space_used_size ?? 0;
}

async function single(): Promise<void> {
  const backend = (option('--backend') ?? 'node') as BackendChoice;
  const { T, rounds, steps, chunk, idleMs } = roundOptions();
  const optimizer = optimizerOption();
  const info = await initOneThread(backend);
  const gc = gcClock();

  const { batch } = REFERENCE;
  const rng = new Rng(7);
  const batches = Array.from({ length: 64 }, () => randomBatch(rng, T));
  const config = defaultOptimizerConfig(optimizer);
  const records: StepRecord[] = [];
  let stepIndex = 0;
  const train = (run: ReferenceRun, round: StepRecord['round'], visit: number, timed: boolean): void => {
    const b = batches[stepIndex % batches.length] as { tokens: Int32Array; targets: Int32Array };
    const tok = tf.tensor2d(b.tokens, [batch, T], 'int32');
    const gaugeUs = timeCoreGauge();
    const code0 = codeSpaceBytes();
    const gc0 = gc.ms();
    const faults0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    run.step(stepIndex++, tok, b.targets);
    const wallMs = performance.now() - t0;
    const minorFaults = process.resourceUsage().minorPageFault - faults0;
    tok.dispose();
    records.push({ round, visit, timed, wallMs, gaugeUs, codeBytes: codeSpaceBytes() - code0, gcMs: gc.ms() - gc0, minorFaults });
  };

  warmUp(T, config, (run) => train(run, 'warmup', 0, false));
  const plan = planVisits(steps, chunk, 5, 1);
  const visits = plan.length;
  console.log(`${info.name}, ${optimizer}, T = ${T}: warm-up ${records.length} steps; rounds of ${visits} visits × ${chunk} steps, ${idleMs} ms idle between visits`);
  console.log('round  median ms  first visit  worst visit   code KB  GC ms  faults/step  gauge µs');
  for (let round = 0; round <= rounds; round++) {
    const run = new ReferenceRun(T, config);
    const from = records.length;
    for (const [v, visit] of plan.entries()) {
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      for (let i = 0; i < visit.warmup; i++) train(run, round, v, false);
      for (let i = 0; i < visit.steps; i++) train(run, round, v, true);
    }
    run.dispose();
    const mine = records.slice(from);
    const timed = mine.filter((r) => r.timed);
    const byVisit = Array.from({ length: visits }, (_, v) => median(timed.filter((r) => r.visit === v).map((r) => r.wallMs)));
    const sum = (f: (r: StepRecord) => number): number => mine.reduce((s, r) => s + f(r), 0);
    console.log(
      `${String(round).padStart(5)}  ${median(timed.map((r) => r.wallMs)).toFixed(2).padStart(9)}  ${(byVisit[0] as number).toFixed(2).padStart(11)}  ${Math.max(...byVisit).toFixed(2).padStart(11)}  ` +
        `${(sum((r) => r.codeBytes) / 1024).toFixed(1).padStart(8)}  ${sum((r) => r.gcMs).toFixed(1).padStart(5)}  ${(sum((r) => r.minorFaults) / mine.length).toFixed(0).padStart(11)}  ${median(timed.map((r) => r.gaugeUs)).toFixed(1).padStart(8)}`,
    );
  }
  gc.stop();
  console.log(`${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0]?.toFixed(2)}`);
  const json = option('--json');
  if (json) fs.writeFileSync(json, JSON.stringify({ backend: info.name, T, optimizer, chunk, idleMs, records }));
}

// ---- --pair: a freshly warmed process against an aged one ------------------------------------

type ToChild = { type: 'warm'; steps: number } | { type: 'visit'; fresh: boolean; warmup: number; steps: number };

/** The child of --pair: one backend, warmed as bench:peers's child is, then visits on request. */
async function pairChild(): Promise<void> {
  const T = numbersOption('--T', '32')[0] as number;
  const info = await initOneThread((option('--backend') ?? 'node') as BackendChoice);
  const rng = new Rng(7);
  const batches = Array.from({ length: 64 }, () => randomBatch(rng, T));
  const config = defaultOptimizerConfig('adamw');
  let run: ReferenceRun | null = null;
  let stepIndex = 0;
  const train = (r: ReferenceRun): number => {
    const b = batches[stepIndex % batches.length] as { tokens: Int32Array; targets: Int32Array };
    const tok = tf.tensor2d(b.tokens, [REFERENCE.batch, T], 'int32');
    const t0 = performance.now();
    r.step(stepIndex++, tok, b.targets);
    const dt = performance.now() - t0;
    tok.dispose();
    return dt;
  };
  warmUp(T, config, train);
  process.send?.({ ready: info.name });
  process.on('message', (m: ToChild) => {
    if (m.type === 'warm') {
      // Aging: rounds of 66 steps on fresh models, as the timed rounds train.
      for (let done = 0; done < m.steps; done += 66) {
        const r = new ReferenceRun(T, config);
        for (let i = 0; i < 66; i++) train(r);
        r.dispose();
      }
      process.send?.({ wallMs: [] });
      return;
    }
    if (m.fresh || !run) {
      run?.dispose();
      run = new ReferenceRun(T, config);
    }
    for (let i = 0; i < m.warmup; i++) train(run);
    const wallMs: number[] = [];
    const gaugeUs: number[] = [];
    for (let i = 0; i < m.steps; i++) {
      gaugeUs.push(timeCoreGauge());
      wallMs.push(train(run));
    }
    process.send?.({ wallMs, gaugeUs, cpu: currentCpu() });
  });
  process.on('disconnect', () => process.exit(0));
}

interface VisitReply { wallMs?: number[]; gaugeUs?: number[]; cpu?: number; ready?: string }

function request(child: ChildProcess, m: ToChild | null): Promise<VisitReply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`a --pair child exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (reply: VisitReply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
    if (m) child.send(m);
  });
}

async function pair(age: number): Promise<void> {
  const { T, rounds, steps, chunk, idleMs } = roundOptions();
  const cpu = process.argv.includes('--cpu') ? countOption('--cpu', 0) : undefined;
  // The children set their thread counts themselves (initOneThread); TensorFlow's start-up lines stay quiet.
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
  const args = ['--pair-child', '--T', String(T), '--backend', option('--backend') ?? 'node'];
  const fresh = fork(__filename, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const aged = fork(__filename, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const [ready] = await Promise.all([request(fresh, null), request(aged, null)]);
    // --cpu N: both processes (every thread) on vCPU N, so that neither runs on a vCPU the host is slowing more than the other's.
    if (cpu !== undefined) for (const c of [fresh, aged]) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(c.pid)], { stdio: 'ignore' });
    await request(aged, { type: 'warm', steps: age });
    // Round 0 (untimed), as bench:peers runs it, then the timed rounds.
    console.log(`${ready.ready}, T = ${T}: a process warmed as bench:peers's child is against one aged ${age} more steps; ${idleMs} ms idle between visits`);
    console.log('round  fresh ms  aged ms  fresh/aged  gauge µs fresh, aged  vCPUs of the visits (fresh | aged)');
    const ratios: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 === 0 ? [fresh, aged] : [aged, fresh];
      const times = new Map<ChildProcess, number[]>([[fresh, []], [aged, []]]);
      const gauges = new Map<ChildProcess, number[]>([[fresh, []], [aged, []]]);
      const cpus = new Map<ChildProcess, number[]>([[fresh, []], [aged, []]]);
      for (const visit of planVisits(steps, chunk, 5, 1)) {
        for (const c of order) {
          await new Promise((resolve) => setTimeout(resolve, idleMs));
          const out = await request(c, { type: 'visit', fresh: visit.start === 0, warmup: visit.warmup, steps: visit.steps });
          times.get(c)?.push(...(out.wallMs ?? []));
          gauges.get(c)?.push(...(out.gaugeUs ?? []));
          cpus.get(c)?.push(out.cpu ?? -1);
        }
      }
      const f = median(times.get(fresh) ?? []);
      const a = median(times.get(aged) ?? []);
      if (round > 0) ratios.push(f / a);
      const g = (c: ChildProcess): string => median(gauges.get(c) ?? []).toFixed(1);
      console.log(
        `${String(round).padStart(5)}  ${f.toFixed(2).padStart(8)}  ${a.toFixed(2).padStart(7)}  ${(f / a).toFixed(3).padStart(10)}  ${g(fresh).padStart(8)}, ${g(aged).padEnd(11)}  ` +
          `${(cpus.get(fresh) ?? []).join('')} | ${(cpus.get(aged) ?? []).join('')}${round === 0 ? '  (untimed)' : ''}`,
      );
    }
    console.log(`fresh/aged over rounds 1–${rounds}: median ${median(ratios).toFixed(3)}, round 1 ${(ratios[0] as number).toFixed(3)}; ${os.cpus()[0]?.model ?? 'cpu'}`);
  } finally {
    fresh.kill();
    aged.kill();
  }
}

const main = process.argv.includes('--pair-child') ? pairChild : process.argv.includes('--pair') ? () => pair(countOption('--pair', 0)) : single;

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
