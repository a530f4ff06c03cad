/**
 * Graph's delta query as the change feed of users. The cursor is the deltaLink Graph hands out,
 * with the $select it was taken for in its fragment (never sent): Graph bakes the $select into
 * the token, so a cursor taken before a mapping was added would return changed users without the
 * attribute the mapping now reads; such a cursor counts as expired and a full read follows.
 */
import { GraphError } from '@microsoft/microsoft-graph-client';
import { CursorExpiredError, SourceReadError, type AttributeValue, type IncrementalRead, type RejectedObject, type SourceUser, type UserChanges } from '../source.js';
import { toSourceUser, type GraphObject } from './attributes.js';
import { acceptItems, asGraphObject, graphDeltaEntrySchema, type GraphPage } from './graph-pages.js';

export interface ChangeFeedContext {
  /** The configured source name, for messages. */
  readonly source: string;
  /**
   * One checked page through the source's client (graph-pages' getPage): throws what the SDK
   * throws for a non-2xx answer, a SourceReadError for a malformed one or a link off the origins.
   */
  readonly getPage: (url: string, what: string) => Promise<GraphPage>;
  /** How the source reports a failed read (anything but an expired cursor). */
  readonly readError: (error: unknown, what: string) => SourceReadError;
  /** Origins a cursor may point at: the configured Graph endpoint's and the cloud's. */
  readonly origins: ReadonlySet<string>;
}

const SELECT_FRAGMENT = '#select=';
/** Error codes Graph uses for a sync state it no longer has; their case varies in the wild. */
const EXPIRY_CODES = new Set(['syncstatenotfound', 'resyncrequired']);

/** A deltaLink meaning "changes from now on": `$deltatoken=latest` skips the initial enumeration. */
export async function takeChangeCursor(feed: ChangeFeedContext, select: string, expand?: string): Promise<string> {
  let url: string | undefined = `/users/delta?$select=${select}${expand ? `&$expand=${expand}` : ''}&$deltatoken=latest`;
  for (let page = 1; url; page++) {
    const what = `starting the user change feed (page ${page})`;
    let body: GraphPage;
    try {
      body = await feed.getPage(url, what);
    } catch (error) {
      throw feed.readError(error, what);
    }
    const deltaLink = body['@odata.deltaLink'];
    if (deltaLink) return `${deltaLink}${SELECT_FRAGMENT}${cursorKey(select, expand)}`;
    url = body['@odata.nextLink'];
  }
  throw new SourceReadError(feed.source, 'starting the user change feed failed: Graph answered without a deltaLink');
}

/** Follows the cursor's deltaLink and its nextLinks; throws CursorExpiredError for a cursor Graph or this feed no longer honours. */
export function readChanges(
  feed: ChangeFeedContext,
  select: string,
  cursor: string,
  onRejected?: (rejected: RejectedObject) => void,
  expand?: string,
): IncrementalRead {
  const deltaLink = usableDeltaLink(feed, 'users', cursorKey(select, expand), cursor);
  let nextDeltaLink: string | undefined;
  async function* pages(): AsyncIterable<UserChanges> {
    let url: string | undefined = deltaLink;
    for (let page = 1; url; page++) {
      const what = `reading user changes (page ${page})`;
      let body: GraphPage;
      try {
        body = await feed.getPage(url, what);
      } catch (error) {
        if (isExpiredSyncState(error)) throw new CursorExpiredError(feed.source, `Graph answered ${error.statusCode} ${error.code ?? ''}`.trim());
        throw feed.readError(error, what);
      }
      if (!body['@odata.nextLink'] && !body['@odata.deltaLink']) {
        throw new SourceReadError(feed.source, `${what} failed: Graph answered with neither a nextLink nor a deltaLink`);
      }
      const entries = acceptItems(feed.source, body.value, graphDeltaEntrySchema, (item) => `user changes page ${page}, item ${item}`, onRejected);
      yield toUserChanges(entries.map(asGraphObject));
      // Set only once the last page has been taken, so nextCursor() cannot skip changes not yet applied.
      nextDeltaLink = body['@odata.deltaLink'];
      url = body['@odata.nextLink'];
    }
  }
  return {
    pages: pages(),
    nextCursor: () => {
      if (nextDeltaLink === undefined) throw new Error('nextCursor() is known only once every page of the incremental read has been read');
      return `${nextDeltaLink}${SELECT_FRAGMENT}${cursorKey(select, expand)}`;
    },
  };
}

/** What a cursor was taken for: its $select names, and `manager` when it expands the manager (Graph bakes both into the token). */
function cursorKey(select: string, expand: string | undefined): string {
  return expand ? `${select},manager` : select;
}

/**
 * One delta page as changes. `@removed: changed` is Entra's soft delete (restorable for 30 days),
 * `@removed: deleted` a hard delete; a removed entry has only its id. Graph may list a user twice
 * in a round; within a page the later entry wins.
 */
export function toUserChanges(entries: readonly GraphObject[]): UserChanges {
  const latest = new Map<string, GraphObject>();
  for (const entry of entries) {
    if (typeof entry.id !== 'string') continue;
    latest.delete(entry.id);
    latest.set(entry.id, entry);
  }
  const changed: SourceUser[] = [];
  const removed: string[] = [];
  const softDeleted: string[] = [];
  for (const [id, entry] of latest) {
    const removal = entry['@removed'];
    if (removal === undefined || removal === null) changed.push(toSourceUser(entry, false));
    // A reason Graph may add later is read as the restorable kind: disabling is undone more easily than deleting.
    else if (reasonOf(removal) === 'deleted') removed.push(id);
    else softDeleted.push(id);
  }
  return { changed, removed, softDeleted };
}

function reasonOf(removal: AttributeValue): AttributeValue | undefined {
  return typeof removal === 'object' && removal !== null && !Array.isArray(removal) ? (removal as { readonly [key: string]: AttributeValue }).reason : undefined;
}

/** Any 410, or a 4xx whose code says the sync state is gone (Graph documents "a 40X-series error"). */
export function isExpiredSyncState(error: unknown): error is GraphError {
  if (!(error instanceof GraphError)) return false;
  if (error.statusCode === 410) return true;
  return error.statusCode >= 400 && error.statusCode < 500 && EXPIRY_CODES.has((error.code ?? '').toLowerCase());
}

/**
 * The delta link inside a cursor provisiond stored (`<deltaLink>#select=<attributes>`), when it can
 * still be used: a Graph delta link of the resource, on the configured origin, taken for the same
 * attributes. Anything else is an expired cursor, so the engine reads in full.
 */
export function usableDeltaLink(feed: { readonly source: string; readonly origins: ReadonlySet<string> }, resource: 'users' | 'groups', select: string, cursor: string): string {
  const at = cursor.lastIndexOf(SELECT_FRAGMENT);
  const expired = (reason: string) => new CursorExpiredError(feed.source, reason);
  if (at < 0) throw expired(`not a Graph ${resource} delta link taken by provisiond`);
  const deltaLink = cursor.slice(0, at);
  let url: URL;
  try {
    url = new URL(deltaLink);
  } catch {
    throw expired(`not a Graph ${resource} delta link`);
  }
  if (!url.pathname.endsWith(`/${resource}/delta`) || !url.searchParams.has('$deltatoken')) throw expired(`not a Graph ${resource} delta link`);
  if (!feed.origins.has(url.origin)) throw expired(`the delta link points at ${url.origin}, not at the configured Graph endpoint`);
  if (!sameNames(cursor.slice(at + SELECT_FRAGMENT.length), select)) throw expired(`the ${resource === 'users' ? '' : 'group '}attributes read have changed since the cursor was taken`);
  return deltaLink;
}

function sameNames(a: string, b: string): boolean {
  const names = (list: string) => new Set(list.toLowerCase().split(','));
  const left = names(a);
  const right = names(b);
  return left.size === right.size && [...left].every((name) => right.has(name));
}
