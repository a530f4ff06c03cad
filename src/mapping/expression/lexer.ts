/** Turns expression text into tokens. Columns are 1-based character positions in the whole text. */
import type { ComparisonOperator } from './ast.js';
import { ExpressionError } from './errors.js';

export type Token =
  | { readonly kind: '(' | ')' | ',' | 'eof'; readonly column: number }
  | { readonly kind: 'string'; readonly value: string; readonly column: number }
  | { readonly kind: 'number'; readonly value: number; readonly column: number }
  | { readonly kind: 'attribute'; readonly name: string; readonly column: number }
  | { readonly kind: 'identifier'; readonly name: string; readonly column: number }
  | { readonly kind: 'operator'; readonly operator: ComparisonOperator; readonly column: number };

const ATTRIBUTE_NAME = /^[\p{L}\p{N}_\-.:$@#/]+$/u;
const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const HEX_DIGITS = /^[0-9A-Fa-f]+/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (reason: string, at: number): never => {
    throw new ExpressionError(reason, at + 1, text);
  };

  while (i < text.length) {
    const ch = text[i] as string;
    const column = i + 1;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, column });
      i++;
    } else if (ch === '"') {
      const { value, end } = readString(text, i, fail);
      tokens.push({ kind: 'string', value, column });
      i = end;
    } else if (ch === '[') {
      const close = text.indexOf(']', i + 1);
      const newline = text.indexOf('\n', i + 1);
      if (close < 0 || (newline >= 0 && newline < close)) fail('Unterminated attribute reference: missing "]"', i);
      const name = text.slice(i + 1, close).trim();
      if (name === '') fail('Empty attribute reference "[]"', i);
      if (!ATTRIBUTE_NAME.test(name)) {
        fail(`Invalid attribute name "${name}": use letters, digits and _ - . : $ @ # /`, i);
      }
      tokens.push({ kind: 'attribute', name, column });
      i = close + 1;
    } else if (DIGIT.test(ch) || (ch === '-' && DIGIT.test(text[i + 1] ?? ''))) {
      let end = i + 1;
      while (end < text.length && DIGIT.test(text[end] as string)) end++;
      if (text[end] === '.' && DIGIT.test(text[end + 1] ?? '')) {
        end++;
        while (end < text.length && DIGIT.test(text[end] as string)) end++;
      }
      tokens.push({ kind: 'number', value: Number(text.slice(i, end)), column });
      i = end;
    } else if (ch === '&' && (text[i + 1] === 'H' || text[i + 1] === 'h')) {
      // VB hex literal, as in BitAnd(&HF, &HF7).
      const digits = HEX_DIGITS.exec(text.slice(i + 2))?.[0];
      if (digits === undefined) fail('Expected hexadecimal digits after "&H"', i);
      tokens.push({ kind: 'number', value: Number.parseInt(digits as string, 16), column });
      i += 2 + (digits as string).length;
    } else if (IDENTIFIER_START.test(ch)) {
      let end = i + 1;
      while (end < text.length && IDENTIFIER_PART.test(text[end] as string)) end++;
      tokens.push({ kind: 'identifier', name: text.slice(i, end), column });
      i = end;
    } else if (ch === '=' || ch === '<' || ch === '>') {
      const two = text.slice(i, i + 2);
      if (two === '<>' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'operator', operator: two, column });
        i += 2;
      } else {
        tokens.push({ kind: 'operator', operator: ch, column });
        i++;
      }
    } else if (ch === '!' && text[i + 1] === '=') {
      fail('Unknown operator "!=": use "<>" for "not equal"', i);
    } else if (ch === '“' || ch === '”') {
      // Copy-pasting from documents turns quotes curly; say so instead of "unexpected character".
      fail(`Unexpected character "${ch}": string literals use straight double quotes (")`, i);
    } else {
      fail(`Unexpected character "${ch}"`, i);
    }
  }
  tokens.push({ kind: 'eof', column: text.length + 1 });
  return tokens;
}

function readString(text: string, start: number, fail: (reason: string, at: number) => never): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') return { value, end: i + 1 };
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === '"' || next === '\\') {
        value += next;
        i += 2;
        continue;
      }
      // Any other backslash stays as written, so a regex like "\d" written with one backslash still works.
      value += ch;
      i++;
      continue;
    }
    value += ch;
    i++;
  }
  return fail('Unterminated string literal: missing closing "', start);
}
