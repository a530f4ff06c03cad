/**
 * The Okta SDK's request executor, replaced so that provisiond owns waiting. The SDK's default
 * executor retries a 429 only twice, only when X-Rate-Limit-Reset is present, and silently; this
 * one paces requests before a bucket is spent, waits out every 429 until its reset, retries 5xx
 * and network errors with backoff, and counts requests, retries and waiting for the cycle summary.
 */
import { RequestExecutor } from '@okta/okta-sdk-nodejs';
import type { ReadStats } from '../source.js';
import { bucketOf, RateLimitWindows, untilReset, type HeaderReader } from './rate-limit-windows.js';

/** The request object the SDK hands to its executor (node-fetch options plus the URL). */
export interface OktaRequest {
  url?: string;
  method?: string;
}

/** The subset of a node-fetch Response this module reads (node-fetch ships no types). */
export interface FetchResponse {
  readonly status: number;
  readonly headers: HeaderReader;
  text(): Promise<string>;
  clone(): FetchResponse;
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
      return response;
    }
  }

  private observeClock(headers: HeaderReader, localNow: number): void {
    const date = Date.parse(headers.get('date') ?? '');
    if (!Number.isNaN(date)) this.clockOffset = date - localNow;
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
