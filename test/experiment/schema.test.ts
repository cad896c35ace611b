import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../schemas/experiment.schema.json';
import { MODEL_DEFAULTS, TRAIN_DEFAULTS } from '../../src/core/experiment/defaults';
import { NAR_PRETRAIN_DEFAULTS } from '../../src/core/nar/narSpec';
import { PRESETS } from '../../src/core/experiment/presets';
import { OPTIMIZER_FIELDS, SPEC_PROPERTIES, validateSpec } from '../../src/core/experiment/validateSpec';
import { ATTENTION_SCALINGS, OPTIMIZER_NAMES, POSITION_CHOICES, POSITION_EVALS, TASK_NAMES } from '../../src/protocol/config';
import { BACKEND_CHOICES } from '../../src/protocol/backend';
import { DELETE, specWith } from './specSamples';

const ajv = new Ajv2020({ strict: true, allErrors: true });
// VS Code's completion snippets (JSON language service), not a validation keyword.
ajv.addKeyword('defaultSnippets');
const schemaValid = ajv.compile(schema);

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  default?: unknown;
  enum?: unknown[];
  items?: SchemaNode;
}
const defs = schema.$defs as unknown as Record<string, SchemaNode>;
const root = schema as unknown as SchemaNode;

test('the schema compiles in strict mode (draft 2020-12)', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(typeof schemaValid, 'function');
});

test('every preset passes validateSpec and the JSON Schema', () => {
  assert.deepEqual(Object.keys(PRESETS), ['quick', 'entropy', 'optimizers', 'robustness', 'tiger-accumulation', 'randomized-recall', 'graph-coloring', 'softmax-noise', 'grid-world', 'position-probe', 'length-generalization', 'clrs-text', 'transnar']);
  for (const [name, preset] of Object.entries(PRESETS)) {
    assert.ok(validateSpec(preset.spec).ok, name);
    assert.ok(schemaValid(preset.spec), `${name}: ${JSON.stringify(schemaValid.errors)}`);
    assert.equal(preset.spec.name, name);
    assert.ok(preset.description.length > 20);
  }
});

test('the schema and the validator know the same properties', () => {
  const names = (node: SchemaNode | undefined): string[] => Object.keys(node?.properties ?? {}).sort();
  assert.deepEqual(names(root), [...SPEC_PROPERTIES.spec].sort());
  assert.deepEqual(names(defs.task), [...SPEC_PROPERTIES.task].sort());
  assert.deepEqual(names(defs.model), [...SPEC_PROPERTIES.model].sort());
  assert.deepEqual(names(defs.optimizer), [...SPEC_PROPERTIES.optimizer].sort());
  assert.deepEqual(names(defs.train), [...SPEC_PROPERTIES.train].sort());
  assert.deepEqual(names(defs.nar), [...SPEC_PROPERTIES.nar].sort());
  assert.deepEqual(names(defs.narPretraining), [...SPEC_PROPERTIES.narPretraining].sort());
});

test('the schema names the same enums as the protocol', () => {
  assert.deepEqual(root.properties?.backend?.enum, [...BACKEND_CHOICES]);
  assert.deepEqual(defs.task?.properties?.name?.enum, [...TASK_NAMES]);
  assert.deepEqual(defs.model?.properties?.position?.enum, [...POSITION_CHOICES]);
  assert.deepEqual(defs.model?.properties?.positionEval?.enum, [...POSITION_EVALS]);
  assert.deepEqual(defs.optimizer?.properties?.name?.enum, [...OPTIMIZER_NAMES]);
  assert.deepEqual(root.properties?.attentionScalings?.items?.enum, [...ATTENTION_SCALINGS]);
});

test("the schema's defaults are the engine's defaults", () => {
  for (const [key, value] of Object.entries(MODEL_DEFAULTS)) assert.equal(defs.model?.properties?.[key]?.default, value, `model.${key}`);
  for (const [key, value] of Object.entries(TRAIN_DEFAULTS)) assert.equal(defs.train?.properties?.[key]?.default, value, `train.${key}`);
  for (const [key, value] of Object.entries(NAR_PRETRAIN_DEFAULTS)) assert.equal(defs.narPretraining?.properties?.[key]?.default, value, `narPretraining.${key}`);
});

test('every property in the schema has a description', () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const props = (node as SchemaNode).properties ?? {};
    for (const [key, child] of Object.entries(props)) {
      // `false` forbids a property (optimizer if/then); `{const}` selects a variant; neither is user-facing.
      if (child === (false as unknown) || 'const' in child) continue;
      if (!child.description) missing.push(`${path}.properties.${key}`);
    }
    for (const [key, child] of Object.entries(node)) walk(child, `${path}.${key}`);
  };
  walk(schema, '#');
  assert.deepEqual(missing, []);
});

test('the optimizer fields that apply per optimizer match the schema', () => {
  const all = ['beta1', 'beta2', 'beta', 'eps', 'momentum', 'shrink'];
  for (const name of OPTIMIZER_NAMES) {
    for (const field of all) {
      const value = specWith({ '$.optimizers': [{ name, lr: 1e-3, [field]: 0.5 }] });
      const applies = OPTIMIZER_FIELDS[name].includes(field);
      assert.equal(schemaValid(value), applies, `schema: ${name}.${field}`);
      assert.equal(validateSpec(value).ok, applies, `validator: ${name}.${field}`);
    }
  }
});

/** Samples on which the schema and the validator must agree (cross-field rules are left out: a schema cannot state them). */
const SAMPLES: [string, Record<string, unknown>, boolean][] = [
  ['base', {}, true],
  ['no train block', { '$.train': DELETE }, true],
  ['with $schema', { '$.$schema': './experiment.schema.json' }, true],
  ['all model fields', { '$.models[0]': { label: 'm', causal: false, layers: 3, dModel: 48, heads: 4, dFf: 96, maxLen: 64, position: 'rope', randomizePositions: true, positionRange: 256, positionEval: 'spread', embedScale: 6.9, lognBase: 64, rseBits: 4 } }, true],
  ['legacy randomized position', { '$.models[0].position': 'randomized' }, true],
  ['randomizePositions not a boolean', { '$.models[0].randomizePositions': 'yes' }, false],
  ['bad positionEval', { '$.models[0].positionEval': 'even' }, false],
  ['embedScale zero', { '$.models[0].embedScale': 0 }, false],
  ['lognBase train', { '$.models[0].lognBase': 'train' }, true],
  ['lognBase another word', { '$.models[0].lognBase': 'long' }, false],
  ['lr list and q list', { '$.optimizers[0].lr': [1e-3, 3e-3], '$.train.q': [1, 2] }, true],
  ['piecewise schedule', { '$.train.schedule': { kind: 'piecewise', points: { '0': 0, '10': 1 } } }, true],
  ['sgd with momentum', { '$.optimizers[0]': { name: 'sgd', lr: 0.5, momentum: 0 } }, true],
  ['tiger with shrink', { '$.optimizers[0]': { name: 'tiger', lr: 1e-3, shrink: 1 } }, true],
  ['accumulate', { '$.train.accumulate': 8 }, true],
  ['batchSize and accumulate lists', { '$.train.batchSize': [32, 8], '$.train.accumulate': [1, 4] }, true],
  ['accumulate on an optimizer', { '$.optimizers[0]': { name: 'tiger', lr: 1e-3, accumulate: 8 } }, false],
  ['accumulate zero', { '$.train.accumulate': 0 }, false],
  ['missing tasks', { '$.tasks': DELETE }, false],
  ['name with space', { '$.name': 'a b' }, false],
  ['name too long', { '$.name': 'x'.repeat(65) }, false],
  ['unknown property', { '$.optimizers[0].lrr': 1 }, false],
  ['bad enum', { '$.attentionScalings': ['standard', 'sqrt'] }, false],
  ['repeated scaling', { '$.attentionScalings': ['standard', 'standard'] }, false],
  ['empty seeds', { '$.seeds': [] }, false],
  ['fractional seed', { '$.seeds': [0.5] }, false],
  ['heads zero', { '$.models[0].heads': 0 }, false],
  ['lr above 1', { '$.optimizers[0].lr': 2 }, false],
  ['lr as a string', { '$.optimizers[0].lr': '1e-3' }, false],
  ['empty lr list', { '$.optimizers[1].lr': [] }, false],
  ['beta2 of 1', { '$.optimizers[0].beta2': 1 }, false],
  ['schedule without kind', { '$.train.schedule': { warmupSteps: 1, minFactor: 0 } }, false],
  ['warmup-cosine with extra points', { '$.train.schedule': { kind: 'warmup-cosine', warmupSteps: 1, minFactor: 0, points: {} } }, false],
  ['piecewise key with leading zero', { '$.train.schedule': { kind: 'piecewise', points: { '010': 1 } } }, false],
  ['evalExamples zero', { '$.train.evalExamples': 0 }, false],
  ['task options with a string', { '$.tasks[0].options': { values: 'x' } }, false],
  ['evalLengths empty', { '$.tasks[0].evalLengths': [] }, false],
];

for (const [what, changes, valid] of SAMPLES) {
  test(`schema and validator agree: ${what} (${valid ? 'valid' : 'invalid'})`, () => {
    const value = specWith(changes);
    assert.equal(schemaValid(value), valid, `schema: ${JSON.stringify(schemaValid.errors)}`);
    const r = validateSpec(value);
    assert.equal(r.ok, valid, `validator: ${JSON.stringify(r)}`);
  });
}

test("the schema's snippets (VS Code completions) are valid where they are offered", () => {
  type Snippet = { label: string; body: unknown };
  const bodyOf = (b: unknown): unknown => JSON.parse(JSON.stringify(b).replace(/\$\{\d+:([^}]*)\}/g, '$1'));
  const snippets = (node: unknown): Snippet[] => ((node as { defaultSnippets?: Snippet[] }).defaultSnippets ?? []);
  const rootSnippets = snippets(schema);
  assert.equal(rootSnippets.length, 1);
  const spec = bodyOf(rootSnippets[0]!.body) as Record<string, unknown>;
  assert.ok(schemaValid(spec), JSON.stringify(schemaValid.errors));
  assert.ok(validateSpec(spec).ok, JSON.stringify(validateSpec(spec)));
  // Each entry snippet dropped into that spec in place of its kind's list.
  const places: [string, string][] = [['optimizer', 'optimizers'], ['task', 'tasks'], ['model', 'models']];
  for (const [def, key] of places) {
    const list = snippets(defs[def]);
    assert.ok(list.length > 0, def);
    for (const sn of list) {
      const withIt = { ...spec, [key]: [bodyOf(sn.body)] };
      assert.ok(schemaValid(withIt), `${def} "${sn.label}": ${JSON.stringify(schemaValid.errors)}`);
      assert.ok(validateSpec(withIt).ok, `${def} "${sn.label}": ${JSON.stringify(validateSpec(withIt))}`);
    }
  }
});
