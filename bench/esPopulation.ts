/**
 * `npm run bench:es`: an evolution-strategies step of the grid-world preset's seeded agent (R, q 16:
 * 48 candidates in 24 antithetic pairs, 8 seeds) with its population evaluated in this process
 * and fanned out over 2 (or --processes) processes (es/populationPool.ts), side by side: the
 * modes alternate round by round over the same steps, each round timing --steps steps after
 * --warmup. Prints the median ms per step of each mode over the rounds, the ratio, and the CPU
 * time per step of this process and of the workers (from /proc, Linux). The machine is shared:
 * compare the ratio, not absolute times across runs.
 * Options: --rounds R (5)  --steps N (20)  --warmup W (5)  --processes 2,3  --backend auto|cpu|wasm|node
 */
import * as fs from 'node:fs';
import { initBackend } from '../src/engine/backend';
import type { BackendChoice } from '../src/protocol/backend';
import { PRESETS } from '../src/core/experiment/presets';
import { expandGrid } from '../src/core/experiment/grid';
import { GridWorldTrainer } from '../src/engine/es/gridWorldTrainer';
import { ProcessPopulation } from '../src/engine/es/populationPool';
import { choicesOption, median, numbersOption } from './referenceRun';

/** CPU ms (user + system) a process has used so far, from /proc (Linux); 0 elsewhere or when it is gone. */
function procCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

async function timeSteps(processes: number, steps: number, warmup: number): Promise<{ ms: number; cpuMs: number; workersCpuMs: number }> {
  const preset = PRESETS['grid-world'];
  if (!preset) throw new Error('no grid-world preset');
  const config = expandGrid(preset.spec).find((c) => c.model.rseBits > 0 && c.train.q > 1 && c.seed === 1);
  if (!config) throw new Error('the grid-world preset has no seeded q > 1 run');
  const t = new GridWorldTrainer(config);
  try {
    const pool = processes > 1 ? await ProcessPopulation.start(t.fitness, config, processes) : null;
    if (pool) t.setPopulation(pool);
    const workersCpu = (): number => (pool?.workerPids ?? []).reduce((a, pid) => a + procCpuMs(pid), 0);
    for (let i = 0; i < warmup; i++) await t.trainStep(false);
    const c0 = process.cpuUsage();
    const w0 = workersCpu();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await t.trainStep(false);
    const ms = (performance.now() - t0) / steps;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000 / steps, workersCpuMs: (workersCpu() - w0) / steps };
  } finally {
    t.dispose();
  }
}

async function main(): Promise<void> {
  const [rounds] = numbersOption('--rounds', '5');
  const [steps] = numbersOption('--steps', '20');
  const [warmup] = numbersOption('--warmup', '5');
  const modes = [1, ...numbersOption('--processes', '2')];
  const [backend] = choicesOption<BackendChoice>('--backend', 'auto', ['auto', 'cpu', 'wasm', 'node']);
  const info = await initBackend(backend as BackendChoice);
  const times = new Map<number, number[]>(modes.map((m) => [m, []]));
  const cpu = new Map<number, number[]>(modes.map((m) => [m, []]));
  const workerCpu = new Map<number, number[]>(modes.map((m) => [m, []]));
  for (let r = 0; r < (rounds as number); r++) {
    for (const m of r % 2 === 0 ? modes : [...modes].reverse()) {
      const x = await timeSteps(m, steps as number, warmup as number);
      times.get(m)?.push(x.ms);
      cpu.get(m)?.push(x.cpuMs);
      workerCpu.get(m)?.push(x.workersCpuMs);
    }
  }
  const serial = median(times.get(1) ?? []);
  console.log(`grid-world ES step (preset R, q 16, 48 candidates, 8 seeds), backend ${info.name}, ${rounds} rounds × ${steps} steps`);
  console.log('| processes | ms per step (median) | rounds | CPU ms per step: this process + workers (medians) | speed-up |');
  console.log('|---|---|---|---|---|');
  for (const m of modes) {
    const ms = median(times.get(m) ?? []);
    const own = median(cpu.get(m) ?? []);
    const workers = median(workerCpu.get(m) ?? []);
    console.log(`| ${m} | ${ms.toFixed(1)} | ${(times.get(m) ?? []).map((x) => x.toFixed(1)).join(', ')} | ${own.toFixed(1)} + ${workers.toFixed(1)} = ${(own + workers).toFixed(1)} | ${(serial / ms).toFixed(2)}× |`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
