import { graphError } from './http.js';

/**
 * The slice of OData that Graph's directory endpoints accept and the
 * provisioning engine uses: $select, $top, $filter (comparisons, startswith,
 * in, and/or/not) and opaque $skiptoken paging.
 */

export const MAX_PAGE_SIZE = 999;

export function parseTop(params: URLSearchParams, fallback: number): number {
  const raw = params.get('$top');
  if (raw === null) return fallback;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    // Graph's wording for directory collections.
    throw graphError(400, 'Request_BadRequest', `Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`);
  }
  return top;
}

/** $select list, or undefined when absent. Names keep the caller's spelling; projection resolves case. */
export function parseSelect(params: URLSearchParams): string[] | undefined {
  const raw = params.get('$select');
  if (raw === null) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return names.length > 0 ? names : undefined;
}

// ---- $filter -------------------------------------------------------------

export type Predicate = (props: Record<string, unknown>) => boolean;

type Literal = string | number | boolean | null;

type Token =
  | { kind: 'ident'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'literal'; value: Literal }
  | { kind: 'punct'; value: '(' | ')' | ',' };

const COMPARATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function invalidFilter(detail: string): Error {
  return graphError(400, 'BadRequest', `Invalid filter clause: ${detail}`);
}

function unsupported(): Error {
  return graphError(400, 'Request_UnsupportedQuery', 'Unsupported Query.');
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', value: ch });
      i++;
    } else if (ch === "'") {
      // OData escapes a quote inside a string literal by doubling it.
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw invalidFilter('unterminated string literal');
        const c = input[i] as string;
        if (c === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: 'string', value });
    } else {
      const match = /^[A-Za-z0-9_.\-/:@$]+/.exec(input.slice(i));
      if (!match) throw invalidFilter(`unexpected character '${ch}'`);
      const word = match[0];
      i += word.length;
      if (word === 'true' || word === 'false') tokens.push({ kind: 'literal', value: word === 'true' });
      else if (word === 'null') tokens.push({ kind: 'literal', value: null });
      else if (/^-?\d+(\.\d+)?$/.test(word)) tokens.push({ kind: 'literal', value: Number(word) });
      else tokens.push({ kind: 'ident', value: word });
    }
  }
  return tokens;
}

class FilterParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Predicate {
    const predicate = this.or();
    if (this.pos < this.tokens.length) throw invalidFilter('unexpected trailing tokens');
    return predicate;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private take(): Token {
    const token = this.tokens[this.pos];
    if (!token) throw invalidFilter('unexpected end of expression');
    this.pos++;
    return token;
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind === 'ident' && token.value.toLowerCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(value: '(' | ')' | ','): void {
    const token = this.take();
    if (token.kind !== 'punct' || token.value !== value) throw invalidFilter(`expected '${value}'`);
  }

  private or(): Predicate {
    let left = this.and();
    while (this.keyword('or')) {
      const l = left;
      const r = this.and();
      left = (p) => l(p) || r(p);
    }
    return left;
  }

  private and(): Predicate {
    let left = this.unary();
    while (this.keyword('and')) {
      const l = left;
      const r = this.unary();
      left = (p) => l(p) && r(p);
    }
    return left;
  }

  private unary(): Predicate {
    if (this.keyword('not')) {
      const inner = this.unary();
      return (p) => !inner(p);
    }
    return this.primary();
  }

  private literal(): Literal {
    const token = this.take();
    if (token.kind === 'string' || token.kind === 'literal') return token.value;
    throw invalidFilter('expected a literal');
  }

  private primary(): Predicate {
    const token = this.take();
    if (token.kind === 'punct' && token.value === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (token.kind !== 'ident') throw invalidFilter('expected a property or function');

    const fn = token.value.toLowerCase();
    if ((fn === 'startswith' || fn === 'endswith') && this.peek()?.kind === 'punct') {
      this.expect('(');
      const prop = this.take();
      if (prop.kind !== 'ident') throw invalidFilter(`${fn} expects a property`);
      this.expect(',');
      const expected = this.literal();
      this.expect(')');
      if (typeof expected !== 'string') throw invalidFilter(`${fn} expects a string`);
      const needle = expected.toLowerCase();
      return (p) => {
        const actual = readProp(p, prop.value);
        if (typeof actual !== 'string') return false;
        const hay = actual.toLowerCase();
        return fn === 'startswith' ? hay.startsWith(needle) : hay.endsWith(needle);
      };
    }
    if (token.value.includes('/any(') || token.value.includes('/all(')) throw unsupported();

    const op = this.take();
    if (op.kind !== 'ident') throw invalidFilter('expected an operator');
    const operator = op.value.toLowerCase();
    if (operator === 'in') {
      this.expect('(');
      const values: Literal[] = [this.literal()];
      while (this.peek()?.kind === 'punct' && this.peek()?.value === ',') {
        this.pos++;
        values.push(this.literal());
      }
      this.expect(')');
      return (p) => values.some((v) => compare(readProp(p, token.value), v) === 0);
    }
    if (!COMPARATORS.has(operator)) throw unsupported();
    const expected = this.literal();
    return (p) => {
      const order = compare(readProp(p, token.value), expected);
      switch (operator) {
        case 'eq':
          return order === 0;
        case 'ne':
          return order !== 0;
        case 'gt':
          return order !== undefined && order > 0;
        case 'ge':
          return order !== undefined && order >= 0;
        case 'lt':
          return order !== undefined && order < 0;
        default:
          return order !== undefined && order <= 0;
      }
    };
  }
}

/** Case-insensitive property lookup; Graph accepts any casing of property names in queries. */
export function readProp(props: Record<string, unknown>, name: string): unknown {
  if (name in props) return props[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(props)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/** 0 when equal, sign for ordering, undefined when not comparable. String comparison ignores case, like Entra. */
function compare(actual: unknown, expected: Literal): number | undefined {
  if (expected === null) return actual === null || actual === undefined ? 0 : 1;
  if (actual === null || actual === undefined) return undefined;
  if (typeof expected === 'string' && typeof actual === 'string') {
    const a = actual.toLowerCase();
    const b = expected.toLowerCase();
    return a === b ? 0 : a < b ? -1 : 1;
  }
  if (typeof expected === typeof actual) {
    return actual === expected ? 0 : (actual as number) < (expected as number) ? -1 : 1;
  }
  return undefined;
}

export function parseFilter(params: URLSearchParams): Predicate | undefined {
  const raw = params.get('$filter');
  if (raw === null || raw.trim() === '') return undefined;
  return new FilterParser(tokenize(raw)).parse();
}

// ---- paging ----------------------------------------------------------------

/** Where the next page resumes. Encoded opaquely so clients can't depend on its shape. */
export interface PageCursor {
  /** 1-based number of the page this cursor fetches. */
  page: number;
  /** Creation order of the last item already returned. */
  after: number;
  /** Extra state a route needs across pages (delta queries carry their snapshot here). */
  state?: Record<string, unknown>;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(token: string | null): PageCursor | undefined {
  if (token === null) return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageCursor>;
    if (typeof value.page === 'number' && typeof value.after === 'number') return value as PageCursor;
  } catch {
    // fall through to the error below
  }
  throw graphError(400, 'Request_BadRequest', 'Invalid skip token.');
}
