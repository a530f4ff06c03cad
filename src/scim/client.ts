/**
 * The SCIM transport: bearer auth, bounded concurrency, timeouts, and retries with exponential
 * backoff and jitter that honour Retry-After. It knows HTTP, not provisioning.
 */
import pLimit from 'p-limit';
import type { ScimObject } from '../mapping/paths.js';
import { describeErrorBody, ScimRequestError } from './errors.js';

export interface ScimClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Test seams. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
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

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const MAX_BACKOFF_MS = 60_000;
const CONTENT_TYPE = 'application/scim+json';

export class ScimClient {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly stats: ScimClientStats = { requests: 0, retries: 0, throttledMs: 0, writes: 0 };

  constructor(private readonly options: ScimClientOptions) {
    this.limit = pLimit(options.concurrency);
    // Apps document their base URL with and without a trailing slash; joining must not double it.
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Sends a request; resolves for 2xx, throws ScimRequestError otherwise (after retries). */
  request(method: string, path: string, body?: unknown): Promise<ScimResponse> {
    return this.limit(() => this.send(method, path, body));
  }

  /** A filtered list; `excludedAttributes=members` keeps a lookup of a 50,000-member group small, as Entra does. */
  async search(resourceType: 'Users' | 'Groups', filter: string): Promise<ScimObject[]> {
    const exclude = resourceType === 'Groups' ? 'excludedAttributes=members&' : '';
    const response = await this.request('GET', `/${resourceType}?${exclude}filter=${encodeURIComponent(filter)}`);
    const resources = (response.body as { Resources?: unknown } | undefined)?.Resources;
    return Array.isArray(resources) ? (resources as ScimObject[]) : [];
  }

  private async send(method: string, path: string, body: unknown): Promise<ScimResponse> {
    const url = this.base + path;
    if (method !== 'GET') this.stats.writes++;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let status = 0;
      let parsed: unknown;
      let retryAfterMs: number | undefined;
      let failure: string;
      try {
        const response = await this.fetchImpl(url, {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: `${CONTENT_TYPE}, application/json`,
            ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        status = response.status;
        parsed = await readBody(response);
        if (response.ok) return { status, body: parsed };
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        failure = describeErrorBody(parsed, response.statusText || `HTTP ${status}`).detail;
      } catch (error) {
        failure = error instanceof Error && error.name === 'TimeoutError' ? `timed out after ${this.options.timeoutMs} ms` : describeNetworkError(error);
      }

      const retryable = status === 0 || RETRYABLE.has(status);
      if (!retryable || attempt >= this.options.maxRetries) {
        const { scimType, detail } = status === 0 ? { scimType: undefined, detail: failure } : describeErrorBody(parsed, failure);
        throw new ScimRequestError(method, path, status, scimType, detail);
      }
      const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
      const waitMs = retryAfterMs ?? Math.round(backoff / 2 + Math.random() * (backoff / 2));
      this.stats.retries++;
      if (status === 429) this.stats.throttledMs += waitMs;
      this.options.onRetry?.({ method, path, status, waitMs, attempt: attempt + 1 });
      await this.sleep(waitMs);
    }
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
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
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}
