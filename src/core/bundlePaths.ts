import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Finds a file that the build puts in dist/ (worker.js, the .wasm binaries) from any bundle:
 * the CLI lives in dist/, bundled tests in dist/test/…, so look upwards from the running bundle.
 */
export function findBundleFile(name: string, from: string = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
    const dist = path.join(dir, 'dist', name);
    if (fs.existsSync(dist)) return dist;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find ${name} near ${from}: run \`npm run build\` first`);
}
