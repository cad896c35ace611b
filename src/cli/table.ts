/**
 * Plain-text tables with aligned columns (numbers right-aligned). A table wider than the
 * terminal is wrapped the way `ls`-style tools do it: the columns are cut into blocks that fit,
 * each block repeating the first (key) column, separated by a blank line; a single cell wider
 * than the terminal is cut with an ellipsis. On a pipe (no width) nothing is wrapped, so
 * scripts get one line per row.
 */
export interface TableOptions {
  /** Terminal width in characters; no wrapping when undefined. */
  width?: number;
}

/** The width to wrap to: the terminal's when stdout is one, else none. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number | undefined {
  return stream.isTTY && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : undefined;
}

/** `text` cut to `width` characters (code points), the last one an ellipsis when cut. */
export function fitWidth(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
}

const len = (s: string): number => [...s].length;

/** Text broken at spaces into lines of at most `width` characters (a longer word is cut). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (len(line) + 1 + len(word) <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
    while (len(line) > width) {
      lines.push([...line].slice(0, width).join(''));
      line = [...line].slice(width).join('');
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}
const padEnd = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - len(s)));
const padStart = (s: string, w: number): string => ' '.repeat(Math.max(0, w - len(s))) + s;

export function formatTable(headers: string[], rows: (string | number)[][], options: TableOptions = {}): string {
  const raw = rows.map((r) => headers.map((_, i) => { const c = r[i]; return typeof c === 'number' ? formatNumber(c) : (c ?? ''); }));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widthsOf = (head: string[], body: string[][]): number[] => head.map((h, i) => Math.max(len(h), ...body.map((r) => len(r[i] ?? ''))));
  const cell = (r: string[], i: number, w: number): string => (numeric[i] ? padStart(r[i] ?? '', w) : padEnd(r[i] ?? '', w));
  const render = (head: string[], body: string[][], widths: number[], cols: number[]): string => {
    const line = (r: string[]): string => cols.map((i) => cell(r, i, widths[i] ?? 0)).join('  ').trimEnd();
    return [line(head), cols.map((i) => '-'.repeat(widths[i] ?? 0)).join('  '), ...body.map(line)].join('\n');
  };
  const all = headers.map((_, i) => i);
  const widths = widthsOf(headers, raw);
  const total = widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1);
  const width = options.width;
  if (width === undefined || total <= width) return render(headers, raw, widths, all);

  // A last column of text (a description, an error) wraps within its cell when the others leave it room.
  const last = headers.length - 1;
  const before = total - (widths[last] ?? 0);
  if (!numeric[last] && width - before >= 20) {
    const room = width - before;
    const rest = all.slice(0, last);
    const line = (r: string[], text: string): string => [...rest.map((i) => cell(r, i, widths[i] ?? 0)), text].join('  ').trimEnd();
    const out = [line(headers, headers[last] ?? ''), [...rest.map((i) => widths[i] ?? 0), Math.min(room, widths[last] ?? 0)].map((w) => '-'.repeat(w)).join('  ')];
    for (const r of raw) {
      const parts = wrapWords(r[last] ?? '', room);
      out.push(line(r, parts[0] ?? ''));
      for (const p of parts.slice(1)) out.push(line(rest.map(() => ''), p));
    }
    return out.join('\n');
  }

  // Otherwise blocks of columns that fit, each starting with the key column; a cell wider than
  // the room left beside the key column is cut.
  const room = Math.max(8, width - (widths[0] ?? 0) - 2);
  const head = headers.map((h, i) => (i === 0 ? fitWidth(h, width) : fitWidth(h, room)));
  const body = raw.map((r) => r.map((c, i) => (i === 0 ? fitWidth(c, width) : fitWidth(c, room))));
  const fitted = widthsOf(head, body);
  const blocks: number[][] = [];
  let block: number[] = [0];
  let used = fitted[0] ?? 0;
  for (let i = 1; i < headers.length; i++) {
    const w = (fitted[i] ?? 0) + 2;
    if (block.length > 1 && used + w > width) {
      blocks.push(block);
      block = [0];
      used = fitted[0] ?? 0;
    }
    block.push(i);
    used += w;
  }
  blocks.push(block);
  return blocks.map((cols) => render(head, body, fitted, cols)).join('\n\n');
}

export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return '–';
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return x.toFixed(a < 1 ? 4 : a < 100 ? 3 : 1);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
