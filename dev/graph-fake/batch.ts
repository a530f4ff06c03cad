import type { IncomingHttpHeaders } from 'node:http';
import { graphError, isRecord, type JsonObject } from './http.js';

/**
 * Graph's JSON batching (POST /v1.0/$batch): up to 20 requests in one HTTP call, each answered
 * with its own status, headers and body. Sub-requests are evaluated one by one — each is
 * authorised, throttled and routed as if it had come alone — so a batch can hold a 429 next to
 * 200s. Responses come back in reverse order: Graph documents that their order may differ from the
 * requests', and a client must correlate them by id.
 */
export const MAX_BATCH_REQUESTS = 20;

export interface SubRequest {
  readonly id: string;
  readonly method: string;
  /** Path and query relative to the version root, always with a leading slash (`/groups/x/members`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface SubResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** The batch's requests; throws a Graph 400 for a body Graph would refuse as a whole. */
export function parseBatch(body: unknown): SubRequest[] {
  if (!isRecord(body) || !Array.isArray(body['requests'])) throw graphError(400, 'BadRequest', 'Invalid batch payload format.');
  const requests = body['requests'] as unknown[];
  if (requests.length === 0) throw graphError(400, 'BadRequest', 'Invalid batch payload format.');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw graphError(400, 'BadRequest', `Number of requests in batch exceeds the maximum of ${MAX_BATCH_REQUESTS}.`);
  }
  const seen = new Set<string>();
  return requests.map((raw) => {
    if (!isRecord(raw) || typeof raw['id'] !== 'string' || typeof raw['method'] !== 'string' || typeof raw['url'] !== 'string') {
      throw graphError(400, 'BadRequest', 'Each batch request needs an id, a method and a url.');
    }
    const id = raw['id'];
    if (seen.has(id)) throw graphError(400, 'BadRequest', `Batch request id '${id}' is used more than once.`);
    seen.add(id);
    if ('dependsOn' in raw) throw graphError(400, 'BadRequest', 'The fake Graph does not support dependsOn.');
    const url = raw['url'];
    if (/^[a-z]+:/i.test(url)) throw graphError(400, 'BadRequest', 'Batch request urls are relative to the version root.');
    return { id, method: raw['method'].toUpperCase(), url: url.startsWith('/') ? url : `/${url}`, headers: lowerCaseHeaders(raw['headers']) };
  });
}

export function batchBody(responses: readonly SubResponse[]): JsonObject {
  return { responses: [...responses].reverse() };
}

function lowerCaseHeaders(raw: unknown): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  if (!isRecord(raw)) return headers;
  for (const [name, value] of Object.entries(raw)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
  return headers;
}
