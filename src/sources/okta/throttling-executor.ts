/**
 * The Okta SDK's request executor, replaced so that provisiond owns waiting. The SDK's default
 * executor retries a 429 only twice, only when X-Rate-Limit-Reset is present, and silently; this
 * one paces requests before a bucket is spent, waits out every 429 until its reset, retries 5xx
 * and network errors with backoff, and counts requests, retries and waiting for the cycle summary.
 *
 * It is also where an answer's raw body is visible before the SDK parses it: a listing page that is
 * not a JSON array of objects (a proxy's HTML page, `{}`) would otherwise read as an empty last
 * page. Such an answer is retried like a 5xx, then a MalformedAnswerError.
 */
import { RequestExecutor } from '@okta/okta-sdk-nodejs';
import type { ReadStats } from '../source.js';
import { bucketOf, RateLimitWindows, untilReset, type HeaderReader } from './rate-limit-windows.js';

/** The request object the SDK hands to its executor (its RequestContext: node-fetch options plus the URL). */
export interface OktaRequest {
  url?: string;
  method?: string;
  /** Set by the SDK's Collection for listing pages (Link-header paging). */
  isCollection?: boolean;
}

/** The subset of a node-fetch Response this module reads (node-fetch ships no types). */
export interface FetchResponse {
  readonly status: number;
  readonly headers: HeaderReader;
  text(): Promise<string>;
  clone(): FetchResponse;
}

/** An Okta answer that was 2xx but not what the endpoint returns, even after retries. */
export class MalformedAnswerError extends Error {
  constructor(
    /** Not `status`: errors with a numeric status are read as Okta's HTTP errors. */
    readonly httpStatus: number,
    readonly problem: string,
    readonly attempts: number,
  ) {
    super(`Okta answered ${httpStatus} with ${problem}${attempts > 1 ? ` (${attempts} attempts)` : ''}`);
    this.name = 'MalformedAnswerError';
  }
}

/** The token endpoint refused the service app: the OAuth error, not Okta's API envelope. */
export class OktaTokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`the token endpoint answered ${status} ${error}${description ? `: ${description}` : ''}`);
    this.name = 'OktaTokenError';
  }
}

/** Okta kept throttling one request longer than a read should wait. */
export class ThrottleBudgetError extends Error {
  constructor(
    readonly waitedMs: number,
    readonly nextWaitMs: number,
  ) {
    super(`Okta kept answering 429 (rate limit): waited ${Math.round(waitedMs / 1000)} s, and it asked for ${Math.round(nextWaitMs / 1000)} s more`);
    this.name = 'ThrottleBudgetError';
  }
}

export interface ExecutorPolicy {
  /** Retries of 5xx answers and network errors (429s are not counted: they are always waited out). */
  readonly maxRetries: number;
  readonly stats: ReadStats;
  /**
   * The longest one request may spend waiting out 429s. Okta's windows are a minute long, so
   * only an org that throttles us without end gets here; the default is 15 minutes.
   */
  readonly maxThrottleWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const TOKEN_PATH = '/oauth2/v1/token';

export class ThrottlingRequestExecutor extends RequestExecutor {
  private readonly windows = new RateLimitWindows();
  private readonly sleep: (ms: number) => Promise<void>;
  /** Server clock minus local clock, from the last Date header; undefined before the first response. */
  private clockOffset: number | undefined;

  constructor(private readonly policy: ExecutorPolicy) {
    super();
    this.sleep = policy.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Okta's clock now (from its Date headers), or undefined when no response has been seen yet. */
  serverNow(): number | undefined {
    return this.clockOffset === undefined ? undefined : Date.now() + this.clockOffset;
  }

  override async fetch(request: OktaRequest): Promise<FetchResponse> {
    const url = request.url ?? '';
    const bucket = bucketOf(request.method ?? 'GET', url);
    const stats = this.policy.stats;
    const maxThrottleWaitMs = this.policy.maxThrottleWaitMs ?? 15 * 60_000;
    let transientFailures = 0;
    let throttledFor = 0;
    let consecutive429 = 0;
    for (;;) {
      const pause = this.windows.delayBefore(bucket, Date.now());
      if (pause > 0) {
        stats.throttledMs += pause;
        await this.sleep(pause);
        this.windows.forget(bucket);
      }
      stats.requests++;
      let response: FetchResponse;
      try {
        response = (await super.fetch(request)) as FetchResponse;
      } catch (error) {
        // Connection refused or reset, DNS failure, socket timeout: as transient as a 503, up to maxRetries.
        if (transientFailures >= this.policy.maxRetries || !isNetworkError(error)) throw error;
        transientFailures++;
        stats.retries++;
        await this.sleep(backoff(transientFailures));
        continue;
      }
      const arrived = Date.now();
      this.observeClock(response.headers, arrived);
      this.windows.observe(bucket, response.headers, arrived);

      if (response.status === 429) {
        consecutive429++;
        const resetWait = untilReset(response.headers, arrived);
        // Without a reset header, or throttled again right after waiting for one, back off so a misbehaving proxy is not hammered.
        const wait = resetWait === undefined || consecutive429 > 1 ? Math.max(resetWait ?? 0, backoff(consecutive429)) : resetWait;
        if (throttledFor + wait > maxThrottleWaitMs) {
          await drain(response);
          throw new ThrottleBudgetError(throttledFor, wait);
        }
        throttledFor += wait;
        stats.throttledMs += wait;
        stats.retries++;
        await drain(response);
        await this.sleep(wait);
        this.windows.forget(bucket);
        continue;
      }
      if (TRANSIENT_STATUSES.has(response.status) && transientFailures < this.policy.maxRetries) {
        transientFailures++;
        stats.retries++;
        await drain(response);
        await this.sleep(backoff(transientFailures));
        continue;
      }
      if (response.status >= 400 && new URL(url).pathname === TOKEN_PATH) await throwTokenError(response);
      if (!isApiRead(request, response.status)) return response;
      const text = await response.text();
      const problem = problemOf(text, response.headers.get('content-type'), request.isCollection === true);
      if (problem === undefined) return new BufferedResponse(response, text);
      if (transientFailures >= this.policy.maxRetries) throw new MalformedAnswerError(response.status, problem, transientFailures + 1);
      transientFailures++;
      stats.retries++;
      await this.sleep(backoff(transientFailures));
    }
  }

  private observeClock(headers: HeaderReader, localNow: number): void {
    const date = Date.parse(headers.get('date') ?? '');
    if (!Number.isNaN(date)) this.clockOffset = date - localNow;
  }
}

/** A 2xx answer to a GET of the Management API: the reads whose bodies are checked. */
function isApiRead(request: OktaRequest, status: number): boolean {
  if (status < 200 || status > 299 || status === 204) return false;
  if ((request.method ?? 'GET').toUpperCase() !== 'GET') return false;
  return new URL(request.url ?? '').pathname.startsWith('/api/v1/');
}

/** Why a body is not what a listing page (a JSON array of objects) or a single object (a JSON object) is; undefined when it is. */
export function problemOf(text: string, contentType: string | null, collection: boolean): string | undefined {
  const type = contentType?.split(';')[0]?.trim() || 'no Content-Type';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.trim() === '' ? `an empty body (${type})` : `a body that is not JSON (${type}; a proxy's or gateway's page?)`;
  }
  if (!collection) return isObject(body) ? undefined : `JSON that is not an object (${kindOf(body)})`;
  if (!Array.isArray(body)) return `a listing page that is not a JSON array (${kindOf(body)})`;
  const bad = body.findIndex((item) => !isObject(item));
  return bad < 0 ? undefined : `a listing page whose item ${bad + 1} is not a JSON object (${kindOf(body[bad])})`;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * A response whose body this executor has already read, for the SDK to read again. It offers
 * what the SDK's Http reads of a response: status, url, headers, text(), json(), buffer().
 */
class BufferedResponse implements FetchResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly url: string;
  readonly headers: HeaderReader;

  constructor(
    original: FetchResponse & { readonly statusText?: string; readonly url?: string; readonly ok?: boolean },
    private readonly body: string,
  ) {
    this.status = original.status;
    this.ok = original.ok ?? (original.status >= 200 && original.status < 300);
    this.statusText = original.statusText ?? '';
    this.url = original.url ?? '';
    this.headers = original.headers;
  }

  text(): Promise<string> {
    return Promise.resolve(this.body);
  }

  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.body) as unknown);
  }

  buffer(): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.body, 'utf8'));
  }

  clone(): FetchResponse {
    return this;
  }
}

/** The token endpoint's OAuth error as an OktaTokenError; the SDK would reduce it to "Okta HTTP 401 undefined". */
async function throwTokenError(response: FetchResponse): Promise<void> {
  const text = await response
    .clone()
    .text()
    .catch(() => '');
  let body: { error?: unknown; error_description?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON: not Okta's token endpoint at all; the status says enough.
  }
  // The SDK answers a DPoP nonce challenge itself; that one is not a failure.
  if (body.error === 'use_dpop_nonce') return;
  throw new OktaTokenError(response.status, typeof body.error === 'string' ? body.error : 'error', typeof body.error_description === 'string' ? body.error_description : '');
}

function isNetworkError(error: unknown): boolean {
  // node-fetch (the SDK's HTTP client) wraps socket and DNS errors as FetchError with type "system".
  return error instanceof Error && error.name === 'FetchError' && (error as Error & { type?: string }).type === 'system';
}

/** A response body not read keeps its socket from being reused. */
async function drain(response: FetchResponse): Promise<void> {
  await response.text().catch(() => undefined);
}

function backoff(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}
