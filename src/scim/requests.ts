/**
 * Request bodies in the shapes Entra's provisioning service sends, because that is what SCIM
 * apps were tested against. Two dialects:
 *  - `scim` (Entra with aadOptscim062020): lowercase ops, JSON booleans;
 *  - `entra-legacy` (Entra's default): capitalised ops, "Add" for a first value, booleans as "True"/"False".
 */
import { isCarriedByCustomJson, type MappedObject, type MappingSet } from '../mapping/map.js';
import { parseTargetPath, writePath, type ScimObject, type ScimValue } from '../mapping/paths.js';
import type { AttributeChange } from '../engine/diff.js';

export type Compat = 'scim' | 'entra-legacy';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface PatchOperation {
  readonly op: string;
  readonly path: string;
  readonly value: ScimValue;
}

export interface PatchRequest {
  readonly schemas: readonly string[];
  readonly Operations: readonly PatchOperation[];
}

/** POST /Users body: every mapped attribute written at its path, extension URNs listed in `schemas`. */
export function buildCreateUser(mapped: MappedObject, set: MappingSet): ScimObject {
  const resource: ScimObject = { schemas: [USER_SCHEMA] };
  const carried = new Set(set.mappings.filter((m) => isCarriedByCustomJson(set, m.target)).map((m) => m.target.text));
  for (const [path, value] of Object.entries(mapped.attributes)) {
    // Custom attributes ride in the customJson string on create; complex ones may not survive Entra-tested apps' create path.
    if (carried.has(path)) continue;
    writePath(resource, parseTargetPath(path), value);
  }
  for (const [path, value] of Object.entries(mapped.createOnly)) writePath(resource, parseTargetPath(path), value);
  return resource;
}

export function buildPatch(changes: readonly AttributeChange[], compat: Compat): PatchRequest {
  return {
    schemas: [PATCH_SCHEMA],
    Operations: changes.map((change) =>
      compat === 'entra-legacy'
        ? { op: change.old === undefined ? 'Add' : 'Replace', path: change.path, value: legacyValue(change.new) }
        : { op: 'replace', path: change.path, value: change.new },
    ),
  };
}

function legacyValue(value: ScimValue): ScimValue {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return value;
}

/** SCIM filter for a first-contact lookup; the value is quoted as a JSON string, which SCIM's grammar shares. */
export function equalityFilter(attribute: string, value: string): string {
  return `${attribute} eq ${JSON.stringify(value)}`;
}
