/**
 * How reconcile decides whether the app still holds what provisiond wants it to: values compared
 * the way SCIM defines them (RFC 7643), not byte for byte. Pure.
 *
 * - Strings compare case-insensitively unless the attribute is `caseExact` (RFC 7643 §2.4 makes
 *   `caseExact: false` the default; `id`, `externalId`, `$ref` are case-exact). An app that stores
 *   `Ada@Example.com` for `ada@example.com` holds the same userName, as its own filters say.
 * - Multi-valued attributes are sets: order and repeats do not matter.
 * - Complex values compare sub-attribute by sub-attribute; attribute names are case-insensitive.
 * - A boolean or number the app answers as a string ("True", "42") is the same value: apps
 *   tested against Entra's legacy shapes store what Entra sent.
 */
import { parseTargetPath, readPath, type ScimObject, type ScimValue, type TargetPath } from '../../mapping/paths.js';
import type { ValueSetMode } from '../../mapping/roles.js';

/** Leaf attribute names RFC 7643 defines with caseExact: true. */
const CASE_EXACT = new Set(['id', 'externalid', '$ref']);

/** Attributes an app never returns (RFC 7643 `returned: never`): comparing them would report drift forever. */
const NEVER_RETURNED = new Set(['password']);

interface PathFacts {
  readonly parsed?: TargetPath;
  readonly caseExact: boolean;
  readonly comparable: boolean;
}

/**
 * A job has a dozen mapped paths and reconcile compares them for every account: each is parsed
 * once, not 100,000 times. Bounded, in case paths come from somewhere less tame.
 */
const FACTS = new Map<string, PathFacts>();
const MAX_FACTS = 1_000;

function factsOf(path: string): PathFacts {
  let facts = FACTS.get(path);
  if (facts) return facts;
  try {
    const parsed = parseTargetPath(path);
    facts = { parsed, caseExact: CASE_EXACT.has((parsed.subAttribute ?? parsed.attribute).toLowerCase()), comparable: !NEVER_RETURNED.has(parsed.attribute.toLowerCase()) };
  } catch {
    facts = { caseExact: CASE_EXACT.has(path.toLowerCase()), comparable: false };
  }
  if (FACTS.size >= MAX_FACTS) FACTS.clear();
  FACTS.set(path, facts);
  return facts;
}

export function isCaseExact(path: string): boolean {
  return factsOf(path).caseExact;
}

/** Whether reconcile can compare this attribute at all (a password, which apps never return, cannot). */
export function isComparable(path: string): boolean {
  return factsOf(path).comparable;
}

/** Whether the app's value is the desired one, as SCIM compares them. */
export function scimEqual(app: ScimValue | undefined, desired: ScimValue | undefined, caseExact: boolean): boolean {
  if (isAbsent(app) || isAbsent(desired)) return isAbsent(app) && isAbsent(desired);
  if (Array.isArray(app) || Array.isArray(desired)) return sameSet(asArray(app), asArray(desired), caseExact);
  if (isObject(app) || isObject(desired)) {
    if (!isObject(app) || !isObject(desired)) return false;
    return sameComplex(app as ScimObject, desired as ScimObject, caseExact);
  }
  return sameScalar(app as string | number | boolean, desired as string | number | boolean, caseExact);
}

function isAbsent(value: ScimValue | undefined): value is null | undefined {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

function isObject(value: ScimValue | undefined): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A single value where a list is expected is a list of one (an app that flattens a one-element list). */
function asArray(value: ScimValue): readonly ScimValue[] {
  return Array.isArray(value) ? (value as readonly ScimValue[]) : [value];
}

function sameSet(a: readonly ScimValue[], b: readonly ScimValue[], caseExact: boolean): boolean {
  const contains = (list: readonly ScimValue[], value: ScimValue) => list.some((other) => scimEqual(other, value, caseExact));
  return a.every((v) => contains(b, v)) && b.every((v) => contains(a, v));
}

function sameComplex(a: ScimObject, b: ScimObject, caseExact: boolean): boolean {
  const keys = new Map<string, { a?: ScimValue; b?: ScimValue }>();
  for (const [key, value] of Object.entries(a)) keys.set(key.toLowerCase(), { a: value });
  for (const [key, value] of Object.entries(b)) keys.set(key.toLowerCase(), { ...keys.get(key.toLowerCase()), b: value });
  for (const [key, { a: left, b: right }] of keys) {
    if (!scimEqual(left, right, caseExact || CASE_EXACT.has(key))) return false;
  }
  return true;
}

function sameScalar(a: string | number | boolean, b: string | number | boolean, caseExact: boolean): boolean {
  if (typeof a === typeof b) {
    if (typeof a === 'string') return caseExact ? a === b : a.toLowerCase() === (b as string).toLowerCase();
    return a === b;
  }
  // Mixed types: a boolean or number against its string spelling; a boolean is never a number.
  if (typeof a !== 'string' && typeof b !== 'string') return false;
  const text = typeof a === 'string' ? a : (b as string);
  const other = typeof a === 'string' ? b : a;
  if (typeof other === 'boolean') return text.trim().toLowerCase() === String(other);
  if (typeof other === 'number') return text.trim() !== '' && Number(text) === other;
  return false;
}

export interface AttributeDrift {
  /** The target path, as the mapping writes it. */
  readonly path: string;
  /** What the app holds; null when it holds nothing there. */
  readonly app: ScimValue | null;
  readonly desired: ScimValue;
}

/**
 * The attributes where `account` (as the app returned it) differs from `desired` (path text →
 * value). Paths in `ignore` (lower-cased) and attributes an app never returns are not compared.
 * A set kept by `add` (AppRoleAssignmentsComplex) is in sync when the app holds every desired
 * value: the cycle never takes a value away, so the app's others are not drift.
 */
export function driftOf(
  account: ScimObject,
  desired: Readonly<Record<string, ScimValue>>,
  ignore: ReadonlySet<string>,
  valueSets: Readonly<Record<string, ValueSetMode>> = {},
): AttributeDrift[] {
  const drift: AttributeDrift[] = [];
  for (const [path, value] of Object.entries(desired)) {
    const facts = factsOf(path);
    if (!facts.comparable || !facts.parsed || ignore.has(path.toLowerCase())) continue;
    const held = readPath(account, facts.parsed);
    const same = Object.hasOwn(valueSets, path) && valueSets[path] === 'add' ? holdsAll(held, value, facts.caseExact) : scimEqual(held, value, facts.caseExact);
    if (!same) drift.push({ path, app: held ?? null, desired: value });
  }
  return drift;
}

function holdsAll(held: ScimValue | undefined, desired: ScimValue, caseExact: boolean): boolean {
  if (isAbsent(desired)) return true;
  const have = isAbsent(held) ? [] : asArray(held);
  return asArray(desired).every((value) => have.some((other) => scimEqual(other, value, caseExact)));
}

/** Ignore entries as compared: the normalised path text, lower-cased (SCIM attribute names are case-insensitive). */
export function ignoreSet(paths: readonly string[]): Set<string> {
  return new Set(
    paths.map((path) => {
      try {
        return parseTargetPath(path).text.toLowerCase();
      } catch {
        return path.trim().toLowerCase();
      }
    }),
  );
}
