/**
 * Graph users and groups as the engine sees them: the $select lists built from the job's source
 * attribute names (Entra's mapping-UI names translated to Graph's), and Graph objects as plain
 * SourceUsers.
 */
import type { AttributeValue, SourceUser } from '../source.js';

export type GraphObject = Record<string, AttributeValue>;

/** Attributes the engine needs whatever the mappings say. */
const ALWAYS_SELECTED = ['id', 'accountEnabled', 'userPrincipalName'];
/** Names admins use in Entra's mapping UI that Graph spells differently. */
const ALIASES: Record<string, string> = { objectid: 'id' };
/** extensionAttribute1–15 as Entra's mapping UI names them, or under Graph's own path. */
const ON_PREMISES_EXTENSION = /^(onPremisesExtensionAttributes\.)?extensionAttribute([1-9]|1[0-5])$/i;

/** The manager is a navigation property: Graph cannot $select it, only $expand it (its id is all a reference needs). */
export const MANAGER_EXPAND = 'manager($select=id)';

/** Whether the mappings read the manager, which then comes through MANAGER_EXPAND. */
export function readsManager(attributes: readonly string[]): boolean {
  return attributes.some((name) => name.toLowerCase() === 'manager');
}

/** The $select list: mapped attributes plus the engine's, Entra UI names translated to Graph names. */
export function selectList(attributes: readonly string[]): string {
  const names = new Map<string, string>();
  for (const name of [...ALWAYS_SELECTED, ...attributes]) {
    const lower = name.toLowerCase();
    // Not user properties: IsSoftDeleted is computed, appRoleAssignments comes from the app's assignments
    // (readAppRoleAssignments), and the manager is a navigation property read through $expand.
    if (lower === 'issoftdeleted' || lower === 'approleassignments' || lower === 'manager') continue;
    const graphName = ON_PREMISES_EXTENSION.test(name) ? 'onPremisesExtensionAttributes' : (ALIASES[lower] ?? name);
    if (!names.has(graphName.toLowerCase())) names.set(graphName.toLowerCase(), graphName);
  }
  return [...names.values()].join(',');
}

export function groupSelectList(attributes: readonly string[]): string {
  const names = new Map<string, string>();
  for (const name of ['id', 'displayName', ...attributes]) {
    const graphName = ALIASES[name.toLowerCase()] ?? name;
    if (name.toLowerCase() !== 'issoftdeleted' && !names.has(graphName.toLowerCase())) names.set(graphName.toLowerCase(), graphName);
  }
  return [...names.values()].join(',');
}

/**
 * @param managerExpanded the read asked for `$expand=manager`, so a user without `manager` has
 *   none (Graph leaves an unset navigation property out). A change feed says it with `manager@delta`,
 *   only when the manager changed: without it the user's `manager` stays unknown, not empty.
 */
export function toSourceUser(user: GraphObject, deleted: boolean, managerExpanded = false): SourceUser {
  const attributes: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(user)) {
    if (key.startsWith('@odata') || key === 'manager' || key === 'manager@delta') continue;
    attributes[key] = value;
  }
  const manager = managerOf(user, managerExpanded);
  if (manager !== undefined) attributes.manager = manager;
  attributes.objectId = user.id as string;
  const extensions = user.onPremisesExtensionAttributes;
  if (extensions && typeof extensions === 'object' && !Array.isArray(extensions)) {
    // Under both names a config may use: Entra's (extensionAttribute3) and Graph's path (onPremisesExtensionAttributes.extensionAttribute3).
    for (const [name, value] of Object.entries(extensions)) {
      attributes[name] = value;
      attributes[`onPremisesExtensionAttributes.${name}`] = value;
    }
  }
  return { id: user.id as string, attributes, enabled: user.accountEnabled !== false, deleted };
}

/** The manager's object id, null for none, undefined when the answer does not say (the shapes were checked by graph-pages' schemas). */
function managerOf(user: GraphObject, expanded: boolean): string | null | undefined {
  const delta = user['manager@delta'];
  if (Array.isArray(delta)) {
    // The latest entry that is not a removal names the manager; only removals mean there is none now.
    const current = (delta as readonly { readonly [key: string]: AttributeValue }[]).filter((entry) => entry['@removed'] === undefined || entry['@removed'] === null);
    const last = current[current.length - 1];
    return typeof last?.id === 'string' ? last.id : null;
  }
  const manager = user.manager;
  if (manager !== undefined && manager !== null && typeof manager === 'object' && !Array.isArray(manager)) {
    const id = (manager as { readonly [key: string]: AttributeValue }).id;
    return typeof id === 'string' ? id : null;
  }
  return expanded ? null : undefined;
}
