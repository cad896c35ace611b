/** Spec fixtures shared by the experiment tests. */
import type { ExperimentSpec } from '../../src/protocol/spec';

/** A small valid spec; tests change copies of it. */
export function baseSpec(): ExperimentSpec {
  return {
    name: 'demo',
    tasks: [{ name: 'sort', trainLengths: [4, 8], evalLengths: [8, 16] }],
    models: [{ label: 'small', dModel: 32, heads: 2 }],
    attentionScalings: ['standard', 'logn'],
    optimizers: [
      { name: 'adamw', lr: 1e-3 },
      { name: 'lion', lr: [1e-4, 3e-4], weightDecay: 0.1 },
    ],
    seeds: [1, 2],
    train: { steps: 100 },
  };
}

/** Sentinel value: delete the property at the path. */
export const DELETE = Symbol('delete');

/**
 * A deep copy of baseSpec (as plain JSON) with values set at JSON paths like
 * `$.optimizers[1].lr` or `$.train.schedule.points["10"]`; DELETE removes the property.
 */
export function specWith(changes: Record<string, unknown>): unknown {
  const spec = JSON.parse(JSON.stringify(baseSpec())) as unknown;
  for (const [path, value] of Object.entries(changes)) setPath(spec, path, value);
  return spec;
}

function setPath(root: unknown, path: string, value: unknown): void {
  const keys: (string | number)[] = [];
  const re = /\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\["([^"]*)"\]/gy;
  re.lastIndex = 1; // after '$'
  let consumed = 1;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    keys.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] as string)));
    consumed = re.lastIndex;
  }
  if (!path.startsWith('$') || consumed !== path.length || keys.length === 0) throw new Error(`bad test path ${path}`);
  let node = root as Record<string | number, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = keys[keys.length - 1] as string | number;
  if (value === DELETE) delete node[last];
  else node[last] = value;
}
