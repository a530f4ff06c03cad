import { graphError, type HttpError } from './http.js';

export interface ThrottleOptions {
  /** Throttle every Nth Graph request from now on (N, 2N, ...). */
  every?: number;
  /** Throttle the next N Graph requests. The default when neither is given is `next: 1`. */
  next?: number;
  retryAfterSeconds: number;
  status?: 429 | 503;
}

export interface FailPageOptions {
  status?: number;
  /** How many attempts at that page fail; Infinity (the default) fails it for good. */
  times?: number;
  /** Sends Retry-After, so SDK retry handlers wait that long instead of backing off exponentially. */
  retryAfterSeconds?: number;
}

/** How Graph answers a delta or skip token of an expired sync state. */
export interface DeltaExpiryOptions {
  /** Default 410 (Gone), as observed; the docs allow any 4xx. */
  status?: number;
  /** Default "SyncStateNotFound"; Graph also uses "resyncRequired", in varying case. */
  code?: string;
}

interface ThrottleRule {
  every: number | undefined;
  remaining: number;
  seen: number;
  retryAfterSeconds: number;
  status: 429 | 503;
}

interface PageRule {
  status: number;
  remaining: number;
  retryAfterSeconds: number | undefined;
}

const ERROR_CODES: Record<number, { code: string; message: string }> = {
  400: { code: 'BadRequest', message: 'Bad request.' },
  429: { code: 'TooManyRequests', message: 'Too many requests.' },
  500: { code: 'generalException', message: 'General exception while processing.' },
  502: { code: 'BadGateway', message: 'Bad gateway.' },
  503: { code: 'ServiceUnavailable', message: 'Service unavailable.' },
  504: { code: 'GatewayTimeout', message: 'Gateway timeout.' },
};

function faultError(status: number, retryAfterSeconds: number | undefined): HttpError {
  const known = ERROR_CODES[status] ?? { code: 'UnknownError', message: `Injected failure (${status}).` };
  const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
  return graphError(status, known.code, known.message, headers);
}

/** Injected failures: Graph throttling and failing pages of /users listings. */
export class Faults {
  private throttleRule: ThrottleRule | undefined;
  private readonly pageRules = new Map<number, PageRule>();
  private throttledCount = 0;
  private failedPageCount = 0;
  private deltaGeneration = 0;
  private deltaExpiry: Required<DeltaExpiryOptions> = { status: 410, code: 'SyncStateNotFound' };

  get throttled(): number {
    return this.throttledCount;
  }

  get failedPages(): number {
    return this.failedPageCount;
  }

  /** Replaces any previous throttle rule. */
  throttle(options: ThrottleOptions): void {
    const every = options.every;
    if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new Error('throttle.every must be a positive integer');
    this.throttleRule = {
      every,
      remaining: every === undefined ? (options.next ?? 1) : (options.next ?? Infinity),
      seen: 0,
      retryAfterSeconds: options.retryAfterSeconds,
      status: options.status ?? 429,
    };
  }

  /** Makes page `page` (1-based) of GET /users fail. */
  failPage(page: number, options: FailPageOptions = {}): void {
    if (!Number.isInteger(page) || page < 1) throw new Error('failPage: page is 1-based');
    this.pageRules.set(page, {
      status: options.status ?? 503,
      remaining: options.times ?? Infinity,
      retryAfterSeconds: options.retryAfterSeconds,
    });
  }

  /**
   * Every delta and skip token handed out so far stops working (as after Graph's 7-day limit);
   * tokens handed out afterwards work. Not undone by clear(): an expired sync state stays expired.
   */
  expireDeltaTokens(options: DeltaExpiryOptions = {}): void {
    this.deltaGeneration += 1;
    this.deltaExpiry = { status: options.status ?? 410, code: options.code ?? 'SyncStateNotFound' };
  }

  /** The generation new delta tokens belong to; older ones are expired. */
  get deltaTokenGeneration(): number {
    return this.deltaGeneration;
  }

  deltaTokenExpired(): HttpError {
    const { status, code } = this.deltaExpiry;
    return graphError(status, code, 'The sync state of this delta token is no longer available; start a new delta round without a token.');
  }

  clear(): void {
    this.throttleRule = undefined;
    this.pageRules.clear();
  }

  /** Called once per authenticated Graph request. */
  throttleFor(): HttpError | undefined {
    const rule = this.throttleRule;
    if (!rule || rule.remaining <= 0) return undefined;
    rule.seen += 1;
    if (rule.every !== undefined && rule.seen % rule.every !== 0) return undefined;
    rule.remaining -= 1;
    this.throttledCount += 1;
    return faultError(rule.status, rule.retryAfterSeconds);
  }

  pageFailureFor(page: number): HttpError | undefined {
    const rule = this.pageRules.get(page);
    if (!rule || rule.remaining <= 0) return undefined;
    rule.remaining -= 1;
    this.failedPageCount += 1;
    return faultError(rule.status, rule.retryAfterSeconds);
  }
}
