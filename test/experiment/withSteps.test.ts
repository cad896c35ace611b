/** --steps (withSteps.ts) and the one spec resolution every front end uses (resolveSpec.ts). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { withSteps } from '../../src/core/experiment/withSteps';
import { SpecFileError, validateSpec } from '../../src/core/experiment/validateSpec';
import { PRESETS } from '../../src/core/experiment/presets';
import { UnknownPresetError, resolveSpec } from '../../src/core/experiment/resolveSpec';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

test('resolveSpec: a preset with --steps is rescaled and checked, and the preset itself is untouched', () => {
  const before = structuredClone(PRESETS.quick?.spec);
  const spec = resolveSpec({ kind: 'preset', name: 'quick' }, { steps: 7 });
  assert.equal(spec.train?.steps, 7);
  assert.deepEqual(PRESETS.quick?.spec, before);
  assert.throws(() => resolveSpec({ kind: 'preset', name: '__proto__' }), (e: Error) => e instanceof UnknownPresetError && /unknown preset "__proto__"; available: quick/.test(e.message));
});

test('resolveSpec: an invalid spec file is refused naming the file and the JSON path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-resolve-'));
  const file = path.join(dir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ name: 'bad', tasks: [{ name: 'copy', trainLengths: [3], evalLengths: [3] }], seeds: [1, 1], train: { batchSize: 0 } }));
  assert.throws(
    () => resolveSpec({ kind: 'file', path: file }, { steps: 10 }),
    (e: Error) => e instanceof SpecFileError && e.message.startsWith(`${file}: $.models: required property is missing`),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
