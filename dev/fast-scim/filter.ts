/**
 * The SCIM filters a provisioning client sends for lookups: `attr eq "value"`, joined by `or`
 * (or `and`), attribute names case-insensitive, values compared case-insensitively for the
 * caseExact=false attributes that matter here (userName, displayName) and exactly otherwise.
 * Anything else is a 400 invalidFilter, as a strict app would answer.
 */

export interface EqualityTerm {
  /** Lower-cased attribute path, e.g. "username", "emails.value", "externalid". */
  readonly attribute: string;
  readonly value: string | boolean | number | null;
}

/** A disjunction of conjunctions: [[a and b], [c]] is (a and b) or c. */
export type Filter = readonly (readonly EqualityTerm[])[];

export class FilterError extends Error {}

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(\()|(\))|([^\s()"]+))/y;

export function parseFilter(text: string): Filter {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match || match[0].trim() === '') {
      if (text.slice(start).trim() === '') break;
      throw new FilterError(`cannot parse filter at "${text.slice(start)}"`);
    }
    tokens.push((match[1] ?? match[2] ?? match[3] ?? match[4]) as string);
  }
  if (tokens.includes('(') || tokens.includes(')')) throw new FilterError('grouping is not supported');
  const disjunction: EqualityTerm[][] = [[]];
  for (let i = 0; i < tokens.length; ) {
    const [attribute, operator, raw] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (attribute === undefined || operator === undefined || raw === undefined || operator.toLowerCase() !== 'eq') {
      throw new FilterError(`only "attribute eq value" comparisons are supported, got "${tokens.slice(i, i + 3).join(' ')}"`);
    }
    (disjunction[disjunction.length - 1] as EqualityTerm[]).push({ attribute: attribute.toLowerCase(), value: parseValue(raw) });
    i += 3;
    const joiner = tokens[i]?.toLowerCase();
    if (joiner === undefined) break;
    if (joiner === 'or') disjunction.push([]);
    else if (joiner !== 'and') throw new FilterError(`expected "and" or "or", got "${tokens[i]}"`);
    i += 1;
    if (i >= tokens.length) throw new FilterError(`filter ends after "${joiner}"`);
  }
  if (disjunction.some((c) => c.length === 0)) throw new FilterError('empty filter');
  return disjunction;
}

function parseValue(raw: string): EqualityTerm['value'] {
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      throw new FilterError(`bad string literal ${raw}`);
    }
  }
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw === 'null') return null;
  const number = Number(raw);
  if (Number.isFinite(number)) return number;
  throw new FilterError(`bad value ${raw}`);
}
