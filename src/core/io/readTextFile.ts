/**
 * Reading a small text file that a user or another process may have replaced by anything: a
 * FIFO would block a plain read forever and a device such as /dev/zero never end, so the file is
 * opened without blocking, checked with fstat (a regular file of at most `maxBytes`), then read.
 */
import * as fs from 'node:fs';

/** Why a text file could not be read; the message starts with the file's path. */
export class TextFileError extends Error {}

/** Why `open` failed, in words (ENOENT as `missing`, which the caller phrases). */
function openProblem(err: unknown, missing: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return missing;
  if (code === 'ELOOP') return 'a symbolic link loop (ELOOP)';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder (ENOTDIR)';
  if (code === 'EACCES') return 'permission denied (EACCES)';
  return (err as Error).message;
}

/**
 * The UTF-8 text of `file`, `what` naming it in errors ("a spec file", "run.json"); `missing` is
 * the words for a file that is not there. Throws TextFileError with a one-line message.
 */
export function readTextFile(file: string, what: string, maxBytes: number, missing = 'no such file'): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw new TextFileError(`${file}: ${openProblem(err, missing)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new TextFileError(`${file}: is a folder, not ${what}`);
    if (!stat.isFile()) throw new TextFileError(`${file}: is not a regular file (a FIFO, socket or device?), not ${what}`);
    if (stat.size > maxBytes) throw new TextFileError(`${file}: ${stat.size} bytes is too large for ${what} (at most ${maxBytes})`);
    const bytes = Buffer.alloc(stat.size);
    let done = 0;
    while (done < bytes.length) {
      const n = fs.readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) break; // the file shrank while being read
      done += n;
    }
    return bytes.subarray(0, done).toString('utf8');
  } catch (err) {
    if (err instanceof TextFileError) throw err;
    throw new TextFileError(`${file}: cannot read ${what}: ${(err as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}
