/**
 * The user members of Entra groups, nested groups flattened (transitiveMembers cast to users), read
 * for many groups at once through JSON batching. Entra's own provisioning only takes direct
 * members; flattening nested groups is what admins naming a group expect.
 */
import type { AttributeValue, RejectedObject, SourceGroup } from '../source.js';
import { readMany, type BatchContext, type BatchRead, type JsonObject } from './batch.js';

export function memberRead(groupId: string, what: string): BatchRead {
  return { key: groupId, url: `/groups/${groupId}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`, what, collection: true };
}

/**
 * The member ids in a read's pages. An item without a string id is handed to `reject` and left
 * out: a member that cannot be believed is not a member.
 */
export function memberIdsOf(pages: readonly JsonObject[], groupLabel: string, reject: (rejected: RejectedObject) => void): string[] {
  const ids: string[] = [];
  pages.forEach((page, p) => {
    (page.value as unknown[]).forEach((item, i) => {
      const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
      if (typeof id === 'string' && id !== '') ids.push(id);
      else reject({ label: `member ${i + 1} of group "${groupLabel}" (page ${p + 1})`, error: 'Graph returned a member without a string id' });
    });
  });
  return ids;
}

/** What names a group for a person. */
export function groupLabel(group: JsonObject): string {
  return typeof group.displayName === 'string' ? group.displayName : String(group.id);
}

/** The group's attributes as readGroups yields them: Graph's names plus `objectId`, no annotations. */
export function groupAttributes(group: JsonObject): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = { objectId: group.id as string };
  for (const [key, value] of Object.entries(group)) if (!key.startsWith('@odata') && !key.includes('@')) attributes[key] = value as AttributeValue;
  return attributes;
}

/**
 * The groups with their members, in the order given. A group Graph answers 404 for was deleted
 * since it was listed: it is left out, and the engine's deletion rule applies to it.
 */
export async function withMembers(ctx: BatchContext, groups: readonly JsonObject[], reject: (rejected: RejectedObject) => void): Promise<SourceGroup[]> {
  const reads = new Map<string, BatchRead>();
  for (const group of groups) {
    const id = group.id as string;
    if (!reads.has(id)) reads.set(id, memberRead(id, `reading members of group "${groupLabel(group)}"`));
  }
  const members = await readMany(ctx, [...reads.values()]);
  const read: SourceGroup[] = [];
  for (const group of groups) {
    const pages = members.get(group.id as string);
    if (pages === undefined) continue;
    read.push({ id: group.id as string, attributes: groupAttributes(group), memberIds: memberIdsOf(pages, groupLabel(group), reject) });
  }
  return read;
}

/** Groups (Graph objects) with a string id; the others go to `reject`. */
export function believableGroups(items: readonly unknown[], where: string, reject: (rejected: RejectedObject) => void): JsonObject[] {
  const groups: JsonObject[] = [];
  items.forEach((item, i) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item) && typeof (item as { id?: unknown }).id === 'string') groups.push(item as JsonObject);
    else reject({ label: `${where}, item ${i + 1}`, error: 'Graph returned a group without a string id' });
  });
  return groups;
}
