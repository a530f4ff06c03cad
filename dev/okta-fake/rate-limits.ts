/**
 * Okta's rate limiting: a request budget per endpoint bucket and time window, reported on every
 * response in X-Rate-Limit-Limit / -Remaining / -Reset (epoch seconds), and 429 E0000047 once spent.
 * Tests can also inject 429s; an injected 429 spends the bucket until its reset, as a real one does,
 * so a client that retries before X-Rate-Limit-Reset is throttled again.
 */
import type { HttpError } from '../graph-fake/http.js';
import { oktaError } from './errors.js';

export interface RateLimitOptions {
  /** Requests per bucket and window (default 600). */
  limit: number;
  /** Window length in seconds (default 60). */
  windowSeconds: number;
}

export interface ThrottleOptions {
  /** A 429 on every Nth API request from now on (N, 2N, …). */
  every?: number;
  /** A 429 on the next N API requests. Default when neither is given: next 1. */
  next?: number;
  /** X-Rate-Limit-Reset is this many seconds ahead of the response's Date (default 1). */
  resetSeconds?: number;
}

interface Bucket {
  windowStart: number;
  used: number;
  /** Set by an injected 429: the bucket answers 429 until then. */
  blockedUntil: number;
}

interface ThrottleRule {
  every: number | undefined;
  remaining: number;
  seen: number;
  resetSeconds: number;
}

export type RateLimitHeaders = Record<'x-rate-limit-limit' | 'x-rate-limit-remaining' | 'x-rate-limit-reset', string>;

export type RateDecision = { readonly ok: true; readonly headers: RateLimitHeaders } | { readonly ok: false; readonly error: HttpError };

const COLLECTIONS = new Set(['users', 'groups', 'apps']);

/** The bucket of a request: Okta limits per endpoint, e.g. GET /api/v1/users and GET /api/v1/users/{id} separately. */
export function bucketKey(method: string, pathname: string): string {
  const segments = pathname.split('/');
  return `${method} ${segments.map((s, i) => (i >= 4 && COLLECTIONS.has(segments[i - 1] ?? '') ? '{id}' : s)).join('/')}`;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private rule: ThrottleRule | undefined;
  private throttledCount = 0;

  constructor(private options: RateLimitOptions) {}

  get throttled(): number {
    return this.throttledCount;
  }

  setLimits(options: RateLimitOptions): void {
    this.options = options;
    this.buckets.clear();
  }

  /** Replaces any previous throttle rule. */
  throttle(options: ThrottleOptions): void {
    const every = options.every;
    if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new Error('throttle.every must be a positive integer');
    this.rule = {
      every,
      remaining: every === undefined ? (options.next ?? 1) : (options.next ?? Infinity),
      seen: 0,
      resetSeconds: options.resetSeconds ?? 1,
    };
  }

  /** Removes the throttle rule and reopens buckets an injected 429 shut. */
  clearThrottle(): void {
    this.rule = undefined;
    for (const bucket of this.buckets.values()) bucket.blockedUntil = 0;
  }

  /** Spends one request of the bucket at `now` (ms), or says why not. */
  admit(key: string, now: number): RateDecision {
    const windowMs = this.options.windowSeconds * 1000;
    let bucket = this.buckets.get(key);
    if (!bucket || now >= bucket.windowStart + windowMs) {
      bucket = { windowStart: now, used: 0, blockedUntil: bucket?.blockedUntil ?? 0 };
      this.buckets.set(key, bucket);
    }
    if (now < bucket.blockedUntil) return this.reject(Math.ceil(bucket.blockedUntil / 1000));
    if (this.injectNow()) {
      // Whole seconds, like Okta's header: the reset is `resetSeconds` after the second the Date header names.
      const reset = Math.floor(now / 1000) + (this.rule?.resetSeconds ?? 1);
      bucket.blockedUntil = reset * 1000;
      return this.reject(reset);
    }
    const reset = Math.ceil((bucket.windowStart + windowMs) / 1000);
    if (bucket.used >= this.options.limit) return this.reject(reset);
    bucket.used++;
    return { ok: true, headers: this.headers(this.options.limit - bucket.used, reset) };
  }

  private injectNow(): boolean {
    const rule = this.rule;
    if (!rule || rule.remaining <= 0) return false;
    rule.seen++;
    if (rule.every !== undefined && rule.seen % rule.every !== 0) return false;
    rule.remaining--;
    return true;
  }

  private reject(reset: number): RateDecision {
    this.throttledCount++;
    return { ok: false, error: oktaError(429, 'E0000047', { headers: this.headers(0, reset) }) };
  }

  private headers(remaining: number, reset: number): RateLimitHeaders {
    return {
      'x-rate-limit-limit': String(this.options.limit),
      'x-rate-limit-remaining': String(Math.max(0, remaining)),
      'x-rate-limit-reset': String(reset),
    };
  }
}
