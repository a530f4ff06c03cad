/**
 * Injected failures besides throttling: 403 E0000006 as when the token's admin lacks a permission
 * (or the service app a scope), 5xx as in an Okta incident, and listing pages that answer 200 with
 * something that is not a page (a proxy's sign-in page, `{}`, a user without an id).
 */
import type { HttpError } from '../graph-fake/http.js';
import { oktaError } from './errors.js';

export interface ForbidOptions {
  /** Only requests whose path starts with this (e.g. "/api/v1/apps"); default every API request. */
  pathPrefix?: string;
  /** How many requests are refused; default every one until clearFaults(). */
  times?: number;
}

export interface FailOptions {
  status: 500 | 502 | 503 | 504;
  pathPrefix?: string;
  /** Default 1. */
  times?: number;
}

/**
 * How a listing page answers 200 wrongly:
 * - `html`: a text/html sign-in page;
 * - `emptyObject`: `{}` instead of the array;
 * - `nullItem`: a `null` added at the start of the array (no object taken out);
 * - `userWithoutId`: the page's first object (a user, group or assignment) without its `id`.
 */
export type MalformedListing = 'html' | 'emptyObject' | 'nullItem' | 'userWithoutId';
export const MALFORMED_LISTINGS: readonly MalformedListing[] = ['html', 'emptyObject', 'nullItem', 'userWithoutId'];

export interface MalformPageOptions {
  fault: MalformedListing;
  /** The listing's path, exactly: /api/v1/users (the default), /api/v1/groups, /api/v1/groups/{id}/users… */
  path?: string;
  /** 1-based page of that listing (with any filter or search); default 1. */
  page?: number;
  /** How many answers of that page are malformed; default every one until clearFaults(). */
  times?: number;
}

/** A listing answer as the server sends it: JSON, or raw text for an injected HTML page. */
export interface ListingAnswer {
  readonly body?: unknown;
  readonly raw?: { readonly contentType: string; readonly text: string };
}

interface MalformRule {
  readonly fault: MalformedListing;
  readonly path: string;
  readonly page: number;
  remaining: number;
}

const SIGN_IN_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in to continue</title></head><body><form method="post" action="/proxy/login">' +
  '<input name="username"><input name="password" type="password"><button>Sign in</button></form></body></html>';

interface Rule {
  readonly pathPrefix: string;
  remaining: number;
  readonly error: () => HttpError;
}

export class Faults {
  private rules: Rule[] = [];
  private malformRules: MalformRule[] = [];
  private malformedCount = 0;

  /** Listing pages answered malformed over the fake's lifetime. */
  get malformedPages(): number {
    return this.malformedCount;
  }

  malformPage(options: MalformPageOptions): void {
    if (!MALFORMED_LISTINGS.includes(options.fault)) throw new Error(`malformPage: fault must be one of ${MALFORMED_LISTINGS.join(', ')}`);
    const page = options.page ?? 1;
    if (!Number.isInteger(page) || page < 1) throw new Error('malformPage: page is 1-based');
    this.malformRules.push({ fault: options.fault, path: options.path ?? '/api/v1/users', page, remaining: options.times ?? Infinity });
  }

  /** The page as a rule for it says, or unchanged. */
  malformed(pathname: string, page: number, body: unknown): ListingAnswer {
    const rule = this.malformRules.find((r) => r.remaining > 0 && r.path === pathname && r.page === page);
    if (!rule) return { body };
    rule.remaining--;
    this.malformedCount++;
    const items = Array.isArray(body) ? (body as unknown[]) : [];
    switch (rule.fault) {
      case 'html':
        return { raw: { contentType: 'text/html; charset=utf-8', text: SIGN_IN_PAGE } };
      case 'emptyObject':
        return { body: {} };
      case 'nullItem':
        return { body: [null, ...items] };
      case 'userWithoutId': {
        const [first, ...rest] = items;
        if (typeof first !== 'object' || first === null) return { body: [{ profile: { login: 'no-id@example.com' } }, ...rest] };
        const { id: _id, ...withoutId } = first as Record<string, unknown>;
        return { body: [withoutId, ...rest] };
      }
    }
  }

  forbid(options: ForbidOptions = {}): void {
    this.rules.push({ pathPrefix: options.pathPrefix ?? '/', remaining: options.times ?? Infinity, error: () => oktaError(403, 'E0000006') });
  }

  fail(options: FailOptions): void {
    this.rules.push({
      pathPrefix: options.pathPrefix ?? '/',
      remaining: options.times ?? 1,
      error: () => oktaError(options.status, 'E0000001', { summary: `Injected failure (${options.status})` }),
    });
  }

  clear(): void {
    this.rules = [];
    this.malformRules = [];
  }

  /** The failure for this request, if a rule applies; each use counts against the rule's `times`. */
  failureFor(pathname: string): HttpError | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && pathname.startsWith(r.pathPrefix));
    if (!rule) return undefined;
    rule.remaining--;
    return rule.error();
  }
}
