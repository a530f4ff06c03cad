import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { adminRouter } from './admin.js';
import { interceptAnswer, numericIdsIn } from './answers.js';
import { ScimChaos, type ScimChaosOptions, type ScimChaosStats } from './chaos.js';
import { normaliseEntraPatch } from './entra-compat.js';
import { declareUserExtensions, type ScimExtensionSpec } from './extensions.js';
import { parseScimQuery, requestLog, ScimFaults, sendScimError, type ScimFault, type ScimRequestLogEntry } from './middleware.js';
import { declareResources } from './resources.js';
import { ScimStore, type ScimResource } from './store.js';

export interface ScimServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The bearer token clients must send. */
  token: string;
  /** Default /scim/v2. */
  basePath?: string;
  /**
   * Extra User schema extensions (the enterprise and Flip ones are always
   * declared). scimmy's schema registry is process-wide, so they apply to
   * every SCIM server in the process.
   */
  extensions?: ScimExtensionSpec[];
  /** An app's own rules on top of standard SCIM (dev/emulators/): its base path, refusals and quirks. */
  profile?: ScimAppProfile;
}

/**
 * What makes the server behave as one app: where it serves SCIM, and handlers that see every
 * authenticated SCIM request (PATCH bodies already normalised) before the standard handling — to
 * refuse what the app refuses, or to do what the app does instead.
 */
export interface ScimAppProfile {
  readonly name: string;
  /** Where the app serves SCIM, e.g. /api/v1/scim/v2. */
  readonly basePath: string;
  /** The base URL as the app's guide writes it ends in a slash (Flagsmith's does). */
  readonly trailingSlash?: boolean;
  handlers(store: ScimStore): RequestHandler[];
}

export interface ScimServer {
  /** e.g. http://127.0.0.1:PORT/scim/v2 */
  readonly url: string;
  /** e.g. http://127.0.0.1:PORT/_admin */
  readonly adminUrl: string;
  readonly port: number;
  readonly requests: ScimRequestLogEntry[];
  clearRequests(): void;
  /** Stored resources (deep copies). */
  users(): ScimResource[];
  groups(): ScimResource[];
  /** Creates a user as the app's admin would: full SCIM validation, not in the request log. */
  createUser(resource: Record<string, unknown>): Promise<ScimResource>;
  createGroup(resource: Record<string, unknown>): Promise<ScimResource>;
  /** Edits the stored user directly (shallow merge, no validation), like a change made in the app's UI. */
  editUser(id: string, changes: Record<string, unknown>): ScimResource;
  deleteUser(id: string): boolean;
  deleteGroup(id: string): boolean;
  injectFault(fault: ScimFault): void;
  /** Removes injected faults and chaos. */
  clearFaults(): void;
  /** Fails a share of all requests from now on (seeded, reproducible); replaces earlier chaos. */
  setChaos(options: ScimChaosOptions): void;
  chaosStats(): ScimChaosStats;
  /** The app revokes the token: every request is answered 401 until restoreToken(). */
  revokeToken(): void;
  restoreToken(): void;
  /** New resources get numeric ids, and answers carry them as JSON numbers. */
  setNumericIds(on: boolean): void;
  /** Off: userName is not unique (RFC 7643 asks servers for it, not every app does). */
  setUniqueUserNames(on: boolean): void;
  /** The app goes down: the port refuses connections (open ones are cut) until up(); data is kept. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export type { ScimChaosOptions, ScimChaosStats, ScimExtensionSpec, ScimFault, ScimRequestLogEntry, ScimResource, ScimStore };

export async function startScimServer(options: ScimServerOptions): Promise<ScimServer> {
  const basePath = normaliseBasePath(options.basePath ?? options.profile?.basePath ?? '/scim/v2');
  // Resources must be declared before SCIMMYRouters is built: it mounts the declared ones.
  declareResources();
  if (options.extensions) declareUserExtensions(options.extensions);

  const store = new ScimStore();
  const requests: ScimRequestLogEntry[] = [];
  const faults = new ScimFaults();
  const chaos = new ScimChaos();
  const expected = Buffer.from(`Bearer ${options.token}`);
  let revoked = false;
  const isAuthorized = (req: Request): boolean => {
    if (revoked) return false;
    const given = Buffer.from(req.header('authorization') ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const scim = express.Router();
  scim.use(requestLog(requests));
  scim.use(express.json({ type: ['application/scim+json', 'application/json'], limit: '1mb' }));
  scim.use((_req: Request, res: Response, next: NextFunction) => {
    if (store.numericIds) interceptAnswer(res, { rewrite: numericIdsIn });
    next();
  });
  scim.use(faults.middleware(isAuthorized));
  scim.use(chaos.middleware(isAuthorized));
  scim.use(normaliseEntraPatch);
  // Guarded by the same token check as the standard handling: an app refuses nothing to a stranger but the token.
  if (options.profile) {
    for (const handler of options.profile.handlers(store)) scim.use((req: Request, res: Response, next: NextFunction) => (isAuthorized(req) ? handler(req, res, next) : next()));
  }
  scim.use(
    new SCIMMYRouters({
      type: 'bearer',
      docUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
      handler: (req) => {
        if (!isAuthorized(req)) throw new Error('Authorization failure: missing or invalid bearer token');
        return 'provisioner';
      },
      context: () => store,
      // Absolute meta.location values, as real apps return them.
      baseUri: (req) => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`,
    }),
  );
  scim.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 500;
    // Body-parser errors (bad JSON) arrive here before scimmy sees the request.
    if (status === 400) return sendScimError(res, 400, error instanceof Error ? error.message : 'Bad request', 'invalidSyntax');
    sendScimError(res, Number.isInteger(status) && status >= 400 ? status : 500, error instanceof Error ? error.message : String(error));
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', parseScimQuery);

  let port = 0;
  const server: ScimServer = {
    get url() {
      return `http://127.0.0.1:${port}${basePath}${options.profile?.trailingSlash ? '/' : ''}`;
    },
    get adminUrl() {
      return `http://127.0.0.1:${port}/_admin`;
    },
    get port() {
      return port;
    },
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    users: () => store.list('User').map((r) => structuredClone(r)),
    groups: () => store.list('Group').map((r) => structuredClone(r)),
    createUser: async (resource) => toPlain(await new SCIMMY.Resources.User().write(resource, store)),
    createGroup: async (resource) => toPlain(await new SCIMMY.Resources.Group().write(resource, store)),
    editUser: (id, changes) => {
      const existing = store.get('User', id);
      if (!existing) throw Object.assign(new Error(`no user ${id}`), { status: 404 });
      Object.assign(existing, changes, { id, meta: { ...existing.meta, lastModified: new Date().toISOString() } });
      return structuredClone(existing);
    },
    deleteUser: (id) => store.remove('User', id),
    deleteGroup: (id) => store.remove('Group', id),
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => {
      faults.clear();
      chaos.clear();
    },
    setChaos: (chaosOptions) => chaos.set(chaosOptions),
    chaosStats: () => ({ ...chaos.stats }),
    revokeToken: () => {
      revoked = true;
    },
    restoreToken: () => {
      revoked = false;
    },
    setNumericIds: (on) => {
      store.numericIds = on;
    },
    setUniqueUserNames: (on) => {
      store.uniqueUserNames = on;
    },
    down: () => (http.listening ? closeServer(http) : Promise.resolve()),
    up: () => (http.listening ? Promise.resolve() : listen(http, port)),
    close: () => (http.listening ? closeServer(http) : Promise.resolve()),
  };

  app.use('/_admin', adminRouter(server));
  app.use(basePath, scim);
  app.use((_req: Request, res: Response) => sendScimError(res, 404, 'Endpoint Not Found'));

  const http: Server = createServer(app);
  await listen(http, options.port ?? 0);
  port = (http.address() as AddressInfo).port;
  return server;
}

function listen(http: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
}

function normaliseBasePath(path: string): string {
  const trimmed = `/${path.replace(/^\/+|\/+$/g, '')}`;
  return trimmed === '/' ? '' : trimmed;
}

function toPlain(value: unknown): ScimResource {
  return JSON.parse(JSON.stringify(value)) as ScimResource;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
