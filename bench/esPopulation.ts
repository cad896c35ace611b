/**
 * `npm run bench:es`: an evolution-strategies step of the grid-world preset's seeded agent (R, q 16:
 * 48 candidates in 24 antithetic pairs, 8 seeds) with its population evaluated in this process
 * and fanned out over 2 (or --processes) processes (es/populationPool.ts), side by side: the
 * modes alternate round by round over the same steps, each round timing --steps steps after
 * --warmup. Prints the median ms per step of each mode over the rounds, the ratio, and the CPU
 * time of this process per step (the workers' CPU is not in it). The machine is shared: compare
 * the ratio, not absolute times across runs.
 * Options: --rounds R (5)  --steps N (20)  --warmup W (5)  --processes 2,3  --backend auto|cpu|wasm|node
 */
import { initBackend } from '../src/engine/backend';
import type { BackendChoice } from '../src/protocol/backend';
import { PRESETS } from '../src/core/experiment/presets';
import { expandGrid } from '../src/core/experiment/grid';
import { GridWorldTrainer } from '../src/engine/es/gridWorldTrainer';
import { ProcessPopulation } from '../src/engine/es/populationPool';
import { choicesOption, median, numbersOption } from './referenceRun';

async function timeSteps(processes: number, steps: number, warmup: number): Promise<{ ms: number; cpuMs: number }> {
  const preset = PRESETS['grid-world'];
  if (!preset) throw new Error('no grid-world preset');
  const config = expandGrid(preset.spec).find((c) => c.model.rseBits > 0 && c.train.q > 1 && c.seed === 1);
  if (!config) throw new Error('the grid-world preset has no seeded q > 1 run');
  const t = new GridWorldTrainer(config);
  try {
    if (processes > 1) t.setPopulation(await ProcessPopulation.start(t.fitness, config, processes));
    for (let i = 0; i < warmup; i++) await t.trainStep(false);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await t.trainStep(false);
    const ms = (performance.now() - t0) / steps;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000 / steps };
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
  for (let r = 0; r < (rounds as number); r++) {
    for (const m of r % 2 === 0 ? modes : [...modes].reverse()) {
      const x = await timeSteps(m, steps as number, warmup as number);
      times.get(m)?.push(x.ms);
      cpu.get(m)?.push(x.cpuMs);
    }
  }
  const serial = median(times.get(1) ?? []);
  console.log(`grid-world ES step (preset R, q 16, 48 candidates, 8 seeds), backend ${info.name}, ${rounds} rounds × ${steps} steps`);
  console.log('| processes | ms per step (median) | rounds | this process CPU ms per step | speed-up |');
  console.log('|---|---|---|---|---|');
  for (const m of modes) {
    const ms = median(times.get(m) ?? []);
    console.log(`| ${m} | ${ms.toFixed(1)} | ${(times.get(m) ?? []).map((x) => x.toFixed(1)).join(', ')} | ${median(cpu.get(m) ?? []).toFixed(1)} | ${(serial / ms).toFixed(2)}× |`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
