/**
 * Follows a run's metrics.jsonl while it grows: each `read()` returns only the whole lines
 * appended since the last call (a line still being written waits for its newline), or all of
 * them with `replace` when the file shrank (a resume trims it). Pure Node fs, no `vscode`.
 */
import * as fs from 'node:fs';
import type { MetricsRecord } from '../../protocol/runFolder';
import { parseMetricsText } from '../../core/experiment/runFolder';

export class MetricsTail {
  private offset = 0;

  constructor(readonly file: string) {}

  read(): { records: MetricsRecord[]; replace: boolean } {
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      const replace = this.offset > 0;
      this.offset = 0;
      return { records: [], replace };
    }
    let replace = false;
    if (size < this.offset) {
      this.offset = 0;
      replace = true;
    }
    if (size === this.offset) return { records: [], replace };
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
      const text = buf.subarray(0, n).toString('utf8');
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline < 0) return { records: [], replace };
      this.offset += Buffer.byteLength(text.slice(0, lastNewline + 1));
      return { records: parseMetricsText(text.slice(0, lastNewline + 1)), replace };
    } finally {
      fs.closeSync(fd);
    }
  }
}
