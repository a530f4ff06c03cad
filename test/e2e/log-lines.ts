/**
 * provisiond's stdout as a log store would read it: JSON lines, each parsed strictly. JSON.parse
 * keeps the last of two equal keys without a word, and so do log stores, so a record that says
 * "level":"error" and then "level":1 is an error to a human and level 1 to an alert. Here a
 * repeated key anywhere in a record is found, so the harnesses can fail the test that produced it.
 */

export type LogRecord = Record<string, unknown>;

export interface ParsedLine {
  readonly record: LogRecord;
  /** JSON paths of keys that occur twice in one object, e.g. `$.job`, `$.counts.read`. */
  readonly duplicates: readonly string[];
}

export class DuplicateKeyError extends Error {
  override name = 'DuplicateKeyError';
  constructor(readonly lines: readonly { readonly line: string; readonly duplicates: readonly string[] }[]) {
    super(
      `${lines.length} log line(s) repeat a key (a log store keeps only the last value):\n` +
        lines.map((l) => `  ${l.duplicates.join(', ')} in ${l.line.length > 400 ? `${l.line.slice(0, 400)}…` : l.line}`).join('\n'),
    );
  }
}

/**
 * One stdout line: undefined when it is not a JSON object (provisiond prints some plain text);
 * throws SyntaxError for a line that starts like a record but is not valid JSON.
 */
export function parseLogLine(line: string): ParsedLine | undefined {
  if (!line.startsWith('{')) return undefined;
  const parser = new StrictJsonParser(line);
  const record = parser.parseDocument();
  return { record: record as LogRecord, duplicates: parser.duplicates };
}

/** Every JSON line of a process's stdout, and the lines that repeat a key. */
export function parseLogOutput(stdout: string): { records: LogRecord[]; repeated: { line: string; duplicates: readonly string[] }[] } {
  const records: LogRecord[] = [];
  const repeated: { line: string; duplicates: readonly string[] }[] = [];
  for (const line of stdout.split('\n')) {
    let parsed: ParsedLine | undefined;
    try {
      parsed = parseLogLine(line);
    } catch {
      continue; // a line that only looks like JSON: not a log record
    }
    if (!parsed) continue;
    records.push(parsed.record);
    if (parsed.duplicates.length > 0) repeated.push({ line, duplicates: parsed.duplicates });
  }
  return { records, repeated };
}

/** A recursive-descent JSON parser (RFC 8259) that records repeated object keys instead of dropping them. */
class StrictJsonParser {
  readonly duplicates: string[] = [];
  private at = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.value('$');
    this.whitespace();
    if (this.at !== this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private value(path: string): unknown {
    this.whitespace();
    const c = this.text[this.at];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.fail('expected a value');
  }

  private object(path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.at++; // {
    this.whitespace();
    if (this.text[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.at] !== '"') this.fail('expected a key');
      const key = this.string();
      const keyPath = `${path}.${key}`;
      if (seen.has(key)) this.duplicates.push(keyPath);
      seen.add(key);
      this.whitespace();
      this.expect(':');
      // defineProperty: a "__proto__" key is data here, as in JSON.parse.
      Object.defineProperty(out, key, { value: this.value(keyPath), enumerable: true, writable: true, configurable: true });
      this.whitespace();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      this.expect('}');
      return out;
    }
  }

  private array(path: string): unknown[] {
    const out: unknown[] = [];
    this.at++; // [
    this.whitespace();
    if (this.text[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(`${path}[${out.length}]`));
      this.whitespace();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      this.expect(']');
      return out;
    }
  }

  private string(): string {
    const start = this.at;
    this.at++; // opening quote
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') break;
      if (c === '\\') {
        this.at += this.text[this.at + 1] === 'u' ? 6 : 2;
        continue;
      }
      if (c < ' ') this.fail('control character in a string');
      this.at++;
    }
    this.at++; // closing quote
    // The escapes are JSON's own; JSON.parse decodes (and validates) them.
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  private number(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.at));
    if (!match) return this.fail('malformed number');
    this.at += match[0].length;
    return Number(match[0]);
  }

  private whitespace(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  private expect(c: string): void {
    if (this.text[this.at] !== c) this.fail(`expected "${c}"`);
    this.at++;
  }

  private fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.at}`);
  }
}
