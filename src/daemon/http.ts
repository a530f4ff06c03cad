/**
 * The daemon's HTTP endpoint (node:http): GET /healthz, GET /readyz, GET /metrics, and POST /sync
 * to run a cycle now. Only POST /sync changes anything, so only it needs the bearer token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { UsageError } from '../cli/runner.js';
import { httpUrl, loopbackFor } from './address.js';
import { UnavailableError } from './cycles.js';
import { parseSyncRequest, type CycleRequest, type CycleSummary, type SyncErrorBody, type SyncResponseBody } from './sync-protocol.js';

export interface Readiness {
  readonly ready: boolean;
  /** Why not, when not. */
  readonly reasons: readonly string[];
}

/**
 * How a POST /sync was answered: `accepted` when its cycles ran (whatever their outcomes),
 * `unknown_job` for a job the config lacks, `unavailable` while shutting down or not serving the
 * database, `error` for a 500.
 */
export type SyncRequestResult = 'accepted' | 'unauthorized' | 'disabled' | 'invalid' | 'unknown_job' | 'unavailable' | 'error';

export interface HttpHandlers {
  readiness(): Readiness;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Runs the requested cycles and resolves with their summaries. */
  sync(request: CycleRequest): Promise<CycleSummary[]>;
  /** The token POST /sync requires, from the config in force; undefined disables POST /sync. */
  syncToken(): string | undefined;
  onSyncRequest?(result: SyncRequestResult): void;
}

export interface DaemonHttpServer {
  /** Where the server listens, e.g. http://127.0.0.1:8080 (the bound port when 0 was asked for). */
  readonly url: string;
  /** A URL a process on this host can reach it by: loopback when bound to every interface. */
  readonly localUrl: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;

export async function startHttpServer(listen: { host: string; port: number }, handlers: HttpHandlers, log: Logger): Promise<DaemonHttpServer> {
  const server = createServer((req, res) => {
    route(req, res, handlers).catch((error: unknown) => {
      log.error({ path: req.url, error: error instanceof Error ? error.message : String(error) }, 'HTTP request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: httpUrl(address.address, address.port),
    localUrl: httpUrl(loopbackFor(address.address), address.port),
    close: () => closeServer(server),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, handlers: HttpHandlers): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  const endpoint = ENDPOINTS[path];
  if (!endpoint) return sendJson(res, 404, { error: `no such endpoint; try ${Object.keys(ENDPOINTS).join(', ')}` });
  if (!endpoint.methods.includes(method)) {
    res.setHeader('allow', endpoint.methods.join(', '));
    return sendJson(res, 405, { error: `${path} takes ${endpoint.methods.join(' or ')}` });
  }
  return endpoint.handle(req, res, handlers);
}

type Endpoint = {
  readonly methods: readonly string[];
  handle(req: IncomingMessage, res: ServerResponse, handlers: HttpHandlers): Promise<void> | void;
};

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/healthz': {
    methods: ['GET', 'HEAD'],
    handle: (_req, res) => sendText(res, 200, 'ok\n'),
  },
  '/readyz': {
    methods: ['GET', 'HEAD'],
    handle: (_req, res, handlers) => {
      const readiness = handlers.readiness();
      sendJson(res, readiness.ready ? 200 : 503, readiness);
    },
  },
  '/metrics': {
    methods: ['GET'],
    handle: async (_req, res, handlers) => {
      const { contentType, body } = await handlers.metrics();
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
    },
  },
  '/sync': {
    methods: ['POST'],
    handle: handleSync,
  },
};

async function handleSync(req: IncomingMessage, res: ServerResponse, handlers: HttpHandlers): Promise<void> {
  const token = handlers.syncToken();
  if (token === undefined) {
    handlers.onSyncRequest?.('disabled');
    return sendJson(res, 403, { error: 'POST /sync is disabled: set server.token in the config to enable it' });
  }
  if (!bearerMatches(req.headers.authorization, token)) {
    handlers.onSyncRequest?.('unauthorized');
    res.setHeader('www-authenticate', 'Bearer realm="provisiond"');
    return sendJson(res, 401, { error: 'POST /sync needs "Authorization: Bearer <server.token>"' });
  }
  let body: unknown;
  try {
    const text = await readBody(req);
    body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    handlers.onSyncRequest?.('invalid');
    return sendJson(res, 400, { error: error instanceof BodyTooLargeError ? error.message : 'the body is not valid JSON' });
  }
  const request = parseSyncRequest(body);
  if ('error' in request) {
    handlers.onSyncRequest?.('invalid');
    return sendJson(res, 400, { error: request.error });
  }
  let reports: CycleSummary[];
  try {
    reports = await handlers.sync(request);
  } catch (error) {
    if (error instanceof UsageError) {
      handlers.onSyncRequest?.('unknown_job');
      return sendJson(res, 404, { error: error.message });
    }
    if (error instanceof UnavailableError) {
      handlers.onSyncRequest?.('unavailable');
      return sendJson(res, 503, { error: error.message });
    }
    handlers.onSyncRequest?.('error');
    throw error;
  }
  handlers.onSyncRequest?.('accepted');
  sendJson(res, 200, { reports } satisfies SyncResponseBody);
}

/** Compares digests, so neither the time taken nor a length mismatch tells how much of the token was right. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest((match[1] as string).trim()), digest(token));
}

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: SyncResponseBody | SyncErrorBody | Readiness): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** Stops accepting, lets responses in progress end briefly, then cuts what is left (a /sync waiting on a cycle). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
  });
}
