import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { withSteps } from '../../src/cli/withSteps';
import { validateSpec } from '../../src/core/experiment/validateSpec';
import { PRESETS } from '../../src/core/experiment/presets';

test('--steps scales warm-up, schedule points and intervals with the step count', () => {
  const t = withSteps({ steps: 1000, schedule: { kind: 'warmup-cosine', warmupSteps: 50, minFactor: 0.1 }, evalEvery: 100, checkpointEvery: 500 }, 30);
  assert.deepEqual(t, { steps: 30, schedule: { kind: 'warmup-cosine', warmupSteps: 2, minFactor: 0.1 }, evalEvery: 3, checkpointEvery: 15 });
  const p = withSteps({ steps: 2000, schedule: { kind: 'piecewise', points: { '0': 0.5, '1000': 1, '2000': 0.1 } } }, 200);
  assert.deepEqual(p.schedule, { kind: 'piecewise', points: { '0': 0.5, '100': 1, '200': 0.1 } });
});

test('every preset stays valid with any --steps', () => {
  for (const [name, preset] of Object.entries(PRESETS)) {
    for (const steps of [1, 7, 30, 5000]) {
      const spec = structuredClone(preset.spec);
      spec.train = withSteps(spec.train ?? {}, steps);
      const r = validateSpec(spec);
      assert.ok(r.ok, `${name} --steps ${steps}: ${r.ok ? '' : JSON.stringify(r.errors)}`);
    }
  }
});
