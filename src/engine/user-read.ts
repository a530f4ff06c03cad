/**
 * The read, scope and map stages for users. A cycle reads the whole directory, or — when the
 * source can and nothing calls for a full read — only what changed since the last cycle.
 */
import { createHash } from 'node:crypto';
import type { PreparedJob } from '../config/load.js';
import { mapObject, type MappingEnvironment } from '../mapping/map.js';
import { APP_ROLES_ATTRIBUTE, readsAppRoles } from '../mapping/roles.js';
import {
  CursorExpiredError,
  isIncremental,
  readsGroupChanges,
  SourceReadError,
  type AppRole,
  type IncrementalSource,
  type RejectedObject,
  type Source,
  type SourceUser,
  type UserQuery,
} from '../sources/source.js';
import type { StateStore } from '../state/store.js';
import { lookup } from './group-read.js';
import type { ObservedUser } from './plan.js';
import { compileUserScope, type UserScope } from './scope.js';

export type ReadMode = 'full' | 'incremental';

const CHANGE_CURSOR = 'users.changeCursor';
const LAST_FULL_READ = 'users.lastFullReadAt';
const READ_CONFIG = 'users.readConfig';

/**
 * What a full read's results depend on. When an admin edits mappings or scope, users whose
 * attributes did not change must still be re-mapped, so the next cycle reads in full (as Entra
 * restarts provisioning after a mapping edit).
 */
function readConfigFingerprint(job: PreparedJob): string {
  const { scope, users } = job.config;
  return createHash('sha256').update(JSON.stringify({ scope, mappings: users.mappings, match: users.match, customJson: users.customJson })).digest('base64url');
}

export interface ReadChoice {
  readonly mode: ReadMode;
  readonly cursor?: string;
  /** Why a full read, for the log. */
  readonly reason: string;
}

/** Past this many users in escrow, reading the whole directory costs less than re-reading each by id. */
const MAX_PENDING_REREADS = 200;

/**
 * Whether the job's user scope comes from the groups the cycle's group read holds: scope.groups
 * without an app, and groups provisioned from scope or not at all (groups: false reads the scope
 * groups alone, see readScopeGroups). An incremental group read then says who joined and who left.
 */
export function scopesByGroupRead(job: PreparedJob): boolean {
  const { scope, groups } = job.config;
  return (scope.groups?.length ?? 0) > 0 && scope.app === undefined && (groups === false || groups.from === 'scope');
}

/**
 * Incremental reads only see users whose own attributes changed. So they are used only when scope
 * does not hinge on membership, or when it hinges on the scope groups an incremental group read
 * follows (who joined and who left is read by id); never for app assignments, which have no change
 * feed. A full read still comes every `fullSyncEvery` to heal anything a change feed missed (Okta
 * keeps no trace of hard deletes).
 */
export function chooseUserRead(
  job: PreparedJob,
  source: Source,
  store: StateStore,
  options: { full: boolean; fullSyncEvery: number; now: Date; pendingCount?: number },
): ReadChoice {
  const name = job.config.name;
  if (!isIncremental(source)) return { mode: 'full', reason: `${source.kind} sources are read in full` };
  if (options.full) return { mode: 'full', reason: 'a full read was asked for (--full)' };
  if (job.config.scope.app !== undefined) return { mode: 'full', reason: 'scope depends on app assignments, which no change feed carries' };
  const scopeGroups = (job.config.scope.groups?.length ?? 0) > 0;
  if (scopeGroups && !scopesByGroupRead(job)) {
    return { mode: 'full', reason: 'scope depends on group membership, which a change feed of users does not carry' };
  }
  if ((scopeGroups || job.config.groups !== false) && !readsGroupChanges(source)) {
    return { mode: 'full', reason: `scope and groups depend on group membership, and ${source.kind} sources read groups in full` };
  }
  const cursor = store.cursor(name, CHANGE_CURSOR);
  if (cursor === undefined) return { mode: 'full', reason: 'no change cursor yet' };
  if (store.cursor(name, READ_CONFIG) !== readConfigFingerprint(job)) return { mode: 'full', reason: 'the job’s mappings or scope changed since the last full read' };
  const lastFull = store.cursor(name, LAST_FULL_READ);
  if (lastFull === undefined || options.now.getTime() - Date.parse(lastFull) >= options.fullSyncEvery) {
    return { mode: 'full', reason: 'schedule.fullSyncEvery has passed since the last full read' };
  }
  if ((options.pendingCount ?? 0) > MAX_PENDING_REREADS) {
    return { mode: 'full', reason: `${options.pendingCount} users wait in escrow; one full read costs less than re-reading each` };
  }
  return { mode: 'incremental', cursor, reason: 'changes since the last cycle' };
}

/** How a read ended; known once its users have been consumed. */
export interface UserReadOutcome {
  readonly mode: ReadMode;
  /** Users the read returned (changed users, for an incremental read). */
  readonly count: number;
  /** Hard deletes an incremental read reported. */
  readonly removed: readonly string[];
  /** Objects the source returned that could not be believed: per-object errors, never absences. */
  readonly rejected: readonly RejectedObject[];
  readonly complete: boolean;
  readonly error?: string;
  /** The HTTP status of a failed read, when there was one (401/403: the source refused our credentials). */
  readonly errorStatus?: number;
  /** To store once the cycle has applied what it read. */
  readonly nextCursor?: string;
}

/**
 * A read as a stream: users are scoped and mapped page by page and handed on at once, so a cycle
 * never holds the directory in memory. `outcome()` is known once `users` has been consumed (or
 * abandoned: a cycle that stops early ends with an incomplete read).
 */
export interface UserStream {
  readonly users: AsyncIterable<ObservedUser>;
  outcome(): UserReadOutcome;
}

export interface UserReadContext {
  readonly job: PreparedJob;
  readonly source: Source;
  readonly env: MappingEnvironment;
  /**
   * Users with a failed operation in escrow: an incremental read re-reads them by id, since a
   * change feed would not show them again until they change.
   */
  readonly pendingIds: readonly string[];
  /** The label a linked user is known by, for users a change feed names by id only. */
  readonly labelOf: (sourceId: string) => string | undefined;
  readonly onFallback: (reason: string) => void;
  /**
   * For a job scoped by groups (scopesByGroupRead): users who joined or left the scope groups
   * since the last cycle's group read. A change feed of users does not show them (their own
   * attributes did not change), so an incremental read reads them by id. Without it, such a job
   * reads in full.
   */
  readonly scopeChanges?: ScopeChanges;
}

export interface ScopeChanges {
  readonly joined: ReadonlySet<string>;
  readonly left: ReadonlySet<string>;
}

/** Who joined and who left the scope, from the scope groups' members before and after. */
export function scopeChangesOf(before: ReadonlySet<string>, after: ReadonlySet<string>): ScopeChanges {
  return { joined: new Set([...after].filter((id) => !before.has(id))), left: new Set([...before].filter((id) => !after.has(id))) };
}

/** @param groupMembers members of the scope groups when the group read already has them */
export function streamObservedUsers(context: UserReadContext, choice: ReadChoice, groupMembers?: ReadonlySet<string>): UserStream {
  const rejected: RejectedObject[] = [];
  let state: Omit<UserReadOutcome, 'rejected'> = { mode: choice.mode, count: 0, removed: [], complete: false, error: 'the read was stopped before it ended' };
  async function* users(): AsyncGenerator<ObservedUser> {
    const { job, source } = context;
    let mode = choice.mode;
    let count = 0;
    try {
      // A member the source could not vouch for makes the scope uncertain for everyone: reported without an id, so nothing is deprovisioned.
      const onScopeRejected = (object: RejectedObject) => rejected.push({ label: object.label, error: `scope group member: ${object.error}` });
      const members = await scopeMembers(job, source, groupMembers, onScopeRejected);
      const scope = compileUserScope(job.config.scope.filters, members.ids);
      const observe = (user: SourceUser) => observeUser(withAppRoles(user, members.roles), scope, context);
      const query: UserQuery = {
        attributes: [...job.users.sourceAttributes, ...scope.attributes, ...job.config.users.match.map((r) => r.source)],
        onRejected: (object) => rejected.push(object),
      };

      if (mode === 'incremental' && scopesByGroupRead(job) && !context.scopeChanges) {
        context.onFallback('the group read cannot say who joined or left the scope groups this cycle; users are read in full');
        mode = 'full';
      }
      const rereads = context.scopeChanges ? context.scopeChanges.joined.size + context.scopeChanges.left.size : 0;
      if (mode === 'incremental' && rereads > MAX_PENDING_REREADS) {
        context.onFallback(`${rereads} users joined or left the scope groups; one full read costs less than reading each`);
        mode = 'full';
      }
      if (mode === 'incremental' && isIncremental(source)) {
        const changes = await readChanges(source, query, choice.cursor as string, observe, context);
        if (changes) {
          for (const user of changes.latest.values()) {
            count++;
            yield user;
          }
          state = { mode, count, removed: [...changes.removed], complete: true, nextCursor: changes.nextCursor };
          return;
        }
        mode = 'full';
      }

      // Taken before the read starts, so a change made while it runs is read again next time.
      const nextCursor = isIncremental(source) ? await source.changeCursor(query) : undefined;
      for await (const page of source.readUsers(query)) {
        for (const user of page) {
          count++;
          yield observe(user);
        }
      }
      state = { mode, count, removed: [], complete: true, nextCursor };
    } catch (error) {
      if (!(error instanceof SourceReadError)) throw error;
      state = { mode, count, removed: [], complete: false, error: error.message, errorStatus: error.status };
    } finally {
      if (state.error === 'the read was stopped before it ended') state = { ...state, mode, count };
    }
  }
  return { users: users(), outcome: () => ({ ...state, rejected }) };
}

/** An incremental round, deduplicated (a feed may name a user more than once: the latest word wins); undefined when the cursor expired. */
async function readChanges(
  source: IncrementalSource,
  query: UserQuery,
  cursor: string,
  observe: (user: SourceUser) => ObservedUser,
  context: UserReadContext,
): Promise<{ latest: Map<string, ObservedUser>; removed: Set<string>; nextCursor: string } | undefined> {
  try {
    const read = source.readUserChanges(query, cursor);
    const latest = new Map<string, ObservedUser>();
    const removed = new Set<string>();
    for await (const page of read.pages) {
      for (const user of page.changed) latest.set(user.id, observe(user));
      for (const id of page.softDeleted ?? []) latest.set(id, softDeletedById(id, context));
      for (const id of page.removed) {
        latest.delete(id);
        removed.add(id);
      }
    }
    // Users who joined the scope groups, and linked users who left them (one never linked has nothing to undo).
    const { joined = [], left = [] } = context.scopeChanges ?? {};
    const rereads = [...context.pendingIds, ...joined, ...[...left].filter((id) => context.labelOf(id) !== undefined)];
    for (const id of new Set(rereads)) {
      if (latest.has(id) || removed.has(id)) continue;
      const user = await source.readUser(id, query);
      if (user) latest.set(id, observe(user));
      else removed.add(id);
    }
    return { latest, removed, nextCursor: read.nextCursor() };
  } catch (error) {
    if (!(error instanceof CursorExpiredError)) throw error;
    context.onFallback(error.message);
    return undefined;
  }
}

/**
 * Records what a completed cycle read, so the next one knows where to start. Not after a cycle
 * the guard held back: the held operations must be planned again, and a cursor past the changes
 * that caused them would lose them.
 */
export function saveReadCursor(store: StateStore, job: PreparedJob, read: UserReadOutcome, now: Date, guardPassed: boolean): void {
  if (!read.complete || !guardPassed) return;
  const name = job.config.name;
  if (read.nextCursor !== undefined) store.saveCursor(name, CHANGE_CURSOR, read.nextCursor);
  if (read.mode === 'full') {
    store.saveCursor(name, LAST_FULL_READ, now.toISOString());
    store.saveCursor(name, READ_CONFIG, readConfigFingerprint(job));
  }
}

/**
 * Who is in scope (undefined: everyone the filters pass) and, for mappings that read
 * `appRoleAssignments`, each assigned user's app roles — read with the assignments, in one listing.
 */
export async function scopeMembers(
  job: PreparedJob,
  source: Source,
  groupMembers: ReadonlySet<string> | undefined,
  onRejected: (object: RejectedObject) => void,
): Promise<{ ids: Set<string> | undefined; roles?: ReadonlyMap<string, readonly AppRole[]> }> {
  let members: Set<string> | undefined = groupMembers ? new Set(groupMembers) : undefined;
  for (const group of groupMembers ? [] : (job.config.scope.groups ?? [])) {
    members ??= new Set();
    for (const id of await source.resolveGroupMembers(group, { onRejected })) members.add(id);
  }
  const app = job.config.scope.app;
  let roles: ReadonlyMap<string, readonly AppRole[]> | undefined;
  if (app !== undefined) {
    if (!source.resolveAppAssignments) {
      throw new SourceReadError(source.name, `jobs[].scope.app needs app assignments, which ${source.kind} sources cannot read; scope by groups instead`);
    }
    let assigned: ReadonlySet<string>;
    if (readsAppRoles(job.users.sourceAttributes)) {
      if (!source.readAppRoleAssignments) throw new SourceReadError(source.name, `the mappings read ${APP_ROLES_ATTRIBUTE}, which ${source.kind} sources cannot read`);
      const read = await source.readAppRoleAssignments(app);
      assigned = read.users;
      roles = read.roles;
    } else {
      assigned = await source.resolveAppAssignments(app);
    }
    // With groups as well, a user must be both in a scope group and assigned to the app.
    members = new Set([...(members ?? assigned)].filter((id) => assigned.has(id)));
  }
  return { ids: members, roles };
}

/**
 * The user with its app roles as `appRoleAssignments` ({ id, value, displayName } each), when the
 * job reads them. Sorted by value: Graph lists assignments in no promised order, and
 * SingleAppRoleAssignment takes the first role, which must not change from one cycle to the next.
 */
export function withAppRoles(user: SourceUser, roles: ReadonlyMap<string, readonly AppRole[]> | undefined): SourceUser {
  if (!roles) return user;
  const key = (role: AppRole) => role.value ?? role.displayName ?? role.id;
  const held = [...(roles.get(user.id) ?? [])]
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map((role) => ({ id: role.id, value: role.value, displayName: role.displayName }));
  return { ...user, attributes: { ...user.attributes, [APP_ROLES_ATTRIBUTE]: held } };
}

/** One source user as the plan stage sees it: scoped, mapped, with its first-contact lookups. */
export function observeUser(user: SourceUser, scope: UserScope, context: Pick<UserReadContext, 'job' | 'env'>): ObservedUser {
  const { job, env } = context;
  const matchRules = job.config.users.match;
  const status = scope.classify(user);
  const mapped = mapObject(user, status !== 'active', job.users, env);
  const userName = mapped.ok ? mapped.value.attributes.userName : undefined;
  return {
    sourceId: user.id,
    label: typeof userName === 'string' ? userName : String(lookup(user.attributes, matchRules[0]?.source ?? 'id') ?? user.id),
    status,
    mapped,
    match: matchRules.flatMap((rule) => {
      const value = lookup(user.attributes, rule.source);
      return value === undefined || value === null || value === '' ? [] : [{ attribute: rule.target, value: String(value) }];
    }),
  };
}

/** A change feed may name a soft-deleted user by id alone: there is nothing to map but the disable itself. */
function softDeletedById(sourceId: string, context: UserReadContext): ObservedUser {
  return { sourceId, label: context.labelOf(sourceId) ?? sourceId, status: 'softDeleted', mapped: { ok: true, value: { attributes: {}, createOnly: {} } }, match: [] };
}
