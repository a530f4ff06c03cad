import type { Response } from 'express';

/** What a response is about to carry; a rewrite may change any of it. */
export interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

export interface AnswerRewrite {
  /** Returns the answer to send instead. */
  rewrite?: (answer: Answer) => Answer;
  /** Holds the (rewritten) answer this long; a client that gives up first never gets it. */
  holdMs?: number;
}

/**
 * Lets a request be handled for real and then changes or withholds its answer: the app performed
 * the create, but what reached the client was junk, or nothing (the classic source of duplicates).
 * Works by wrapping res.end, which express's res.send ends in, before any header is written.
 */
export function interceptAnswer(res: Response, change: AnswerRewrite): void {
  const end = res.end.bind(res) as (chunk?: unknown, encoding?: BufferEncoding) => Response;
  let ended = false;
  const replacement = (chunk?: unknown, encoding?: unknown): Response => {
    if (ended) return res;
    ended = true;
    const raw = chunk === undefined || typeof chunk === 'function' ? '' : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    const original: Answer = { status: res.statusCode, contentType: headerOf(res), body: raw };
    const answer = change.rewrite ? change.rewrite(original) : original;
    const send = (): void => {
      if (res.destroyed || res.writableEnded) return;
      res.statusCode = answer.status;
      if (answer.contentType === undefined) res.removeHeader('content-type');
      else res.setHeader('content-type', answer.contentType);
      res.setHeader('content-length', Buffer.byteLength(answer.body));
      res.removeHeader('etag');
      end(answer.body, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
    };
    if (change.holdMs && change.holdMs > 0) {
      const timer = setTimeout(send, change.holdMs);
      res.once('close', () => clearTimeout(timer));
    } else {
      send();
    }
    return res;
  };
  res.end = replacement as Response['end'];
}

function headerOf(res: Response): string | undefined {
  const value = res.getHeader('content-type');
  return value === undefined ? undefined : String(value);
}

/** Numeric ids, as apps backed by an integer primary key send them: `"id": "1001"` becomes `"id": 1001`. */
export function numericIdsIn(answer: Answer): Answer {
  const parsed = parseJson(answer.body);
  if (!isRecord(parsed)) return answer;
  const convert = (resource: unknown): void => {
    if (isRecord(resource) && typeof resource['id'] === 'string' && /^\d{1,15}$/.test(resource['id'])) resource['id'] = Number(resource['id']);
  };
  convert(parsed);
  if (Array.isArray(parsed['Resources'])) parsed['Resources'].forEach(convert);
  return { ...answer, body: JSON.stringify(parsed) };
}

/** The answer without "id": the resource's own, or each listed resource's. */
export function withoutId(answer: Answer): Answer {
  const parsed = parseJson(answer.body);
  if (!isRecord(parsed)) return answer;
  delete parsed['id'];
  if (Array.isArray(parsed['Resources'])) for (const resource of parsed['Resources']) if (isRecord(resource)) delete resource['id'];
  return { ...answer, body: JSON.stringify(parsed) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
