import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, isRecord, readJson, sendJson } from '../graph-fake/http.js';
import type { ServiceAppOptions } from './auth.js';
import { DirectoryError, USER_STATUSES, type AppInput, type GroupInput, type UserInput, type UserStatus } from './directory.js';
import type { FailOptions, ForbidOptions, MalformPageOptions } from './faults.js';
import type { RateLimitOptions, ThrottleOptions } from './rate-limits.js';
import type { OktaFake } from './server.js';

const LIFECYCLE = new Set(['activate', 'deactivate', 'suspend', 'unsuspend', 'unlock']);

/**
 * Out-of-process control of the fake (for tests that spawn it): the in-process methods as JSON
 * over /_admin/*. Not part of Okta's API, not authenticated, not in the request log.
 */
export async function handleAdmin(fake: OktaFake, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const [, , resource, rawId, action] = url.pathname.split('/');
  const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
  const method = req.method ?? 'GET';
  let body: unknown;
  const object = (): Record<string, unknown> => {
    if (!isRecord(body)) throw new HttpError(400, { error: 'expected a JSON object body' });
    return body;
  };
  const field = (name: string): string => {
    const value = object()[name];
    if (typeof value !== 'string') throw new HttpError(400, { error: `expected "${name}" (a string) in the body` });
    return value;
  };
  const done = (): void => sendJson(res, 204, undefined);

  try {
    if (method !== 'GET' && method !== 'DELETE') body = await readJson(req);
    const key = `${method} ${resource ?? ''}${id === undefined ? '' : '/:id'}${action === undefined ? '' : `/${LIFECYCLE.has(action) ? ':lifecycle' : action}`}`;
    switch (key) {
      case 'GET requests':
        return sendJson(res, 200, fake.requests);
      case 'DELETE requests':
        fake.resetLog();
        return done();
      case 'GET stats':
        return sendJson(res, 200, fake.stats());
      case 'POST users':
        return sendJson(res, 200, { id: fake.createUser(object() as unknown as UserInput) });
      case 'GET users/:id': {
        const user = fake.user(id as string);
        return user ? sendJson(res, 200, user) : sendJson(res, 404, { error: `no user ${id as string}` });
      }
      case 'PATCH users/:id': {
        const { at, ...profile } = object();
        fake.updateUser(id as string, profile, typeof at === 'string' ? at : undefined);
        return done();
      }
      case 'POST users/:id/:lifecycle':
        ({ activate: fake.activateUser, deactivate: fake.deactivateUser, suspend: fake.suspendUser, unsuspend: fake.unsuspendUser, unlock: fake.unlockUser })[
          action as 'activate'
        ](id as string);
        return done();
      case 'POST users/:id/status': {
        const status = field('status');
        if (!(USER_STATUSES as readonly string[]).includes(status)) throw new HttpError(400, { error: `status must be one of ${USER_STATUSES.join(', ')}` });
        fake.setUserStatus(id as string, status as UserStatus);
        return done();
      }
      case 'DELETE users/:id':
        fake.deleteUser(id as string);
        return done();
      case 'POST groups':
        return sendJson(res, 200, { id: fake.createGroup(object() as unknown as GroupInput) });
      case 'PATCH groups/:id': {
        const { name, description } = object();
        if ((name !== undefined && typeof name !== 'string') || (description !== undefined && description !== null && typeof description !== 'string')) {
          throw new HttpError(400, { error: 'expected "name" (a string) and/or "description" (a string or null)' });
        }
        fake.updateGroup(id as string, { ...(name === undefined ? {} : { name }), ...(description === undefined ? {} : { description }) });
        return done();
      }
      case 'POST groups/:id/members':
        fake.addGroupMember(id as string, field('userId'));
        return done();
      case 'DELETE groups/:id':
        fake.deleteGroup(id as string);
        return done();
      case 'POST apps':
        return sendJson(res, 200, { id: fake.createApp(object() as unknown as AppInput) });
      case 'POST apps/:id/users':
        fake.assignUserToApp(id as string, field('userId'));
        return done();
      case 'POST apps/:id/groups':
        fake.assignGroupToApp(id as string, field('groupId'));
        return done();
      case 'POST tokens':
        fake.addApiToken(field('token'));
        return done();
      case 'POST tokens/:id/revoke':
        fake.revokeApiToken(id as string);
        return done();
      case 'POST serviceApps':
        fake.registerServiceApp(object() as unknown as ServiceAppOptions);
        return done();
      case 'POST rateLimit':
        fake.setRateLimit(object() as unknown as RateLimitOptions);
        return done();
      case 'POST throttle':
        fake.throttle(object() as ThrottleOptions);
        return done();
      case 'POST forbid':
        fake.forbid(object() as ForbidOptions);
        return done();
      case 'POST fail':
        fake.fail(object() as unknown as FailOptions);
        return done();
      case 'POST malformPage':
        fake.malformPage(object() as unknown as MalformPageOptions);
        return done();
      case 'DELETE faults':
        fake.clearFaults();
        return done();
      case 'POST latency':
        fake.setLatency(Number(object()['ms']));
        return done();
      default:
        return sendJson(res, 404, { error: `no admin route ${method} ${url.pathname}` });
    }
  } catch (error) {
    if (error instanceof DirectoryError) return sendJson(res, error.kind === 'notFound' ? 404 : 409, { error: error.message });
    if (error instanceof HttpError) return sendJson(res, error.status, error.body);
    return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
