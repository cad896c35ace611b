/**
 * Finding the user's tools (node, npm, python with pip, node-gyp, Node's C headers) the way a
 * shell would: PATH, then the places next to the Node executable. No vscode and no tfjs here.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const isWindows = process.platform === 'win32';

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    if (isWindows) return true;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH (with PATHEXT's extensions on Windows), or undefined. */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = isWindows ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => e.toLowerCase()) : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, name + ext);
      if (isExecutableFile(p)) return p;
    }
  }
  return undefined;
}

/** npm for a Node executable: the one installed beside it, else the first on PATH. */
export function findNpm(node: string): string | undefined {
  const names = isWindows ? ['npm.cmd', 'npm.exe'] : ['npm'];
  for (const n of names) {
    const p = path.join(path.dirname(node), n);
    if (isExecutableFile(p)) return p;
  }
  return findOnPath('npm');
}

/**
 * npm's own node-gyp (npm ships it): `npm_config_node_gyp` when run through npm, else found from
 * where the npm executable really lives (…/npm/bin/npm-cli.js → …/npm/node_modules/node-gyp).
 */
export function findNodeGyp(npm: string | undefined, node: string): string | undefined {
  const candidates: string[] = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (npm) {
    try {
      const real = fs.realpathSync(npm);
      candidates.push(path.join(path.dirname(real), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    } catch {
      // a broken link: try the usual prefix below
    }
  }
  candidates.push(path.join(path.dirname(node), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => fs.existsSync(p));
}

/** The prefix holding Node's C headers (`<prefix>/include/node/node_api.h`) for `node`, or undefined (node-gyp then fetches them). */
export function findNodeHeaders(node: string): string | undefined {
  const prefix = path.resolve(path.dirname(node), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** python3 (or python) with a working pip, or undefined. */
export function findPythonWithPip(): string | undefined {
  for (const name of ['python3', 'python']) {
    const p = findOnPath(name);
    if (p && spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0) return p;
  }
  return undefined;
}
