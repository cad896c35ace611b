/**
 * The one way Attention Lab writes a file: readers see either the old content or the whole new
 * content, never a part, and a write that did not reach the disk whole never shows up under the
 * final name. The bytes go to `.<name>.tmp-<pid>-<random>` in the same folder, every write is
 * looped until all its bytes are written (a short write — a nearly full disk — is continued or
 * fails, never ignored), the file is fsynced, renamed over the target, and the folder is fsynced
 * so the rename survives a power cut. On any failure the temporary file is removed and the
 * error names the file. `removeStaleTemps` clears temporary files a killed process left behind.
 */
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Marks temporary files of atomic writes: `<anything>.tmp-<pid>-<hex>`. */
export const TEMP_FILE_PATTERN = /\.tmp-\d+-[0-9a-f]+$/;

/** A write that could not be completed; the message names the file and the reason (ENOSPC, EROFS, …). */
export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`cannot write ${file}: ${detail}`);
  }
}

function describeError(err: unknown): { code: string | undefined; detail: string } {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const text = err instanceof Error ? err.message : String(err);
  // Node's messages read "ENOSPC: no space left on device, write": keep the reason, drop the call.
  const detail = code && text.startsWith(`${code}: `) ? text.slice(code.length + 2).replace(/, \w+( '[^']*')?$/, '') + ` (${code})` : text;
  return { code, detail };
}

/** An error of the file system (it has an errno code) becomes a WriteError naming the file; others pass unchanged. */
function wrap(file: string, err: unknown): unknown {
  if (err instanceof WriteError) return err;
  if (typeof (err as NodeJS.ErrnoException)?.code !== 'string') return err;
  const { code, detail } = describeError(err);
  return new WriteError(file, code, detail);
}

/** Writes all of `bytes` to `fd`, looping over short writes; a write that makes no progress fails. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error(`ENOSPC: wrote ${done} of ${bytes.length} bytes, then no progress`), { code: 'ENOSPC' });
    done += n;
  }
}

/** As writeAllSync, for a promise-based file handle. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error(`ENOSPC: wrote ${done} of ${bytes.length} bytes, then no progress`), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Makes a rename in `dir` durable where the platform allows fsync on a folder (not on Windows). */
export function syncDirectorySync(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort: the file itself is complete either way
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  let h: FileHandle | null = null;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch {
    // best effort, as above
  } finally {
    await h?.close().catch(() => undefined);
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let tmp: string | null = null;
  let fd: number | null = null;
  try {
    fs.mkdirSync(dir, { recursive: true });
    tmp = tempName(file);
    fd = fs.openSync(tmp, 'wx');
    writeAllSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
    tmp = null;
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    if (tmp !== null) fs.rmSync(tmp, { force: true });
    throw wrap(file, err);
  }
  syncDirectorySync(dir);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Writes a file atomically from chunks produced one at a time (to bound memory): `produce`
 * returns the next chunk, or null when done. Same guarantees as writeFileAtomic.
 */
export async function writeChunksAtomic(file: string, produce: () => Uint8Array | null): Promise<void> {
  const dir = path.dirname(file);
  const tmp = tempName(file);
  let handle: FileHandle | null = null;
  let created = false;
  try {
    handle = await fsp.open(tmp, 'wx');
    created = true;
    for (let chunk = produce(); chunk !== null; chunk = produce()) {
      if (chunk.length > 0) await writeAll(handle, chunk);
    }
    await handle.sync();
    await handle.close();
    handle = null;
    await fsp.rename(tmp, file);
    created = false;
  } catch (err) {
    if (handle !== null) await handle.close().catch(() => undefined);
    if (created) await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw wrap(file, err);
  }
  await syncDirectory(dir);
}

/**
 * Removes the temporary files of atomic writes that a killed process left in `dir` (not those of
 * a process still alive on this machine). Returns the names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!TEMP_FILE_PATTERN.test(name)) continue;
    const pid = Number(/\.tmp-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    try {
      const file = path.join(dir, name);
      if (!fs.lstatSync(file).isFile()) continue;
      fs.rmSync(file, { force: true });
      removed.push(name);
    } catch {
      // gone already
    }
  }
  return removed;
}

/**
 * Whether a process with this id runs on this machine (EPERM: it does, as another user). A zombie
 * (dead, not yet reaped — common in containers whose first process reaps nothing) is not alive.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces or parentheses, the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): the signal test is all there is
  }
}
