import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { interceptAnswer, numericIdsIn, withoutId, type Answer } from './answers.js';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A SCIM error body; built by hand because scimmy's Error message refuses statuses like 429 and 503. */
export function scimError(status: number, detail: string, scimType?: string): Record<string, unknown> {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

export function sendScimError(res: Response, status: number, detail: string, scimType?: string, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/scim+json').send(JSON.stringify(scimError(status, detail, scimType)));
}

export interface ScimRequestLogEntry {
  method: string;
  /** Path relative to the SCIM base path, with the query string as sent (e.g. `/Users?filter=...`). */
  path: string;
  /** 0 until the response has been sent. */
  status: number;
  /** Parsed JSON request body, if any. */
  body: unknown;
}

/** Records every SCIM request in arrival order; status and body are filled in once the response is sent. */
export function requestLog(log: ScimRequestLogEntry[]): RequestHandler {
  return (req, res, next) => {
    const entry: ScimRequestLogEntry = { method: req.method, path: req.url, status: 0, body: undefined };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.body = (res.locals.sentBody ?? req.body) as unknown;
    });
    next();
  };
}

export interface ScimFault {
  /** Respond with this status instead of handling the request (a SCIM error body unless `answer` says otherwise). */
  status?: number;
  /** How many matching requests are affected (default 1). */
  count?: number;
  /** Prefix of the path relative to the base path, e.g. "/Users" (case-insensitive). */
  path?: string;
  method?: string;
  /** Only requests whose URL or JSON body contains this text, e.g. one user's userName. */
  match?: string;
  retryAfterSeconds?: number;
  /** Wait this long before failing or handling the request. */
  delayMs?: number;
  scimType?: string;
  /**
   * Send this raw answer (default status 200, no content type) — not JSON, HTML, the wrong content
   * type… With `perform`, what it leaves out (body, content type, status) is the real answer's.
   */
  answer?: { status?: number; body?: string; contentType?: string };
  /** Handle the request for real, then send `answer` or the `transform`ed real answer in its place. */
  perform?: boolean;
  /** With `perform`: the real answer without its "id", or with a numeric "id". */
  transform?: 'withoutId' | 'numericId';
  /** Hold the answer this long (past the client's timeout: performed, but the answer is lost). */
  holdMs?: number;
}

interface ActiveFault extends ScimFault {
  remaining: number;
}

/** Injected failures for the next N matching, authenticated SCIM requests. */
export class ScimFaults {
  private readonly faults: ActiveFault[] = [];

  add(fault: ScimFault): void {
    if (fault.status === undefined && fault.delayMs === undefined && fault.answer === undefined && fault.transform === undefined && fault.holdMs === undefined) {
      throw new Error('a fault needs a status, answer, transform, holdMs or delayMs');
    }
    if (fault.status !== undefined && (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599)) {
      throw new Error('fault status must be an HTTP status code');
    }
    if (fault.transform !== undefined && !fault.perform) throw new Error('a transform rewrites a real answer: it needs perform: true');
    this.faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** Takes the first fault that matches, counting it down. */
  take(method: string, path: string, text = ''): ScimFault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method.toUpperCase()) &&
        (f.path === undefined || path.toLowerCase().startsWith(f.path.toLowerCase())) &&
        (f.match === undefined || text.includes(f.match)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  middleware(isAuthorized: (req: Request) => boolean): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      // Unauthenticated requests get their 401 and do not use up a fault.
      if (!isAuthorized(req)) return next();
      const text = `${safeDecode(req.url)} ${req.body === undefined ? '' : JSON.stringify(req.body)}`;
      const fault = this.take(req.method, req.path, text);
      if (!fault) return next();
      const act = (): void => {
        if (fault.perform) {
          interceptAnswer(res, { rewrite: (real) => replaceAnswer(real, fault), ...(fault.holdMs === undefined ? {} : { holdMs: fault.holdMs }) });
          return next();
        }
        if (fault.answer !== undefined) {
          const { status = fault.status ?? 200, body = '', contentType } = fault.answer;
          res.status(status);
          if (contentType !== undefined) res.setHeader('content-type', contentType);
          if (fault.holdMs) interceptAnswer(res, { holdMs: fault.holdMs });
          res.end(body);
          return;
        }
        if (fault.status === undefined) {
          if (fault.holdMs) interceptAnswer(res, { holdMs: fault.holdMs });
          return next();
        }
        const headers: Record<string, string> =
          fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
        if (fault.holdMs) interceptAnswer(res, { holdMs: fault.holdMs });
        sendScimError(res, fault.status, `Injected fault (${fault.status})`, fault.scimType, headers);
      };
      if (fault.delayMs) setTimeout(act, fault.delayMs);
      else act();
    };
  }
}

function replaceAnswer(real: Answer, fault: ScimFault): Answer {
  if (fault.transform === 'withoutId') return withoutId(real);
  if (fault.transform === 'numericId') return numericIdsIn(real);
  if (fault.answer) {
    return {
      status: fault.answer.status ?? fault.status ?? real.status,
      body: fault.answer.body ?? real.body,
      contentType: 'contentType' in fault.answer ? fault.answer.contentType : real.contentType,
    };
  }
  if (fault.status !== undefined) return { ...real, status: fault.status };
  return real;
}

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/**
 * Express 5 re-parses req.query on every access, so scimmy-routers cannot
 * turn startIndex/count into numbers by mutating it and scimmy would ignore
 * them. Parsing them as numbers here keeps SCIM paging working.
 */
export function parseScimQuery(query: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    out[key] = (key === 'startIndex' || key === 'count') && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}
