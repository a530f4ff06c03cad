/**
 * Okta through its Management API (@okta/okta-sdk-nodejs): users in every status, groups and
 * their members, app assignments, and incremental reads by lastUpdated.
 */
import type { Client } from '@okta/okta-sdk-nodejs';
import pLimit from 'p-limit';
import type { OktaSourceConfig } from '../../config/schema.js';
import {
  SourceReadError,
  type GroupQuery,
  type GroupSelection,
  type IncrementalRead,
  type IncrementalSource,
  type ReadStats,
  type RejectedObject,
  type SourceGroup,
  type SourceUser,
  type UserChanges,
  type UserQuery,
} from '../source.js';
import { changedSinceFilter, decodeCursor, encodeCursor } from './change-cursor.js';
import { createOktaClient, DEFAULT_SCOPES } from './client.js';
import { isHttpFailure, readFailure, type FailureContext } from './errors.js';
import { oktaGroupSchema, oktaUserSchema, oktaUserSchemaDocument, problemWith } from './objects.js';
import { groupAttributes, groupName, PROVISIONABLE_GROUP_TYPES, PROVISIONABLE_GROUPS_FILTER, type OktaGroup } from './groups.js';
import { ThrottlingRequestExecutor } from './throttling-executor.js';
import { toSourceUser, type OktaUser } from './users.js';

interface UserListing {
  readonly limit: number;
  readonly filter?: string;
}

type OnRejected = ((rejected: RejectedObject) => void) | undefined;

/** One listing of users as a read takes it. */
interface ListingRead {
  /** For messages: `reading users`. */
  readonly what: string;
  /** Names an element without a name of its own: `users` → `users page 2, item 5`. */
  readonly place: string;
  /** Ids an earlier listing of the same read already yielded. */
  readonly seen?: Set<string>;
  readonly onFirstResponse?: () => void;
  readonly onRejected: OnRejected;
}

interface ChangeReadProgress {
  /** Okta's time when the incremental read began: the next cursor. */
  startedAt: number | undefined;
  finished: boolean;
}

const GROUP_ID = /^00g[0-9A-Za-z]{17}$/;
/**
 * Groups whose members are read at once. Okta has no batch API, and besides its per-endpoint
 * rate limits it limits concurrent requests per org (a few dozen, less on developer orgs); 6 keeps
 * well inside that while cutting a 5,000-group read to a sixth of the round trips.
 */
const MEMBER_READ_CONCURRENCY = 6;
/** Okta's page maxima for app assignments (users: 500, groups: 200). */
const APP_USERS_PAGE = 500;
const APP_GROUPS_PAGE = 200;
/**
 * How far before the read's start the closing "changed during the read" listing looks: Okta's
 * Date header is whole seconds, and lastUpdated is stamped when the change commits.
 */
const CATCH_UP_MARGIN_MS = 2_000;

export class OktaSource implements IncrementalSource {
  readonly kind = 'okta';
  private readonly readStats: ReadStats = { requests: 0, retries: 0, throttledMs: 0 };
  private readonly executor: ThrottlingRequestExecutor;
  private readonly failure: FailureContext;
  private sdk: Client | undefined;

  constructor(
    readonly name: string,
    private readonly config: OktaSourceConfig,
  ) {
    this.executor = new ThrottlingRequestExecutor({ maxRetries: config.maxRetries, stats: this.readStats });
    this.failure = { source: name, orgUrl: config.orgUrl, auth: config.token === undefined ? 'oauth' : 'token', scopes: config.scopes ?? DEFAULT_SCOPES };
  }

  stats(): ReadStats {
    return { ...this.readStats };
  }

  /**
   * Every user, in three listings: the plain list (every status but DEPROVISIONED, which Okta
   * leaves out of it), the DEPROVISIONED users (so a deactivation follows the softDeleted rule,
   * not hardDeleted), then the users changed while those two ran. The last one catches a user
   * reactivated between the two listings, who would otherwise be in neither and look deleted.
   * A user is yielded once, as first seen; a change after that is read by the next cycle.
   */
  async *readUsers(query: UserQuery): AsyncIterable<readonly SourceUser[]> {
    const seen = new Set<string>();
    const onRejected = query.onRejected;
    let startedAt = this.executor.serverNow();
    const markStart = (): void => {
      startedAt ??= this.executor.serverNow();
    };
    yield* this.userPages({ limit: this.config.pageSize }, { what: 'reading users', place: 'users', seen, onFirstResponse: markStart, onRejected });
    yield* this.userPages(
      { limit: this.config.pageSize, filter: 'status eq "DEPROVISIONED"' },
      { what: 'reading deactivated (DEPROVISIONED) users', place: 'deactivated users', seen, onRejected },
    );
    const since = startedAt ?? Date.now();
    yield* this.userPages(
      { limit: this.config.pageSize, filter: changedSinceFilter(since, CATCH_UP_MARGIN_MS) },
      { what: 'reading users changed during the read', place: 'users changed during the read', seen, onRejected },
    );
  }

  async readUser(idOrUserName: string, _query: UserQuery): Promise<SourceUser | undefined> {
    try {
      const user: OktaUser = await this.client().userApi.getUser({ userId: idOrUserName });
      // Not "no such user": that would read as the user leaving.
      const problem = problemWith(oktaUserSchema, user);
      if (problem !== undefined) throw new SourceReadError(this.name, `reading user ${idOrUserName} failed: Okta answered a user that cannot be believed (${problem})`);
      return toSourceUser(user, this.config.stagedUsers);
    } catch (error) {
      if (isHttpFailure(error) && error.status === 404) return undefined;
      throw readFailure(error, `reading user ${idOrUserName}`, this.failure);
    }
  }

  /** Okta groups are flat: the members are the group's users. */
  async resolveGroupMembers(groupRef: string, options: { readonly onRejected?: OnRejected } = {}): Promise<ReadonlySet<string>> {
    const groupId = GROUP_ID.test(groupRef) ? groupRef : await this.groupIdByName(groupRef);
    try {
      return await this.groupMemberIds(groupId, options.onRejected);
    } catch (error) {
      if (isHttpFailure(error) && error.status === 404) {
        throw new SourceReadError(this.name, `no group with id ${groupId}; check jobs[].scope.groups (an Okta group id, 00g…, or the group's exact name)`, 404);
      }
      throw readFailure(error, `reading members of group "${groupRef}"`, this.failure);
    }
  }

  /** Users assigned to the app directly or through an assigned group (both, as group assignments can lag in /users). */
  async resolveAppAssignments(appRef: string): Promise<ReadonlySet<string>> {
    const users = new Set<string>();
    let groups: readonly string[];
    try {
      for await (const assignment of await this.client().applicationApi.listApplicationUsers({ appId: appRef, limit: APP_USERS_PAGE })) {
        // Nobody to report a bad assignment to: it fails the read, since dropping it could take a user out of scope.
        if (!hasId(assignment)) throw new SourceReadError(this.name, `reading the users assigned to app ${appRef} failed: Okta answered an assignment without a string id`);
        users.add(assignment.id);
      }
      groups = await this.appGroupIds(appRef);
    } catch (error) {
      throw this.appFailure(error, appRef);
    }
    const memberLists = await this.concurrently(groups, async (groupId) => {
      try {
        return await this.groupMemberIds(groupId);
      } catch (error) {
        // A group deleted since the assignment listing assigns nobody.
        if (isHttpFailure(error) && error.status === 404) return new Set<string>();
        throw readFailure(error, `reading members of group ${groupId} assigned to app ${appRef}`, this.failure);
      }
    });
    for (const members of memberLists) for (const id of members) users.add(id);
    return users;
  }

  /** Ids of the groups assigned to the app (/api/v1/apps/{appId}/groups). */
  async resolveAppGroups(appRef: string): Promise<readonly string[]> {
    try {
      return await this.appGroupIds(appRef);
    } catch (error) {
      throw this.appFailure(error, appRef);
    }
  }

  /**
   * Groups with their members, listed by `/groups/{id}/users`. Only OKTA_GROUP and APP_GROUP
   * groups: with `'all'` Okta's built-in Everyone group is left out, and naming it is an error.
   * A group named by id that Okta no longer has is left out (deleted: the engine's deletion rule
   * applies); a name that matches nothing is an error, so a rename cannot delete the app's group.
   *
   * Okta has no group change feed like Graph's members@delta, so this source has no
   * readGroupChanges and groups are read in full each cycle. (The listing's `lastMembershipUpdated`
   * could tell which groups' members changed since a cursor, but nothing lists deleted groups or
   * removed members: an incremental read would still list every group to find deletions, and read
   * changed groups' members in full. Worth doing when a cycle's member reads dominate; see the
   * groups branch report.)
   */
  async *readGroups(selection: GroupSelection, query: GroupQuery): AsyncIterable<readonly SourceGroup[]> {
    if (selection === 'all') {
      yield* this.allGroups(query.onRejected);
      return;
    }
    // Refs are read a page at a time, the groups of a page (and their members) several at once.
    for (let start = 0; start < selection.refs.length; start += this.config.pageSize) {
      const refs = selection.refs.slice(start, start + this.config.pageSize);
      const read = await this.concurrently(refs, async (ref) => {
        const group = GROUP_ID.test(ref) ? await this.groupById(ref) : await this.groupByName(ref);
        if (!group) return undefined;
        if (!PROVISIONABLE_GROUP_TYPES.has(group.type ?? '')) {
          throw new SourceReadError(
            this.name,
            `group "${ref}" is of type ${group.type ?? 'unknown'}; only OKTA_GROUP and APP_GROUP groups are provisioned (the built-in Everyone group is every user), so take it out of jobs[].scope.groups`,
          );
        }
        return this.withMembers(group, query.onRejected);
      });
      const groups = read.filter((g): g is SourceGroup => g !== undefined);
      if (groups.length > 0) yield groups;
    }
  }

  /**
   * Every provisionable group, a listing page at a time; the members of a page's groups are read
   * several groups at once (Okta has no batch API), through the throttling executor.
   */
  private async *allGroups(onRejected: OnRejected): AsyncIterable<readonly SourceGroup[]> {
    const limit = this.config.pageSize;
    let listed = 0;
    let page: OktaGroup[] = [];
    const flush = async (): Promise<SourceGroup[]> => {
      const groups = page;
      page = [];
      return (await this.concurrently(groups, (group) => this.withMembers(group, onRejected))).filter((g): g is SourceGroup => g !== undefined);
    };
    try {
      for await (const group of await this.client().groupApi.listGroups({ filter: PROVISIONABLE_GROUPS_FILTER, limit })) {
        listed++;
        const problem = problemWith(oktaGroupSchema, group);
        if (problem !== undefined || !hasId(group)) {
          const pageNumber = Math.floor((listed - 1) / limit) + 1;
          const label = groupName(group ?? {}) ?? `groups page ${pageNumber}, item ${listed - (pageNumber - 1) * limit}`;
          this.reject(onRejected, { ...(hasId(group) ? { id: group.id } : {}), label, error: problem ?? 'id: no string id' });
        } else page.push(group);
        if (listed % limit === 0) {
          // readFailure passes the SourceReadError of a member read on as it is.
          const read = await flush();
          if (read.length > 0) yield read;
        }
      }
    } catch (error) {
      throw readFailure(error, `reading groups (page ${Math.floor(listed / limit) + 1})`, this.failure);
    }
    const read = await flush();
    if (read.length > 0) yield read;
  }

  /**
   * `task` over the items, MEMBER_READ_CONCURRENCY at a time, results in the items' order. The
   * first failure fails the whole; reads not yet started are dropped.
   */
  private async concurrently<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
    const limit = pLimit(MEMBER_READ_CONCURRENCY);
    try {
      return await Promise.all(items.map((item) => limit(() => task(item))));
    } finally {
      limit.clearQueue();
    }
  }

  /** The group with its members; undefined when it was deleted since it was listed. */
  private async withMembers(group: OktaGroup, onRejected: OnRejected): Promise<SourceGroup | undefined> {
    const id = group.id ?? '';
    try {
      return { id, attributes: groupAttributes(group), memberIds: [...(await this.groupMemberIds(id, onRejected))] };
    } catch (error) {
      if (isHttpFailure(error) && error.status === 404) return undefined;
      throw readFailure(error, `reading members of group "${groupName(group) ?? id}"`, this.failure);
    }
  }

  /** Undefined when Okta has no group with that id. */
  private async groupById(groupId: string): Promise<OktaGroup | undefined> {
    let group: OktaGroup;
    try {
      group = await this.client().groupApi.getGroup({ groupId });
    } catch (error) {
      if (isHttpFailure(error) && error.status === 404) return undefined;
      throw readFailure(error, `reading group ${groupId}`, this.failure);
    }
    const problem = problemWith(oktaGroupSchema, group);
    if (problem !== undefined) throw new SourceReadError(this.name, `reading group ${groupId} failed: Okta answered a group that cannot be believed (${problem})`);
    return group;
  }

  private async appGroupIds(appId: string): Promise<readonly string[]> {
    const groups = new Set<string>();
    for await (const assignment of await this.client().applicationApi.listApplicationGroupAssignments({ appId, limit: APP_GROUPS_PAGE })) {
      if (!hasId(assignment)) throw new SourceReadError(this.name, `reading the groups assigned to app ${appId} failed: Okta answered an assignment without a string id`);
      groups.add(assignment.id);
    }
    return [...groups];
  }

  private appFailure(error: unknown, appRef: string): SourceReadError {
    if (isHttpFailure(error) && error.status === 404) {
      return new SourceReadError(this.name, `no app with id "${appRef}" in ${this.config.orgUrl}; jobs[].scope.app takes the app's id (0oa…, in the app's Admin Console URL)`, 404);
    }
    return readFailure(error, `reading the assignments of app ${appRef}`, this.failure);
  }

  async changeCursor(_query: UserQuery): Promise<string> {
    if (this.executor.serverNow() === undefined) {
      // The cursor is on Okta's clock, read from a response's Date header; one small request gets one.
      try {
        await (await this.client().userApi.listUsers({ limit: 1 })).next();
      } catch (error) {
        throw readFailure(error, 'reading the time of the Okta org', this.failure);
      }
    }
    return encodeCursor(this.executor.serverNow() ?? Date.now());
  }

  /**
   * Users whose lastUpdated is after the cursor (less the overlap), DEPROVISIONED ones included.
   * Okta keeps no record of hard-deleted users that a filter could return, so `removed` is
   * always empty: the periodic full read finds them.
   */
  readUserChanges(query: UserQuery, cursor: string): IncrementalRead {
    const since = decodeCursor(this.name, cursor);
    const listing = { limit: this.config.pageSize, filter: changedSinceFilter(since, this.config.incrementalOverlap) };
    // Anything changed after this read began is read by the next one.
    const progress: ChangeReadProgress = { startedAt: this.executor.serverNow(), finished: false };
    return {
      pages: this.changePages(listing, progress, query.onRejected),
      nextCursor: () => {
        if (!progress.finished) throw new Error('nextCursor() is known only once every page of the incremental read has been read');
        return encodeCursor(Math.max(since, progress.startedAt ?? since));
      },
    };
  }

  /**
   * The custom attributes of the org's default user profile, for `validate --online`. Reading the
   * schema needs okta.schemas.read, which an OAuth service app may not have been granted.
   */
  async readCustomUserAttributes(): Promise<string[]> {
    try {
      const schema: unknown = await this.client().schemaApi.getUserSchema({ schemaId: 'default' });
      const parsed = oktaUserSchemaDocument.safeParse(schema);
      if (!parsed.success) throw new SourceReadError(this.name, `reading the user schema failed: Okta answered a schema that cannot be believed (${parsed.error.issues[0]?.message ?? 'malformed'})`);
      return Object.keys(parsed.data.definitions?.custom?.properties ?? {});
    } catch (error) {
      throw readFailure(error, 'reading the user schema (/api/v1/meta/schemas/user/default, scope okta.schemas.read)', this.failure);
    }
  }

  /** Created on first use, so that an unreadable key file fails a cycle rather than the process. */
  private client(): Client {
    this.sdk ??= createOktaClient(this.config, this.executor);
    return this.sdk;
  }

  private async *changePages(listing: UserListing, progress: ChangeReadProgress, onRejected: OnRejected): AsyncIterable<UserChanges> {
    const markStart = (): void => {
      progress.startedAt ??= this.executor.serverNow();
    };
    const read = { what: 'reading changed users', place: 'changed users', onFirstResponse: markStart, onRejected };
    for await (const changed of this.userPages(listing, read)) yield { changed, removed: [] };
    progress.finished = true;
  }

  /**
   * One listing of /api/v1/users in pages of `limit` (the SDK's collection follows the Link
   * headers). `seen` drops users an earlier listing of the same read already yielded.
   */
  private async *userPages(listing: UserListing, read: ListingRead): AsyncIterable<readonly SourceUser[]> {
    const { what, seen, onFirstResponse } = read;
    let batch: SourceUser[] = [];
    let fetched = 0;
    try {
      const users = await this.client().userApi.listUsers(listing);
      for await (const user of users) {
        if (fetched++ === 0) onFirstResponse?.();
        const problem = problemWith(oktaUserSchema, user);
        if (problem !== undefined || !hasId(user)) {
          const page = Math.floor((fetched - 1) / listing.limit) + 1;
          const login = (user?.profile as { login?: unknown } | undefined)?.login;
          const label = typeof login === 'string' && login !== '' ? login : `${read.place} page ${page}, item ${fetched - (page - 1) * listing.limit}`;
          this.reject(read.onRejected, { ...(hasId(user) ? { id: user.id } : {}), label, error: problem ?? 'id: no string id' });
          continue;
        }
        if (seen) {
          if (seen.has(user.id)) continue;
          seen.add(user.id);
        }
        batch.push(toSourceUser(user, this.config.stagedUsers));
        if (batch.length === listing.limit) {
          yield batch;
          batch = [];
        }
      }
    } catch (error) {
      throw readFailure(error, `${what} (page ${Math.floor(fetched / listing.limit) + 1})`, this.failure);
    }
    if (fetched === 0) onFirstResponse?.();
    if (batch.length > 0) yield batch;
  }

  /** A member without an id goes to `onRejected`; with no one to report to, it fails the read (a dropped member would leave scope). */
  private async groupMemberIds(groupId: string, onRejected?: OnRejected): Promise<Set<string>> {
    const members = new Set<string>();
    let listed = 0;
    for await (const user of await this.client().groupApi.listGroupUsers({ groupId, limit: this.config.pageSize })) {
      listed++;
      if (hasId(user)) {
        members.add(user.id);
        continue;
      }
      const page = Math.floor((listed - 1) / this.config.pageSize) + 1;
      const login = (user?.profile as { login?: unknown } | undefined)?.login;
      this.reject(onRejected, {
        label: typeof login === 'string' && login !== '' ? login : `members of group ${groupId} page ${page}, item ${listed - (page - 1) * this.config.pageSize}`,
        error: 'id: no string id',
      });
    }
    return members;
  }

  /** Reports an object the read leaves out, or fails the read when nobody listens: dropped silently it would read as gone. */
  private reject(onRejected: OnRejected, rejected: RejectedObject): void {
    if (!onRejected) throw new SourceReadError(this.name, `${rejected.label}: ${rejected.error}; the read is incomplete`);
    onRejected(rejected);
  }

  private async groupIdByName(name: string): Promise<string> {
    return (await this.groupByName(name)).id as string;
  }

  /** Okta's `search` is eventually consistent: a group created seconds ago may not be found yet (its id always is). */
  private async groupByName(name: string): Promise<OktaGroup & { readonly id: string }> {
    const hits: (OktaGroup & { readonly id: string })[] = [];
    try {
      const search = `profile.name eq "${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      for await (const group of await this.client().groupApi.listGroups({ search, limit: 200 })) {
        if (groupName(group ?? {}) !== name) continue;
        if (!hasId(group)) throw new SourceReadError(this.name, `looking up group "${name}" failed: Okta answered the group without a string id`);
        hits.push({ ...group, id: group.id });
      }
    } catch (error) {
      throw readFailure(error, `looking up group "${name}"`, this.failure);
    }
    if (hits.length !== 1) {
      throw new SourceReadError(
        this.name,
        hits.length === 0
          ? `no group named "${name}"; check jobs[].scope.groups (names are exact, or use the group's id, 00g…)`
          : `${hits.length} groups are named "${name}"; use the group's id (00g…) in jobs[].scope.groups`,
      );
    }
    return hits[0] as OktaGroup & { readonly id: string };
  }
}

/** Okta objects are believed only with a non-empty string id; the SDK's models do not check. */
function hasId<T extends { readonly id?: unknown }>(object: T | null | undefined): object is T & { readonly id: string } {
  return typeof object?.id === 'string' && object.id !== '';
}
