/**
 * Okta's cursor paging: `limit` + opaque `after`, the next page's absolute URL in a
 * `Link: <…>; rel="next"` header next to `rel="self"`. No next link means the last page.
 */
import { oktaError } from './errors.js';

export interface Page<T> {
  readonly items: T[];
  /** The `after` cursor of the next page; undefined on the last page. */
  readonly nextAfter?: string;
}

export interface LimitRule {
  readonly default: number;
  readonly max: number;
}

/** Okta's page sizes per listing. */
export const LIMITS = {
  users: { default: 200, max: 200 },
  usersQ: { default: 10, max: 200 },
  groups: { default: 10_000, max: 10_000 },
  groupUsers: { default: 1_000, max: 1_000 },
  appUsers: { default: 50, max: 500 },
  appGroups: { default: 20, max: 200 },
} as const satisfies Record<string, LimitRule>;

/** The requested page size, capped at the listing's maximum as Okta does. */
export function pageLimit(params: URLSearchParams, rule: LimitRule): number {
  const raw = params.get('limit');
  if (raw === null) return rule.default;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw oktaError(400, 'E0000001', { causes: [`limit: ${raw} is not a positive integer`] });
  return Math.min(limit, rule.max);
}

/**
 * Up to `limit` items after the cursor, from a listing sorted by id. Paging by id keeps a listing
 * stable while objects are added or removed between pages, as Okta's cursors do.
 */
export function pageAfter<T extends { readonly id: string }>(sorted: readonly T[], matches: (item: T) => boolean, after: string | null, limit: number): Page<T> {
  let start = 0;
  if (after !== null) {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((sorted[mid] as T).id <= after) low = mid + 1;
      else high = mid;
    }
    start = low;
  }
  const items: T[] = [];
  for (let i = start; i < sorted.length; i++) {
    const item = sorted[i] as T;
    if (!matches(item)) continue;
    if (items.length === limit) return { items, nextAfter: (items[items.length - 1] as T).id };
    items.push(item);
  }
  return { items };
}

/** `Link` header values: self is the request as sent, next the same query with the next cursor. */
export function linkHeaders(requestUrl: URL, nextAfter: string | undefined): string[] {
  const links = [`<${requestUrl.href}>; rel="self"`];
  if (nextAfter !== undefined) {
    const next = new URL(requestUrl.href);
    next.searchParams.set('after', nextAfter);
    links.push(`<${next.href}>; rel="next"`);
  }
  return links;
}
