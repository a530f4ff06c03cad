/**
 * Okta's `filter` and `search` expressions (a SCIM-like syntax):
 * `status eq "ACTIVE" and (lastUpdated gt "2026-01-01T00:00:00.000Z" or profile.login sw "a")`.
 * Parsed once per request, evaluated against a getter so users and groups share it.
 */

export type Operator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co' | 'ew' | 'pr';

export type Literal = string | number | boolean | null;

export type Expression =
  | { readonly kind: 'compare'; readonly attribute: string; readonly operator: Operator; readonly value: Literal }
  | { readonly kind: 'and' | 'or'; readonly left: Expression; readonly right: Expression };

export class ExpressionError extends Error {}

const OPERATORS = new Set<Operator>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew', 'pr']);

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'paren'; text: '(' | ')' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: 'paren', text: ch });
      i++;
    } else if (ch === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionError('unterminated string');
        const c = text[i] as string;
        if (c === '\\') {
          value += text[i + 1] ?? '';
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ kind: 'string', text: value });
    } else {
      const match = /^[^\s()"]+/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

export function parseExpression(text: string): Expression {
  const tokens = tokenize(text);
  let pos = 0;
  const peekWord = (): string | undefined => {
    const t = tokens[pos];
    return t?.kind === 'word' ? t.text.toLowerCase() : undefined;
  };

  const parseOr = (): Expression => {
    let left = parseAnd();
    while (peekWord() === 'or') {
      pos++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expression => {
    let left = parseUnary();
    while (peekWord() === 'and') {
      pos++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Expression => {
    const token = tokens[pos];
    if (token?.kind === 'paren' && token.text === '(') {
      pos++;
      const inner = parseOr();
      const close = tokens[pos];
      if (close?.kind !== 'paren' || close.text !== ')') throw new ExpressionError('missing ")"');
      pos++;
      return inner;
    }
    if (token?.kind !== 'word') throw new ExpressionError('expected an attribute name');
    pos++;
    const operator = peekWord();
    if (operator === undefined || !OPERATORS.has(operator as Operator)) throw new ExpressionError(`unknown operator after ${token.text}`);
    pos++;
    if (operator === 'pr') return { kind: 'compare', attribute: token.text, operator: 'pr', value: null };
    return { kind: 'compare', attribute: token.text, operator: operator as Operator, value: parseLiteral() };
  };
  const parseLiteral = (): Literal => {
    const token = tokens[pos++];
    if (token?.kind === 'string') return token.text;
    if (token?.kind === 'word') {
      const lower = token.text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      if (lower === 'null') return null;
      if (/^-?\d+(\.\d+)?$/.test(token.text)) return Number(token.text);
    }
    throw new ExpressionError('expected a value ("text", a number, true, false or null)');
  };

  const expression = parseOr();
  if (pos !== tokens.length) throw new ExpressionError('unexpected text after the expression');
  return expression;
}

/** Every comparison of the expression, for checking which attributes and operators it uses. */
export function comparisons(expression: Expression): Extract<Expression, { kind: 'compare' }>[] {
  return expression.kind === 'compare' ? [expression] : [...comparisons(expression.left), ...comparisons(expression.right)];
}

export interface EvaluationOptions {
  /** Attributes holding timestamps: compared as instants, not as text. */
  readonly timestamps: ReadonlySet<string>;
  /** `search` compares text case-insensitively; `filter` is case-sensitive. */
  readonly caseInsensitive: boolean;
}

export function evaluate(expression: Expression, get: (attribute: string) => unknown, options: EvaluationOptions): boolean {
  switch (expression.kind) {
    case 'and':
      return evaluate(expression.left, get, options) && evaluate(expression.right, get, options);
    case 'or':
      return evaluate(expression.left, get, options) || evaluate(expression.right, get, options);
    case 'compare':
      return compare(expression, get(expression.attribute), options);
  }
}

function compare(expression: Extract<Expression, { kind: 'compare' }>, actual: unknown, options: EvaluationOptions): boolean {
  const { operator, value } = expression;
  const present = actual !== undefined && actual !== null && actual !== '';
  if (operator === 'pr') return present;
  if (!present) return operator === 'ne' ? value !== null : value === null && operator === 'eq';
  if (Array.isArray(actual)) return actual.some((item) => compare(expression, item, options));

  let left: string | number | boolean;
  let right: string | number | boolean | null = value;
  if (options.timestamps.has(expression.attribute)) {
    left = Date.parse(String(actual));
    right = typeof value === 'string' ? Date.parse(value) : value;
    if (Number.isNaN(right)) throw new ExpressionError(`${expression.attribute} needs an ISO 8601 timestamp`);
  } else if (typeof actual === 'string') {
    left = options.caseInsensitive ? actual.toLowerCase() : actual;
    right = typeof value === 'string' && options.caseInsensitive ? value.toLowerCase() : value;
  } else {
    left = actual as number | boolean;
  }

  switch (operator) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'gt':
      return right !== null && left > right;
    case 'ge':
      return right !== null && left >= right;
    case 'lt':
      return right !== null && left < right;
    case 'le':
      return right !== null && left <= right;
    case 'sw':
      return typeof left === 'string' && typeof right === 'string' && left.startsWith(right);
    case 'ew':
      return typeof left === 'string' && typeof right === 'string' && left.endsWith(right);
    case 'co':
      return typeof left === 'string' && typeof right === 'string' && left.includes(right);
  }
}
