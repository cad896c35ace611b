/**
 * The record a finished native setup leaves in its folder (`attention-lab-native.json`): which
 * Node ran and verified @tensorflow/tfjs-node there, and on which TensorFlow. The extension reads
 * it to start its backend process with that Node and that folder's node_modules, with no setting;
 * a folder without it (or with a broken one) is never used. No vscode and no tfjs here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../io/atomicWrite';

export const MANIFEST_FILE = 'attention-lab-native.json';
/** The tfjs-node release the project is built against (package.json's optionalDependencies). */
export const TFJS_NODE_VERSION = '4.22.0';

export type NativeRoute = 'download' | 'python-index';

export interface NativeManifest {
  schema: 1;
  /** Absolute path of the Node executable that built and verified the binding. */
  node: string;
  nodeVersion: string;
  tfjsNode: string;
  /** TensorFlow's version as the loaded library reports it (TF_Version). */
  tensorflow: string;
  /** How the native library got there: tfjs-node's own download, or the Python package index's wheel. */
  route: NativeRoute;
  platform: string;
  arch: string;
  /** ISO time of the verification. */
  verifiedAt: string;
  /** The fused kernels' file in tfjs-node's deps/lib when they were built and checked (fusedKernelsFile.ts); absent: TensorFlow's own ops. */
  fusedKernels?: string;
}

export function manifestPath(dir: string): string {
  return path.join(dir, MANIFEST_FILE);
}

/** The package folder a setup in `dir` installs. */
export function tfjsNodeDir(dir: string): string {
  return path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
}

/** Problems with a parsed manifest, '' when it is usable on this machine. */
export function manifestProblem(m: unknown, platform = process.platform, arch = process.arch): string {
  if (typeof m !== 'object' || m === null) return 'not a JSON object';
  const r = m as Record<string, unknown>;
  if (r.schema !== 1) return `unknown schema ${JSON.stringify(r.schema)}`;
  for (const key of ['node', 'nodeVersion', 'tfjsNode', 'tensorflow', 'route', 'platform', 'arch', 'verifiedAt'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') return `${key}: expected a string`;
  }
  if (r.route !== 'download' && r.route !== 'python-index') return `route: expected "download" or "python-index", found ${JSON.stringify(r.route)}`;
  if (r.platform !== platform || r.arch !== arch) return `set up for ${String(r.platform)}/${String(r.arch)}, this is ${platform}/${arch}`;
  if (r.tfjsNode !== TFJS_NODE_VERSION) return `tfjsNode: ${String(r.tfjsNode)}, this extension needs ${TFJS_NODE_VERSION}`;
  return '';
}

export type ManifestState = { ok: true; manifest: NativeManifest } | { ok: false; reason: string };

/**
 * The manifest of `dir` when the setup there is complete and still in place: the file parses,
 * its Node executable and the tfjs-node package exist. Cheap (a few stats): called before each
 * backend start. Whether the binding loads is checked by the setup itself and by the backend.
 */
export function readManifest(dir: string): ManifestState {
  const file = manifestPath(dir);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return { ok: false, reason: 'not set up' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `${file}: not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const problem = manifestProblem(parsed);
  if (problem) return { ok: false, reason: `${file}: ${problem}` };
  const m = parsed as NativeManifest;
  if (!fs.existsSync(m.node)) return { ok: false, reason: `the Node executable it was set up with is gone (${m.node})` };
  if (!fs.existsSync(path.join(tfjsNodeDir(dir), 'package.json'))) return { ok: false, reason: `@tensorflow/tfjs-node is missing from ${dir}` };
  return { ok: true, manifest: m };
}

/** Writes the manifest atomically (core/io/atomicWrite.ts: temporary file, fsync, rename, directory fsync). */
export function writeManifest(dir: string, m: NativeManifest): void {
  writeJsonAtomic(manifestPath(dir), m);
}

/** Removes the manifest: the folder is no longer used (a setup starts by doing this). */
export function removeManifest(dir: string): void {
  fs.rmSync(manifestPath(dir), { force: true });
}
