/**
 * The Management API endpoints the provisiond reader uses (users, groups, members, app
 * assignments) and the user lifecycle operations, with Okta's listing rules: a plain user list
 * leaves out DEPROVISIONED users, `filter` takes only a few properties and operators, `search`
 * takes any, and every listing pages by cursor.
 */
import { DirectoryError, type OktaDirectory, type StoredGroup, type StoredUser } from './directory.js';
import { oktaError } from './errors.js';
import { comparisons, evaluate, ExpressionError, parseExpression, type Expression, type Operator } from './expression.js';
import { LIMITS, linkHeaders, pageAfter, pageLimit, type LimitRule } from './paging.js';
import { apiApp, apiAppGroup, apiAppUser, apiGroup, apiUser } from './representation.js';
import { userSchema } from './user-schema.js';

export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
}

export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly links?: string[];
  /** 1-based page number of a listing answer. */
  readonly page?: number;
}

/** Which OAuth scope an endpoint needs (a `.manage` scope includes `.read`). */
export function requiredScope(method: string, pathname: string): string {
  const collection = pathname.split('/')[3] ?? '';
  if (collection === 'meta') return `okta.schemas.${method === 'GET' ? 'read' : 'manage'}`;
  const family = collection === 'groups' ? 'groups' : collection === 'apps' ? 'apps' : 'users';
  return `okta.${family}.${method === 'GET' ? 'read' : 'manage'}`;
}

const TIMESTAMPS: ReadonlySet<string> = new Set(['created', 'activated', 'statusChanged', 'lastLogin', 'lastUpdated', 'passwordChanged', 'lastMembershipUpdated']);

/** What `filter` accepts, per Okta's API reference: every property takes eq, timestamps also gt/ge/lt/le. */
const USER_FILTER = new Set(['status', 'lastUpdated', 'id', 'profile.login', 'profile.email', 'profile.firstName', 'profile.lastName']);
const GROUP_FILTER = new Set(['id', 'type', 'lastUpdated', 'lastMembershipUpdated']);
const RANGE_OPERATORS = new Set<Operator>(['gt', 'ge', 'lt', 'le']);

export function routeApi(directory: OktaDirectory, origin: string, request: ApiRequest): ApiResponse {
  const segments = request.url.pathname.split('/').slice(3).map(decodeURIComponent);
  const [collection, id, sub, operation] = segments;
  const key = `${request.method} ${collection ?? ''}${id === undefined ? '' : '/:id'}${sub === undefined ? '' : `/${sub}`}${operation === undefined ? '' : '/:op'}`;
  try {
    switch (key) {
      case 'GET users':
        return listUsers(directory, origin, request.url);
      case 'GET users/:id': {
        const user = directory.findUser(id as string);
        if (!user) throw new DirectoryError(`Not found: Resource not found: ${id as string} (User)`, 'notFound');
        return { status: 200, body: apiUser(user, origin) };
      }
      case 'DELETE users/:id':
        directory.deleteUserStep(directory.user(id as string).id);
        return { status: 204 };
      case 'POST users/:id/lifecycle/:op': {
        const op = operation as string;
        if (!['activate', 'reactivate', 'deactivate', 'suspend', 'unsuspend', 'unlock'].includes(op)) break;
        directory.lifecycle(id as string, op as Parameters<OktaDirectory['lifecycle']>[1]);
        return { status: 200, body: {} };
      }
      case 'GET groups':
        return listGroups(directory, origin, request.url);
      case 'GET groups/:id':
        return { status: 200, body: apiGroup(directory.group(id as string), origin) };
      case 'GET groups/:id/users': {
        const members = directory.groupMembers(id as string);
        return paged(request.url, members, () => true, LIMITS.groupUsers, (u) => apiUser(u, origin));
      }
      case 'GET meta/:id/user/:op':
        if (id !== 'schemas' || operation !== 'default') break;
        return { status: 200, body: userSchema(directory, origin) };
      case 'GET apps/:id':
        return { status: 200, body: apiApp(directory.app(id as string), origin) };
      case 'GET apps/:id/users': {
        const entries = directory.appUsers(id as string).map((entry) => ({ id: entry.user.id, entry }));
        return paged(request.url, entries, () => true, LIMITS.appUsers, (e) => apiAppUser(id as string, e.entry, origin));
      }
      case 'GET apps/:id/groups': {
        const app = directory.app(id as string);
        const assignments = [...app.groups.entries()]
          .map(([groupId, assigned]) => ({ id: groupId, assigned }))
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((a, priority) => ({ ...a, priority }));
        return paged(request.url, assignments, () => true, LIMITS.appGroups, (a) => apiAppGroup(app.id, a.id, a.assigned, a.priority, origin));
      }
    }
  } catch (error) {
    if (error instanceof DirectoryError) {
      throw error.kind === 'notFound' ? oktaError(404, 'E0000007', { summary: error.message }) : oktaError(400, 'E0000001', { causes: [error.message] });
    }
    if (error instanceof ExpressionError) throw oktaError(400, 'E0000031', { causes: [error.message] });
    throw error;
  }
  throw oktaError(404, 'E0000022', { summary: `The endpoint does not support the provided HTTP method: ${request.method} ${request.url.pathname}` });
}

function listUsers(directory: OktaDirectory, origin: string, url: URL): ApiResponse {
  const params = url.searchParams;
  const search = params.get('search');
  const filter = params.get('filter');
  const q = params.get('q');
  let matches: (user: StoredUser) => boolean;
  let rule: LimitRule = LIMITS.users;
  if (search !== null) {
    const expression = parseExpression(search);
    matches = (u) => evaluate(expression, userAttribute(u), { timestamps: TIMESTAMPS, caseInsensitive: true });
  } else if (filter !== null) {
    const expression = checkedFilter(filter, USER_FILTER);
    matches = (u) => evaluate(expression, userAttribute(u), { timestamps: TIMESTAMPS, caseInsensitive: false });
  } else if (q !== null) {
    const prefix = q.toLowerCase();
    rule = LIMITS.usersQ;
    matches = (u) =>
      u.status !== 'DEPROVISIONED' &&
      ['firstName', 'lastName', 'email', 'login'].some((name) => String(u.profile[name] ?? '').toLowerCase().startsWith(prefix));
  } else {
    // Okta's own rule: deactivated users show up only when a filter or search asks for them.
    matches = (u) => u.status !== 'DEPROVISIONED';
  }
  return paged(url, directory.users(), matches, rule, (u) => apiUser(u, origin));
}

function listGroups(directory: OktaDirectory, origin: string, url: URL): ApiResponse {
  const params = url.searchParams;
  const search = params.get('search');
  const filter = params.get('filter');
  const q = params.get('q');
  let matches: (group: StoredGroup) => boolean = () => true;
  if (search !== null) {
    const expression = parseExpression(search);
    matches = (g) => evaluate(expression, groupAttribute(g), { timestamps: TIMESTAMPS, caseInsensitive: true });
  } else if (filter !== null) {
    const expression = checkedFilter(filter, GROUP_FILTER);
    matches = (g) => evaluate(expression, groupAttribute(g), { timestamps: TIMESTAMPS, caseInsensitive: false });
  } else if (q !== null) {
    const prefix = q.toLowerCase();
    matches = (g) => g.profile.name.toLowerCase().startsWith(prefix);
  }
  return paged(url, directory.groups(), matches, LIMITS.groups, (g) => apiGroup(g, origin));
}

function paged<T extends { readonly id: string }>(url: URL, sorted: readonly T[], matches: (item: T) => boolean, rule: LimitRule, render: (item: T) => unknown): ApiResponse {
  const limit = pageLimit(url.searchParams, rule);
  const after = url.searchParams.get('after');
  const page = pageAfter(sorted, matches, after, limit);
  // Which page this is, for injected faults: the matching items before the cursor, in pages.
  const before = after === null ? 0 : sorted.filter((item) => item.id <= after && matches(item)).length;
  return { status: 200, body: page.items.map(render), links: linkHeaders(url, page.nextAfter), page: Math.floor(before / limit) + 1 };
}

/** A `filter` may use only the listed properties, `eq`, and range operators on timestamps. */
function checkedFilter(text: string, allowed: ReadonlySet<string>): Expression {
  const expression = parseExpression(text);
  for (const comparison of comparisons(expression)) {
    if (!allowed.has(comparison.attribute)) throw new ExpressionError(`filter does not support ${comparison.attribute}; use search`);
    const rangeOk = TIMESTAMPS.has(comparison.attribute) && RANGE_OPERATORS.has(comparison.operator);
    if (comparison.operator !== 'eq' && !rangeOk) throw new ExpressionError(`filter does not support ${comparison.operator} on ${comparison.attribute}`);
  }
  return expression;
}

function userAttribute(user: StoredUser): (attribute: string) => unknown {
  return (attribute) => {
    if (attribute.startsWith('profile.')) return user.profile[attribute.slice('profile.'.length)];
    switch (attribute) {
      case 'id':
        return user.id;
      case 'status':
        return user.status;
      case 'type.id':
        return 'oty1fake0000000000000';
      case 'created':
      case 'activated':
      case 'statusChanged':
      case 'lastUpdated':
      case 'passwordChanged': {
        const ms = user[attribute];
        return ms === null ? null : new Date(ms).toISOString();
      }
      default:
        return undefined;
    }
  };
}

function groupAttribute(group: StoredGroup): (attribute: string) => unknown {
  return (attribute) => {
    switch (attribute) {
      case 'id':
        return group.id;
      case 'type':
        return group.type;
      case 'profile.name':
        return group.profile.name;
      case 'profile.description':
        return group.profile.description;
      case 'created':
      case 'lastUpdated':
      case 'lastMembershipUpdated':
        return new Date(group[attribute]).toISOString();
      default:
        return undefined;
    }
  };
}
