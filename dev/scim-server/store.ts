import { randomUUID } from 'node:crypto';

/** A stored SCIM resource: scimmy's inbound representation plus the server-owned id and meta. */
export type ScimResource = Record<string, unknown> & {
  id: string;
  meta: { resourceType: string; created: string; lastModified: string; version: string };
};

export type ResourceKind = 'User' | 'Group';

export class StoreError extends Error {
  constructor(
    readonly status: 404 | 409 | 400,
    readonly scimType: string | null,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One SCIM server's data. scimmy's resource handlers are process-wide, so
 * each server hands its own store to them as the request context.
 */
export class ScimStore {
  readonly users = new Map<string, ScimResource>();
  readonly groups = new Map<string, ScimResource>();
  /** Ids from a counter ("1001", "1002", …), as apps backed by an integer key hand them out. */
  numericIds = false;
  /** Off: an app that lets two users share a userName, so a create retried blindly makes a duplicate. */
  uniqueUserNames = true;
  private nextNumericId = 1001;

  private collection(kind: ResourceKind): Map<string, ScimResource> {
    return kind === 'User' ? this.users : this.groups;
  }

  get(kind: ResourceKind, id: string): ScimResource | undefined {
    return this.collection(kind).get(id);
  }

  list(kind: ResourceKind): ScimResource[] {
    return [...this.collection(kind).values()];
  }

  /** Creates (id undefined) or replaces a resource; `data` is the validated inbound body. */
  save(kind: ResourceKind, id: string | undefined, data: Record<string, unknown>): ScimResource {
    const collection = this.collection(kind);
    const existing = id === undefined ? undefined : collection.get(id);
    if (id !== undefined && !existing) throw new StoreError(404, null, `Resource ${id} not found`);
    const resourceId = id ?? (this.numericIds ? String(this.nextNumericId++) : randomUUID());
    if (kind === 'User') this.assertUniqueUserName(data, resourceId);
    if (kind === 'Group') this.assertMembersExist(data);

    const now = new Date().toISOString();
    const { id: _ignoredId, meta: _ignoredMeta, ...body } = data;
    const version = existing ? Number(/\d+/.exec(existing.meta.version)?.[0] ?? '0') + 1 : 1;
    const resource: ScimResource = {
      ...body,
      id: resourceId,
      meta: { resourceType: kind, created: existing?.meta.created ?? now, lastModified: now, version: `W/"${version}"` },
    };
    collection.set(resourceId, resource);
    return resource;
  }

  /** Deletes a resource; a deleted user also leaves every group, as apps do. */
  remove(kind: ResourceKind, id: string): boolean {
    const removed = this.collection(kind).delete(id);
    if (removed) this.dropMember(id);
    return removed;
  }

  /** Takes a user out of every group (what apps that remove a deactivated user from its groups do). */
  dropMember(memberId: string): void {
    for (const group of this.groups.values()) {
      const members = group['members'];
      if (!Array.isArray(members)) continue;
      const kept = members.filter((m: unknown) => !(isObject(m) && m['value'] === memberId));
      if (kept.length !== members.length) group['members'] = kept;
    }
  }

  /** RFC 7643 declares userName caseExact=false, so "Bob" and "bob" collide. */
  private assertUniqueUserName(data: Record<string, unknown>, id: string): void {
    if (!this.uniqueUserNames) return;
    const userName = data['userName'];
    if (typeof userName !== 'string') return;
    const wanted = userName.toLowerCase();
    for (const user of this.users.values()) {
      const other = user['userName'];
      if (user.id !== id && typeof other === 'string' && other.toLowerCase() === wanted) {
        throw new StoreError(409, 'uniqueness', `userName '${userName}' is already in use`);
      }
    }
  }

  private assertMembersExist(data: Record<string, unknown>): void {
    const members = data['members'];
    if (!Array.isArray(members)) return;
    for (const member of members) {
      const value = isObject(member) ? member['value'] : undefined;
      if (typeof value !== 'string' || (!this.users.has(value) && !this.groups.has(value))) {
        throw new StoreError(400, 'invalidValue', `Group member '${String(value)}' does not exist`);
      }
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
