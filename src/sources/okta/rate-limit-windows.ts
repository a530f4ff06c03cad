/**
 * Okta's rate-limit budget as its responses report it: X-Rate-Limit-Limit / -Remaining /
 * -Reset (epoch seconds) per endpoint bucket. Used to pause *before* a bucket is spent, so a
 * read shares the org's budget with the admins and integrations that use it too.
 */

/** The subset of a fetch Response's headers this module reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

interface BucketState {
  readonly limit: number;
  readonly remaining: number;
  /** Local clock time at which the window resets. */
  readonly resetAt: number;
}

/**
 * Share of a bucket's limit left untouched for others: a read that has used 90% of the window
 * waits for the next one instead of starving the Admin Console and other integrations.
 */
const RESERVE_SHARE = 0.1;

const COLLECTIONS = new Set(['users', 'groups', 'apps']);

/** The bucket of a request: method and path with object ids replaced, e.g. "GET /api/v1/groups/{id}/users". */
export function bucketOf(method: string, url: string): string {
  const segments = new URL(url).pathname.split('/');
  return `${method.toUpperCase()} ${segments.map((s, i) => (i >= 4 && COLLECTIONS.has(segments[i - 1] ?? '') ? '{id}' : s)).join('/')}`;
}

/** Timers may fire a millisecond early; a retry that lands just before the reset is throttled again. */
const RESET_MARGIN_MS = 100;

/**
 * How long from `localNow` until X-Rate-Limit-Reset. Measured against the response's Date header
 * (the server's clock, as Okta advises) so a skewed local clock neither shortens nor stretches it;
 * Date is in whole seconds, rounded down, so this never undershoots. Undefined when the response
 * has no usable reset header.
 */
export function untilReset(headers: HeaderReader, localNow: number): number | undefined {
  const reset = Number(headers.get('x-rate-limit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  const date = Date.parse(headers.get('date') ?? '');
  const serverNow = Number.isNaN(date) ? localNow : date;
  return Math.max(0, reset * 1000 - serverNow) + RESET_MARGIN_MS;
}

export class RateLimitWindows {
  private readonly buckets = new Map<string, BucketState>();

  observe(bucket: string, headers: HeaderReader, localNow: number): void {
    const limit = Number(headers.get('x-rate-limit-limit'));
    const remaining = Number(headers.get('x-rate-limit-remaining'));
    const wait = untilReset(headers, localNow);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || headers.get('x-rate-limit-remaining') === null || wait === undefined) return;
    this.buckets.set(bucket, { limit, remaining, resetAt: localNow + wait });
  }

  /** Milliseconds to wait before the next request to `bucket`: 0 unless its budget is (nearly) spent. */
  delayBefore(bucket: string, localNow: number): number {
    const state = this.buckets.get(bucket);
    if (!state || localNow >= state.resetAt) return 0;
    const reserve = Math.max(1, Math.floor(state.limit * RESERVE_SHARE));
    return state.remaining <= reserve ? state.resetAt - localNow : 0;
  }

  /** After waiting out a window the old numbers no longer hold. */
  forget(bucket: string): void {
    this.buckets.delete(bucket);
  }
}
