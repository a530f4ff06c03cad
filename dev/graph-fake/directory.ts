import { randomUUID } from 'node:crypto';

/** Properties of a directory object as Graph would return them (id always present). */
export type DirectoryProps = Record<string, unknown> & { id: string };

export type UserInput = Record<string, unknown> & { id?: string };

export interface GroupInput extends Record<string, unknown> {
  id?: string;
  displayName: string;
  /** Ids of member users or groups. Unknown ids are kept and ignored until such an object exists. */
  members?: string[];
}

export type ObjectKind = 'user' | 'group';

interface EntryBase {
  readonly id: string;
  props: DirectoryProps;
  /** Creation order: listings are stable under concurrent changes because pages resume after it. */
  readonly order: number;
  /** Directory sequence number of the last change; what a delta query compares against. */
  changeSeq: number;
}

export interface UserEntry extends EntryBase {
  readonly kind: 'user';
  /** When the manager reference last changed, and the manager it named before: a delta round reports it as `manager@delta`. */
  managerChange?: { seq: number; previous: string | undefined };
}

export interface GroupEntry extends EntryBase {
  readonly kind: 'group';
  members: string[];
}

export type DirectoryEntry = UserEntry | GroupEntry;

/** Why an object left a delta's view: soft-deleted objects come back as "changed", purged ones as "deleted". */
export type RemovalReason = 'changed' | 'deleted';

export interface Removal {
  readonly kind: ObjectKind;
  readonly id: string;
  readonly seq: number;
  readonly reason: RemovalReason;
}

export interface MembershipChange {
  readonly groupId: string;
  readonly memberId: string;
  readonly seq: number;
  readonly removed: boolean;
}

/** Entra's properties on read-only fields the fake maintains itself. */
const MANAGED_PROPS = new Set(['id', 'deletedDateTime']);

export class DirectoryError extends Error {}

/**
 * The in-memory tenant. Every mutation takes the next sequence number so
 * that listings can page by creation order and delta queries can ask "what
 * changed after N".
 */
export class Directory {
  private seqCounter = 0;
  private readonly active = new Map<string, UserEntry>();
  private readonly deleted = new Map<string, UserEntry>();
  private readonly groupEntries = new Map<string, GroupEntry>();
  private readonly removalsById = new Map<string, Removal>();
  private readonly membershipLog: MembershipChange[] = [];
  /** Lower-cased userPrincipalName → id over active and soft-deleted users: uniqueness checks and UPN lookups in O(1) at 100k users. */
  private readonly upnIndex = new Map<string, string>();
  /** activeUsers() in creation order, kept until the set of active users changes: every listing page asks for it. */
  private activeSorted: UserEntry[] | undefined;

  get seq(): number {
    return this.seqCounter;
  }

  private next(): number {
    this.seqCounter += 1;
    return this.seqCounter;
  }

  // ---- users -------------------------------------------------------------

  upsertUser(input: UserInput): string {
    const id = normaliseId(input.id);
    if (this.deleted.has(id)) throw new DirectoryError(`user ${id} is soft-deleted; restore it first`);
    const existing = this.active.get(id);
    const props: DirectoryProps = {
      accountEnabled: true,
      createdDateTime: existing?.props['createdDateTime'] ?? new Date().toISOString(),
      ...withoutManaged(input),
      id,
    };
    this.assertUniqueUpn(props, id);
    this.reindexUpn(id, existing?.props, props);
    const seq = this.next();
    if (existing) {
      noteManagerChange(existing, props, seq);
      existing.props = props;
      existing.changeSeq = seq;
    } else {
      this.active.set(id, { kind: 'user', id, props, order: seq, changeSeq: seq, ...(typeof props['manager'] === 'string' ? { managerChange: { seq, previous: undefined } } : {}) });
      this.activeSorted = undefined;
    }
    this.removalsById.delete(id);
    return id;
  }

  /** Merges `partial` into the user; a null value removes the property (as in a Graph PATCH). */
  patchUser(id: string, partial: Record<string, unknown>): void {
    const entry = this.requireActiveUser(id);
    const props: DirectoryProps = { ...entry.props };
    for (const [key, value] of Object.entries(withoutManaged(partial))) {
      if (value === null) delete props[key];
      else props[key] = value;
    }
    this.assertUniqueUpn(props, id);
    this.reindexUpn(id, entry.props, props);
    const seq = this.next();
    noteManagerChange(entry, props, seq);
    entry.props = props;
    entry.changeSeq = seq;
  }

  softDeleteUser(id: string): void {
    const entry = this.requireActiveUser(id);
    const seq = this.next();
    this.active.delete(id);
    this.activeSorted = undefined;
    entry.props = { ...entry.props, deletedDateTime: new Date().toISOString() };
    entry.changeSeq = seq;
    this.deleted.set(id, entry);
    this.removalsById.set(id, { kind: 'user', id, seq, reason: 'changed' });
  }

  restoreUser(id: string): void {
    const entry = this.deleted.get(id);
    if (!entry) throw new DirectoryError(`no soft-deleted user ${id}`);
    const { deletedDateTime: _dropped, ...props } = entry.props;
    this.assertUniqueUpn(props, id, this.active);
    this.reindexUpn(id, entry.props, props);
    this.deleted.delete(id);
    entry.props = props;
    entry.changeSeq = this.next();
    this.active.set(id, entry);
    this.activeSorted = undefined;
    this.removalsById.delete(id);
  }

  /** Purges a user, active or soft-deleted; group memberships go with it. */
  hardDeleteUser(id: string): void {
    const entry = this.active.get(id) ?? this.deleted.get(id);
    if (!this.active.delete(id) && !this.deleted.delete(id)) throw new DirectoryError(`no user ${id}`);
    this.activeSorted = undefined;
    this.reindexUpn(id, entry?.props, undefined);
    const seq = this.next();
    this.removalsById.set(id, { kind: 'user', id, seq, reason: 'deleted' });
    this.dropMember(id, seq);
  }

  activeUsers(): UserEntry[] {
    this.activeSorted ??= [...this.active.values()].sort(byOrder);
    return [...this.activeSorted];
  }

  deletedUsers(): UserEntry[] {
    return [...this.deleted.values()].sort(byOrder);
  }

  /** Active user by object id or by userPrincipalName (case-insensitive, as Entra matches UPNs). */
  findUser(key: string): UserEntry | undefined {
    const byId = this.active.get(key);
    if (byId) return byId;
    const owner = this.upnIndex.get(key.toLowerCase());
    return owner === undefined ? undefined : this.active.get(owner);
  }

  findDeletedUser(id: string): UserEntry | undefined {
    return this.deleted.get(id);
  }

  // ---- groups ------------------------------------------------------------

  upsertGroup(input: GroupInput): string {
    const id = normaliseId(input.id);
    const { members = [], ...rest } = input;
    const existing = this.groupEntries.get(id);
    const props: DirectoryProps = {
      createdDateTime: existing?.props['createdDateTime'] ?? new Date().toISOString(),
      groupTypes: [],
      mailEnabled: false,
      securityEnabled: true,
      ...withoutManaged(rest),
      id,
    };
    const seq = this.next();
    const uniqueMembers = [...new Set(members)];
    const before = new Set(existing?.members ?? []);
    const after = new Set(uniqueMembers);
    for (const memberId of after) {
      if (!before.has(memberId)) this.membershipLog.push({ groupId: id, memberId, seq, removed: false });
    }
    for (const memberId of before) {
      if (!after.has(memberId)) this.membershipLog.push({ groupId: id, memberId, seq, removed: true });
    }
    if (existing) {
      existing.props = props;
      existing.members = uniqueMembers;
      existing.changeSeq = seq;
    } else {
      this.groupEntries.set(id, { kind: 'group', id, props, members: uniqueMembers, order: seq, changeSeq: seq });
    }
    this.removalsById.delete(id);
    return id;
  }

  deleteGroup(id: string): void {
    if (!this.groupEntries.delete(id)) throw new DirectoryError(`no group ${id}`);
    const seq = this.next();
    this.removalsById.set(id, { kind: 'group', id, seq, reason: 'deleted' });
    this.dropMember(id, seq);
  }

  groups(): GroupEntry[] {
    return [...this.groupEntries.values()].sort(byOrder);
  }

  findGroup(id: string): GroupEntry | undefined {
    return this.groupEntries.get(id);
  }

  /**
   * Members that currently exist. A soft-deleted user keeps its membership
   * (restoring brings it back) but, as in Entra, is not listed meanwhile.
   */
  directMembers(groupId: string): DirectoryEntry[] {
    const group = this.groupEntries.get(groupId);
    if (!group) return [];
    const members: DirectoryEntry[] = [];
    for (const memberId of group.members) {
      const member = this.active.get(memberId) ?? this.groupEntries.get(memberId);
      if (member) members.push(member);
    }
    return members.sort(byOrder);
  }

  /** Members of the group and of its nested groups, each once; cycles are tolerated. */
  transitiveMembers(groupId: string): DirectoryEntry[] {
    const seen = new Map<string, DirectoryEntry>();
    const visitedGroups = new Set<string>([groupId]);
    const queue = [groupId];
    while (queue.length > 0) {
      const current = queue.shift() as string;
      for (const member of this.directMembers(current)) {
        if (member.id !== groupId) seen.set(member.id, member);
        if (member.kind === 'group' && !visitedGroups.has(member.id)) {
          visitedGroups.add(member.id);
          queue.push(member.id);
        }
      }
    }
    return [...seen.values()].sort(byOrder);
  }

  /** The groups this group is a member of, directly or through other groups; cycles are tolerated. */
  transitiveParents(groupId: string): GroupEntry[] {
    const found = new Map<string, GroupEntry>();
    const queue = [groupId];
    while (queue.length > 0) {
      const current = queue.shift() as string;
      for (const group of this.groupEntries.values()) {
        if (group.id === groupId || found.has(group.id) || !group.members.includes(current)) continue;
        found.set(group.id, group);
        queue.push(group.id);
      }
    }
    return [...found.values()].sort(byOrder);
  }

  // ---- change tracking (delta queries) ----------------------------------

  /** Ids of `kind` objects removed after `since`, with the reason delta reports. */
  removalsSince(kind: ObjectKind, since: number): Removal[] {
    return [...this.removalsById.values()].filter((r) => r.kind === kind && r.seq > since).sort((a, b) => a.seq - b.seq);
  }

  membershipChangesSince(groupId: string, since: number): MembershipChange[] {
    // Collapse to the latest change per member: add-then-remove is just a removal.
    const latest = new Map<string, MembershipChange>();
    for (const change of this.membershipLog) {
      if (change.groupId === groupId && change.seq > since) latest.set(change.memberId, change);
    }
    return [...latest.values()];
  }

  // ---- internals ---------------------------------------------------------

  private requireActiveUser(id: string): UserEntry {
    const entry = this.active.get(id);
    if (!entry) throw new DirectoryError(`no active user ${id}`);
    return entry;
  }

  private dropMember(memberId: string, seq: number): void {
    for (const group of this.groupEntries.values()) {
      if (!group.members.includes(memberId)) continue;
      group.members = group.members.filter((m) => m !== memberId);
      group.changeSeq = seq;
      this.membershipLog.push({ groupId: group.id, memberId, seq, removed: true });
    }
  }

  /** Entra keeps UPNs unique across active and soft-deleted users. */
  private assertUniqueUpn(props: Record<string, unknown>, id: string, scope?: Map<string, UserEntry>): void {
    const upn = props['userPrincipalName'];
    if (typeof upn !== 'string') return;
    const owner = this.upnIndex.get(upn.toLowerCase());
    if (owner === undefined || owner === id) return;
    if (scope && !scope.has(owner)) return;
    throw new DirectoryError(`userPrincipalName ${upn} is already used by ${owner}`);
  }

  private reindexUpn(id: string, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): void {
    const old = before?.['userPrincipalName'];
    if (typeof old === 'string' && this.upnIndex.get(old.toLowerCase()) === id) this.upnIndex.delete(old.toLowerCase());
    const upn = after?.['userPrincipalName'];
    if (typeof upn === 'string') this.upnIndex.set(upn.toLowerCase(), id);
  }
}

function normaliseId(id: unknown): string {
  if (id === undefined) return randomUUID();
  if (typeof id !== 'string' || id === '') throw new DirectoryError('id must be a non-empty string');
  return id;
}

function withoutManaged(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!MANAGED_PROPS.has(key)) out[key] = value;
  }
  return out;
}

function byOrder(a: { order: number }, b: { order: number }): number {
  return a.order - b.order;
}

function noteManagerChange(entry: UserEntry, props: DirectoryProps, seq: number): void {
  const before = entry.props['manager'];
  const after = props['manager'];
  if (before !== after) entry.managerChange = { seq, previous: typeof before === 'string' ? before : undefined };
}
