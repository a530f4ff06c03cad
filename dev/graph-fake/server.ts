import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from '../tls.js';
import { handleAdmin } from './admin-routes.js';
import type { GraphContext } from './context.js';
import { Directory, type DirectoryEntry, type GroupInput, type UserInput } from './directory.js';
import { Faults, type DeltaExpiryOptions, type FailPageOptions, type FaultListing, type MalformedPage, type MalformPageOptions, type ThrottleOptions } from './faults.js';
import { routeGraph } from './graph-routes.js';
import { graphError, HttpError, RawAnswer, readJson, sendJson } from './http.js';
import { batchBody, parseBatch, type SubRequest, type SubResponse } from './batch.js';
import { MAX_PAGE_SIZE } from './odata.js';
import { ServicePrincipals, type ServicePrincipalInput } from './service-principals.js';
import { TokenAuthority } from './token-authority.js';
import { closeServer, headerValue } from '../http-server.js';

export interface GraphFakeOptions {
  tls: TestCertificate;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Default page size of collections when the request has no $top (Graph: 100, at most 999). */
  pageSize?: number;
  tokenLifetimeSeconds?: number;
  /** PEM certificates allowed to sign client assertions; if none, any well-formed assertion from the client is accepted. */
  certificates?: string[];
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface GraphFakeRequest {
  method: string;
  /** Path including the query string, as sent. */
  path: string;
  status: number;
  /** Graph: the bearer token was valid. Token endpoint: the client authenticated and got a token. */
  authorized: boolean;
  /** Set on a sub-request of a JSON batch: it is logged after its POST /v1.0/$batch, with the batch's path-relative url. */
  inBatch?: true;
}

export interface GraphFakeStats {
  /** Logged requests (authority + Graph) since the last resetLog(). */
  total: number;
  tokenRequests: number;
  /** Tokens issued over the fake's lifetime (not reset by resetLog()). */
  tokensIssued: number;
  /** Graph HTTP calls, a POST /$batch counting once. */
  graphRequests: number;
  /** POST /v1.0/$batch calls, and the sub-requests they carried (each also logged in `requests`). */
  batchCalls: number;
  subRequests: number;
  /** 401 responses, from Graph or the token endpoint. */
  unauthorized: number;
  /** Injected throttling / page failures over the fake's lifetime. */
  throttled: number;
  failedPages: number;
  /** Pages answered malformed by malformPage() rules, over the fake's lifetime. */
  malformedPages: number;
  byStatus: Record<string, number>;
}

export type { AppRoleInput } from './service-principals.js';
export type { DeltaExpiryOptions, FailPageOptions, FaultListing, GroupInput, MalformedPage, MalformPageOptions, ServicePrincipalInput, ThrottleOptions, UserInput };

/** A service principal and the ids of the users and groups assigned to it (listed or not). */
export interface ServicePrincipalSnapshot {
  id: string;
  appId: string;
  displayName: string;
  assignedTo: string[];
}

export interface GraphFake {
  /** https://127.0.0.1:<port> — the `authorityHost` for @azure/identity. */
  readonly authorityHost: string;
  /** https://127.0.0.1:<port>/v1.0 — the Graph base URL, for plain HTTP clients and for following links. */
  readonly graphUrl: string;
  /**
   * https://127.0.0.1:<port> — what the Graph SDK wants as `baseUrl`: it
   * appends the version (`defaultVersion`, v1.0) itself, so passing graphUrl
   * would request /v1.0/v1.0/... .
   */
  readonly graphBaseUrl: string;
  readonly port: number;
  readonly tenantId: string;
  readonly clientId: string;
  /** Every request except /_admin ones, oldest first. */
  readonly requests: GraphFakeRequest[];
  stats(): GraphFakeStats;
  resetLog(): void;

  /**
   * Creates the user, or replaces all properties of the user with that id.
   * Generates a GUID id if none is given; accountEnabled defaults to true.
   * `manager` may hold the manager's id (served via $expand=manager and
   * /users/{id}/manager). userPrincipalName must be unique (case-insensitive).
   * Returns the id.
   */
  upsertUser(user: UserInput): string;
  /** Merges properties into an active user; null removes a property. */
  patchUser(id: string, partial: Record<string, unknown>): void;
  /** Moves the user to deletedItems; memberships are kept but hidden until restore. */
  softDeleteUser(id: string): void;
  restoreUser(id: string): void;
  /** Purges an active or soft-deleted user and its memberships. */
  hardDeleteUser(id: string): void;
  /** Creates or replaces a group; `members` are user or group ids. Returns the id. */
  upsertGroup(group: GroupInput): string;
  deleteGroup(id: string): void;
  /** Active users: snapshots (deep copies) of the stored properties. */
  users(): Record<string, unknown>[];
  /** Soft-deleted users, with deletedDateTime. */
  deletedUsers(): Record<string, unknown>[];
  groups(): (Record<string, unknown> & { members: string[] })[];
  /** Creates an enterprise app (service principal) with its appRoles, or renames (and re-roles) the one with that id. appId is generated unless given. Returns the object id. */
  upsertServicePrincipal(servicePrincipal: ServicePrincipalInput): string;
  deleteServicePrincipal(id: string): void;
  /**
   * Assigns a user or group to the service principal (appRoleAssignedTo) in a role, default access
   * unless `appRoleId` is given; the same role twice is a no-op. Returns the assignment id.
   */
  assignToServicePrincipal(servicePrincipalId: string, principalId: string, appRoleId?: string): string;
  /** Removes the principal's assignment in `appRoleId`, or every role it holds on the service principal. */
  unassignFromServicePrincipal(servicePrincipalId: string, principalId: string, appRoleId?: string): void;
  servicePrincipals(): ServicePrincipalSnapshot[];

  /** Invalidates every issued token: Graph answers them with 401 InvalidAuthenticationToken. */
  expireTokens(): void;
  /** Allows client assertions signed by this certificate's key (PEM). */
  registerCertificate(pem: string): void;
  /**
   * 429 (or 503) with Retry-After on every Nth or the next N authenticated Graph requests — each
   * sub-request of a JSON batch counting as one, the POST /$batch itself as none (Graph throttles
   * a batch's requests one by one). Replaces the previous rule.
   */
  throttle(options: ThrottleOptions): void;
  /** Makes page `page` (1-based) of GET /users fail with `status` (503) for `times` (Infinity) attempts. */
  failPage(page: number, options?: FailPageOptions): void;
  /**
   * Makes page `page` (1-based) of a listing (`users` by default; `deletedUsers`, `delta`, `groups`,
   * `members`) answer 200 with something that is not a Graph page — `html`, `emptyObject`,
   * `valueObject`, `nullItem`, `userWithoutId`, or `foreignNextLink` (to `origin`) — for `times`
   * (Infinity) answers.
   */
  malformPage(page: number, options: MalformPageOptions): void;
  /** Every delta/skip token issued so far answers `status` (410) `code` (SyncStateNotFound) from now on; clearFaults() does not undo it. */
  expireDeltaTokens(options?: DeltaExpiryOptions): void;
  clearFaults(): void;
  /**
   * Graph requests from now on wait, unanswered, until the returned function is called: a test
   * can then act while a cycle is surely mid-read, without guessing how long the read takes.
   */
  holdGraphRequests(): () => void;
  close(): Promise<void>;
}

const GRAPH_PREFIX = '/v1.0';

export async function startGraphFake(options: GraphFakeOptions): Promise<GraphFake> {
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new Error(`pageSize must be 1..${MAX_PAGE_SIZE}`);
  }
  let origin = '';
  const directory = new Directory();
  const faults = new Faults();
  const servicePrincipals = new ServicePrincipals((id) => {
    const user = directory.findUser(id);
    if (user?.id === id) return { kind: 'user', displayName: String(user.props['displayName'] ?? user.props['userPrincipalName'] ?? id) };
    const group = directory.findGroup(id);
    return group ? { kind: 'group', displayName: String(group.props['displayName'] ?? id) } : undefined;
  });
  const authority = new TokenAuthority(
    {
      tenantId: options.tenantId,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
      certificates: options.certificates ?? [],
    },
    () => origin,
  );
  const ctx: GraphContext = { directory, servicePrincipals, faults, graphUrl: '', pageSize };
  const requests: GraphFakeRequest[] = [];
  let graphRequests = 0;
  let batchCalls = 0;
  let subRequests = 0;
  let hold: Promise<void> | undefined;
  let tokenRequests = 0;

  const snapshot = (entry: DirectoryEntry): Record<string, unknown> => structuredClone(entry.props);

  const fake: GraphFake = {
    get authorityHost() {
      return origin;
    },
    get graphUrl() {
      return ctx.graphUrl;
    },
    get graphBaseUrl() {
      return origin;
    },
    get port() {
      return Number(new URL(origin).port);
    },
    tenantId: options.tenantId,
    clientId: options.clientId,
    requests,
    stats() {
      const byStatus: Record<string, number> = {};
      for (const r of requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      return {
        total: requests.length,
        tokenRequests,
        tokensIssued: authority.tokensIssued,
        graphRequests,
        batchCalls,
        subRequests,
        unauthorized: requests.filter((r) => r.status === 401).length,
        throttled: faults.throttled,
        failedPages: faults.failedPages,
        malformedPages: faults.malformedPages,
        byStatus,
      };
    },
    resetLog() {
      requests.length = 0;
      graphRequests = 0;
      batchCalls = 0;
      subRequests = 0;
      tokenRequests = 0;
    },
    upsertUser: (user) => directory.upsertUser(user),
    patchUser: (id, partial) => directory.patchUser(id, partial),
    softDeleteUser: (id) => directory.softDeleteUser(id),
    restoreUser: (id) => directory.restoreUser(id),
    hardDeleteUser: (id) => directory.hardDeleteUser(id),
    upsertGroup: (group) => directory.upsertGroup(group),
    deleteGroup: (id) => directory.deleteGroup(id),
    users: () => directory.activeUsers().map(snapshot),
    deletedUsers: () => directory.deletedUsers().map(snapshot),
    groups: () => directory.groups().map((g) => ({ ...snapshot(g), members: [...g.members] })),
    upsertServicePrincipal: (sp) => servicePrincipals.upsert(sp),
    deleteServicePrincipal: (id) => servicePrincipals.delete(id),
    assignToServicePrincipal: (spId, principalId, appRoleId) => servicePrincipals.assign(spId, principalId, appRoleId),
    unassignFromServicePrincipal: (spId, principalId, appRoleId) => servicePrincipals.unassign(spId, principalId, appRoleId),
    servicePrincipals: () =>
      servicePrincipals.all().map((sp) => ({ id: sp.id, appId: sp.appId, displayName: sp.displayName, assignedTo: [...new Set([...sp.assignments.values()].map((a) => a.principalId))] })),
    expireTokens: () => authority.expireAll(),
    registerCertificate: (pem) => authority.registerCertificate(pem),
    throttle: (opts) => faults.throttle(opts),
    failPage: (page, opts) => faults.failPage(page, opts),
    malformPage: (page, opts) => faults.malformPage(page, opts),
    expireDeltaTokens: (opts) => faults.expireDeltaTokens(opts),
    clearFaults: () => faults.clear(),
    holdGraphRequests: () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      hold = held;
      return () => {
        if (hold === held) hold = undefined;
        release();
      };
    },
    close: () => closeServer(server),
  };

  /** One request of a JSON batch, answered as Graph answers it alone (throttling and page faults included). */
  const runSubRequest = (sub: SubRequest): SubResponse => {
    subRequests += 1;
    const entry: GraphFakeRequest = { method: sub.method, path: `${GRAPH_PREFIX}${sub.url}`, status: 500, authorized: true, inBatch: true };
    requests.push(entry);
    try {
      const throttled = faults.throttleFor();
      if (throttled) throw throttled;
      if (sub.method !== 'GET') throw graphError(405, 'Request_BadRequest', `The fake Graph is read-only; ${sub.method} is not supported.`);
      const url = new URL(`${GRAPH_PREFIX}${sub.url}`, origin);
      if (url.pathname === `${GRAPH_PREFIX}/$batch`) throw graphError(400, 'BadRequest', 'A batch cannot contain a batch.');
      const body = routeGraph(ctx, { segments: pathSegments(url.pathname.slice(GRAPH_PREFIX.length)), params: url.searchParams, headers: sub.headers });
      entry.status = 200;
      return { id: sub.id, status: 200, headers: { 'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8' }, body };
    } catch (error) {
      if (error instanceof RawAnswer) {
        // Graph sends a sub-response body that is not JSON base64-encoded, under its own Content-Type.
        entry.status = error.status;
        return { id: sub.id, status: error.status, headers: { 'Content-Type': error.contentType }, body: Buffer.from(error.text).toString('base64') };
      }
      const failure = error instanceof HttpError ? error : graphError(500, 'generalException', String(error));
      entry.status = failure.status;
      return { id: sub.id, status: failure.status, headers: graphHeaderNames({ 'content-type': 'application/json', ...failure.headers }), body: failure.body };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    const url = new URL(path, origin);
    if (url.pathname.startsWith('/_admin/')) return handleAdmin(fake, req, res, url);

    const entry: GraphFakeRequest = { method: req.method ?? 'GET', path, status: 500, authorized: false };
    requests.push(entry);
    const clientRequestId = headerValue(req, 'client-request-id') ?? randomUUID();
    const graphHeaders = {
      'request-id': randomUUID(),
      'client-request-id': clientRequestId,
      'odata-version': '4.0',
    };
    try {
      if (url.pathname === GRAPH_PREFIX || url.pathname.startsWith(`${GRAPH_PREFIX}/`)) {
        graphRequests += 1;
        if (hold) await hold;
        const check = authority.checkBearer(headerValue(req, 'authorization'));
        if (!check.ok) {
          throw graphError(401, 'InvalidAuthenticationToken', check.message, {
            'www-authenticate': `Bearer realm="", authorization_uri="${origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
          });
        }
        entry.authorized = true;
        if (url.pathname === `${GRAPH_PREFIX}/$batch` && req.method === 'POST') {
          batchCalls += 1;
          const subs = parseBatch(await readJson(req));
          const responses = subs.map((sub) => runSubRequest(sub));
          entry.status = 200;
          sendJson(res, 200, batchBody(responses), { ...graphHeaders, 'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8' });
          return;
        }
        const throttled = faults.throttleFor();
        if (throttled) throw throttled;
        if (req.method !== 'GET') throw graphError(405, 'Request_BadRequest', `The fake Graph is read-only; ${req.method ?? ''} is not supported.`);
        const body = routeGraph(ctx, { segments: pathSegments(url.pathname.slice(GRAPH_PREFIX.length)), params: url.searchParams, headers: req.headers });
        entry.status = 200;
        sendJson(res, 200, body, {
          ...graphHeaders,
          'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
        });
        return;
      }
      tokenRequests += url.pathname.endsWith('/oauth2/v2.0/token') ? 1 : 0;
      const result = await authority.handle(req, res, url);
      if (!result) throw new HttpError(404, { error: 'not_found', error_description: `No such endpoint: ${url.pathname}` });
      entry.status = result.status;
      entry.authorized = result.authorized;
    } catch (error) {
      if (error instanceof RawAnswer) {
        entry.status = error.status;
        res.writeHead(error.status, { ...graphHeaders, 'content-type': error.contentType, 'content-length': Buffer.byteLength(error.text) });
        res.end(error.text);
        return;
      }
      const failure = error instanceof HttpError ? error : graphError(500, 'generalException', String(error));
      entry.status = failure.status;
      if (!res.headersSent) sendJson(res, failure.status, failure.body, { ...graphHeaders, ...failure.headers });
      else res.destroy();
    }
  };

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `https://127.0.0.1:${port}`;
  ctx.graphUrl = `${origin}${GRAPH_PREFIX}`;
  return fake;
}

/** JSON batch responses spell header names as Graph sends them (`Retry-After`); JSON keys are not case-insensitive. */
function graphHeaderNames(headers: Record<string, string>): Record<string, string> {
  const named: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) named[name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())] = value;
  return named;
}

function pathSegments(path: string): string[] {
  try {
    return path
      .split('/')
      .filter((s) => s.length > 0)
      .map(decodeURIComponent);
  } catch {
    throw graphError(400, 'BadRequest', 'Malformed request path.');
  }
}
