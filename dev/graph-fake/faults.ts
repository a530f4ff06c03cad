import { graphError, RawAnswer, type HttpError } from './http.js';

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

/**
 * How a page answers 200 with something that is not a Graph page, as a corporate proxy, a broken
 * gateway or a Graph bug might:
 * - `html`: a text/html sign-in page;
 * - `emptyObject`: `{}`;
 * - `valueObject`: `"value": {}` (the page's other keys kept);
 * - `nullItem`: a `null` added at the start of `value` (no user taken out);
 * - `userWithoutId`: the first object of `value` without its `id`;
 * - `foreignNextLink`: `@odata.nextLink` pointing at `origin` (same path and query), on the last page too.
 */
export type MalformedPage = 'html' | 'emptyObject' | 'valueObject' | 'nullItem' | 'userWithoutId' | 'foreignNextLink';
export const MALFORMED_PAGES: readonly MalformedPage[] = ['html', 'emptyObject', 'valueObject', 'nullItem', 'userWithoutId', 'foreignNextLink'];

/**
 * The listings a malformed page can be injected into: GET /users, /directory/deletedItems/microsoft.graph.user,
 * /users/delta (pages of one round, the `$deltatoken=latest` answer included), /groups, any group's (transitive) members,
 * and any service principal's appRoleAssignedTo (`assignments`).
 */
export type FaultListing = 'users' | 'deletedUsers' | 'delta' | 'groups' | 'members' | 'assignments';
export const FAULT_LISTINGS: readonly FaultListing[] = ['users', 'deletedUsers', 'delta', 'groups', 'members', 'assignments'];

export interface MalformPageOptions {
  /** Default 'users'. */
  listing?: FaultListing;
  fault: MalformedPage;
  /** For `foreignNextLink`: the origin the link points at, e.g. https://127.0.0.1:4431. */
  origin?: string;
  /** How many answers of that page are malformed; Infinity (the default) for good. */
  times?: number;
}

interface MalformRule {
  fault: MalformedPage;
  origin: string | undefined;
  remaining: number;
}

const SIGN_IN_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in to continue</title></head><body><form method="post" action="/proxy/login">' +
  '<input name="username"><input name="password" type="password"><button>Sign in</button></form></body></html>';

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
  private readonly malformRules = new Map<string, MalformRule>();
  private throttledCount = 0;
  private failedPageCount = 0;
  private malformedPageCount = 0;
  private deltaGeneration = 0;
  private deltaExpiry: Required<DeltaExpiryOptions> = { status: 410, code: 'SyncStateNotFound' };

  get throttled(): number {
    return this.throttledCount;
  }

  get failedPages(): number {
    return this.failedPageCount;
  }

  get malformedPages(): number {
    return this.malformedPageCount;
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

  /** Makes page `page` (1-based) of a listing answer 200 with something that is not a Graph page. Replaces that page's previous rule. */
  malformPage(page: number, options: MalformPageOptions): void {
    if (!Number.isInteger(page) || page < 1) throw new Error('malformPage: page is 1-based');
    const listing = options.listing ?? 'users';
    if (!FAULT_LISTINGS.includes(listing)) throw new Error(`malformPage: listing must be one of ${FAULT_LISTINGS.join(', ')}`);
    if (!MALFORMED_PAGES.includes(options.fault)) throw new Error(`malformPage: fault must be one of ${MALFORMED_PAGES.join(', ')}`);
    let origin: string | undefined;
    if (options.fault === 'foreignNextLink') {
      if (typeof options.origin !== 'string') throw new Error('malformPage: foreignNextLink needs an origin');
      origin = new URL(options.origin).origin;
    }
    this.malformRules.set(`${listing} ${page}`, { fault: options.fault, origin, remaining: options.times ?? Infinity });
  }

  /**
   * The page as the rule for it says, or `body` unchanged. `requestPath` is the path and query
   * the page was asked with (for a foreign nextLink). Throws RawAnswer for an HTML page.
   */
  malformed(listing: FaultListing, page: number, body: Record<string, unknown>, requestPath: string): Record<string, unknown> {
    const rule = this.malformRules.get(`${listing} ${page}`);
    if (!rule || rule.remaining <= 0) return body;
    rule.remaining -= 1;
    this.malformedPageCount += 1;
    const value = Array.isArray(body['value']) ? (body['value'] as unknown[]) : [];
    switch (rule.fault) {
      case 'html':
        throw new RawAnswer(200, 'text/html; charset=utf-8', SIGN_IN_PAGE);
      case 'emptyObject':
        return {};
      case 'valueObject':
        return { ...body, value: {} };
      case 'nullItem':
        return { ...body, value: [null, ...value] };
      case 'userWithoutId': {
        const [first, ...rest] = value;
        if (typeof first !== 'object' || first === null) return { ...body, value: [{ displayName: 'No Id' }, ...rest] };
        const { id: _id, ...withoutId } = first as Record<string, unknown>;
        return { ...body, value: [withoutId, ...rest] };
      }
      case 'foreignNextLink': {
        const real = typeof body['@odata.nextLink'] === 'string' ? new URL(body['@odata.nextLink']) : undefined;
        const link = `${rule.origin as string}${real ? `${real.pathname}${real.search}` : requestPath}`;
        return { ...body, '@odata.nextLink': link };
      }
    }
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
    this.malformRules.clear();
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
