/**
 * Graph answers as provisiond believes them. Every answer is read as text and checked here before
 * anything downstream sees it: a page is a JSON object whose `value` is an array, its links point
 * at the configured Graph origin, and each object in it has a string id. A 200 that is not such a
 * page (a proxy's sign-in page, `{}`, `{"value": {}}`) is a failed page — retried like a 5xx, then
 * a SourceReadError — never an empty or a last page, so it cannot end a read early and turn the
 * users that would have followed into deprovisionings.
 */
import { GraphError, ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { SourceReadError, type ReadStats, type RejectedObject } from '../source.js';
import type { GraphObject } from './attributes.js';

const id = z.string({ error: 'no string id' }).min(1, { error: 'empty id' });

/** A collection or delta page. Other keys (@odata.context, @odata.count) are not read. */
export const graphPageSchema = z.object({
  value: z.array(z.unknown(), { error: '"value" is not an array' }),
  '@odata.nextLink': z.string({ error: '"@odata.nextLink" is not a string' }).optional(),
  '@odata.deltaLink': z.string({ error: '"@odata.deltaLink" is not a string' }).optional(),
});
export type GraphPage = z.infer<typeof graphPageSchema>;

/** What the engine reads of a user besides its mapped attributes; wrong types here would flip a lifecycle. */
export const graphUserSchema = z.looseObject({
  id,
  accountEnabled: z.boolean().nullish(),
  userPrincipalName: z.string().nullish(),
  onPremisesExtensionAttributes: z.record(z.string(), z.string().nullable()).nullish(),
  /** `$expand=manager($select=id)`: the manager is a reference, so its id is all that is believed. */
  manager: z.looseObject({ id }).nullish(),
});

/** A delta entry: a changed user, or `{ id, "@removed": { reason } }`. */
export const graphDeltaEntrySchema = graphUserSchema.extend({
  '@removed': z.looseObject({ reason: z.string().optional() }).nullish(),
  /** The manager reference when it changed in the round; a removed one is marked `@removed`. */
  'manager@delta': z.array(z.looseObject({ id, '@removed': z.looseObject({ reason: z.string().optional() }).nullish() })).nullish(),
});

export const graphGroupSchema = z.looseObject({ id, displayName: z.string().nullish() });

/** A member, a group-name lookup hit, a service principal: only the id is read. */
export const graphIdSchema = z.looseObject({ id });

export const appRoleAssignmentSchema = z.looseObject({
  principalId: z.string({ error: 'no string principalId' }).min(1, { error: 'empty principalId' }),
  /** User, Group or ServicePrincipal. */
  principalType: z.string({ error: 'no string principalType' }),
});
export type AppRoleAssignment = z.infer<typeof appRoleAssignmentSchema>;

const guid = (what: string) => z.string({ error: `no string ${what}` }).regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: `${what} is not a GUID` });

/** An assignment read for its role: the role id decides what the user is sent, so it must be one. */
export const appRoleGrantSchema = appRoleAssignmentSchema.extend({ appRoleId: guid('appRoleId') });
export type AppRoleGrant = z.infer<typeof appRoleGrantSchema>;

/** The roles an app defines (servicePrincipal.appRoles): a role without an id could not be told from another. */
export const servicePrincipalRolesSchema = z.looseObject({
  id,
  appRoles: z.array(
    z.looseObject({
      id: guid('app role id'),
      value: z.string({ error: 'app role value is not a string' }).nullish(),
      displayName: z.string({ error: 'app role displayName is not a string' }).nullish(),
    }),
    { error: '"appRoles" is not an array' },
  ),
});

export interface GraphReader {
  /** The configured source name, for messages. */
  readonly source: string;
  readonly client: Client;
  /** Attempts at a malformed answer beyond the first: the source's maxRetries, as for a 5xx. */
  readonly maxRetries: number;
  readonly stats: ReadStats;
  /** Origins (scheme, host and port) a nextLink or deltaLink may point at: the credential goes nowhere else. */
  readonly origins: ReadonlySet<string>;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * GET one object or page and check it against `schema`, retrying an answer that fails the check.
 * Throws a GraphError (as the SDK does) for a non-2xx answer, a SourceReadError for an answer that
 * stayed malformed, and whatever the SDK throws for a connection that failed after the middleware's retries.
 */
export async function getValidated<S extends z.ZodType>(reader: GraphReader, url: string, schema: S, what: string): Promise<z.infer<S>> {
  const sleep = reader.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    const response = (await reader.client.api(url).responseType(ResponseType.RAW).get()) as Response;
    let text: string | undefined;
    try {
      text = await response.text();
    } catch {
      // The connection broke off mid-body: as transient as a reset before the answer.
      text = undefined;
    }
    if (!response.ok) throw toGraphError(response, text ?? '');
    const problem = text === undefined ? { ok: false as const, error: 'a body that broke off before its end' } : checkBody(text, response.headers.get('content-type'), schema);
    if (problem.ok) return problem.value;
    if (attempt >= reader.maxRetries) {
      throw new SourceReadError(reader.source, `${what} failed: Graph answered ${response.status} with ${problem.error}${attempt > 0 ? ` (${attempt + 1} attempts)` : ''}; nothing of this read is used`);
    }
    reader.stats.retries++;
    await sleep(backoff(attempt));
  }
}

/** A page whose links are checked: a link to another origin fails the read before anything is sent there. */
export async function getPage(reader: GraphReader, url: string, what: string): Promise<GraphPage> {
  const page = await getValidated(reader, url, graphPageSchema, what);
  for (const key of ['@odata.nextLink', '@odata.deltaLink'] as const) {
    const link = page[key];
    if (link !== undefined) checkLink(reader, link, `${what}: Graph's ${key}`);
  }
  return page;
}

/** Throws a SourceReadError unless `link` is an absolute URL on one of the reader's origins. */
export function checkLink(reader: GraphReader, link: string, what: string): void {
  let origin: string;
  try {
    origin = new URL(link).origin;
  } catch {
    throw new SourceReadError(reader.source, `${what} is not an absolute URL; the read is incomplete`);
  }
  if (!reader.origins.has(origin)) {
    throw new SourceReadError(
      reader.source,
      `${what} points at ${origin}, not at the configured Graph endpoint (${[...reader.origins].join(' or ')}); it was not followed, so no token went there, and the read is incomplete`,
    );
  }
}

/** Where an element sits, for the label of one that has no name: `users page 3, item 17`. */
export type Place = (index: number) => string;

/**
 * The elements of a page that match `schema`; each other one is reported to `onRejected` and left
 * out. Without anyone to report to, a bad element fails the read: dropped silently, it would read
 * as a user or member who is gone.
 */
export function acceptItems<S extends z.ZodType>(
  source: string,
  items: readonly unknown[],
  schema: S,
  place: Place,
  onRejected: ((rejected: RejectedObject) => void) | undefined,
  names: readonly string[] = ['userPrincipalName', 'displayName'],
): z.infer<S>[] {
  const accepted: z.infer<S>[] = [];
  items.forEach((item, index) => {
    const checked = checkItem(item, schema, () => place(index + 1), names);
    if (checked.ok) {
      accepted.push(checked.value);
      return;
    }
    if (!onRejected) throw new SourceReadError(source, `${checked.rejected.label}: ${checked.rejected.error}; the read is incomplete`);
    onRejected(checked.rejected);
  });
  return accepted;
}

/** A checked single object (or page element) as the plain attribute record the engine maps. */
export function asGraphObject(value: Record<string, unknown>): GraphObject {
  // Every value came out of JSON.parse, so it is a JSON value.
  return value as GraphObject;
}

function checkItem<S extends z.ZodType>(
  item: unknown,
  schema: S,
  place: () => string,
  names: readonly string[],
): { ok: true; value: z.infer<S> } | { ok: false; rejected: RejectedObject } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { ok: false, rejected: { label: place(), error: `not a JSON object (${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item})` } };
  }
  const result = schema.safeParse(item);
  if (result.success) return { ok: true, value: result.data };
  const record = item as Record<string, unknown>;
  const name = names.map((key) => record[key]).find((value): value is string => typeof value === 'string' && value.length > 0);
  const objectId = typeof record.id === 'string' && record.id.length > 0 ? record.id : undefined;
  return { ok: false, rejected: { ...(objectId === undefined ? {} : { id: objectId }), label: name ?? place(), error: describeIssues(result.error) } };
}

function checkBody<S extends z.ZodType>(text: string, contentType: string | null, schema: S): { ok: true; value: z.infer<S> } | { ok: false; error: string } {
  const type = contentType?.split(';')[0]?.trim() || 'no Content-Type';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: text.trim() === '' ? `an empty body (${type})` : `a body that is not JSON (${type}; a proxy's or gateway's page?)` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: `JSON that is not an object (${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body})` };
  const result = schema.safeParse(body);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: `JSON that is not what was asked for: ${describeIssues(result.error)}` };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** A non-2xx answer as the GraphError the SDK would have thrown, so callers keep reading statusCode and code. */
function toGraphError(response: Response, text: string): GraphError {
  let envelope: { error?: { code?: unknown; message?: unknown; innerError?: { 'request-id'?: unknown } } } | undefined;
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch {
    envelope = undefined;
  }
  const inner = typeof envelope === 'object' && envelope !== null ? envelope.error : undefined;
  const message = typeof inner?.message === 'string' ? inner.message : response.statusText || `HTTP ${response.status}`;
  const error = new GraphError(response.status, message);
  error.code = typeof inner?.code === 'string' ? inner.code : null;
  error.requestId = typeof inner?.innerError?.['request-id'] === 'string' ? inner.innerError['request-id'] : null;
  error.headers = response.headers;
  error.body = text;
  return error;
}

function backoff(attempt: number): number {
  const base = Math.min(30_000, 1_000 * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}
