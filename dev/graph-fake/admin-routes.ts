import type { IncomingMessage, ServerResponse } from 'node:http';
import { DirectoryError, type GroupInput } from './directory.js';
import type { DeltaExpiryOptions, FailPageOptions, MalformPageOptions, ThrottleOptions } from './faults.js';
import type { ServicePrincipalInput } from './service-principals.js';
import { HttpError, isRecord, readJson, sendJson } from './http.js';
import type { GraphFake } from './server.js';

/**
 * Out-of-process control of the fake (for tests that spawn it): the same
 * manipulation and fault methods as the in-process object, as JSON over
 * /_admin/*. Not part of Graph, not authenticated, not in the request log.
 */
export async function handleAdmin(fake: GraphFake, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const [, , resource, rawId, action] = url.pathname.split('/');
  const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
  const method = req.method ?? 'GET';
  let body: unknown;
  const object = (): Record<string, unknown> => {
    if (!isRecord(body)) throw new HttpError(400, { error: 'expected a JSON object body' });
    return body;
  };
  const text = (name: string, optional = false): string | undefined => {
    const value = object()[name];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string') throw new HttpError(400, { error: `expected "${name}" (a string) in the body` });
    return value;
  };

  try {
    if (method !== 'GET' && method !== 'DELETE') body = await readJson(req);
    const key = `${method} ${resource ?? ''}${id === undefined ? '' : '/:id'}${action === undefined ? '' : `/${action}`}`;
    switch (key) {
      case 'GET requests':
        return sendJson(res, 200, fake.requests);
      case 'DELETE requests':
        fake.resetLog();
        return sendJson(res, 204, undefined);
      case 'GET stats':
        return sendJson(res, 200, fake.stats());
      case 'GET users':
        return sendJson(res, 200, fake.users());
      case 'GET deletedUsers':
        return sendJson(res, 200, fake.deletedUsers());
      case 'GET groups':
        return sendJson(res, 200, fake.groups());
      case 'POST users':
        return sendJson(res, 200, { id: fake.upsertUser(object()) });
      case 'PATCH users/:id':
        fake.patchUser(id as string, object());
        return sendJson(res, 204, undefined);
      case 'POST users/:id/softDelete':
        fake.softDeleteUser(id as string);
        return sendJson(res, 204, undefined);
      case 'POST users/:id/restore':
        fake.restoreUser(id as string);
        return sendJson(res, 204, undefined);
      case 'DELETE users/:id':
        fake.hardDeleteUser(id as string);
        return sendJson(res, 204, undefined);
      case 'POST groups':
        return sendJson(res, 200, { id: fake.upsertGroup(object() as GroupInput) });
      case 'DELETE groups/:id':
        fake.deleteGroup(id as string);
        return sendJson(res, 204, undefined);
      case 'GET servicePrincipals':
        return sendJson(res, 200, fake.servicePrincipals());
      case 'POST servicePrincipals':
        return sendJson(res, 200, { id: fake.upsertServicePrincipal(object() as unknown as ServicePrincipalInput) });
      case 'DELETE servicePrincipals/:id':
        fake.deleteServicePrincipal(id as string);
        return sendJson(res, 204, undefined);
      case 'POST servicePrincipals/:id/assign':
        return sendJson(res, 200, { id: fake.assignToServicePrincipal(id as string, text('principalId') as string, text('appRoleId', true)) });
      case 'POST servicePrincipals/:id/unassign':
        fake.unassignFromServicePrincipal(id as string, text('principalId') as string, text('appRoleId', true));
        return sendJson(res, 204, undefined);
      case 'POST expireDeltaTokens':
        fake.expireDeltaTokens(isRecord(body) ? (body as DeltaExpiryOptions) : {});
        return sendJson(res, 204, undefined);
      case 'POST expireTokens':
        fake.expireTokens();
        return sendJson(res, 204, undefined);
      case 'POST throttle':
        fake.throttle(object() as unknown as ThrottleOptions);
        return sendJson(res, 204, undefined);
      case 'POST failPage': {
        const { page, ...options } = object();
        // JSON has no Infinity; a missing `times` already means "for good".
        fake.failPage(Number(page), options as FailPageOptions);
        return sendJson(res, 204, undefined);
      }
      case 'POST malformPage': {
        const { page, ...options } = object();
        fake.malformPage(Number(page), options as unknown as MalformPageOptions);
        return sendJson(res, 204, undefined);
      }
      case 'DELETE faults':
        fake.clearFaults();
        return sendJson(res, 204, undefined);
      default:
        return sendJson(res, 404, { error: `no admin route ${method} ${url.pathname}` });
    }
  } catch (error) {
    if (error instanceof DirectoryError) return sendJson(res, 409, { error: error.message });
    if (error instanceof HttpError) return sendJson(res, error.status, error.body);
    return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
