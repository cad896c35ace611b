// `npm run setup:native`: gives the repository's @tensorflow/tfjs-node its native TensorFlow
// library from the Python package index, builds its binding and checks it, for networks that
// reach package registries only (tfjs-node's own install script downloads libtensorflow from
// elsewhere and fails there; npm then drops the optional package). Idempotent: a working setup is
// verified and left alone. The steps are src/core/native/nativeSetup.ts, shared with the extension's
// "Set Up Native Backend" command: this bundles src/core/native/main.ts into dist/setup-native.js
// (esbuild, ~0.1 s) and runs it on the repository with `--route python-index --no-save`
// (package.json and the lockfile stay unchanged).
// Options: --force (redo every step), --check (only the check), --route auto|download|python-index.
// Cache (wheel, unpacked library): $ATTENTION_LAB_CACHE, else $XDG_CACHE_HOME/attention-lab, else
// ~/.cache/attention-lab.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { nodeOptions } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'setup-native.js');
await esbuild.build({ ...nodeOptions, entryPoints: [join(root, 'src', 'core', 'native', 'main.ts')], outfile });

const args = process.argv.slice(2);
const route = args.includes('--route') ? [] : ['--route', 'python-index'];
const r = spawnSync(process.execPath, [outfile, '--dir', root, '--no-save', ...route, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
