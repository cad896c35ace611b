/**
 * Finds where JSON text stops being valid. Node 20's `JSON.parse` messages do not always
 * carry a position ("Unexpected token '}', "{"a":}" is not valid JSON"), so after a failed
 * parse this small scanner walks the text by the JSON grammar (RFC 8259) and reports the
 * first offending character as a 1-based line and column, as editors show them.
 */

export interface JsonSyntaxError {
  /** 0-based character offset. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
  message: string;
}

/** The first syntax error of `text`, or null when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  return scan(text, false);
}

/**
 * The first object key that appears twice in the same object (JSON.parse silently keeps the
 * last one, so a valid-looking first value would be ignored), as an error at the second
 * occurrence; also reports nesting deeper than MAX_JSON_DEPTH. Null when there is none.
 */
export function findDuplicateKey(text: string): JsonSyntaxError | null {
  return scan(text, true);
}

/** Deepest nesting of objects and lists accepted (a spec needs 5). */
export const MAX_JSON_DEPTH = 200;

function scan(text: string, duplicates: boolean): JsonSyntaxError | null {
  const scanner = new Scanner(text, duplicates);
  try {
    scanner.skipSpace();
    scanner.value();
    scanner.skipSpace();
    if (scanner.pos < text.length) scanner.fail('expected the end of the text after the JSON value');
    return null;
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    const before = text.slice(0, err.offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return {
      offset: err.offset,
      line: before.split('\n').length,
      column: err.offset - lineStart + 1,
      message: err.message.startsWith('duplicate property') ? err.message : `${err.message}, found ${foundAt(text, err.offset)}`,
    };
  }
}

class ScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function foundAt(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the text';
  const ch = text[offset] as string;
  if (ch === '\n' || ch === '\r') return 'the end of the line';
  return JSON.stringify(ch);
}

/** Recursive descent over the JSON grammar; `pos` always points at the next unread character. */
class Scanner {
  pos = 0;

  private depth = 0;
  /** JSON path of the value being read, for duplicate-key messages. */
  private readonly path: string[] = ['$'];

  constructor(
    private readonly text: string,
    private readonly duplicates = false,
  ) {}

  fail(message: string, offset = this.pos): never {
    throw new ScanError(message, offset);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] as string)) this.pos++;
  }

  value(): void {
    const ch = this.text[this.pos];
    if ((ch === '{' || ch === '[') && ++this.depth > MAX_JSON_DEPTH) this.fail(`expected at most ${MAX_JSON_DEPTH} levels of nested objects and lists`);
    if (ch === '{') this.object();
    else if (ch === '[') this.array();
    else if (ch === '"') this.string();
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) this.number();
    else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) {
      this.fail('expected a JSON value (object, list, string, number, true, false or null)');
    }
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private object(): void {
    this.pos++; // {
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return;
    }
    const seen = new Map<string, number>();
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail('expected a property name in double quotes');
      const keyStart = this.pos;
      this.string();
      if (this.duplicates) {
        const key = JSON.parse(this.text.slice(keyStart, this.pos)) as string;
        const first = seen.get(key);
        const at = `${this.path.join('')}${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
        if (first !== undefined) {
          const before = this.text.slice(0, first);
          const line = before.split('\n').length;
          const column = first - (before.lastIndexOf('\n') + 1) + 1;
          this.fail(`duplicate property ${at} (first given at line ${line}, column ${column}; only one value may be given)`, keyStart);
        }
        seen.set(key, keyStart);
        this.path.push(at.slice(this.path.join('').length));
      }
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':' after the property name");
      this.pos++;
      this.skipSpace();
      this.value();
      if (this.duplicates) this.path.pop();
      this.skipSpace();
      const ch = this.text[this.pos];
      if (ch === '}') {
        this.pos++;
        this.depth--;
        return;
      }
      if (ch !== ',') this.fail("expected ',' or '}' after a property value");
      this.pos++;
      this.skipSpace();
      if (this.text[this.pos] === '}') this.fail('expected a property name after the comma (trailing commas are not allowed)');
    }
  }

  private array(): void {
    this.pos++; // [
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return;
    }
    for (let i = 0; ; i++) {
      if (this.duplicates) this.path.push(`[${i}]`);
      this.value();
      if (this.duplicates) this.path.pop();
      this.skipSpace();
      const ch = this.text[this.pos];
      if (ch === ']') {
        this.pos++;
        this.depth--;
        return;
      }
      if (ch !== ',') this.fail("expected ',' or ']' after a list item");
      this.pos++;
      this.skipSpace();
      if (this.text[this.pos] === ']') this.fail('expected a list item after the comma (trailing commas are not allowed)');
    }
  }

  private string(): void {
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.text.length) this.fail('expected a closing \'"\'');
      const ch = this.text[this.pos] as string;
      if (ch === '"') {
        this.pos++;
        return;
      }
      if (ch < ' ') this.fail('expected no control character (such as a line break) inside a string');
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) this.fail('expected four hex digits after \\u', this.pos + 2);
          this.pos += 6;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) this.fail('expected a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)', this.pos + 1);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) this.fail('expected a number');
    this.pos += match[0].length;
    const next = this.text[this.pos];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail('expected the end of the number (no leading zeros; digits after "." and "e")');
  }
}
