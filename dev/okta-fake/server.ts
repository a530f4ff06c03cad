import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, readBody } from '../graph-fake/http.js';
import { handleAdmin } from './admin-routes.js';
import { requiredScope, routeApi } from './api-routes.js';
import { OktaAuth, type ServiceAppOptions } from './auth.js';
import { OktaDirectory, type AppInput, type GroupInput, type Profile, type UserInput, type UserStatus } from './directory.js';
import { oktaError } from './errors.js';
import { Faults, type FailOptions, type ForbidOptions, type MalformedListing, type MalformPageOptions } from './faults.js';
import { bucketKey, RateLimiter, type RateLimitOptions, type ThrottleOptions } from './rate-limits.js';
import { apiUser } from './representation.js';
import { closeServer, headerValue } from '../http-server.js';

export interface OktaFakeOptions {
  /** API tokens accepted as `Authorization: SSWS <token>`. */
  tokens?: string[];
  /** OAuth 2.0 service apps allowed to get access tokens with a private key JWT. */
  serviceApps?: ServiceAppOptions[];
  /** Per endpoint bucket; default 600 requests per 60 s. */
  rateLimit?: Partial<RateLimitOptions>;
  accessTokenLifetimeSeconds?: number;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface OktaFakeRequest {
  method: string;
  /** Path including the query string, as sent. */
  path: string;
  status: number;
  /** How the caller authenticated, when it did. */
  auth?: 'ssws' | 'oauth';
}

export interface OktaFakeStats {
  /** Logged requests (API and token endpoint) since the last resetLog(). */
  total: number;
  /** Listing pages answered malformed by malformPage() rules, over the fake's lifetime. */
  malformedPages: number;
  apiRequests: number;
  tokenRequests: number;
  /** 429s over the fake's lifetime, injected or earned. */
  throttled: number;
  tokensIssued: number;
  byStatus: Record<string, number>;
  /** The most API and token requests open at once since the last resetLog(): how concurrently a client reads. */
  maxInFlight: number;
}

export type { AppInput, FailOptions, ForbidOptions, GroupInput, MalformedListing, MalformPageOptions, Profile, RateLimitOptions, ServiceAppOptions, ThrottleOptions, UserInput, UserStatus };

export interface OktaFake {
  /** http://127.0.0.1:<port> — the `orgUrl` for the Okta SDK. */
  readonly orgUrl: string;
  /** http://127.0.0.1:<port>/_admin — the same controls as JSON over HTTP. */
  readonly adminUrl: string;
  readonly port: number;
  /** Every API and token request, oldest first (not /_admin ones). */
  readonly requests: OktaFakeRequest[];
  stats(): OktaFakeStats;
  resetLog(): void;

  /** Creates a user (ACTIVE unless `status` says otherwise); returns its 00u… id. */
  createUser(user: UserInput): string;
  /** Merges into the profile; null removes an attribute. `at` backdates lastUpdated. */
  updateUser(id: string, profile: Profile, at?: string | Date): void;
  /** Okta's lifecycle operations with their transition rules (activate works on STAGED, PROVISIONED and DEPROVISIONED users). */
  activateUser(id: string): void;
  /** → DEPROVISIONED, unassigned from apps. */
  deactivateUser(id: string): void;
  suspendUser(id: string): void;
  unsuspendUser(id: string): void;
  unlockUser(id: string): void;
  /** Any status without transition rules (LOCKED_OUT, RECOVERY, PASSWORD_EXPIRED…). */
  setUserStatus(id: string, status: UserStatus): void;
  /** Deletes for good (deactivating first, as Okta's two DELETEs do); the user is gone from every listing. */
  deleteUser(id: string): void;
  /** The user as GET /api/v1/users/{id} returns it, or undefined. */
  user(idOrLogin: string): Record<string, unknown> | undefined;

  createGroup(group: GroupInput): string;
  /** Renames the group (or changes its description); lastUpdated moves, id and members stay. */
  updateGroup(id: string, profile: { name?: string; description?: string | null }): void;
  addGroupMember(groupId: string, userId: string): void;
  removeGroupMember(groupId: string, userId: string): void;
  deleteGroup(id: string): void;

  createApp(app: AppInput): string;
  assignUserToApp(appId: string, userId: string): void;
  unassignUserFromApp(appId: string, userId: string): void;
  assignGroupToApp(appId: string, groupId: string): void;
  unassignGroupFromApp(appId: string, groupId: string): void;

  addApiToken(token: string): void;
  /** The token answers 401 E0000011 from now on. */
  revokeApiToken(token: string): void;
  registerServiceApp(app: ServiceAppOptions): void;
  grantScopes(clientId: string, scopes: string[]): void;
  revokeAccessTokens(): void;

  setRateLimit(options: RateLimitOptions): void;
  /** Injected 429 E0000047 with X-Rate-Limit-Reset `resetSeconds` (1) ahead; the bucket stays spent until then. */
  throttle(options: ThrottleOptions): void;
  /** 403 E0000006 on API requests (under `pathPrefix`). */
  forbid(options?: ForbidOptions): void;
  /** 5xx on the next `times` API requests (under `pathPrefix`). */
  fail(options: FailOptions): void;
  /**
   * Page `page` (1) of the listing at `path` (/api/v1/users) answers 200 with `fault` — `html`,
   * `emptyObject`, `nullItem` or `userWithoutId` — for `times` (every) answers.
   */
  malformPage(options: MalformPageOptions): void;
  /** Removes injected throttles, 403s, 5xx and malformed pages (not the rate limit). */
  clearFaults(): void;
  /** Every API and token request is answered this much later (default 0), as a distant org would; makes concurrency observable. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const TOKEN_PATH = '/oauth2/v1/token';

export async function startOktaFake(options: OktaFakeOptions = {}): Promise<OktaFake> {
  let origin = '';
  const now = (): number => Date.now();
  const directory = new OktaDirectory(now);
  const auth = new OktaAuth(options.tokens ?? [], options.serviceApps ?? [], options.accessTokenLifetimeSeconds ?? 3600, now);
  const limiter = new RateLimiter({ limit: options.rateLimit?.limit ?? 600, windowSeconds: options.rateLimit?.windowSeconds ?? 60 });
  const faults = new Faults();
  const requests: OktaFakeRequest[] = [];
  let latencyMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const fake: OktaFake = {
    get orgUrl() {
      return origin;
    },
    get adminUrl() {
      return `${origin}/_admin`;
    },
    get port() {
      return Number(new URL(origin).port);
    },
    requests,
    stats() {
      const byStatus: Record<string, number> = {};
      for (const r of requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      const tokenRequests = requests.filter((r) => r.path.startsWith(TOKEN_PATH)).length;
      return {
        total: requests.length,
        malformedPages: faults.malformedPages,
        apiRequests: requests.length - tokenRequests,
        tokenRequests,
        throttled: limiter.throttled,
        tokensIssued: auth.tokensIssued,
        byStatus,
        maxInFlight,
      };
    },
    resetLog: () => {
      requests.length = 0;
      maxInFlight = inFlight;
    },
    createUser: (user) => directory.createUser(user),
    updateUser: (id, profile, at) => directory.updateUser(id, profile, at),
    activateUser: (id) => directory.lifecycle(id, 'activate'),
    deactivateUser: (id) => directory.lifecycle(id, 'deactivate'),
    suspendUser: (id) => directory.lifecycle(id, 'suspend'),
    unsuspendUser: (id) => directory.lifecycle(id, 'unsuspend'),
    unlockUser: (id) => directory.lifecycle(id, 'unlock'),
    setUserStatus: (id, status) => directory.setUserStatus(id, status),
    deleteUser: (id) => {
      if (directory.deleteUserStep(id) === 'deactivated') directory.deleteUserStep(id);
    },
    user: (idOrLogin) => {
      const user = directory.findUser(idOrLogin);
      return user ? structuredClone(apiUser(user, origin)) : undefined;
    },
    createGroup: (group) => directory.createGroup(group),
    updateGroup: (id, profile) => directory.updateGroup(id, profile),
    addGroupMember: (groupId, userId) => directory.addGroupMember(groupId, userId),
    removeGroupMember: (groupId, userId) => directory.removeGroupMember(groupId, userId),
    deleteGroup: (id) => directory.deleteGroup(id),
    createApp: (app) => directory.createApp(app),
    assignUserToApp: (appId, userId) => directory.assignUser(appId, userId),
    unassignUserFromApp: (appId, userId) => directory.unassignUser(appId, userId),
    assignGroupToApp: (appId, groupId) => directory.assignGroup(appId, groupId),
    unassignGroupFromApp: (appId, groupId) => directory.unassignGroup(appId, groupId),
    addApiToken: (token) => auth.addApiToken(token),
    revokeApiToken: (token) => auth.revokeApiToken(token),
    registerServiceApp: (app) => auth.registerServiceApp(app),
    grantScopes: (clientId, scopes) => auth.grantScopes(clientId, scopes),
    revokeAccessTokens: () => auth.revokeAccessTokens(),
    setRateLimit: (limits) => limiter.setLimits(limits),
    throttle: (opts) => limiter.throttle(opts),
    forbid: (opts) => faults.forbid(opts),
    fail: (opts) => faults.fail(opts),
    malformPage: (opts) => faults.malformPage(opts),
    clearFaults: () => {
      limiter.clearThrottle();
      faults.clear();
    },
    setLatency: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new Error('latency must be a non-negative number of milliseconds');
      latencyMs = ms;
    },
    close: () => closeServer(server),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    const url = new URL(path, origin);
    if (url.pathname.startsWith('/_admin/')) return handleAdmin(fake, req, res, url);

    const method = req.method ?? 'GET';
    const entry: OktaFakeRequest = { method, path, status: 500 };
    requests.push(entry);
    const started = now();
    // Okta's Date header: what clients compare X-Rate-Limit-Reset with, so both come from one clock.
    const headers: OutgoingHttpHeaders = { date: new Date(started).toUTCString(), 'x-okta-request-id': `fake-${requests.length}` };
    try {
      if (url.pathname === TOKEN_PATH) {
        if (method !== 'POST') throw oktaError(405, 'E0000022');
        const body = auth.issueToken(new URLSearchParams(await readBody(req)), `${origin}${TOKEN_PATH}`);
        entry.status = 200;
        return send(res, 200, body, { ...headers, 'cache-control': 'no-cache, no-store', pragma: 'no-cache' });
      }
      if (!url.pathname.startsWith('/api/v1/')) throw oktaError(404, 'E0000007', { summary: `Not found: Resource not found: ${url.pathname}` });

      const principal = auth.authenticate(headerValue(req, 'authorization'));
      entry.auth = principal.kind;
      const rate = limiter.admit(bucketKey(method, url.pathname), started);
      if (!rate.ok) throw rate.error;
      Object.assign(headers, rate.headers);
      const fault = faults.failureFor(url.pathname);
      if (fault) throw fault;
      auth.requireScope(principal, requiredScope(method, url.pathname), url.pathname);
      const response = routeApi(directory, origin, { method, url });
      entry.status = response.status;
      const linkHeader = response.links ? { link: response.links } : {};
      const answer = response.page === undefined ? { body: response.body } : faults.malformed(url.pathname, response.page, response.body);
      if (answer.raw) {
        res.writeHead(response.status, { ...headers, ...linkHeader, 'content-type': answer.raw.contentType, 'content-length': Buffer.byteLength(answer.raw.text) });
        res.end(answer.raw.text);
        return;
      }
      return send(res, response.status, answer.body, { ...headers, ...linkHeader });
    } catch (error) {
      const failure = error instanceof HttpError ? error : oktaError(500, 'E0000001', { summary: String(error) });
      entry.status = failure.status;
      if (!res.headersSent) send(res, failure.status, failure.body, { ...headers, ...failure.headers });
      else res.destroy();
    }
  };

  const server: Server = createServer((req, res) => {
    const run = (): void => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, { error: String(error) });
      });
    };
    if ((req.url ?? '/').startsWith('/_admin/')) return run();
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => inFlight--);
    if (latencyMs > 0) setTimeout(run, latencyMs);
    else run();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function send(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
