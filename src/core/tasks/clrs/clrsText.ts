/**
 * CLRS-Text (docs/science.md §7.3) as tokens. The text of an instance is CLRS-Text's:
 *
 *     insertion_sort:\nkey: [5 30 1]\npred:\n          answer  [1 5 30]
 *     minimum:\nkey: [5 30 1]\nmin:\n                  answer  2
 *     binary_search:\nkey: [1 5 30], target: 4\nreturn:\n     answer  1
 *     bfs:\ns: 0, A: [[1 1 0], [1 0 0], [0 0 0]]\npi:\n      answer  [0 0 2]
 *
 * and with insertion sort's trace: `insertion_sort:\nkey: [5 30 1], initial_trace: [5 30 1]\ntrace | pred:\n`,
 * answer `[5 30 1] | [1 5 30]` (the array after insertions j = 1 … n − 2, then the output; the state
 * after j = n − 1 is the output itself, which CLRS-Text does not repeat).
 *
 * Tokens: one per digit (numbers are multi-digit text), one per field or algorithm name, and one
 * per `[`, `]`, `,`, `:`, newline `⏎`, trace separator `‖` (` | `) and list-element separator `␣`.
 * The tokenizer drops the spaces that carry nothing: after `:` and `,`, and between the entries of
 * an adjacency-matrix row (single digits 0/1, so `[1 1 0]` is the three tokens `1 1 0` inside
 * brackets). A space between two numbers of a list is kept: it delimits multi-digit numbers.
 * `renderTokens` turns tokens back into CLRS-Text exactly.
 */
import { SPECIAL_TOKENS } from '../task';

/** Field and algorithm names, one token each. */
export const CLRS_WORDS = [
  'insertion_sort',
  'minimum',
  'binary_search',
  'bfs',
  'key',
  'target',
  's',
  'A',
  'initial_trace',
  'trace',
  'pred',
  'min',
  'return',
  'pi',
] as const;
export type ClrsWord = (typeof CLRS_WORDS)[number];

export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** Punctuation tokens as the vocabulary shows them. */
export const PUNCT = { open: '[', close: ']', comma: ',', colon: ':', newline: '⏎', space: '␣', trace: '‖' } as const;

/** The vocabulary shared by every CLRS-Text task: specials, digits, punctuation, names. */
export const CLRS_VOCAB: readonly string[] = [...SPECIAL_TOKENS, ...DIGITS, ...Object.values(PUNCT), ...CLRS_WORDS];

const ID = new Map<string, number>(CLRS_VOCAB.map((t, i) => [t, i]));
/** Token id of a vocabulary entry. */
export function tokenId(text: string): number {
  const id = ID.get(text);
  if (id === undefined) throw new Error(`CLRS-Text: no token "${text}"`);
  return id;
}

export const DIGIT0 = tokenId('0');
export const OPEN = tokenId(PUNCT.open);
export const CLOSE = tokenId(PUNCT.close);
export const COMMA = tokenId(PUNCT.comma);
export const COLON = tokenId(PUNCT.colon);
export const NEWLINE = tokenId(PUNCT.newline);
export const SPACE = tokenId(PUNCT.space);
export const TRACE_SEP = tokenId(PUNCT.trace);

export function isDigit(id: number): boolean {
  return id >= DIGIT0 && id < DIGIT0 + 10;
}

/** Number of decimal digits of a non-negative integer. */
export function digitCount(x: number): number {
  return String(Math.max(0, Math.floor(x))).length;
}

/** Appends tokens of CLRS-Text pieces. */
export class TokenWriter {
  readonly tokens: number[] = [];

  word(w: ClrsWord): this {
    this.tokens.push(tokenId(w));
    return this;
  }

  /** `name:` (the space after it is dropped). */
  field(w: ClrsWord): this {
    return this.word(w).punct(COLON);
  }

  punct(id: number): this {
    this.tokens.push(id);
    return this;
  }

  number(x: number): this {
    if (!(Number.isInteger(x) && x >= 0)) throw new Error(`CLRS-Text: ${x} is not a non-negative integer`);
    for (const ch of String(x)) this.tokens.push(DIGIT0 + Number(ch));
    return this;
  }

  /** `[a b c]`. */
  list(xs: readonly number[]): this {
    this.punct(OPEN);
    xs.forEach((x, i) => {
      if (i > 0) this.punct(SPACE);
      this.number(x);
    });
    return this.punct(CLOSE);
  }

  /** `[[1 1 0], [1 0 0], [0 0 0]]` of a 0/1 matrix [n·n], rows without separators. */
  matrix(bits: readonly number[], n: number): this {
    this.punct(OPEN);
    for (let i = 0; i < n; i++) {
      if (i > 0) this.punct(COMMA);
      this.punct(OPEN);
      for (let j = 0; j < n; j++) {
        const b = bits[i * n + j] as number;
        if (b !== 0 && b !== 1) throw new Error(`CLRS-Text: matrix entry ${b} is not 0 or 1`);
        this.tokens.push(DIGIT0 + b);
      }
      this.punct(CLOSE);
    }
    return this.punct(CLOSE);
  }
}

/**
 * CLRS-Text of token ids: newline and the trace separator as text, a space after `:` and `,`
 * (none before a newline), spaces between the digits of an adjacency row (bracket depth 2).
 * Special tokens show as their vocabulary text; `<pad>` is left out.
 */
export function renderTokens(ids: readonly number[]): string {
  let out = '';
  let depth = 0;
  ids.forEach((id, k) => {
    const text = CLRS_VOCAB[id] ?? `<?${id}>`;
    const next = ids[k + 1];
    if (id === 0) return; // <pad>
    if (id === OPEN) depth++;
    if (id === CLOSE) depth = Math.max(0, depth - 1);
    if (id === NEWLINE) out += '\n';
    else if (id === SPACE) out += ' ';
    else if (id === TRACE_SEP) out += ' | ';
    else if (id === COLON || id === COMMA) out += next === NEWLINE || next === undefined ? text : `${text} `;
    else out += text;
    if (depth >= 2 && isDigit(id) && next !== undefined && isDigit(next)) out += ' ';
  });
  return out;
}

/** The shape of an answer: an index (one number), a list of numbers, or a trace of lists then the output. */
export type AnswerKind = 'index' | 'list' | 'trace';

/**
 * The lenient reading of an answer: its parts (split at `,` and the trace separator), each the
 * numbers (maximal digit runs) it holds. Used for the shape and CLRS scores, which count elements
 * even in an answer that does not parse.
 */
export function readParts(ids: readonly number[]): number[][] {
  const parts: number[][] = [[]];
  let run = '';
  const flush = (): void => {
    if (run !== '') (parts[parts.length - 1] as number[]).push(Number(run));
    run = '';
  };
  for (const id of ids) {
    if (isDigit(id)) {
      run += String(id - DIGIT0);
      continue;
    }
    flush();
    if (id === COMMA || id === TRACE_SEP) parts.push([]);
  }
  flush();
  return parts;
}

/**
 * true when `ids` is a well-formed answer of its kind: index `NUM`; list `[NUM ␣ NUM … ]`; trace
 * `LIST , LIST … ‖ LIST` (the lists before ‖ may be absent). NUM is a digit run without a leading
 * zero (CLRS-Text prints integers plainly). Anything else, including a special token, fails.
 */
export function parses(ids: readonly number[], kind: AnswerKind): boolean {
  let k = 0;
  const num = (): boolean => {
    if (k >= ids.length || !isDigit(ids[k] as number)) return false;
    const first = ids[k] as number;
    k++;
    if (first === DIGIT0 && k < ids.length && isDigit(ids[k] as number)) return false; // leading zero
    while (k < ids.length && isDigit(ids[k] as number)) k++;
    return true;
  };
  const list = (): boolean => {
    if (ids[k] !== OPEN) return false;
    k++;
    if (!num()) return false;
    while (ids[k] === SPACE) {
      k++;
      if (!num()) return false;
    }
    if (ids[k] !== CLOSE) return false;
    k++;
    return true;
  };
  let ok: boolean;
  if (kind === 'index') ok = num();
  else if (kind === 'list') ok = list();
  else {
    ok = true;
    if (ids[k] === OPEN) {
      ok = list();
      while (ok && ids[k] === COMMA) {
        k++;
        ok = list();
      }
    }
    if (ok) {
      ok = ids[k] === TRACE_SEP;
      k++;
      ok = ok && list();
    }
  }
  return ok && k === ids.length;
}
