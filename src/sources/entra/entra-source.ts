/**
 * Microsoft Entra ID through Microsoft Graph: users (active and soft-deleted), groups and their
 * members, enterprise-app assignments, and incremental reads through delta queries.
 */
import { AuthenticationHandler, Client, GraphError, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { z } from 'zod';
import type { EntraSourceConfig } from '../../config/schema.js';
import {
  SourceReadError,
  type AppRole,
  type AppRoleAssignments,
  type GroupQuery,
  type GroupSelection,
  type IncrementalGroupRead,
  type IncrementalRead,
  type IncrementalSource,
  type ReadStats,
  type RejectedObject,
  type SourceGroup,
  type SourceUser,
  type UserQuery,
} from '../source.js';
import { groupSelectList, MANAGER_EXPAND, readsManager, selectList, toSourceUser } from './attributes.js';
import { readChanges, takeChangeCursor, type ChangeFeedContext } from './change-feed.js';
import { CLOUDS, graphScope } from './clouds.js';
import { createEntraCredential } from './credential.js';
import {
  acceptItems,
  appRoleAssignmentSchema,
  appRoleGrantSchema,
  asGraphObject,
  getPage,
  getValidated,
  graphGroupSchema,
  graphIdSchema,
  graphUserSchema,
  servicePrincipalRolesSchema,
  type AppRoleAssignment,
  type GraphPage,
  type GraphReader,
} from './graph-pages.js';
import { GraphRetryMiddleware } from './retry-middleware.js';
import { readMany, type BatchContext, type BatchRead } from './batch.js';
import { readGroupChanges, takeGroupChangeCursor, type GroupFeedContext } from './group-changes.js';
import { memberIdsOf, memberRead, withMembers } from './group-members.js';

type OnRejected = ((rejected: RejectedObject) => void) | undefined;
type GraphUser = z.infer<typeof graphUserSchema>;

/** Entra's "default access": assigned to the app without a specific role. */
const DEFAULT_ACCESS_ROLE = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIRECTORY_PERMISSIONS = 'the User.Read.All and GroupMember.Read.All application permissions';
const APP_PERMISSIONS = 'the Application.Read.All (and GroupMember.Read.All) application permissions';
/** What @azure/identity throws when no token can be had: the token endpoint refused the app, or the certificate cannot be read. */
const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError', 'AggregateAuthenticationError']);

export class EntraSource implements IncrementalSource {
  readonly kind = 'entra';
  private readonly reader: GraphReader;
  private readonly readStats: ReadStats = { requests: 0, retries: 0, throttledMs: 0 };
  private readonly changeFeed: ChangeFeedContext;
  private readonly batch: BatchContext;
  private readonly groupFeed: GroupFeedContext;

  constructor(
    readonly name: string,
    private readonly config: EntraSourceConfig,
  ) {
    const cloud = CLOUDS[config.cloud];
    const graphUrl = (config.graphUrl ?? cloud.graphUrl).replace(/\/+$/, '');
    const credential = createEntraCredential(config, config.authorityHost ?? cloud.authorityHost);
    // The token's audience is Microsoft Graph of the cloud even when requests go through a proxy or gateway URL.
    const auth = new AuthenticationHandler(new TokenCredentialAuthenticationProvider(credential, { scopes: [graphScope(cloud.graphUrl)] }));
    const retry = new GraphRetryMiddleware({ maxRetries: config.maxRetries, renewToken: () => credential.renew(), stats: this.readStats });
    retry.setNext(auth);
    auth.setNext(new HTTPMessageHandler());
    const host = new URL(graphUrl).hostname;
    const client = Client.initWithMiddleware({
      middleware: retry,
      baseUrl: graphUrl.slice(0, graphUrl.lastIndexOf('/')),
      defaultVersion: graphUrl.slice(graphUrl.lastIndexOf('/') + 1),
      // The SDK attaches the token only to Microsoft Graph hosts; a proxy, sovereign gateway or fake must be named.
      customHosts: new Set([host]),
    });
    // customHosts matches host names only; these origins (scheme, host and port) are what links may point at.
    const origins = new Set([new URL(graphUrl).origin, new URL(cloud.graphUrl).origin]);
    this.reader = { source: name, client, maxRetries: config.maxRetries, stats: this.readStats, origins };
    this.changeFeed = {
      source: name,
      getPage: (url, what) => getPage(this.reader, url, what),
      readError: (error, what) => this.readError(error, what),
      origins,
    };
    this.batch = {
      source: name,
      get: (url, what, collection) => (collection ? getPage(this.reader, url, what) : getValidated(this.reader, url, graphGroupSchema, what)),
      post: (url, body) => client.api(url).post(body) as Promise<unknown>,
      readError: (error, what) => this.readError(error, what),
      versionRoots: [...new Set([graphUrl, cloud.graphUrl])],
      maxRetries: config.maxRetries,
      stats: this.readStats,
    };
    this.groupFeed = { source: name, getPage: (url, what) => getPage(this.reader, url, what), readError: this.batch.readError, origins, batch: this.batch };
  }

  stats(): ReadStats {
    return { ...this.readStats };
  }

  async *readUsers(query: UserQuery): AsyncIterable<readonly SourceUser[]> {
    const select = selectList(query.attributes);
    const pageSize = this.config.pageSize;
    const expand = readsManager(query.attributes) ? `&$expand=${MANAGER_EXPAND}` : '';
    yield* this.pages(`/users?$select=${select}${expand}&$top=${pageSize}`, false, query.onRejected, expand !== '');
    // Soft-deleted users are not in /users; without them a deletion would look like a hard delete.
    yield* this.pages(`/directory/deletedItems/microsoft.graph.user?$select=${select}&$top=${pageSize}`, true, query.onRejected);
  }

  /**
   * GET /users/{id | userPrincipalName}; a soft-deleted user is not there, so an object id that
   * /users does not know is looked up in /directory/deletedItems too (a soft-deleted user's UPN
   * is renamed, so only its id finds it). The answer must be the user asked for.
   */
  async readUser(idOrUserName: string, query: UserQuery): Promise<SourceUser | undefined> {
    const select = selectList(query.attributes);
    const what = `reading user ${idOrUserName}`;
    const manager = readsManager(query.attributes);
    const expand = manager ? `&$expand=${MANAGER_EXPAND}` : '';
    const active = await this.userAt(`/users/${encodeURIComponent(idOrUserName)}?$select=${select}${expand}`, what);
    if (active) return this.asked(idOrUserName, active, false, what, manager);
    if (!GUID.test(idOrUserName)) return undefined;
    const deleted = await this.userAt(`/directory/deletedItems/${encodeURIComponent(idOrUserName)}?$select=${select}${expand}`, `reading deleted user ${idOrUserName}`);
    // deletedItems holds groups and other objects too; only a user is an answer here.
    const type = deleted?.['@odata.type'];
    if (!deleted || (typeof type === 'string' && type !== '#microsoft.graph.user')) return undefined;
    return this.asked(idOrUserName, deleted, true, what, manager);
  }

  private async userAt(url: string, what: string): Promise<GraphUser | undefined> {
    try {
      return await getValidated(this.reader, url, graphUserSchema, what);
    } catch (error) {
      if (error instanceof GraphError && error.statusCode === 404) return undefined;
      throw this.readError(error, what);
    }
  }

  /** Another user than the one asked for (a proxy's cached answer, a bug) is a failed read, never this user. */
  private asked(idOrUserName: string, user: GraphUser, deleted: boolean, what: string, managerExpanded: boolean): SourceUser {
    const asked = idOrUserName.toLowerCase();
    if (user.id.toLowerCase() !== asked && user.userPrincipalName?.toLowerCase() !== asked) {
      throw new SourceReadError(this.name, `${what} failed: Graph answered another user (id ${user.id}); nothing of this read is used`);
    }
    return toSourceUser(asGraphObject(user), deleted, managerExpanded);
  }

  /**
   * Groups with their user members, a page at a time: the members of a page's groups are read
   * together through JSON batching rather than one group after another.
   */
  async *readGroups(selection: GroupSelection, query: GroupQuery): AsyncIterable<readonly SourceGroup[]> {
    const select = groupSelectList(query.attributes);
    if (selection === 'all') {
      let url: string | undefined = `/groups?$select=${select}&$top=${this.config.pageSize}`;
      for (let page = 1; url; page++) {
        const body: GraphPage = await this.page(url, `reading groups (page ${page})`);
        const listed = acceptItems(this.name, body.value, graphGroupSchema, (item) => `groups page ${page}, item ${item}`, query.onRejected, ['displayName']);
        yield await withMembers(this.batch, listed.map(asGraphObject), query.onRejected);
        url = body['@odata.nextLink'];
      }
      return;
    }
    for (let start = 0; start < selection.refs.length; start += this.config.pageSize) {
      const refs = selection.refs.slice(start, start + this.config.pageSize);
      const reads = new Map<string, BatchRead>();
      for (const ref of refs) {
        const id = GUID.test(ref) ? ref : await this.groupIdByName(ref);
        if (!reads.has(id)) reads.set(id, { key: id, url: `/groups/${id}?$select=${select}`, what: `reading group "${ref}"`, collection: false });
      }
      // A group named by id that Graph no longer has was deleted: it is absent, and its rule applies.
      // (A name that matches nothing stays an error: a rename in the IdP must not delete the app's group.)
      const found = await readMany(this.batch, [...reads.values()]);
      const groups = acceptItems(this.name, [...reads.keys()].flatMap((id) => found.get(id) ?? []), graphGroupSchema, (item) => `groups named in the job, item ${item}`, query.onRejected, ['displayName']);
      yield await withMembers(this.batch, groups.map(asGraphObject), query.onRejected);
    }
  }

  /** The deltaLink of `/groups/delta?$select=…,members&$deltatoken=latest`, with readGroups' $select. */
  groupChangeCursor(_selection: GroupSelection, query: GroupQuery): Promise<string> {
    return takeGroupChangeCursor(this.groupFeed, groupSelectList(query.attributes));
  }

  /**
   * The selected groups' changes since the cursor, from /groups/delta with members@delta; see
   * group-changes.ts for how direct membership changes become flattened ones. Groups named by
   * display name are looked up again on each read.
   */
  readGroupChanges(selection: GroupSelection, query: GroupQuery, cursor: string): IncrementalGroupRead {
    const selected = async (): Promise<ReadonlySet<string> | undefined> => {
      if (selection === 'all') return undefined;
      const ids = new Set<string>();
      for (const ref of selection.refs) ids.add(GUID.test(ref) ? ref : await this.groupIdByName(ref));
      return ids;
    };
    return readGroupChanges(this.groupFeed, groupSelectList(query.attributes), cursor, selected, query.onRejected);
  }

  /** A member entry without a usable id goes to `options.onRejected`; without one, it fails the read (a dropped member would leave scope). */
  async resolveGroupMembers(groupRef: string, options: { readonly onRejected?: OnRejected } = {}): Promise<ReadonlySet<string>> {
    const groupId = GUID.test(groupRef) ? groupRef : await this.groupIdByName(groupRef);
    const what = `reading members of group "${groupRef}"`;
    const pages = (await readMany(this.batch, [memberRead(groupId, what)])).get(groupId);
    if (pages === undefined) throw new SourceReadError(this.name, `${what} failed: Graph has no group with id ${groupId} (404)`, 404);
    return new Set(memberIdsOf(this.name, pages, groupRef, options.onRejected));
  }

  /** GET /users/{id}/transitiveMemberOf/microsoft.graph.group: the user's groups, nested included, every page. */
  async groupsOfUser(userId: string): Promise<ReadonlySet<string>> {
    const groups = new Set<string>();
    let url: string | undefined = `/users/${encodeURIComponent(userId)}/transitiveMemberOf/microsoft.graph.group?$select=id&$top=${this.config.pageSize}`;
    for (let page = 1; url; page++) {
      const what = `reading the groups of user ${userId} (page ${page})`;
      const body: GraphPage = await this.page(url, what);
      // No onRejected: an entry without an id fails the read, as a group left out would read as the user leaving it.
      for (const group of acceptItems(this.name, body.value, graphIdSchema, (item) => `${what}, item ${item}`, undefined, ['displayName'])) groups.add(group.id);
      url = body['@odata.nextLink'];
    }
    return groups;
  }

  /**
   * Users assigned to the enterprise app (appRoleAssignedTo): directly, or as user members —
   * nested groups flattened, as for scope.groups — of an assigned group. Entra's own provisioning
   * takes direct members only.
   */
  async resolveAppAssignments(appRef: string): Promise<ReadonlySet<string>> {
    const { assignments } = await this.appRoleAssignments(appRef, false);
    return new Set((await this.usersOf(assignments, appRef)).keys());
  }

  /**
   * The assigned users with their app roles: each user's own assignments and those of the groups
   * they are in, resolved against the app's appRoles. The roles are read after the assignments, so
   * a role created for a new assignment is already there. An assignment to a role the app no longer
   * defines (deleted after it was assigned) gives no role, as nothing could be sent for it.
   */
  async readAppRoleAssignments(appRef: string): Promise<AppRoleAssignments> {
    const { servicePrincipalId, assignments } = await this.appRoleAssignments(appRef, true);
    const users = await this.usersOf(assignments, appRef);
    const what = `reading the app roles of app ${appRef}`;
    let defined: Map<string, AppRole>;
    try {
      const sp = await getValidated(this.reader, `/servicePrincipals/${servicePrincipalId}?$select=id,appRoles`, servicePrincipalRolesSchema, what);
      defined = new Map(sp.appRoles.map((r) => [r.id.toLowerCase(), { id: r.id, value: r.value ?? null, displayName: r.displayName ?? null }]));
    } catch (error) {
      throw this.readError(error, what, APP_PERMISSIONS);
    }
    const roles = new Map<string, AppRole[]>();
    for (const [userId, roleIds] of users) {
      const held = [...roleIds].flatMap((roleId) => defined.get(roleId.toLowerCase()) ?? []);
      if (held.length > 0) roles.set(userId, held);
    }
    return { users: new Set(users.keys()), roles };
  }

  /** Users assigned directly or as members (nested groups flattened) of an assigned group, each with the role ids it holds. */
  private async usersOf(assignments: readonly AppRoleAssignment[], appRef: string): Promise<Map<string, Set<string>>> {
    const users = new Map<string, Set<string>>();
    const grant = (userId: string, roleId: unknown) => {
      let held = users.get(userId);
      if (!held) users.set(userId, (held = new Set()));
      if (typeof roleId === 'string' && roleId !== DEFAULT_ACCESS_ROLE) held.add(roleId);
    };
    for (const a of assignments) if (a.principalType === 'User') grant(a.principalId, a['appRoleId']);
    const groups = assignedGroups(assignments);
    const members = await readMany(
      this.batch,
      groups.map((groupId) => memberRead(groupId, `reading members of group ${groupId} assigned to app ${appRef}`)),
    );
    for (const groupId of groups) {
      // A group deleted since the assignment listing (404) assigns nobody.
      const pages = members.get(groupId);
      if (pages === undefined) continue;
      const groupRoles = assignments.filter((a) => a.principalType === 'Group' && a.principalId === groupId).map((a) => a['appRoleId']);
      for (const id of memberIdsOf(this.name, pages, groupId, undefined)) for (const roleId of groupRoles) grant(id, roleId);
    }
    return users;
  }

  /** Ids of the groups assigned to the enterprise app. */
  async resolveAppGroups(appRef: string): Promise<readonly string[]> {
    return assignedGroups((await this.appRoleAssignments(appRef, false)).assignments);
  }

  /** The deltaLink of `/users/delta?$deltatoken=latest` with the $select readUsers uses. */
  changeCursor(query: UserQuery): Promise<string> {
    return takeChangeCursor(this.changeFeed, selectList(query.attributes), readsManager(query.attributes) ? MANAGER_EXPAND : undefined);
  }

  /**
   * Users changed since the cursor, from its deltaLink and nextLinks: changed users with every
   * selected property (no `Prefer: return=minimal`), soft deletes by id in `softDeleted`, hard
   * deletes in `removed`. An expired sync state (410, syncStateNotFound, resyncRequired) is a
   * CursorExpiredError.
   */
  readUserChanges(query: UserQuery, cursor: string): IncrementalRead {
    return readChanges(this.changeFeed, selectList(query.attributes), cursor, query.onRejected, readsManager(query.attributes) ? MANAGER_EXPAND : undefined);
  }

  /** @param withRoles read each assignment's appRoleId too (checked as a GUID) */
  private async appRoleAssignments(appRef: string, withRoles: boolean): Promise<{ servicePrincipalId: string; assignments: AppRoleAssignment[] }> {
    const servicePrincipalId = await this.servicePrincipalId(appRef);
    const assignments: AppRoleAssignment[] = [];
    const select = withRoles ? 'principalId,principalType,appRoleId' : 'principalId,principalType';
    const schema = withRoles ? appRoleGrantSchema : appRoleAssignmentSchema;
    let url: string | undefined = `/servicePrincipals/${servicePrincipalId}/appRoleAssignedTo?$select=${select}&$top=999`;
    for (let page = 1; url; page++) {
      const body: GraphPage = await this.page(url, `reading the assignments of app ${appRef} (page ${page})`, APP_PERMISSIONS);
      // No one to report a bad assignment to: it fails the read, since dropping it could take users out of scope (or roles from them).
      const place = (item: number) => `assignments of app ${appRef} page ${page}, item ${item}`;
      assignments.push(...acceptItems(this.name, body.value, schema, place, undefined, []));
      url = body['@odata.nextLink'];
    }
    return { servicePrincipalId, assignments };
  }

  /** jobs[].scope.app is the service principal's object id or the app's application (client) id; both are GUIDs. */
  private async servicePrincipalId(appRef: string): Promise<string> {
    if (!GUID.test(appRef)) {
      throw new SourceReadError(this.name, `jobs[].scope.app "${appRef}" is not an id; use the enterprise app's object id or its application (client) id (Entra admin center → Enterprise applications)`);
    }
    for (const path of [`/servicePrincipals/${appRef}`, `/servicePrincipals(appId='${appRef}')`]) {
      try {
        return (await getValidated(this.reader, `${path}?$select=id`, graphIdSchema, `looking up app ${appRef}`)).id;
      } catch (error) {
        if (error instanceof GraphError && error.statusCode === 404) continue;
        throw this.readError(error, `looking up app ${appRef}`, APP_PERMISSIONS);
      }
    }
    throw new SourceReadError(
      this.name,
      `no enterprise app (service principal) has the object id or application id ${appRef}; check jobs[].scope.app (Entra admin center → Enterprise applications)`,
      404,
    );
  }

  private async groupIdByName(displayName: string): Promise<string> {
    const filter = encodeURIComponent(`displayName eq '${displayName.replace(/'/g, "''")}'`);
    const what = `looking up group "${displayName}"`;
    const page = await this.page(`/groups?$filter=${filter}&$select=id,displayName`, what);
    const hits = acceptItems(this.name, page.value, graphIdSchema, (item) => `${what}, item ${item}`, undefined, ['displayName']);
    if (hits.length !== 1) {
      throw new SourceReadError(
        this.name,
        hits.length === 0
          ? `no group named "${displayName}"; check jobs[].scope.groups (names are exact, or use the group's object id)`
          : `${hits.length} groups are named "${displayName}"; use the group's object id in jobs[].scope.groups`,
      );
    }
    return (hits[0] as { id: string }).id;
  }

  /**
   * The pages of a full read. The next page is asked for as soon as this one has arrived, so Graph
   * answers it while the engine maps, plans and sends this one: a 100,000-user read then waits
   * for Graph about once rather than once a page. At most two pages are held.
   */
  private async *pages(firstUrl: string, deleted: boolean, onRejected: OnRejected, managerExpanded = false): AsyncIterable<readonly SourceUser[]> {
    const listing = deleted ? 'deleted users' : 'users';
    const fetchPage = (url: string, page: number): Promise<GraphPage> => {
      const pending = this.page(url, `reading ${listing} (page ${page})`);
      // A consumer that stops early (the target refused our credentials) leaves the next page unread; its failure is nobody's.
      pending.catch(() => undefined);
      return pending;
    };
    let next: Promise<GraphPage> | undefined = fetchPage(firstUrl, 1);
    for (let page = 1; next; page++) {
      const body: GraphPage = await next;
      const nextUrl = body['@odata.nextLink'];
      next = nextUrl === undefined ? undefined : fetchPage(nextUrl, page + 1);
      const users = acceptItems(this.name, body.value, graphUserSchema, (item) => `${listing} page ${page}, item ${item}`, onRejected);
      yield users.map((u) => toSourceUser(asGraphObject(u), deleted, managerExpanded));
    }
  }

  /** One checked page: a malformed one is retried, then a SourceReadError; a link off the Graph origin is refused. */
  private async page(url: string, what: string, permissions = DIRECTORY_PERMISSIONS): Promise<GraphPage> {
    try {
      return await getPage(this.reader, url, what);
    } catch (error) {
      throw this.readError(error, what, permissions);
    }
  }

  private readError(error: unknown, what: string, permissions = DIRECTORY_PERMISSIONS): SourceReadError {
    if (error instanceof SourceReadError) return error;
    const key = (name: string) => `sources.${this.name}.${name}`;
    const secretKey = this.config.certificatePath !== undefined ? key('certificatePath') : key('clientSecret');
    // The middleware passes @azure/identity's errors through; the SDK wraps them in a GraphError whose code is the error's name.
    const tokenRefused = error instanceof GraphError && CREDENTIAL_ERRORS.has(error.code ?? '');
    if (error instanceof GraphError && !tokenRefused) {
      const hint =
        error.statusCode === 401
          ? ` — Graph refused the app's token even after renewing it; check ${key('tenantId')}, ${key('clientId')} and ${secretKey}`
          : error.statusCode === 403
            ? ` — grant the app in ${key('clientId')} ${permissions} with admin consent`
            : '';
      return new SourceReadError(this.name, `${what} failed: Graph answered ${error.statusCode} ${error.code ?? ''} ${error.message}${hint}`, error.statusCode, { cause: error });
    }
    // Token acquisition errors come from @azure/identity; their messages name the AADSTS code but never the secret.
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (tokenRefused || (error instanceof Error && CREDENTIAL_ERRORS.has(error.name))) {
      return new SourceReadError(this.name, `${what} failed: no token for the app's credential: ${message} — check ${key('tenantId')}, ${key('clientId')} and ${secretKey}`, 401, { cause: error });
    }
    return new SourceReadError(this.name, `${what} failed: ${message}`, undefined, { cause: error });
  }
}

/** Ids of the groups among the assignments, once each (a group may hold several app roles). */
function assignedGroups(assignments: readonly AppRoleAssignment[]): string[] {
  return [...new Set(assignments.flatMap((a) => (a.principalType === 'Group' ? [a.principalId] : [])))];
}
