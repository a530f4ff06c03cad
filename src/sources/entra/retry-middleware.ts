/**
 * Graph client middleware that owns waiting: 429/503/504 honour Retry-After (else exponential
 * backoff with jitter), a rejected token is renewed once, and the time spent is counted for the
 * cycle summary. It replaces the SDK's RetryHandler, whose three retries and silent waits are
 * too few and too opaque for a daemon.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { ReadStats } from '../source.js';
import { parseRetryAfter } from '../../scim/client.js';

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly renewToken: () => void;
  readonly stats: ReadStats;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class GraphRetryMiddleware implements Middleware {
  private next?: Middleware;

  constructor(private readonly policy: RetryPolicy) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const sleep = this.policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      this.policy.stats.requests++;
      // The SDK's auth handler appends its header rather than setting it; a retry must not carry two tokens.
      if (attempt > 0) dropAuthorization(context);
      try {
        await (this.next as Middleware).execute(context);
      } catch (error) {
        // A credential Entra refused (wrong secret, unknown certificate) will not get better by waiting.
        if (isCredentialError(error)) throw error;
        // Connection reset or refused: as transient as a 503.
        if (attempt >= this.policy.maxRetries) throw error;
        this.policy.stats.retries++;
        await sleep(backoff(attempt));
        continue;
      }
      const status = context.response?.status ?? 0;
      if (status === 401 && !renewed) {
        renewed = true;
        this.policy.renewToken();
        this.policy.stats.retries++;
        // This middleware sits before the auth handler, so the retry is signed with the renewed credential's token.
        continue;
      }
      if (!RETRYABLE.has(status) || attempt >= this.policy.maxRetries) return;
      const retryAfter = parseRetryAfter(context.response?.headers.get('retry-after') ?? null);
      const waitMs = retryAfter ?? backoff(attempt);
      this.policy.stats.retries++;
      if (status === 429 || status === 503) this.policy.stats.throttledMs += waitMs;
      await context.response?.body?.cancel().catch(() => undefined);
      await sleep(waitMs);
    }
  }
}

const CREDENTIAL_ERRORS = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError', 'AggregateAuthenticationError']);

function isCredentialError(error: unknown): boolean {
  return error instanceof Error && CREDENTIAL_ERRORS.has(error.name);
}

function dropAuthorization(context: Context): void {
  const headers = context.options?.headers;
  if (!headers) return;
  if (headers instanceof Headers) headers.delete('authorization');
  else if (!Array.isArray(headers)) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'authorization') delete (headers as Record<string, string>)[key];
  }
}

function backoff(attempt: number): number {
  const base = Math.min(30_000, 1_000 * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}
