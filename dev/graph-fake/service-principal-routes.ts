import { contextUrl, nextLink, requestPath, type GraphContext, type GraphRequest } from './context.js';
import { graphError, notFound, segmentNotFound } from './http.js';
import { decodeCursor, encodeCursor, parseFilter, parseSelect, parseTop } from './odata.js';
import { servicePrincipalJson, type ServicePrincipalEntry } from './service-principals.js';

type Json = Record<string, unknown>;

/** `servicePrincipals`, or Graph's alternate key `servicePrincipals(appId='…')` (quotes doubled inside). */
const SEGMENT = /^servicePrincipals(?:\(appId='((?:[^']|'')*)'\))?$/;

export function isServicePrincipalsSegment(segment: string): boolean {
  return SEGMENT.test(segment);
}

/** Enterprise apps: the list, one by object id or appId, and who is assigned to it (appRoleAssignedTo). */
export function routeServicePrincipals(ctx: GraphContext, req: GraphRequest, root: string, rest: string[]): Json {
  const appId = SEGMENT.exec(root)?.[1];
  if (appId !== undefined) {
    const entry = ctx.servicePrincipals.byAppId(appId.replace(/''/g, "'"));
    if (!entry) throw notFound(`appId=${appId}`);
    return routeEntry(ctx, req, entry, rest);
  }
  const [id, ...nav] = rest;
  if (id === undefined) return listServicePrincipals(ctx, req);
  const entry = ctx.servicePrincipals.find(id);
  if (!entry) throw notFound(id);
  return routeEntry(ctx, req, entry, nav);
}

function routeEntry(ctx: GraphContext, req: GraphRequest, entry: ServicePrincipalEntry, nav: string[]): Json {
  const [property, ...more] = nav;
  if (property === undefined) {
    return { '@odata.context': `${ctx.graphUrl}/$metadata#servicePrincipals/$entity`, ...selected(servicePrincipalJson(entry), req.params) };
  }
  if (property === 'appRoleAssignedTo' && more.length === 0) {
    const items = ctx.servicePrincipals.assignedTo(entry);
    const body = page(ctx, req, items, `servicePrincipals('${entry.id}')/appRoleAssignedTo`);
    return ctx.faults.malformed('assignments', decodeCursor(req.params.get('$skiptoken'))?.page ?? 1, body, requestPath(ctx, req));
  }
  throw segmentNotFound(property);
}

function listServicePrincipals(ctx: GraphContext, req: GraphRequest): Json {
  const predicate = parseFilter(req.params);
  const items = ctx.servicePrincipals
    .all()
    .map((entry, index) => ({ order: index + 1, json: servicePrincipalJson(entry) }))
    .filter((item) => !predicate || predicate(item.json));
  return page(ctx, req, items, 'servicePrincipals');
}

/** One page by keyset on `order`, as the directory listings page. */
function page(ctx: GraphContext, req: GraphRequest, items: { order: number; json: Json }[], contextPath: string): Json {
  if (req.params.has('$orderby') || req.params.has('$search')) throw graphError(400, 'Request_UnsupportedQuery', 'Unsupported Query.');
  const top = parseTop(req.params, ctx.pageSize);
  const cursor = decodeCursor(req.params.get('$skiptoken'));
  const remaining = items.filter((item) => item.order > (cursor?.after ?? 0));
  const slice = remaining.slice(0, top);
  const select = parseSelect(req.params);
  const body: Json = { '@odata.context': contextUrl(ctx, contextPath, select) };
  const last = slice[slice.length - 1];
  if (remaining.length > slice.length && last) body['@odata.nextLink'] = nextLink(ctx, req, encodeCursor({ page: (cursor?.page ?? 1) + 1, after: last.order }));
  body['value'] = slice.map((item) => selected(item.json, req.params));
  return body;
}

/** $select over a flat resource: id always, then the named properties (any casing), null when absent. */
function selected(json: Json, params: URLSearchParams): Json {
  const select = parseSelect(params);
  if (!select) return json;
  const out: Json = { id: json['id'] };
  for (const name of select) {
    const key = Object.keys(json).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) {
      throw graphError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${name}' on the requested type.`);
    }
    out[key] = json[key];
  }
  return out;
}
