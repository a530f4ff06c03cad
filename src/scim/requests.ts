/**
 * Request bodies in the shapes Entra's provisioning service sends, because that is what SCIM
 * apps were tested against. Two dialects:
 *  - `scim` (Entra with aadOptscim062020): lowercase ops, JSON booleans;
 *  - `entra-legacy` (Entra's default): capitalised ops, "Add" for a first value, booleans as "True"/"False".
 */
import { isCarriedByCustomJson, type MappedObject, type MappingSet } from '../mapping/map.js';
import { newElement, parseTargetPath, writePath, type ScimObject, type ScimValue, type TargetPath } from '../mapping/paths.js';
import { setMinus } from '../mapping/roles.js';
import type { AttributeChange } from '../engine/diff.js';

export type Compat = 'scim' | 'entra-legacy';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface PatchOperation {
  readonly op: string;
  readonly path: string;
  /** Absent for a removal addressed by a value filter. */
  readonly value?: ScimValue;
}

export interface PatchRequest {
  readonly schemas: readonly string[];
  readonly Operations: readonly PatchOperation[];
}

/** POST /Users body: every mapped attribute written at its path, extension URNs listed in `schemas`. */
export function buildCreateUser(mapped: MappedObject, set: MappingSet): ScimObject {
  const resource: ScimObject = { schemas: [USER_SCHEMA] };
  const carried = carriedByCustomJson(set);
  for (const [path, value] of Object.entries(mapped.attributes)) {
    // Custom attributes ride in the customJson string on create; complex ones may not survive Entra-tested apps' create path.
    if (carried.has(path)) continue;
    writePath(resource, parseTargetPath(path), value);
  }
  for (const [path, value] of Object.entries(mapped.createOnly)) writePath(resource, parseTargetPath(path), value);
  return resource;
}

/** Per mapping set, computed once: a create body is built for every new user. */
const carriedPaths = new WeakMap<MappingSet, ReadonlySet<string>>();

function carriedByCustomJson(set: MappingSet): ReadonlySet<string> {
  let carried = carriedPaths.get(set);
  if (carried === undefined) {
    carried = new Set(set.mappings.filter((m) => isCarriedByCustomJson(set, m.target)).map((m) => m.target.text));
    carriedPaths.set(set, carried);
  }
  return carried;
}

/**
 * @param recorded what the target is known to hold (the snapshot), to tell a new element of a
 *   multi-valued attribute from a new sub-attribute of an element that exists.
 */
export function buildPatch(
  changes: readonly AttributeChange[],
  compat: Compat,
  recorded: Readonly<Record<string, ScimValue>> = {},
): PatchRequest {
  if (compat === 'entra-legacy') {
    return {
      schemas: [PATCH_SCHEMA],
      Operations: changes.map((c) =>
        c.valueSet
          ? setOperation(c, compat)
          : c.new === undefined
            ? { op: 'Remove', path: c.path }
            : { op: c.old === undefined ? 'Add' : 'Replace', path: c.path, value: legacyValue(c.new) },
      ),
    };
  }
  const operations: PatchOperation[] = [];
  const newElements = new Map<string, { path: string; element: Record<string, ScimValue> }>();
  for (const change of changes) {
    if (change.valueSet) {
      operations.push(setOperation(change, compat));
      continue;
    }
    if (change.new === undefined) {
      // RFC 7644 §3.5.2.2: a remove names the attribute; for a multi-valued one, the filtered path names the element's sub-attribute.
      operations.push({ op: 'remove', path: change.path });
      continue;
    }
    const target = parseTargetPath(change.path);
    if (change.old !== undefined || !target.filter || elementExists(target, recorded)) {
      operations.push({ op: 'replace', path: change.path, value: change.new });
      continue;
    }
    // RFC 7644 §3.5.2.3: a replace whose value filter matches nothing is a 400 noTarget. A new
    // element is an add to the multi-valued attribute; its sub-attributes travel together.
    const parent = target.schema ? `${target.schema}:${target.attribute}` : target.attribute;
    const key = `${parent}|${target.filter.attribute}|${target.filter.value}`;
    let entry = newElements.get(key);
    if (!entry) {
      entry = { path: parent, element: newElement(target) };
      newElements.set(key, entry);
      operations.push({ op: 'add', path: parent, value: [entry.element] });
    }
    entry.element[target.subAttribute as string] = change.new;
  }
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

/**
 * App roles, as Entra sends them: AppRoleAssignmentsComplex adds the roles the app lacks (one add
 * with a value list), the assertive one replaces the whole list, an empty one included. Entra's
 * default (legacy) PATCH leaves out each role's `type`, which its POST carries; the SCIM-compliant
 * mode sends the roles as the POST does.
 */
function setOperation(change: AttributeChange, compat: Compat): PatchOperation {
  const add = change.valueSet === 'add';
  // A set is never removed as a whole (an empty assertive set is a value: []), so `new` is always there.
  const next: ScimValue = change.new ?? [];
  const values: readonly ScimValue[] = add ? setMinus(next, change.old) : Array.isArray(next) ? (next as readonly ScimValue[]) : [next];
  const value = compat === 'entra-legacy' ? values.map(withoutType) : values;
  const op = add ? 'add' : 'replace';
  return { op: compat === 'entra-legacy' ? op[0]!.toUpperCase() + op.slice(1) : op, path: change.path, value };
}

function withoutType(value: ScimValue): ScimValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'type'));
}

function elementExists(target: TargetPath, recorded: Readonly<Record<string, ScimValue>>): boolean {
  return Object.keys(recorded).some((path) => {
    if (recorded[path] === undefined) return false;
    const other = parseTargetPath(path);
    return other.schema === target.schema && other.attribute === target.attribute && other.filter?.attribute === target.filter?.attribute && other.filter?.value === target.filter?.value;
  });
}

function legacyValue(value: ScimValue): ScimValue {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return value;
}

/** SCIM filter for a first-contact lookup; the value is quoted as a JSON string, which SCIM's grammar shares. */
export function equalityFilter(attribute: string, value: string): string {
  return `${attribute} eq ${JSON.stringify(value)}`;
}

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** POST /Groups body: created without members, as Entra does; membership follows by PATCH in batches. */
export function buildCreateGroup(mapped: MappedObject): ScimObject {
  const resource: ScimObject = { schemas: [GROUP_SCHEMA] };
  for (const [path, value] of Object.entries({ ...mapped.attributes, ...mapped.createOnly })) writePath(resource, parseTargetPath(path), value);
  return resource;
}

/**
 * Member changes in Entra's shapes: an add carries the batch as one value list; a removal is one
 * `members[value eq "…"]` op per member in SCIM-compliant mode, a value list in the legacy one.
 */
export function buildMembersPatch(change: 'add' | 'remove', targetUserIds: readonly string[], compat: Compat): PatchRequest {
  const values = targetUserIds.map((value) => ({ value }));
  if (change === 'add') {
    return { schemas: [PATCH_SCHEMA], Operations: [{ op: compat === 'entra-legacy' ? 'Add' : 'add', path: 'members', value: values }] };
  }
  if (compat === 'entra-legacy') return { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Remove', path: 'members', value: values }] };
  return {
    schemas: [PATCH_SCHEMA],
    Operations: targetUserIds.map((id) => ({ op: 'remove', path: `members[value eq ${JSON.stringify(id)}]` })),
  };
}
