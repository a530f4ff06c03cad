/**
 * First contact with the target, shared by users and groups: find an object that already exists
 * by the job's match rules, in order, rather than create a duplicate — and never guess between two.
 */
import { parseTargetPath, readPath, type ScimObject, type ScimValue } from '../mapping/paths.js';
import type { ScimClient } from '../scim/client.js';
import { equalityFilter } from '../scim/requests.js';
import { diffAttributes, type AttributeChange } from './diff.js';
import type { MatchQuery } from './plan.js';

export async function findByMatchRules(
  client: ScimClient,
  resourceType: 'Users' | 'Groups',
  match: readonly MatchQuery[],
  label: string,
): Promise<ScimObject | undefined> {
  for (const query of match) {
    const hits = await client.search(resourceType, equalityFilter(query.attribute, query.value));
    if (hits.length > 1) {
      const noun = resourceType === 'Users' ? 'users' : 'groups';
      throw new Error(`${hits.length} ${noun} in the target match ${query.attribute} eq "${query.value}"; refusing to guess which one is ${label}`);
    }
    if (hits.length === 1) return hits[0];
  }
  return undefined;
}

/** What adopting an existing object takes: the attributes where what it holds differs from what we map. */
export function changesAgainstHeld(existing: ScimObject, desired: Readonly<Record<string, ScimValue>>): { changes: AttributeChange[]; held: Record<string, ScimValue> } {
  const held: Record<string, ScimValue> = {};
  for (const path of Object.keys(desired)) {
    const value = readPath(existing, parseTargetPath(path));
    if (value !== undefined) held[path] = value;
  }
  return { changes: diffAttributes(desired, held), held };
}

/** The SCIM id of a resource the target returned; some apps use numbers. */
export function idOf(resource: unknown): string | undefined {
  const id = (resource as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
}
