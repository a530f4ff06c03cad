/**
 * The one interface every identity provider adapter implements. Everything downstream of
 * `read` (scope, map, diff, plan) sees only these plain objects, never an SDK type.
 */

/** A JSON-like attribute value as an IdP returns it; arrays are multi-valued attributes. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = Readonly<Record<string, AttributeValue>>;

export interface SourceUser {
  /** The IdP's immutable object id (Entra objectId, Okta user id). */
  readonly id: string;
  /** Attributes under the IdP's own names (Graph: userPrincipalName, mail…; Okta: login, email…). */
  readonly attributes: Attributes;
  /** False when the account is disabled in the IdP (Entra accountEnabled=false, Okta SUSPENDED). */
  readonly enabled: boolean;
  /** True when the object is soft-deleted (Entra deleted items, Okta DEPROVISIONED). */
  readonly deleted: boolean;
}

export interface SourceGroup {
  readonly id: string;
  readonly attributes: Attributes;
  readonly memberIds: readonly string[];
}

/** One app role as the app defines it (Entra: the service principal's appRoles). */
export interface AppRole {
  readonly id: string;
  /** What apps receive (the role claim's value); null for a role defined without one. */
  readonly value: string | null;
  readonly displayName: string | null;
}

export interface AppRoleAssignments {
  /** Every user assigned to the app, with a role or with default access only. */
  readonly users: ReadonlySet<string>;
  /** The roles of each assigned user that holds one; default access is not a role. */
  readonly roles: ReadonlyMap<string, readonly AppRole[]>;
}

/** What a read cost: surfaced in the cycle summary and metrics. */
export interface ReadStats {
  requests: number;
  retries: number;
  throttledMs: number;
}

export type GroupSelection = { readonly refs: readonly string[] } | 'all';

/**
 * An object the IdP returned that cannot be believed (no string id, not an object, attributes of
 * the wrong shape). It is a per-object error: reported, never provisioned, and never read as the
 * absence of a user, so it cannot turn into a deprovisioning.
 */
export interface RejectedObject {
  /** The object's id when it has a usable one. */
  readonly id?: string;
  /** What names it for a person: a sign-in name or display name, else its place in the read (`users page 3, item 17`). */
  readonly label: string;
  readonly error: string;
}

export interface GroupQuery {
  /** Source attributes the group mappings and match rules read. */
  readonly attributes: readonly string[];
  /** Adapters report each object they refuse to believe here and leave it out of the pages. */
  readonly onRejected?: (rejected: RejectedObject) => void;
}

export interface UserQuery {
  /** Source attribute names the job's mappings and scope need; adapters add the ones they need themselves. */
  readonly attributes: readonly string[];
  /** Adapters report each object they refuse to believe here and leave it out of the pages. */
  readonly onRejected?: (rejected: RejectedObject) => void;
}

export interface Source {
  readonly name: string;
  readonly kind: string;
  /**
   * Every user of the directory, page by page. Throws SourceReadError when a page cannot be read
   * after the adapter's retries, so the engine can tell a partial read from users leaving.
   */
  readUsers(query: UserQuery): AsyncIterable<readonly SourceUser[]>;
  /** One user by object id or sign-in name; undefined when the IdP has no such user. */
  readUser(idOrUserName: string, query: UserQuery): Promise<SourceUser | undefined>;
  /**
   * Ids of the users that are members of a group (given by id or display name), nested groups
   * included. A member entry without a usable id is reported to `options.onRejected`; without
   * one, it fails the read (SourceReadError), since a member left out would leave the scope.
   */
  resolveGroupMembers(groupRef: string, options?: { readonly onRejected?: (rejected: RejectedObject) => void }): Promise<ReadonlySet<string>>;
  /**
   * Ids of the groups a user is a member of, nested groups included (provision on demand asks
   * this of one user instead of reading every provisioned group's members). An entry without a
   * usable id fails the read (SourceReadError): a group left out would read as the user leaving
   * it. Sources without it leave it out, and the engine reads each group's members instead.
   */
  groupsOfUser?(userId: string): Promise<ReadonlySet<string>>;
  /**
   * Ids of the users assigned to an app (jobs[].scope.app), directly or through an assigned group.
   * Sources without app assignments leave it out, and a job that scopes by app fails its cycle.
   */
  resolveAppAssignments?(appRef: string): Promise<ReadonlySet<string>>;
  /**
   * Ids of the groups assigned to an app (jobs[].scope.app): with groups.from 'scope', they are
   * provisioned as well as scope.groups. Sources without app assignments leave it out.
   */
  resolveAppGroups?(appRef: string): Promise<readonly string[]>;
  /**
   * The users assigned to an app (as resolveAppAssignments) with the app roles each holds, directly
   * or through an assigned group, for mappings that read `appRoleAssignments`. An assignment that
   * cannot be believed fails the read (SourceReadError): a role left out would be taken from the user.
   * Sources without app roles leave it out, and a job whose mappings read roles is refused.
   */
  readAppRoleAssignments?(appRef: string): Promise<AppRoleAssignments>;
  /**
   * Groups with their user members (nested groups flattened), for jobs that provision groups:
   * the groups named (by id or display name), or every group. Sources without group support
   * leave it out, and a job that provisions groups from them is refused.
   */
  readGroups?(selection: GroupSelection, query: GroupQuery): AsyncIterable<readonly SourceGroup[]>;
  /**
   * A cursor meaning "group changes from now on", taken just before a full readGroups starts, so a
   * change made during the full read is read again next time rather than missed. Sources whose
   * groups cannot be read incrementally leave it and readGroupChanges out.
   */
  groupChangeCursor?(selection: GroupSelection, query: GroupQuery): Promise<string>;
  /**
   * The selected groups' changes since the cursor: attributes, member additions and removals
   * (nested groups flattened, as in readGroups), deletions. Throws CursorExpiredError when the
   * cursor is too old or was taken for other attributes — the engine then reads groups in full.
   */
  readGroupChanges?(selection: GroupSelection, query: GroupQuery, cursor: string): IncrementalGroupRead;
  stats(): ReadStats;
}

/** A group created or changed since the cursor, with every attribute readGroups would give it. */
export interface ChangedGroup {
  readonly id: string;
  readonly attributes: Attributes;
}

/**
 * How one group's user members changed since the cursor. Either a difference (`added`, `removed`)
 * to apply to the members recorded for the group, or — when the source could not tell the
 * difference exactly (a nested group joined or left, a member left a group that holds nested
 * groups) — the complete list in `memberIds`, read again, which replaces the recorded one.
 */
export interface GroupMemberChanges {
  readonly groupId: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly memberIds?: readonly string[];
}

/** One page of an incremental group read; apply pages in order (a later page may undo an earlier one). */
export interface GroupChanges {
  /** Selected groups created or changed since the cursor. A group whose members alone changed may be missing here. */
  readonly changed: readonly ChangedGroup[];
  /** Member changes of selected groups, also of groups not in `changed`. */
  readonly members: readonly GroupMemberChanges[];
  /** Ids of selected groups deleted since the cursor. */
  readonly deleted: readonly string[];
}

export interface IncrementalGroupRead {
  readonly pages: AsyncIterable<GroupChanges>;
  /** The cursor for the next incremental read; call it only after `pages` is exhausted. */
  nextCursor(): string;
}

export type GroupChangeSource = Source & Required<Pick<Source, 'readGroups' | 'groupChangeCursor' | 'readGroupChanges'>>;

export function readsGroupChanges(source: Source): source is GroupChangeSource {
  return typeof source.readGroupChanges === 'function' && typeof source.groupChangeCursor === 'function' && typeof source.readGroups === 'function';
}

/** One page of an incremental read. */
export interface UserChanges {
  /** Users created or changed since the cursor; soft-deleted ones carry `deleted: true`. */
  readonly changed: readonly SourceUser[];
  /** Ids of users that no longer exist in the IdP at all (hard-deleted). */
  readonly removed: readonly string[];
  /** Ids of users soft-deleted since the cursor, when the IdP reports them by id only (Graph delta `@removed: changed`). */
  readonly softDeleted?: readonly string[];
}

export interface IncrementalRead {
  readonly pages: AsyncIterable<UserChanges>;
  /** The cursor for the next incremental read; call it only after `pages` is exhausted. */
  nextCursor(): string;
}

/**
 * Sources that can read only what changed (Graph delta links, Okta lastUpdated). The engine
 * falls back to full reads for sources without it, and on any cursor the IdP no longer honours.
 */
export interface IncrementalSource extends Source {
  /**
   * A cursor meaning "changes from now on", taken just before a full read starts, so a change
   * made during the full read is read again next time rather than missed.
   */
  changeCursor(query: UserQuery): Promise<string>;
  /** Throws CursorExpiredError when the cursor is too old (Graph 410 syncStateNotFound) — the engine then reads in full. */
  readUserChanges(query: UserQuery, cursor: string): IncrementalRead;
}

export function isIncremental(source: Source): source is IncrementalSource {
  return typeof (source as Partial<IncrementalSource>).readUserChanges === 'function';
}

export class CursorExpiredError extends Error {
  constructor(readonly source: string, reason: string) {
    super(`source "${source}": change cursor no longer valid (${reason}); a full read follows`);
    this.name = 'CursorExpiredError';
  }
}

/** A read that failed after retries. `source` names the configured source so the message says what to fix. */
export class SourceReadError extends Error {
  constructor(
    readonly source: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`source "${source}": ${message}`, options);
    this.name = 'SourceReadError';
  }
}
