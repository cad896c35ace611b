/**
 * The backend parameter of the shared numeric suite (optimizers, model, training). By default the
 * tests run on wasm and cpu; ATTENTION_LAB_TEST_BACKEND (comma-separated: wasm, cpu, tensorflow)
 * runs the same cases on other backends, e.g. `npm run test:native` on the native tfjs-node one.
 * A backend named there must load: the test fails instead of quietly running elsewhere.
 */
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { fastOpsKept } from '../../src/engine/fastOps';
import { tf } from '../../src/engine/tf';
import type { BackendChoice, BackendName } from '../../src/protocol/backend';

export const TEST_BACKEND_ENV = 'ATTENTION_LAB_TEST_BACKEND';
const KNOWN: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

/** The backends requested through the environment, or null when the variable is unset. */
export function requestedTestBackends(): BackendName[] | null {
  const raw = process.env[TEST_BACKEND_ENV]?.trim();
  if (!raw) return null;
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const n of names) {
    if (!(KNOWN as readonly string[]).includes(n)) {
      throw new Error(`${TEST_BACKEND_ENV}: unknown backend '${n}' (expected a comma-separated list of: ${KNOWN.join(', ')})`);
    }
  }
  return names as BackendName[];
}

/** The backends a parameterized test runs on: the requested ones, else `defaults`. */
export function testBackends(defaults: readonly BackendName[] = ['wasm', 'cpu']): BackendName[] {
  return requestedTestBackends() ?? [...defaults];
}

/** The one backend of a test file that runs on a single backend: the first requested one, else `fallback`. */
export function primaryTestBackend(fallback: BackendName): BackendName {
  return requestedTestBackends()?.[0] ?? fallback;
}

/** The command-line choice that selects a backend (`tensorflow` is chosen as `node`). */
export function backendChoice(name: BackendName): BackendChoice {
  return name === 'tensorflow' ? 'node' : name;
}

/** Switches to `name`, failing the test if that exact backend did not load. */
export async function useTestBackend(name: BackendName): Promise<void> {
  const info = await initBackend(backendChoice(name));
  assert.equal(info.name, name, `test backend '${name}' did not load (got '${info.name}': ${info.reason})`);
}

/**
 * tf.memory()'s tensors and bytes less the constants the native fast ops keep for reuse
 * (src/engine/fastOps.ts: scalars, axes, shapes; made on first use, then reused): what leak checks compare.
 */
export function liveTensors(): number {
  return tf.memory().numTensors - fastOpsKept().tensors;
}
export function liveBytes(): number {
  return tf.memory().numBytes - fastOpsKept().bytes;
}
