// npm run bench:extension: bundles bench/extensionHost.ts with the options scripts/build.mjs gives
// the tests (it drives code-server with playwright-core, like test/e2e/) and runs it. Needs a
// build (dist/cli.js, the .vsix's contents) and `npm run setup:test` (code-server, chromium).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { nodeOptions } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'bench-extension-host.js');
await esbuild.build({ ...nodeOptions, entryPoints: [join(root, 'bench', 'extensionHost.ts')], outfile });
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
