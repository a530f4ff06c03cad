/**
 * Building blocks of app emulators: the rules real SCIM apps add to (or take away from) standard
 * SCIM, as express handlers on top of the dev SCIM server (see ScimAppProfile).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendScimError } from '../scim-server/middleware.js';
import type { ScimResource, ScimStore } from '../scim-server/store.js';

export type Resource = 'Users' | 'Groups';

/** `/Users`, `/Users/{id}` (case-insensitive, as SCIM endpoints are matched). */
export function route(req: Request): { resource?: Resource; id?: string } {
  const match = /^\/(users|groups)(?:\/([^/?]+))?\/?$/i.exec(req.path);
  if (!match) return {};
  const resource = match[1]?.toLowerCase() === 'users' ? 'Users' : 'Groups';
  return { resource, ...(match[2] === undefined ? {} : { id: decodeURIComponent(match[2]) }) };
}

export function sendResource(res: Response, status: number, resource: ScimResource): void {
  res.status(status).type('application/scim+json').send(JSON.stringify(resource));
}

/**
 * Filters the app documents, per resource: `attribute eq "value"` only. Anything else is refused
 * as RFC 7644 §3.4.2.2 lets a service provider refuse a filter it does not support.
 */
export function onlyFilters(allowed: Readonly<Record<Resource, readonly string[]>>): RequestHandler {
  return (req, res, next) => {
    const { resource, id } = route(req);
    const filter = req.query['filter'];
    if (req.method !== 'GET' || resource === undefined || id !== undefined || filter === undefined) return next();
    const match = /^\s*([A-Za-z][\w.:]*)\s+eq\s+"(?:[^"\\]|\\.)*"\s*$/i.exec(String(filter));
    const attribute = match?.[1]?.toLowerCase();
    if (attribute !== undefined && allowed[resource].some((a) => a.toLowerCase() === attribute)) return next();
    sendScimError(res, 400, `Filtering ${resource} is supported on ${allowed[resource].map((a) => `${a} eq`).join(', ') || 'nothing'}; not on: ${String(filter)}`, 'invalidFilter');
  };
}

/** An endpoint the app does not have (Flosum's /Groups): 404, as for any unknown path. */
export function noEndpoint(resource: Resource): RequestHandler {
  return (req, res, next) => (route(req).resource === resource ? sendScimError(res, 404, 'Endpoint Not Found') : next());
}

/** `base/` + `/Users` = `//Users`, which a router such as Django's resolves to nothing. */
export const noDoubleSlash: RequestHandler = (req, res, next) => (req.url.startsWith('//') ? sendScimError(res, 404, 'Endpoint Not Found') : next());

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The work (or first) e-mail address of a SCIM user body. */
export function emailOf(user: Record<string, unknown>): string | undefined {
  const emails = Array.isArray(user['emails']) ? user['emails'].filter(isObject) : [];
  const email = emails.find((e) => e['type'] === 'work') ?? emails.find((e) => e['primary'] === true) ?? emails[0];
  return typeof email?.['value'] === 'string' && email['value'] !== '' ? email['value'] : undefined;
}

export function findUserByEmail(store: ScimStore, email: string): ScimResource | undefined {
  const wanted = email.toLowerCase();
  return store.list('User').find((u) => emailOf(u)?.toLowerCase() === wanted);
}

/** A create whose e-mail an existing user has returns that user instead (Flagsmith, Flow Connect). */
export function adoptUserByEmail(store: ScimStore, onAdopt: (user: ScimResource) => void = () => {}): RequestHandler {
  return (req, res, next) => {
    const { resource, id } = route(req);
    if (req.method !== 'POST' || resource !== 'Users' || id !== undefined || !isObject(req.body)) return next();
    const email = emailOf(req.body);
    const existing = email === undefined ? undefined : findUserByEmail(store, email);
    if (!existing) return next();
    onAdopt(existing);
    sendResource(res, 201, structuredClone(existing));
  };
}

/** Does this PATCH or PUT of a user set active to false? */
export function deactivates(req: Request): boolean {
  const body: unknown = req.body;
  if (!isObject(body)) return false;
  if (req.method === 'PUT') return body['active'] === false;
  if (req.method !== 'PATCH' || !Array.isArray(body['Operations'])) return false;
  return body['Operations'].filter(isObject).some((op) => {
    const path = typeof op['path'] === 'string' ? op['path'].toLowerCase() : undefined;
    if (path === 'active') return op['value'] === false;
    return path === undefined && isObject(op['value']) && op['value']['active'] === false;
  });
}

/** Runs `then` once the standard handling answered the request with a 2xx. */
export function afterSuccess(res: Response, then: () => void): void {
  res.on('finish', () => {
    if (res.statusCode >= 200 && res.statusCode < 300) then();
  });
}

export type Handler = (req: Request, res: Response, next: NextFunction) => void;
