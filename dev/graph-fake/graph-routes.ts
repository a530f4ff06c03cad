import type { IncomingHttpHeaders } from 'node:http';
import { contextUrl, nextLink, requestPath, selectFor, type GraphContext, type GraphRequest } from './context.js';
import type { DirectoryEntry, GroupEntry, ObjectKind, UserEntry } from './directory.js';
import { graphError, notFound, segmentNotFound } from './http.js';
import { deltaPage } from './delta.js';
import type { FaultListing } from './faults.js';
import { decodeCursor, encodeCursor, parseFilter, parseSelect, parseTop, type Predicate } from './odata.js';
import { parseExpand, project, resolveSelect, type Expand } from './projection.js';
import { isServicePrincipalsSegment, routeServicePrincipals } from './service-principal-routes.js';

type Json = Record<string, unknown>;

/** Read-only Microsoft Graph v1.0 directory API over the in-memory tenant. */
export function routeGraph(ctx: GraphContext, req: GraphRequest): Json {
  const [root, ...rest] = req.segments;
  switch (root) {
    case 'users':
      return routeUsers(ctx, req, rest);
    case 'groups':
      return routeGroups(ctx, req, rest);
    case 'directory':
      if (rest[0] === 'deletedItems') return routeDeletedItems(ctx, req, rest.slice(1));
      break;
    default:
      if (root !== undefined && isServicePrincipalsSegment(root)) return routeServicePrincipals(ctx, req, root, rest);
      break;
  }
  throw segmentNotFound(root ?? '');
}


// ---- users -----------------------------------------------------------------

function routeUsers(ctx: GraphContext, req: GraphRequest, rest: string[]): Json {
  const [key, nav, ...more] = rest;
  if (key === undefined) {
    const users = ctx.directory.activeUsers();
    return listPage(ctx, req, {
      kind: 'user',
      items: applyFilter(users, req.params),
      contextPath: 'users',
      // Page failures target the main user listing: that is the read a sync must not half-apply.
      failable: true,
      faultListing: 'users',
      expand: parseExpand(req.params),
    });
  }
  if (key === 'delta' && nav === undefined) return deltaPage(ctx, req, 'user');
  const user = ctx.directory.findUser(key);
  if (!user) throw notFound(key);
  if (nav === undefined) {
    const select = selectFor(ctx, 'user', req.params);
    const body: Json = { '@odata.context': contextUrl(ctx, 'users', select, true), ...project(user, { select }) };
    addManager(ctx, user, body, parseExpand(req.params));
    return body;
  }
  if (nav === 'transitiveMemberOf' && (more.length === 0 || (more.length === 1 && more[0] === 'microsoft.graph.group'))) {
    // The fake's users are members of groups only (no administrative units or roles).
    return listPage(ctx, req, {
      kind: 'group',
      items: applyFilter(ctx.directory.transitiveParents(user.id), req.params),
      contextPath: 'groups',
      withType: more.length === 0,
    });
  }
  if (nav === 'manager' && more.length === 0) {
    const manager = managerOf(ctx, user);
    if (!manager) throw notFound('manager');
    const select = selectFor(ctx, 'user', req.params);
    return { '@odata.context': `${ctx.graphUrl}/$metadata#directoryObjects/$entity`, ...project(manager, { select, withType: true }) };
  }
  throw segmentNotFound(nav);
}

function managerOf(ctx: GraphContext, user: UserEntry): UserEntry | undefined {
  const managerId = user.props['manager'];
  return typeof managerId === 'string' ? ctx.directory.findUser(managerId) : undefined;
}

function addManager(ctx: GraphContext, user: UserEntry, body: Json, expand: Expand | undefined): void {
  if (!expand) return;
  const manager = managerOf(ctx, user);
  if (!manager) return; // Graph omits an unset navigation property rather than returning null.
  const select = expand.select ? resolveSelect('user', expand.select, () => ctx.directory.activeUsers()) : undefined;
  body['manager'] = project(manager, { select, withType: true });
}

// ---- groups ----------------------------------------------------------------

function routeGroups(ctx: GraphContext, req: GraphRequest, rest: string[]): Json {
  const [id, nav, cast, ...more] = rest;
  if (id === undefined) {
    return listPage(ctx, req, { kind: 'group', items: applyFilter(ctx.directory.groups(), req.params), contextPath: 'groups', faultListing: 'groups' });
  }
  if (id === 'delta' && nav === undefined) return deltaPage(ctx, req, 'group');
  const group = ctx.directory.findGroup(id);
  if (!group) throw notFound(id);
  if (nav === undefined) {
    const select = selectFor(ctx, 'group', req.params);
    return { '@odata.context': contextUrl(ctx, 'groups', select, true), ...project(group, { select }) };
  }
  if ((nav === 'members' || nav === 'transitiveMembers') && more.length === 0) {
    return membersPage(ctx, req, group, nav, cast);
  }
  if (nav === 'transitiveMemberOf' && (cast === undefined || cast === 'microsoft.graph.group') && more.length === 0) {
    // The fake's groups are members of groups only (no administrative units or roles).
    return listPage(ctx, req, {
      kind: 'group',
      items: applyFilter(ctx.directory.transitiveParents(group.id), req.params),
      contextPath: 'groups',
      withType: cast === undefined,
    });
  }
  throw segmentNotFound(nav);
}

const CASTS: Record<string, ObjectKind> = {
  'microsoft.graph.user': 'user',
  'microsoft.graph.group': 'group',
};

function membersPage(
  ctx: GraphContext,
  req: GraphRequest,
  group: GroupEntry,
  nav: 'members' | 'transitiveMembers',
  cast: string | undefined,
): Json {
  const castKind = cast === undefined ? undefined : CASTS[cast];
  if (cast !== undefined && castKind === undefined) throw segmentNotFound(cast);
  const all = nav === 'members' ? ctx.directory.directMembers(group.id) : ctx.directory.transitiveMembers(group.id);
  const typed = castKind === undefined ? all : all.filter((m) => m.kind === castKind);
  return listPage(ctx, req, {
    kind: castKind,
    items: applyFilter(typed, req.params),
    contextPath: castKind === undefined ? 'directoryObjects' : `${castKind}s`,
    withType: true,
    faultListing: 'members',
  });
}

// ---- deleted items -----------------------------------------------------------

function routeDeletedItems(ctx: GraphContext, req: GraphRequest, rest: string[]): Json {
  const [first, ...more] = rest;
  if (first === 'microsoft.graph.user' && more.length === 0) {
    return listPage(ctx, req, {
      kind: 'user',
      items: applyFilter(ctx.directory.deletedUsers(), req.params),
      contextPath: 'directory/deletedItems/microsoft.graph.user',
      faultListing: 'deletedUsers',
      defaultSelect: ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'deletedDateTime'],
    });
  }
  if (first === 'microsoft.graph.group' && more.length === 0) {
    // The fake never soft-deletes groups.
    return listPage(ctx, req, { kind: 'group', items: [], contextPath: 'directory/deletedItems/microsoft.graph.group' });
  }
  if (first !== undefined && more.length === 0) {
    const user = ctx.directory.findDeletedUser(first);
    if (!user) throw notFound(first);
    const select = selectFor(ctx, 'user', req.params);
    return {
      '@odata.context': `${ctx.graphUrl}/$metadata#directory/deletedItems/$entity`,
      ...project(user, { select: select ?? ['displayName', 'userPrincipalName', 'deletedDateTime'], withType: true }),
    };
  }
  throw segmentNotFound(first ?? 'deletedItems');
}

// ---- shared listing machinery ---------------------------------------------

interface ListSpec {
  /** undefined for mixed user/group listings. */
  kind: ObjectKind | undefined;
  items: DirectoryEntry[];
  contextPath: string;
  failable?: boolean;
  /** Which malformPage() rules apply to this listing. */
  faultListing?: FaultListing;
  withType?: boolean;
  expand?: Expand | undefined;
  defaultSelect?: string[];
}

function applyFilter<T extends DirectoryEntry>(items: T[], params: URLSearchParams): T[] {
  const predicate: Predicate | undefined = parseFilter(params);
  if (!predicate) return items;
  return items.filter((item) => predicate({ ...item.props, id: item.id }));
}

function checkUnsupported(params: URLSearchParams, headers: IncomingHttpHeaders): boolean {
  if (params.has('$orderby') || params.has('$search')) throw graphError(400, 'Request_UnsupportedQuery', 'Unsupported Query.');
  const count = params.get('$count');
  if (count === null || count === 'false') return false;
  // Graph only counts directory objects in "advanced query" mode.
  if (String(headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual') {
    throw graphError(400, 'Request_BadRequest', '$count is not currently supported.');
  }
  return true;
}

/**
 * One page of a collection: keyset paging on creation order, so objects
 * created or deleted between pages never shift the window.
 */
function listPage(ctx: GraphContext, req: GraphRequest, spec: ListSpec): Json {
  const withCount = checkUnsupported(req.params, req.headers);
  const top = parseTop(req.params, ctx.pageSize);
  const cursor = decodeCursor(req.params.get('$skiptoken'));
  const page = cursor?.page ?? 1;
  if (spec.failable) {
    const failure = ctx.faults.pageFailureFor(page);
    if (failure) throw failure;
  }
  const select = selectFor(ctx, spec.kind, req.params) ?? spec.defaultSelect;
  const after = cursor?.after ?? 0;
  // Items are in creation order: find the page's start by binary search, not by filtering 100k items per page.
  let low = 0;
  let high = spec.items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((spec.items[mid] as DirectoryEntry).order > after) high = mid;
    else low = mid + 1;
  }
  const slice = spec.items.slice(low, low + top);
  const remainingCount = spec.items.length - low;
  const value = slice.map((item) => {
    const json = project(item, { select, withType: spec.withType ?? false });
    if (item.kind === 'user') addManager(ctx, item, json, spec.expand);
    return json;
  });

  const body: Json = { '@odata.context': contextUrl(ctx, spec.contextPath, parseSelect(req.params) ? select : undefined) };
  if (withCount) body['@odata.count'] = spec.items.length;
  const last = slice[slice.length - 1];
  if (remainingCount > slice.length && last) {
    body['@odata.nextLink'] = nextLink(ctx, req, encodeCursor({ page: page + 1, after: last.order }));
  }
  body['value'] = value;
  return spec.faultListing === undefined ? body : ctx.faults.malformed(spec.faultListing, page, body, requestPath(ctx, req));
}
