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

/** The $select list: mapped attributes plus the engine's, Entra UI names translated to Graph names. */
export function selectList(attributes: readonly string[]): string {
  const names = new Map<string, string>();
  for (const name of [...ALWAYS_SELECTED, ...attributes]) {
    const lower = name.toLowerCase();
    // Not user properties: IsSoftDeleted is computed, appRoleAssignments comes from the app's assignments (readAppRoleAssignments).
    if (lower === 'issoftdeleted' || lower === 'approleassignments') continue;
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

export function toSourceUser(user: GraphObject, deleted: boolean): SourceUser {
  const attributes: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(user)) {
    if (key.startsWith('@odata')) continue;
    attributes[key] = value;
  }
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
