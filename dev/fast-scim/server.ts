/**
 * A fast in-memory SCIM 2.0 app on node:http, for the end-to-end benchmark: Users and Groups
 * (POST, GET by id, filtered and paged lists with attributes=/excludedAttributes=, PUT, PATCH
 * per RFC 7644 including members add/remove, DELETE), bearer-token auth, and an unauthenticated
 * admin API with request counters. It enforces userName uniqueness (409) as real apps do.
 * The scimmy-based scim-server.ts is the reference for behaviour; this one is for volume.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FilterError, parseFilter } from './filter.js';
import { applyPatch, isObject, ScimError, type Json, type JsonObject, type PatchOp } from './patch.js';
import { ResourceStore, type ResourceType } from './store.js';

export interface FastScimServerOptions {
  readonly token: string;
  readonly port?: number;
  /** Default /scim/v2. */
  readonly basePath?: string;
}

export interface FastScimStats {
  /** Authenticated and unauthenticated SCIM requests (not admin ones). */
  total: number;
  /** e.g. "POST /Users", "GET /Users?filter", "GET /Users/:id", "PATCH /Groups/:id". */
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  /** CPU time this server process spent since the counters were last reset: shows whether the app was the bottleneck. */
  cpuMs: number;
}

export interface FastScimServer {
  readonly url: string;
  readonly adminUrl: string;
  readonly users: ResourceStore;
  readonly groups: ResourceStore;
  stats(): FastScimStats;
  resetStats(): void;
  close(): Promise<void>;
}

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_PAGE = 1000;

export async function startFastScimServer(options: FastScimServerOptions): Promise<FastScimServer> {
  const basePath = (options.basePath ?? '/scim/v2').replace(/\/+$/, '');
  let stats: Omit<FastScimStats, 'cpuMs'> = { total: 0, byRoute: {}, byStatus: {} };
  let cpuBase = process.cpuUsage();
  const snapshot = (): FastScimStats => {
    const cpu = process.cpuUsage(cpuBase);
    return { ...structuredClone(stats), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  };
  const reset = (): void => {
    stats = { total: 0, byRoute: {}, byStatus: {} };
    cpuBase = process.cpuUsage();
  };
  let users!: ResourceStore;
  let groups!: ResourceStore;
  const expected = `Bearer ${options.token}`;

  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname.startsWith('/_admin/')) return handleAdmin(req.method ?? 'GET', url, res);
        let status = 500;
        let route = `${req.method} ?`;
        try {
          const result = handleScim(req, url, text);
          route = result.route;
          status = result.status;
          send(res, result.status, result.body, result.headers);
        } catch (error) {
          const scim = error instanceof ScimError ? error : new ScimError(500, undefined, error instanceof Error ? error.message : String(error));
          status = scim.status;
          if (error instanceof RoutedError) route = error.route;
          send(res, scim.status, { schemas: [ERROR_SCHEMA], status: String(scim.status), ...(scim.scimType ? { scimType: scim.scimType } : {}), detail: scim.message });
        }
        stats.total++;
        stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
        stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      },
      () => send(res, 400, { schemas: [ERROR_SCHEMA], status: '400', detail: 'unreadable body' }),
    );
  });
  // Keep-alive sockets outlive the clients' idle timeouts, so a benchmark never pays reconnects.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  users = new ResourceStore('Users', origin + basePath);
  groups = new ResourceStore('Groups', origin + basePath);

  class RoutedError extends ScimError {
    constructor(
      readonly route: string,
      cause: ScimError,
    ) {
      super(cause.status, cause.scimType, cause.message);
    }
  }

  function handleScim(req: IncomingMessage, url: URL, text: string): { route: string; status: number; body?: JsonObject; headers?: Record<string, string> } {
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(`${basePath}/`)) throw new ScimError(404, undefined, `no such path ${url.pathname}`);
    const [type, id, ...extra] = url.pathname.slice(basePath.length + 1).split('/').map(decodeURIComponent);
    const route = `${method} /${type}${id ? '/:id' : url.searchParams.has('filter') ? '?filter' : ''}`;
    try {
      if (req.headers.authorization !== expected) throw new ScimError(401, undefined, 'bearer token missing or wrong');
      if ((type !== 'Users' && type !== 'Groups') || extra.length > 0) throw new ScimError(404, undefined, `no such resource type ${type}`);
      const store = type === 'Users' ? users : groups;
      const body = text === '' ? undefined : parseJson(text);
      if (id === undefined || id === '') {
        if (method === 'GET') return { route, status: 200, body: list(store, url.searchParams) };
        if (method === 'POST') {
          if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'expected a JSON object');
          const created = store.create(body);
          return { route, status: 201, body: created, headers: { location: String((created['meta'] as JsonObject)['location']) } };
        }
        throw new ScimError(405, undefined, `${method} not allowed on /${type}`);
      }
      const current = store.get(id);
      if (!current) throw new ScimError(404, undefined, `${type} ${id} not found`);
      switch (method) {
        case 'GET':
          return { route, status: 200, body: project(current, url.searchParams) };
        case 'PUT': {
          if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'expected a JSON object');
          return { route, status: 200, body: store.replace(id, body) };
        }
        case 'PATCH': {
          if (!isObject(body) || !Array.isArray(body['schemas']) || !body['schemas'].includes(PATCH_SCHEMA) || !Array.isArray(body['Operations'])) {
            throw new ScimError(400, 'invalidSyntax', 'expected a PatchOp with Operations');
          }
          const patched = applyPatch(current, body['Operations'] as unknown as PatchOp[]);
          return { route, status: 200, body: project(store.replace(id, patched), url.searchParams) };
        }
        case 'DELETE':
          store.delete(id);
          return { route, status: 204 };
        default:
          throw new ScimError(405, undefined, `${method} not allowed`);
      }
    } catch (error) {
      if (error instanceof ScimError) throw new RoutedError(route, error);
      throw error;
    }
  }

  function list(store: ResourceStore, params: URLSearchParams): JsonObject {
    const filterText = params.get('filter');
    let all: JsonObject[];
    try {
      all = filterText ? store.filter(parseFilter(filterText)) : [...store.values()];
    } catch (error) {
      if (error instanceof FilterError) throw new ScimError(400, 'invalidFilter', error.message);
      throw error;
    }
    const startIndex = Math.max(1, Number(params.get('startIndex') ?? 1) || 1);
    const count = Math.min(MAX_PAGE, Math.max(0, Number(params.get('count') ?? MAX_PAGE) || 0));
    const page = all.slice(startIndex - 1, startIndex - 1 + count);
    return { schemas: [LIST_SCHEMA], totalResults: all.length, startIndex, itemsPerPage: page.length, Resources: page.map((r) => project(r, params)) };
  }

  function handleAdmin(method: string, url: URL, res: ServerResponse): void {
    const key = `${method} ${url.pathname}`;
    switch (key) {
      case 'GET /_admin/stats':
        return send(res, 200, snapshot() as unknown as JsonObject);
      case 'DELETE /_admin/stats':
        reset();
        return send(res, 204);
      case 'GET /_admin/summary': {
        let members = 0;
        for (const group of groups.values()) members += Array.isArray(group['members']) ? group['members'].length : 0;
        return send(res, 200, { users: users.size, groups: groups.size, members });
      }
      case 'GET /_admin/userNames':
        return send(res, 200, { userNames: [...users.values()].map((u) => u['userName'] as Json) });
      case 'GET /_admin/users':
        return send(res, 200, { Resources: [...users.values()] });
      case 'GET /_admin/groups':
        return send(res, 200, { Resources: [...groups.values()] });
      default:
        return send(res, 404, { error: `no admin route ${key}` });
    }
  }

  return {
    url: origin + basePath,
    adminUrl: `${origin}/_admin`,
    users,
    groups,
    stats: snapshot,
    resetStats: reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** attributes= keeps id, schemas and the named top-level attributes; excludedAttributes= drops the named ones. */
function project(resource: JsonObject, params: URLSearchParams): JsonObject {
  const attributes = params.get('attributes');
  const excluded = params.get('excludedAttributes');
  if (!attributes && !excluded) return resource;
  // An extension attribute (urn:…:2.0:User:department) keeps its dots: its schema URN has some.
  const names = (text: string) => new Set(text.split(',').map((a) => (a.trim().startsWith('urn:') ? a.trim() : a.trim().split('.')[0]!).toLowerCase()).filter(Boolean));
  if (attributes) {
    const wanted = names(attributes);
    wanted.add('id');
    wanted.add('schemas');
    return Object.fromEntries(Object.entries(resource).filter(([k]) => wanted.has(k.toLowerCase()) || (k.startsWith('urn:') && [...wanted].some((w) => w.startsWith(k.toLowerCase())))));
  }
  const dropped = names(excluded as string);
  dropped.delete('id');
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !dropped.has(k.toLowerCase())));
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new ScimError(400, 'invalidSyntax', 'body is not JSON');
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body?: JsonObject, headers: Record<string, string> = {}): void {
  if (body === undefined || status === 204) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
