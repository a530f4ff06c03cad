/**
 * .NET custom date and time format strings (invariant culture), both directions: rendering a UTC
 * instant and parsing exactly like DateTime.ParseExact. Formats are tokenized once at compile time.
 */
import { fractionToMs, parseOffsetMinutes, utcFromParts } from './datetime-parse.js';

export type FormatToken =
  | { readonly type: 'literal'; readonly text: string }
  | { readonly type: 'field'; readonly letter: FieldLetter; readonly count: number };

type FieldLetter = 'd' | 'f' | 'F' | 'g' | 'h' | 'H' | 'K' | 'm' | 'M' | 's' | 't' | 'y' | 'z';

const FIELD_LETTERS = new Set<string>(['d', 'f', 'F', 'g', 'h', 'H', 'K', 'm', 'M', 's', 't', 'y', 'z']);
const MAX_COUNT: Partial<Record<FieldLetter, number>> = { f: 7, F: 7, h: 2, H: 2, m: 2, s: 2, t: 2, z: 3, K: 1, M: 4, d: 4 };

/** A one-character format is a .NET standard format; these are their invariant-culture patterns. */
const STANDARD_FORMATS: Readonly<Record<string, string>> = {
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  m: 'MMMM dd',
  M: 'MMMM dd',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'HH:mm',
  T: 'HH:mm:ss',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  U: 'dddd, dd MMMM yyyy HH:mm:ss',
  y: 'yyyy MMMM',
  Y: 'yyyy MMMM',
};

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export class DateFormatError extends Error {}

export function tokenizeDateFormat(format: string): FormatToken[] {
  if (format === '') throw new DateFormatError('Date format is empty');
  if (format.length === 1) {
    const standard = STANDARD_FORMATS[format];
    if (standard === undefined) throw new DateFormatError(`"${format}" is not a .NET standard date format; write "%${format}" for the single custom specifier`);
    return tokenizeDateFormat(standard);
  }
  const tokens: FormatToken[] = [];
  const pushLiteral = (text: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.type === 'literal') tokens[tokens.length - 1] = { type: 'literal', text: last.text + text };
    else tokens.push({ type: 'literal', text });
  };
  let i = 0;
  while (i < format.length) {
    const ch = format[i] as string;
    if (FIELD_LETTERS.has(ch)) {
      let count = 1;
      while (format[i + count] === ch) count++;
      const letter = ch as FieldLetter;
      const max = MAX_COUNT[letter];
      tokens.push({ type: 'field', letter, count: max === undefined ? count : Math.min(count, max) });
      if (max !== undefined && count > max && (letter === 'f' || letter === 'F')) {
        throw new DateFormatError(`"${ch.repeat(count)}" has more than 7 fraction digits`);
      }
      i += count;
    } else if (ch === "'" || ch === '"') {
      const end = format.indexOf(ch, i + 1);
      if (end < 0) throw new DateFormatError(`Unterminated quoted text in date format "${format}"`);
      pushLiteral(format.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '\\') {
      if (i + 1 >= format.length) throw new DateFormatError(`Date format "${format}" ends with a lone backslash`);
      pushLiteral(format[i + 1] as string);
      i += 2;
    } else if (ch === '%') {
      // "%d" marks a lone custom specifier; the % itself produces nothing.
      i++;
    } else {
      pushLiteral(ch);
      i++;
    }
  }
  return tokens;
}

export function formatDateTime(tokens: readonly FormatToken[], epochMs: number): string {
  const date = new Date(epochMs);
  let out = '';
  for (const token of tokens) {
    if (token.type === 'literal') {
      out += token.text;
      continue;
    }
    const { count } = token;
    switch (token.letter) {
      case 'd':
        out += count === 1 ? String(date.getUTCDate()) : count === 2 ? pad(date.getUTCDate(), 2) : dayName(date.getUTCDay(), count);
        break;
      case 'M':
        out += count <= 2 ? pad(date.getUTCMonth() + 1, count) : monthName(date.getUTCMonth(), count);
        break;
      case 'y': {
        const year = date.getUTCFullYear();
        out += count <= 2 ? pad(year % 100, count) : pad(year, count);
        break;
      }
      case 'h':
        out += pad(date.getUTCHours() % 12 || 12, count);
        break;
      case 'H':
        out += pad(date.getUTCHours(), count);
        break;
      case 'm':
        out += pad(date.getUTCMinutes(), count);
        break;
      case 's':
        out += pad(date.getUTCSeconds(), count);
        break;
      case 'f':
      case 'F': {
        // JavaScript dates stop at milliseconds; the 4th to 7th digits are always 0.
        let digits = pad(date.getUTCMilliseconds(), 3).padEnd(7, '0').slice(0, count);
        if (token.letter === 'F') {
          digits = digits.replace(/0+$/, '');
          // .NET drops the decimal point too when "F" prints nothing.
          if (digits === '' && out.endsWith('.')) out = out.slice(0, -1);
        }
        out += digits;
        break;
      }
      case 't': {
        const designator = date.getUTCHours() < 12 ? 'AM' : 'PM';
        out += count === 1 ? designator[0] : designator;
        break;
      }
      case 'z':
        // Instants are UTC, so the offset is always zero.
        out += count === 1 ? '+0' : count === 2 ? '+00' : '+00:00';
        break;
      case 'K':
        out += 'Z';
        break;
      case 'g':
        out += 'A.D.';
        break;
    }
  }
  return out;
}

export interface ParseOptions {
  readonly allowLeadingWhite: boolean;
  readonly allowTrailingWhite: boolean;
  readonly allowInnerWhite: boolean;
  readonly noCurrentDateDefault: boolean;
}

/** DateTime.ParseExact: epoch ms, or undefined when the text does not match the format. */
export function parseDateTimeExact(tokens: readonly FormatToken[], text: string, options: ParseOptions, nowMs: () => number): number | undefined {
  let input = text;
  if (options.allowLeadingWhite) input = input.trimStart();
  if (options.allowTrailingWhite) input = input.trimEnd();
  const cursor = new Cursor(input);
  const parts: Parts = {};

  for (const token of tokens) {
    if (token.type === 'literal') {
      if (!matchLiteral(cursor, token.text, options.allowInnerWhite)) return undefined;
    } else if (!parseField(cursor, token, parts)) {
      return undefined;
    }
  }
  if (options.allowInnerWhite) cursor.skipWhite();
  if (!cursor.atEnd()) return undefined;
  return assemble(parts, options, nowMs);
}

interface Parts {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  twelveHour?: boolean;
  pm?: boolean;
  minute?: number;
  second?: number;
  millisecond?: number;
  offsetMinutes?: number;
}

class Cursor {
  position = 0;
  constructor(readonly text: string) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  skipWhite(): void {
    while (/\s/.test(this.peek()) && !this.atEnd()) this.position++;
  }

  digits(min: number, max: number): number | undefined {
    let end = this.position;
    while (end < this.text.length && end - this.position < max && isDigit(this.text[end] as string)) end++;
    if (end - this.position < min) return undefined;
    const value = Number(this.text.slice(this.position, end));
    this.position = end;
    return value;
  }

  digitText(min: number, max: number): string | undefined {
    const start = this.position;
    return this.digits(min, max) === undefined ? undefined : this.text.slice(start, this.position);
  }

  word(candidates: readonly string[]): number | undefined {
    const rest = this.text.slice(this.position).toLowerCase();
    // Longest first, so "June" is not read as "Jun" + "e".
    let best: { index: number; length: number } | undefined;
    candidates.forEach((candidate, index) => {
      if (rest.startsWith(candidate.toLowerCase()) && (!best || candidate.length > best.length)) best = { index, length: candidate.length };
    });
    if (!best) return undefined;
    this.position += best.length;
    return best.index;
  }
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

function matchLiteral(cursor: Cursor, literal: string, allowInnerWhite: boolean): boolean {
  for (const ch of literal) {
    if (/\s/.test(ch)) {
      // A space in the format stands for any run of white space.
      if (!/\s/.test(cursor.peek()) && !allowInnerWhite) return false;
      cursor.skipWhite();
      continue;
    }
    if (allowInnerWhite) cursor.skipWhite();
    if (cursor.peek() !== ch) return false;
    cursor.position++;
  }
  return true;
}

function parseField(cursor: Cursor, token: Extract<FormatToken, { type: 'field' }>, parts: Parts): boolean {
  const { count } = token;
  // .NET: one letter reads one or two digits, n letters read exactly n digits.
  const number = (): number | undefined => (count === 1 ? cursor.digits(1, 2) : cursor.digits(count, count));
  switch (token.letter) {
    case 'y': {
      const year = count === 1 ? cursor.digits(1, 2) : cursor.digits(count, count);
      if (year === undefined) return false;
      parts.year = count <= 2 ? twoDigitYear(year) : year;
      return true;
    }
    case 'M': {
      if (count >= 3) {
        const names = count === 3 ? MONTHS.map((m) => m.slice(0, 3)) : MONTHS;
        const index = cursor.word(names);
        if (index === undefined) return false;
        parts.month = index + 1;
        return true;
      }
      parts.month = number();
      return parts.month !== undefined;
    }
    case 'd': {
      if (count >= 3) return cursor.word(count === 3 ? DAYS.map((d) => d.slice(0, 3)) : DAYS) !== undefined;
      parts.day = number();
      return parts.day !== undefined;
    }
    case 'h':
    case 'H':
      parts.hour = number();
      parts.twelveHour = token.letter === 'h';
      return parts.hour !== undefined;
    case 'm':
      parts.minute = number();
      return parts.minute !== undefined;
    case 's':
      parts.second = number();
      return parts.second !== undefined;
    case 'f':
    case 'F': {
      const digits = cursor.digitText(token.letter === 'f' ? count : 0, count);
      if (digits === undefined) return false;
      parts.millisecond = digits === '' ? 0 : fractionToMs(digits);
      return true;
    }
    case 't': {
      const index = cursor.word(count === 1 ? ['A', 'P'] : ['AM', 'PM']);
      if (index === undefined) return false;
      parts.pm = index === 1;
      return true;
    }
    case 'z':
    case 'K': {
      const match = /^(Z|[+-]\d{1,2}(?::?\d{2})?)/i.exec(cursor.text.slice(cursor.position));
      if (!match) return token.letter === 'K'; // K may be empty (an unspecified-kind date)
      const minutes = parseOffsetMinutes((match[1] as string).toUpperCase());
      if (minutes === undefined) return false;
      parts.offsetMinutes = minutes;
      cursor.position += (match[1] as string).length;
      return true;
    }
    case 'g':
      cursor.word(['A.D.', 'AD']);
      return true;
  }
}

// Invariant culture's TwoDigitYearMax is 2049: "49" is 2049, "50" is 1950.
function twoDigitYear(year: number): number {
  return year >= 100 ? year : year <= 49 ? 2000 + year : 1900 + year;
}

function assemble(parts: Parts, options: ParseOptions, nowMs: () => number): number | undefined {
  let { year, month, day } = parts;
  if (year === undefined && month === undefined && day === undefined) {
    if (options.noCurrentDateDefault) {
      year = 1;
    } else {
      const today = new Date(nowMs());
      year = today.getUTCFullYear();
      month = today.getUTCMonth() + 1;
      day = today.getUTCDate();
    }
  } else if (year === undefined) {
    year = options.noCurrentDateDefault ? 1 : new Date(nowMs()).getUTCFullYear();
  }
  let hour = parts.hour ?? 0;
  if (parts.pm !== undefined) {
    if (parts.twelveHour && (hour < 1 || hour > 12)) return undefined;
    if (hour > 12) return undefined;
    hour = (hour % 12) + (parts.pm ? 12 : 0);
  } else if (parts.twelveHour && hour > 12) {
    return undefined;
  }
  const local = utcFromParts(year, month ?? 1, day ?? 1, hour, parts.minute ?? 0, parts.second ?? 0, parts.millisecond ?? 0);
  if (local === undefined) return undefined;
  return parts.offsetMinutes === undefined ? local : local - parts.offsetMinutes * 60_000;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function monthName(monthIndex: number, count: number): string {
  const name = MONTHS[monthIndex] as string;
  return count === 3 ? name.slice(0, 3) : name;
}

function dayName(dayIndex: number, count: number): string {
  const name = DAYS[dayIndex] as string;
  return count === 3 ? name.slice(0, 3) : name;
}
