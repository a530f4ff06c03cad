/**
 * RFC 7644 §3.5.2 PATCH on a plain JSON resource: add, replace and remove, with or without a
 * path; paths may carry an extension schema URN, a sub-attribute and a value filter
 * (`emails[type eq "work"].value`, `members[value eq "…"]`). Operation names are matched
 * case-insensitively and Entra's "True"/"False" strings are accepted for booleans, as the apps
 * Entra provisions to accept them.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: string | undefined,
    detail: string,
  ) {
    super(detail);
  }
}

export interface PatchOp {
  readonly op: string;
  readonly path?: string;
  readonly value?: Json;
}

interface ParsedPath {
  /** The extension schema the attribute lives in, or undefined for the core schema. */
  readonly schema: string | undefined;
  readonly attribute: string;
  readonly filter: { readonly attribute: string; readonly value: Json } | undefined;
  readonly subAttribute: string | undefined;
}

const CORE_SCHEMAS = ['urn:ietf:params:scim:schemas:core:2.0:user', 'urn:ietf:params:scim:schemas:core:2.0:group'];
const BOOLEAN_ATTRIBUTES = new Set(['active', 'primary']);

export function parsePath(path: string): ParsedPath {
  const bracket = path.indexOf('[');
  const head = bracket === -1 ? path : path.slice(0, bracket);
  let schema: string | undefined;
  let rest = path;
  if (head.toLowerCase().startsWith('urn:')) {
    const colon = head.lastIndexOf(':');
    schema = path.slice(0, colon);
    rest = path.slice(colon + 1);
    if (CORE_SCHEMAS.includes(schema.toLowerCase())) schema = undefined;
  }
  const match = /^([A-Za-z$][\w$-]*)(?:\[\s*([A-Za-z$][\w$.-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false|null|-?\d+(?:\.\d+)?)\s*\])?(?:\.([A-Za-z$][\w$-]*))?$/i.exec(rest);
  if (!match) throw new ScimError(400, 'invalidPath', `unsupported path "${path}"`);
  const [, attribute, filterAttribute, filterValue, subAttribute] = match;
  return {
    schema,
    attribute: attribute as string,
    filter: filterAttribute === undefined ? undefined : { attribute: filterAttribute, value: JSON.parse(filterValue as string) as Json },
    subAttribute,
  };
}

/** Applies the operations to a copy of `resource` and returns it; the original is untouched on error. */
export function applyPatch(resource: JsonObject, operations: readonly PatchOp[]): JsonObject {
  const result = structuredClone(resource);
  for (const operation of operations) {
    const op = String(operation.op).toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, 'invalidSyntax', `unknown op "${operation.op}"`);
    if (operation.path === undefined || operation.path === '') {
      if (op === 'remove') throw new ScimError(400, 'noTarget', 'remove needs a path');
      if (!isObject(operation.value)) throw new ScimError(400, 'invalidValue', `${op} without a path needs an object value`);
      for (const [key, value] of Object.entries(operation.value)) {
        if (key.toLowerCase().startsWith('urn:') && isObject(value) && !CORE_SCHEMAS.includes(key.toLowerCase())) {
          const container = ensureObject(result, key);
          for (const [sub, subValue] of Object.entries(value)) setAttribute(container, sub, subValue, op);
          addSchema(result, key);
        } else if (key.toLowerCase().startsWith('urn:')) {
          if (isObject(value)) for (const [sub, subValue] of Object.entries(value)) setAttribute(result, sub, subValue, op);
        } else {
          applyAtPath(result, parsePath(key), op, value);
        }
      }
      continue;
    }
    const path = parsePath(operation.path);
    applyAtPath(result, path, op, operation.value);
    if (path.schema !== undefined && op !== 'remove') addSchema(result, path.schema);
  }
  return result;
}

function applyAtPath(resource: JsonObject, path: ParsedPath, op: 'add' | 'replace' | 'remove', rawValue: Json | undefined): void {
  const value = rawValue === undefined ? undefined : coerce(path.subAttribute ?? path.attribute, rawValue);
  if (op !== 'remove' && value === undefined) throw new ScimError(400, 'invalidValue', `${op} needs a value`);
  const container = path.schema === undefined ? resource : op === 'remove' ? getObject(resource, path.schema) : ensureObject(resource, path.schema);
  if (!container) return;
  const key = keyOf(container, path.attribute) ?? path.attribute;

  if (path.filter) {
    const current = container[key];
    const elements = Array.isArray(current) ? current : [];
    const matches = elements.filter((e) => isObject(e) && equalsLoose(e[keyOf(e, path.filter!.attribute) ?? path.filter!.attribute], path.filter!.value));
    if (op === 'remove') {
      if (path.subAttribute === undefined) container[key] = elements.filter((e) => !matches.includes(e));
      else for (const m of matches) delete (m as JsonObject)[keyOf(m as JsonObject, path.subAttribute) ?? path.subAttribute];
      return;
    }
    if (matches.length === 0) {
      if (op === 'replace') throw new ScimError(400, 'noTarget', `no element of ${path.attribute} matches the filter`);
      const element: JsonObject = { [path.filter.attribute]: path.filter.value };
      if (path.subAttribute === undefined) Object.assign(element, isObject(value!) ? value : {});
      else element[path.subAttribute] = value!;
      container[key] = [...elements, element];
      return;
    }
    for (const match of matches as JsonObject[]) {
      if (path.subAttribute === undefined) {
        if (!isObject(value!)) throw new ScimError(400, 'invalidValue', `a filtered ${path.attribute} takes an object`);
        Object.assign(match, value);
      } else {
        match[keyOf(match, path.subAttribute) ?? path.subAttribute] = value!;
      }
    }
    return;
  }

  if (path.subAttribute !== undefined) {
    if (op === 'remove') {
      const parent = container[key];
      if (isObject(parent)) delete parent[keyOf(parent, path.subAttribute) ?? path.subAttribute];
      return;
    }
    const parent = ensureObject(container, key);
    parent[keyOf(parent, path.subAttribute) ?? path.subAttribute] = value!;
    return;
  }

  if (op === 'remove') {
    // Entra's legacy member removal: a value list under a plain "members" path.
    if (Array.isArray(container[key]) && Array.isArray(value)) {
      const drop = new Set(value.map((v) => (isObject(v) ? String(v['value']) : String(v))));
      container[key] = (container[key] as Json[]).filter((e) => !(isObject(e) && drop.has(String(e['value']))));
    } else {
      delete container[key];
    }
    return;
  }
  setAttribute(container, key, value!, op);
}

function setAttribute(container: JsonObject, name: string, rawValue: Json, op: 'add' | 'replace'): void {
  const key = keyOf(container, name) ?? name;
  const value = coerce(name, rawValue);
  const current = container[key];
  if (op === 'add' && Array.isArray(current)) {
    const incoming = Array.isArray(value) ? value : [value];
    // Multi-valued add merges; an element already there (same value) is not doubled (RFC 7644 §3.5.2.1).
    const seen = new Set(current.map((e) => JSON.stringify(isObject(e) && 'value' in e ? e['value'] : e)));
    container[key] = [...current, ...incoming.filter((e) => !seen.has(JSON.stringify(isObject(e) && 'value' in e ? e['value'] : e)))];
    return;
  }
  if (op === 'add' && isObject(current) && isObject(value)) {
    Object.assign(current, value);
    return;
  }
  container[key] = value;
}

function coerce(attribute: string, value: Json): Json {
  if (BOOLEAN_ATTRIBUTES.has(attribute.toLowerCase()) && typeof value === 'string') {
    if (value.toLowerCase() === 'true') return true;
    if (value.toLowerCase() === 'false') return false;
  }
  return value;
}

function equalsLoose(a: Json | undefined, b: Json): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

/** The existing key that matches `name` case-insensitively (SCIM attribute names are). */
export function keyOf(object: JsonObject, name: string): string | undefined {
  if (name in object) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getObject(container: JsonObject, name: string): JsonObject | undefined {
  const value = container[keyOf(container, name) ?? name];
  return isObject(value) ? value : undefined;
}

function ensureObject(container: JsonObject, name: string): JsonObject {
  const key = keyOf(container, name) ?? name;
  const value = container[key];
  if (isObject(value)) return value;
  const created: JsonObject = {};
  container[key] = created;
  return created;
}

function addSchema(resource: JsonObject, schema: string): void {
  const schemas = Array.isArray(resource['schemas']) ? resource['schemas'] : [];
  if (!schemas.some((s) => typeof s === 'string' && s.toLowerCase() === schema.toLowerCase())) resource['schemas'] = [...schemas, schema];
}
