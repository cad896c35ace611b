/**
 * `attention-lab trace`: an optimizer's path on a 2-D test function (the data of the
 * optimizer-path view). Prints a short summary, or the whole path with --json.
 */
import { OPTIMIZER_NAMES } from '../protocol/config';
import type { OptimizerConfig, OptimizerName } from '../protocol/config';
import { initBackend } from '../engine/backend';
import { defaultOptimizerConfig } from '../engine/optim';
import { MAX_TRACE_STEPS, TRACE_FUNCTION_NAMES, traceOptimizer } from '../engine/trace';
import { UsageError } from './usageError';
import { parseCommandArgs } from './usage';
import { formatNumber } from './table';

function num(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new UsageError(`${flag}: expected a number, got "${value}"`);
  return x;
}

/** The optimizer's defaults with the hyper-parameters given on the command line. */
function optimizerFrom(name: OptimizerName, v: Readonly<Record<string, string | boolean | undefined>>): OptimizerConfig {
  const c = defaultOptimizerConfig(name) as OptimizerConfig & Record<string, unknown>;
  const set = (flag: string, key: string): void => {
    const raw = v[flag];
    const x = num(`--${flag}`, typeof raw === 'string' ? raw : undefined);
    if (x === undefined) return;
    if (!(key in c)) throw new UsageError(`--${flag} does not apply to ${name} (its hyper-parameters: ${Object.keys(c).filter((k) => k !== 'name').join(', ')})`);
    (c as Record<string, unknown>)[key] = x;
  };
  set('lr', 'lr');
  set('weight-decay', 'weightDecay');
  set('beta1', 'beta1');
  set('beta2', 'beta2');
  set('beta', 'beta');
  set('eps', 'eps');
  set('momentum', 'momentum');
  return c;
}

export async function traceCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    'trace',
    args,
    {
      optimizer: { type: 'string' },
      function: { type: 'string' },
      steps: { type: 'string' },
      lr: { type: 'string' },
      'weight-decay': { type: 'string' },
      beta1: { type: 'string' },
      beta2: { type: 'string' },
      beta: { type: 'string' },
      eps: { type: 'string' },
      momentum: { type: 'string' },
      x0: { type: 'string' },
      y0: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  const name = values.optimizer;
  if (!name || !(OPTIMIZER_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`trace: --optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}${name ? `, got "${name}"` : ''}`);
  }
  const fn = values.function;
  if (!fn || !(TRACE_FUNCTION_NAMES as readonly string[]).includes(fn)) {
    throw new UsageError(`trace: --function must be one of ${TRACE_FUNCTION_NAMES.join(', ')}${fn ? `, got "${fn}"` : ''}`);
  }
  const steps = num('--steps', values.steps) ?? 200;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_TRACE_STEPS) throw new UsageError(`--steps: expected an integer from 1 to ${MAX_TRACE_STEPS}`);
  const x0 = num('--x0', values.x0);
  const y0 = num('--y0', values.y0);
  if ((x0 === undefined) !== (y0 === undefined)) throw new UsageError('give both --x0 and --y0, or neither');
  let optimizer: OptimizerConfig;
  try {
    optimizer = optimizerFrom(name as OptimizerName, values);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  // Two parameters: the pure-JS backend is fastest (no wasm start-up, no dispatch cost worth the name).
  await initBackend(values.backend === 'wasm' ? 'wasm' : 'cpu');
  let result;
  try {
    result = traceOptimizer({ optimizer, fn, steps, ...(x0 !== undefined && y0 !== undefined ? { start: [x0, y0] as [number, number] } : {}) });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  }
  const last = result.points.at(-1);
  const first = result.points[0];
  process.stdout.write(
    `${name} on ${result.function} (${result.formula}), ${steps} steps from (${result.start.join(', ')})\n` +
      (first && last
        ? `loss ${formatNumber(first.loss)} → ${formatNumber(last.loss)} at (${formatNumber(last.x)}, ${formatNumber(last.y)}); minimum ${formatNumber(result.minValue)} at (${result.minimum.join(', ')})${result.diverged ? ' — diverged' : ''}\n`
        : '') +
      'use --json for the whole path\n',
  );
  return 0;
}
