import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type JsonObject = { [key: string]: unknown };

/** Thrown by route handlers; the server turns it into a Graph-shaped error response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** Thrown by route handlers for an answer that is not JSON (an injected proxy page); the server sends it as it is. */
export class RawAnswer extends Error {
  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly text: string,
  ) {
    super(`raw ${status} answer`);
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { error: 'request_too_large' });
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, { error: { code: 'BadRequest', message: 'Invalid JSON body.' } });
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Graph's error envelope. innerError carries the request ids Graph returns, so
 * clients that log them have something realistic to log.
 */
export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(
    status,
    {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() },
      },
    },
    headers,
  );
}

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function notFound(key: string): HttpError {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
}

export function segmentNotFound(segment: string): HttpError {
  return graphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}
