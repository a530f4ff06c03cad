/**
 * App roles as Entra provisions them to SCIM apps. The source supplies each user's roles as the
 * `appRoleAssignments` attribute; the expression functions turn them into SCIM `roles`:
 *
 *   SingleAppRoleAssignment([appRoleAssignments])            → roles[primary eq "True"].value, one string
 *   AppRoleAssignmentsComplex([appRoleAssignments])          → roles, sent as an add: lost roles stay in the app
 *   AssertiveAppRoleAssignmentsComplex([appRoleAssignments]) → roles, sent as a replace: lost roles are removed
 *
 * The two complex ones make a set of role objects. A set is compared without regard to order (Graph
 * lists assignments in no promised order), so nothing is sent when only the order changed.
 */
import type { ScimValue } from './paths.js';

/** The source attribute that carries a user's app roles: a list of { id, value, displayName }. */
export const APP_ROLES_ATTRIBUTE = 'appRoleAssignments';

export const ROLE_TYPE = 'WindowsAzureActiveDirectoryRole';

/**
 * How a multi-valued attribute is kept in the app: `add` sends the values it lacks and never takes
 * one away; `replace` sends the whole set, so a value no longer mapped is removed.
 */
export type ValueSetMode = 'add' | 'replace';

const SET_FUNCTIONS: Readonly<Record<string, ValueSetMode>> = {
  AppRoleAssignmentsComplex: 'add',
  AssertiveAppRoleAssignmentsComplex: 'replace',
};

/** The set mode of a function that yields a set of complex values, or undefined for any other function. */
export function valueSetModeOf(functionName: string): ValueSetMode | undefined {
  return Object.hasOwn(SET_FUNCTIONS, functionName) ? SET_FUNCTIONS[functionName] : undefined;
}

export function isValueSetFunction(functionName: string): boolean {
  return valueSetModeOf(functionName) !== undefined;
}

/**
 * The role objects an expression gave. The expression language has no object values, so the
 * functions give each role as its JSON text; anything else is not a role and fails the object.
 * Sorted by value, so the same roles always make the same list.
 */
export function toRoleElements(raw: ScimValue): { ok: true; value: ScimValue[] } | { ok: false; error: string } {
  const items = raw === null ? [] : Array.isArray(raw) ? (raw as readonly ScimValue[]) : [raw];
  const roles: { [key: string]: ScimValue }[] = [];
  for (const item of items) {
    let parsed: unknown;
    try {
      parsed = typeof item === 'string' ? JSON.parse(item) : item;
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as { value?: unknown }).value !== 'string') {
      return { ok: false, error: `expected app roles from AppRoleAssignmentsComplex, got ${JSON.stringify(item)}` };
    }
    roles.push(parsed as { [key: string]: ScimValue });
  }
  roles.sort((a, b) => compareText(String(a.value), String(b.value)) || compareText(elementKey(a), elementKey(b)));
  return { ok: true, value: roles };
}

/** The identity of one value of a set: its JSON with keys sorted, so key order does not matter. */
export function elementKey(value: ScimValue | undefined): string {
  return JSON.stringify(canonical(value ?? null));
}

function canonical(value: ScimValue): ScimValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as readonly ScimValue[]).map(canonical);
  const object = value as { readonly [key: string]: ScimValue };
  return Object.fromEntries(Object.keys(object).sort().map((k) => [k, canonical(object[k] as ScimValue)]));
}

/** The values of a recorded set; a value that was never sent is the empty set. */
export function setValues(value: ScimValue | undefined): readonly ScimValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? (value as readonly ScimValue[]) : [value];
}

/** The values of `a` that `b` lacks, in `a`'s order. */
export function setMinus(a: ScimValue | undefined, b: ScimValue | undefined): ScimValue[] {
  const keys = new Set(setValues(b).map(elementKey));
  return setValues(a).filter((v) => !keys.has(elementKey(v)));
}

export function sameSet(a: ScimValue | undefined, b: ScimValue | undefined): boolean {
  const ka = new Set(setValues(a).map(elementKey));
  const kb = new Set(setValues(b).map(elementKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

/** `a` with the values of `b` it lacks appended. */
export function setUnion(a: ScimValue | undefined, b: ScimValue | undefined): ScimValue[] {
  return [...setValues(a), ...setMinus(b, a)];
}

/** What a role shows as in plan and preview: its value. */
export function roleLabel(value: ScimValue): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const role = (value as { readonly [key: string]: ScimValue }).value;
    if (typeof role === 'string') return JSON.stringify(role);
  }
  return JSON.stringify(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether mappings that read these source attributes need the users' app roles. */
export function readsAppRoles(sourceAttributes: readonly string[]): boolean {
  return sourceAttributes.some((name) => name.toLowerCase() === APP_ROLES_ATTRIBUTE.toLowerCase());
}
