/**
 * Values as they flow between functions, and Entra's conversions between them. Booleans produced by
 * functions are the strings "True"/"False" (like Entra); real booleans only come from attributes.
 */
import type { AttributeValue } from '../../sources/source.js';
import { ExpressionEvaluationError } from './errors.js';

/** A point in time (CDate, DateAdd, Now…); shown as M/d/yyyy h:mm:ss tt in UTC when it becomes text. */
export class DateTimeValue {
  constructor(readonly epochMs: number) {}

  toString(): string {
    return formatDefaultDateTime(this.epochMs);
  }
}

export type RecordValue = { readonly [key: string]: AttributeValue };

export type RuntimeValue = string | number | boolean | null | DateTimeValue | RecordValue | readonly RuntimeValue[];

export type ExpressionValue = string | number | boolean | null | readonly ExpressionValue[];

export const TRUE = 'True';
export const FALSE = 'False';

export function booleanText(value: boolean): string {
  return value ? TRUE : FALSE;
}

export function isList(value: RuntimeValue): value is readonly RuntimeValue[] {
  return Array.isArray(value);
}

/** Where one value is needed, a multi-valued argument contributes its first value. */
export function scalar(value: RuntimeValue): Exclude<RuntimeValue, readonly RuntimeValue[]> {
  let current = value;
  while (isList(current)) current = current.length === 0 ? null : (current[0] as RuntimeValue);
  return current;
}

/** CStr-like conversion; null stays null so "no value" is never confused with "". */
export function toText(value: RuntimeValue): string | null {
  if (typeof value === 'string') return value;
  const single = scalar(value);
  if (single === null) return null;
  switch (typeof single) {
    case 'string':
      return single;
    case 'number':
      return numberText(single);
    case 'boolean':
      return booleanText(single);
    default:
      return single instanceof DateTimeValue ? formatDefaultDateTime(single.epochMs) : JSON.stringify(single);
  }
}

export function toTextOrEmpty(value: RuntimeValue): string {
  return toText(value) ?? '';
}

export function numberText(value: number): string {
  // Number#toString switches to exponent notation from 1e21; FILETIMEs stay far below that.
  return String(value);
}

/** null, "", or a multi-valued attribute with no values. */
export function isNullOrEmpty(value: RuntimeValue): boolean {
  return value === null || value === '' || (isList(value) && value.length === 0);
}

const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;
const HEX_TEXT = /^\s*&H([0-9a-f]+)\s*$/i;
const DECIMAL_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/;

/** A whole number argument (Left's numChars, Item's index…); null when the value is absent. */
export function toInteger(value: RuntimeValue, what: string): number | null {
  const single = scalar(value);
  if (single === null || single === '') return null;
  if (typeof single === 'number') return Math.trunc(single);
  if (typeof single === 'string') {
    if (INTEGER_TEXT.test(single)) return Number.parseInt(single, 10);
    const hex = HEX_TEXT.exec(single);
    if (hex) return Number.parseInt(hex[1] as string, 16);
    if (DECIMAL_TEXT.test(single)) return Math.trunc(Number(single));
  }
  throw new ExpressionEvaluationError(`${what} must be a number, got ${describeValue(single)}`);
}

/**
 * Truth of an IIF/CBool condition: "True"/"False" (any case), booleans, and numbers (non-zero is true).
 * Null and "" are false, so a condition on an absent attribute picks the false branch.
 */
export function isTrue(value: RuntimeValue, what: string): boolean {
  const single = scalar(value);
  if (single === null) return false;
  if (typeof single === 'boolean') return single;
  if (typeof single === 'number') return single !== 0;
  if (typeof single === 'string') {
    const text = single.trim();
    if (text === '') return false;
    const lower = text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (DECIMAL_TEXT.test(text)) return Number(text) !== 0;
  }
  throw new ExpressionEvaluationError(`${what} must be "True", "False" or a number, got ${describeValue(single)}`);
}

export function describeValue(value: RuntimeValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value instanceof DateTimeValue) return `date ${formatDefaultDateTime(value.epochMs)}`;
  if (isList(value)) return `${value.length} values`;
  return typeof value === 'object' ? 'an object' : String(value);
}

/** What leaves the evaluator: dates become Entra's text form, objects become JSON text. */
export function toExpressionValue(value: RuntimeValue): ExpressionValue {
  if (value === null || typeof value !== 'object') return value;
  if (isList(value)) return value.map(toExpressionValue);
  if (value instanceof DateTimeValue) return formatDefaultDateTime(value.epochMs);
  return JSON.stringify(value);
}

/** Entra's fixed text form of a DateTime: M/d/yyyy h:mm:ss tt, always UTC. */
export function formatDefaultDateTime(epochMs: number): string {
  const date = new Date(epochMs);
  const hours = date.getUTCHours();
  const year = date.getUTCFullYear();
  const yearText = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  return (
    `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${yearText} ` +
    `${hours % 12 || 12}:${twoDigits(date.getUTCMinutes())}:${twoDigits(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`
  );
}

export function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * Applies a text function to a value; a multi-valued argument is transformed value by value
 * (ToLower([proxyAddresses]) lower-cases every address). Null gives `whenNull`.
 */
export function perValue(value: RuntimeValue, transform: (text: string) => RuntimeValue, whenNull: RuntimeValue = null): RuntimeValue {
  if (typeof value === 'string') return transform(value);
  if (isList(value)) return value.map((item) => perValue(item, transform, whenNull));
  const text = toText(value);
  return text === null ? whenNull : transform(text);
}
