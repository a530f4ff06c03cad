/**
 * What a SCIM app may answer, as zod schemas: the single source of truth for the wire shapes the
 * transport believes. An answer that does not fit is a ScimResponseError naming what was wrong,
 * so a broken app is a failed request, never a guessed id or an empty list.
 */
import { z } from 'zod';
import type { ScimObject } from '../mapping/paths.js';
import { ScimResponseError } from './errors.js';

export interface ResponseContext {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/**
 * RFC 7643 §3.1: ids are strings. Apps backed by integer keys answer a JSON number; it is read as its
 * decimal string, unless it is beyond 2^53 where JSON.parse has already rounded it to another id.
 */
export const resourceIdSchema = z.unknown().transform((id, context): string => {
  if (typeof id === 'string' && id.trim() !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id) && Math.abs(id) <= Number.MAX_SAFE_INTEGER) return String(id);
  context.addIssue({ code: 'custom', message: describeBadId(id) });
  return z.NEVER;
});

const jsonObjectSchema = z.custom<ScimObject>((value) => isJsonObject(value), { error: (issue) => `is ${describeValue(issue.input)}, not an object` });

const resourceSchema = z.looseObject({ id: resourceIdSchema });

const countSchema = (what: string) =>
  z.number({ error: (issue) => `is ${describeValue(issue.input)}, not a number` }).int(`${what} is not a whole number`).nonnegative(`${what} is negative`);

/** RFC 7644 §3.4.2: totalResults is required, but apps that omit it exist and page until an empty page. */
const listResponseSchema = z
  .looseObject({
    Resources: z.array(jsonObjectSchema, { error: (issue) => `is ${describeValue(issue.input)}, not an array` }).optional(),
    totalResults: countSchema('totalResults').optional(),
    itemsPerPage: countSchema('itemsPerPage').optional(),
    // Some apps answer startIndex 0; only its type matters here, paging follows what was asked.
    startIndex: countSchema('startIndex').optional(),
  })
  .refine((list) => list.Resources !== undefined || list.totalResults === 0, {
    error: 'has no Resources array although totalResults is not 0',
  });

export interface ListPage {
  readonly resources: ScimObject[];
  readonly totalResults?: number;
  readonly itemsPerPage?: number;
  readonly startIndex?: number;
}

/** The id of a created or fetched resource; throws ScimResponseError when the body has no usable one. */
export function resourceIdOf(body: unknown, context: ResponseContext): string {
  const object = requireObject(body, context);
  const id = resourceIdSchema.safeParse(object.id);
  if (!id.success) throw responseError(context, `the resource's id ${id.error.issues[0]?.message ?? 'is invalid'}`);
  return id.data;
}

/** A ListResponse (filter answers and pages); Resources may be absent only when totalResults is 0. */
export function parseListResponse(body: unknown, context: ResponseContext): ListPage {
  const object = requireObject(body, context);
  const parsed = listResponseSchema.safeParse(object);
  if (!parsed.success) throw responseError(context, `the ListResponse ${describeIssues(parsed.error.issues)}`);
  const { Resources, totalResults, itemsPerPage, startIndex } = parsed.data;
  return {
    resources: Resources ?? [],
    ...(totalResults === undefined ? {} : { totalResults }),
    ...(itemsPerPage === undefined ? {} : { itemsPerPage }),
    ...(startIndex === undefined ? {} : { startIndex }),
  };
}

/**
 * Resources of a full listing are indexed by id, so each must carry a usable one; numeric ids come
 * back as strings. One resource without an id fails the page: a listing with holes is not a listing.
 */
export function withResourceIds(resources: readonly ScimObject[], context: ResponseContext): ScimObject[] {
  return resources.map((resource, index) => {
    const parsed = resourceSchema.safeParse(resource);
    if (!parsed.success) throw responseError(context, `Resources[${index}].id ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    return typeof resource.id === 'string' ? resource : { ...resource, id: parsed.data.id };
  });
}

function requireObject(body: unknown, context: ResponseContext): Record<string, unknown> {
  if (isJsonObject(body)) return body;
  throw responseError(context, `the body is ${describeValue(body)}, not a JSON object`);
}

function responseError(context: ResponseContext, problem: string): ScimResponseError {
  return new ScimResponseError(context.method, context.path, context.status, problem);
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeBadId(id: unknown): string {
  if (id === undefined) return 'is missing';
  if (typeof id === 'string') return 'is empty';
  if (typeof id === 'number') return `is the number ${id}, which cannot be read exactly`;
  return `is ${describeValue(id)}, not a string`;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const where = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
      // Messages from countSchema name their field already.
      return where === '' || issue.message.startsWith(String(issue.path[0])) ? issue.message : `${where.replace(/^\./, '')} ${issue.message}`;
    })
    .join('; ');
}

/** Names a value's kind for an error; a text body (HTML, a proxy's page) is quoted briefly. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'empty';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const text = value.trim().replace(/\s+/g, ' ');
    return `text ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'boolean' ? 'a boolean' : `a ${typeof value}`} (${String(value)})`;
}
