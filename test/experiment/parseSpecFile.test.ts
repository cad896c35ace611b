import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandGrid } from '../../src/core/experiment/grid';
import { findJsonSyntaxError } from '../../src/core/experiment/jsonSyntaxError';
import { SpecFileError, parseSpecFile } from '../../src/core/experiment/validateSpec';
import { baseSpec } from './specSamples';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spec-test-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function thrown(fn: () => unknown): SpecFileError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SpecFileError, String(err));
    return err;
  }
  assert.fail('expected a SpecFileError');
}

test('a valid file parses to its spec', () => {
  const file = write('ok.json', JSON.stringify({ $schema: './experiment.schema.json', ...baseSpec() }, null, 2));
  assert.deepEqual(parseSpecFile(file), baseSpec());
});

test('a byte-order mark is ignored', () => {
  assert.deepEqual(parseSpecFile(write('bom.json', '\ufeff' + JSON.stringify(baseSpec()))), baseSpec());
});

test('an invalid spec names the file and the JSON path of each problem', () => {
  const spec = baseSpec();
  spec.models[0]!.heads = 0;
  (spec.optimizers[0] as unknown as Record<string, unknown>).lrr = 1;
  const file = write('spec.json', JSON.stringify(spec));
  const err = thrown(() => parseSpecFile(file));
  assert.equal(
    err.message,
    `${file}: $.models[0].heads: expected an integer from 1 to 256, found 0\n${file}: $.optimizers[0].lrr: unknown property "lrr" (did you mean "lr"?)`,
  );
  assert.deepEqual(err.errors.map((e) => e.path), ['$.models[0].heads', '$.optimizers[0].lrr']);
  assert.equal(err.file, file);
});

test('invalid JSON is reported with line and column', () => {
  const cases: [string, number, number, string][] = [
    ['{\n  "name": "x",\n  "seeds": [1, 2,]\n}', 3, 18, 'trailing commas'],
    ['{\n  "name": "x"\n  "seeds": [1]\n}', 3, 3, "expected ',' or '}' after a property value"],
    ["{ 'name': 'x' }", 1, 3, 'expected a property name in double quotes, found "\'"'],
    ['{"a": 01}', 1, 8, 'end of the number'],
    ['{"a": tru}', 1, 7, 'expected a JSON value'],
    ['{"a": "line\nbreak"}', 1, 12, 'control character'],
    ['{"a": 1', 1, 8, 'found the end of the text'],
    ['', 1, 1, 'expected a JSON value'],
    ['{} {}', 1, 4, 'expected the end of the text'],
  ];
  for (const [text, line, column, message] of cases) {
    const file = write('bad.json', text);
    const err = thrown(() => parseSpecFile(file));
    assert.ok(err.message.startsWith(`${file}:${line}:${column}: invalid JSON: `), `${JSON.stringify(text)} → ${err.message}`);
    assert.ok(err.message.includes(message), `${JSON.stringify(text)} → ${err.message}`);
    assert.deepEqual(err.errors, []);
  }
});

test('a missing file or a folder is a SpecFileError', () => {
  assert.match(thrown(() => parseSpecFile(path.join(dir, 'nope.json'))).message, /nope\.json: no such file$/);
  assert.match(thrown(() => parseSpecFile(dir)).message, /is a folder, not a spec file$/);
});

test('the JSON scanner accepts exactly what JSON.parse accepts', () => {
  const texts = [
    '{}', '[]', '0', '-0.5e+10', '"\\u00e9\\n"', 'true', ' null ', '{"a":[1,{"b":false}]}', '[1,]', '{,}', '-', '1.', '.5', '1e',
    '"\\x"', '"\\u12"', '[1 2]', '{"a" 1}', '{"a":1,}', 'nul', '"abc', '[', '{"a":1}}', '\t[\r\n]\n', '+1', '0x10', 'NaN',
  ];
  for (const text of texts) {
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    assert.equal(findJsonSyntaxError(text) === null, valid, JSON.stringify(text));
  }
});

test("docs/spec.md's complete example is valid and expands as the text says", () => {
  const doc = fs.readFileSync(path.join(__dirname, '../../../docs/spec.md'), 'utf8');
  const block = /## A complete example\s+```json\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, 'example block');
  const spec = parseSpecFile(write('example.json', block));
  assert.equal(expandGrid(spec).length, 16);
  assert.match(doc, /= 16 runs/);
});
