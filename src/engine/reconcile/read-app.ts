/**
 * Reads what the app really holds, for reconcile: its users as one paged listing (only the
 * attributes the job maps and matches on), or — for an app that cannot list — each linked user by
 * id. Every page and object is checked before it is believed: a malformed page is a failed read,
 * and a failed read ends the reconcile without a repair.
 */
import { z } from 'zod';
import type { ScimObject } from '../../mapping/paths.js';
import { LISTING_PAGE_SIZE, type ScimClient, type ScimResourceType } from '../../scim/client.js';
import { ScimAuthError, ScimRequestError, ScimResponseError } from '../../scim/errors.js';
import { resourceIdOf } from '../../scim/responses.js';
import { Window } from '../window.js';

/** Answers to an unfiltered GET that mean "this app does not list" (RFC 7644 §3.4.2 lets a provider refuse, e.g. 400 tooMany). */
const CANNOT_LIST = new Set([400, 403, 404, 405, 501]);

/** The attributes reconcile reads from each user; each is optional, but what is there must have its SCIM type. */
const userSchema = z.looseObject({
  userName: z.string().optional(),
  externalId: z.string().optional(),
  active: z.union([z.boolean(), z.string()]).optional(),
  emails: z.array(z.looseObject({})).optional(),
});

const groupSchema = z.looseObject({
  displayName: z.string().optional(),
  members: z.array(z.looseObject({ value: z.union([z.string(), z.number()]) })).optional(),
});

export interface AppRead {
  readonly mode: 'listed' | 'by-id';
  /** Why the app was read by id, for the report. */
  readonly reason?: string;
  readonly requests: number;
}

export interface AppReadOptions {
  readonly client: ScimClient;
  readonly resourceType: ScimResourceType;
  /** Attributes to ask for (`attributes=`); id is always returned. */
  readonly attributes: readonly string[];
  /** Target ids of the live links: what a by-id read reads, and what a listing's cost is compared with. */
  readonly linkedTargetIds: () => Iterable<string>;
  readonly linkedCount: number;
  readonly pageSize?: number;
  /** Width of the by-id read's window (a few times the target's concurrency). */
  readonly window: number;
}

class ListingRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Streams the app's objects of one type to `onObject`, one page at a time. Falls back to reading
 * each linked object by id when the app refuses an unfiltered listing, or caps its pages so small
 * that listing would cost more requests than reading every linked object.
 */
export async function readAppObjects(options: AppReadOptions, onObject: (object: ScimObject) => void): Promise<AppRead> {
  const { client } = options;
  const before = client.stats.requests;
  const notes: string[] = [];
  let attributes = options.attributes;
  for (;;) {
    try {
      await list({ ...options, attributes }, onObject);
      return { mode: 'listed', requests: client.stats.requests - before, ...(notes.length > 0 ? { reason: notes.join('; ') } : {}) };
    } catch (error) {
      if (error instanceof ListingRefused) {
        await readById({ ...options, attributes }, onObject);
        return { mode: 'by-id', reason: error.reason, requests: client.stats.requests - before };
      }
      const reason = refusal(error);
      if (reason === undefined) throw error;
      // Some apps refuse an `attributes=` they cannot project (an extension attribute, say): whole resources then.
      if (attributes.length > 0 && error instanceof ScimRequestError && error.status === 400) {
        notes.push(`the app refused attributes=${attributes.join(',')} (HTTP 400), so whole resources were read`);
        attributes = [];
        continue;
      }
      await readById({ ...options, attributes }, onObject);
      return { mode: 'by-id', reason, requests: client.stats.requests - before };
    }
  }
}

/** One listing; a refusal of its first page is a ListingRefused-worthy ScimRequestError, thrown as is. */
async function list(options: AppReadOptions, onObject: (object: ScimObject) => void): Promise<void> {
  const { client, resourceType } = options;
  let pages = 0;
  try {
    await client.listAll(resourceType, { attributes: options.attributes, pageSize: options.pageSize ?? LISTING_PAGE_SIZE }, (resources, page) => {
      pages++;
      if (pages === 1) checkPageCap(resources.length, page.totalResults, options.linkedCount);
      for (const resource of resources) onObject(validated(resource, resourceType, `GET /${resourceType}`));
    });
  } catch (error) {
    // Only the first page may be refused: a listing that fails part way is a failed read.
    if (pages > 0 && !(error instanceof ListingRefused)) throw new FailedRead(error);
    throw error;
  }
}

/** A listing that failed after its first page: never a reason to read differently. */
class FailedRead extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** Why a first page's error means the app does not list, or undefined for a real failure (which stays one). */
function refusal(error: unknown): string | undefined {
  if (error instanceof FailedRead) throw error.original;
  if (error instanceof ScimAuthError || !(error instanceof ScimRequestError)) return undefined;
  if (!CANNOT_LIST.has(error.status)) return undefined;
  return `the app refuses to list without a filter (HTTP ${error.status}${error.scimType ? ` ${error.scimType}` : ''})`;
}

/**
 * A page much smaller than asked for is the app's cap. Listing costs one request per page; when
 * that is more than one per linked object, reading those by id is cheaper (and all that is left).
 */
function checkPageCap(returned: number, total: number | undefined, linked: number): void {
  // Without totalResults the listing's cost is unknown, and it goes on.
  if (total === undefined || returned === 0 || returned >= total || linked === 0) return;
  const pages = Math.ceil(total / returned);
  if (pages > linked) throw new ListingRefused(`the app answers at most ${returned} objects per page: listing its ${total} would take ${pages} requests, more than reading the ${linked} linked ones by id`);
}

async function readById(options: AppReadOptions, onObject: (object: ScimObject) => void): Promise<void> {
  const { client, resourceType } = options;
  const query = (attributes: readonly string[]) => (attributes.length > 0 ? `?attributes=${attributes.map(encodeURIComponent).join(',')}` : '');
  let attributes = options.attributes;
  const window = new Window(options.window);
  const read = async (targetId: string): Promise<void> => {
    const asked = attributes;
    const path = `/${resourceType}/${encodeURIComponent(targetId)}${query(asked)}`;
    try {
      const response = await client.request('GET', path);
      const context = { method: 'GET', path, status: response.status };
      const id = resourceIdOf(response.body, context);
      if (id !== targetId) throw new ScimResponseError('GET', path, response.status, `the app answered object ${id} for ${targetId}`);
      onObject(validated({ ...(response.body as ScimObject), id }, resourceType, `GET ${path}`));
    } catch (error) {
      // Gone: reported missing by the classifier, which never saw it.
      if (error instanceof ScimRequestError && error.status === 404) return;
      // An app that cannot project these attributes: whole objects from now on.
      if (error instanceof ScimRequestError && error.status === 400 && asked.length > 0) {
        attributes = [];
        return read(targetId);
      }
      throw error;
    }
  };
  for (const targetId of options.linkedTargetIds()) await window.submit(() => read(targetId));
  await window.drain();
}

function validated(resource: ScimObject, resourceType: ScimResourceType, where: string): ScimObject {
  const parsed = (resourceType === 'Users' ? userSchema : groupSchema).safeParse(resource);
  if (parsed.success) return resource;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw new ScimResponseError('GET', where.replace(/^GET /, ''), 200, `${resourceType === 'Users' ? 'user' : 'group'} ${String(resource.id)}: ${field} ${issue?.message ?? 'is invalid'}`);
}
