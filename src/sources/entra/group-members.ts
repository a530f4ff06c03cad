/**
 * The user members of Entra groups, nested groups flattened (transitiveMembers cast to users), read
 * for many groups at once through JSON batching. Entra's own provisioning only takes direct
 * members; flattening nested groups is what admins naming a group expect.
 */
import type { AttributeValue, RejectedObject, SourceGroup } from '../source.js';
import type { GraphObject } from './attributes.js';
import { acceptItems, graphIdSchema } from './graph-pages.js';
import { readMany, type BatchContext, type BatchRead, type JsonObject } from './batch.js';

export function memberRead(groupId: string, what: string): BatchRead {
  return { key: groupId, url: `/groups/${groupId}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`, what, collection: true };
}

/**
 * The member ids in a read's pages. A member entry without a usable id goes to `onRejected` and is
 * left out; without anyone to report to, it fails the read (a dropped member would leave scope).
 */
export function memberIdsOf(source: string, pages: readonly JsonObject[], groupLabel: string, onRejected: ((rejected: RejectedObject) => void) | undefined): string[] {
  const ids: string[] = [];
  pages.forEach((page, p) => {
    const place = (item: number) => `members of group "${groupLabel}" page ${p + 1}, item ${item}`;
    for (const member of acceptItems(source, page.value as unknown[], graphIdSchema, place, onRejected)) ids.push(member.id);
  });
  return ids;
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
export async function withMembers(ctx: BatchContext, groups: readonly GraphObject[], onRejected: ((rejected: RejectedObject) => void) | undefined): Promise<SourceGroup[]> {
  const reads = new Map<string, BatchRead>();
  for (const group of groups) {
    const id = group.id as string;
    if (!reads.has(id)) reads.set(id, memberRead(id, `reading members of group "${id}"`));
  }
  const members = await readMany(ctx, [...reads.values()]);
  const read: SourceGroup[] = [];
  for (const group of groups) {
    const id = group.id as string;
    const pages = members.get(id);
    if (pages === undefined) continue;
    read.push({ id, attributes: groupAttributes(group), memberIds: memberIdsOf(ctx.source, pages, id, onRejected) });
  }
  return read;
}
