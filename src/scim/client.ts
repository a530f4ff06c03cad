/**
 * The SCIM transport: bearer auth, bounded concurrency over one keep-alive connection pool,
 * timeouts, and retries with exponential backoff and jitter that honour Retry-After. It knows HTTP
 * and the SCIM wire shapes, not provisioning.
 */
import { STATUS_CODES } from 'node:http';
import pLimit from 'p-limit';
import { Agent, type Dispatcher } from 'undici';
import type { ScimObject } from '../mapping/paths.js';
import { describeErrorBody, ScimAuthError, ScimRequestError, ScimResponseError } from './errors.js';
import { parseListResponse, withResourceIds } from './responses.js';

export interface ScimClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly concurrency: number;
  /** Connect, response-headers and between-body-chunks timeout, each. */
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** A larger answer is refused rather than buffered; default 64 MiB (a 50,000-member group is a few MB). */
  readonly maxResponseBytes?: number;
  /** Test seams. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onRetry?: (event: { method: string; path: string; status: number; waitMs: number; attempt: number }) => void;
}

export interface ScimResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface ScimClientStats {
  requests: number;
  retries: number;
  throttledMs: number;
  writes: number;
}

export type ScimResourceType = 'Users' | 'Groups';

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
/**
 * A create is not idempotent: resent blindly after an answer that may hide a performed request (a
 * timeout, a reset, a 500/502/504 from the app or a proxy), it makes a second account in apps that
 * do not enforce uniqueness. Only answers that say the request was not performed are retried.
 */
const RETRYABLE_CREATE = new Set([408, 429, 503]);
/** Network errors before the request left: nothing was performed, so even a create may be retried. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_BACKOFF_MS = 60_000;
const CONTENT_TYPE = 'application/scim+json';
/**
 * How many resources a listing asks for per page. Apps cap `count` at their own maximum (RFC 7644
 * §3.4.2.4) and listAll follows what they answer; asking for 500 lets an app that allows it answer
 * a 50,000-account listing in 100 pages rather than 500.
 */
export const LISTING_PAGE_SIZE = 500;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const TIMEOUT_CODES: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connecting',
  UND_ERR_HEADERS_TIMEOUT: 'waiting for the response headers',
  UND_ERR_BODY_TIMEOUT: 'waiting for the response body',
};

export class ScimClient {
  private readonly limit: ReturnType<typeof pLimit>;
  /** Scheme, host and port; requests name only their path, so undici parses no URL per request. */
  private readonly origin: string;
  /** The base URL's path ("/scim/v2"), prefixed to every request path. */
  private readonly basePath: string;
  private readonly agent: Agent;
  /** Built once: every request carries the same headers. */
  private readonly headers: { readonly read: Record<string, string>; readonly write: Record<string, string> };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxResponseBytes: number;
  private haltedBy: ScimAuthError | undefined;
  private closing: Promise<void> | undefined;
  readonly stats: ScimClientStats = { requests: 0, retries: 0, throttledMs: 0, writes: 0 };

  constructor(private readonly options: ScimClientOptions) {
    this.limit = pLimit(options.concurrency);
    // Apps document their base URL with and without a trailing slash; joining must not double it.
    const base = new URL(options.baseUrl.replace(/\/+$/, ''));
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    const read = { authorization: `Bearer ${options.token}`, accept: `${CONTENT_TYPE}, application/json` };
    this.headers = { read, write: { ...read, 'content-type': CONTENT_TYPE } };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    // One pool per client, as wide as the concurrency: every request reuses a warm connection
    // instead of paying a TCP (and TLS) handshake.
    this.agent = new Agent({
      connections: options.concurrency,
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: this.maxResponseBytes,
    });
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** The refusal (401/403) that stopped this client; later requests fail without being sent. */
  get halted(): ScimAuthError | undefined {
    return this.haltedBy;
  }

  /**
   * Sends a request; resolves for 2xx, throws ScimRequestError otherwise (after retries).
   * `body` may be a thunk, built only when the request leaves the queue, so queued work holds no bodies.
   */
  request(method: string, path: string, body?: unknown | (() => unknown)): Promise<ScimResponse> {
    if (this.haltedBy) return Promise.reject(this.notSent(method, path, this.haltedBy));
    return this.limit(() => this.send(method, path, body));
  }

  /** A filtered lookup; `excludedAttributes=members` keeps a lookup of a 50,000-member group small, as Entra does. */
  async search(resourceType: ScimResourceType, filter: string): Promise<ScimObject[]> {
    const exclude = resourceType === 'Groups' ? 'excludedAttributes=members&' : '';
    const path = `/${resourceType}?${exclude}filter=${encodeURIComponent(filter)}`;
    const response = await this.request('GET', path);
    return parseListResponse(response.body, { method: 'GET', path, status: response.status }).resources;
  }

  /**
   * Every resource of a type, paged per RFC 7644 §3.4.2.4. Apps cap `count` at their own maximum,
   * so the next startIndex follows what came back, not what was asked. Each page must be a
   * ListResponse whose resources all carry an id (numeric ids arrive as strings); onPage sees every
   * non-empty page once, so the caller can index without holding pages.
   */
  async listAll(
    resourceType: ScimResourceType,
    options: { readonly attributes: readonly string[]; readonly pageSize?: number },
    onPage: (resources: readonly ScimObject[], page: { readonly totalResults?: number }) => void,
  ): Promise<{ pages: number; resources: number }> {
    const pageSize = options.pageSize ?? LISTING_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, not ${pageSize}`);
    const attributes = options.attributes.length > 0 ? `attributes=${options.attributes.map(encodeURIComponent).join(',')}&` : '';
    let startIndex = 1;
    let pages = 0;
    let resources = 0;
    let previousFirstId: unknown;
    for (;;) {
      const path = `/${resourceType}?${attributes}startIndex=${startIndex}&count=${pageSize}`;
      const response = await this.request('GET', path);
      const context = { method: 'GET', path, status: response.status };
      const page = parseListResponse(response.body, context);
      const found = withResourceIds(page.resources, context);
      pages++;
      if (found.length === 0) break;
      // An app that ignores startIndex answers its first page forever; without totalResults that never ends.
      if (found[0]!.id === previousFirstId) {
        throw new ScimResponseError('GET', path, response.status, `the page at startIndex ${startIndex} starts with the same resource as the page before (id ${String(previousFirstId)}): the app ignores startIndex`);
      }
      previousFirstId = found[0]!.id;
      onPage(found, page.totalResults === undefined ? {} : { totalResults: page.totalResults });
      resources += found.length;
      startIndex += found.length;
      if (page.totalResults !== undefined && startIndex > page.totalResults) break;
    }
    return { pages, resources };
  }

  /** Closes the connection pool; requests in flight finish first, queued and later ones fail unsent. */
  close(): Promise<void> {
    // Idempotent: a caller's finally and a shutdown path may both close.
    this.closing ??= this.agent.close();
    return this.closing;
  }

  private async send(method: string, path: string, body: unknown): Promise<ScimResponse> {
    // Checked again here: a request queued behind the refused one must not reach the network.
    if (this.haltedBy) throw this.notSent(method, path, this.haltedBy);
    // A closed pool answers every attempt with an error; retrying it would only wait out the backoff.
    if (this.closing) throw new ScimRequestError(method, path, 0, undefined, 'not sent: the SCIM client is closed');
    const built: unknown = typeof body === 'function' ? (body as () => unknown)() : body;
    // Serialised once: retries resend the same bytes.
    const payload = built === undefined ? undefined : JSON.stringify(built);
    if (method !== 'GET') this.stats.writes++;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      const outcome = await this.attempt(method, path, payload);
      if ('response' in outcome) return outcome.response;
      const { status, parsed, retryAfterMs, failure, notSent } = outcome;

      if (status === 401 || status === 403) {
        const { scimType, detail } = describeErrorBody(parsed, failure);
        const error = new ScimAuthError(method, path, status, scimType, this.redact(detail), true);
        this.haltedBy ??= error;
        throw error;
      }
      const retryable = method === 'POST' ? (status === 0 ? notSent === true : RETRYABLE_CREATE.has(status)) : status === 0 || RETRYABLE.has(status);
      if (!retryable || attempt >= this.options.maxRetries) {
        const { scimType, detail } = status === 0 ? { scimType: undefined, detail: failure } : describeErrorBody(parsed, failure);
        const error = new ScimRequestError(method, path, status, scimType, this.redact(detail));
        // A create the app may have performed: the caller looks for the object before sending it again.
        error.outcomeUnknown = method === 'POST' && ((status === 0 && notSent !== true) || status === 500 || status === 502 || status === 504);
        throw error;
      }
      const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
      const waitMs = retryAfterMs ?? Math.round(backoff / 2 + this.random() * (backoff / 2));
      this.stats.retries++;
      if (status === 429) this.stats.throttledMs += waitMs;
      this.options.onRetry?.({ method, path, status, waitMs, attempt: attempt + 1 });
      await this.sleep(waitMs);
    }
  }

  /** One HTTP exchange. A response counts only once its body has arrived: a body that stalls is a timeout (status 0). */
  private async attempt(
    method: string,
    path: string,
    payload: string | undefined,
  ): Promise<{ response: ScimResponse } | { status: number; parsed: unknown; retryAfterMs: number | undefined; failure: string; notSent?: boolean }> {
    let statusCode = 0;
    try {
      const response = await this.agent.request({
        origin: this.origin,
        path: this.basePath + path,
        method: method as Dispatcher.HttpMethod,
        headers: payload === undefined ? this.headers.read : this.headers.write,
        body: payload ?? null,
      });
      statusCode = response.statusCode;
      const parsed = parseBody(await response.body.text());
      if (statusCode >= 200 && statusCode < 300) return { response: { status: statusCode, body: parsed } };
      return {
        status: statusCode,
        parsed,
        retryAfterMs: parseRetryAfter(firstHeader(response.headers['retry-after'])),
        failure: STATUS_CODES[statusCode] ?? `HTTP ${statusCode}`,
      };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
        throw new ScimResponseError(method, path, statusCode, `the answer is larger than ${this.maxResponseBytes} bytes`);
      }
      const phase = typeof code === 'string' ? TIMEOUT_CODES[code] : undefined;
      const failure = phase ? `timed out after ${this.options.timeoutMs} ms ${phase}` : describeNetworkError(error);
      const causeCode = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
      const notSent = [code, causeCode].some((c) => typeof c === 'string' && NOT_SENT_CODES.has(c));
      return { status: 0, parsed: undefined, retryAfterMs: undefined, failure, notSent };
    }
  }

  private notSent(method: string, path: string, cause: ScimAuthError): ScimAuthError {
    return new ScimAuthError(method, path, cause.status, undefined, 'not sent: the target refused the credentials earlier in this cycle', false);
  }

  /** An app may echo the Authorization header in its error page; the token must not reach a log. */
  private redact(detail: string): string {
    return this.options.token === '' ? detail : detail.split(this.options.token).join('[redacted]');
  }
}

/** JSON when the text parses (apps label JSON inconsistently); otherwise the text, for the caller to reject or quote. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.min(seconds * 1000, 5 * 60_000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - now, 5 * 60_000));
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  const cause = (error as Error & { cause?: { code?: string } }).cause;
  const tag = typeof code === 'string' ? code : cause?.code;
  return tag && !error.message.includes(tag) ? `${error.message} (${tag})` : error.message;
}
