/** The comparison operators of IIF/CBool conditions. */
import type { ComparisonOperator } from './ast.js';
import { parseLenientDateTime } from './datetime-parse.js';
import { DateTimeValue, scalar, toText, type RuntimeValue } from './values.js';

const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/;

/**
 * Numbers compare numerically when either side is a number (DateDiff(...) > 5) or, for ordering, both
 * look numeric; dates compare as instants; everything else compares as case-sensitive text, with an
 * absent value taken as "". Entra fails such a check outright, so configurations that work there never
 * rely on this, and the "" reading is what their authors meant.
 */
export function compare(operator: ComparisonOperator, leftValue: RuntimeValue, rightValue: RuntimeValue): boolean {
  const left = scalar(leftValue);
  const right = scalar(rightValue);
  const order = orderOf(operator, left, right);
  switch (operator) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
  }
}

function orderOf(operator: ComparisonOperator, left: RuntimeValue, right: RuntimeValue): number {
  if (left instanceof DateTimeValue || right instanceof DateTimeValue) {
    const l = asInstant(left);
    const r = asInstant(right);
    if (l !== undefined && r !== undefined) return Math.sign(l - r);
  }
  const equalityOnly = operator === '=' || operator === '<>';
  if (typeof left === 'number' || typeof right === 'number' || !equalityOnly) {
    const l = asNumber(left);
    const r = asNumber(right);
    if (l !== undefined && r !== undefined) return Math.sign(l - r);
  }
  const l = toText(left) ?? '';
  const r = toText(right) ?? '';
  return l === r ? 0 : l < r ? -1 : 1;
}

function asNumber(value: RuntimeValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return undefined;
}

function asInstant(value: RuntimeValue): number | undefined {
  if (value instanceof DateTimeValue) return value.epochMs;
  return typeof value === 'string' ? parseLenientDateTime(value) : undefined;
}
