/**
 * Many Graph GETs at once through JSON batching (POST /$batch, 20 requests a call), several calls
 * in flight. Each sub-response is checked on its own: a 429/5xx is sent again in a later batch
 * after its Retry-After (Graph throttles a batch's requests one by one, so one throttled request
 * must not fail its 19 neighbours), a collection's @odata.nextLink continues that read in a later
 * batch, a 404 is an answer ("no such object"), anything else fails the whole read. Envelope and
 * bodies are validated before they are believed: a malformed answer is a failed read.
 */
import { GraphError } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { ReadStats, SourceReadError } from '../source.js';
import { parseRetryAfter } from '../../scim/client.js';

/** Graph's limit of requests in one batch. */
export const MAX_BATCH_REQUESTS = 20;
/** Batch calls in flight at once: each carries 20 requests, so 4 is 80 reads in flight, far below Graph's per-app limits. */
export const DEFAULT_BATCH_CONCURRENCY = 4;

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export interface BatchContext {
  /** The configured source name, for messages. */
  readonly source: string;
  /**
   * One GET through the source's client, for a read that is alone in the queue (a batch of one
   * only adds an envelope): with the client's own retries and checks of the answer; throws a
   * GraphError for a non-2xx answer.
   */
  readonly get: (url: string, what: string, collection: boolean) => Promise<unknown>;
  /** One POST through the source's client; throws what the SDK throws. */
  readonly post: (url: string, body: unknown) => Promise<unknown>;
  /** How the source reports a failed read. */
  readonly readError: (error: unknown, what: string) => SourceReadError;
  /** Graph base URLs with the version (`https://graph.microsoft.com/v1.0`) a nextLink may start with. */
  readonly versionRoots: readonly string[];
  /** Retries of one sub-request answered 429 or 5xx. */
  readonly maxRetries: number;
  readonly stats: ReadStats;
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface BatchRead {
  /** The caller's name for the read, unique within one call (a group id). */
  readonly key: string;
  /** URL relative to the version root: `/groups/{id}/transitiveMembers/microsoft.graph.user?$select=id`. */
  readonly url: string;
  /** What the read is, for messages: `reading members of group "Sales"`. */
  readonly what: string;
  /** A collection: its nextLinks are followed and every page returned. Otherwise one entity. */
  readonly collection: boolean;
}

export type JsonObject = Readonly<Record<string, unknown>>;

/** Every page (or the entity) of a read, in order; `undefined` when Graph answered 404. */
export type BatchResults = ReadonlyMap<string, readonly JsonObject[] | undefined>;

const subResponseSchema = z.object({
  id: z.string(),
  status: z.number().int(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});
const envelopeSchema = z.object({ responses: z.array(subResponseSchema) });
const entitySchema = z.record(z.string(), z.unknown());
const collectionSchema = z.looseObject({ value: z.array(z.unknown()), '@odata.nextLink': z.string().optional() });
const errorBodySchema = z.object({ error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }) });

interface Pending {
  readonly read: BatchRead;
  readonly url: string;
  readonly page: number;
  attempts: number;
}

/**
 * Runs the reads and returns each one's pages. A single pending request goes as a plain GET (a
 * batch of one only adds an envelope); more go as batches of up to 20, several at once.
 */
export async function readMany(ctx: BatchContext, reads: readonly BatchRead[]): Promise<BatchResults> {
  const results = new Map<string, JsonObject[] | undefined>();
  for (const read of reads) results.set(read.key, []);
  const queue: Pending[] = reads.map((read) => ({ read, url: read.url, page: 1, attempts: 0 }));
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let active = 0;
  let failure: unknown;
  /** Resolves when the last Retry-After a sub-response asked for has passed. */
  let gate: Promise<void> = Promise.resolve();
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const signal = (): void => {
    wake();
    changed = new Promise<void>((resolve) => (wake = resolve));
  };

  const answer = (pending: Pending, status: number, headers: Readonly<Record<string, string>>, body: unknown): Pending | 'retry' | undefined => {
    const { read } = pending;
    if (status === 404) {
      results.set(read.key, undefined);
      return undefined;
    }
    if (status >= 200 && status < 300) {
      const parsed = (read.collection ? collectionSchema : entitySchema).safeParse(body);
      if (!parsed.success) {
        // A malformed answer is retried like a 5xx (a proxy's page may be passing), then fails the read.
        if (pending.attempts < ctx.maxRetries) return 'retry';
        throw ctx.readError(new Error(`Graph answered ${status} with a malformed ${read.collection ? 'page' : 'object'} (${firstIssue(parsed.error)})`), pageWhat(pending));
      }
      const pages = results.get(read.key);
      if (pages === undefined) return undefined;
      pages.push(parsed.data);
      const next = read.collection ? (parsed.data as { '@odata.nextLink'?: string })['@odata.nextLink'] : undefined;
      if (next === undefined) return undefined;
      return { read, url: relativeLink(ctx, next, pageWhat(pending)), page: pending.page + 1, attempts: 0 };
    }
    if (RETRYABLE.has(status) && pending.attempts < ctx.maxRetries) return 'retry';
    throw ctx.readError(subRequestError(status, headers, body), pageWhat(pending));
  };

  const sendOne = async (pending: Pending): Promise<void> => {
    let body: unknown;
    try {
      body = await ctx.get(pending.url, pageWhat(pending), pending.read.collection);
    } catch (error) {
      if (error instanceof GraphError && error.statusCode === 404) {
        results.set(pending.read.key, undefined);
        return;
      }
      throw ctx.readError(error, pageWhat(pending));
    }
    // The client has already retried this answer as often as it may.
    pending.attempts = ctx.maxRetries;
    const next = answer(pending, 200, {}, body);
    if (next !== undefined && next !== 'retry') queue.push(next);
  };

  const sendBatch = async (chunk: Pending[]): Promise<void> => {
    const byId = new Map(chunk.map((pending, i) => [String(i + 1), pending]));
    const requests = chunk.map((pending, i) => ({ id: String(i + 1), method: 'GET', url: pending.url }));
    let raw: unknown;
    try {
      raw = await ctx.post('/$batch', { requests });
    } catch (error) {
      throw ctx.readError(error, `${chunk[0]?.read.what ?? 'reading'} (a batch of ${chunk.length} requests)`);
    }
    const envelope = envelopeSchema.safeParse(raw);
    if (!envelope.success) {
      throw ctx.readError(new Error(`Graph answered the batch with a malformed envelope (${firstIssue(envelope.error)})`), `${chunk[0]?.read.what ?? 'reading'} (a batch of ${chunk.length} requests)`);
    }
    const retry: Pending[] = [];
    let waitMs = 0;
    const answered = new Set<string>();
    for (const sub of envelope.data.responses) {
      const pending = byId.get(sub.id);
      if (!pending || answered.has(sub.id)) throw ctx.readError(new Error(`Graph answered the batch with an unknown or repeated response id "${sub.id}"`), pending?.read.what ?? 'reading a batch');
      answered.add(sub.id);
      const headers = lowerCase(sub.headers ?? {});
      const next = answer(pending, sub.status, headers, sub.body);
      if (next === 'retry') {
        pending.attempts++;
        retry.push(pending);
        const wait = parseRetryAfter(headers['retry-after'] ?? null) ?? backoff(pending.attempts);
        if (sub.status === 429 || sub.status === 503) ctx.stats.throttledMs = ctx.stats.throttledMs + Math.max(0, wait - waitMs);
        waitMs = Math.max(waitMs, wait);
      } else if (next !== undefined) queue.push(next);
    }
    const missing = chunk.filter((_, i) => !answered.has(String(i + 1)));
    if (missing.length > 0) throw ctx.readError(new Error(`Graph's batch answer left out ${missing.length} of ${chunk.length} requests`), missing[0]?.read.what ?? 'reading a batch');
    if (retry.length === 0) return;
    ctx.stats.retries += retry.length;
    // Graph's Retry-After is about the app's budget in the tenant, not this one request: every worker waits it out.
    const pause = sleep(waitMs);
    const before = gate;
    gate = Promise.all([before, pause]).then(() => undefined);
    signal();
    await pause;
    queue.push(...retry);
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (failure !== undefined) return;
      if (queue.length === 0) {
        if (active === 0) return signal();
        await changed;
        continue;
      }
      await gate;
      if (failure !== undefined || queue.length === 0) continue;
      const chunk = queue.splice(0, MAX_BATCH_REQUESTS);
      active++;
      try {
        if (chunk.length === 1) await sendOne(chunk[0] as Pending);
        else await sendBatch(chunk);
      } catch (error) {
        failure ??= error;
      } finally {
        active--;
        signal();
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, ctx.concurrency ?? DEFAULT_BATCH_CONCURRENCY) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}

function pageWhat(pending: Pending): string {
  return pending.read.collection ? `${pending.read.what} (page ${pending.page})` : pending.read.what;
}

/** A nextLink as a batch URL: relative to the version root, and only to the configured Graph. */
function relativeLink(ctx: BatchContext, link: string, what: string): string {
  for (const root of ctx.versionRoots) {
    if (link.startsWith(`${root}/`)) return link.slice(root.length);
  }
  throw ctx.readError(new Error(`Graph answered with a nextLink outside the configured Graph endpoint (${safeOrigin(link)})`), what);
}

function safeOrigin(link: string): string {
  try {
    return new URL(link).origin;
  } catch {
    return 'not a URL';
  }
}

/** The sub-response as the GraphError the SDK would have thrown for it alone, so messages and hints read the same. */
function subRequestError(status: number, headers: Readonly<Record<string, string>>, body: unknown): GraphError {
  const parsed = errorBodySchema.safeParse(body);
  const error = new GraphError(status, parsed.success ? (parsed.data.error.message ?? '') : `HTTP ${status}`);
  error.code = parsed.success ? (parsed.data.error.code ?? null) : null;
  error.requestId = headers['request-id'] ?? null;
  return error;
}

function lowerCase(headers: Readonly<Record<string, string>>): Record<string, string> {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return lower;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid';
}

function backoff(attempt: number): number {
  const base = Math.min(30_000, 1_000 * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}
