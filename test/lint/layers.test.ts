/**
 * The layer rules of eslint.config.mjs and eslint/layers.mjs can fail: each forbidden import is
 * flagged in the layer it is forbidden in and passes where it is allowed. (`npm test` lints the
 * whole repository with the same rules, so the boundary holds for every file, not only these.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as Eslint from 'eslint';

const root = resolve(__dirname, '..', '..', '..');
const { ESLint } = createRequire(__filename)('eslint') as typeof Eslint;
const eslint = new ESLint({ cwd: root });

/** The rule ids a one-line module at `file` (a path in the repository) breaks. */
async function broken(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: resolve(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const tfjsImport = "import * as x from '@tensorflow/tfjs-core';";

test('TensorFlow.js is refused in the tfjs-free part, the protocol, the extension host and the webviews', async () => {
  for (const file of ['src/core/experiment/x.ts', 'src/protocol/x.ts', 'src/extension/views/x.ts', 'webview/charts/x.ts']) {
    assert.deepEqual(await broken(file, tfjsImport), ['no-restricted-imports'], file);
  }
});

test('TensorFlow.js is allowed in the compute part (the rule is not vacuous)', async () => {
  assert.deepEqual(await broken('src/engine/model/x.ts', tfjsImport), []);
});

test('vscode only in the extension', async () => {
  const code = "import * as x from 'vscode';";
  assert.deepEqual(await broken('src/extension/x.ts', code), []);
  for (const file of ['src/core/x.ts', 'src/engine/x.ts', 'src/cli/x.ts', 'webview/dashboard/x.ts']) {
    assert.deepEqual(await broken(file, code), ['no-restricted-imports'], file);
  }
});

test('folders import only the layers below them', async () => {
  const cases: [file: string, code: string, ok: boolean][] = [
    ['src/core/experiment/x.ts', "import { x } from '../../engine/tf';", false],
    ['src/core/experiment/x.ts', "import { x } from '../../protocol/config';", true],
    ['src/core/experiment/x.ts', "import { x } from '../tasks';", true],
    ['src/protocol/x.ts', "import { x } from '../core/random';", false],
    ['src/protocol/x.ts', "import { x } from './backend';", true],
    ['src/engine/train/x.ts', "import { x } from '../../cli/progress';", false],
    ['src/engine/train/x.ts', "import { x } from '../../core/random';", true],
    ['src/extension/views/x.ts', "import { x } from '../../engine/experiment/runner';", false],
    ['src/extension/views/x.ts', "import { x } from '../../backend/main';", false],
    ['src/extension/views/x.ts', "import { x } from '../backend/backendProcess';", true],
    ['src/extension/views/x.ts', "import { x } from '../../core/report/readExperiments';", true],
    ['webview/charts/x.ts', "import { x } from '../../src/engine/trace';", false],
    ['webview/charts/x.ts', "import { x } from '../../src/extension/ids';", false],
    ['webview/charts/x.ts', "import { x } from '../../src/protocol/viewData';", true],
    ['src/cli/x.ts', "const x = require('../extension/ids');", false],
    ['src/core/x.ts', "export { x } from '../engine/tf';", false],
  ];
  for (const [file, code, ok] of cases) {
    const rules = (await broken(file, code)).filter((r) => r !== '@typescript-eslint/no-require-imports');
    assert.deepEqual(rules, ok ? [] : ['layers/imports'], `${file}: ${code}`);
  }
});
