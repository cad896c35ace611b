import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as Esbuild from 'esbuild';

const root = resolve(__dirname, '..', '..', '..');

test('the host-side views never pull TensorFlow.js into the extension host', async () => {
  const esbuild = createRequire(__filename)('esbuild') as typeof Esbuild;
  const r = await esbuild.build({
    entryPoints: [resolve(root, 'src/extension/views/index.ts')],
    bundle: true,
    platform: 'node',
    external: ['vscode'],
    write: false,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: root,
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(inputs.some((i) => i.includes('checkpointData.ts')), 'the bundle was built from the views');
  assert.deepEqual(inputs.filter((i) => /@tensorflow|src\/engine\/tf\.ts|src\/engine\/versions\.ts/.test(i)), []);
});
