/**
 * Checks of the folders and files the CLI is told to write, made before any work so that a bad
 * path is one clear line (exit 2) with the real reason — not a late ENOENT, an "internal error",
 * or a loop on a file system that accepts nothing (/proc).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './usageError';

/** statfs magic numbers of kernel pseudo-file systems, which hold no user files. */
const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x1cd1, 'devpts'],
  [0x42494e4d, 'binfmt_misc'],
  [0xf97cff8c, 'selinuxfs'],
  [0x19800202, 'mqueue'],
  [0x534f434b, 'sockfs'],
]);

const REASONS: Record<string, string> = {
  EROFS: 'the file system is read-only (EROFS)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  ENOTDIR: 'a part of the path is a file, not a folder (ENOTDIR)',
  ELOOP: 'a symbolic link loop (ELOOP)',
  ENAMETOOLONG: 'the name is too long (ENAMETOOLONG)',
};

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code && REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
}

/** The nearest path at or above `p` that exists (stat follows links), with its stats. */
function nearestExisting(p: string, flag: string): { dir: string; stat: fs.Stats } {
  let cur = path.resolve(p);
  for (;;) {
    try {
      return { dir: cur, stat: fs.statSync(cur) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new UsageError(`${flag}: ${cur}: ${reason(err)}`);
      const up = path.dirname(cur);
      if (up === cur) throw new UsageError(`${flag}: ${p}: no folder of it exists`);
      cur = up;
    }
  }
}

/** Refuses a pseudo-file system (proc, sysfs, …) at `dir`. */
function checkFileSystem(dir: string, flag: string): void {
  let type: number;
  try {
    type = fs.statfsSync(dir).type;
  } catch {
    return;
  }
  const name = PSEUDO_FILE_SYSTEMS.get(type);
  if (name) throw new UsageError(`${flag}: ${dir} is on the kernel's ${name} pseudo-file system, which cannot hold run folders; choose a real folder`);
}

function checkWritable(dir: string, flag: string, what: string): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw new UsageError(`${flag}: cannot write ${what} in ${dir}: ${reason(err)}`);
  }
}

/** `--out`: a folder (existing, or to be created under an existing writable folder) on a real file system. */
export function checkOutDir(out: string, flag = '--out'): string {
  if (out.trim() === '') throw new UsageError(`${flag}: give a folder (an empty path would write into the current folder)`);
  const resolved = path.resolve(out);
  const { dir, stat } = nearestExisting(resolved, flag);
  if (!stat.isDirectory()) {
    throw new UsageError(`${flag}: ${dir} is ${stat.isFile() ? 'a file' : 'not a folder (a device, FIFO or socket)'}, not a folder (ENOTDIR)`);
  }
  checkFileSystem(dir, flag);
  checkWritable(dir, flag, 'run folders');
  return resolved;
}

/** A file to be written (`--html`, `analyze --out`): not a folder or device, in a writable folder. */
export function checkOutFile(file: string, flag: string): string {
  if (file.trim() === '') throw new UsageError(`${flag}: give the file to write`);
  const resolved = path.resolve(file);
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(resolved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${flag}: ${file}: ${reason(err)}`);
  }
  if (stat?.isDirectory()) throw new UsageError(`${flag}: ${file} is a folder (EISDIR); give a file name`);
  if (stat && !stat.isFile()) throw new UsageError(`${flag}: ${file} is not a regular file (a device, FIFO or socket)`);
  const { dir, stat: dirStat } = nearestExisting(path.dirname(resolved), flag);
  if (dir !== path.dirname(resolved)) throw new UsageError(`${flag}: ${path.dirname(resolved)}: no such folder`);
  if (!dirStat.isDirectory()) throw new UsageError(`${flag}: ${dir} is not a folder (ENOTDIR)`);
  checkFileSystem(dir, flag);
  checkWritable(dir, flag, 'the file');
  return resolved;
}

/** An existing folder to read (`report`, `resume`, `status`). */
export function checkInDir(dir: string, command: string, what: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${command}: ${dir}: ${code === 'ENOENT' ? 'no such folder' : reason(err)}`);
  }
  if (!stat.isDirectory()) throw new UsageError(`${command}: ${dir} is not a folder; give ${what}`);
  return path.resolve(dir);
}
