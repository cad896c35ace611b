import * as fs from 'node:fs';

/**
 * The last `maxBytes` of a file as text (the whole file when it is smaller), with whether that
 * is the whole file (else the first line may be cut by the window); null when it cannot be opened.
 */
export function readTail(file: string, maxBytes: number): { text: string; whole: boolean } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const n = Math.min(size, maxBytes);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, size - n);
    return { text: buf.toString('utf8'), whole: n === size };
  } finally {
    fs.closeSync(fd);
  }
}
